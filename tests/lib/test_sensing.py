"""Tests of deeplinear.sensing: sensing and completion losses, the singular-value velocity of
Arora, Cohen, Hu and Luo (2019), effective rank, the nuclear-norm baseline and deep completion."""

import numpy as np
import pytest

import deeplinear as dl
from deeplinear import sensing


@pytest.fixture(scope="module")
def small():
    return dl.sensing.completion_problem(6, 2, 0.6, rng=3)


def _fd(ell, P, rng):
    Z = rng.standard_normal(P.shape)
    eps = 1e-6
    fd = (ell.value(P + eps * Z) - ell.value(P - eps * Z)) / (2 * eps)
    return fd, float(np.sum(ell.gradient(P) * Z))


# --------------------------------------------------------------------------- losses


def test_completion_loss_is_sensing_with_entry_indicators(small):
    rng = np.random.default_rng(0)
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    idx = np.argwhere(small.mask)
    M = np.zeros((len(idx), 6, 6))
    for k, (i, j) in enumerate(idx):
        M[k, i, j] = 1.0
    sens = dl.sensing.sensing_loss(M, small.Sigma[small.mask])
    P = rng.standard_normal((6, 6))
    assert ell.value(P) == pytest.approx(sens.value(P), rel=1e-13)
    assert np.allclose(ell.gradient(P), sens.gradient(P), atol=1e-13)
    assert ell.value(small.Sigma) == 0.0
    for loss in (ell, sens):
        fd, an = _fd(loss, P, rng)
        assert fd == pytest.approx(an, rel=1e-7)
    assert isinstance(ell, dl.losses.EndToEndLoss) and isinstance(sens, dl.losses.EndToEndLoss)


def test_layer_gradient_of_the_completion_loss_by_finite_differences(small):
    rng = np.random.default_rng(1)
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    W = dl.random_init((6, 5, 4, 6), rng, 0.6)
    G = dl.general_gradient(W, ell)
    j = 1
    Z = rng.standard_normal(W[j].shape)
    eps = 1e-6
    Wp = [w.copy() for w in W]
    Wm = [w.copy() for w in W]
    Wp[j] += eps * Z
    Wm[j] -= eps * Z
    fd = (dl.general_loss(Wp, ell) - dl.general_loss(Wm, ell)) / (2 * eps)
    assert fd == pytest.approx(float(np.sum(G[j] * Z)), rel=1e-7)


def test_loss_validation_names_the_argument():
    with pytest.raises(ValueError, match="mask has shape"):
        dl.sensing.completion_loss(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="mask must hold only 0/1"):
        dl.sensing.completion_loss(np.ones((2, 2)), [[0.5, 1], [1, 1]])
    with pytest.raises(ValueError, match="observes no entry"):
        dl.sensing.completion_loss(np.ones((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        dl.sensing.completion_loss([[np.nan, 1.0]], [[1, 1]])
    with pytest.raises(ValueError, match="3 matrices but y has 2"):
        dl.sensing.sensing_loss(np.ones((3, 2, 2)), [1.0, 2.0])
    with pytest.raises(ValueError, match="measurements must be 3-D"):
        dl.sensing.sensing_loss(np.ones((2, 2)), [1.0, 2.0])


# --------------------------------------------------------------------------- effective rank


def test_effective_rank_values():
    assert dl.sensing.effective_rank(np.eye(4)) == pytest.approx(4.0)
    assert dl.sensing.effective_rank(np.diag([3.0, 3.0, 0.0, 0.0])) == pytest.approx(2.0)
    assert dl.sensing.effective_rank(np.outer([1.0, 2.0], [3.0, 1.0, 1.0])) == pytest.approx(1.0)
    p = np.array([2.0, 1.0]) / 3
    assert dl.sensing.effective_rank(np.diag([2.0, 1.0])) == pytest.approx(np.exp(-np.sum(p * np.log(p))), rel=1e-14)
    # scale invariant and continuous, between 1 and the rank
    assert dl.sensing.effective_rank(1e-200 * np.diag([2.0, 1.0])) == pytest.approx(dl.sensing.effective_rank(np.diag([2.0, 1.0])))
    assert 1.0 < dl.sensing.effective_rank(np.diag([1.0, 1e-3])) < 1.01
    with pytest.raises(ValueError, match="zero matrix"):
        dl.sensing.effective_rank(np.zeros((2, 2)))


# --------------------------------------------------------------------------- singular-value velocity


@pytest.mark.parametrize("h", [2, 3, 4])
def test_velocity_formula_matches_the_integrated_flow(small, h):
    """Along an integrated balanced flow, -h sigma^(2-2/h) <grad, u v^T> is the velocity to 1e-8."""
    rng = np.random.default_rng(h)
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    W0 = dl.balanced_init((6,) * (h + 1), product=0.1 * rng.standard_normal((6, 6)))
    tr = dl.gradient_flow(W0, None, 20.0, t_eval=np.linspace(0.0, 20.0, 6), end_to_end_loss=ell)
    assert tr.status == "completed"
    for W in tr.weights:
        v = dl.sensing.singular_velocity_check(W, ell)
        assert v.imbalance < 1e-9 and v.min_gap > 1e-3
        assert np.max(np.abs(v.formula - v.flow)) <= 1e-8 * np.max(np.abs(v.flow))


def test_velocity_flow_is_the_time_derivative_of_the_singular_values(small):
    """`flow` is d sigma/dt of the trajectory (second-order one-sided difference, 1e-6)."""
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    W0 = dl.balanced_init((6, 6, 6, 6), product=0.3 * np.random.default_rng(5).standard_normal((6, 6)))
    d = 1e-4
    tr = dl.gradient_flow(W0, None, 2 * d, t_eval=[0.0, d, 2 * d], end_to_end_loss=ell, rtol=1e-12, atol=1e-15)
    s = np.linalg.svd(tr.end_to_end, compute_uv=False)
    fd = (-3 * s[0] + 4 * s[1] - s[2]) / (2 * d)
    v = dl.sensing.singular_velocity_check(W0, ell)
    assert np.allclose(fd, v.flow, rtol=1e-6, atol=1e-6 * np.max(np.abs(v.flow)))


def test_a_wrong_exponent_is_caught(small):
    """The check detects a wrong closed form: exponent 1 - 1/h replaced by 1 - 2/h, or a missing h."""
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    W = dl.balanced_init((6, 6, 6, 6), product=0.5 * np.random.default_rng(2).standard_normal((6, 6)))
    v = dl.sensing.singular_velocity_check(W, ell)
    s = v.singular_values
    inner = v.formula / (-3 * (s * s) ** (1 - 1 / 3))
    wrong_exponent = -3 * (s * s) ** (1 - 2 / 3) * inner
    wrong_factor = -(s * s) ** (1 - 1 / 3) * inner
    scale = np.max(np.abs(v.flow))
    assert np.max(np.abs(v.formula - v.flow)) <= 1e-10 * scale
    assert np.max(np.abs(wrong_exponent - v.flow)) > 1e-3 * scale
    assert np.max(np.abs(wrong_factor - v.flow)) > 1e-1 * scale


def test_velocity_formula_fails_without_balance(small):
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    W = dl.random_init((6, 6, 6), np.random.default_rng(0), 0.5)
    v = dl.sensing.singular_velocity_check(W, ell)
    assert v.imbalance > 0.1
    assert np.max(np.abs(v.formula - v.flow)) > 1e-2 * np.max(np.abs(v.flow))


def test_velocity_validation():
    with pytest.raises(TypeError, match="ell must have shape"):
        dl.sensing.singular_velocity_check([np.eye(2)], "quadratic")
    with pytest.raises(ValueError, match="shape"):
        dl.sensing.singular_velocity_check([np.eye(2)], dl.quadratic(np.eye(3)))


# --------------------------------------------------------------------------- nuclear norm


def test_nuclear_norm_known_answer():
    """[[1, 1], [1, ?]]: the minimum is ? = 1 (nuclear norm 2), since for x < 1 it is sqrt((1-x)^2+4)."""
    X = dl.sensing.nuclear_norm_completion([[1.0, 1.0], [1.0, 0.0]], [[1, 1], [1, 0]], tol=1e-10)
    assert X.converged
    assert X.matrix[1, 1] == pytest.approx(1.0, abs=1e-3)
    assert X.nuclear_norm == pytest.approx(2.0, abs=1e-8)
    assert X.lower_bound <= X.nuclear_norm and X.lower_bound == pytest.approx(2.0, abs=1e-8)


def test_nuclear_norm_certificate_bounds_every_completion(small):
    X = dl.sensing.nuclear_norm_completion(small.Sigma, small.mask)
    assert X.converged and X.nuclear_norm - X.lower_bound <= 1e-8 * X.nuclear_norm
    # feasible, certificate supported on the mask with spectral norm about 1
    assert np.array_equal(X.matrix[small.mask], small.Sigma[small.mask])
    assert np.all(X.certificate[~small.mask] == 0.0)
    assert np.linalg.norm(X.certificate, 2) == pytest.approx(1.0, abs=1e-3)
    # no random completion beats the bound; the ground truth does not either
    rng = np.random.default_rng(0)
    for _ in range(20):
        Y = np.where(small.mask, small.Sigma, X.matrix + 0.1 * rng.standard_normal((6, 6)))
        assert np.sum(np.linalg.svd(Y, compute_uv=False)) >= X.lower_bound - 1e-12
    assert np.sum(np.linalg.svd(small.Sigma, compute_uv=False)) >= X.lower_bound - 1e-12


def test_nuclear_norm_recovers_when_many_entries_are_seen():
    p = dl.sensing.completion_problem(12, 1, 0.8, rng=0)
    X = dl.sensing.nuclear_norm_completion(p.Sigma, p.mask)
    assert np.max(np.abs(X.matrix - p.Sigma)) < 1e-4


# --------------------------------------------------------------------------- the experiment


def test_completion_problem():
    p = dl.sensing.completion_problem(10, 3, 0.5, rng=4)
    assert np.linalg.matrix_rank(p.Sigma) == 3
    assert np.linalg.norm(p.Sigma) == pytest.approx(np.sqrt(10))
    assert p.mask.dtype == bool and 20 < p.mask.sum() < 80
    with pytest.raises(ValueError, match="fraction must be in"):
        dl.sensing.completion_problem(4, 1, 1.5)
    with pytest.raises(ValueError, match="rank must be at most"):
        dl.sensing.completion_problem(4, 5, 0.5)


def test_depth_one_from_zero_is_the_minimum_norm_interpolant():
    p = dl.sensing.completion_problem(10, 2, 0.5, rng=1)
    run = dl.sensing.deep_completion(p.Sigma, p.mask, 1, scale=0.0)
    assert run.status == "converged"
    assert np.allclose(run.product, np.where(p.mask, p.Sigma, 0.0), atol=1e-2)
    assert np.all(run.product[~p.mask] == 0.0)
    assert run.unobserved_error == pytest.approx(1.0)


def test_depth_lowers_error_and_effective_rank_at_small_scale():
    p = dl.sensing.completion_problem(20, 2, 0.4, rng=0)
    study = dl.sensing.completion_study(p.Sigma, p.mask, depths=(1, 2, 3), scales=(1e-3,))
    err, er = study.unobserved_error[:, 0], study.effective_rank[:, 0]
    assert study.converged.all()
    assert err[0] > 0.9 and err[2] < err[1] < err[0] and err[2] < 0.1
    assert er[2] < er[1] < er[0] and er[2] < 2.5
    run = study.runs[2][0]
    assert run.t[0] == 0.0 and run.singular_values.shape == (run.t.size, 20)
    assert np.all(np.diff(run.loss) <= 1e-12)


def test_deep_completion_validation(small):
    with pytest.raises(ValueError, match="scale must be"):
        dl.sensing.deep_completion(small.Sigma, small.mask, 2, scale=0.0)
    with pytest.raises(ValueError, match="t_max must exceed"):
        dl.sensing.deep_completion(small.Sigma, small.mask, 2, t_max=0.001)
    with pytest.raises(TypeError, match="depth"):
        dl.sensing.deep_completion(small.Sigma, small.mask, 2.5)
    with pytest.raises(ValueError, match="depths must be a non-empty"):
        dl.sensing.completion_study(small.Sigma, small.mask, depths=())
    assert sensing.__all__ and "SensingLoss" in sensing.__all__


def test_product_flow_law_takes_a_general_loss(small):
    """dl.singular_value_velocity (product_flow) with end_to_end_loss= equals its quadratic form."""
    P = np.diag([0.25, 0.5, 1.0])
    S = np.diag([1.0, 2.0, 0.5])
    for h in (1, 2, 4):
        assert np.allclose(dl.singular_value_velocity(P, None, h, end_to_end_loss=dl.quadratic(S)),
                           dl.singular_value_velocity(P, S, h), rtol=1e-14)
    with pytest.raises(ValueError, match="exactly one of Sigma and end_to_end_loss"):
        dl.singular_value_velocity(P, S, 2, end_to_end_loss=dl.quadratic(S))
    with pytest.raises(ValueError, match="exactly one"):
        dl.singular_value_velocity(P, None, 2)
    with pytest.raises(ValueError, match="shape"):
        dl.singular_value_velocity(P, None, 2, end_to_end_loss=dl.sensing.completion_loss(small.Sigma, small.mask))


def test_gradient_descent_takes_the_completion_loss(small):
    """dl.gradient_descent(..., end_to_end_loss=) runs on the completion loss and follows the flow for small eta."""
    ell = dl.sensing.completion_loss(small.Sigma, small.mask)
    W0 = dl.balanced_init((6, 6, 6), product=0.3 * np.random.default_rng(0).standard_normal((6, 6)))
    eta, steps = 1e-3, 2000
    gd = dl.gradient_descent(W0, None, eta, steps, end_to_end_loss=ell, keep_iterates=False)
    assert gd.losses[-1] < gd.losses[0] and np.all(np.diff(gd.losses) <= 0)
    assert gd.losses[0] == pytest.approx(dl.general_loss(W0, ell))
    assert np.isnan(gd.stable_step_initial)
    tr = dl.gradient_flow(W0, None, eta * steps, t_eval=[eta * steps], end_to_end_loss=ell)
    P_gd = np.linalg.multi_dot(gd.final_weights[::-1])
    assert np.max(np.abs(P_gd - tr.end_to_end[-1])) < 1e-2 * np.max(np.abs(tr.end_to_end[-1]))
    # a quadratic loss object gives the same run as Sigma
    S = np.random.default_rng(1).standard_normal((6, 6))
    a = dl.gradient_descent(W0, S, 0.01, 20, keep_iterates=False)
    b = dl.gradient_descent(W0, None, 0.01, 20, keep_iterates=False, end_to_end_loss=dl.quadratic(S))
    assert np.allclose(a.losses, b.losses, rtol=1e-12)
    with pytest.raises(ValueError, match="exactly one of Sigma and end_to_end_loss"):
        dl.gradient_descent(W0, S, 0.01, 5, end_to_end_loss=ell)
    with pytest.raises(ValueError, match="exactly one"):
        dl.gradient_descent(W0, None, 0.01, 5)
    with pytest.warns(RuntimeWarning, match="Use a smaller eta"):
        assert dl.gradient_descent(W0, None, 50.0, 50, end_to_end_loss=ell).diverged
