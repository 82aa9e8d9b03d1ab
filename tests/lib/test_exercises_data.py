"""Checkers of the chapter on the model and the data."""

import numpy as np
import pytest

import deeplinear as dl


def right_target(X, Y):
    lam, Q = np.linalg.eigh(X @ X.T)
    Yt = Y @ X.T @ (Q / np.sqrt(lam)) @ Q.T
    s = np.linalg.svd(Yt, compute_uv=False)
    S = np.zeros(Yt.shape)
    S[np.arange(s.size), np.arange(s.size)] = s
    return S


def test_check_reduced_target_accepts_right_answers():
    assert dl.exercises.check_reduced_target(right_target).passed
    assert dl.exercises.check_reduced_target(lambda X, Y: dl.reduce_data(X, Y).Sigma).passed


def test_check_reduced_target_explains_wrong_answers():
    def unwhitened(X, Y):
        s = np.linalg.svd(Y @ X.T, compute_uv=False)
        S = np.zeros((Y.shape[0], X.shape[0]))
        S[np.arange(s.size), np.arange(s.size)] = s
        return S

    assert "not whitened" in dl.exercises.check_reduced_target(unwhitened).message

    def ascending(X, Y):
        S = right_target(X, Y)
        k = min(S.shape)
        S[np.arange(k), np.arange(k)] = np.sort(np.diag(S))
        return S

    assert "decreasing order" in dl.exercises.check_reduced_target(ascending).message
    assert "shape" in dl.exercises.check_reduced_target(lambda X, Y: right_target(X, Y).T if X.shape[0] != Y.shape[0] else np.zeros((1, 1))).message
    assert "rectangular diagonal" in dl.exercises.check_reduced_target(lambda X, Y: right_target(X, Y) + 0.1).message
    assert "should be" in dl.exercises.check_reduced_target(lambda X, Y: 2 * right_target(X, Y)).message
    assert "could not be read" in dl.exercises.check_reduced_target(lambda X, Y: "Sigma").message


def test_check_whitening():
    assert dl.exercises.check_whitening(dl.whiten).passed

    def pca(X):
        lam, E = np.linalg.eigh(X @ X.T)
        return (E / np.sqrt(lam)).T @ X

    def cholesky(X):
        L = np.linalg.cholesky(X @ X.T)
        return np.linalg.solve(L, X)

    assert dl.exercises.check_whitening(pca).passed and dl.exercises.check_whitening(cholesky).passed
    assert "not the identity" in dl.exercises.check_whitening(lambda X: X).message
    assert "same shape" in dl.exercises.check_whitening(lambda X: dl.whiten(X).T).message
    replaced = dl.exercises.check_whitening(lambda X: np.linalg.qr(np.random.default_rng(0).standard_normal(X.shape[::-1]))[0].T)
    assert not replaced.passed and "Q X" in replaced.message
    assert "non-finite" in dl.exercises.check_whitening(lambda X: X * np.nan).message


@pytest.mark.parametrize("checker", [dl.exercises.check_reduced_target, dl.exercises.check_whitening])
def test_data_checkers_report_the_stub(checker):
    def stub(*args):
        raise NotImplementedError("fill in")

    result = checker(stub)
    assert not result.passed and "NotImplementedError" in result.message
