r"""Implicit regularisation in deep matrix sensing and completion.

A deep linear network :math:`W = W_h \cdots W_1` is fitted to linear measurements of an
unknown matrix,

.. math:: \ell(W) = \tfrac12 \sum_{k=1}^{K} \big(\langle M_k, W\rangle - y_k\big)^2 ,

with sensing matrices :math:`M_k`; *matrix completion* is the case
:math:`M_k = e_{i_k} e_{j_k}^\top` of observed entries, :math:`\ell(W) = \tfrac12\lVert
P_\Omega(W - \Sigma)\rVert_F^2` for the mask :math:`\Omega`. Both are loss objects of
:mod:`deeplinear.losses` (``value``, ``gradient``, ``shape``), so the layer gradients are
:func:`deeplinear.general_gradient` and the flow is :func:`deeplinear.gradient_flow` with
``end_to_end_loss=``; nothing here integrates on its own.

* :func:`sensing_loss`, :func:`completion_loss` -- the two losses.
* :func:`effective_rank` -- :math:`\exp` of the entropy of the normalised singular values
  (Roy and Vetterli 2007).
* :func:`singular_velocity_check` -- the velocity
  :math:`\dot\sigma_r = -h\,(\sigma_r^2)^{1 - 1/h}\langle\nabla\ell(W), u_r v_r^\top\rangle` of
  the end-to-end singular values at balanced weights (Arora, Cohen, Hu and Luo 2019), next to
  the velocity :math:`u_r^\top \dot W v_r` of the flow itself.
* :func:`nuclear_norm_completion` -- the convex baseline :math:`\min\lVert X\rVert_*` subject
  to the observed entries, by ADMM, with a dual certificate that bounds its suboptimality.
* :func:`completion_problem`, :func:`deep_completion`, :func:`completion_study` -- the
  chapter's experiment: a random low-rank matrix, a flow from a small balanced start, and a
  grid over depth and initial scale.

The figures are in :mod:`deeplinear.plots.implicit_regularisation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_matrix, as_positive, as_real_array, as_rng, as_vector, as_weights
from ._validation import frozen_array as _frozen
from .errors import ArgumentTypeError, InvalidArgumentError
from .flow import gradient_flow
from .init import balanced_init
from .invariants import imbalance
from .losses import _as_loss, general_gradient
from .product_flow import singular_value_velocity
from .network import _prefix_products as prefix_products, _suffix_products as suffix_products

__all__ = [
    "SensingLoss",
    "CompletionLoss",
    "sensing_loss",
    "completion_loss",
    "effective_rank",
    "VelocityCheck",
    "singular_velocity_check",
    "NuclearNormCompletion",
    "nuclear_norm_completion",
    "CompletionProblem",
    "completion_problem",
    "CompletionRun",
    "deep_completion",
    "CompletionStudy",
    "completion_study",
]


# --------------------------------------------------------------------------- the losses


@dataclass(frozen=True)
class SensingLoss:
    r"""The sensing loss :math:`\ell(W) = \tfrac12\sum_k(\langle M_k, W\rangle - y_k)^2`.

    :math:`\nabla\ell(W) = \sum_k (\langle M_k, W\rangle - y_k) M_k`. Make it with
    :func:`sensing_loss`.

    Attributes
    ----------
    measurements : ndarray, shape (K, d_h, d_0)
        The sensing matrices :math:`M_k` (read-only).
    y : ndarray, shape (K,)
        The measured values (read-only).
    shape : tuple of int
        ``(d_h, d_0)``.

    Examples
    --------
    >>> ell = dl.sensing.sensing_loss(np.array([np.eye(2)]), [2.0])
    >>> type(ell) is dl.sensing.SensingLoss, ell.shape
    (True, (2, 2))
    >>> ell.value(np.zeros((2, 2)))
    2.0
    """

    measurements: np.ndarray
    y: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return (int(self.measurements.shape[1]), int(self.measurements.shape[2]))

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        r = np.tensordot(self.measurements, W, axes=2) - self.y
        return 0.5 * float(r @ r)

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        r = np.tensordot(self.measurements, W, axes=2) - self.y
        return np.tensordot(r, self.measurements, axes=1)


@dataclass(frozen=True)
class CompletionLoss:
    r"""The completion loss :math:`\ell(W) = \tfrac12\lVert P_\Omega(W - \Sigma)\rVert_F^2`.

    :math:`\nabla\ell(W) = P_\Omega(W - \Sigma)`, where :math:`P_\Omega` keeps the observed
    entries and zeroes the others. Make it with :func:`completion_loss`.

    Attributes
    ----------
    observed : ndarray, shape (d_h, d_0)
        :math:`P_\Omega(\Sigma)`: the observed entries, zero elsewhere (read-only).
    mask : ndarray of bool, shape (d_h, d_0)
        ``True`` where an entry is observed (read-only).
    shape : tuple of int
        ``mask.shape``.

    Examples
    --------
    >>> ell = dl.sensing.completion_loss(np.ones((2, 2)), np.eye(2, dtype=bool))
    >>> ell.gradient(np.zeros((2, 2)))
    array([[-1.,  0.],
           [ 0., -1.]])
    """

    observed: np.ndarray
    mask: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return tuple(self.mask.shape)  # type: ignore[return-value]

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        R = np.where(self.mask, W - self.observed, 0.0)
        return 0.5 * float(np.sum(R * R))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        return np.where(self.mask, W - self.observed, 0.0)


def sensing_loss(measurements: np.ndarray, y: np.ndarray) -> SensingLoss:
    r"""The sensing loss :math:`\tfrac12\sum_k(\langle M_k, W\rangle - y_k)^2` as a loss object.

    Parameters
    ----------
    measurements : ndarray, shape (K, d_h, d_0)
        The sensing matrices :math:`M_k`.
    y : array_like, shape (K,)
        The measurements :math:`y_k`.

    Returns
    -------
    SensingLoss
        With read-only copies; pass it to :func:`deeplinear.gradient_flow` as
        ``end_to_end_loss=`` or to :func:`deeplinear.general_gradient`.

    Raises
    ------
    TypeError
        If ``measurements`` or ``y`` is not a real array.
    ValueError
        If ``measurements`` is not 3-D, ``y`` not 1-D, either is empty or not finite, or their
        numbers of measurements differ.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> M = rng.standard_normal((5, 3, 2))
    >>> W = rng.standard_normal((3, 2))
    >>> ell = dl.sensing.sensing_loss(M, np.tensordot(M, W, axes=2))
    >>> ell.value(W), ell.shape
    (0.0, (3, 2))
    """
    M = as_real_array(measurements, "measurements", ndim=3)
    yv = as_vector(y, "y")
    if M.shape[0] != yv.shape[0]:
        raise InvalidArgumentError(f"measurements holds {M.shape[0]} matrices but y has {yv.shape[0]} values; they must match")
    return SensingLoss(_frozen(M), _frozen(yv))


def _as_mask(mask: object, shape: tuple[int, int]) -> np.ndarray:
    m = as_matrix(mask, "mask")
    if m.shape != shape:
        raise InvalidArgumentError(f"mask has shape {m.shape} but Sigma has shape {shape}; they must match")
    if not np.all((m == 0) | (m == 1)):
        raise InvalidArgumentError(f"mask must hold only 0/1 (or booleans), got values {np.unique(m)[:6]}")
    if not m.any():
        raise InvalidArgumentError("mask observes no entry; at least one entry must be observed")
    return m.astype(bool)


def completion_loss(Sigma: np.ndarray, mask: np.ndarray) -> CompletionLoss:
    r"""The matrix-completion loss :math:`\tfrac12\lVert P_\Omega(W - \Sigma)\rVert_F^2`.

    Only the entries of ``Sigma`` where ``mask`` is true are used (the others may hold
    anything finite, e.g. the hidden ground truth).

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The matrix whose observed entries are fitted.
    mask : array_like of bool or 0/1, shape (d_h, d_0)
        ``True`` (or 1) where an entry is observed; at least one.

    Returns
    -------
    CompletionLoss
        With :math:`P_\Omega(\Sigma)` and the mask, read-only.

    Raises
    ------
    TypeError
        If ``Sigma`` or ``mask`` is not a real matrix.
    ValueError
        If they are not 2-D, not finite, of different shapes, if ``mask`` holds a value other
        than 0 and 1, or observes nothing.

    Examples
    --------
    >>> ell = dl.sensing.completion_loss(np.array([[1.0, 2.0], [3.0, 4.0]]), [[1, 0], [0, 1]])
    >>> ell.value(np.zeros((2, 2)))  # (1 + 16) / 2
    8.5
    """
    S = as_matrix(Sigma, "Sigma")
    m = _as_mask(mask, S.shape)
    return CompletionLoss(_frozen(np.where(m, S, 0.0)), _frozen(m, dtype=bool))


# --------------------------------------------------------------------------- effective rank and the singular-value velocity


def effective_rank(product: np.ndarray) -> float:
    r"""Effective rank :math:`\exp H(p)` of a matrix, :math:`p_i = \sigma_i / \sum_j\sigma_j`.

    .. math:: \operatorname{erank}(W) = \exp\Big(-\sum_i p_i \ln p_i\Big)

    with :math:`0\ln 0 = 0` (Roy and Vetterli 2007). It lies between 1 and the rank, equals
    :math:`r` when the :math:`r` non-zero singular values are equal, and changes continuously
    with the matrix, unlike the rank.

    Parameters
    ----------
    product : ndarray, shape (m, n)
        A non-zero matrix (typically the end-to-end map :math:`W_h\cdots W_1`).

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``product`` is not a real matrix.
    ValueError
        If ``product`` is not 2-D, not finite, or zero (no distribution to take the entropy of).

    References
    ----------
    Roy, O. and Vetterli, M., "The effective rank: a measure of effective dimensionality",
    EUSIPCO 2007.

    Examples
    --------
    >>> dl.sensing.effective_rank(np.diag([1.0, 1.0, 0.0]))
    2.0
    >>> round(dl.sensing.effective_rank(np.diag([1.0, 0.01])), 4)
    1.0571
    """
    P = as_matrix(product, "product")
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.linalg.svd(P / np.max(np.abs(P)) if np.any(P) else P, compute_uv=False)
    if not np.any(s > 0):
        raise InvalidArgumentError("product is the zero matrix; its effective rank is undefined")
    p = s[s > 0] / np.sum(s)
    return float(np.exp(-np.sum(p * np.log(p))))


@dataclass(frozen=True)
class VelocityCheck:
    r"""The velocity of the end-to-end singular values (from :func:`singular_velocity_check`).

    Attributes
    ----------
    singular_values : ndarray, shape (k,)
        :math:`\sigma_1 \ge \dots \ge \sigma_k` of :math:`W = W_h\cdots W_1`,
        ``k = min(d_h, d_0)``.
    formula : ndarray, shape (k,)
        :math:`-h\,(\sigma_r^2)^{1-1/h}\langle\nabla\ell(W), u_r v_r^\top\rangle`
        (:func:`deeplinear.singular_value_velocity` with ``end_to_end_loss=ell``).
    flow : ndarray, shape (k,)
        :math:`u_r^\top\dot W v_r` with :math:`\dot W = \sum_j W_{j+1:h}\dot W_j W_{1:j-1}`
        and :math:`\dot W_j = -\nabla_{W_j}\ell(W_{1:h})`: the derivative of a simple
        singular value along the layer-wise flow.
    imbalance : float
        :math:`\max_i\lVert C_i\rVert_F` (0 at balanced weights, where the two agree).
    min_gap : float
        The smallest distance between consecutive singular values (the formula concerns simple
        singular values).

    Examples
    --------
    >>> W = dl.balanced_init((2, 2, 2), product=np.diag([2.0, 1.0]))
    >>> v = dl.sensing.singular_velocity_check(W, dl.quadratic(np.eye(2)))
    >>> type(v) is dl.sensing.VelocityCheck, v.imbalance, v.min_gap
    (True, 0.0, 1.0)
    """

    singular_values: np.ndarray
    formula: np.ndarray
    flow: np.ndarray
    imbalance: float
    min_gap: float


def singular_velocity_check(weights: Sequence[np.ndarray], ell: object) -> VelocityCheck:
    r"""The singular-value law of Arora, Cohen, Hu and Luo (2019) next to the flow's own velocity.

    For balanced weights (:math:`W_{j+1}^\top W_{j+1} = W_j W_j^\top`) the end-to-end map moves
    as :math:`\dot W = -\sum_{j=1}^h (WW^\top)^{(h-j)/h}\,\nabla\ell(W)\,(W^\top W)^{(j-1)/h}`,
    so a simple singular value :math:`\sigma_r` with singular vectors :math:`u_r, v_r` moves as

    .. math:: \dot\sigma_r = u_r^\top \dot W v_r = -h\,(\sigma_r^2)^{1-1/h}\,
              \langle\nabla\ell(W),\, u_r v_r^\top\rangle .

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    ell : loss object
        A loss of the end-to-end map (:func:`completion_loss`, :func:`sensing_loss`,
        :func:`deeplinear.quadratic`, ...).

    Returns
    -------
    VelocityCheck
        ``formula`` and ``flow`` agree (to rounding) at balanced weights with distinct
        singular values; ``imbalance`` and ``min_gap`` tell whether those hypotheses hold.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``ell`` is not a loss object.
    ValueError
        If ``weights`` is invalid or ``ell.shape`` differs from the end-to-end map's shape.

    References
    ----------
    Arora, S., Cohen, N., Hu, W. and Luo, Y., "Implicit regularization in deep matrix
    factorization", NeurIPS 2019 (arXiv:1905.13655).

    Examples
    --------
    >>> W = dl.balanced_init((3, 3, 3), product=np.diag([2.0, 1.0, 0.5]))
    >>> v = dl.sensing.singular_velocity_check(W, dl.quadratic(np.diag([3.0, 1.0, 0.0])))
    >>> v.formula  # -2 sigma (sigma - s): 2*2*1, 0, -2*0.5*0.5
    array([ 4. ,  0. , -0.5])
    >>> bool(np.allclose(v.flow, v.formula))
    True
    """
    W = as_weights(weights)
    h = len(W)
    pre, suf = prefix_products(W), suffix_products(W)
    P = pre[-1]
    loss = _as_loss(ell, P.shape, "ell")
    G = loss.gradient(P)
    grads = general_gradient(W, G)
    Wdot = -sum(suf[j + 1] @ grads[j] @ pre[j] for j in range(h))
    U, s, Vt = np.linalg.svd(P, full_matrices=False)
    k = s.size
    flow = np.einsum("ik,ij,jk->k", U, Wdot, Vt.T)
    formula = singular_value_velocity(P, None, h, end_to_end_loss=loss)
    gap = float(np.min(-np.diff(s))) if k > 1 else float("inf")
    return VelocityCheck(_frozen(s), _frozen(formula), _frozen(flow), imbalance(W), gap)


# --------------------------------------------------------------------------- the convex baseline


@dataclass(frozen=True)
class NuclearNormCompletion:
    r"""The minimum-nuclear-norm completion (from :func:`nuclear_norm_completion`).

    Attributes
    ----------
    matrix : ndarray
        :math:`X`: equal to :math:`\Sigma` on the observed entries (exactly).
    nuclear_norm : float
        :math:`\lVert X\rVert_*`, an upper bound on the optimum.
    lower_bound : float
        :math:`\langle\Lambda, \Sigma\rangle / \lVert\Lambda\rVert_2` for the dual variable
        :math:`\Lambda` (supported on the observed entries): a lower bound on
        :math:`\lVert X'\rVert_*` for every completion :math:`X'`, by
        :math:`\langle\Lambda, X'\rangle \le \lVert\Lambda\rVert_2\lVert X'\rVert_*`.
    certificate : ndarray
        :math:`\Lambda`, zero off the observed entries.
    iterations : int
    converged : bool
        Whether the relative gap ``(nuclear_norm - lower_bound) / nuclear_norm`` reached ``tol``.

    Examples
    --------
    >>> X = dl.sensing.nuclear_norm_completion(np.eye(2), [[1, 0], [0, 1]])
    >>> type(X) is dl.sensing.NuclearNormCompletion, X.converged, round(X.nuclear_norm, 6)
    (True, True, 2.0)
    """

    matrix: np.ndarray
    nuclear_norm: float
    lower_bound: float
    certificate: np.ndarray
    iterations: int
    converged: bool


def _svt(X: np.ndarray, tau: float) -> np.ndarray:
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt


def nuclear_norm_completion(Sigma: np.ndarray, mask: np.ndarray, *, tol: float = 1e-8, max_iter: int = 20000) -> NuclearNormCompletion:
    r"""Minimum-nuclear-norm completion :math:`\min\lVert X\rVert_*` s.t. :math:`P_\Omega(X) = P_\Omega(\Sigma)`, by ADMM.

    Splitting :math:`X = Z` with the constraint on :math:`X` and the norm on :math:`Z`:
    :math:`Z \leftarrow \mathrm{SVT}_{1/\rho}(X + \Lambda/\rho)` (singular-value
    thresholding, as in Cai, Candes and Shen 2010); :math:`X \leftarrow Z - \Lambda/\rho`
    with the observed entries reset; :math:`\Lambda \leftarrow \Lambda + \rho(X - Z)`, which
    vanishes off :math:`\Omega` by the :math:`X`-step, and at the
    optimum :math:`\Lambda \in \partial\lVert X\rVert_*` (a dual certificate). The run stops
    when the certified relative gap between :math:`\lVert X\rVert_*` and
    ``lower_bound`` is below ``tol``.

    Parameters
    ----------
    Sigma : ndarray, shape (m, n)
        Only the observed entries are used.
    mask : array_like of bool or 0/1, shape (m, n)
        ``True`` where observed.
    tol : float, default 1e-8
        Relative duality gap at which to stop, ``> 0``.
    max_iter : int, default 20000
        Iteration limit, ``>= 1``.

    Returns
    -------
    NuclearNormCompletion

    Raises
    ------
    TypeError, ValueError
        As :func:`completion_loss`; and for ``tol`` not positive or ``max_iter < 1``.

    Examples
    --------
    >>> X = dl.sensing.nuclear_norm_completion([[1.0, 1.0], [1.0, 0.0]], [[1, 1], [1, 0]])
    >>> np.round(X.matrix, 3)  # the rank-one completion, nuclear norm 2
    array([[1., 1.],
           [1., 1.]])
    >>> X.converged, round(X.lower_bound, 4)
    (True, 2.0)
    """
    ell = completion_loss(Sigma, mask)
    tol = as_positive(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", minimum=1)
    B, m = ell.observed, ell.mask
    scale = float(np.linalg.norm(B, 2))
    if scale == 0.0:
        Z = np.zeros_like(B)
        return NuclearNormCompletion(_frozen(Z), 0.0, 0.0, _frozen(Z), 0, True)
    rho = 1.0 / scale
    Z, Lam = B.copy(), np.zeros_like(B)
    X, upper, lower, converged, k = B.copy(), float("inf"), 0.0, False, 0
    for k in range(1, max_iter + 1):
        Z = _svt(X + Lam / rho, 1.0 / rho)
        X = np.where(m, B, Z - Lam / rho)
        Lam = np.where(m, Lam + rho * (X - Z), 0.0)  # exactly zero off the mask by the X-step
        if k % 10 == 0 or k == max_iter:
            upper = float(np.sum(np.linalg.svd(X, compute_uv=False)))
            norm2 = float(np.linalg.norm(Lam, 2))
            lower = float(np.sum(Lam * B)) / norm2 if norm2 > 0 else 0.0
            if upper - lower <= tol * upper:
                converged = True
                break
    return NuclearNormCompletion(_frozen(X), upper, lower, _frozen(np.where(m, Lam, 0.0)), k, converged)


# --------------------------------------------------------------------------- the experiment


@dataclass(frozen=True)
class CompletionProblem:
    r"""A random low-rank matrix and a random mask (from :func:`completion_problem`).

    Attributes
    ----------
    Sigma : ndarray, shape (n, n)
        The ground truth, rank ``rank``, scaled to :math:`\lVert\Sigma\rVert_F = \sqrt n`.
    mask : ndarray of bool, shape (n, n)
        The observed entries.
    rank : int
    fraction : float
        The requested fraction of observed entries (each observed independently).

    Examples
    --------
    >>> p = dl.sensing.completion_problem(5, 1, 0.5, rng=0)
    >>> type(p) is dl.sensing.CompletionProblem, p.rank, p.mask.dtype
    (True, 1, dtype('bool'))
    """

    Sigma: np.ndarray
    mask: np.ndarray
    rank: int
    fraction: float


def completion_problem(n: int = 20, rank: int = 2, fraction: float = 0.4, *, rng: object = 0) -> CompletionProblem:
    r"""A random ``n x n`` matrix of rank ``rank`` and a mask observing each entry with probability ``fraction``.

    :math:`\Sigma = c\,UV^\top` with standard Gaussian :math:`U, V` (``n x rank``) and
    :math:`c` such that :math:`\lVert\Sigma\rVert_F = \sqrt n`.

    Parameters
    ----------
    n : int, default 20
        Size, ``>= 2``.
    rank : int, default 2
        ``1 <= rank <= n``.
    fraction : float, default 0.4
        Probability that an entry is observed, in ``(0, 1]``.
    rng : numpy Generator or int, default 0
        Random source (a seed is turned into a generator).

    Returns
    -------
    CompletionProblem
        If the draw observes nothing, the entry ``(0, 0)`` is observed.

    Raises
    ------
    TypeError
        If ``n`` or ``rank`` is not an integer, ``fraction`` not a number or ``rng`` invalid.
    ValueError
        If ``n < 2``, ``rank`` is outside ``[1, n]`` or ``fraction`` outside ``(0, 1]``.

    Examples
    --------
    >>> p = dl.sensing.completion_problem(6, 1, 0.5, rng=1)
    >>> p.Sigma.shape, int(np.linalg.matrix_rank(p.Sigma)), round(float(np.linalg.norm(p.Sigma)) ** 2, 6)
    ((6, 6), 1, 6.0)
    """
    n = as_int(n, "n", minimum=2)
    rank = as_int(rank, "rank", minimum=1)
    if rank > n:
        raise InvalidArgumentError(f"rank must be at most n = {n}, got {rank}")
    fraction = as_positive(fraction, "fraction")
    if fraction > 1.0:
        raise InvalidArgumentError(f"fraction must be in (0, 1], got {fraction}")
    g = as_rng(rng)
    S = g.standard_normal((n, rank)) @ g.standard_normal((rank, n))
    S *= np.sqrt(n) / np.linalg.norm(S)
    mask = g.random((n, n)) < fraction
    if not mask.any():
        mask[0, 0] = True
    return CompletionProblem(_frozen(S), _frozen(mask, dtype=bool), rank, fraction)


@dataclass(frozen=True)
class CompletionRun:
    r"""A gradient flow of the completion loss from a small balanced start (from :func:`deep_completion`).

    Attributes
    ----------
    h : int
        Depth.
    scale : float
        :math:`\lVert W(0)\rVert_F` of the end-to-end map at the start.
    t : ndarray, shape (n_t,)
        Output times (up to the stop).
    singular_values : ndarray, shape (n_t, k)
        Singular values of the end-to-end map at each time, largest first.
    loss : ndarray, shape (n_t,)
        The completion loss at each time.
    product : ndarray
        The final end-to-end map.
    unobserved_error : float
        :math:`\lVert P_{\Omega^c}(W - \Sigma)\rVert_F / \lVert P_{\Omega^c}(\Sigma)\rVert_F`
        at the end (1 for a completion that leaves the unobserved entries at 0).
    effective_rank : float
        Of the final end-to-end map (:func:`effective_rank`).
    status : str
        The flow's status (``"converged"`` when the loss reached the tolerance).

    Examples
    --------
    >>> p = dl.sensing.completion_problem(5, 1, 0.8, rng=0)
    >>> run = dl.sensing.deep_completion(p.Sigma, p.mask, 2, scale=0.1)
    >>> type(run) is dl.sensing.CompletionRun, run.h, run.singular_values.shape[1]
    (True, 2, 5)
    """

    h: int
    scale: float
    t: np.ndarray
    singular_values: np.ndarray
    loss: np.ndarray
    product: np.ndarray
    unobserved_error: float
    effective_rank: float
    status: str


def _relative_unobserved_error(W: np.ndarray, Sigma: np.ndarray, mask: np.ndarray) -> float:
    hidden = ~mask
    ref = float(np.linalg.norm(Sigma[hidden]))
    return float(np.linalg.norm((W - Sigma)[hidden])) / ref if ref > 0 else float(np.linalg.norm((W - Sigma)[hidden]))


def deep_completion(
    Sigma: np.ndarray,
    mask: np.ndarray,
    h: int,
    *,
    scale: float = 1e-3,
    rng: object = 0,
    rel_tol: float = 1e-6,
    t_max: float = 1e4,
    n_eval: int = 200,
) -> CompletionRun:
    r"""Complete a matrix with a depth-``h`` network: the flow of :func:`completion_loss` from a small balanced start.

    The start is a random end-to-end map :math:`W(0) = \alpha\,G/\lVert G\rVert_F` (Gaussian
    :math:`G`, :math:`\alpha` = ``scale``), factored into balanced square layers by
    :func:`deeplinear.balanced_init`; the flow is :func:`deeplinear.gradient_flow` with the
    completion loss (``end_to_end_loss=``), at the loose tolerances ``rtol = 1e-6``,
    ``atol = 1e-9`` (the experiment compares errors of a few percent), stopped when
    :math:`\ell \le` ``rel_tol`` :math:`\cdot\tfrac12\lVert P_\Omega\Sigma\rVert_F^2`. For
    ``h = 1`` the flow is linear and ``scale = 0`` is allowed: from zero it converges to the
    minimum-norm interpolant :math:`P_\Omega(\Sigma)`.

    Parameters
    ----------
    Sigma : ndarray, shape (m, n)
        The matrix (ground truth; only the observed entries enter the loss, the others the error).
    mask : array_like of bool or 0/1, shape (m, n)
        Observed entries.
    h : int
        Depth, ``>= 1`` (hidden widths ``n``).
    scale : float, default 1e-3
        :math:`\lVert W(0)\rVert_F`, ``> 0`` (``>= 0`` for ``h = 1``).
    rng : numpy Generator or int, default 0
        Draws :math:`G`.
    rel_tol : float, default 1e-6
        Relative loss at which the flow stops, ``> 0``.
    t_max : float, default 1e4
        Time limit.
    n_eval : int, default 200
        Number of log-spaced output times in ``[1e-2, t_max]`` (plus ``t = 0``), ``>= 2``.

    Returns
    -------
    CompletionRun

    Raises
    ------
    TypeError, ValueError
        As :func:`completion_loss`; for ``h < 1``, ``scale`` negative (or zero with
        ``h >= 2``, a critical point), a non-positive ``rel_tol`` or ``t_max <= 0.01``, or
        ``n_eval < 2``.

    Examples
    --------
    >>> p = dl.sensing.completion_problem(8, 1, 0.6, rng=0)
    >>> run = dl.sensing.deep_completion(p.Sigma, p.mask, 3, scale=1e-2)
    >>> run.status, run.unobserved_error < 0.1, run.effective_rank < 1.5
    ('converged', True, True)
    """
    ell = completion_loss(Sigma, mask)
    S = as_matrix(Sigma, "Sigma")
    h = as_depth(h)
    alpha = as_positive(scale, "scale", allow_zero=h == 1)
    rel_tol = as_positive(rel_tol, "rel_tol")
    t_max = as_positive(t_max, "t_max")
    if t_max <= 1e-2:
        raise InvalidArgumentError(f"t_max must exceed 0.01 (the first output time), got {t_max}")
    n_eval = as_int(n_eval, "n_eval", minimum=2)
    G = as_rng(rng).standard_normal(S.shape)
    P0 = alpha * G / np.linalg.norm(G)
    m, n = S.shape
    weights0 = [P0] if h == 1 else balanced_init((n,) * h + (m,), product=P0)
    loss_tol = rel_tol * 0.5 * float(np.sum(ell.observed**2))
    t_eval = np.concatenate([[0.0], np.geomspace(1e-2, t_max, n_eval)])
    tr = gradient_flow(weights0, None, (0.0, t_max), t_eval=t_eval, end_to_end_loss=ell, rtol=1e-6, atol=1e-9,
                       events={"convergence": {"loss_tol": loss_tol}}, warn=False)
    keep = int(np.searchsorted(tr.t, tr.t_stop, side="left")) + 1
    ends = tr.end_to_end[:keep]
    sv = np.linalg.svd(ends, compute_uv=False)
    P = tr.end_to_end[-1]
    erank = effective_rank(P) if np.any(P) else 0.0
    return CompletionRun(h, alpha, _frozen(tr.t[:keep]), _frozen(sv), _frozen(tr.loss[:keep]), _frozen(P),
                         _relative_unobserved_error(P, S, ell.mask), erank, tr.status)


@dataclass(frozen=True)
class CompletionStudy:
    r"""Deep completion over a grid of depths and initial scales (from :func:`completion_study`).

    Attributes
    ----------
    depths : tuple of int
    scales : ndarray, shape (n_scales,)
    unobserved_error : ndarray, shape (n_depths, n_scales)
        :attr:`CompletionRun.unobserved_error` of each run.
    effective_rank : ndarray, shape (n_depths, n_scales)
    converged : ndarray of bool, shape (n_depths, n_scales)
    runs : tuple of tuple of CompletionRun
        ``runs[i][j]`` for ``depths[i]``, ``scales[j]``.

    Examples
    --------
    >>> p = dl.sensing.completion_problem(5, 1, 0.8, rng=0)
    >>> study = dl.sensing.completion_study(p.Sigma, p.mask, depths=(1, 2), scales=(0.1,))
    >>> type(study) is dl.sensing.CompletionStudy, study.depths, study.runs[1][0].h
    (True, (1, 2), 2)
    """

    depths: tuple[int, ...]
    scales: np.ndarray
    unobserved_error: np.ndarray
    effective_rank: np.ndarray
    converged: np.ndarray
    runs: tuple


def completion_study(
    Sigma: np.ndarray,
    mask: np.ndarray,
    depths: Sequence[int] = (1, 2, 3, 4),
    scales: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0),
    *,
    rng: object = 0,
    rel_tol: float = 1e-6,
    t_max: float = 1e4,
) -> CompletionStudy:
    r"""Run :func:`deep_completion` for every depth and initial scale (the same random start direction).

    Parameters
    ----------
    Sigma, mask : ndarray
        As :func:`deep_completion`.
    depths : sequence of int, default (1, 2, 3, 4)
        Depths, each ``>= 1``.
    scales : sequence of float, default (1e-3, 1e-2, 1e-1, 1.0)
        Initial scales :math:`\lVert W(0)\rVert_F`, each ``> 0``.
    rng : int, default 0
        Seed of the start direction (the same for every run).
    rel_tol, t_max : float
        As :func:`deep_completion`.

    Returns
    -------
    CompletionStudy

    Raises
    ------
    TypeError, ValueError
        As :func:`deep_completion`, for an empty ``depths`` or ``scales``, or ``rng`` not a
        non-negative integer.

    Examples
    --------
    >>> p = dl.sensing.completion_problem(8, 1, 0.6, rng=0)
    >>> study = dl.sensing.completion_study(p.Sigma, p.mask, depths=(1, 3), scales=(1e-2,))
    >>> study.unobserved_error.shape, bool(study.unobserved_error[1, 0] < study.unobserved_error[0, 0])
    ((2, 1), True)
    """
    ds = tuple(as_depth(d, f"depths[{i}]") for i, d in enumerate(_as_list(depths, "depths")))
    ss = tuple(as_positive(s, f"scales[{i}]") for i, s in enumerate(_as_list(scales, "scales")))
    seed = as_int(rng, "rng", minimum=0)
    runs = tuple(tuple(deep_completion(Sigma, mask, d, scale=s, rng=seed, rel_tol=rel_tol, t_max=t_max) for s in ss) for d in ds)
    err = np.array([[r.unobserved_error for r in row] for row in runs])
    er = np.array([[r.effective_rank for r in row] for row in runs])
    conv = np.array([[r.status == "converged" for r in row] for row in runs])
    return CompletionStudy(ds, _frozen(ss), _frozen(err), _frozen(er), _frozen(conv, dtype=bool), runs)


def _as_list(values: object, name: str) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise ArgumentTypeError(f"{name} must be a non-empty sequence, got {values!r:.80}")
    out = list(values)
    if not out:
        raise InvalidArgumentError(f"{name} must be a non-empty sequence, got {values!r:.80}")
    return out
