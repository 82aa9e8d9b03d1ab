"""Tests of deeplinear.resnet: identity starts, the scalar reduction and the stall of descent."""

import numpy as np
import pytest

import deeplinear as dl
from deeplinear.resnet import safe_identity_step


def _rotated(eigenvalues, seed=0):
    Q = dl.random_orthogonal(len(eigenvalues), np.random.default_rng(seed))
    S = Q @ np.diag(eigenvalues) @ Q.T
    return 0.5 * (S + S.T)


def test_identity_init_is_the_identity_and_rejects_unequal_widths():
    W = dl.resnet.identity_init((3, 3, 3))
    assert len(W) == 2 and all(np.array_equal(w, np.eye(3)) for w in W)
    W[0][0, 0] = 5.0
    assert W[1][0, 0] == 1.0  # independent copies
    with pytest.raises(ValueError, match="equal"):
        dl.resnet.identity_init((2, 3, 2))


def test_stall_loss_counts_only_negative_eigenvalues():
    assert dl.resnet.identity_stall_loss(_rotated([2.0, -1.0, -0.5])) == pytest.approx(0.5 * (1.0 + 0.25))
    assert dl.resnet.identity_stall_loss(np.diag([1.0, 2.0])) == 0.0
    with pytest.raises(ValueError, match="symmetric"):
        dl.resnet.identity_stall_loss(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        dl.resnet.identity_stall_loss(np.ones((2, 3)))


@pytest.mark.parametrize("h", [2, 3, 4, 5])
def test_descent_from_identity_is_the_scalar_map_and_stalls_at_the_predicted_loss(h):
    S = np.diag([1.5, 0.5, -0.8])
    run = dl.resnet.identity_descent_run(S, h, steps=3000)
    # exact reduction: every loss equals the scalar prediction
    assert np.max(np.abs(run.losses - run.predicted_losses)) < 1e-12
    assert max(run.layer_spread, run.asymmetry, run.commutator) < 1e-12  # diagonal target: exact up to rounding
    # the loss never falls below the stall level and approaches it from above
    assert np.all(run.losses >= run.stall_loss - 1e-15)
    assert run.stall_loss == pytest.approx(0.32)
    assert run.final_loss - run.stall_loss < (1e-6 if h == 2 else 5e-2)
    # positive directions are learnt, the negative one is not: the product stays >= 0
    assert run.product_eigenvalues[0] >= 0.0
    np.testing.assert_allclose(run.product_eigenvalues[1:], [0.5, 1.5], atol=1e-6)


def test_stall_prediction_fails_for_a_wrong_formula():
    """A perturbed closed form (sum of all lambda^2 / 2, or |lambda| / 2) is caught."""
    run = dl.resnet.identity_descent_run(np.diag([2.0, -1.0]), 2, steps=3000)
    lam = run.eigenvalues
    assert abs(run.final_loss - 0.5 * np.sum(lam**2)) > 1.0
    run3 = dl.resnet.identity_descent_run(np.diag([2.0, -0.5]), 2, steps=4000)
    assert run3.final_loss == pytest.approx(0.125, abs=1e-8)
    assert abs(run3.final_loss - 0.5 * 0.5) > 0.1  # |lambda|/2 would be 0.25


def test_positive_definite_target_is_learnt_from_identity():
    run = dl.resnet.identity_descent_run(_rotated([2.0, 0.5, 1.2], seed=1), 3, steps=3000)
    assert run.stall_loss == 0.0
    assert run.final_loss < 1e-12


def test_scalar_descent_negative_eigenvalue_decreases_to_zero_without_crossing():
    for h in (2, 3, 4):
        lam = -1.3
        eta = 0.9 / (1 + abs(lam))
        w = dl.resnet.identity_scalar_descent([lam], h, eta=eta, steps=4000)[:, 0]
        assert np.all(w > 0) and np.all(np.diff(w) <= 0)
        assert w[-1] < (1e-8 if h == 2 else 0.2)


def test_odd_depth_large_step_crosses_zero_but_even_depth_keeps_a_nonnegative_product():
    w3 = dl.resnet.identity_scalar_descent([-1.0], 3, eta=0.6, steps=200)[:, 0]
    assert w3[1] < 0 and w3[-1] ** 3 == pytest.approx(-1.0, abs=1e-6)
    w2 = dl.resnet.identity_scalar_descent([-1.0], 2, eta=0.6, steps=200)[:, 0]
    assert np.all(w2**2 >= 0) and abs(w2[-1]) < 1e-6  # w^2 >= 0: the loss stays >= 1/2


def test_safe_step_formula():
    assert safe_identity_step(np.diag([4.0, -1.0]), 2) == pytest.approx(1.0 / (3 * 4.0))
    assert safe_identity_step(np.diag([0.5, -0.2]), 3) == pytest.approx(1.0 / 5)


def test_small_perturbation_escapes_the_stall():
    """The stall lives on the invariant set of equal symmetric layers; a perturbation leaves it."""
    S = np.diag([2.0, -1.0])
    rng = np.random.default_rng(0)
    W0 = [np.eye(2) + 1e-3 * rng.standard_normal((2, 2)) for _ in range(2)]
    run = dl.gradient_descent(W0, S, safe_identity_step(S, 2), 3000, tol=1e-10, keep_iterates=False)
    assert run.converged


def test_orthogonal_init_has_unit_singular_values():
    W = dl.resnet.orthogonal_init((3, 5, 5, 2), np.random.default_rng(1))
    assert [w.shape for w in W] == [(5, 3), (5, 5), (2, 5)]
    for w in W:
        np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), 1.0, atol=1e-12)


def test_init_iterations_counts_steps_and_marks_failures():
    res = dl.resnet.init_iterations(np.diag([1.0, 0.5]), [1, 3], 4, seeds=[0, 1], max_steps=3000)
    assert res.gaussian.shape == (2, 2) and res.orthogonal.shape == (2, 2)
    assert np.all(res.orthogonal > 0)
    short = dl.resnet.init_iterations(np.diag([1.0, 0.5]), [3], 4, seeds=[0], max_steps=2)
    assert short.gaussian[0, 0] == -1 and short.orthogonal[0, 0] == -1


def test_bad_inputs_raise_named_errors():
    with pytest.raises(ValueError, match="eta"):
        dl.resnet.identity_scalar_descent([1.0], 2, eta=-1.0, steps=3)
    with pytest.raises(ValueError, match="eigenvalues"):
        dl.resnet.identity_scalar_descent([np.nan], 2, eta=0.1, steps=3)
    with pytest.raises(ValueError, match="h"):
        dl.resnet.identity_descent_run(np.eye(2), 0)
    with pytest.raises(FloatingPointError):
        dl.resnet.identity_scalar_descent([5.0], 3, eta=10.0, steps=50)
    with pytest.raises(ValueError, match="depths"):
        dl.resnet.init_iterations(np.eye(2), [], 3)


def test_the_flow_from_the_identity_stalls_too():
    """The gradient flow (not only descent) from W_i = I keeps the product PSD and stalls at 1/2 lambda^2."""
    Sigma = np.diag([2.0, -1.0])
    for h in (2, 3):
        tr = dl.gradient_flow(dl.resnet.identity_init((2,) * (h + 1)), Sigma, 40.0, warn=False)
        assert np.min(tr.loss) >= 0.5 - 1e-9
        assert tr.loss[-1] - 0.5 < (1e-8 if h == 2 else 0.05)
        np.testing.assert_allclose(tr.end_to_end[-1][0, 0], 2.0, atol=1e-6)
