"""Tests of deeplinear.exercises.lazy_rich."""

import numpy as np

import deeplinear as dl


def test_tangent_kernel_checker():
    assert dl.exercises.check_tangent_kernel(dl.lazy_rich.tangent_kernel).passed

    def swapped(W):
        h = len(W)
        return sum(np.kron(dl.partial_product(W, 1, i - 1).T @ dl.partial_product(W, 1, i - 1),
                           dl.partial_product(W, i + 1, h) @ dl.partial_product(W, i + 1, h).T) for i in range(1, h + 1))

    res = dl.exercises.check_tangent_kernel(swapped)
    assert not res.passed

    def stub(W):
        raise NotImplementedError("fill in")

    assert "NotImplementedError" in str(dl.exercises.check_tangent_kernel(stub))


def test_diagonal_penalty_checker():
    assert dl.exercises.check_diagonal_penalty(dl.diagonal.diagonal_penalty).passed

    def no_factor(beta, alpha):
        z = np.asarray(beta) / alpha**2
        return float(np.sum(2 - np.sqrt(4 + z * z) + z * np.arcsinh(z / 2)))

    res = dl.exercises.check_diagonal_penalty(no_factor)
    assert not res.passed and "alpha^2" in res.message
    assert not dl.exercises.check_diagonal_penalty(lambda b, a: "x").passed
