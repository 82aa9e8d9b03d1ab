"""Tests of deeplinear.product_flow: the induced flow of the end-to-end map."""

import numpy as np
import pytest

import deeplinear as dl


def test_margin_rate_has_the_factor_h_only_for_square_maps():
    assert dl.margin_rate(0.5, 3) == pytest.approx(2 * 3 * 0.5 ** (4 / 3))
    assert dl.margin_rate(0.5, 3, square=False) == pytest.approx(2 * 0.5 ** (4 / 3))
    assert dl.margin_rate(0.5, 3) == pytest.approx(2.3811015779522986)  # digest claim 29
    assert dl.margin_rate(0.7, 1) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="c"):
        dl.margin_rate(0.0, 3)


# --------------------------------------------------------------------------- end-to-end velocities


def test_end_to_end_velocity_is_the_derivative_of_the_product_along_the_flow():
    rng = np.random.default_rng(11)
    W0 = dl.random_init((3, 4, 2, 3), rng, 0.8)
    S = rng.standard_normal((3, 3))
    e = 1e-5
    tr = dl.gradient_flow(W0, S, (0.0, 2 * e), t_eval=[0.0, e, 2 * e], rtol=1e-13, atol=1e-15)
    P = tr.end_to_end
    fd = (-3 * P[0] + 4 * P[1] - P[2]) / (2 * e)  # second-order one-sided difference
    np.testing.assert_allclose(dl.end_to_end_velocity(W0, S), fd, rtol=1e-6, atol=1e-6)


def test_end_to_end_velocity_of_balanced_weights_is_the_end_to_end_rhs():
    rng = np.random.default_rng(12)
    S = np.diag([3.0, 2.0, 1.0])
    for h in (2, 3):
        W = dl.balanced_init((3,) * (h + 1), product=rng.standard_normal((3, 3)))
        np.testing.assert_allclose(dl.end_to_end_velocity(W, S), dl.end_to_end_rhs(dl.end_to_end(W), S, h),
                                   rtol=1e-9, atol=1e-11)
    with pytest.raises(ValueError, match="Sigma"):
        dl.end_to_end_velocity(W, np.eye(2))


def test_singular_value_velocity_is_the_projected_end_to_end_rhs():
    rng = np.random.default_rng(13)
    S = rng.standard_normal((3, 2))
    P = rng.standard_normal((3, 2))
    h = 3
    U, s, Vt = np.linalg.svd(P, full_matrices=False)
    Pdot = dl.end_to_end_rhs(P, S, h)
    expected = np.einsum("ik,ij,kj->k", U, Pdot, Vt)  # d s_k = u_k^T dW v_k
    np.testing.assert_allclose(dl.singular_value_velocity(P, S, h), expected, rtol=1e-10)
    with pytest.raises(ValueError, match="Sigma has shape"):
        dl.singular_value_velocity(P, S.T, h)
