"""Checkers of the implicit-regularisation chapter accept right answers and explain wrong ones."""

import numpy as np

import deeplinear as dl


def erank(W, power=1.0, exponentiate=True):
    s = np.linalg.svd(W, compute_uv=False) ** power
    p = s[s > 0] / s.sum()
    H = -(p * np.log(p)).sum()
    return np.exp(H) if exponentiate else H


def law(W, G, h, exponent=None, factor=None, sign=-1.0):
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    e = 2 - 2 / h if exponent is None else exponent(h)
    f = h if factor is None else factor
    return sign * f * s**e * np.einsum("ir,ij,rj->r", U, G, Vt)


def test_check_effective_rank():
    assert dl.exercises.check_effective_rank(erank).passed
    assert dl.exercises.check_effective_rank(dl.sensing.effective_rank).passed
    res = dl.exercises.check_effective_rank(lambda W: erank(W, power=2.0))
    assert not res.passed and "not their squares" in res.message
    res = dl.exercises.check_effective_rank(lambda W: erank(W, exponentiate=False))
    assert not res.passed and "exponential" in res.message
    res = dl.exercises.check_effective_rank(lambda W: float(np.linalg.matrix_rank(W)))
    assert not res.passed and "not the rank" in res.message
    res = dl.exercises.check_effective_rank(lambda W: [1.0, 2.0])
    assert not res.passed and "one number" in res.message
    assert not dl.exercises.check_effective_rank(lambda W: None).passed


def test_check_singular_value_law():
    assert dl.exercises.check_singular_value_law(law).passed
    res = dl.exercises.check_singular_value_law(lambda W, G, h: law(W, G, h, sign=1.0))
    assert not res.passed and "minus sign" in res.message
    res = dl.exercises.check_singular_value_law(lambda W, G, h: law(W, G, h, factor=1.0))
    assert not res.passed and "factor h" in res.message
    # a wrong closed form (exponent 2 - 4/h instead of 2 - 2/h) is caught and named
    res = dl.exercises.check_singular_value_law(lambda W, G, h: law(W, G, h, exponent=lambda h: 2 - 4 / h))
    assert not res.passed and "power" in res.message
    res = dl.exercises.check_singular_value_law(lambda W, G, h: law(W, G, h)[:-1])
    assert not res.passed and "one per singular value" in res.message
    res = dl.exercises.check_singular_value_law(lambda W, G, h: 1 / 0)
    assert not res.passed and "ZeroDivisionError" in res.message
