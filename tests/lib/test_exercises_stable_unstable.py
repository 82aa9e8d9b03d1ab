"""Checkers of the chapter on stable and unstable sets accept right answers and explain wrong ones."""

import itertools
import math

import numpy as np

import deeplinear as dl


def stable_rays(h, sigma):
    return [s for s in itertools.product((1, -1), repeat=h) if math.prod(s) * np.sign(sigma) < 0]


def escape_law(h, sigma, a0, t):
    t = np.asarray(t, dtype=float)
    if h == 2:
        return a0 * np.exp(sigma * t)
    base = a0 ** (2 - h) - (h - 2) * sigma * t
    out = np.full(t.shape, np.nan)
    out[base > 0] = base[base > 0] ** (-1.0 / (h - 2))
    return out


def stub(*args):
    raise NotImplementedError("fill in")


def test_check_stable_rays_accepts_the_rule():
    res = dl.exercises.check_stable_rays(stable_rays)
    assert res.passed and "opposite to sigma" in res.message


def test_check_stable_rays_explains_mistakes():
    res = dl.exercises.check_stable_rays(lambda h, s: [t for t in itertools.product((1, -1), repeat=h) if t not in stable_rays(h, s)])
    assert not res.passed and "unstable rays" in res.message
    res = dl.exercises.check_stable_rays(lambda h, s: [(-1,) * h] if h % 2 else [])
    assert not res.passed and "balanced" in res.message
    res = dl.exercises.check_stable_rays(lambda h, s: [t for t in itertools.product((1, -1), repeat=h) if math.prod(t) < 0])
    assert not res.passed and "negative target" in res.message
    res = dl.exercises.check_stable_rays(lambda h, s: stable_rays(h, s)[1:])
    assert not res.passed and "missing stable ray" in res.message
    res = dl.exercises.check_stable_rays(lambda h, s: [(1, 2)])
    assert not res.passed and "+1 or -1" in res.message
    res = dl.exercises.check_stable_rays(lambda h, s: 3)
    assert not res.passed and "list of sign tuples" in res.message


def test_check_stable_rays_reports_the_stub():
    res = dl.exercises.check_stable_rays(stub)
    assert not res.passed and "not yet implemented" in str(res)


def test_check_escape_law_accepts_the_law():
    res = dl.exercises.check_escape_law(escape_law)
    assert res.passed and "blow-up" in res.message
    assert dl.exercises.check_escape_law(lambda h, s, a0, t: dl.saddle_escape_law(t, a0, s, h)).passed


def test_check_escape_law_explains_mistakes():
    res = dl.exercises.check_escape_law(lambda h, s, a0, t: a0 * np.exp(s * np.asarray(t)))
    assert not res.passed and "exponential" in res.message

    def no_factor(h, s, a0, t):
        if h == 2:
            return escape_law(h, s, a0, t)
        return np.abs(a0 ** (2 - h) - s * np.asarray(t)) ** (-1.0 / (h - 2))

    res = dl.exercises.check_escape_law(no_factor)
    assert not res.passed and "(h - 2)" in res.message

    def no_nan(h, s, a0, t):
        if h == 2:
            return escape_law(h, s, a0, t)
        return np.abs(a0 ** (2 - h) - (h - 2) * s * np.asarray(t)) ** (-1.0 / (h - 2))

    res = dl.exercises.check_escape_law(no_nan)
    assert not res.passed and "nan" in res.message
    res = dl.exercises.check_escape_law(lambda h, s, a0, t: escape_law(h, s, a0, t)[:-1])
    assert not res.passed and "one value per time" in res.message


def test_check_escape_law_reports_the_stub():
    res = dl.exercises.check_escape_law(stub)
    assert not res.passed and "not yet implemented" in str(res)
