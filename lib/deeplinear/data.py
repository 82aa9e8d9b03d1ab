r"""From regression data to the reduced target :math:`\Sigma`.

The loss on data :math:`X \in \mathbb{R}^{d_0 \times N}`, :math:`Y \in \mathbb{R}^{d_h \times N}`
(samples as columns) is

.. math:: L_{\rm data}(W_1, \dots, W_h) = \tfrac12 \lVert Y - W_h \cdots W_1 X \rVert_F^2 .

With :math:`M = X X^\top \succ 0` (needs :math:`N \ge d_0`, an overdetermined regression) and the
full SVD of the whitened input-output correlation
:math:`\tilde Y = Y X^\top M^{-1/2} = U \Sigma V^\top`, the change of variables

.. math:: W_h \leftarrow U^\top W_h, \qquad W_1 \leftarrow W_1 M^{1/2} V

turns the loss into :math:`\tfrac12 \lVert \Sigma - W_{1:h} \rVert_F^2 + \text{const}` with
:math:`\text{const} = \tfrac12(\lVert Y\rVert_F^2 - \lVert \Sigma\rVert_F^2) \ge 0`, the part of
:math:`Y` no linear map of :math:`X` explains (Saxe, McClelland and Ganguli 2014; Wendin and
Altafini, arXiv:2511.10362, Section 2).

When :math:`X X^\top = I` (whitened inputs) the substitution is orthogonal and the Euclidean
gradient flow in the new coordinates *is* the flow on the data. When :math:`X X^\top \ne I`
the factor :math:`M^{1/2}` is not orthogonal: loss *values* are preserved, but the gradient
flow of the reduced problem corresponds on the data to the preconditioned flow
:math:`\dot W_1 = -\nabla_{W_1} L_{\rm data}\, M^{-1}` (only the first layer's metric changes).
:attr:`DataReduction.metric_changed` flags this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_int, as_matrix, as_positive, as_real_array, as_rng, as_time_span, as_weights, finite_result, widths_of
from ._validation import frozen_array as _frozen
from .flow import gradient_flow
from .invariants import random_orthogonal
from .losses import data_quadratic_loss
from .network import end_to_end
from .errors import ConvergenceError, InvalidArgumentError

__all__ = ["DataReduction", "reduce_data", "whiten", "data_loss", "TeacherData", "teacher_data", "DataFlowComparison",
           "compare_data_flows"]


@dataclass(frozen=True)
class DataReduction:
    r"""Result of :func:`reduce_data`: the reduced target and the change of variables.

    For any weights ``W``,
    ``data_loss(W, X, Y) == loss(r.to_reduced(W), r.Sigma) + r.constant``; the methods
    ``to_reduced`` (:math:`W_h \leftarrow U^\top W_h`, :math:`W_1 \leftarrow W_1 M^{1/2} V`) and
    ``from_reduced`` (its inverse) change coordinates, and the property ``widths_in_out`` is
    ``(d_0, d_h)``.

    Attributes
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        Rectangular-diagonal target, singular values descending on the diagonal.
    U : ndarray, shape (d_h, d_h)
        Left singular vectors (orthogonal).
    V : ndarray, shape (d_0, d_0)
        Right singular vectors (orthogonal).
    singular_values : ndarray, shape (min(d_h, d_0),)
        The diagonal of ``Sigma``, descending.
    input_map : ndarray, shape (d_0, d_0)
        :math:`M^{1/2} V`; the first layer in reduced coordinates is ``W_1 @ input_map``.
    input_map_inverse : ndarray, shape (d_0, d_0)
        :math:`V^\top M^{-1/2}`, the inverse of ``input_map``.
    constant : float
        :math:`\tfrac12(\lVert Y\rVert_F^2 - \lVert\Sigma\rVert_F^2)`: the data loss equals the
        reduced loss plus this constant.
    metric_changed : bool
        True when :math:`X X^\top \ne I`. Loss values are still preserved, but the gradient
        flow of the reduced loss is *not* the Euclidean gradient flow on the data: it is the
        flow with the first-layer metric changed by :math:`X X^\top`
        (:math:`\dot W_1 = -\nabla_{W_1} L_{\rm data} (X X^\top)^{-1}` in original coordinates).
    input_gram : ndarray, shape (d_0, d_0)
        :math:`M = X X^\top`.

    Examples
    --------
    >>> data = dl.teacher_data([2.0, 1.0], 10, np.random.default_rng(0), whitened=False)
    >>> r = dl.reduce_data(data.X, data.Y)
    >>> isinstance(r, dl.data.DataReduction), r.metric_changed, r.Sigma.shape
    (True, True, (2, 2))
    >>> W = dl.random_init((2, 2, 2), np.random.default_rng(1), 0.5)
    >>> bool(np.isclose(dl.data_loss(W, data.X, data.Y), dl.loss(r.to_reduced(W), r.Sigma) + r.constant))
    True
    """

    Sigma: np.ndarray
    U: np.ndarray
    V: np.ndarray
    singular_values: np.ndarray
    input_map: np.ndarray
    input_map_inverse: np.ndarray
    constant: float
    metric_changed: bool
    input_gram: np.ndarray

    @property
    def widths_in_out(self) -> tuple[int, int]:
        """``(d_0, d_h)``."""
        return int(self.Sigma.shape[1]), int(self.Sigma.shape[0])

    def _check(self, weights: Sequence[np.ndarray]) -> list[np.ndarray]:
        W = as_weights(weights)
        d0, dh = self.widths_in_out
        if W[0].shape[1] != d0 or W[-1].shape[0] != dh:
            raise InvalidArgumentError(
                f"weights map R^{W[0].shape[1]} to R^{W[-1].shape[0]} but the data have d_0 = {d0}, d_h = {dh}"
            )
        return W

    def to_reduced(self, weights: Sequence[np.ndarray]) -> list[np.ndarray]:
        r"""Weights on the data -> reduced coordinates: :math:`W_h \leftarrow U^\top W_h`, :math:`W_1 \leftarrow W_1 M^{1/2} V`."""
        W = [w.copy() for w in self._check(weights)]
        W[0] = W[0] @ self.input_map
        W[-1] = self.U.T @ W[-1]
        return W

    def from_reduced(self, weights: Sequence[np.ndarray]) -> list[np.ndarray]:
        r"""Reduced coordinates -> weights on the data (the inverse of :meth:`to_reduced`)."""
        W = [w.copy() for w in self._check(weights)]
        W[0] = W[0] @ self.input_map_inverse
        W[-1] = self.U @ W[-1]
        return W


def _sym_sqrt_and_inv(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lam, Q = np.linalg.eigh(M)
    r = np.sqrt(lam)
    return (Q * r) @ Q.T, (Q / r) @ Q.T


def _check_xy(X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix(X, "X")
    Y = as_matrix(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise InvalidArgumentError(
            f"X and Y must have the same number of samples (columns): X is {X.shape}, Y is {Y.shape}"
        )
    d0, N = X.shape
    if N < d0:
        raise InvalidArgumentError(
            f"X has N = {N} samples of dimension d_0 = {d0}; the reduction needs N >= d_0 "
            "(an overdetermined regression) so that X X^T is invertible"
        )
    return X, Y


def _input_gram(X: np.ndarray, cond_max: float = 1e12) -> np.ndarray:
    s = np.linalg.svd(X, compute_uv=False)
    if s[0] == 0 or s[-1] / s[0] < 1.0 / np.sqrt(cond_max):
        rank = int(np.sum(s > s[0] * np.finfo(float).eps * max(X.shape))) if s[0] > 0 else 0
        raise InvalidArgumentError(
            f"X X^T is singular or too ill-conditioned (condition number {(s[0] / s[-1]) ** 2 if s[-1] > 0 else np.inf:.3g}, "
            f"numerical rank {rank} < d_0 = {X.shape[0]}); remove redundant input directions first"
        )
    return X @ X.T


def reduce_data(X: np.ndarray, Y: np.ndarray, *, whiten: bool = True, identity_tol: float = 1e-10) -> DataReduction:
    r"""Reduce regression data to the target :math:`\Sigma` by whitening and an SVD.

    .. math:: Y X^\top M^{-1/2} = U \Sigma V^\top, \qquad M = X X^\top,

    so that :math:`\tfrac12\lVert Y - W_{1:h} X\rVert_F^2 = \tfrac12\lVert \Sigma - U^\top W_{1:h}
    M^{1/2} V\rVert_F^2 + \tfrac12(\lVert Y\rVert_F^2 - \lVert\Sigma\rVert_F^2)`.

    Parameters
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column; ``N >= d_0`` and :math:`X X^\top` invertible.
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column.
    whiten : bool, default True
        Allow non-whitened inputs, reducing with the non-orthogonal substitution
        :math:`W_1 \leftarrow W_1 (X X^\top)^{1/2}` (then ``metric_changed`` is True). With
        ``whiten=False`` the inputs must already satisfy :math:`X X^\top = I`.
    identity_tol : float, default 1e-10
        Tolerance (max entry of :math:`X X^\top - I`) for treating the inputs as whitened.

    Returns
    -------
    DataReduction
        ``Sigma``, ``U``, ``V``, ``singular_values``, the change of variables
        (``to_reduced``/``from_reduced``, ``input_map``), ``constant`` and ``metric_changed``.
        For any weights,
        ``data_loss(W, X, Y) == loss(r.to_reduced(W), r.Sigma) + r.constant``.

    Raises
    ------
    TypeError
        If ``X`` or ``Y`` is not a real matrix, or ``identity_tol`` is not a real number.
    ValueError
        Mismatched sample counts, ``N < d_0``, singular :math:`X X^\top` (condition number above
        ``1e12``), non-finite entries, a non-positive ``identity_tol``, or ``whiten=False`` with
        non-whitened inputs.
    NonFiniteResultError
        If the data are so large (entries near ``1e150`` and beyond) that the reduction overflows.

    Notes
    -----
    With :math:`M = X X^\top`:
    :math:`\lVert Y - W X\rVert_F^2 = \lVert Y X^\top M^{-1/2} - W M^{1/2}\rVert_F^2
    + \lVert Y\rVert_F^2 - \lVert Y X^\top M^{-1/2}\rVert_F^2`, and the SVD
    :math:`Y X^\top M^{-1/2} = U\Sigma V^\top` rotates the first term to
    :math:`\lVert \Sigma - U^\top W M^{1/2} V\rVert_F^2`.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR. Wendin and Altafini, arXiv:2511.10362, Section 2.

    Examples
    --------
    >>> data = dl.teacher_data([2.0, 1.0], 10, np.random.default_rng(0))  # whitened inputs
    >>> r = dl.reduce_data(data.X, data.Y)
    >>> r.singular_values, r.metric_changed
    (array([2., 1.]), False)
    """
    X, Y = _check_xy(X, Y)
    tol = as_positive(identity_tol, "identity_tol")
    M = _input_gram(X)
    d0 = X.shape[0]
    dev = float(np.max(np.abs(M - np.eye(d0))))
    metric_changed = dev > tol
    if metric_changed and not whiten:
        raise InvalidArgumentError(
            f"X X^T is not the identity (max |X X^T - I| = {dev:.3g} > identity_tol = {tol:g}); "
            "pass whiten=True (loss values are preserved but the gradient-flow metric changes) "
            "or whiten the inputs first with whiten(X)"
        )
    if metric_changed:
        Mh, Mih = _sym_sqrt_and_inv(M)
    else:
        Mh, Mih = np.eye(d0), np.eye(d0)
    Yt = Y @ X.T @ Mih
    with np.errstate(over="ignore", invalid="ignore"):
        finite_result(Yt, "reduce_data", "X or Y")
        U, s, Vt = np.linalg.svd(Yt, full_matrices=True)
        const = finite_result(0.5 * (float(np.sum(Y * Y)) - float(np.sum(s * s))), "reduce_data", "Y")
    Sigma = np.zeros_like(Yt)
    k = s.size
    Sigma[np.arange(k), np.arange(k)] = s
    V = Vt.T
    return DataReduction(
        Sigma=_frozen(Sigma),
        U=_frozen(U),
        V=_frozen(V),
        singular_values=_frozen(s),
        input_map=_frozen(Mh @ V),
        input_map_inverse=_frozen(Vt @ Mih),
        constant=float(const),
        metric_changed=bool(metric_changed),
        input_gram=_frozen(M),
    )


def whiten(X: np.ndarray) -> np.ndarray:
    r"""Whitened inputs :math:`(X X^\top)^{-1/2} X` (ZCA whitening), so that the result ``Z`` has :math:`Z Z^\top = I`.

    .. math:: Z = (X X^\top)^{-1/2} X, \qquad Z Z^\top = I.

    Parameters
    ----------
    X : ndarray, shape (d_0, N)
        ``N >= d_0`` and :math:`X X^\top` invertible.

    Returns
    -------
    ndarray, shape (d_0, N)
        The whitened inputs ``Z``.

    Raises
    ------
    TypeError
        If ``X`` is not a real matrix.
    ValueError
        If ``X`` is not 2-D or not finite, ``N < d_0``, or :math:`X X^\top` is singular or too
        ill-conditioned (condition number above ``1e12``).

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((2, 10))
    >>> Z = dl.whiten(X)
    >>> Z.shape, bool(np.allclose(Z @ Z.T, np.eye(2)))
    ((2, 10), True)
    """
    X = as_matrix(X, "X")
    d0, N = X.shape
    if N < d0:
        raise InvalidArgumentError(f"X has N = {N} samples of dimension d_0 = {d0}; whitening needs N >= d_0")
    _, Mih = _sym_sqrt_and_inv(_input_gram(X))
    return Mih @ X


def data_loss(weights: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    r"""The loss on data :math:`\tfrac12\lVert Y - W_h\cdots W_1 X\rVert_F^2` (no ``1/N``).

    .. math:: L_{\rm data}(W_1, \dots, W_h) = \tfrac12 \lVert Y - W_h \cdots W_1 X \rVert_F^2

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column.
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices, or ``X`` or ``Y`` is not a real matrix.
    ValueError
        If the weights are invalid, an array is not finite, or the shapes do not match (``X``
        with ``d_0`` rows, ``Y`` with ``d_h`` rows, the same number of columns).
    NonFiniteResultError
        If the loss overflows (entries near ``1e150`` and beyond).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> Y = np.array([[1.0, 2.0, 3.0]])
    >>> dl.data_loss([np.array([[1.0, 2.0]])], X, Y), dl.data_loss([np.array([[1.0, 1.0]])], X, Y)
    (0.0, 1.0)
    """
    W = as_weights(weights)
    X = as_matrix(X, "X")
    Y = as_matrix(Y, "Y")
    if X.shape[0] != W[0].shape[1] or Y.shape[0] != W[-1].shape[0] or X.shape[1] != Y.shape[1]:
        raise InvalidArgumentError(
            f"shapes do not match: weights map R^{W[0].shape[1]} to R^{W[-1].shape[0]}, X is {X.shape}, Y is {Y.shape}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        R = Y - end_to_end(W) @ X
        return finite_result(0.5 * float(np.sum(R * R)), "data_loss", "weights, X or Y")


@dataclass(frozen=True)
class TeacherData:
    r"""A teacher-plus-noise regression data set (see :func:`teacher_data`).

    Attributes
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column.
    Y : ndarray, shape (d_h, N)
        :math:`Y = T X + \text{noise}\cdot G`, :math:`G` standard Gaussian.
    teacher : ndarray, shape (d_h, d_0)
        :math:`T = U_T\, \mathrm{diag}(s)\, V_T^\top` with Haar random :math:`U_T, V_T`.
    teacher_singular_values : ndarray, shape (k,)
        ``s``, descending.
    noise : float
        Standard deviation of the output noise.

    Examples
    --------
    >>> data = dl.teacher_data([1.0, 3.0], 8, np.random.default_rng(0), noise=0.1)
    >>> isinstance(data, dl.data.TeacherData), data.X.shape, data.Y.shape
    (True, (2, 8), (2, 8))
    >>> data.teacher_singular_values
    array([3., 1.])
    """

    X: np.ndarray
    Y: np.ndarray
    teacher: np.ndarray
    teacher_singular_values: np.ndarray
    noise: float


def teacher_data(
    singular_values: Sequence[float] | np.ndarray,
    n_samples: int,
    rng: np.random.Generator,
    *,
    noise: float = 0.0,
    d_in: int | None = None,
    d_out: int | None = None,
    whitened: bool = True,
) -> TeacherData:
    r"""Data from a linear teacher plus Gaussian noise, for exploring the reduction.

    The teacher :math:`T = U_T \mathrm{diag}(s) V_T^\top` has the given singular values and
    Haar random singular vectors; :math:`Y = T X + \text{noise}\cdot G`. Without noise
    ``reduce_data(X, Y).singular_values`` equals ``s`` (for whitened ``X``); noise perturbs
    them (and fills in the zero ones) by about ``noise`` (Weyl's inequality).

    .. math:: Y = U_T \mathrm{diag}(s) V_T^\top X + \text{noise}\cdot G

    Parameters
    ----------
    singular_values : array_like, shape (k,)
        Teacher singular values, ``>= 0`` (sorted descending internally); ``k <= min(d_in, d_out)``.
    n_samples : int
        ``N >= d_in``.
    rng : numpy.random.Generator
        Explicit randomness.
    noise : float, default 0.0
        Standard deviation of the output noise.
    d_in, d_out : int, optional
        Input and output dimensions (default ``k``).
    whitened : bool, default True
        Exactly whitened inputs (:math:`X X^\top = I`, rows of a random orthogonal matrix);
        otherwise i.i.d. standard Gaussian inputs.

    Returns
    -------
    TeacherData
        ``X`` of shape ``(d_in, N)``, ``Y`` of shape ``(d_out, N)``, the teacher, its singular
        values and the noise level.

    Raises
    ------
    TypeError
        If ``n_samples``, ``d_in`` or ``d_out`` is not an integer, ``noise`` not a real number,
        or ``rng`` neither a Generator nor a non-negative integer seed.
    ValueError
        If ``singular_values`` is empty, not 1-D, not finite or has a negative entry; if there
        are more than ``min(d_in, d_out)`` of them; if ``d_in`` or ``d_out`` is below 1; if
        ``n_samples < d_in``; or if ``noise`` is negative or not finite.

    Examples
    --------
    >>> data = dl.teacher_data([2.0, 1.0], 10, np.random.default_rng(0), d_in=3)
    >>> data.teacher.shape, bool(np.allclose(data.X @ data.X.T, np.eye(3)))
    ((2, 3), True)
    >>> dl.reduce_data(data.X, data.Y).singular_values
    array([2., 1.])
    """
    s = as_real_array(singular_values, "singular_values", allow_empty=True)
    if s.ndim != 1 or s.size == 0 or np.any(s < 0):
        raise InvalidArgumentError(f"singular_values must be a non-empty 1-D array of finite values >= 0, got {singular_values!r:.80}")
    s = np.sort(s)[::-1]
    k = s.size
    d_in = k if d_in is None else as_int(d_in, "d_in", minimum=1)
    d_out = k if d_out is None else as_int(d_out, "d_out", minimum=1)
    if k > min(d_in, d_out):
        raise InvalidArgumentError(f"{k} singular values do not fit a {d_out} x {d_in} teacher")
    N = as_int(n_samples, "n_samples", minimum=1)
    if N < d_in:
        raise InvalidArgumentError(f"n_samples = {N} must be >= d_in = {d_in} (overdetermined regression)")
    noise = as_positive(noise, "noise", allow_zero=True)
    rng = as_rng(rng)
    D = np.zeros((d_out, d_in))
    D[np.arange(k), np.arange(k)] = s
    T = random_orthogonal(d_out, rng) @ D @ random_orthogonal(d_in, rng).T
    if whitened:
        Q, _ = np.linalg.qr(rng.standard_normal((N, d_in)))
        X = Q.T
    else:
        X = rng.standard_normal((d_in, N))
    Y = T @ X + noise * rng.standard_normal((d_out, N))
    return TeacherData(_frozen(X), _frozen(Y), _frozen(T), _frozen(s), float(noise))


# --------------------------------------------------------------------------- flows on raw, whitened and reduced data


@dataclass(frozen=True)
class DataFlowComparison:
    r"""Result of :func:`compare_data_flows`.

    Attributes
    ----------
    t : ndarray, shape (n,)
        The output times.
    loss_raw, loss_whitened : ndarray, shape (n,)
        The data loss along the Euclidean gradient flow on the raw inputs ``X`` and on the
        whitened inputs ``whiten(X)`` (same outputs ``Y``).
    loss_reduced : ndarray, shape (n,)
        :math:`\tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2 + c` along the flow of the reduced loss.
    constant : float
        :math:`c`, the part of the data loss no linear map can remove.
    distance_raw, distance_whitened : ndarray, shape (n,)
        :math:`\max_j \lVert W_j(t) - W_j^{\rm red}(t)\rVert_F` between each data flow, mapped to
        reduced coordinates, and the reduced flow.
    input_condition : float
        Condition number of :math:`X X^\top` (1 for whitened inputs).
    reduction : DataReduction
        The reduction of the raw data.

    Examples
    --------
    >>> data = dl.teacher_data([2.0, 1.0], 10, np.random.default_rng(0), whitened=False)
    >>> c = dl.compare_data_flows(dl.aligned_init((2, 2, 2), 0.1), data.X, data.Y, 2.0, num=5)
    >>> isinstance(c, dl.data.DataFlowComparison), c.t.shape
    (True, (5,))
    >>> bool(c.distance_whitened.max() < 1e-6), bool(c.distance_raw.max() > 0.1)
    (True, True)
    """

    t: np.ndarray
    loss_raw: np.ndarray
    loss_whitened: np.ndarray
    loss_reduced: np.ndarray
    constant: float
    distance_raw: np.ndarray
    distance_whitened: np.ndarray
    input_condition: float
    reduction: DataReduction


def _distance(a: list, b: list) -> np.ndarray:
    return np.array([max(float(np.linalg.norm(p - q)) for p, q in zip(wa, wb)) for wa, wb in zip(a, b)])


def compare_data_flows(
    weights0: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    t_span: tuple[float, float] | float,
    *,
    num: int = 201,
) -> DataFlowComparison:
    r"""Integrate the gradient flow on raw inputs, on whitened inputs and of the reduced loss.

    All three start from the same point ``weights0`` given in *reduced coordinates*: on the
    data it is ``r.from_reduced(weights0)`` for the reduction ``r`` of each data set. The
    whitened data set ``(whiten(X), Y)`` has the same target :math:`\Sigma` and constant as
    ``(X, Y)``. Its Euclidean flow is the reduced flow (an orthogonal change of variables),
    while the flow on ``X`` is the reduced flow with the first layer's metric changed by
    :math:`X X^\top`:

    .. math:: \dot W_1 = -\nabla_{W_1} L_{\rm data}\, (X X^\top)^{-1}
              \quad \text{(the reduced flow, seen on the data)}.

    Each flow stops when it has converged to the global minimum of its loss
    (:func:`deeplinear.gradient_flow`'s ``stop_tol``; for the data losses the minimum is that of
    reduced-rank regression, :meth:`deeplinear.losses.DataQuadraticLoss.rank_constrained_minimum`),
    so a huge ``t_span`` costs no more than the time to converge; the output times after a stop
    hold the limit.

    Parameters
    ----------
    weights0 : list of ndarray
        Initial weights in reduced coordinates, ``W_i`` of shape ``(d_i, d_{i-1})``.
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column.
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column.
    t_span : (t0, t1) or float
        Time interval with ``t0 < t1`` (a number ``T`` means ``(0, T)``).
    num : int, default 201
        Number of output times (equally spaced over ``t_span``).

    Returns
    -------
    DataFlowComparison
        The three loss curves, the distances of the two data flows to the reduced one, the
        condition number of :math:`X X^\top` and the reduction.

    Raises
    ------
    TypeError
        If an argument has the wrong type (see :func:`reduce_data`, ``t_span``, ``num``).
    ValueError
        As :func:`reduce_data` for ``X`` and ``Y``; if ``weights0`` does not map
        :math:`\mathbb R^{d_0}` to :math:`\mathbb R^{d_h}` of the data; if ``t_span`` is invalid
        or ``num < 2``.
    RuntimeError
        If one of the three flows stops before ``t_span[1]`` without having converged (a
        failed integration or ``max_steps``).

    Examples
    --------
    >>> data = dl.teacher_data([2.0, 1.0], 10, np.random.default_rng(0), whitened=False)
    >>> c = dl.compare_data_flows(dl.aligned_init((2, 2, 2), 0.1), data.X, data.Y, 2.0, num=5)
    >>> bool(np.allclose(c.loss_whitened, c.loss_reduced)), round(float(c.loss_raw[-1]), 4)
    (True, 0.0)
    """
    r = reduce_data(X, Y)
    Z = whiten(X)
    rz = reduce_data(Z, Y)
    W0 = as_weights(weights0, "weights0")
    d = widths_of(W0)
    if (d[0], d[-1]) != (r.Sigma.shape[1], r.Sigma.shape[0]):
        raise InvalidArgumentError(f"weights0 map R^{d[0]} to R^{d[-1]} but the data have d_0 = {r.Sigma.shape[1]}, d_h = {r.Sigma.shape[0]}")
    t0, t1 = as_time_span(t_span)
    num = as_int(num, "num", minimum=2)
    te = np.linspace(t0, t1, num)
    raw = gradient_flow(r.from_reduced(W0), None, (t0, t1), t_eval=te, end_to_end_loss=data_quadratic_loss(X, Y))
    white = gradient_flow(rz.from_reduced(W0), None, (t0, t1), t_eval=te, end_to_end_loss=data_quadratic_loss(Z, Y))
    red = gradient_flow(W0, r.Sigma, (t0, t1), t_eval=te)
    for name, tr in (("raw", raw), ("whitened", white), ("reduced", red)):
        if tr.t.size != te.size:
            raise ConvergenceError(f"the {name} flow stopped early: {tr.message}")
    dist_raw = _distance([r.to_reduced(w) for w in raw.weights], red.weights)
    dist_white = _distance([rz.to_reduced(w) for w in white.weights], red.weights)
    M = r.input_gram
    return DataFlowComparison(
        t=_frozen(te),
        loss_raw=_frozen(raw.loss),
        loss_whitened=_frozen(white.loss),
        loss_reduced=_frozen(red.loss + r.constant),
        constant=float(r.constant),
        distance_raw=_frozen(dist_raw),
        distance_whitened=_frozen(dist_white),
        input_condition=float(np.linalg.cond(M)),
        reduction=r,
    )
