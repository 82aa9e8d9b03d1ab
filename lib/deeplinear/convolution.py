r"""Linear convolutional networks: full-width circular convolutions and their implicit bias.

A linear convolutional network of depth :math:`L` on signals of length :math:`D` has one filter
:math:`w_l \in \mathbb R^D` per layer; layer :math:`l` multiplies by the circulant matrix
:math:`C(w_l)` (:func:`circulant`), so the end-to-end map is a product of structured matrices
and the linear predictor is the circular convolution of all filters,

.. math:: \beta = w_1 \circledast w_2 \circledast \dots \circledast w_L, \qquad
          \hat\beta = \hat w_1 \odot \hat w_2 \odot \dots \odot \hat w_L,

with :math:`\hat v = Fv` the discrete Fourier transform (``numpy.fft.fft``, unnormalised) and
:math:`(a \circledast b)_n = \sum_k a_k b_{(n-k) \bmod D}`. In the Fourier basis the network is
:math:`D` decoupled *diagonal* networks of depth :math:`L` (complex, in conjugate pairs).

* :func:`circulant` -- the matrix :math:`C(w)` with :math:`C(w)x = w \circledast x`;
* :func:`conv_predictor` -- :math:`\beta` from the filters (by FFT);
* :func:`conv_gradient` -- the gradients :math:`\nabla_{w_l}\ell(\beta)` of the logistic loss
  (:func:`deeplinear.losses.logistic`) by FFT: :math:`\nabla_{w_l} = g \star r_l`, the circular
  cross-correlation of :math:`g = \nabla_\beta\ell` with the convolution :math:`r_l` of the other filters;
* :func:`conv_descent` -- gradient descent on the filters;
* :func:`fourier_participation` -- :math:`(\sum_k|\hat\beta_k|)^2/\sum_k|\hat\beta_k|^2 \in [1,
  D]`,
  the effective number of Fourier coefficients;
* :func:`max_margin_direction` -- the :math:`\ell_2` max-margin separator (hard-margin SVM
  without bias), the limit direction of descent on a fully connected linear network;
* :func:`conv_bias_study` -- conv nets of several depths and the max-margin direction on one
  separable data set.

.. rubric:: References

* Gunasekar, S., Lee, J. D., Soudry, D. and Srebro, N., "Implicit bias of gradient descent on
  linear convolutional networks", NeurIPS 2018 (arXiv 1806.00468).
* Kohn, K., Merkh, T., Montúfar, G. and Trager, M., "Geometry of linear convolutional networks",
  SIAM J. Appl. Algebra Geom. 6 (2022) (arXiv 2108.01538).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ._validation import as_depth, as_int, as_matrix, as_positive, as_real_array, as_rng, finite_result
from ._validation import frozen_array as _frozen
from .errors import ConvergenceError, InvalidArgumentError
from .losses import logistic

__all__ = [
    "circulant",
    "conv_predictor",
    "conv_gradient",
    "ConvDescentResult",
    "conv_descent",
    "fourier_participation",
    "max_margin_direction",
    "ConvBiasStudy",
    "conv_bias_study",
]


def _as_filters(filters: object, name: str = "filters") -> np.ndarray:
    """Filters as an ``(L, D)`` float array (a list of L vectors of one length D)."""
    if isinstance(filters, np.ndarray) and filters.ndim == 1:
        raise InvalidArgumentError(f"{name} must be a list of filters (one per layer), got a single vector of shape {filters.shape}")
    F = as_real_array(filters, name, ndim=2)
    return F


def _data(X: object, labels: object, D: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``X`` of shape (D, N) and labels of shape (N,) with entries +-1."""
    X = as_matrix(X, "X")
    y = as_real_array(labels, "labels", ndim=1)
    if y.size != X.shape[1]:
        raise InvalidArgumentError(f"labels has {y.size} entries but X has {X.shape[1]} samples (columns)")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise InvalidArgumentError(f"labels must be +1 or -1, got values {np.unique(y)[:6]}")
    if D is not None and X.shape[0] != D:
        raise InvalidArgumentError(f"X has {X.shape[0]} rows but the filters have length {D}: X must have shape ({D}, N)")
    return X, y


def circulant(w: Sequence[float]) -> np.ndarray:
    r"""The circulant matrix :math:`C(w)`, :math:`C(w)_{nk} = w_{(n-k) \bmod D}`, so :math:`C(w)x = w \circledast x`.

    Parameters
    ----------
    w : array_like, shape (D,)
        A filter.

    Returns
    -------
    ndarray, shape (D, D)

    Raises
    ------
    TypeError
        If ``w`` is not a real vector.
    ValueError
        If ``w`` is empty, not 1-D or not finite.

    Examples
    --------
    >>> dl.convolution.circulant([1.0, 2.0, 3.0])
    array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]])
    """
    w = as_real_array(w, "w", ndim=1)
    D = w.size
    idx = (np.arange(D)[:, None] - np.arange(D)[None, :]) % D
    return w[idx]


def conv_predictor(filters: Sequence[Sequence[float]]) -> np.ndarray:
    r"""The predictor :math:`\beta = w_1 \circledast \dots \circledast w_L`, computed as :math:`F^{-1}\prod_l \hat w_l`.

    Equals :math:`C(w_L) \cdots C(w_2)\,w_1` (circulant matrices commute).

    Parameters
    ----------
    filters : sequence of array_like, shape (L, D)
        One filter per layer.

    Returns
    -------
    ndarray, shape (D,)

    Raises
    ------
    TypeError
        If ``filters`` is not a real array.
    ValueError
        If ``filters`` is not a non-empty ``(L, D)`` array of finite numbers.
    NonFiniteResultError
        If the product overflows.

    Examples
    --------
    >>> dl.convolution.conv_predictor([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0]])  # (1 + z)(1 - z) = 1 - z^2
    array([ 1.,  0., -1.])
    """
    F = _as_filters(filters)
    with np.errstate(over="ignore", invalid="ignore"):
        beta = _beta(F)
    return finite_result(beta, "conv_predictor", "filters")


def _beta(F: np.ndarray) -> np.ndarray:
    """The predictor ifft(prod_l fft(w_l)) of validated filters (no checks)."""
    return np.fft.ifft(np.prod(np.fft.fft(F, axis=1), axis=0)).real


def _grads(F: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Rows: the gradient g * r_l (circular cross-correlation) for each layer."""
    hats = np.fft.fft(F, axis=1)
    L = F.shape[0]
    rest = np.empty_like(hats)
    for l in range(L):
        rest[l] = np.prod(np.delete(hats, l, axis=0), axis=0) if L > 1 else np.ones(F.shape[1])
    return np.fft.ifft(np.fft.fft(g)[None, :] * np.conj(rest), axis=1).real


def conv_gradient(filters: Sequence[Sequence[float]], X: np.ndarray, labels: Sequence[float]) -> np.ndarray:
    r"""Gradients of the logistic loss :math:`\sum_n\log(1 + e^{-y_n\langle x_n, \beta\rangle})` with respect to every filter.

    With :math:`g = \nabla_\beta\ell` (from :func:`deeplinear.losses.logistic`) and
    :math:`r_l = \circledast_{k\ne l} w_k`, :math:`\beta = w_l \circledast r_l` gives
    :math:`\nabla_{w_l}\ell = C(r_l)^\top g`, i.e. :math:`\widehat{\nabla_{w_l}\ell} = \hat g\,\overline{\hat r_l}`.

    Parameters
    ----------
    filters : array_like, shape (L, D)
        One filter per layer.
    X : ndarray, shape (D, N)
        Inputs, one sample per column.
    labels : array_like, shape (N,)
        Labels ``+1`` or ``-1``.

    Returns
    -------
    ndarray, shape (L, D)
        Row ``l`` is :math:`\nabla_{w_l}\ell`.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If the shapes do not match, an entry is not finite, or a label is not ``+-1``.
    NonFiniteResultError
        If the gradient overflows.

    Examples
    --------
    >>> X = np.array([[1.0], [0.0]]); y = np.array([1.0])
    >>> np.round(dl.convolution.conv_gradient([[1.0, 0.0], [0.5, 0.0]], X, y), 4)  # beta = (0.5, 0), margin 0.5
    array([[-0.1888,  0.    ],
           [-0.3775,  0.    ]])
    """
    F = _as_filters(filters)
    X, y = _data(X, labels, F.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        g = logistic(X, y[None, :]).gradient(_beta(F)[None, :])[0]
        G = _grads(F, g)
    return finite_result(G, "conv_gradient", "filters")


@dataclass(frozen=True)
class ConvDescentResult:
    r"""Result of :func:`conv_descent`.

    Attributes
    ----------
    filters : ndarray, shape (L, D)
        The final filters.
    predictor : ndarray, shape (D,)
        The final :math:`\beta`.
    losses : ndarray, shape (steps + 1,)
        The logistic loss along the run.
    min_margin : float
        :math:`\min_n y_n\langle x_n, \beta\rangle / \lVert\beta\rVert_2` at the end (positive: the
        data are separated).
    eta : float
        The step size.
    steps : int
        The number of steps.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, -1.0]]); y = np.array([1.0, -1.0])
    >>> run = dl.convolution.conv_descent([[1.0, 0.0]], X, y, eta=0.5, steps=10)
    >>> isinstance(run, dl.convolution.ConvDescentResult), run.losses.shape
    (True, (11,))
    """

    filters: np.ndarray
    predictor: np.ndarray
    losses: np.ndarray
    min_margin: float
    eta: float
    steps: int


def conv_descent(
    filters0: Sequence[Sequence[float]], X: np.ndarray, labels: Sequence[float], eta: float, steps: int
) -> ConvDescentResult:
    r"""Gradient descent :math:`w_l \leftarrow w_l - \eta\nabla_{w_l}\ell` on the filters (logistic loss).

    Parameters
    ----------
    filters0 : array_like, shape (L, D)
        Initial filters.
    X : ndarray, shape (D, N)
        Inputs, one sample per column.
    labels : array_like, shape (N,)
        Labels ``+1`` or ``-1``.
    eta : float
        Step size, ``> 0``.
    steps : int
        Number of steps, ``>= 1``.

    Returns
    -------
    ConvDescentResult

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes do not match, an entry is not finite, a label is not ``+-1``, ``eta <= 0``
        or ``steps < 1``.
    ConvergenceError
        If the loss becomes non-finite (a step size far too large).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, -1.0]]); y = np.array([1.0, -1.0])
    >>> run = dl.convolution.conv_descent([[1.0, 0.0], [0.5, 0.0]], X, y, eta=0.5, steps=200)
    >>> bool(run.losses[-1] < run.losses[0]), run.min_margin > 0
    (True, True)
    """
    F = _as_filters(filters0, "filters0").copy()
    X, y = _data(X, labels, F.shape[1])
    eta = as_positive(eta, "eta")
    steps = as_int(steps, "steps", minimum=1)
    ell = logistic(X, y[None, :])
    losses = np.empty(steps + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps + 1):
            beta = _beta(F)
            losses[k] = ell.value(beta[None, :])
            if not np.isfinite(losses[k]) or not np.all(np.isfinite(F)):
                raise ConvergenceError(f"conv_descent: the loss became non-finite at step {k}; eta = {eta} is too large")
            if k < steps:
                F = F - eta * _grads(F, ell.gradient(beta[None, :])[0])
    norm = np.linalg.norm(beta)
    margin = float(np.min(y * (beta @ X)) / norm) if norm > 0 else 0.0
    return ConvDescentResult(_frozen(F), _frozen(beta), _frozen(losses), margin, float(eta), steps)


def fourier_participation(beta: Sequence[float]) -> float:
    r"""The effective number of Fourier coefficients, :math:`(\sum_k|\hat\beta_k|)^2 / \sum_k|\hat\beta_k|^2`.

    It is :math:`1` for a single frequency (a constant :math:`\beta`), :math:`2` for one real
    sinusoid (a conjugate pair), and :math:`D` when all :math:`|\hat\beta_k|` are equal (a spike
    :math:`\beta = e_0`). Scale-invariant.

    Parameters
    ----------
    beta : array_like, shape (D,)
        A non-zero predictor.

    Returns
    -------
    float
        In ``[1, D]``.

    Raises
    ------
    TypeError
        If ``beta`` is not a real vector.
    ValueError
        If ``beta`` is empty, not finite, or zero.

    Examples
    --------
    >>> D = 8; n = np.arange(D)
    >>> dl.convolution.fourier_participation(np.eye(D)[0]), round(dl.convolution.fourier_participation(np.cos(2 * np.pi * n / D)), 6)
    (8.0, 2.0)
    """
    b = as_real_array(beta, "beta", ndim=1)
    a = np.abs(np.fft.fft(b))
    if not np.any(a > 0):
        raise InvalidArgumentError("beta must be non-zero (its Fourier participation is undefined)")
    a = a / a.max()
    return float(np.sum(a) ** 2 / np.sum(a**2))


def max_margin_direction(X: np.ndarray, labels: Sequence[float]) -> np.ndarray:
    r"""The unit :math:`\ell_2` max-margin separator: :math:`\arg\min\lVert\beta\rVert_2` s.t. :math:`y_n\langle x_n,\beta\rangle\ge 1`, normalised.

    Solved with :func:`scipy.optimize.minimize` (SLSQP). For linearly separable data this is the
    direction to which descent on a linear predictor (Soudry et al. 2018) and on a fully connected
    linear network (Ji and Telgarsky 2019; Gunasekar et al. 2018) converges with the logistic loss.

    Parameters
    ----------
    X : ndarray, shape (D, N)
        Inputs, one sample per column.
    labels : array_like, shape (N,)
        Labels ``+1`` or ``-1``.

    Returns
    -------
    ndarray, shape (D,)
        Unit vector.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If the shapes do not match or a label is not ``+-1``.
    ConvergenceError
        If the data are not linearly separable through the origin (the program fails).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, -1.0])  # b_1 >= 1, -b_2 >= 1
    >>> np.round(dl.convolution.max_margin_direction(X, y), 4)
    array([ 0.7071, -0.7071])
    """
    X, y = _data(X, labels)
    A = (y[None, :] * X).T
    start = np.linalg.lstsq(A, np.ones(y.size), rcond=None)[0]
    res = minimize(lambda b: 0.5 * b @ b, start, jac=lambda b: b, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda b: A @ b - 1.0, "jac": lambda b: A}],
                   options={"ftol": 1e-14, "maxiter": 500})
    if not res.success or np.min(A @ res.x) < 1.0 - 1e-6:
        raise ConvergenceError(f"max_margin_direction: no separator found ({res.message}); are the data linearly separable through the origin?")
    return res.x / np.linalg.norm(res.x)


@dataclass(frozen=True)
class ConvBiasStudy:
    r"""Result of :func:`conv_bias_study`.

    Attributes
    ----------
    depths : ndarray of int
        The depths :math:`L` of the convolutional networks.
    predictors : ndarray, shape (len(depths), D)
        The unit predictors :math:`\beta/\lVert\beta\rVert_2` after descent.
    participation : ndarray
        :func:`fourier_participation` of each.
    max_margin : ndarray, shape (D,)
        The unit :math:`\ell_2` max-margin direction.
    max_margin_participation : float
        Its Fourier participation.
    cosine_to_max_margin : ndarray
        :math:`\langle\beta/\lVert\beta\rVert, \beta_{\mathrm{mm}}\rangle` for each depth.
    min_margins : ndarray
        The normalised margins of each final predictor.
    X, labels : ndarray
        The data.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, -1.0]]); y = np.array([1.0, -1.0])
    >>> study = dl.convolution.conv_bias_study(X, y, depths=[1, 2], steps=50)
    >>> isinstance(study, dl.convolution.ConvBiasStudy), study.predictors.shape
    (True, (2, 2))
    """

    depths: np.ndarray
    predictors: np.ndarray
    participation: np.ndarray
    max_margin: np.ndarray
    max_margin_participation: float
    cosine_to_max_margin: np.ndarray
    min_margins: np.ndarray
    X: np.ndarray
    labels: np.ndarray


def conv_bias_study(
    X: np.ndarray,
    labels: Sequence[float],
    depths: Sequence[int] = (1, 2, 3),
    *,
    eta: float = 0.1,
    steps: int = 3000,
    scale: float = 0.5,
    rng: np.random.Generator | int = 0,
) -> ConvBiasStudy:
    r"""Descent on linear convolutional networks of several depths, against the :math:`\ell_2` max-margin direction.

    Each network starts from i.i.d. Gaussian filters of standard deviation ``scale / sqrt(D)``
    (one draw of ``rng`` per depth) and runs :func:`conv_descent`.

    Parameters
    ----------
    X : ndarray, shape (D, N)
        Linearly separable inputs, one sample per column.
    labels : array_like, shape (N,)
        Labels ``+1`` or ``-1``.
    depths : sequence of int, default (1, 2, 3)
        Depths :math:`L \ge 1`.
    eta : float, default 0.1
        Step size.
    steps : int, default 3000
        Steps per run.
    scale : float, default 0.5
        Initial filter scale, ``> 0``.
    rng : numpy.random.Generator or int, default 0
        Source of the initial filters.

    Returns
    -------
    ConvBiasStudy

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the data are invalid, a depth is below 1, or ``eta``, ``scale`` or ``steps`` is not positive.
    ConvergenceError
        If the data are not separable or a run diverges.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((6, 3)); y = np.array([1.0, -1.0, 1.0])
    >>> study = dl.convolution.conv_bias_study(X, y, depths=[1], steps=2000)
    >>> bool(study.cosine_to_max_margin[0] > 0.99)
    True
    """
    X, y = _data(X, labels)
    if isinstance(depths, (str, bytes)) or not isinstance(depths, (Sequence, range, np.ndarray)) or len(depths) == 0:
        raise InvalidArgumentError(f"depths must be a non-empty sequence of integers >= 1, got {depths!r}")
    Ls = [as_depth(L, f"depths[{i}]") for i, L in enumerate(depths)]
    scale = as_positive(scale, "scale")
    rng = as_rng(rng)
    D = X.shape[0]
    mm = max_margin_direction(X, y)
    preds, margins = [], []
    for L in Ls:
        F0 = scale / np.sqrt(D) * rng.standard_normal((L, D))
        run = conv_descent(F0, X, y, eta=eta, steps=steps)
        preds.append(run.predictor / np.linalg.norm(run.predictor))
        margins.append(run.min_margin)
    P = np.array(preds)
    return ConvBiasStudy(
        depths=_frozen(Ls, dtype=int), predictors=_frozen(P),
        participation=_frozen([fourier_participation(p) for p in P]), max_margin=_frozen(mm),
        max_margin_participation=fourier_participation(mm), cosine_to_max_margin=_frozen(P @ mm),
        min_margins=_frozen(margins), X=_frozen(X), labels=_frozen(y),
    )
