"""Tests of deeplinear.exercises.weight_decay: right answers pass, typical mistakes are named."""

from __future__ import annotations

import deeplinear as dl


def test_regularised_gradient_checker():
    good = lambda w, S, lam: [g + lam * x for g, x in zip(dl.gradient(w, S), w)]  # noqa: E731
    assert dl.exercises.check_regularised_gradient(good).passed
    half = lambda w, S, lam: [g + 0.5 * lam * x for g, x in zip(dl.gradient(w, S), w)]  # noqa: E731
    r = dl.exercises.check_regularised_gradient(half)
    assert not r.passed and "not lam * W_i / 2" in r.message
    r = dl.exercises.check_regularised_gradient(lambda w, S, lam: dl.gradient(w, S))
    assert not r.passed and "missing" in r.message
    assert not dl.exercises.check_regularised_gradient(lambda w, S, lam: 1 / 0).passed


def test_shrunk_value_checker():
    assert dl.exercises.check_shrunk_value(lambda s, lam: max(s - lam, 0.0)).passed
    r = dl.exercises.check_shrunk_value(lambda s, lam: s - lam)
    assert not r.passed and "never negative" in r.message
    assert not dl.exercises.check_shrunk_value(lambda s, lam: s / (1 + lam)).passed


def test_switch_off_checker():
    def right(sigma, h):
        if h == 2:
            return sigma
        x = sigma * (h - 2) / (h - 1)
        return sigma / (h - 1) * x ** ((h - 2) / h)

    assert dl.exercises.check_switch_off(right).passed
    appears = lambda sigma, h: dl.weight_decay.mode_shrinkage(sigma, h, weight_decay=1.0).appears_below  # noqa: E731
    r = dl.exercises.check_switch_off(appears)
    assert not r.passed and "disappears" in r.message
