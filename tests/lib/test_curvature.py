"""Tests of deeplinear.curvature: analytic Hessian, matrix-free products, inertia, sharpness.

Digest claims checked here: 12 (origin, h = 2), 13 (origin, h >= 3: zero Hessian),
18 (degenerate minima, lambda_max = h sigma_1^(2 - 2/h)), 19 (sharpness along the fibre).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl

widths_st = st.lists(st.integers(1, 3), min_size=2, max_size=5).map(tuple)


def _random(widths, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    W = [scale * rng.standard_normal((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    return W, rng.standard_normal((widths[-1], widths[0]))


# --------------------------------------------------------------------------- layout


def test_flatten_is_row_major_and_round_trips():
    W = [np.arange(6.0).reshape(3, 2), 10 + np.arange(6.0).reshape(2, 3)]
    theta = dl.flatten_weights(W)
    np.testing.assert_array_equal(theta, np.concatenate([W[0].ravel(), W[1].ravel()]))
    assert theta[1] == W[0][0, 1] and theta[6 + 3] == W[1][1, 0]
    back = dl.unflatten_weights(theta, (2, 3, 2))
    for a, b in zip(back, W):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="length 12"):
        dl.unflatten_weights(theta[:-1], (2, 3, 2))


# --------------------------------------------------------------------------- correctness


@given(widths_st, st.integers(0, 10_000))
def test_property_analytic_hessian_matches_finite_differences(widths, seed):
    W, Sigma = _random(widths, seed)
    H = dl.hessian(W, Sigma)
    F = dl.finite_difference_hessian(W, Sigma, step=1e-5)
    assert np.array_equal(H, H.T)
    scale = max(1.0, np.max(np.abs(H)))
    assert np.max(np.abs(H - F)) <= 1e-6 * scale


@given(widths_st, st.integers(0, 10_000))
def test_property_hvp_matches_dense_hessian(widths, seed):
    W, Sigma = _random(widths, seed)
    rng = np.random.default_rng(seed + 1)
    V = [rng.standard_normal(w.shape) for w in W]
    H = dl.hessian(W, Sigma)
    flat = dl.hessian_vector_product(W, Sigma, dl.flatten_weights(V))
    np.testing.assert_allclose(flat, H @ dl.flatten_weights(V), atol=1e-10 * max(1.0, np.max(np.abs(H))))
    as_list = dl.hessian_vector_product(W, Sigma, V)
    np.testing.assert_allclose(dl.flatten_weights(as_list), flat, atol=1e-12 * max(1.0, np.max(np.abs(flat))))
    op = dl.hessian_operator(W, Sigma)
    np.testing.assert_allclose(op @ dl.flatten_weights(V), flat, rtol=1e-12, atol=1e-12)


def test_quadratic_form_is_the_second_derivative_of_the_loss():
    W, Sigma = _random((3, 2, 4, 2), 11)
    rng = np.random.default_rng(5)
    V = [rng.standard_normal(w.shape) for w in W]
    v = dl.flatten_weights(V)
    q = v @ dl.hessian(W, Sigma) @ v
    e = 1e-4
    L = lambda s: dl.loss([w + s * x for w, x in zip(W, V)], Sigma)  # noqa: E731
    assert (L(e) - 2 * L(0) + L(-e)) / e**2 == pytest.approx(q, rel=1e-5)


def test_depth_one_hessian_is_the_identity():
    H = dl.hessian([np.ones((2, 3))], np.zeros((2, 3)))
    np.testing.assert_array_equal(H, np.eye(6))


def test_residual_part_at_a_bottleneck_minimum():
    # digest 3.3 [CORRECTED]: with L* > 0 the Hessian is not J^T J
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1, 2), Sigma, (3, 2, 3))
    W = list(cp.weights)
    H = dl.hessian(W, Sigma)
    pre = dl.prefix_products(W)
    suf = dl.suffix_products(W)
    J = np.hstack([np.kron(suf[j + 1], pre[j].T) for j in range(2)])
    assert np.max(np.abs(H - J.T @ J)) == pytest.approx(1.0)


# --------------------------------------------------------------------------- claims


@pytest.mark.parametrize(
    "widths, expected",
    [
        ((2, 2, 2), [-3, -3, -2, -2, 2, 2, 3, 3]),  # claim 12
        ((2, 3, 2), [-3] * 3 + [-2] * 3 + [2] * 3 + [3] * 3),  # each d_1 times
        ((3, 2, 2), [-3, -3, -2, -2, 0, 0, 2, 2, 3, 3]),  # zeros when the widths differ
    ],
)
def test_claim12_origin_one_hidden_layer(widths, expected):
    Sigma = np.zeros((widths[-1], widths[0]))
    Sigma[0, 0], Sigma[1, 1] = 3.0, 2.0
    W = [np.zeros((widths[i + 1], widths[i])) for i in range(2)]
    ev = dl.inertia(dl.hessian(W, Sigma)).eigenvalues
    np.testing.assert_allclose(ev, expected, atol=1e-12)
    # the finite-difference Hessian of the digest agrees to 1e-4
    np.testing.assert_allclose(np.linalg.eigvalsh(dl.finite_difference_hessian(W, Sigma, step=1e-4)), expected, atol=1e-4)


@pytest.mark.parametrize("h", [3, 4])
def test_claim13_origin_deep_hessian_is_zero(h):
    Sigma = np.diag([3.0, 2.0])
    W = [np.zeros((2, 2))] * h
    H = dl.hessian(W, Sigma)
    assert np.all(H == 0) and H.shape == (4 * h, 4 * h)
    inert = dl.inertia(H)
    assert (inert.negative, inert.zero, inert.positive) == (0, 4 * h, 0)
    # L(eps V) - L(0) = -eps^h <Sigma, V_h...V_1> + eps^(2h) ||V_h...V_1||^2 / 2, exactly
    rng = np.random.default_rng(h)
    V = [rng.standard_normal((2, 2)) for _ in range(h)]
    P = dl.end_to_end(V)
    for eps in (0.1, 0.3):
        dL = dl.loss([eps * v for v in V], Sigma) - dl.loss(W, Sigma)
        assert dL == pytest.approx(-(eps**h) * np.sum(Sigma * P) + 0.5 * eps ** (2 * h) * np.sum(P * P), rel=1e-9)
        assert abs(dL + eps**h * np.sum(Sigma * P)) < eps ** (2 * h) * np.sum(P * P)


@pytest.mark.parametrize("h, nullity, lam", [(2, 4, 6.0), (3, 8, 12.9802)])
def test_claim18_degenerate_balanced_minima(h, nullity, lam):
    Sigma = np.diag([3.0, 2.0])
    cp = dl.critical_point((1, 2), Sigma, (2,) * (h + 1))
    inert = dl.inertia(dl.hessian(cp.weights, Sigma))
    assert inert.negative == 0 and inert.zero == nullity == (h - 1) * 4  # = dim GL(2)^(h-1)
    assert inert.lambda_max == pytest.approx(lam, abs=1e-4)
    assert dl.sharpness(cp.weights, Sigma) == pytest.approx(h * 3 ** (2 - 2 / h), rel=1e-12)


@pytest.mark.parametrize("c, lam", [(1, 2.0), (2, 4.25), (0.5, 4.25), (3, 9.1111111111)])
def test_claim19_sharpness_along_the_scalar_fibre(c, lam):
    W = [np.array([[c]]), np.array([[1 / c]])]
    assert dl.sharpness(W, np.array([[1.0]])) == pytest.approx(c**2 + c**-2, abs=1e-10)
    assert dl.sharpness(W, np.array([[1.0]])) == pytest.approx(lam, abs=1e-9)


def test_balanced_minimum_is_the_flattest_point_of_its_fibre():
    Sigma = np.diag([3.0, 2.0])
    for h in (2, 3):
        cp = dl.critical_point((1, 2), Sigma, (2,) * (h + 1))
        lam0 = dl.sharpness(cp.weights, Sigma)
        fs = dl.sample_fiber(cp, None, np.random.default_rng(h), n=8, kind="gl", scale=0.7)
        sharp = [dl.sharpness(p, Sigma) for p in fs.points]
        assert min(sharp) >= lam0 - 1e-9
        assert max(sharp) > lam0 + 0.1


# --------------------------------------------------------------------------- Lanczos


def test_extreme_eigenvalues_lanczos_matches_dense():
    W, Sigma = _random((8, 8, 8, 8, 8, 8, 8, 8), 3, scale=0.4)  # 448 weights
    ev = np.linalg.eigvalsh(dl.hessian(W, Sigma))
    res = dl.extreme_eigenvalues(W, Sigma, k=2, dense_below=100)
    assert res.method == "lanczos" and res.n_matvec > 0
    np.testing.assert_allclose(res.smallest, ev[:2], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res.largest, ev[::-1][:2], rtol=1e-7)
    assert "lanczos" in repr(res)
    dense = dl.extreme_eigenvalues(W, Sigma, which="smallest", dense_below=1000)
    assert dense.method == "dense" and dense.largest is None and dense.lambda_min == pytest.approx(ev[0])


# --------------------------------------------------------------------------- inertia


def test_inertia_threshold_and_finite_difference_tolerance():
    Sigma = np.diag([3.0, 2.0])
    cp = dl.critical_point((1,), Sigma, (2, 2, 2, 2))  # PSD with a null space (claim 15)
    H = dl.hessian(cp.weights, Sigma)
    inert = dl.inertia(H)
    assert inert.threshold == pytest.approx(H.shape[0] * np.finfo(float).eps * np.max(np.abs(inert.eigenvalues)))
    assert (inert.negative, inert.zero, inert.positive) == (0, 9, 3)
    assert list(inert) == [0, 9, 3] and "counts as zero" in repr(inert)
    F = dl.finite_difference_hessian(cp.weights, Sigma, step=1e-4)
    loose = dl.inertia(F, tol=1e-5 * np.max(np.abs(np.linalg.eigvalsh(F))))
    assert (loose.negative, loose.zero, loose.positive) == (0, 9, 3)


def test_inertia_bad_input():
    with pytest.raises(ValueError, match="symmetric"):
        dl.inertia(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="square"):
        dl.inertia(np.zeros((2, 3)))


def test_bad_directions_and_options():
    W, Sigma = _random((2, 2, 2), 0)
    with pytest.raises(ValueError, match="length"):
        dl.hessian_vector_product(W, Sigma, np.zeros(3))
    with pytest.raises(ValueError, match="shapes"):
        dl.hessian_vector_product(W, Sigma, [np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2))])
    with pytest.raises(ValueError, match="which"):
        dl.extreme_eigenvalues(W, Sigma, which="middle")
    with pytest.raises(ValueError, match="shape"):
        dl.hessian(W, np.zeros((3, 3)))


def test_extreme_eigenvalues_at_a_minimum_with_a_large_zero_cluster():
    # A minimum's Hessian has a large null space (the symmetry orbit); a single Lanczos run for
    # both ends ("BE") did not converge here. Both ends must come out and match the dense spectrum.
    Sigma = np.diag(np.linspace(5.0, 0.5, 10))
    cp = dl.critical_point([1, 2, 3], Sigma, (10, 20, 20, 20, 10))
    ext = dl.extreme_eigenvalues(cp.weights, Sigma)
    ev = np.linalg.eigvalsh(dl.hessian(cp.weights, Sigma))
    assert ext.method == "lanczos"
    assert abs(ext.largest[0] - ev[-1]) <= 1e-8 * ev[-1]
    assert abs(ext.smallest[0] - ev[0]) <= 1e-8 * ev[-1]


# --------------------------------------------------------------------------- the quadratic form from products


def test_hessian_quadratic_form_is_vt_h_v():
    rng = np.random.default_rng(3)
    d = (2, 3, 4, 2)
    W = [rng.standard_normal((d[i + 1], d[i])) for i in range(3)]
    Sigma = rng.standard_normal((2, 2))
    V = [rng.standard_normal(w.shape) for w in W]
    v = dl.flatten_weights(V)
    assert dl.hessian_quadratic_form(W, Sigma, V) == pytest.approx(v @ dl.hessian(W, Sigma) @ v, rel=1e-10)
    # the second derivative of eps -> L(W + eps V), by central differences
    e = 1e-4
    f = [dl.loss([w + s * x for w, x in zip(W, V)], Sigma) for s in (-e, 0.0, e)]
    assert dl.hessian_quadratic_form(W, Sigma, V) == pytest.approx((f[0] - 2 * f[1] + f[2]) / e**2, rel=1e-5)


def test_hessian_quadratic_form_at_the_origin_h2():
    # -2 <Sigma, V_2 V_1>: V_1 = e_1 e_1^T, V_2 = -e_1 e_1^T gives +2 sigma_1
    E = np.diag([1.0, 0.0])
    assert dl.hessian_quadratic_form([np.zeros((2, 2))] * 2, np.diag([3.0, 2.0]), [E, -E]) == pytest.approx(6.0)


def test_hessian_quadratic_form_matches_the_hessian_vector_product_and_validates():
    rng = np.random.default_rng(8)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    Sigma = rng.standard_normal((2, 2))
    V = [rng.standard_normal(w.shape) for w in W]
    HV = dl.hessian_vector_product(W, Sigma, V)
    assert dl.hessian_quadratic_form(W, Sigma, V) == pytest.approx(sum(float(np.sum(v * g)) for v, g in zip(V, HV)), rel=1e-12)
    with pytest.raises(ValueError, match="V has shapes"):
        dl.hessian_quadratic_form(W, Sigma, [v.T for v in V])


def test_extreme_eigenvalues_name_an_overflowing_hessian():
    # issue 13: the dense path handed an inf Hessian to eigvalsh (LinAlgError "did not converge")
    W = [np.full((2, 2), 1e200), np.eye(2)]
    with pytest.raises(dl.NonFiniteResultError, match="weights or Sigma"):
        dl.sharpness(W, np.eye(2))
