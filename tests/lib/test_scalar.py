"""Tests of deeplinear.scalar: scalar networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deeplinear as dl


def test_claim25_strict_saddle_line_scalar_h3():
    one = np.array([[1.0]])
    tr = dl.gradient_flow([np.array([[0.3]]), np.array([[-0.3]]), np.array([[1.0]])], one, (0, 200), t_eval=[0, 200])
    w = np.array([x.item() for x in tr.final_weights])
    np.testing.assert_allclose(w, [0, 0, math.sqrt(0.91)], atol=1e-6)
    c = dl.classify(tr.final_weights, one, tol=1e-6)
    assert c.kind == "strict saddle"
    np.testing.assert_allclose(c.inertia.eigenvalues, [-math.sqrt(0.91), 0, math.sqrt(0.91)], atol=1e-6)
    tr2 = dl.gradient_flow([np.array([[0.3]]), np.array([[0.3]]), np.array([[1.0]])], one, (0, 200), t_eval=[0, 200])
    np.testing.assert_allclose([x.item() for x in tr2.final_weights], [0.8782, 0.8782, 1.2966], atol=1e-4)
    # the conserved curves of the first trajectory pass through its limit
    curve = dl.scalar_conserved_curve([0.3, -0.3, 1.0], np.array([0.3, 0.0]))
    np.testing.assert_allclose(curve, [[0.3, -0.3, 1.0], [0.0, 0.0, math.sqrt(0.91)]], atol=1e-12)


@pytest.mark.parametrize("c, sigma", [(0.7, 2.0), (-1.5, 1.0)])
def test_claim25_hessian_on_the_saddle_line(c, sigma):
    W = [np.zeros((1, 1)), np.zeros((1, 1)), np.array([[c]])]
    cl = dl.classify(W, np.array([[sigma]]))
    np.testing.assert_allclose(cl.inertia.eigenvalues, [-abs(c) * sigma, 0, abs(c) * sigma], atol=1e-12)
    assert cl.kind == "strict saddle"
    assert dl.scalar_critical_set(sigma, 3).classify_point([0, 0, c]) == "strict saddle"


def test_scalar_critical_set_and_vector_field():
    cs = dl.scalar_critical_set(2.0, 3)
    assert cs.saddle_value == 2.0 and cs.minimum_value == 0.0
    assert cs.classify_point([0, 0, 0]) == "non-strict saddle"
    assert cs.classify_point([1, 1, 2]) == "global minimum"
    assert cs.classify_point([0, 1, 1]) == "not critical"
    assert cs.saddle_components() == ((1, 2), (1, 3), (2, 3))
    cs2 = dl.scalar_critical_set(1.0, 2)
    assert cs2.classify_point([0, 0]) == "strict saddle" and "hyperbola" in repr(cs2)
    np.testing.assert_allclose(np.prod(cs2.minima_curve(np.array([0.5, 2.0])), axis=-1), 1.0)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    v = dl.scalar_vector_field(w, 2.0)
    for wk, vk in zip(w, v):
        g = dl.gradient([np.array([[x]]) for x in wk], np.array([[2.0]]))
        np.testing.assert_allclose(vk, [-x.item() for x in g])
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)), axis=-1)
    assert dl.scalar_vector_field(grid, 1.0).shape == (5, 5, 2)


def test_scalar_conserved_curve_is_invariant():
    w0 = [0.2, -0.7, 1.1]
    curve = dl.scalar_conserved_curve(w0, np.linspace(-2, 2, 9))
    np.testing.assert_allclose(np.diff(curve**2, axis=1), np.tile(np.diff(np.square(w0)), (9, 1)), atol=1e-12)
    tr = dl.gradient_flow([np.array([[x]]) for x in w0], np.array([[1.0]]), (0, 5), t_eval=[5])
    wT = np.array([x.item() for x in tr.final_weights])
    on = dl.scalar_conserved_curve(w0, np.array([wT[0]]))[0]
    np.testing.assert_allclose(on, wT, atol=1e-8)


def test_scalar_h2_limit_matches_the_flow():
    rng = np.random.default_rng(3)
    for _ in range(4):
        w0, sigma = rng.uniform(-2, 2, size=2), rng.uniform(0.3, 2.5)
        tr = dl.gradient_flow([np.array([[w0[0]]]), np.array([[w0[1]]])], np.array([[sigma]]), (0.0, 80.0),
                              rtol=1e-10, atol=1e-14)
        final = np.array([tr.final_weights[0][0, 0], tr.final_weights[1][0, 0]])
        assert np.allclose(final, dl.scalar_h2_limit(w0, sigma), atol=1e-7)
    assert np.array_equal(dl.scalar_h2_limit((0.5, -0.5), 1.0), [0.0, 0.0])
    lim = dl.scalar_h2_limit((-1.0, 0.2), 2.0)
    assert lim[0] * lim[1] == pytest.approx(2.0) and lim[1] ** 2 - lim[0] ** 2 == pytest.approx(0.04 - 1.0)
    assert np.all(lim < 0)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_scalar_h2_limit_rejects_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma"):
        dl.scalar_h2_limit((1.0, 0.0), bad)


def test_scalar_h2_limit_rejects_bad_points():
    with pytest.raises(ValueError, match="2 entries"):
        dl.scalar_h2_limit((1.0, 0.0, 2.0), 1.0)
    with pytest.raises(ValueError, match="w0"):
        dl.scalar_h2_limit((np.inf, 0.0), 1.0)
    with pytest.raises(TypeError, match="w0"):
        dl.scalar_h2_limit(("a", "b"), 1.0)
    with pytest.raises(TypeError, match="sigma"):
        dl.scalar_h2_limit((1.0, 0.0), "large")


# --------------------------------------------------------------------------- the scalar flow


def test_scalar_flow_claims_24_25():
    fl = dl.scalar_flow((0.3, -0.3, 1.0), 1.0, 60.0)
    assert np.allclose(fl.final, [0.0, 0.0, np.sqrt(0.91)], atol=1e-8)
    fl = dl.scalar_flow((0.3, 0.3, 1.0), 1.0, 60.0)
    assert np.allclose(fl.final, [0.8782, 0.8782, 1.2966], atol=1e-4)
    fl = dl.scalar_flow((-0.5, -0.5, -0.5), 1.0, 100.0)
    assert fl.final[0] == pytest.approx(-0.00979, rel=2e-3)
    assert fl.w.shape == (201, 3) and np.all(np.diff(fl.loss) <= 1e-14)


def test_claim_23_stable_manifold_closed_form():
    fl = dl.scalar_flow((0.5, -0.5), 1.0, 10.0, n_points=2)
    assert abs(fl.final[0]) == pytest.approx(2.0303e-5, rel=1e-4)
    assert fl.final[0] == pytest.approx(-fl.final[1], abs=1e-15)


# --------------------------------------------------------------------------- the imbalance convention


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("side", [1.0, -1.0])
def test_scalar_h2_limit_against_the_flow_for_both_signs_of_the_imbalance(sign, side):
    # The book's convention (notation page): c = w_2^2 - w_1^2, the scalar C_1 of
    # dl.conserved_quantities. The limit has w_2^2 > w_1^2 exactly when c > 0.
    sigma = 1.5
    w0 = side * np.array([0.4, 1.3]) if sign > 0 else side * np.array([1.3, 0.4])
    c = w0[1] ** 2 - w0[0] ** 2
    assert np.sign(c) == sign
    weights0 = [np.array([[w0[0]]]), np.array([[w0[1]]])]
    assert dl.conserved_quantities(weights0)[0][0, 0] == pytest.approx(c, abs=1e-15)
    tr = dl.gradient_flow(weights0, np.array([[sigma]]), (0.0, 60.0), rtol=1e-11, atol=1e-14)
    final = np.array([tr.final_weights[0][0, 0], tr.final_weights[1][0, 0]])
    limit = dl.scalar_h2_limit(w0, sigma)
    np.testing.assert_allclose(final, limit, atol=1e-8)
    # the closed form of the theorem, written out with the same c
    r = math.sqrt(c * c + 4 * sigma * sigma)
    expected = side * np.array([math.sqrt((r - c) / 2), math.sqrt((r + c) / 2)])
    np.testing.assert_allclose(limit, expected, rtol=1e-12)
    assert limit[1] ** 2 - limit[0] ** 2 == pytest.approx(c, abs=1e-12)
    assert np.sign(abs(limit[1]) - abs(limit[0])) == sign


def test_scalar_h2_limit_for_huge_weights_and_sigma():
    # issue 13: c = w_2^2 - w_1^2 overflowed for entries near 1e200 (the limits do not)
    for w0, s in (([1e200, 2e200], 2.0), ([3e200, -1e200], 0.5), ([0.5, 1.0], 1e200), ([2e200, 1e200], 1e200)):
        a, b = dl.scalar_h2_limit(w0, s)
        assert np.isfinite(a) and np.isfinite(b)
        assert a * b == pytest.approx(s, rel=1e-12)  # the limit lies on the hyperbola w_1 w_2 = sigma
        k = 1e200  # the conserved w_2^2 - w_1^2, in units of k^2 (no overflow)
        c = (w0[1] / k) ** 2 - (w0[0] / k) ** 2
        assert (b / k) ** 2 - (a / k) ** 2 == pytest.approx(c, rel=1e-12, abs=1e-300)
    # the moderate case is unchanged, and a wrong closed form (the two limits swapped) is caught
    a, b = dl.scalar_h2_limit([0.5, 1.0], 2.0)
    assert (a, b) == pytest.approx((1.288353, 1.55237), rel=1e-6)
    assert b**2 - a**2 == pytest.approx(1.0 - 0.25) and not a**2 - b**2 == pytest.approx(0.75)


def test_scalar_curve_set_and_flow_at_extreme_arguments():
    # issue 13: t^2 overflowed in the conserved curve (the curve itself is finite), sigma^2 raised
    # Python's OverflowError, and a non-integer n_points reached int()
    curve = dl.scalar_conserved_curve([0.5, 1.0], np.array([1e200, -1e200]))
    assert np.all(np.isfinite(curve)) and curve[0, 1] == pytest.approx(1e200, rel=1e-12)
    small = dl.scalar_conserved_curve([0.5, 1.0], np.array([2.0]))
    assert small[0, 1] == pytest.approx(math.sqrt(4.0 + 0.75))  # w_2 = sqrt(t^2 + c), c = 1 - 0.25
    with pytest.raises(dl.NonFiniteResultError, match="scalar_critical_set.*sigma"):
        dl.scalar_critical_set(1e200, 2)
    for bad in (None, "abc", 2.5, np.nan, 1):
        with pytest.raises((TypeError, ValueError), match="n_points"):
            dl.scalar_flow([0.5, 1.0], 2.0, 5.0, n_points=bad)
