r"""Second-order analysis: the Hessian of the loss with respect to the free weights.

The Hessian is taken with respect to the free weight entries only (the block pattern of
:math:`A`), never over all :math:`n_v^2` entries of the adjacency matrix. Parameters are
ordered as

.. math:: \theta = \big(\mathrm{vec}(W_1), \dots, \mathrm{vec}(W_h)\big),

with **row-major** ``vec`` (``W.ravel()``, NumPy's default): entry ``W_i[a, b]`` sits at offset
``sum(d_j d_{j-1} for j < i) + a * d_{i-1} + b``. :func:`flatten_weights` and
:func:`unflatten_weights` convert.

With :math:`P = W_{1:h}`, :math:`R = \Sigma - P` and the directional derivatives of the
product, :math:`L = \tfrac12\lVert R\rVert_F^2` has the second derivative

.. math::

   \nabla^2 L[V, V'] = \langle DP[V], DP[V'] \rangle - \langle R, D^2P[V, V'] \rangle,

a Gauss–Newton part :math:`J^\top J` and a residual part. Layer blocks, for
:math:`i < j` (row-major Kronecker identity :math:`\mathrm{vec}(XYZ) = (X \otimes Z^\top)\mathrm{vec}(Y)`):

.. math::

   J_j = W_{j+1:h} \otimes W_{1:j-1}^{\top}, \qquad
   (J^\top J)_{ij} = W_{i+1:h}^\top W_{j+1:h} \otimes W_{1:i-1} W_{1:j-1}^\top,

   -\langle R, W_{j+1:h} V_j W_{i+1:j-1} V_i W_{1:i-1}\rangle
   = -\sum A_{ba} M_{cd}\,(V_j)_{bc} (V_i)_{da},\quad
   A = W_{j+1:h}^\top R\, W_{1:i-1}^\top,\ M = W_{i+1:j-1}.

The diagonal blocks have no residual part (the product is linear in each factor).

References: Kawaguchi 2016 (Hessians of deep linear networks); Achour, Malgouyres and
Gerchinovitz 2024 (second-order analysis).
"""

from __future__ import annotations

import html
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from ._validation import as_int, as_matrix, as_positive, as_real_array, as_weights, as_widths, check_sigma, finite_result, widths_of
from .network import _prefix_products as prefix_products, _suffix_products as suffix_products
from .objective import gradient
from .errors import InvalidArgumentError

__all__ = [
    "flatten_weights",
    "unflatten_weights",
    "hessian",
    "finite_difference_hessian",
    "hessian_vector_product",
    "hessian_quadratic_form",
    "hessian_operator",
    "ExtremeEigenvalues",
    "extreme_eigenvalues",
    "Inertia",
    "inertia",
    "sharpness",
]

_EPS = float(np.finfo(float).eps)


def _checked(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Validated weights and target; products that overflow raise, naming the public caller."""
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    with np.errstate(over="ignore", invalid="ignore"):
        pre = prefix_products(W)
        # the Hessian multiplies the residual by products of up to h - 1 layers: square scales
        scale = [float(np.max(np.abs(p))) for p in pre] + [float(np.max(np.abs(S - pre[-1])))]
    finite_result([np.prod(scale[1:]), *scale], sys._getframe(1).f_code.co_name, "weights or Sigma")
    return W, S


def flatten_weights(weights: Sequence[np.ndarray]) -> np.ndarray:
    r"""Stack ``[W_1, ..., W_h]`` into :math:`\theta`: row-major ``vec`` of each layer, in order.

    Entry ``W_i[a, b]`` lands at offset ``sum(d_j d_{j-1} for j < i) + a * d_{i-1} + b``, the
    parameter order of :func:`hessian` and :func:`hessian_vector_product`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    ndarray, shape (n,)
        :math:`\theta`, ``n = sum_i d_i d_{i-1}``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not chain.

    Examples
    --------
    >>> W = [np.arange(6.0).reshape(3, 2), np.ones((2, 3))]
    >>> theta = dl.flatten_weights(W)
    >>> theta.shape, bool(theta[3] == W[0][1, 1])
    ((12,), True)
    """
    W = as_weights(weights)
    return np.concatenate([w.ravel() for w in W])


def unflatten_weights(theta: np.ndarray, widths: Sequence[int]) -> list[np.ndarray]:
    """Inverse of :func:`flatten_weights` for widths ``(d_0, ..., d_h)``.

    Parameters
    ----------
    theta : ndarray, shape (n,)
        The flat parameter vector, ``n = sum_i d_i d_{i-1}``.
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]`` (copies), ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    ValueError
        If ``theta`` is not 1-D of length ``n``, or the widths are not positive integers.
    TypeError
        If ``widths`` is not a sequence of integers.

    Examples
    --------
    >>> W = dl.unflatten_weights(np.arange(12.0), (2, 3, 2))
    >>> [w.shape for w in W]
    [(3, 2), (2, 3)]
    >>> bool(np.array_equal(dl.flatten_weights(W), np.arange(12.0)))
    True
    """
    d = as_widths(widths)
    th = as_real_array(theta, "theta", allow_empty=True)
    n = sum(d[i] * d[i - 1] for i in range(1, len(d)))
    if th.ndim != 1 or th.shape[0] != n:
        raise InvalidArgumentError(f"theta must be a 1-D vector of length {n} for widths {d}, got shape {th.shape}")
    out, off = [], 0
    for i in range(1, len(d)):
        m = d[i] * d[i - 1]
        out.append(th[off:off + m].reshape(d[i], d[i - 1]).copy())
        off += m
    return out


def _middles(W: Sequence[np.ndarray]) -> dict[tuple[int, int], np.ndarray]:
    """``M[(i, j)] = W_{i+1:j-1}`` for ``1 <= i < j <= h`` (1-based layers); identity if ``j = i+1``."""
    h = len(W)
    out = {}
    for i in range(1, h + 1):
        M = np.eye(W[i - 1].shape[0])
        for j in range(i + 1, h + 1):
            out[(i, j)] = M
            M = W[j - 1] @ M
    return out


def _term_scale(W: Sequence[np.ndarray], S: np.ndarray) -> float:
    r"""A bound on the size of the terms that make up the Hessian entries.

    :math:`B = \max_{i \le j}\big(\prod_{k\ne i}\lVert W_k\rVert_F\prod_{k\ne j}\lVert W_k\rVert_F
    + \lVert R\rVert_F\prod_{k\ne i,j}\lVert W_k\rVert_F\big)`: the Gauss–Newton and residual
    blocks are bounded by it, so rounding in assembling :math:`H` is about :math:`\epsilon B`
    even when :math:`\lVert H\rVert` is tiny through cancellation.
    """
    h = len(W)
    norms = [float(np.linalg.norm(w)) for w in W]
    R = float(np.linalg.norm(S - prefix_products(W)[-1]))
    best = 0.0
    for i in range(h):
        ni = math.prod(norms[:i] + norms[i + 1:])
        for j in range(i, h):
            nj = math.prod(norms[:j] + norms[j + 1:])
            nij = math.prod(norms[k] for k in range(h) if k not in (i, j)) if j > i else 0.0
            best = max(best, ni * nj + R * nij)
    return best


def hessian(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> np.ndarray:
    r"""The analytic Hessian of :math:`L` with respect to the free weights.

    Assembled block by block from prefix products :math:`W_{1:i-1}`, suffix products
    :math:`W_{j+1:h}` and middle products :math:`W_{i+1:j-1}` (module docstring): a
    Gauss–Newton part :math:`J^\top J` plus the residual part
    :math:`-\langle\Sigma - W_{1:h}, D^2 W_{1:h}\rangle`. Cost :math:`O(n^2)` for ``n``
    weights plus :math:`O(h^2)` small matrix products; about 1,000 weights take a few ms.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric; ``n = sum_i d_i d_{i-1}``; ordering as in :func:`flatten_weights`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not chain or ``Sigma`` is not of shape ``(d_h, d_0)``.

    References
    ----------
    Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    Claim 12: the origin of a one-hidden-layer network is a strict saddle.

    >>> H = dl.hessian([np.zeros((2, 2)), np.zeros((2, 2))], np.diag([3.0, 2.0]))
    >>> np.round(np.linalg.eigvalsh(H), 12).tolist()
    [-3.0, -3.0, -2.0, -2.0, 2.0, 2.0, 3.0, 3.0]
    """
    W, S = _checked(weights, Sigma)
    h = len(W)
    pre = prefix_products(W)  # pre[i] = W_{1:i}
    suf = suffix_products(W)  # suf[i] = W_{i+1:h}
    R = S - pre[h]
    sizes = [w.size for w in W]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    n = int(offs[-1])
    H = np.empty((n, n))
    mids = _middles(W)
    SR = [suf[j].T @ R for j in range(h + 1)]  # W_{j+1:h}^T R
    for i in range(1, h + 1):
        for j in range(i, h + 1):
            blk = np.kron(suf[i].T @ suf[j], pre[i - 1] @ pre[j - 1].T)
            if j > i:
                A = SR[j] @ pre[i - 1].T  # (d_j, d_{i-1})
                M = mids[(i, j)]  # (d_{j-1}, d_i)
                blk -= np.einsum("ba,cd->dabc", A, M).reshape(sizes[i - 1], sizes[j - 1])
            H[offs[i - 1]:offs[i], offs[j - 1]:offs[j]] = blk
            if j > i:
                H[offs[j - 1]:offs[j], offs[i - 1]:offs[i]] = blk.T
    return H


def finite_difference_hessian(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, step: float = 1e-5) -> np.ndarray:
    r"""Central finite differences of :func:`deeplinear.gradient` (a slow check of :func:`hessian`).

    Column ``k`` is :math:`(\nabla L(\theta + s e_k) - \nabla L(\theta - s e_k)) / 2s`, then the
    result is symmetrised. The error is :math:`O(s^2)` truncation plus :math:`O(\epsilon/s)`
    rounding, about ``1e-9``–``1e-6`` relative for the default step, far above the rounding of
    the analytic Hessian: compare with tolerances to match, and use a larger zero threshold in
    :func:`inertia`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    step : float, default 1e-5
        The step :math:`s`, positive.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric, ordered as in :func:`flatten_weights`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not match or ``step`` is not positive.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    >>> Sigma = np.diag([3.0, 2.0])
    >>> bool(np.allclose(dl.finite_difference_hessian(W, Sigma), dl.hessian(W, Sigma), atol=1e-6))
    True
    """
    W, S = _checked(weights, Sigma)
    step = as_positive(step, "step")
    d = widths_of(W)
    theta = flatten_weights(W)
    n = theta.size
    H = np.empty((n, n))
    for k in range(n):
        tp = theta.copy()
        tp[k] += step
        tm = theta.copy()
        tm[k] -= step
        gp = np.concatenate([g.ravel() for g in gradient(unflatten_weights(tp, d), S)])
        gm = np.concatenate([g.ravel() for g in gradient(unflatten_weights(tm, d), S)])
        H[:, k] = (gp - gm) / (2 * step)
    return 0.5 * (H + H.T)


class _HVP:
    """Precomputed products for matrix-free Hessian-vector products."""

    def __init__(self, W: list[np.ndarray], S: np.ndarray) -> None:
        self.W = W
        self.h = len(W)
        self.pre = prefix_products(W)
        self.suf = suffix_products(W)
        self.R = S - self.pre[-1]
        self.RP = [self.R @ self.pre[j].T for j in range(self.h)]  # R W_{1:j}^T, j = 0..h-1
        self.SR = [self.suf[j].T @ self.R for j in range(self.h + 1)]  # W_{j+1:h}^T R
        self.sizes = [w.size for w in W]
        self.shapes = [w.shape for w in W]
        self.n = sum(self.sizes)
        self.count = 0

    def apply(self, V: list[np.ndarray]) -> list[np.ndarray]:
        W, h, pre, suf = self.W, self.h, self.pre, self.suf
        self.count += 1
        dpre = [None] * (h + 1)  # d(W_{1:i})
        dpre[0] = None
        cur = None
        for i in range(1, h + 1):
            term = V[i - 1] @ pre[i - 1]
            cur = term if cur is None else W[i - 1] @ cur + term
            dpre[i] = cur
        dsuf = [None] * (h + 1)  # d(W_{i+1:h})
        cur = None
        for i in range(h, 0, -1):
            term = suf[i] @ V[i - 1]
            cur = term if cur is None else cur @ W[i - 1] + term
            dsuf[i - 1] = cur
        dP = dpre[h]
        out = []
        for j in range(1, h + 1):  # layer j: grad = -suf[j]^T R pre[j-1]^T
            G = (suf[j].T @ dP) @ pre[j - 1].T
            if dsuf[j] is not None:
                G -= dsuf[j].T @ self.RP[j - 1]
            if dpre[j - 1] is not None:
                G -= self.SR[j] @ dpre[j - 1].T
            out.append(G)
        return out

    def matvec(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float).ravel()
        V, off = [], 0
        for m, shp in zip(self.sizes, self.shapes):
            V.append(x[off:off + m].reshape(shp))
            off += m
        return np.concatenate([g.ravel() for g in self.apply(V)])


def _hvp(W: Sequence[np.ndarray], S: np.ndarray, V: Sequence[np.ndarray]) -> list[np.ndarray]:
    r""":math:`\nabla^2 L\,V` for validated weights, target and direction (one product)."""
    return _HVP(list(W), S).apply(list(V))


def hessian_vector_product(
    weights: Sequence[np.ndarray], Sigma: np.ndarray, V: Sequence[np.ndarray] | np.ndarray
) -> list[np.ndarray] | np.ndarray:
    r"""Matrix-free :math:`\nabla^2 L\,V`: the directional derivative of the gradient.

    .. math::

       (\nabla^2 L\,V)_j = W_{j+1:h}^\top\,DP[V]\,W_{1:j-1}^\top
         - D W_{j+1:h}[V]^\top R\, W_{1:j-1}^\top - W_{j+1:h}^\top R\, D W_{1:j-1}[V]^\top,

    with the derivatives of the prefix and suffix products accumulated by the recursions
    :math:`D W_{1:i} = W_i\,DW_{1:i-1} + V_i W_{1:i-1}` and
    :math:`D W_{i:h} = DW_{i+1:h} W_i + W_{i+1:h} V_i`: :math:`O(h)` matrix products, no
    :math:`n \times n` matrix.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    V : list of ndarray or 1-D ndarray
        A direction, as weights or as a flat vector (:func:`flatten_weights` order).

    Returns
    -------
    list of ndarray or ndarray
        Same form as ``V``.

    Raises
    ------
    ValueError
        If ``V`` has the wrong length or shapes, or ``Sigma`` the wrong shape.
    TypeError
        If ``weights`` (or a list ``V``) is not a list of matrices.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    >>> Sigma, v = np.diag([3.0, 2.0]), rng.standard_normal(12)
    >>> Hv = dl.hessian_vector_product(W, Sigma, v)
    >>> Hv.shape, bool(np.allclose(Hv, dl.hessian(W, Sigma) @ v))
    ((12,), True)
    """
    W, S = _checked(weights, Sigma)
    op = _HVP(W, S)
    if isinstance(V, np.ndarray) and V.ndim == 1:
        if V.shape[0] != op.n:
            raise InvalidArgumentError(f"V has length {V.shape[0]} but the network has {op.n} weights")
        return op.matvec(V)
    Vs = as_weights(V, "V")
    if [v.shape for v in Vs] != [w.shape for w in W]:
        raise InvalidArgumentError(f"V has shapes {[v.shape for v in Vs]} but weights have shapes {[w.shape for w in W]}")
    return op.apply(Vs)


def _quadratic_form_parts(W: Sequence[np.ndarray], S: np.ndarray, V: Sequence[np.ndarray]) -> tuple[float, float]:
    r"""``(||DP[V]||^2, <R, D^2P[V, V]>)`` with :math:`D^2P[V,V] = 2\sum_{i<j} W_{j+1:h} V_j W_{i+1:j-1} V_i W_{1:i-1}`
    (validated inputs)."""
    h = len(W)
    pre, suf = prefix_products(W), suffix_products(W)  # pre[i] = W_{1:i}, suf[i] = W_{i+1:h}
    R = S - pre[h]
    DP = sum(suf[j] @ V[j - 1] @ pre[j - 1] for j in range(1, h + 1))
    D2 = np.zeros_like(R)
    for i in range(1, h + 1):
        M = np.eye(W[i - 1].shape[0])  # W_{i+1:j-1}
        for j in range(i + 1, h + 1):
            D2 += 2.0 * suf[j] @ V[j - 1] @ M @ V[i - 1] @ pre[i - 1]
            M = W[j - 1] @ M
    return float(np.sum(DP * DP)), float(np.sum(R * D2))


def hessian_quadratic_form(weights: Sequence[np.ndarray], Sigma: np.ndarray, V: Sequence[np.ndarray]) -> float:
    r"""The second derivative :math:`\frac{d^2}{d\varepsilon^2} L(W + \varepsilon V)\big|_{\varepsilon=0} = V^\top \nabla^2 L\, V`.

    .. math::

       V^\top \nabla^2 L\,V = \lVert DP[V]\rVert_F^2 - \langle \Sigma - W_{1:h},\ D^2P[V, V]\rangle,
       \qquad DP[V] = \sum_j W_{j+1:h} V_j W_{1:j-1},\quad
       D^2P[V, V] = 2\sum_{i<j} W_{j+1:h} V_j W_{i+1:j-1} V_i W_{1:i-1},

    computed from products of the layers only (no Hessian matrix): the Gauss–Newton part minus
    the residual part (the module docstring's :math:`\nabla^2 L[V, V]`). Equal to
    ``flatten_weights(V) @ hessian(weights, Sigma) @ flatten_weights(V)``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    V : list of ndarray
        A direction, with the shapes of ``weights``.

    Returns
    -------
    float
        :math:`V^\top \nabla^2 L\,V`.

    Raises
    ------
    ValueError
        If the shapes of ``V`` differ from those of ``weights``, or ``Sigma`` has the wrong
        shape.
    TypeError
        If ``weights`` or ``V`` is not a list of matrices.

    Examples
    --------
    At the origin with :math:`\Sigma = 3` the direction :math:`(1, 1)` curves down, :math:`(1, -1)` up:

    >>> zero, Sigma = [np.zeros((1, 1)), np.zeros((1, 1))], np.array([[3.0]])
    >>> dl.hessian_quadratic_form(zero, Sigma, [np.ones((1, 1)), np.ones((1, 1))])
    -6.0
    >>> dl.hessian_quadratic_form(zero, Sigma, [np.ones((1, 1)), -np.ones((1, 1))])
    6.0
    """
    W, S = _checked(weights, Sigma)
    Vs = as_weights(V, "V")
    if [v.shape for v in Vs] != [w.shape for w in W]:
        raise InvalidArgumentError(f"V has shapes {[v.shape for v in Vs]} but weights have shapes {[w.shape for w in W]}")
    with np.errstate(over="ignore", invalid="ignore"):
        gn, res = _quadratic_form_parts(W, S, Vs)
        return finite_result(gn - res, "hessian_quadratic_form", "weights, Sigma or V")


def hessian_operator(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> LinearOperator:
    """The Hessian as a ``scipy.sparse.linalg.LinearOperator`` (symmetric, matrix-free).

    Each product is :func:`hessian_vector_product` on a flat vector (:func:`flatten_weights`
    order), so the operator can be passed to ``scipy.sparse.linalg.eigsh`` or ``cg``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.

    Returns
    -------
    scipy.sparse.linalg.LinearOperator
        Of shape ``(n, n)``, ``n = sum_i d_i d_{i-1}``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not chain or ``Sigma`` is not of shape ``(d_h, d_0)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    >>> op = dl.hessian_operator(W, np.diag([3.0, 2.0]))
    >>> v = rng.standard_normal(12)
    >>> op.shape, bool(np.allclose(op @ v, dl.hessian(W, np.diag([3.0, 2.0])) @ v))
    ((12, 12), True)
    """
    W, S = _checked(weights, Sigma)
    op = _HVP(W, S)
    return LinearOperator((op.n, op.n), matvec=op.matvec, rmatvec=op.matvec, dtype=float)


@dataclass(frozen=True, eq=False)
class ExtremeEigenvalues:
    """Extreme Hessian eigenvalues.

    Attributes
    ----------
    smallest, largest : tuple of float or None
        The ``k`` smallest (ascending) / largest (descending) eigenvalues, ``None`` if not
        requested.
    n_weights : int
        The number ``n`` of weights.
    n_matvec : int
        Hessian-vector products used (0 for the dense path).
    method : str
        ``"lanczos"`` or ``"dense"``.
    lambda_min, lambda_max : float or None
        ``smallest[0]`` and ``largest[0]`` (properties; ``None`` if not requested).

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0])
    >>> ev = dl.extreme_eigenvalues(dl.critical_point((1,), Sigma, (2, 2, 2)).weights, Sigma)
    >>> ev.method, ev.n_weights
    ('dense', 8)
    >>> round(ev.lambda_min, 6), round(ev.lambda_max, 6)
    (-2.0, 6.0)
    """

    smallest: tuple[float, ...] | None
    largest: tuple[float, ...] | None
    n_weights: int
    n_matvec: int
    method: str

    @property
    def lambda_min(self) -> float | None:
        return None if self.smallest is None else self.smallest[0]

    @property
    def lambda_max(self) -> float | None:
        return None if self.largest is None else self.largest[0]

    def __repr__(self) -> str:
        parts = []
        if self.smallest is not None:
            parts.append("smallest=(" + ", ".join(f"{x:.6g}" for x in self.smallest) + ")")
        if self.largest is not None:
            parts.append("largest=(" + ", ".join(f"{x:.6g}" for x in self.largest) + ")")
        return f"ExtremeEigenvalues({', '.join(parts)}; {self.n_weights} weights, {self.method}, {self.n_matvec} matvecs)"


def extreme_eigenvalues(
    weights: Sequence[np.ndarray],
    Sigma: np.ndarray,
    *,
    which: str = "both",
    k: int = 1,
    tol: float = 1e-10,
    dense_below: int = 400,
) -> ExtremeEigenvalues:
    r"""The ``k`` smallest and/or largest Hessian eigenvalues, matrix-free.

    Lanczos (``scipy.sparse.linalg.eigsh``, one run with ``"SA"`` and one with ``"LA"``) on the
    :class:`~scipy.sparse.linalg.LinearOperator` of :func:`hessian_vector_product`, so memory
    is :math:`O(n)` and each iteration costs :math:`O(h)` matrix products: 100,000 weights take
    a few seconds. Below ``dense_below`` weights the dense :func:`hessian` is diagonalised.
    Both ends come from two runs: a single run for both ends (``"BE"``) saves about a quarter
    of the products but fails to converge at minima, whose spectrum has a large zero cluster.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    which : {"both", "smallest", "largest"}
        Which end(s) of the spectrum.
    k : int, default 1
        How many eigenvalues at each end, ``1 <= k <= n``.
    tol : float, default 1e-10
        Relative accuracy requested from ``eigsh``.
    dense_below : int, default 400
        Networks with fewer weights (or fewer than ``2k + 2``) use the dense Hessian.

    Returns
    -------
    ExtremeEigenvalues

    Raises
    ------
    ValueError
        For an unknown ``which``, ``k < 1`` or ``k > n``, a negative ``tol`` or
        ``dense_below``, or mismatched shapes.
    TypeError
        If ``weights`` is not a list of matrices or ``k`` not an integer.

    Examples
    --------
    Lanczos (forced with ``dense_below=0``) at the saddle :math:`S = \{1\}`:

    >>> Sigma = np.diag([3.0, 2.0])
    >>> cp = dl.critical_point((1,), Sigma, (2, 2, 2))
    >>> ev = dl.extreme_eigenvalues(cp.weights, Sigma, dense_below=0)
    >>> ev.method, round(ev.lambda_min, 6), round(ev.lambda_max, 6)
    ('lanczos', -2.0, 6.0)
    """
    W, S = _checked(weights, Sigma)
    if which not in ("both", "smallest", "largest"):
        raise InvalidArgumentError(f"which must be 'both', 'smallest' or 'largest', got {which!r}")
    k = as_int(k, "k", minimum=1)
    tol = as_positive(tol, "tol", allow_zero=True)
    n = sum(w.size for w in W)
    if k > n:
        raise InvalidArgumentError(f"k = {k} exceeds the number of weights n = {n}")
    if n < max(as_int(dense_below, "dense_below", minimum=0), 2 * k + 2):
        with np.errstate(over="ignore", invalid="ignore"):
            H = finite_result(hessian(W, S), "extreme_eigenvalues", "weights or Sigma")  # eigvalsh fails on inf
        ev = np.linalg.eigvalsh(H)
        small = tuple(float(x) for x in ev[:k]) if which != "largest" else None
        large = tuple(float(x) for x in ev[::-1][:k]) if which != "smallest" else None
        return ExtremeEigenvalues(small, large, n, 0, "dense")
    op = _HVP(W, S)
    lin = LinearOperator((n, n), matvec=op.matvec, dtype=float)
    rng = np.random.default_rng(0)
    v0 = rng.standard_normal(n)
    small = large = None
    if which in ("both", "largest"):
        ev = eigsh(lin, k=k, which="LA", tol=tol, v0=v0, return_eigenvectors=False)
        large = tuple(float(x) for x in np.sort(ev)[::-1])
    if which in ("both", "smallest"):
        ev = eigsh(lin, k=k, which="SA", tol=tol, v0=v0, return_eigenvectors=False)
        small = tuple(float(x) for x in np.sort(ev))
    return ExtremeEigenvalues(small, large, n, op.count, "lanczos")


@dataclass(frozen=True, eq=False)
class Inertia:
    """Counts of negative, zero and positive eigenvalues of a symmetric matrix.

    Attributes
    ----------
    negative, zero, positive : int
        Numbers of negative, zero and positive eigenvalues.
    threshold : float
        Eigenvalues with ``|lambda| <= threshold`` count as zero.
    eigenvalues : ndarray
        All eigenvalues, ascending.
    lambda_min, lambda_max : float
        The smallest and largest eigenvalue (properties; 0.0 for an empty matrix).

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0])
    >>> inn = dl.inertia(dl.hessian(dl.critical_point((1,), Sigma, (2, 2, 2)).weights, Sigma))
    >>> inn.negative, inn.zero, inn.positive
    (1, 3, 4)
    >>> tuple(inn)
    (1, 3, 4)
    """

    negative: int
    zero: int
    positive: int
    threshold: float
    eigenvalues: np.ndarray

    @property
    def lambda_min(self) -> float:
        return float(self.eigenvalues[0]) if self.eigenvalues.size else 0.0

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues[-1]) if self.eigenvalues.size else 0.0

    def __iter__(self):
        return iter((self.negative, self.zero, self.positive))

    def __repr__(self) -> str:
        return (
            f"Inertia(negative={self.negative}, zero={self.zero}, positive={self.positive}; "
            f"|lambda| <= {self.threshold:.2e} counts as zero)"
        )

    def _repr_html_(self) -> str:
        return f"<code>{html.escape(repr(self))}</code>"


def inertia(H: np.ndarray, *, tol: float | None = None) -> Inertia:
    r"""The inertia (negative, zero, positive counts) of a symmetric matrix.

    Zero threshold (default): :math:`\tau = n\,\epsilon\,\lVert H\rVert_2` with
    :math:`\epsilon` the machine epsilon and :math:`\lVert H\rVert_2 = \max|\lambda|`. Why: a
    backward-stable symmetric eigensolver returns the exact eigenvalues of :math:`H + E` with
    :math:`\lVert E\rVert_2 \lesssim p(n)\,\epsilon\lVert H\rVert_2`, so by Weyl's inequality
    each computed eigenvalue is within that of the true one; ``p(n) = n`` is a safe practical
    choice. An eigenvalue below :math:`\tau` in modulus cannot be told from zero. The rule is
    relative, so it works for a Hessian that is exactly zero (the origin of a deep network:
    all eigenvalues are exactly 0 and count as zero).

    The analytic :func:`hessian` is itself accurate to about that level. A
    :func:`finite_difference_hessian` is not (error ~``1e-8``–``1e-6`` relative): pass an
    explicit ``tol`` such as ``1e-5 * max|lambda|`` for it. Points that are only approximately
    critical (ends of a flow) perturb the zero eigenvalues by about their distance to the
    critical set, which also needs a larger ``tol``.

    Parameters
    ----------
    H : ndarray, shape (n, n)
        Symmetric (checked to ``1e-10`` relative).
    tol : float, optional
        Absolute zero threshold; default :math:`n\,\epsilon\,\lVert H\rVert_2`.

    Returns
    -------
    Inertia

    Raises
    ------
    ValueError
        If ``H`` is not square, not symmetric, not finite, or ``tol`` is negative.
    TypeError
        If ``H`` is not a real matrix.

    Examples
    --------
    >>> dl.inertia(np.diag([-1.0, 0.0, 2.0, 3.0]))
    Inertia(negative=1, zero=1, positive=2; |lambda| <= 2.66e-15 counts as zero)
    >>> dl.inertia(np.diag([-1.0, 1e-6]), tol=1e-5).zero
    1
    """
    H = as_matrix(H, "H")
    n = H.shape[0]
    if H.shape != (n, n):
        raise InvalidArgumentError(f"H must be square, got shape {H.shape}")
    asym = float(np.max(np.abs(H - H.T), initial=0.0))
    big = float(np.max(np.abs(H), initial=0.0))
    if asym > 1e-10 * max(big, 1e-300):
        raise InvalidArgumentError(f"H must be symmetric; largest |H - H^T| entry is {asym:.3g} (max |H| = {big:.3g})")
    ev = np.linalg.eigvalsh(0.5 * (H + H.T))
    norm = float(np.max(np.abs(ev), initial=0.0))
    thr = n * _EPS * norm if tol is None else as_positive(tol, "tol", allow_zero=True)
    neg = int(np.sum(ev < -thr))
    pos = int(np.sum(ev > thr))
    ev.setflags(write=False)
    return Inertia(neg, n - neg - pos, pos, thr, ev)


def sharpness(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""The largest Hessian eigenvalue :math:`\lambda_{\max}(\nabla^2 L)`.

    At the balanced global minimum (``d_min >= r``) it equals :math:`h\,\sigma_1^{2-2/h}`,
    the smallest value over the fibre of minima (attained at the 0-balanced minima, among others; for the
    scalar ``h = 2`` minimum :math:`(c\sqrt\sigma, \sqrt\sigma/c)` it is
    :math:`\sigma(c^2 + c^{-2})`). Gradient descent with step :math:`\eta` can only converge to
    a minimum with :math:`\eta < 2/\lambda_{\max}`. Dense below 400 weights, Lanczos above.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.

    Returns
    -------
    float
        :math:`\lambda_{\max}`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not chain or ``Sigma`` is not of shape ``(d_h, d_0)``.

    Examples
    --------
    At the balanced minimum, :math:`h\,\sigma_1^{2-2/h} = 2 \cdot 3 = 6` for ``h = 2``:

    >>> Sigma = np.diag([3.0, 2.0])
    >>> round(dl.sharpness(dl.critical_point((1, 2), Sigma, (2, 2, 2)).weights, Sigma), 6)
    6.0
    """
    return float(extreme_eigenvalues(weights, Sigma, which="largest").lambda_max)  # type: ignore[arg-type]
