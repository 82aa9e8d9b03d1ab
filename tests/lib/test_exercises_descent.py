"""Checkers of the chapter on gradient descent: they accept right answers, reject wrong ones
with a useful message, and never raise because of the reader's code."""

import numpy as np
import pytest

import deeplinear as dl


def stub(*args):
    raise NotImplementedError("fill in")


@pytest.mark.parametrize("checker", [dl.exercises.check_gd_step, dl.exercises.check_drift_prediction, dl.exercises.check_critical_step])
def test_checkers_report_the_stub_instead_of_raising(checker):
    result = checker(stub)
    assert not result.passed and "NotImplementedError" in result.message


def right_step(weights, Sigma, eta):
    return [w - eta * g for w, g in zip(weights, dl.gradient(weights, Sigma))]


def sequential_step(weights, Sigma, eta):
    W = [w.copy() for w in weights]
    for i in range(len(W)):
        W[i] = W[i] - eta * dl.gradient(W, Sigma)[i]
    return W


def test_check_gd_step():
    assert dl.exercises.check_gd_step(right_step).passed
    wrong = dl.exercises.check_gd_step(sequential_step)
    assert not wrong.passed and "same, old point" in wrong.message
    assert not dl.exercises.check_gd_step(lambda W, S, e: 5).passed
    short = dl.exercises.check_gd_step(lambda W, S, e: W[:1])
    assert not short.passed and "expected" in short.message


def right_drift(weights, Sigma, eta):
    G = dl.gradient(weights, Sigma)
    return [eta**2 * (G[i + 1].T @ G[i + 1] - G[i] @ G[i].T) for i in range(len(weights) - 1)]


def test_check_drift_prediction():
    assert dl.exercises.check_drift_prediction(right_drift).passed
    flipped = dl.exercises.check_drift_prediction(lambda W, S, e: [-D for D in right_drift(W, S, e)])
    assert not flipped.passed and "sign" in flipped.message
    first_order = dl.exercises.check_drift_prediction(lambda W, S, e: [D / e for D in right_drift(W, S, e)])
    assert not first_order.passed and "eta^2" in first_order.message


def test_check_critical_step():
    assert dl.exercises.check_critical_step(lambda s, h: dl.critical_step(s, h)).passed
    wrong = dl.exercises.check_critical_step(lambda s, h: 2 / (h * s**2))
    assert not wrong.passed and "2 - 2/h" in wrong.message
    half = dl.exercises.check_critical_step(lambda s, h: 1 / (h * s ** (2 - 2 / h)))
    assert not half.passed and "2 / lambda_max" in half.message
    assert not dl.exercises.check_critical_step(lambda s, h: "big").passed
