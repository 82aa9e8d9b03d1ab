r"""The neural tangent kernel of a deep linear network, and how far it moves during training.

The end-to-end map :math:`W = W_h \cdots W_1` is a function of the weights
:math:`\theta = (W_1, \dots, W_h)`. Its Jacobian :math:`J` maps a weight perturbation to the
first-order change of :math:`W`, and the *tangent kernel* is :math:`K = J J^\top`, a linear map
on the output space :math:`\mathbb R^{d_h \times d_0}`. With
:math:`A_i = W_h \cdots W_{i+1}` and :math:`B_i = W_{i-1} \cdots W_1` (empty products are
identities), :math:`\delta W = \sum_i A_i\,\delta W_i\,B_i`, so the adjoint is
:math:`J^\top M = (A_i^\top M B_i^\top)_i` and

.. math:: K(M) = \sum_{i=1}^h A_i A_i^\top\, M\, B_i^\top B_i .

Along the gradient flow of :math:`\tfrac12\lVert\Sigma - W\rVert_F^2` the end-to-end map obeys
:math:`\dot W = K_{\theta(t)}(\Sigma - W)` (Arora, Cohen and Hazan 2018 for the balanced case,
where :math:`K` is a function of :math:`W` alone; here it is the kernel of the current
weights). If :math:`K` stays at :math:`K_0 = K_{\theta(0)}` the flow is *linearised training*,
:math:`R(t) = e^{-K_0 t} R(0)` for the residual :math:`R = \Sigma - W`: the *lazy* regime of
Chizat, Oyallon and Bach (2019). :func:`tangent_kernel` gives :math:`K` as a matrix on
``vec(M) = M.ravel()`` (numpy's row-major order, where ``vec(A M B) = kron(A, B.T) vec(M)``),

.. math:: K = \sum_i (A_i A_i^\top) \otimes (B_i^\top B_i),

:func:`kernel_change` the relative change :math:`\lVert K(t) - K(0)\rVert_F / \lVert K(0)\rVert_F`,
and :func:`lazy_rich_study` runs the flow from random starts of several scales and measures the
kernel change, the distance the weights travel and the plateaus of the loss.

Centring
--------
A start of scale :math:`s` has an end-to-end map of size :math:`s^h`, so for large :math:`s`
the network starts far from any fixed target. Chizat, Oyallon and Bach assume a model whose
output is (close to) zero at initialisation; the study therefore *centres* the model: it trains
:math:`W(\theta) - W(\theta_0)` on the target :math:`\Sigma`, that is, the ordinary network on the
target :math:`\Sigma + W(\theta_0)`. The Jacobian, hence the kernel, is unchanged by the
centring.

References: Jacot, Gabriel and Hongler (2018); Chizat, Oyallon and Bach (2019); Arora, Cohen and
Hazan (2018).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_positive, as_real_array, as_rng, as_weights, as_widths, check_sigma, finite_result
from ._validation import frozen_array as _frozen
from .errors import InvalidArgumentError
from .flow import gradient_flow
from .init import random_init
from .network import _prefix_products, _suffix_products

__all__ = [
    "tangent_kernel",
    "kernel_change",
    "weight_travel",
    "linearised_residual",
    "LazyRichStudy",
    "lazy_rich_study",
]


def _kernel_unchecked(W: Sequence[np.ndarray]) -> np.ndarray:
    pre, suf = _prefix_products(W), _suffix_products(W)
    h = len(W)
    K = 0.0
    for i in range(1, h + 1):
        A, B = suf[i], pre[i - 1]  # A_i = W_h ... W_{i+1}, B_i = W_{i-1} ... W_1
        K = K + np.kron(A @ A.T, B.T @ B)
    return K


def tangent_kernel(weights: Sequence[np.ndarray]) -> np.ndarray:
    r"""The tangent kernel :math:`K = JJ^\top` of the end-to-end map, as a matrix on ``M.ravel()``.

    .. math:: K = \sum_{i=1}^h (A_i A_i^\top) \otimes (B_i^\top B_i), \qquad
              A_i = W_h \cdots W_{i+1},\ B_i = W_{i-1} \cdots W_1,

    so that ``(K @ M.ravel()).reshape(d_h, d_0)`` is :math:`\sum_i A_iA_i^\top M B_i^\top B_i`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    ndarray, shape (d_h d_0, d_h d_0)
        Symmetric positive semi-definite.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of real matrices.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain).
    FloatingPointError
        If the products overflow.

    References
    ----------
    Jacot, Gabriel and Hongler (2018), "Neural tangent kernel", NeurIPS.

    Examples
    --------
    >>> dl.lazy_rich.tangent_kernel([np.array([[2.0]]), np.array([[3.0]])])   # w_2^2 + w_1^2
    array([[13.]])
    >>> dl.lazy_rich.tangent_kernel([np.eye(2)]).shape                         # one layer: identity on R^4
    (4, 4)
    """
    W = as_weights(weights)
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(_kernel_unchecked(W), "tangent_kernel", "weights")


def kernel_change(weights: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> float:
    r"""Relative change of the tangent kernel, :math:`\lVert K(\theta) - K(\theta_0)\rVert_F / \lVert K(\theta_0)\rVert_F`.

    Parameters
    ----------
    weights : list of ndarray
        The weights now, ``[W_1, ..., W_h]``.
    reference : list of ndarray
        The reference (initial) weights :math:`\theta_0`, of the same shapes.

    Returns
    -------
    float
        ``>= 0``; ``inf`` if :math:`K(\theta_0) = 0` and :math:`K(\theta) \ne 0`, ``0`` if both vanish.

    Raises
    ------
    TypeError
        If an argument is not a list of real matrices.
    ValueError
        If an argument is invalid or the shapes differ.

    Examples
    --------
    >>> W0 = [np.array([[1.0]]), np.array([[1.0]])]
    >>> W = [np.array([[1.0]]), np.array([[2.0]])]
    >>> dl.lazy_rich.kernel_change(W, W0)          # K goes from 2 to 5
    1.5
    """
    K, K0 = _pair(weights, reference, tangent_kernel)
    with np.errstate(over="ignore", invalid="ignore"):
        n0, diff = finite_result([float(np.linalg.norm(K0)), float(np.linalg.norm(K - K0))], "kernel_change",
                                 "weights or reference")
    if n0 == 0.0:
        return 0.0 if diff == 0.0 else float("inf")
    return diff / n0


def _pair(weights, reference, fn):
    W, W0 = as_weights(weights), as_weights(reference, "reference")
    if [M.shape for M in W] != [M.shape for M in W0]:
        raise InvalidArgumentError(
            f"reference must have the shapes of weights {[M.shape for M in W]}, got {[M.shape for M in W0]}"
        )
    return fn(W), fn(W0)


def weight_travel(weights: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> float:
    r"""Distance travelled by the weights relative to their initial size, :math:`\lVert\theta - \theta_0\rVert / \lVert\theta_0\rVert`.

    The norm is the Euclidean norm of all entries of all layers.

    Parameters
    ----------
    weights : list of ndarray
        The weights now.
    reference : list of ndarray
        The initial weights :math:`\theta_0`, of the same shapes.

    Returns
    -------
    float
        ``inf`` if :math:`\theta_0 = 0 \ne \theta`, ``0`` if both vanish.

    Raises
    ------
    TypeError
        If an argument is not a list of real matrices.
    ValueError
        If an argument is invalid or the shapes differ.

    Examples
    --------
    >>> dl.lazy_rich.weight_travel([np.array([[3.0]]), np.array([[4.0]])], [np.array([[3.0]]), np.array([[0.0]])])
    1.3333333333333333
    """
    W, W0 = _pair(weights, reference, lambda w: np.concatenate([M.ravel() for M in w]))
    with np.errstate(over="ignore", invalid="ignore"):
        n0, diff = finite_result([float(np.linalg.norm(W0)), float(np.linalg.norm(W - W0))], "weight_travel",
                                 "weights or reference")
    if n0 == 0.0:
        return 0.0 if diff == 0.0 else float("inf")
    return diff / n0


def linearised_residual(weights0: Sequence[np.ndarray], Sigma: np.ndarray, t_eval: float | np.ndarray) -> np.ndarray:
    r"""Residual :math:`R(t) = \Sigma - W(t)` of *linearised training* around ``weights0``.

    .. math:: \operatorname{vec} R(t) = e^{-K_0 t}\operatorname{vec}(\Sigma - W(\theta_0)),

    the flow of the end-to-end map with its tangent kernel frozen at :math:`K_0 = K(\theta_0)`
    (Chizat, Oyallon and Bach 2019). Computed by an eigendecomposition of :math:`K_0`.

    Parameters
    ----------
    weights0 : list of ndarray
        The weights around which the model is linearised.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    t_eval : float or array_like
        Times ``>= 0``.

    Returns
    -------
    ndarray, shape t_eval.shape + (d_h, d_0)

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If an argument is invalid, a time negative, or the shapes do not match.

    Examples
    --------
    >>> W0 = [np.array([[1.0]]), np.array([[1.0]])]             # K_0 = 2
    >>> R = dl.lazy_rich.linearised_residual(W0, np.array([[2.0]]), [0.0, 1.0])
    >>> np.allclose(R[:, 0, 0], [1.0, np.exp(-2.0)])
    True
    """
    W0 = as_weights(weights0, "weights0")
    d = (W0[0].shape[1],) + tuple(M.shape[0] for M in W0)
    S = check_sigma(Sigma, d)
    t_arr = as_real_array(t_eval, "t_eval")
    if np.any(t_arr < 0):
        raise InvalidArgumentError(f"t_eval must be >= 0, got {t_eval!r:.60}")
    K0 = tangent_kernel(W0)
    R0 = (S - _prefix_products(W0)[-1]).ravel()
    lam, V = np.linalg.eigh(K0)
    lam = np.maximum(lam, 0.0)
    c = V.T @ R0
    out = (np.exp(-np.multiply.outer(t_arr, lam)) * c) @ V.T
    return out.reshape(t_arr.shape + S.shape)


@dataclass(frozen=True)
class LazyRichStudy:
    r"""Measures of the flow from random starts of several scales (:func:`lazy_rich_study`).

    Attributes
    ----------
    scales : ndarray, shape (n,)
        The initial scales :math:`s` (standard deviation of the entries times :math:`\sqrt{d_{i-1}}`).
    kernel_change : ndarray, shape (n,)
        :math:`\max_t \lVert K(t) - K(0)\rVert_F / \lVert K(0)\rVert_F` along each run.
    weight_travel : ndarray, shape (n,)
        :math:`\lVert\theta(T) - \theta(0)\rVert / \lVert\theta(0)\rVert` at the end of each run.
    linearised_gap : ndarray, shape (n,)
        :math:`\max_t \lVert R(t) - R_{\rm lin}(t)\rVert_F / \lVert R(0)\rVert_F`: distance of the
        residual from that of linearised training (:func:`linearised_residual`).
    plateaus : ndarray of int, shape (n,)
        Number of plateaus of the loss (``"plateau"`` entries of :func:`gradient_flow`, the
        relative loss rate :math:`|\dot L|/L` below ``threshold``).
    final_loss : ndarray, shape (n,)
        Loss at the end of each run.
    t : ndarray, shape (m,)
        The common output times.
    loss : ndarray, shape (n, m)
        The loss of each run at ``t`` (divided by its initial value).
    kernel_change_path : ndarray, shape (n, m)
        The relative kernel change of each run at ``t``.
    threshold : float
        The plateau threshold used.
    centred : bool
        Whether the model was centred (trained on :math:`\Sigma + W(\theta_0)`).

    Examples
    --------
    >>> st = dl.lazy_rich.lazy_rich_study([1e-2, 3.0], np.diag([2.0, 1.0]), (2, 3, 2), t_end=5.0, num=11)
    >>> st.loss.shape, st.plateaus.tolist()
    ((2, 11), [2, 0])
    """

    scales: np.ndarray
    kernel_change: np.ndarray
    weight_travel: np.ndarray
    linearised_gap: np.ndarray
    plateaus: np.ndarray
    final_loss: np.ndarray
    t: np.ndarray
    loss: np.ndarray
    kernel_change_path: np.ndarray
    threshold: float
    centred: bool


def _run_measures(weights0, S, t_eval, threshold, centred):
    target = S + _prefix_products(weights0)[-1] if centred else S
    traj = gradient_flow(weights0, target, (0.0, float(t_eval[-1])), t_eval=t_eval,
                         events={"plateau": {"threshold": threshold}}, warn=False)
    K0 = _kernel_unchecked(weights0)
    n0 = np.linalg.norm(K0)
    path = np.array([np.linalg.norm(_kernel_unchecked(w) - K0) / n0 for w in traj.weights])
    R = target - traj.end_to_end
    R_lin = linearised_residual(weights0, target, traj.t)
    gap = np.max(np.linalg.norm(R - R_lin, axis=(1, 2))) / np.linalg.norm(R[0])
    travel = weight_travel(traj.weights[-1], weights0)
    return path, travel, gap, len(traj.events.get("plateau_entry", ())), traj.loss


def lazy_rich_study(
    scales: Sequence[float],
    Sigma: np.ndarray,
    widths: Sequence[int],
    *,
    t_end: float = 20.0,
    num: int = 101,
    rng: np.random.Generator | int = 0,
    centred: bool = True,
    threshold: float = 0.1,
) -> LazyRichStudy:
    r"""Run the gradient flow from random starts of several scales and measure how lazy each run is.

    For each scale :math:`s` the start is :math:`W_i = s\,G_i/\sqrt{d_{i-1}}` with the *same*
    standard Gaussian :math:`G_i` for every scale (so only the scale changes), the flow of
    :math:`\tfrac12\lVert\Sigma - (W(\theta) - W(\theta_0))\rVert_F^2` (``centred=True``; module
    docstring) or of :math:`\tfrac12\lVert\Sigma - W(\theta)\rVert_F^2` is integrated on
    ``[0, t_end]``, and the fields of :class:`LazyRichStudy` are measured.

    Parameters
    ----------
    scales : sequence of float
        Initial scales, ``> 0``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    t_end : float, default 20.0
        Length of each run.
    num : int, default 101
        Number of output times (uniform on ``[0, t_end]``).
    rng : numpy.random.Generator or int, default 0
        Source (or seed) of the Gaussian matrices :math:`G_i`.
    centred : bool, default True
        Train the centred model (subtract the initial end-to-end map).
    threshold : float, default 0.1
        Plateau threshold on :math:`|\dot L|/L` (1/time), as in :func:`gradient_flow`.

    Returns
    -------
    LazyRichStudy

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a scale, ``t_end`` or ``threshold`` is not positive, ``num < 2``, or the shapes do not match.

    References
    ----------
    Chizat, Oyallon and Bach (2019), "On lazy training in differentiable programming", NeurIPS.

    Examples
    --------
    >>> st = dl.lazy_rich.lazy_rich_study([1e-3, 10.0], np.diag([2.0, 1.0]), (2, 4, 2), t_end=10.0, num=21)
    >>> bool(st.kernel_change[0] > 100 * st.kernel_change[1]), st.plateaus.tolist()
    (True, [2, 0])
    """
    s = as_real_array(scales, "scales", ndim=1)
    if np.any(s <= 0):
        raise InvalidArgumentError(f"scales must be > 0, got {scales!r:.80}")
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    t_end = as_positive(t_end, "t_end")
    threshold = as_positive(threshold, "threshold")
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 2:
        raise InvalidArgumentError(f"num must be an integer >= 2, got {num!r}")
    if not isinstance(centred, (bool, np.bool_)):
        raise InvalidArgumentError(f"centred must be True or False, got {centred!r}")
    G = random_init(d, as_rng(rng), 1.0, fan_in=True)
    t_eval = np.linspace(0.0, t_end, int(num))
    rows = [_run_measures([x * M for M in G], S, t_eval, threshold, bool(centred)) for x in s]
    paths = np.array([r[0] for r in rows])
    losses = np.array([r[4] / r[4][0] if r[4][0] > 0 else r[4] for r in rows])
    return LazyRichStudy(
        scales=_frozen(s), kernel_change=_frozen(paths.max(axis=1)),
        weight_travel=_frozen([r[1] for r in rows]), linearised_gap=_frozen([r[2] for r in rows]),
        plateaus=_frozen([r[3] for r in rows], int), final_loss=_frozen([r[4][-1] for r in rows]),
        t=_frozen(t_eval), loss=_frozen(losses), kernel_change_path=_frozen(paths),
        threshold=threshold, centred=bool(centred),
    )
