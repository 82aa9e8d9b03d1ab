"""The checkers of the chapter on the gradient-flow equations."""

import numpy as np
import pytest

import deeplinear as dl


def test_check_layer_gradient_accepts_the_right_answer():
    def my_gradient(weights, Sigma):
        h = len(weights)
        R = Sigma - dl.end_to_end(weights)
        out = []
        for j in range(1, h + 1):
            after = dl.end_to_end(weights[j:]) if j < h else np.eye(Sigma.shape[0])
            before = dl.end_to_end(weights[: j - 1]) if j > 1 else np.eye(Sigma.shape[1])
            out.append(-after.T @ R @ before.T)
        return out

    result = dl.exercises.check_layer_gradient(my_gradient)
    assert result.passed, result.message


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda W, S: [-g for g in dl.gradient(W, S)], "sign"),
        (lambda W, S: [g.T for g in dl.gradient(W, S)], "transposes"),
        (lambda W, S: dl.gradient(W, S)[:-1] + [2 * dl.gradient(W, S)[-1]], "order 1.0"),
        (lambda W, S: dl.gradient(W, S)[:-1], "list of"),
        (lambda W, S: np.zeros(3), "list of"),
        (lambda W, S: [None] * len(W), "shape"),
    ],
)
def test_check_layer_gradient_explains_wrong_answers(wrong, words):
    result = dl.exercises.check_layer_gradient(wrong)
    assert not result.passed
    assert words in result.message


def test_check_adjacency_rhs():
    assert dl.exercises.check_adjacency_rhs(lambda A, E, h: -dl.gradient_adjacency(A, E, h)).passed
    sign = dl.exercises.check_adjacency_rhs(lambda A, E, h: dl.gradient_adjacency(A, E, h))
    assert not sign.passed and "sign" in sign.message

    def untransposed(A, E, h):
        P = [np.linalg.matrix_power(A, k) for k in range(h + 1)]
        return sum(P[h - j] @ (E - P[h]) @ P[j - 1] for j in range(1, h + 1))

    msg = dl.exercises.check_adjacency_rhs(untransposed).message
    assert "transposed" in msg

    def pattern_only(A, E, h):  # right on block-shift matrices only: keeps the first sub-diagonal
        G = -dl.gradient_adjacency(A, E, h)
        n = A.shape[0]
        return G if np.count_nonzero(np.triu(A)) == 0 else np.zeros((n, n))

    msg = dl.exercises.check_adjacency_rhs(pattern_only).message
    assert "dense" in msg
    assert "shape" in dl.exercises.check_adjacency_rhs(lambda A, E, h: A[:-1]).message
    assert "entry" in dl.exercises.check_adjacency_rhs(lambda A, E, h: E - A).message


@pytest.mark.parametrize("checker", [dl.exercises.check_layer_gradient, dl.exercises.check_adjacency_rhs])
def test_flow_checkers_report_the_stub(checker):
    def stub(*args):
        raise NotImplementedError("fill in")

    result = checker(stub)
    assert not result.passed and "NotImplementedError" in result.message
