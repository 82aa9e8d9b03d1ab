"""Checkers of the aligned-dynamics chapter accept right answers and explain wrong ones."""

import numpy as np
from scipy.integrate import quad

import deeplinear as dl


def logistic(t, sigma, u0):
    e = np.exp(2 * sigma * t)
    return sigma * u0 * e / (sigma - u0 + u0 * e)


def unbalanced_time(sigma, p0, pf, c):
    return quad(lambda p: 1 / (np.sqrt(c * c + 4 * p * p) * (sigma - p)), p0, pf, epsrel=1e-12, limit=200)[0]


def test_check_logistic_mode():
    assert dl.exercises.check_logistic_mode(logistic).passed
    res = dl.exercises.check_logistic_mode(lambda t, s, u0: logistic(t / 2, s, u0))
    assert not res.passed and "2 sigma t" in res.message
    res = dl.exercises.check_logistic_mode(lambda t, s, u0: logistic(t, s, u0) + 0.1)
    assert not res.passed and "t = 0" in res.message
    res = dl.exercises.check_logistic_mode(lambda t, s, u0: float(logistic(t, s, u0)[0]))
    assert not res.passed and "one value" in res.message
    res = dl.exercises.check_logistic_mode(lambda t, s, u0: logistic(t, s, u0) * (1 + 1e-3 * t))
    assert not res.passed and "expected" in res.message


def test_check_logistic_mode_reports_the_stub():
    def stub(t, sigma, u0):
        raise NotImplementedError("fill in")

    res = dl.exercises.check_logistic_mode(stub)
    assert not res.passed and "NotImplementedError" in str(res)


def test_check_unbalanced_time():
    assert dl.exercises.check_unbalanced_time(unbalanced_time).passed
    res = dl.exercises.check_unbalanced_time(lambda s, p0, pf, c: -unbalanced_time(s, p0, pf, c))
    assert not res.passed and "positive" in res.message
    res = dl.exercises.check_unbalanced_time(lambda s, p0, pf, c: unbalanced_time(s, p0, pf, c + 1e-3) if c == 0 else unbalanced_time(s, p0, pf, c))
    assert not res.passed and "balanced" in res.message
    res = dl.exercises.check_unbalanced_time(lambda s, p0, pf, c: unbalanced_time(s, p0, pf, max(c, 0.0)))
    assert not res.passed and "c^2" in res.message
    res = dl.exercises.check_unbalanced_time(lambda s, p0, pf, c: "soon")
    assert not res.passed and "one number" in res.message
