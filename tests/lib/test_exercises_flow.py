"""The Taylor test and the checkers of the chapter on the gradient-flow equations."""

import numpy as np
import pytest

import deeplinear as dl


@pytest.fixture
def problem():
    rng = np.random.default_rng(4)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    return W, rng.standard_normal((2, 2))


def test_taylor_test_orders(problem):
    W, S = problem
    right = dl.taylor_test(W, S)
    assert right.passed and abs(right.order - 2.0) < 0.1
    assert right.directional_derivative == pytest.approx(right.central_difference, rel=1e-8)
    wrong = dl.taylor_test(W, S, lambda W, S: [2 * g for g in dl.gradient(W, S)])
    assert not wrong.passed and abs(wrong.order - 1.0) < 0.1
    # a list of arrays works as well as a callable
    assert dl.taylor_test(W, S, dl.gradient(W, S)).passed


def test_taylor_test_is_reproducible_and_takes_a_direction(problem):
    W, S = problem
    a, b = dl.taylor_test(W, S, rng=3), dl.taylor_test(W, S, rng=3)
    assert np.array_equal(a.remainders, b.remainders)
    V = [np.ones_like(w) for w in W]
    t = dl.taylor_test(W, S, direction=V)
    assert t.directional_derivative == pytest.approx(sum(np.sum(g) for g in dl.gradient(W, S)))


@pytest.mark.parametrize(
    "kwargs, match",
    [({"epsilons": [1e-3, 1e-2]}, "decreasing"), ({"epsilons": [1e-1]}, "decreasing"), ({"fit": 1}, "fit"),
     ({"direction": [np.ones((2, 2))]}, "direction")],
)
def test_taylor_test_rejects_bad_input(problem, kwargs, match):
    W, S = problem
    with pytest.raises(ValueError, match=match):
        dl.taylor_test(W, S, **kwargs)


def test_taylor_test_rejects_gradients_of_the_wrong_shape(problem):
    W, S = problem
    with pytest.raises(ValueError, match="shape"):
        dl.taylor_test(W, S, lambda W, S: [g.T for g in dl.gradient(W, S)])


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

    result = dl.check_layer_gradient(my_gradient)
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
    result = dl.check_layer_gradient(wrong)
    assert not result.passed
    assert words in result.message


def test_check_adjacency_rhs():
    assert dl.check_adjacency_rhs(lambda A, E, h: -dl.gradient_adjacency(A, E, h)).passed
    sign = dl.check_adjacency_rhs(lambda A, E, h: dl.gradient_adjacency(A, E, h))
    assert not sign.passed and "sign" in sign.message

    def untransposed(A, E, h):
        P = [np.linalg.matrix_power(A, k) for k in range(h + 1)]
        return sum(P[h - j] @ (E - P[h]) @ P[j - 1] for j in range(1, h + 1))

    msg = dl.check_adjacency_rhs(untransposed).message
    assert "transposed" in msg

    def pattern_only(A, E, h):  # right on block-shift matrices only: keeps the first sub-diagonal
        G = -dl.gradient_adjacency(A, E, h)
        n = A.shape[0]
        return G if np.count_nonzero(np.triu(A)) == 0 else np.zeros((n, n))

    msg = dl.check_adjacency_rhs(pattern_only).message
    assert "dense" in msg
    assert "shape" in dl.check_adjacency_rhs(lambda A, E, h: A[:-1]).message
    assert "entry" in dl.check_adjacency_rhs(lambda A, E, h: E - A).message


@pytest.mark.parametrize("checker", [dl.check_layer_gradient, dl.check_adjacency_rhs])
def test_flow_checkers_report_the_stub(checker):
    def stub(*args):
        raise NotImplementedError("fill in")

    result = checker(stub)
    assert not result.passed and "NotImplementedError" in result.message
