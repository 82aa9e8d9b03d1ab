"""Tests of deeplinear.invariants: conserved quantities, the commutator, and the GL symmetry."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl


@st.composite
def problems(draw, min_depth=1, max_depth=5, max_width=6):
    h = draw(st.integers(min_depth, max_depth))
    d = tuple(draw(st.lists(st.integers(1, max_width), min_size=h + 1, max_size=h + 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = dl.random_init(d, rng, 1.0, fan_in=True)
    S = rng.standard_normal((d[-1], d[0]))
    return d, W, S, rng


def test_conserved_quantities_formula():
    rng = np.random.default_rng(0)
    W = dl.random_init((3, 4, 2, 5), rng)
    C = dl.conserved_quantities(W)
    assert [c.shape for c in C] == [(4, 4), (2, 2)]
    np.testing.assert_allclose(C[0], W[1].T @ W[1] - W[0] @ W[0].T)
    np.testing.assert_allclose(C[1], W[2].T @ W[2] - W[1] @ W[1].T)
    assert dl.conserved_quantities([np.ones((2, 3))]) == []
    assert dl.imbalance([np.ones((2, 3))]) == 0.0
    assert dl.imbalance(W) == pytest.approx(max(np.linalg.norm(C[0]), np.linalg.norm(C[1])))


@given(problems())
def test_commutator_is_block_diagonal_with_the_C_i_inside(p):
    d, W, _, _ = p
    A = dl.adjacency(W)
    K = dl.commutator(A)
    sl = dl.layer_slices(d)
    off = K.copy()
    for s in sl:
        off[s, s] = 0.0
    assert np.all(off == 0.0)
    blocks = dl.commutator_blocks(A, d)
    assert len(blocks) == len(d)
    np.testing.assert_allclose(blocks[0], W[0].T @ W[0], atol=1e-12)
    np.testing.assert_allclose(blocks[-1], -W[-1] @ W[-1].T, atol=1e-12)
    for b, c in zip(blocks[1:-1], dl.conserved_quantities(W)):
        np.testing.assert_allclose(b, c, atol=1e-12)


def test_conserved_drift_is_relative_to_max_one_and_norm():
    C0 = [np.eye(2) * 10.0, np.zeros((1, 1))]
    C1 = [np.eye(2) * 10.0 + 1e-3, np.full((1, 1), 2e-3)]
    expected = max(np.linalg.norm(np.full((2, 2), 1e-3)) / np.linalg.norm(C0[0]), 2e-3)
    assert dl.conserved_drift(C0, C1) == pytest.approx(expected)
    with pytest.raises(ValueError, match="same length"):
        dl.conserved_drift(C0, C1[:1])


@given(problems(min_depth=2))
def test_claim_22_loss_invariant_under_gl(p):
    """Digest claim 22: L(T A T^-1) = L(A) for random block-diagonal T (identity outer blocks), to 1e-10."""
    d, W, S, rng = p
    Ts = dl.random_gl(d, rng, cond=10.0)
    V = dl.gl_action(W, Ts)
    assert dl.loss(V, S) == pytest.approx(dl.loss(W, S), rel=1e-10, abs=1e-10)
    np.testing.assert_allclose(dl.end_to_end(V), dl.end_to_end(W), atol=1e-10 * max(1.0, np.abs(dl.end_to_end(W)).max()))
    # the adjacency form gives the same transformed network
    A_T = dl.gl_action_adjacency(dl.adjacency(W), Ts, d)
    np.testing.assert_allclose(A_T, dl.adjacency(V), atol=1e-10 * max(1.0, np.abs(A_T).max()))
    np.testing.assert_allclose(dl.block_diagonal(Ts, d) @ dl.adjacency(W), A_T @ dl.block_diagonal(Ts, d),
                               atol=1e-9 * max(1.0, np.abs(A_T).max()))


def _transformed_gradient(G, Ts):
    full = [np.eye(G[0].shape[1])] + list(Ts) + [np.eye(G[-1].shape[0])]
    return [full[i + 1] @ g @ np.linalg.inv(full[i]) for i, g in enumerate(G)]


@given(problems(min_depth=2))
def test_claim_22_gradient_equivariant_under_orthogonal_T(p):
    d, W, S, rng = p
    Ts = dl.random_gl(d, rng, orthogonal=True)
    G_T = dl.gradient(dl.gl_action(W, Ts), S)
    for a, b in zip(G_T, _transformed_gradient(dl.gradient(W, S), Ts)):
        np.testing.assert_allclose(a, b, atol=1e-10 * max(1.0, np.abs(b).max()))
    # conserved quantities are conjugated: C_i -> T_i C_i T_i^T
    for c_T, c, T in zip(dl.conserved_quantities(dl.gl_action(W, Ts)), dl.conserved_quantities(W), Ts):
        np.testing.assert_allclose(c_T, T @ c @ T.T, atol=1e-10 * max(1.0, np.abs(c).max()))


def test_claim_22_gradient_not_equivariant_under_general_T():
    rng = np.random.default_rng(5)
    d = (3, 4, 4, 2)
    W = dl.random_init(d, rng)
    S = rng.standard_normal((2, 3))
    Ts = dl.random_gl(d, rng, cond=10.0)
    G_T = dl.gradient(dl.gl_action(W, Ts), S)
    err = max(np.abs(a - b).max() for a, b in zip(G_T, _transformed_gradient(dl.gradient(W, S), Ts)))
    assert err > 1e-2
    assert dl.loss(dl.gl_action(W, Ts), S) == pytest.approx(dl.loss(W, S), rel=1e-10)


def test_random_gl_properties():
    rng = np.random.default_rng(0)
    d = (2, 3, 1, 4, 2)
    Ts = dl.random_gl(d, rng, cond=50.0)
    assert [T.shape for T in Ts] == [(3, 3), (1, 1), (4, 4)]
    assert np.linalg.cond(Ts[0]) == pytest.approx(50.0, rel=1e-8)
    assert np.linalg.cond(Ts[2]) == pytest.approx(50.0, rel=1e-8)
    assert 1 / np.sqrt(50.0) - 1e-12 <= abs(Ts[1][0, 0]) <= np.sqrt(50.0) + 1e-12
    Qs = dl.random_gl(d, rng, orthogonal=True)
    for Q in Qs:
        np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[0]), atol=1e-12)
    # reproducible from the seed
    a = dl.random_gl(d, np.random.default_rng(7))
    b = dl.random_gl(d, np.random.default_rng(7))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert dl.random_gl((3, 2), rng) == []


def test_random_orthogonal_is_orthogonal_and_haar_signs():
    rng = np.random.default_rng(1)
    Q = dl.random_orthogonal(5, rng)
    np.testing.assert_allclose(Q @ Q.T, np.eye(5), atol=1e-12)
    # Haar: the mean of Q_11 over many draws is ~0 (without the sign fix it is biased)
    m = np.mean([dl.random_orthogonal(3, rng)[0, 0] for _ in range(2000)])
    assert abs(m) < 0.05


def test_bad_inputs():
    rng = np.random.default_rng(0)
    W = dl.random_init((3, 4, 2), rng)
    with pytest.raises(ValueError, match="h - 1 = 1"):
        dl.gl_action(W, [np.eye(4), np.eye(2)])
    with pytest.raises(ValueError, match="shape \\(4, 4\\)"):
        dl.gl_action(W, [np.eye(3)])
    with pytest.raises(ValueError, match="singular"):
        dl.gl_action(W, [np.zeros((4, 4))])
    with pytest.raises(TypeError, match="list"):
        dl.gl_action(W, np.eye(4))
    with pytest.raises(ValueError, match="cond must be >= 1"):
        dl.random_gl((3, 4, 2), rng, cond=0.5)
    with pytest.raises(TypeError, match="Generator"):
        dl.random_gl((3, 4, 2), None)
    with pytest.raises(ValueError, match="must be \\(9, 9\\)"):
        dl.commutator_blocks(np.zeros((8, 8)), (3, 4, 2))
    with pytest.raises(ValueError, match="square"):
        dl.commutator(np.zeros((2, 3)))


# --------------------------------------------------------------------------- along trajectories


@pytest.fixture(scope="module")
def trajectory():
    rng = np.random.default_rng(0)
    W0 = dl.random_init((3, 4, 2, 3), rng, 0.5)
    return dl.gradient_flow(W0, np.diag([3.0, 2.0, 1.0]), (0.0, 10.0), t_eval=np.linspace(0.0, 10.0, 51))


def test_block_drift_inner_conserved_outer_moving(trajectory):
    drift = dl.commutator_block_drift(trajectory)
    assert drift.shape == (51, 4)
    assert np.all(drift[0] == 0)
    assert np.max(drift[:, 1:3]) < 1e-9          # C_1, C_2 are first integrals
    assert np.min(drift[-1, [0, 3]]) > 0.5        # W_1^T W_1 and -W_3 W_3^T move (claim 4)


def test_block_drift_matches_commutator_blocks(trajectory):
    drift = dl.commutator_block_drift(trajectory)
    k = 30
    B0 = dl.commutator_blocks(dl.adjacency(trajectory.weights[0]), trajectory.widths)
    Bk = dl.commutator_blocks(dl.adjacency(trajectory.weights[k]), trajectory.widths)
    assert np.allclose(drift[k], [np.linalg.norm(a - b) for a, b in zip(Bk, B0)])


def test_symmetry_defect_zero_for_orthogonal_not_for_general():
    rng = np.random.default_rng(1)
    d = (2, 3, 3, 2)
    W0 = dl.random_init(d, rng, 0.6)
    Sigma = np.diag([2.0, 1.0])
    t = np.linspace(0.0, 3.0, 16)
    tr = dl.gradient_flow(W0, Sigma, (0.0, 3.0), t_eval=t)
    for orthogonal, small in ((True, True), (False, False)):
        Ts = dl.random_gl(d, rng, orthogonal=orthogonal, cond=3.0)
        tr_T = dl.gradient_flow(dl.gl_action(W0, Ts), Sigma, (0.0, 3.0), t_eval=t)
        defect = dl.symmetry_defect(tr, tr_T, Ts)
        assert defect[0] < 1e-12                    # same start: T.W(0)
        assert abs(tr_T.loss[0] - tr.loss[0]) < 1e-12  # loss invariant (claim 22)
        assert (np.max(defect) < 1e-8) == small


def test_trajectory_measurements_reject_bad_input(trajectory):
    with pytest.raises(TypeError, match="Trajectory"):
        dl.commutator_block_drift([np.eye(2)])
    shallow = dl.gradient_flow([np.ones((1, 1))], np.ones((1, 1)), 1.0)
    with pytest.raises(ValueError, match="h >= 2"):
        dl.commutator_block_drift(shallow)
    with pytest.raises(TypeError, match="transformed must be a deeplinear Trajectory"):
        dl.symmetry_defect(trajectory, "no", [np.eye(4), np.eye(2)])
    with pytest.raises(ValueError, match="h - 1 = 2"):
        dl.symmetry_defect(trajectory, trajectory, [np.eye(4)])
    other = dl.gradient_flow(trajectory.weights[0], np.diag([3.0, 2.0, 1.0]), (0.0, 1.0), t_eval=[0.0, 1.0])
    with pytest.raises(ValueError, match="same times"):
        dl.symmetry_defect(trajectory, other, [np.eye(4), np.eye(2)])


def test_commutator_overflow_is_a_named_error():
    A = dl.adjacency([np.full((2, 2), 1e200), np.eye(2)])
    with pytest.raises(dl.NonFiniteResultError, match="commutator.*A is too large"):
        dl.commutator(A)
    with pytest.raises(dl.NonFiniteResultError, match="commutator_blocks"):
        dl.commutator_blocks(A, (2, 2, 2))
