"""Checkers of the scalar-network chapter accept right answers and explain wrong ones."""

import numpy as np

import deeplinear as dl


def field(w, sigma):
    return np.array([np.prod(np.delete(w, i)) for i in range(len(w))]) * (sigma - np.prod(w))


def limit(w0, sigma):
    c = w0[1] ** 2 - w0[0] ** 2
    r = np.sqrt(c * c + 4 * sigma**2)
    return np.sign(w0[0] + w0[1]) * np.sqrt([(r - c) / 2, (r + c) / 2])


def test_check_scalar_field():
    assert dl.exercises.check_scalar_field(field).passed
    res = dl.exercises.check_scalar_field(lambda w, s: np.prod(w) / np.where(w == 0, np.inf, w) * (s - np.prod(w)))
    assert not res.passed and "do not divide" in res.message
    res = dl.exercises.check_scalar_field(lambda w, s: field(w, s)[:-1])
    assert not res.passed and "velocities" in res.message
    res = dl.exercises.check_scalar_field(lambda w, s: -field(w, s))
    assert not res.passed and "expected" in res.message


def test_check_scalar_field_reports_the_stub():
    def stub(w, sigma):
        raise NotImplementedError("fill in")

    res = dl.exercises.check_scalar_field(stub)
    assert not res.passed and "NotImplementedError" in str(res)


def test_check_h2_limit():
    assert dl.exercises.check_h2_limit(limit).passed
    res = dl.exercises.check_h2_limit(lambda w0, s: np.abs(limit(w0, s)))
    assert not res.passed and "w1 = -w2" in res.message
    res = dl.exercises.check_h2_limit(lambda w0, s: (np.sqrt(s), np.sqrt(s)))
    assert not res.passed and "conserved" in res.message
    res = dl.exercises.check_h2_limit(lambda w0, s: (1.0, 1.0, 1.0))
    assert not res.passed and "two coordinates" in res.message


def test_check_h2_limit_catches_a_missed_stable_manifold():
    def no_origin(w0, s):
        out = limit(w0, s)
        return out if np.any(out) else np.array([np.sqrt(s), np.sqrt(s)])

    res = dl.exercises.check_h2_limit(no_origin)
    assert not res.passed and "stable manifold" in res.message
