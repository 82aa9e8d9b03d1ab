"""Tests of deeplinear.unbalanced: one two-layer mode with unbalanced layers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp

import deeplinear as dl


def test_claim_26_imbalance_accelerates_escape():
    """Scalar h = 2, sigma = 1, p0 = 1e-4, time for p to reach 0.5: 4.6051 (c=0), 0.9515 (c=0.5), 0.3313 (c=2) [1e-4]."""
    for c, expected in [(0.0, 4.6051), (0.5, 0.9515), (2.0, 0.3313)]:
        assert dl.unbalanced_learning_time(1e-4, 0.5, 1.0, c) == pytest.approx(expected, abs=1e-4)
    assert dl.unbalanced_learning_time(1e-4, 0.5, 1.0, 0.0) == pytest.approx(0.5 * np.log(9999), rel=1e-13)
    for c in (0.5, 2.0):
        f = lambda p: 1 / (np.sqrt(c * c + 4 * p * p) * (1 - p))  # noqa: E731
        assert dl.unbalanced_learning_time(1e-4, 0.5, 1.0, c) == pytest.approx(quad(f, 1e-4, 0.5, epsrel=1e-13)[0], rel=1e-11)


def test_unbalanced_solution():
    t = np.linspace(0, 5, 11)
    for p0, c in [(1e-4, 0.5), (-2.0, 0.5), (3.0, 2.0), (0.1, 0.0), (-0.3, 1.0)]:
        p = dl.unbalanced_solution(t, p0, 1.0, c)
        sol = solve_ivp(lambda s, y: dl.unbalanced_rhs(y, 1.0, c), (0, 5), [p0], t_eval=t, rtol=1e-13, atol=1e-15, method="DOP853")
        np.testing.assert_allclose(p, sol.y[0], rtol=1e-9, atol=1e-12)
    # c = 0 is the balanced law
    np.testing.assert_allclose(dl.unbalanced_solution(t, 0.01, 1.0, 0.0), dl.mode_solution(t, 0.01, 1.0, 2))


def test_unbalanced_weights_realise_c_and_p():
    for c, p in [(0.5, 1e-4), (-2.0, 0.3), (0.0, 0.2), (-1.0, 0.0), (3.0, -0.5)]:
        w1, w2 = dl.unbalanced_weights(p, c)
        # the book's convention (notation page): c = w_2^2 - w_1^2, the conserved C_1 of the chain
        assert w2**2 - w1**2 == pytest.approx(c, abs=1e-14)
        assert dl.conserved_quantities([np.array([[w1]]), np.array([[w2]])])[0][0, 0] == pytest.approx(c, abs=1e-14)
        assert w1 * w2 == pytest.approx(p, abs=1e-15)
    with pytest.raises(ValueError, match="finite"):
        dl.unbalanced_weights(0.1, float("nan"))


def test_unbalanced_weights_for_a_huge_product():
    # issue 13 (found by the full fuzz run): 2 p^2 overflowed to inf for p near 1e200
    for p, c in ((1e200, 0.5), (-1e200, 0.5), (1e200, -3.0), (2.0, 1e200), (0.3, -0.2), (0.3, 0.2)):
        w1, w2 = dl.unbalanced_weights(p, c)
        assert np.isfinite(w1) and np.isfinite(w2)
        assert w1 * w2 == pytest.approx(p, rel=1e-12)
        k = max(abs(w1), abs(w2))
        assert (w2 / k) ** 2 - (w1 / k) ** 2 == pytest.approx(c / k**2, rel=1e-9, abs=1e-15)
