"""The exercise checkers accept right answers, reject wrong ones with a useful message, and
never raise because of the reader's code."""

import numpy as np
import pytest

import deeplinear as dl


def my_adjacency(weights):
    widths = [weights[0].shape[1]] + [W.shape[0] for W in weights]
    off = np.concatenate([[0], np.cumsum(widths)])
    A = np.zeros((off[-1], off[-1]))
    for i, W in enumerate(weights, start=1):
        A[off[i]:off[i + 1], off[i - 1]:off[i]] = W
    return A


def transposed_adjacency(weights):
    return my_adjacency(weights).T


def test_check_adjacency_accepts_a_right_answer():
    result = dl.exercises.check_adjacency(my_adjacency)
    assert result.passed and bool(result)
    assert str(result).startswith("Correct")


def test_check_adjacency_explains_a_wrong_answer():
    result = dl.exercises.check_adjacency(transposed_adjacency)
    assert not result.passed
    assert "entry" in result.message and "block row i" in result.message


def test_check_adjacency_reports_a_wrong_shape():
    result = dl.exercises.check_adjacency(lambda W: np.zeros((2, 2)))
    assert not result.passed and "must be" in result.message


@pytest.mark.parametrize("checker", [dl.exercises.check_adjacency, dl.exercises.check_path_count, dl.exercises.check_ray_loss])
def test_checkers_report_the_stub_instead_of_raising(checker):
    def stub(*args):
        raise NotImplementedError("fill in")

    result = checker(stub)
    assert not result.passed
    assert "NotImplementedError" in result.message


def test_check_path_count():
    def right(widths, k):
        ones = [np.ones((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
        return dl.adjacency_power(dl.adjacency(ones), k)

    def off_by_one(widths, k):
        return right(widths, k) + 1

    assert dl.exercises.check_path_count(right).passed
    assert not dl.exercises.check_path_count(off_by_one).passed


def test_check_ray_loss():
    assert dl.exercises.check_ray_loss(lambda a, s, h: 0.5 * (s - a**h) ** 2).passed
    wrong = dl.exercises.check_ray_loss(lambda a, s, h: (s - a**h) ** 2)
    assert not wrong.passed and "expected" in wrong.message
    assert not dl.exercises.check_ray_loss(lambda a, s, h: "three").passed
