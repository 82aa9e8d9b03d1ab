"""Checkers of the chapter on balanced initialisations: they accept right answers, reject wrong
ones with a useful message, and never raise because of the reader's code."""

import numpy as np
import pytest

import deeplinear as dl


def stub(*args):
    raise NotImplementedError("fill in")


@pytest.mark.parametrize("checker", [dl.exercises.check_end_to_end_rhs, dl.exercises.check_balanced_factors, dl.exercises.check_margin_rate])
def test_checkers_report_the_stub_instead_of_raising(checker):
    result = checker(stub)
    assert not result.passed and "NotImplementedError" in result.message


def test_check_end_to_end_rhs():
    assert dl.exercises.check_end_to_end_rhs(dl.end_to_end_rhs).passed
    wrong = dl.exercises.check_end_to_end_rhs(lambda W, S, h: h * (S - W))
    assert not wrong.passed and "Gram" in wrong.message
    swapped = dl.exercises.check_end_to_end_rhs(lambda W, S, h: dl.end_to_end_rhs(W.T, S.T, h).T + (0 if h == 1 else 1.0))
    assert not swapped.passed and "largest error" in swapped.message
    shape = dl.exercises.check_end_to_end_rhs(lambda W, S, h: np.zeros((1, 1)))
    assert not shape.passed and "shape" in shape.message


def test_check_balanced_factors():
    assert dl.exercises.check_balanced_factors(lambda P, w: dl.balanced_init(w, product=P)).passed

    def unbalanced(P, widths):
        W = dl.balanced_init(widths, product=P)
        W[0] = 2.0 * W[0]
        W[1] = 0.5 * W[1]
        return W

    result = dl.exercises.check_balanced_factors(unbalanced)
    assert not result.passed and "not balanced" in result.message

    def wrong_product(P, widths):
        W = dl.balanced_init(widths, product=P)
        W[0] = 2.0 * W[0]
        return W

    result = dl.exercises.check_balanced_factors(wrong_product)
    assert not result.passed and "away from the product" in result.message
    assert not dl.exercises.check_balanced_factors(lambda P, w: 3).passed


def test_check_margin_rate():
    right = dl.exercises.check_margin_rate(lambda c, h, d0, dh: dl.margin_rate(c, h, square=d0 == dh))
    assert right.passed
    always_h = dl.exercises.check_margin_rate(lambda c, h, d0, dh: 2 * h * c ** (2 * (h - 1) / h))
    assert not always_h.passed and "square" in always_h.message
    assert not dl.exercises.check_margin_rate(lambda *a: "fast").passed
