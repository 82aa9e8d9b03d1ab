"""Tests of deeplinear.landscape: critical values, representatives, fibres and paths in them, level sets.

Digest claims checked here: 6 (bottleneck minimum), 7 (critical values of diag(3, 2, 1)),
32 (non-critical fibre points), and the unbounded critical level sets of section 3.1.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl

S321 = np.diag([3.0, 2.0, 1.0])
S32 = np.diag([3.0, 2.0])


# --------------------------------------------------------------------------- claim 7


@pytest.mark.parametrize(
    "widths, values, glob, gsets",
    [
        ((3, 3, 3), (0, 0.5, 2, 2.5, 4.5, 5, 6.5, 7), 0.0, ((1, 2, 3),)),
        ((3, 4, 2, 3), (0.5, 2, 2.5, 4.5, 5, 6.5, 7), 0.5, ((1, 2),)),
        ((3, 1, 3), (2.5, 5, 6.5, 7), 2.5, ((1,),)),
    ],
)
def test_claim7_critical_values_of_diag321(widths, values, glob, gsets):
    cv = dl.critical_values([3, 2, 1], widths)
    assert cv.values == pytest.approx(values, abs=0)
    assert cv.count == len(values)
    assert cv.global_minimum == glob and cv.values[0] == glob
    assert cv.global_minimum_subsets == gsets
    # count formula sum_{k <= min(r, d_min)} C(r, k) for generic singular values
    m = min(3, min(widths))
    assert cv.count == sum(math.comb(3, k) for k in range(m + 1)) == cv.n_admissible_subsets
    # every value is half the unlearnt energy of each of its subsets
    for v, subsets in cv:
        for S in subsets:
            assert v == 0.5 * sum(s**2 for k, s in enumerate([3, 2, 1], start=1) if k not in S)
            assert len(S) <= min(widths)
    assert cv.is_global_minimum(0) and not any(cv.is_global_minimum(i) for i in range(1, cv.count))


def test_critical_values_table_prints_and_renders():
    cv = dl.critical_values([3, 2, 1], (3, 4, 2, 3))
    text = repr(cv)
    assert "global minimum" in text and "{1,2}" in text and "∅" in text
    html = cv._repr_html_()
    assert html.count("<tr") == cv.count + 1
    assert cv.rows()[0] == {"value": 0.5, "subsets": ((1, 2),), "global_minimum": True}
    assert cv.value_of((1, 3)) == 2.0


def test_repeated_singular_values_share_one_value():
    cv = dl.critical_values([1, 1, math.sqrt(2)], (3, 3, 3))
    assert cv.values == pytest.approx((0, 0.5, 1, 1.5, 2))
    # value 1: learning sigma_3 = sqrt 2 alone, or sigma_1 and sigma_2 (energies 2 = 1 + 1)
    assert cv.subsets[2] == ((3,), (1, 2))
    assert cv.subsets[1] == ((1, 3), (2, 3))
    assert cv.count == 5 < cv.n_admissible_subsets == 8


def test_zero_singular_values_are_never_learnt():
    cv = dl.critical_values([2, 0, 1], (3, 3, 3))
    assert cv.rank == 2
    assert all(2 not in S for subsets in cv.subsets for S in subsets)
    assert cv.values == (0.0, 0.5, 2.0, 2.5)
    # all-zero target: one critical value, the empty set
    cz = dl.critical_values([0, 0], (2, 2))
    assert cz.values == (0.0,) and cz.subsets == (((),),)


def test_rectangular_sigma_and_critical_values_of_a_matrix():
    Sigma = np.array([[3.0, 0, 0, 0], [0, 1.0, 0, 0]])  # d_h = 2, d_0 = 4
    cv = dl.critical_values(Sigma, (4, 3, 2))
    assert cv.values == (0.0, 0.5, 4.5, 5.0)
    # a non-diagonal Sigma: singular values sorted decreasingly
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4))
    s = np.linalg.svd(A, compute_uv=False)
    cv2 = dl.critical_values(A, (4, 3, 3))
    assert cv2.singular_values == pytest.approx(tuple(s))
    with pytest.raises(ValueError, match="at most min"):
        dl.critical_values([3, 2, 1], (2, 5, 3))


def test_k_smallest_matches_full_enumeration():
    rng = np.random.default_rng(3)
    for _ in range(10):
        s = rng.uniform(0.1, 5, size=int(rng.integers(1, 9)))
        widths = (len(s), int(rng.integers(1, len(s) + 1)), len(s))
        full = dl.critical_values(s, widths)
        for k in (1, 3, full.count, full.count + 5):
            part = dl.critical_values(s, widths, k=k)
            n = min(k, full.count)
            assert part.values == full.values[:n]
            assert part.subsets == full.subsets[:n]
            assert part.complete == (k >= full.count)


def test_k_smallest_large_problem_best_first():
    s = np.arange(30, 0, -1.0)  # 30 distinct singular values, rank bound 15
    cv = dl.critical_values(s, (30, 15, 30), k=20)
    assert cv.count == 20 and not cv.complete
    assert cv.values[0] == cv.global_minimum == 0.5 * sum(x**2 for x in range(1, 16))
    assert cv.global_minimum_subsets == (tuple(range(1, 16)),)
    # the second value swaps sigma_15 for sigma_16
    assert cv.subsets[1] == ((*range(1, 15), 16),)
    assert list(cv.values) == sorted(cv.values)
    # the full problem has too many subsets to list
    with pytest.raises(ValueError, match="max_subsets"):
        dl.critical_values(s, (30, 15, 30))


@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=7),
    st.integers(1, 7),
)
def test_property_values_are_the_unlearnt_energies(sig, dmin):
    s = np.array(sig, dtype=float)
    widths = (len(s), min(dmin, len(s)), len(s))
    cv = dl.critical_values(s, widths)
    pos = [k + 1 for k in range(len(s)) if s[k] > 0]
    m = min(len(pos), widths[1])
    brute = sorted({0.5 * sum(s[k - 1] ** 2 for k in pos if k not in S) for c in range(m + 1) for S in combinations(pos, c)})
    assert cv.values == pytest.approx(tuple(brute))
    assert cv.global_minimum == min(brute)
    every = [S for subsets in cv.subsets for S in subsets]
    assert len(every) == len(set(every)) == sum(math.comb(len(pos), c) for c in range(m + 1))


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        ([-1, 2], ValueError, "non-negative"),
        ([[[1, 2]]], ValueError, "1-D"),
        ([[1, 2]], ValueError, "Sigma"),
        ("abc", TypeError, "sequence"),
        ([np.nan], ValueError, "finite"),
    ],
)
def test_critical_values_bad_input(bad, exc, match):
    with pytest.raises(exc, match=match):
        dl.critical_values(bad, (2, 2, 2))


# --------------------------------------------------------------------------- representatives


def test_balanced_representative_is_critical_balanced_and_has_the_value():
    for widths in [(3, 3, 3, 3), (3, 4, 2, 3), (3, 2, 5, 3)]:
        for S in [(), (1,), (2,), (1, 3), (2, 3)]:
            if len(S) > min(widths):
                continue
            cp = dl.critical_point(S, S321, widths)
            assert cp.subset == S
            assert dl.is_critical(cp.weights, S321)
            assert dl.loss(cp.weights, S321) == pytest.approx(cp.value, abs=1e-13)
            target = np.diag([3.0 if 1 in S else 0, 2.0 if 2 in S else 0, 1.0 if 3 in S else 0])
            np.testing.assert_allclose(cp.end_to_end, target, atol=1e-13)
            assert max(dl.conserved_drift([np.zeros_like(c) for c in dl.conserved_quantities(cp.weights)],
                                          dl.conserved_quantities(cp.weights)), 0) < 1e-13
            np.testing.assert_allclose(cp.adjacency, dl.adjacency(cp.weights))
            assert dl.learnt_subset(cp.weights, S321) == S


def test_representative_layout_and_renumbering():
    cp = dl.critical_point((1,), np.diag([3.0, 2.0]), (2, 2, 2, 2))
    for W in cp.weights:
        np.testing.assert_allclose(W, np.diag([3 ** (1 / 3), 0]))
    # S = {3} through a width-1 hidden layer: renumbered to coordinate 0 there
    cp = dl.critical_point((3,), S321, (3, 1, 3))
    np.testing.assert_allclose(cp.weights[0], [[0, 0, 1]])
    np.testing.assert_allclose(cp.weights[1], [[0], [0], [1]])
    unb = dl.critical_point((1, 2), S321, (3, 3, 3, 3), balanced=False)
    assert not unb.balanced and dl.is_critical(unb.weights, S321)
    np.testing.assert_allclose(unb.weights[0], np.diag([3.0, 2.0, 0]))


def test_representative_for_a_general_sigma_uses_its_svd():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 4))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    cp = dl.critical_point((1, 3), A, (4, 3, 3, 3))
    np.testing.assert_allclose(cp.end_to_end, s[0] * np.outer(U[:, 0], Vt[0]) + s[2] * np.outer(U[:, 2], Vt[2]), atol=1e-12)
    assert dl.is_critical(cp.weights, A)
    assert cp.value == pytest.approx(0.5 * s[1] ** 2)
    assert dl.learnt_subset(cp.weights, A) == (1, 3)


@pytest.mark.parametrize(
    "subset, match",
    [
        ((1, 2, 3), "rank bound is d_min = 2"),
        ((0,), "out of range.*1-based"),
        ((4,), "out of range"),
        ((1, 1), "repeats the index 1"),
        ((1.5,), "not an integer"),
        ("12", "collection"),
    ],
)
def test_critical_point_bad_subsets(subset, match):
    with pytest.raises((ValueError, TypeError), match=match):
        dl.critical_point(subset, S321, (3, 4, 2, 3))


def test_critical_point_rejects_zero_singular_value():
    with pytest.raises(ValueError, match="zero singular value"):
        dl.critical_point((2,), np.diag([1.0, 0.0]), (2, 2, 2))


def test_learnt_subset_rejects_non_partial_svd():
    with pytest.raises(ValueError, match="not a partial SVD"):
        dl.learnt_subset([np.eye(2), 0.5 * np.eye(2)], np.diag([3.0, 2.0]))


# --------------------------------------------------------------------------- criticality


def test_claim32_noncritical_fiber_point():
    e1, e2 = np.eye(2)
    W = [np.outer(e1, e1), np.outer(e2, e2)]
    Sigma = np.diag([3.0, 2.0])
    assert np.all(dl.end_to_end(W) == 0)  # same product as the origin ...
    assert dl.loss(W, Sigma) == dl.loss([np.zeros((2, 2))] * 2, Sigma) == 6.5
    assert not dl.is_critical(W, Sigma)  # ... but not critical
    g = dl.gradient(W, Sigma)
    np.testing.assert_allclose(g[0], -W[1].T @ Sigma)  # grad_{W_1} L = -W_2^T Sigma
    assert dl.relative_gradient_norm(W, Sigma) > 0.1


def test_relative_gradient_norm_is_scale_aware():
    rng = np.random.default_rng(2)
    Sigma = np.diag([3.0, 2.0])
    W = [rng.standard_normal((2, 2)) for _ in range(3)]
    # a small non-critical point stays non-critical although its gradient is small
    small = [1e-2 * w for w in W]
    assert np.linalg.norm(np.concatenate([g.ravel() for g in dl.gradient(small, Sigma)])) < 1e-2
    assert not dl.is_critical(small, Sigma)
    # far out on a fibre the gradient's rounding grows with the weights: still critical
    cp = dl.critical_point((1,), Sigma, (2, 2, 2))
    far = [1e6 * cp.weights[0], cp.weights[1] / 1e6]
    assert dl.is_critical(far, Sigma) and dl.relative_gradient_norm(far, Sigma) < 1e-15
    # 1e-80 away from the strict saddle line {w_1 = w_2 = 0} of a scalar network: critical
    near = [np.array([[1e-80]]), np.array([[-1e-80]]), np.array([[0.9]])]
    assert dl.is_critical(near, np.array([[1.0]]))
    # two zero layers: the gradient vanishes exactly
    assert dl.relative_gradient_norm([np.zeros((2, 2)), W[1], np.zeros((2, 2))], Sigma) == 0.0


# --------------------------------------------------------------------------- fibres and level sets


def test_sample_fiber_gl_orbit_keeps_product_and_criticality_but_not_invariants():
    cp = dl.critical_point((1,), np.diag([3.0, 2.0]), (2, 2, 2, 2))
    fs = dl.sample_fiber(cp, None, np.random.default_rng(0), n=4, kind="gl", scale=1.5)
    assert len(fs) == 4 and "critical" in repr(fs)
    assert max(fs.product_error) < 1e-12
    np.testing.assert_allclose(fs.losses, cp.value, atol=1e-12)
    assert all(fs.critical)
    assert max(max(c) for c in fs.imbalance) > 0.1  # conserved quantities vary within the fibre
    assert max(fs.norms) > fs.base_norm
    # classify agrees along the orbit (Sylvester: the inertia is unchanged)
    kinds = {dl.classify(p, cp.Sigma).kind for p in fs.points}
    assert kinds == {"non-strict saddle"}


def test_sample_fiber_norms_grow_without_bound():
    cp = dl.critical_point((1, 2), np.diag([3.0, 2.0]), (2, 3, 2))
    norms = [max(dl.sample_fiber(cp, None, np.random.default_rng(1), n=3, scale=s).norms) for s in (0.5, 2.0, 6.0, 12.0)]
    assert norms[0] < norms[1] < norms[2] < norms[3] and norms[3] > 100


def test_sample_fiber_orthogonal_preserves_norms_and_imbalance():
    rng = np.random.default_rng(4)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((2, 3))]
    Sigma = np.diag([2.0, 1.0])
    fs = dl.sample_fiber(W, Sigma, rng, n=3, kind="orthogonal", scale=2.0)
    np.testing.assert_allclose(fs.norms, fs.base_norm)
    base_imb = tuple(np.linalg.norm(c) for c in dl.conserved_quantities(W))
    for imb in fs.imbalance:
        np.testing.assert_allclose(imb, base_imb)
    assert not any(fs.critical)  # a random point is not critical, nor are its images


def test_sample_fiber_factorisation_leaves_the_orbit_and_can_lose_criticality():
    Sigma = np.diag([3.0, 2.0])
    origin = dl.critical_point((), Sigma, (2, 2, 2))
    fs = dl.sample_fiber(origin, None, np.random.default_rng(0), n=3, kind="factorisation")
    assert max(fs.product_error) < 1e-12
    np.testing.assert_allclose(fs.losses, 6.5)
    assert not any(fs.critical)  # (X, 0) is not critical (claim 32's phenomenon)
    # h = 3 origin: null-space moves stay in the fibre; the origin's orbit is a point
    o3 = dl.critical_point((), Sigma, (2, 2, 2, 2))
    fs3 = dl.sample_fiber(o3, None, 5, n=2, kind="factorisation")
    assert min(fs3.norms) > 0 and max(fs3.product_error) < 1e-12
    # an invertible product with equal widths: the fibre is one orbit, nothing to add
    top = dl.critical_point((1, 2), Sigma, (2, 2, 2))
    fst = dl.sample_fiber(top, None, 0, n=2, kind="factorisation")
    for p in fst.points:
        np.testing.assert_allclose(p, top.weights, atol=1e-12)


def test_sample_fiber_bad_input():
    cp = dl.critical_point((), np.diag([1.0]), (1, 1, 1))
    with pytest.raises(ValueError, match="kind"):
        dl.sample_fiber(cp, None, 0, kind="bogus")
    with pytest.raises(ValueError, match="Sigma is needed"):
        dl.sample_fiber([np.eye(1), np.eye(1)], None, 0)
    with pytest.raises(TypeError, match="Generator"):
        dl.sample_fiber(cp, None, "seed")


@pytest.mark.parametrize(
    "subset, Sigma, widths",
    [
        ((1,), np.diag([3.0, 2.0]), (2, 2, 2)),
        ((1, 2), np.diag([3.0, 2.0]), (2, 2, 2, 2)),
        ((), np.diag([3.0, 2.0]), (2, 2, 2, 2)),  # origin, h = 3: (0, tI, 0)
        ((), np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), (3, 2, 2)),  # origin, h = 2, ker Sigma != 0
    ],
)
def test_level_sets_contain_unbounded_families_of_critical_points(subset, Sigma, widths):
    fam = dl.level_set_family(subset, Sigma, widths, ts=(1, 10, 100, 1000))
    assert all(fam.critical)
    np.testing.assert_allclose(fam.values, dl.critical_point(subset, Sigma, widths).value, rtol=1e-12, atol=1e-12)
    assert np.all(np.diff(fam.norms) > 0) and fam.norms[-1] > 500
    assert fam.mechanism in repr(fam)


def test_origin_of_one_hidden_layer_with_invertible_sigma_is_isolated():
    # the digest says every critical level set is unbounded; here it is a single point
    Sigma = np.diag([3.0, 2.0])
    with pytest.raises(ValueError, match="isolated"):
        dl.level_set_family((), Sigma, (2, 2, 2))
    H = dl.hessian([np.zeros((2, 2))] * 2, Sigma)
    assert dl.inertia(H).zero == 0  # non-degenerate, hence isolated
    with pytest.raises(ValueError, match="convex"):
        dl.level_set_family((1,), Sigma, (2, 2))


# --------------------------------------------------------------------------- claim 6


def test_claim6_bottleneck_minimum_is_reached_generically():
    rng = np.random.default_rng(0)
    widths = (3, 4, 2, 3)
    cv = dl.critical_values([3, 2, 1], widths)
    assert cv.global_minimum == 0.5 and cv.global_minimum_subsets == ((1, 2),)
    W0 = [rng.standard_normal((widths[i + 1], widths[i])) * 0.5 for i in range(3)]
    tr = dl.gradient_flow(W0, S321, (0, 20), t_eval=[0, 20])
    assert tr.loss[-1] == pytest.approx(0.5, abs=1e-6)
    assert dl.is_critical(tr.final_weights, S321, tol=1e-6)
    assert dl.classify(tr.final_weights, S321, tol=1e-6).kind == "global minimum"


def test_depth_one_has_a_single_critical_value_and_point():
    # h = 1: L is convex in W_1, so W_1 = Sigma is the only critical point (value 0).
    cv = dl.critical_values([3.0, 2.0, 1.0], (3, 3))
    assert cv.values == (0.0,)
    assert cv.subsets == (((1, 2, 3),),)
    assert dl.critical_values([3.0, 2.0, 1.0], (3, 3), k=2).values == (0.0,)
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1, 2, 3), Sigma, (3, 3))
    assert dl.is_critical(cp.weights, Sigma) and cp.value == 0.0
    with pytest.raises(ValueError, match=r"depth h = 1.*\(1, 2, 3\)"):
        dl.critical_point((1,), Sigma, (3, 3))


def test_factorisation_move_leaves_a_layer_with_no_room_exactly_unchanged():
    # After W_1 and W_2 have been moved to full rank, W_3 has no product-preserving move left
    # (both projectors are the identity): it must stay exactly rank one, not pick up rounding.
    cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    fs = dl.sample_fiber(cp, None, np.random.default_rng(3), n=4, kind="factorisation")
    for W in fs.points:
        s = np.linalg.svd(W[2], compute_uv=False)
        assert s[1] < 1e-15 * s[0], s
        assert np.array_equal(W[2], cp.weights[2])


# --------------------------------------------------------------------------- paths inside a fibre


@pytest.fixture(scope="module")
def fiber_minimum():
    return dl.critical_point((1, 2, 3), S321, (3, 3, 3, 3))


@pytest.fixture(scope="module")
def fiber_saddle():
    return dl.critical_point((1,), S321, (3, 3, 3, 3))


def test_first_order_fiber_dimension_matches_the_formula(fiber_minimum, fiber_saddle):
    # ker dpi at a balanced representative with k modes: n - k (d_0 + d_h - k), n = 27
    assert dl.first_order_fiber_dimension(fiber_minimum.weights) == 27 - 3 * 3
    assert dl.first_order_fiber_dimension(fiber_saddle.weights) == 27 - 1 * 5
    assert dl.first_order_fiber_dimension([np.zeros((3, 3))] * 3) == 27  # J = 0 at the origin
    # it bounds the orbit dimension from above
    assert dl.orbit_dimension(fiber_saddle.weights) == 10 <= dl.first_order_fiber_dimension(fiber_saddle.weights)


def test_gl_path_keeps_loss_product_and_criticality(fiber_minimum):
    path = dl.fiber_path(fiber_minimum, kind="gl", s=np.linspace(-0.6, 0.6, 7))
    assert len(path) == 7 and path.kind == "gl" and path.layer is None
    assert np.max(path.losses) < 1e-20 and np.max(path.product_error) < 1e-12
    assert all(path.critical) and set(path.kinds) == {"global minimum"}
    assert np.all(path.orbit_dims == 18) and np.all(path.ranks == 3)
    k0 = path.index(0.0)
    assert path.s[k0] == 0.0
    # the balanced base point: C_i = 0, smallest norm and smallest sharpness on the path
    assert np.max(path.imbalance[k0]) < 1e-12
    assert path.norms[k0] == pytest.approx(np.min(path.norms))
    assert path.lambda_max[k0] == pytest.approx(3 * 3 ** (4 / 3)) == pytest.approx(np.min(path.lambda_max))
    assert np.max(path.imbalance) > 1.0 and np.max(path.lambda_max) > 1.5 * path.lambda_max[k0]


def test_orthogonal_path_keeps_norms_and_spectrum(fiber_saddle):
    path = dl.fiber_path(fiber_saddle, kind="orthogonal", s=np.linspace(-1.0, 1.0, 5))
    assert np.allclose(path.norms, path.norms[0]) and np.max(path.imbalance) < 1e-12
    assert np.allclose(path.lambda_max, path.lambda_max[0])
    assert set(path.kinds) == {"non-strict saddle"}


def test_null_space_line_leaves_the_orbit_and_becomes_strict(fiber_saddle):
    path = dl.fiber_path(fiber_saddle, kind="null-space", layer=1, s=[-0.5, 0.0, 0.5])
    assert path.layer == 1 and path.direction_norm > 0
    assert np.allclose(path.losses, 2.5) and np.max(path.product_error) < 1e-12
    assert all(path.critical)
    assert path.kinds == ("strict saddle", "non-strict saddle", "strict saddle")
    assert list(path.orbit_dims) == [14, 10, 14]
    assert list(path.ranks[:, 0]) == [3, 1, 3]  # the rank of W_1 changes: not one orbit
    assert path.lambda_min[0] < -0.1 and abs(path.lambda_min[1]) < 1e-9


def test_null_space_line_is_constant_where_the_fibre_is_one_orbit(fiber_minimum):
    path = dl.fiber_path(fiber_minimum, kind="null-space", layer=2, s=[0.0, 1.0])
    assert path.direction_norm < 1e-12
    assert all(np.array_equal(a, b) for a, b in zip(path.points[0], path.points[1]))


def test_fiber_path_rejects_bad_input(fiber_saddle):
    with pytest.raises(ValueError, match="kind"):
        dl.fiber_path(fiber_saddle, kind="sideways")
    with pytest.raises(ValueError, match="layer"):
        dl.fiber_path(fiber_saddle, kind="null-space", layer=4)
    with pytest.raises(ValueError, match="Sigma"):
        dl.fiber_path([np.eye(2), np.eye(2)])
    with pytest.raises(ValueError, match="depth 1"):
        dl.fiber_path([np.eye(2)], np.eye(2))
    with pytest.raises(ValueError, match="s must be"):
        dl.fiber_path(fiber_saddle, s=[])


# --------------------------------------------------------------------------- a path of critical points leaving the orbit


@pytest.mark.parametrize("S", [(), (1,), (2,), (1, 2)])
@pytest.mark.parametrize("h", [2, 3, 4])
def test_spare_rank_path_stays_in_one_fibre_of_critical_points(S, h):
    d = (2,) * (h + 1)
    base = dl.critical_point(S, S32, d)
    for t in (0.0, 0.5, 1.0):
        W = dl.spare_rank_fiber_point(S, S32, d, t)
        assert dl.is_critical(W, S32)
        assert np.allclose(dl.end_to_end(W), base.end_to_end, atol=1e-14)
        assert dl.loss(W, S32) == pytest.approx(base.value, abs=1e-12)
    assert all(np.array_equal(a, b) for a, b in zip(dl.spare_rank_fiber_point(S, S32, d, 0.0), base.weights))


@pytest.mark.parametrize("h", [3, 4])
@pytest.mark.parametrize("S, sigma_m", [((), 3.0), ((1,), 2.0)])
def test_spare_rank_path_turns_a_non_strict_saddle_strict(h, S, sigma_m):
    d = (2,) * (h + 1)
    assert dl.classify(dl.spare_rank_fiber_point(S, S32, d, 0.0), S32).kind == "non-strict saddle"
    for t in (0.5, 1.0):
        W = dl.spare_rank_fiber_point(S, S32, d, t)
        c = dl.classify(W, S32)
        assert c.kind == "strict saddle"
        assert c.lambda_min == pytest.approx(-sigma_m * t ** (h - 2), rel=1e-10)
        assert dl.predicted_strictness(W, S32).strict


def test_spare_rank_path_level_set_family_for_the_empty_set():
    W = dl.spare_rank_fiber_point((), S32, (2, 2, 2, 2), 2.0)
    fam = dl.level_set_family((), S32, (2, 2, 2, 2), ts=(2.0,))
    assert all(np.allclose(a, b) for a, b in zip(W, fam.points[0]))


def test_spare_rank_path_bad_input():
    with pytest.raises(TypeError, match="t must be a real number"):
        dl.spare_rank_fiber_point((1,), S32, (2, 2, 2, 2), "far")
    with pytest.raises(ValueError, match="finite"):
        dl.spare_rank_fiber_point((1,), S32, (2, 2, 2, 2), np.inf)
    with pytest.raises(ValueError):
        dl.spare_rank_fiber_point((1, 2, 3), S32, (2, 2, 2, 2), 0.0)
