r"""The quadratic loss and its gradient, layer-wise and in adjacency form.

.. math::

   L(W_1, \dots, W_h) = \tfrac12 \lVert \Sigma - W_{1:h} \rVert_F^2, \qquad
   \nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top .

In adjacency form (Wendin and Altafini, arXiv:2511.10362, Section 3)

.. math::

   L(A) = \tfrac12 \lVert E - A^h \rVert_F^2, \qquad
   -\nabla_A L = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top ,

where the ``j``-th term lies in block ``(j, j-1)``, so the gradient never leaves the block
pattern. The two implementations are independent; the tests check that they agree.

:func:`taylor_test` checks any gradient by the order of the first-order Taylor remainder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InvalidArgumentError
from ._validation import finite_result, as_depth, as_matrix, as_rng, as_weights, check_sigma, widths_of
from .network import _prefix_products as prefix_products

__all__ = ["residual", "loss", "gradient", "loss_and_gradient", "loss_adjacency", "gradient_adjacency", "TaylorTest", "taylor_test"]


def _checked(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    fast = _already_valid(weights, Sigma)
    if fast is not None:
        return fast
    W = as_weights(weights)
    return W, check_sigma(Sigma, widths_of(W))


def _already_valid(weights: object, Sigma: object) -> tuple[list[np.ndarray], np.ndarray] | None:
    """The common case checked cheaply: a list of non-empty float64 matrices that chain, a float64
    ``Sigma`` of the right shape, all finite (one ``vdot`` per matrix: ``w . w`` is finite exactly
    when every entry is, unless the squares overflow, which falls back to the full check). None
    for anything else, which the full validation then accepts or rejects with its message."""
    if type(weights) not in (list, tuple) or not weights or type(Sigma) is not np.ndarray:
        return None
    rows = None
    for w in weights:
        if type(w) is not np.ndarray or w.dtype != np.float64 or w.ndim != 2 or 0 in w.shape:
            return None
        if rows is not None and w.shape[1] != rows:
            return None
        rows = w.shape[0]
    if Sigma.dtype != np.float64 or Sigma.shape != (rows, weights[0].shape[1]):
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(sum(map(np.vdot, weights, weights)) + np.vdot(Sigma, Sigma)):
            return None
    return list(weights), Sigma


def residual(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> np.ndarray:
    r"""The residual :math:`\Sigma - W_{1:h}`, shape ``(d_h, d_0)``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    ndarray, shape (d_h, d_0)
        :math:`\Sigma - W_h \cdots W_1`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` is not a real matrix.
    ValueError
        If ``weights`` is empty, an entry is not finite, consecutive shapes do not chain, or
        ``Sigma`` does not have shape ``(d_h, d_0)``.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.residual(weights, np.array([[4.0, 5.0]]))
    array([[ 1., -1.]])
    """
    W, S = _checked(weights, Sigma)
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(S - prefix_products(W)[-1], "residual", "weights or Sigma")


def loss(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""The loss :math:`L = \tfrac12 \lVert \Sigma - W_h \cdots W_1 \rVert_F^2`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target (after the data reduction, rectangular-diagonal).

    Returns
    -------
    float
        The loss, :math:`\ge 0`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` is not a real matrix.
    ValueError
        If ``weights`` is empty, an entry is not finite, consecutive shapes do not chain, or
        ``Sigma`` does not have shape ``(d_h, d_0)``.

    See Also
    --------
    loss_adjacency : the same value in adjacency form.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.loss(weights, np.array([[4.0, 5.0]]))
    1.0
    """
    R = residual(weights, Sigma)
    with np.errstate(over="ignore"):
        return finite_result(0.5 * float(np.sum(R * R)), "loss", "weights or Sigma")


def gradient(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> list[np.ndarray]:
    r"""The layer-wise gradient :math:`[\nabla_{W_1} L, \dots, \nabla_{W_h} L]`.

    .. math:: \nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    Computed by back-propagation, ``3h - 3`` matrix products (the prefixes
    :math:`W_{1:j-1}` forward, the factors :math:`W_{j+1:h}^\top (\Sigma - W_{1:h})` backward). The gradient flow is
    :math:`\dot W_j = -\nabla_{W_j} L`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    list of ndarray
        Same shapes as ``weights``: entry ``j - 1`` is :math:`\nabla_{W_j} L`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` is not a real matrix.
    ValueError
        If ``weights`` is empty, an entry is not finite, consecutive shapes do not chain, or
        ``Sigma`` does not have shape ``(d_h, d_0)``.

    See Also
    --------
    gradient_adjacency : the same gradient from the adjacency form.
    taylor_test : check a gradient numerically.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.gradient(weights, np.array([[4.0, 5.0]]))
    [array([[-3.,  3.]]), array([[1.]])]
    """
    W, S = _checked(weights, Sigma)
    return finite_result(_gradient_unchecked(W, S), "gradient", "weights or Sigma")


def loss_and_gradient(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> tuple[float, list[np.ndarray]]:
    r"""The loss and its layer-wise gradient together: one forward pass, one backward pass.

    .. math:: L = \tfrac12 \lVert \Sigma - W_{1:h} \rVert_F^2, \qquad
              \nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    The forward pass forms the prefixes :math:`W_{1:j}` (``h - 1`` products) and the residual;
    the loss is read off the residual and the backward pass carries it through the layers
    (``2h - 2`` products), so the pair costs what :func:`gradient` alone costs, and the inputs
    are validated once. Calling :func:`loss` and :func:`gradient` separately validates twice and
    forms the end-to-end map twice.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    loss : float
        :math:`L \ge 0`, equal to :func:`loss`.
    gradient : list of ndarray
        Same shapes as ``weights``; equal to :func:`gradient`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` is not a real matrix.
    ValueError
        If ``weights`` is empty, an entry is not finite, consecutive shapes do not chain, or
        ``Sigma`` does not have shape ``(d_h, d_0)``.

    See Also
    --------
    loss, gradient : each alone.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> value, grads = dl.loss_and_gradient(weights, np.array([[4.0, 5.0]]))
    >>> value, grads
    (1.0, [array([[-3.,  3.]]), array([[1.]])])
    """
    W, S = _checked(weights, Sigma)
    with np.errstate(over="ignore"):
        value, grads = _loss_and_gradient_unchecked(W, S)
    return finite_result(value, "loss_and_gradient", "weights or Sigma"), finite_result(grads, "loss_and_gradient", "weights or Sigma")


def _loss_and_gradient_unchecked(W: Sequence[np.ndarray], S: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """:func:`loss_and_gradient` for validated inputs (``ndarray.dot``: less call overhead than ``@``)."""
    pre = [W[0]]
    for M in W[1:]:
        pre.append(M.dot(pre[-1]))
    B = pre.pop() - S
    value = 0.5 * float(np.vdot(B, B))
    grads = [B] * len(W)
    for j in range(len(W) - 1, 0, -1):
        grads[j] = B.dot(pre[j - 1].T)
        B = W[j].T.dot(B)
    grads[0] = B
    return value, grads


def _gradient_unchecked(W: Sequence[np.ndarray], S: np.ndarray) -> list[np.ndarray]:
    """Fast path for validated inputs, by back-propagation: ``h - 1`` forward products for the
    prefixes :math:`W_{1:j}`, then the residual carried back through the layers (``2h - 2``
    products). Prefix-and-suffix products would need about ``4h``."""
    pre = [W[0]]
    for M in W[1:]:
        pre.append(M @ pre[-1])
    B = pre.pop() - S  # gradient with respect to the end-to-end map, then W_{j+1:h}^T times it
    grads = [B] * len(W)
    for j in range(len(W) - 1, 0, -1):
        grads[j] = B @ pre[j - 1].T
        B = W[j].T @ B
    grads[0] = B
    return grads


def _depth_and_check(A: np.ndarray, E: np.ndarray, h: int, name: str = "A") -> tuple[np.ndarray, np.ndarray, int]:
    """Validate an adjacency matrix ``A`` (called ``name`` in messages), its target and depth."""
    A = as_matrix(A, name)
    E = as_matrix(E, "E")
    h = as_depth(h)
    if A.shape[0] != A.shape[1]:
        raise InvalidArgumentError(f"{name} must be square, got shape {A.shape}")
    if E.shape != A.shape:
        raise InvalidArgumentError(f"E must have the shape of {name}, {A.shape}, got {E.shape}")
    return A, E, h


def loss_adjacency(A: np.ndarray, E: np.ndarray, h: int) -> float:
    r"""The loss in adjacency form, :math:`L(A) = \tfrac12 \lVert E - A^h \rVert_F^2`.

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        Adjacency matrix ``blk_1(W_1, ..., W_h)``.
    E : ndarray, shape (n_v, n_v)
        Target ``blk_h(Sigma)``.
    h : int
        Depth.

    Returns
    -------
    float
        The loss; at ``A = blk_1(W_1, ..., W_h)`` and ``E = blk_h(Sigma)`` it equals
        :func:`loss` of ``weights`` and ``Sigma``.

    Raises
    ------
    TypeError
        If ``A`` or ``E`` is not a real matrix, or ``h`` is not an integer.
    ValueError
        If ``A`` is not square (or not 2-D, or not finite), ``E`` does not have the shape of
        ``A``, or ``h < 1``.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> A = dl.adjacency(weights)
    >>> E = dl.target(np.array([[4.0, 5.0]]), [2, 1, 1])
    >>> dl.loss_adjacency(A, E, 2)
    1.0
    """
    A, E, h = _depth_and_check(A, E, h)
    R = E - np.linalg.matrix_power(A, h)
    with np.errstate(over="ignore"):
        return finite_result(0.5 * float(np.sum(R * R)), "loss_adjacency", "A or E")


def gradient_adjacency(A: np.ndarray, E: np.ndarray, h: int) -> np.ndarray:
    r"""The Euclidean gradient of :math:`L(A) = \tfrac12\lVert E - A^h\rVert_F^2` over all of
    :math:`\mathbb{R}^{n_v \times n_v}`:

    .. math:: \nabla_A L = -\sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top .

    At a block-shift ``A`` it lies in the first block sub-diagonal (block ``(j, j-1)``
    holds :math:`\nabla_{W_j} L`). This is the survey's formula, computed with dense
    powers of ``A``; it is the slow reference against which :func:`gradient` is checked.

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        Adjacency matrix ``blk_1(W_1, ..., W_h)``.
    E : ndarray, shape (n_v, n_v)
        Target ``blk_h(Sigma)``.
    h : int
        Depth.

    Returns
    -------
    ndarray, shape (n_v, n_v)
        :math:`\nabla_A L`.

    Raises
    ------
    TypeError
        If ``A`` or ``E`` is not a real matrix, or ``h`` is not an integer.
    ValueError
        If ``A`` is not square (or not 2-D, or not finite), ``E`` does not have the shape of
        ``A``, or ``h < 1``.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> A = dl.adjacency(weights)
    >>> E = dl.target(np.array([[4.0, 5.0]]), [2, 1, 1])
    >>> G = dl.gradient_adjacency(A, E, 2)
    >>> dl.weights_from_adjacency(G, [2, 1, 1])
    [array([[-3.,  3.]]), array([[1.]])]
    """
    A, E, h = _depth_and_check(A, E, h)
    n = A.shape[0]
    powers = [np.eye(n)]
    for _ in range(h):
        powers.append(powers[-1] @ A)
    R = E - powers[h]
    G = np.zeros_like(A)
    for j in range(1, h + 1):
        G -= powers[h - j].T @ R @ powers[j - 1].T
    return finite_result(G, "gradient_adjacency", "A or E")


@dataclass(frozen=True)
class TaylorTest:
    r"""Result of :func:`taylor_test`.

    Attributes
    ----------
    epsilons : ndarray
        Step sizes, decreasing.
    remainders : ndarray
        :math:`r(\varepsilon) = |L(W + \varepsilon V) - L(W) - \varepsilon \langle G, V\rangle|`.
    order : float
        Observed order: the least-squares slope of :math:`\log r` against
        :math:`\log\varepsilon` over the ``fit`` largest steps, where rounding does not yet
        dominate. About 2 for a right gradient, about 1 for a wrong one.
    directional_derivative : float
        :math:`\langle G, V\rangle`, the claimed derivative along ``V``.
    central_difference : float
        :math:`(L(W + \delta V) - L(W - \delta V)) / (2\delta)` with :math:`\delta = 10^{-5}`,
        an independent estimate of the derivative along ``V`` (error :math:`O(\delta^2)`).
    passed : bool
        True when the remainder is second order (``order >= 1.8``); a property.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> result = dl.taylor_test(weights, np.array([[4.0, 5.0]]))
    >>> isinstance(result, dl.objective.TaylorTest)
    True
    >>> round(result.order, 1), result.passed
    (2.0, True)
    """

    epsilons: np.ndarray
    remainders: np.ndarray
    order: float
    directional_derivative: float
    central_difference: float

    @property
    def passed(self) -> bool:
        """True when the remainder is second order (observed order at least 1.8)."""
        return bool(self.order >= 1.8)


def _as_gradient(G: object, W: list[np.ndarray], name: str = "gradient") -> list[np.ndarray]:
    if isinstance(G, np.ndarray) or not isinstance(G, Sequence) or len(G) != len(W):
        raise InvalidArgumentError(f"{name} must be a list of {len(W)} arrays, one per layer, got {type(G).__name__}")
    out = []
    for j, (g, w) in enumerate(zip(G, W), start=1):
        g = np.asarray(g, dtype=float)
        if g.shape != w.shape:
            raise InvalidArgumentError(f"{name}[{j - 1}] (for W_{j}) must have shape {w.shape}, got {g.shape}")
        out.append(g)
    return out


def taylor_test(
    weights: Sequence[np.ndarray],
    Sigma: np.ndarray,
    gradient_fn: Callable[[list[np.ndarray], np.ndarray], Sequence[np.ndarray]] | Sequence[np.ndarray] | None = None,
    *,
    direction: Sequence[np.ndarray] | None = None,
    rng: np.random.Generator | int = 0,
    epsilons: Sequence[float] | np.ndarray | None = None,
    fit: int = 5,
) -> TaylorTest:
    r"""Taylor (directional-derivative) test of a gradient of :math:`L = \tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2`.

    For a smooth :math:`L`,
    :math:`L(W + \varepsilon V) = L(W) + \varepsilon \langle \nabla L(W), V\rangle + O(\varepsilon^2)`,
    so the remainder :math:`r(\varepsilon) = |L(W + \varepsilon V) - L(W) - \varepsilon\langle G, V\rangle|`
    falls by a factor 100 per decade of :math:`\varepsilon` when :math:`G = \nabla L(W)` and only
    by a factor 10 when :math:`G` is wrong (unless the error happens to be orthogonal to ``V``,
    which a random ``V`` makes unlikely). For very small :math:`\varepsilon` rounding in the
    values of :math:`L` (about :math:`10^{-16} L`) dominates, so the order is fitted on the
    ``fit`` largest steps only.

    Parameters
    ----------
    weights : list of ndarray
        The point ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    gradient_fn : callable, list of ndarray, or None
        ``gradient_fn(weights, Sigma)`` returning ``[G_1, ..., G_h]``, or the list itself;
        ``None`` tests the library's :func:`deeplinear.objective.gradient`.
    direction : list of ndarray, optional
        ``V``; by default a standard normal direction from ``rng``, normalised to unit norm.
    rng : numpy.random.Generator or int, default 0
        Source of the random direction when ``direction`` is None.
    epsilons : array_like, optional
        Decreasing positive steps; default ``10**linspace(-1, -7, 13)``.
    fit : int, default 5
        Number of largest steps used to fit the order (at least 2).

    Returns
    -------
    TaylorTest
        The steps, the remainders, the fitted order and the two derivative estimates;
        ``result.passed`` says whether the order is at least 1.8.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices, ``Sigma`` is not a real matrix, or ``rng``
        (used when ``direction`` is None) is not a Generator or non-negative integer seed.
    ValueError
        If ``weights`` or ``Sigma`` is invalid; the gradient (returned by ``gradient_fn`` or
        given as a list) or ``direction`` is not a list of ``h`` arrays of the shapes of
        ``weights``; ``epsilons`` is not a strictly decreasing 1-D array of at least 2
        positive numbers; or ``fit`` is not an integer between 2 and ``len(epsilons)``.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> Sigma = np.array([[4.0, 5.0]])
    >>> dl.taylor_test(weights, Sigma, dl.gradient).passed
    True
    >>> dl.taylor_test(weights, Sigma, lambda W, S: [2 * G for G in dl.gradient(W, S)]).passed
    False
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    if gradient_fn is None:
        G = gradient(W, S)
    elif callable(gradient_fn):
        G = _as_gradient(gradient_fn([w.copy() for w in W], S.copy()), W, "gradient_fn(weights, Sigma)")
    else:
        G = _as_gradient(gradient_fn, W)
    if direction is None:
        gen = as_rng(rng)
        V = [gen.standard_normal(w.shape) for w in W]
        norm = np.sqrt(sum(float(np.sum(v * v)) for v in V))
        V = [v / norm for v in V]
    else:
        V = _as_gradient(direction, W, "direction")
    eps = np.asarray(10.0 ** np.linspace(-1, -7, 13) if epsilons is None else epsilons, dtype=float)
    if eps.ndim != 1 or eps.size < 2 or not np.all(np.isfinite(eps)) or np.any(eps <= 0) or np.any(np.diff(eps) >= 0):
        raise InvalidArgumentError(f"epsilons must be a decreasing 1-D array of at least 2 positive numbers, got {epsilons!r:.80}")
    if isinstance(fit, bool) or not isinstance(fit, (int, np.integer)) or not 2 <= int(fit) <= eps.size:
        raise InvalidArgumentError(f"fit must be an integer between 2 and len(epsilons) = {eps.size}, got {fit!r}")
    L0 = loss(W, S)
    slope = sum(float(np.sum(g * v)) for g, v in zip(G, V))
    rem = np.array([abs(loss([w + e * v for w, v in zip(W, V)], S) - L0 - e * slope) for e in eps])
    k = int(fit)
    with np.errstate(divide="ignore"):
        logr = np.log10(np.maximum(rem[:k], np.finfo(float).tiny))
    order = float(np.polyfit(np.log10(eps[:k]), logr, 1)[0])
    delta = 1e-5
    central = (loss([w + delta * v for w, v in zip(W, V)], S) - loss([w - delta * v for w, v in zip(W, V)], S)) / (2 * delta)
    rem.setflags(write=False)
    eps = eps.copy()
    eps.setflags(write=False)
    return TaylorTest(eps, rem, order, slope, float(central))
