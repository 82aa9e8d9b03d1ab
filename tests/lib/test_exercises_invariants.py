"""Checkers of the invariants chapter accept right answers and explain wrong ones."""

import numpy as np

import deeplinear as dl


def jordan_by_ranks(A):
    n = A.shape[0]
    r = [n] + [np.linalg.matrix_rank(np.linalg.matrix_power(A, k)) for k in range(1, n + 1)]
    at_least = [r[k - 1] - r[k] for k in range(1, n + 1)] + [0]
    return [k for k in range(n, 0, -1) for _ in range(at_least[k - 1] - at_least[k])]


def test_check_jordan_type():
    assert dl.exercises.check_jordan_type(jordan_by_ranks).passed
    res = dl.exercises.check_jordan_type(lambda A: [A.shape[0]])
    assert not res.passed and "rank A^(k-1) - rank A^k" in res.message
    res = dl.exercises.check_jordan_type(lambda A: [1, 2])
    assert not res.passed and "largest first" in res.message
    res = dl.exercises.check_jordan_type(lambda A: 7)
    assert not res.passed and "not a list" in res.message


def test_check_jordan_type_reports_the_stub():
    def stub(A):
        raise NotImplementedError("fill in jordan_type")

    res = dl.exercises.check_jordan_type(stub)
    assert not res.passed and "NotImplementedError" in str(res)


def _full(G, Ts):
    return [np.eye(G[0].shape[1])] + list(Ts) + [np.eye(G[-1].shape[0])]


def test_check_transformed_gradient():
    def right(G, Ts):
        T = _full(G, Ts)
        return [np.linalg.inv(T[i + 1]).T @ G[i] @ T[i].T for i in range(len(G))]

    def equivariant_guess(G, Ts):
        T = _full(G, Ts)
        return [T[i + 1] @ G[i] @ np.linalg.inv(T[i]) for i in range(len(G))]

    assert dl.exercises.check_transformed_gradient(right).passed
    res = dl.exercises.check_transformed_gradient(equivariant_guess)
    assert not res.passed and "only for orthogonal T" in res.message
    res = dl.exercises.check_transformed_gradient(lambda G, Ts: G[:1])
    assert not res.passed and "one per layer" in res.message
    res = dl.exercises.check_transformed_gradient(lambda G, Ts: 1 / 0)
    assert not res.passed and "ZeroDivisionError" in res.message
