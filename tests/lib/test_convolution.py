"""Tests of deeplinear.convolution: circulant layers, the FFT predictor and gradient, the Fourier bias."""

import numpy as np
import pytest

import deeplinear as dl


def _data(D=16, N=5, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((D, N))
    y = np.sign(rng.standard_normal(N))
    return X, y


def test_predictor_is_the_product_of_circulant_layers():
    F = np.random.default_rng(0).standard_normal((3, 7))
    beta = dl.convolution.conv_predictor(F)
    np.testing.assert_allclose(beta, dl.convolution.circulant(F[2]) @ dl.convolution.circulant(F[1]) @ F[0], atol=1e-12)
    # direct circular convolution, by the definition (a * b)_n = sum_k a_k b_{(n-k) mod D}
    a, b = F[0], F[1]
    direct = np.array([sum(a[k] * b[(n - k) % 7] for k in range(7)) for n in range(7)])
    np.testing.assert_allclose(dl.convolution.conv_predictor(F[:2]), direct, atol=1e-12)


def test_circulants_commute_and_are_diagonalised_by_the_fft():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(6), rng.standard_normal(6)
    A, B = dl.convolution.circulant(a), dl.convolution.circulant(b)
    np.testing.assert_allclose(A @ B, B @ A, atol=1e-12)
    Fm = np.fft.fft(np.eye(6))
    np.testing.assert_allclose(Fm @ A @ np.linalg.inv(Fm), np.diag(np.fft.fft(a)), atol=1e-10)


@pytest.mark.parametrize("L", [1, 2, 3, 4])
def test_gradient_matches_finite_differences(L):
    rng = np.random.default_rng(L)
    F = rng.standard_normal((L, 6))
    X, y = _data(D=6, N=4, seed=L)
    ell = dl.logistic(X, y[None, :])
    f = lambda G: ell.value(dl.convolution.conv_predictor(G)[None, :])
    G = dl.convolution.conv_gradient(F, X, y)
    num = np.zeros_like(F)
    e = 1e-6
    for i in range(L):
        for j in range(6):
            P, M = F.copy(), F.copy()
            P[i, j] += e
            M[i, j] -= e
            num[i, j] = (f(P) - f(M)) / (2 * e)
    np.testing.assert_allclose(G, num, atol=1e-7)
    # a wrong formula (convolution instead of correlation with the other filters) is caught
    if L >= 2:
        g = ell.gradient(dl.convolution.conv_predictor(F)[None, :])[0]
        rest = dl.convolution.conv_predictor(F[1:])
        wrong = dl.convolution.conv_predictor(np.array([g, rest]))
        assert np.max(np.abs(wrong - num[0])) > 1e-3


def test_descent_decreases_the_loss_and_separates():
    X, y = _data()
    F0 = 0.1 * np.random.default_rng(0).standard_normal((2, 16))
    run = dl.convolution.conv_descent(F0, X, y, eta=0.1, steps=500)
    assert np.all(np.diff(run.losses) <= 1e-12)
    assert run.min_margin > 0


def test_fourier_participation_values():
    D = 8
    assert dl.convolution.fourier_participation(np.eye(D)[0]) == pytest.approx(D)
    assert dl.convolution.fourier_participation(np.ones(D)) == pytest.approx(1.0)
    assert dl.convolution.fourier_participation(np.cos(2 * np.pi * np.arange(D) / D)) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="non-zero"):
        dl.convolution.fourier_participation(np.zeros(4))


def test_max_margin_direction_satisfies_kkt():
    X, y = _data()
    b = dl.convolution.max_margin_direction(X, y)
    m = y * (b @ X)
    assert np.all(m > 0)
    # the solution is a non-negative combination of the support vectors (those of minimal margin)
    sv = np.isclose(m, m.min(), rtol=1e-5)
    coef, *_ = np.linalg.lstsq((y * X)[:, sv], b, rcond=None)
    np.testing.assert_allclose((y * X)[:, sv] @ coef, b, atol=1e-6)
    assert np.all(coef > -1e-8)


def test_conv_depth_makes_the_predictor_sparse_in_fourier():
    """Depth 1 converges towards the l2 max-margin direction; depth 2 and 3 are far sparser in Fourier."""
    X, y = _data()
    study = dl.convolution.conv_bias_study(X, y, (1, 2, 3), eta=0.1, steps=3000)
    assert study.cosine_to_max_margin[0] > 0.98
    assert study.participation[1] < 0.6 * study.max_margin_participation
    assert study.participation[2] < study.participation[1]
    assert np.all(study.min_margins > 0)


def test_bad_inputs_raise_named_errors():
    X, y = _data(D=4, N=3)
    with pytest.raises(ValueError, match="labels"):
        dl.convolution.conv_gradient(np.ones((2, 4)), X, np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="X"):
        dl.convolution.conv_gradient(np.ones((2, 5)), X, y)
    with pytest.raises(ValueError, match="filters"):
        dl.convolution.conv_predictor(np.ones(4))
    with pytest.raises(ValueError, match="eta"):
        dl.convolution.conv_descent(np.ones((1, 4)), X, y, eta=0.0, steps=2)
    with pytest.raises(RuntimeError, match="eta"):
        dl.convolution.conv_descent(np.ones((3, 4)), X, y, eta=1e6, steps=50)
    with pytest.raises(RuntimeError, match="separable"):
        dl.convolution.max_margin_direction(np.array([[1.0, 1.0]]), np.array([1.0, -1.0]))
