"""Checkers of the invariants chapter accept right answers and explain wrong ones."""

import numpy as np
import pytest

import deeplinear as dl


def jordan_by_ranks(A):
    n = A.shape[0]
    r = [n] + [np.linalg.matrix_rank(np.linalg.matrix_power(A, k)) for k in range(1, n + 1)]
    at_least = [r[k - 1] - r[k] for k in range(1, n + 1)] + [0]
    return [k for k in range(n, 0, -1) for _ in range(at_least[k - 1] - at_least[k])]


def test_nilpotent_jordan_type_examples():
    # the scalar chain (0, 1): rank A = 1, A^2 = 0 -> blocks (2, 1); (1, 1): one block of size 3
    assert dl.nilpotent_jordan_type(dl.adjacency([np.zeros((1, 1)), np.ones((1, 1))])) == [2, 1]
    assert dl.nilpotent_jordan_type(dl.adjacency([np.ones((1, 1)), np.ones((1, 1))])) == [3]
    assert dl.nilpotent_jordan_type(np.zeros((3, 3))) == [1, 1, 1]
    rng = np.random.default_rng(0)
    A = dl.adjacency(dl.random_init((2, 3, 2), rng))
    assert dl.nilpotent_jordan_type(A) == [3, 3, 1]
    T = rng.standard_normal((7, 7))
    assert dl.nilpotent_jordan_type(T @ A @ np.linalg.inv(T), tol=1e-9) == [3, 3, 1]  # similarity invariant


def test_nilpotent_jordan_type_rejects_bad_input():
    with pytest.raises(ValueError, match="not nilpotent"):
        dl.nilpotent_jordan_type(np.eye(2))
    with pytest.raises(ValueError, match="square"):
        dl.nilpotent_jordan_type(np.zeros((2, 3)))


def test_check_jordan_type():
    assert dl.check_jordan_type(jordan_by_ranks).passed
    res = dl.check_jordan_type(lambda A: [A.shape[0]])
    assert not res.passed and "rank A^(k-1) - rank A^k" in res.message
    res = dl.check_jordan_type(lambda A: [1, 2])
    assert not res.passed and "largest first" in res.message
    res = dl.check_jordan_type(lambda A: 7)
    assert not res.passed and "not a list" in res.message


def test_check_jordan_type_reports_the_stub():
    def stub(A):
        raise NotImplementedError("fill in jordan_type")

    res = dl.check_jordan_type(stub)
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

    assert dl.check_transformed_gradient(right).passed
    res = dl.check_transformed_gradient(equivariant_guess)
    assert not res.passed and "only for orthogonal T" in res.message
    res = dl.check_transformed_gradient(lambda G, Ts: G[:1])
    assert not res.passed and "one per layer" in res.message
    res = dl.check_transformed_gradient(lambda G, Ts: 1 / 0)
    assert not res.passed and "ZeroDivisionError" in res.message
