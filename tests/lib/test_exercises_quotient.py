"""Checkers of the quotient-space chapter accept right answers and explain wrong ones."""

import numpy as np

import deeplinear as dl


def _prefix(W, i):
    P = np.eye(W[0].shape[1])
    for w in W[:i]:
        P = w @ P
    return P


def connecting_transforms(W, W_prime):
    return [_prefix(W_prime, i) @ np.linalg.inv(_prefix(W, i)) for i in range(1, len(W))]


def test_check_connecting_transforms_accepts_the_right_answer():
    res = dl.exercises.check_connecting_transforms(connecting_transforms)
    assert res.passed and "one orbit" in res.message


def test_check_connecting_transforms_explains_the_layerwise_guess():
    res = dl.exercises.check_connecting_transforms(lambda W, Wp: [Wp[i] @ np.linalg.inv(W[i]) for i in range(len(W) - 1)])
    assert not res.passed and "T_i = W'_i W_i^(-1)" in res.message and "partial products" in res.message


def test_check_connecting_transforms_names_count_and_shape_errors():
    res = dl.exercises.check_connecting_transforms(lambda W, Wp: [np.eye(W[0].shape[0])] * len(W))
    assert not res.passed and "h - 1" in res.message
    res = dl.exercises.check_connecting_transforms(lambda W, Wp: [np.eye(5)] * (len(W) - 1))
    assert not res.passed and "T_1 must be" in res.message
    res = dl.exercises.check_connecting_transforms(lambda W, Wp: [np.zeros_like(W[0])] * (len(W) - 1))
    assert not res.passed and "not invertible" in res.message
    res = dl.exercises.check_connecting_transforms(lambda W, Wp: 3)
    assert not res.passed and "not a list of matrices" in res.message


def test_check_connecting_transforms_reports_the_stub_kindly():
    def stub(W, W_prime):
        raise NotImplementedError("fill in connecting_transforms")

    res = dl.exercises.check_connecting_transforms(stub)
    assert not res.passed and "stub is still in place" in res.message
    res = dl.exercises.check_connecting_transforms(lambda W, Wp: 1 / 0)
    assert not res.passed and "ZeroDivisionError" in res.message


def projection_move(W, j, X):
    pre = _prefix(W, j - 1)
    suf = np.eye(W[j - 1].shape[0])
    for w in W[j:]:
        suf = w @ suf
    return X - np.linalg.pinv(suf) @ suf @ X @ pre @ np.linalg.pinv(pre)


def test_check_product_preserving_move_accepts_the_projection():
    res = dl.exercises.check_product_preserving_move(projection_move)
    assert res.passed and "closest" in res.message


def test_check_product_preserving_move_rejects_moves_that_change_the_product():
    res = dl.exercises.check_product_preserving_move(lambda W, j, X: X)
    assert not res.passed and "changes the end-to-end map" in res.message


def test_check_product_preserving_move_rejects_valid_but_not_closest_moves():
    def left_only(W, j, X):  # preserves the product, but removes too much
        suf = np.eye(W[j - 1].shape[0])
        for w in W[j:]:
            suf = w @ suf
        return X - np.linalg.pinv(suf) @ suf @ X

    res = dl.exercises.check_product_preserving_move(left_only)
    assert not res.passed and "not the closest" in res.message


def test_check_product_preserving_move_rejects_zero_and_wrong_shapes():
    res = dl.exercises.check_product_preserving_move(lambda W, j, X: 0 * X)
    assert not res.passed and "non-zero move exists" in res.message
    res = dl.exercises.check_product_preserving_move(lambda W, j, X: X.T[:1])
    assert not res.passed and "shape of W_" in res.message
    res = dl.exercises.check_product_preserving_move(lambda W, j, X: "Delta")
    assert not res.passed


def test_check_product_preserving_move_reports_the_stub_kindly():
    def stub(W, j, X):
        raise NotImplementedError

    res = dl.exercises.check_product_preserving_move(stub)
    assert not res.passed and "stub is still in place" in res.message
