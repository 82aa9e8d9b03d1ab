r"""Initialisations used in the survey, each seeded by an explicit ``rng``.

* :func:`random_init` -- i.i.d. Gaussian weights (generic initialisation; Bah, Rauhut,
  Terstiege and Westdickenberg 2022: almost every such start converges to a global minimum of
  the loss restricted to some rank).
* :func:`aligned_init` -- spectral (aligned, decoupled) initialisation
  :math:`W_i = R_i D_i R_{i-1}^\top` with rectangular-diagonal :math:`D_i`
  (Saxe, McClelland and Ganguli 2014), which decouples the flow into scalar mode chains.
* :func:`balanced_init` -- 0-balanced factors (:math:`C_i = 0`) of a prescribed end-to-end map
  (Arora, Cohen and Hazan 2018; Bah et al. 2022).
* :func:`delta_balanced_init` -- factors of a prescribed product with imbalance
  :math:`\max_i \lVert C_i\rVert_F = \delta` exactly (Arora, Cohen, Golowich and Hu 2019).
* :func:`deficiency_margin` -- the margin :math:`c = \sigma_{\min}(\Sigma) - \lVert W - \Sigma\rVert_F`
  of Arora, Cohen, Golowich and Hu (2019).

No function here touches numpy's global random state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from ._validation import (
    as_matrix,
    as_positive,
    as_real_array,
    as_rng,
    as_weights,
    as_widths,
    check_sigma,
    finite_result,
)
from .invariants import _conserved_unchecked, random_orthogonal
from .network import end_to_end
from .errors import InvalidArgumentError

__all__ = [
    "random_init",
    "aligned_init",
    "balanced_init",
    "delta_balanced_init",
    "deficiency_margin",
]


def random_init(
    widths: Sequence[int],
    rng: np.random.Generator,
    scale: float = 1.0,
    *,
    fan_in: bool = False,
) -> list[np.ndarray]:
    r"""I.i.d. Gaussian weights.

    .. math:: (W_i)_{jk} \sim \mathcal N(0, s_i^2), \qquad s_i = \mathrm{scale}
              \quad \text{or} \quad s_i = \mathrm{scale}/\sqrt{d_{i-1}},

    the second with ``fan_in=True``.

    The generic initialisation: almost every such start converges to a global minimum of the
    loss restricted to some rank (Bah, Rauhut, Terstiege and Westdickenberg 2022).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    rng : numpy.random.Generator
        Explicit source of randomness.
    scale : float, default 1.0
        Standard deviation of every entry (``0`` gives the zero network).
    fan_in : bool, default False
        If True the standard deviation of the entries of :math:`W_i` is
        ``scale / sqrt(d_{i-1})`` (variance-preserving "LeCun" scaling).

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers, ``rng`` is neither a Generator nor a
        non-negative integer seed, or ``scale`` is not a real number.
    ValueError
        If a width is not positive, there are fewer than two widths, or ``scale`` is negative or
        not finite.

    References
    ----------
    Bah, Rauhut, Terstiege and Westdickenberg (2022), "Learning deep linear neural networks:
    Riemannian gradient flows and convergence to global minimizers", Information and Inference
    11(1).

    Examples
    --------
    >>> weights = dl.random_init((3, 4, 2), np.random.default_rng(0), 0.1)
    >>> [W.shape for W in weights]
    [(4, 3), (2, 4)]
    """
    d = as_widths(widths)
    rng = as_rng(rng)
    scale = as_positive(scale, "scale", allow_zero=True)
    return [
        (scale / (np.sqrt(d[i - 1]) if fan_in else 1.0)) * rng.standard_normal((d[i], d[i - 1]))
        for i in range(1, len(d))
    ]


def _rotations(rotations: object, d: tuple[int, ...]) -> list[np.ndarray]:
    """``[R_0, ..., R_h]`` with ``R_0 = I``, ``R_h = I`` from None, a Generator, or a list of h - 1 matrices."""
    h = len(d) - 1
    if rotations is None:
        hidden = [np.eye(di) for di in d[1:-1]]
    elif isinstance(rotations, (np.random.Generator, int, np.integer)) and not isinstance(rotations, bool):
        rng = as_rng(rotations, "rotations")
        hidden = [random_orthogonal(di, rng) for di in d[1:-1]]
    else:
        if not isinstance(rotations, Sequence) or len(rotations) != h - 1:
            raise InvalidArgumentError(
                "rotations must be None, a numpy Generator, or a list of h - 1 = "
                f"{h - 1} orthogonal matrices R_1..R_(h-1), got {rotations!r:.80}"
            )
        hidden = []
        for i, R in enumerate(rotations, start=1):
            R = as_matrix(R, f"rotations[{i - 1}] (R_{i})")
            if R.shape != (d[i], d[i]):
                raise InvalidArgumentError(f"rotations[{i - 1}] (R_{i}) must have shape {(d[i], d[i])}, got {R.shape}")
            err = float(np.max(np.abs(R.T @ R - np.eye(d[i]))))
            if err > 1e-10:
                raise InvalidArgumentError(f"rotations[{i - 1}] (R_{i}) is not orthogonal: max |R^T R - I| = {err:.3g}")
            hidden.append(R)
    return [np.eye(d[0])] + hidden + [np.eye(d[-1])]


def aligned_init(
    widths: Sequence[int],
    values: float | Sequence[float] | np.ndarray,
    *,
    rotations: None | np.random.Generator | Sequence[np.ndarray] = None,
) -> list[np.ndarray]:
    r"""Aligned (spectral) initialisation :math:`W_i = R_i D_i R_{i-1}^\top`.

    :math:`D_i` is ``d_i x d_{i-1}`` rectangular diagonal with :math:`(D_i)_{kk} = w_{i,k}`
    for the modes ``k < m`` and zero elsewhere; :math:`R_0 = I`, :math:`R_h = I` (reduced
    coordinates). The gradient flow keeps this form, the :math:`R_i` stay fixed and each mode
    follows its own scalar chain (Saxe, McClelland and Ganguli 2014)

    .. math:: \dot w_{i,k} = \Big(\prod_{j \ne i} w_{j,k}\Big)\Big(\sigma_k - \prod_j w_{j,k}\Big).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    values : float, array_like of shape (m,) or (h, m)
        A scalar gives every layer of every one of the ``m = d_min`` modes the same value
        :math:`a_0` (a balanced start with mode products :math:`u_0 = a_0^h`); a vector gives
        per-mode values shared by all layers (balanced); an ``(h, m)`` array gives
        :math:`w_{i,k}` layer by layer. ``m <= d_min = min(widths)``, the number of modes
        that pass through every layer.
    rotations : None, numpy.random.Generator or list of ndarray, optional
        ``None``: all :math:`R_i = I` (diagonal weights). A Generator: Haar random orthogonal
        hidden :math:`R_1, \dots, R_{h-1}`. A list: the ``h - 1`` orthogonal :math:`R_i`.

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers, or an entry of ``rotations`` is not a real
        matrix.
    ValueError
        If ``values`` has another shape than those above, is not finite, or gives more than
        ``d_min`` modes; if ``rotations`` is a list of the wrong length, or holds a matrix of the
        wrong shape or one that is not orthogonal (to ``1e-10``); or if the widths are invalid.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR.

    Examples
    --------
    >>> weights = dl.aligned_init((2, 3, 2), [1.0, 0.5])
    >>> weights[0]
    array([[1. , 0. ],
           [0. , 0.5],
           [0. , 0. ]])
    >>> dl.end_to_end(weights)  # the mode products 1 and 0.5**2
    array([[1.  , 0.  ],
           [0.  , 0.25]])
    """
    d = as_widths(widths)
    h = len(d) - 1
    dmin = min(d)
    v = as_real_array(values, "values")
    if v.ndim == 0:
        v = np.full((h, dmin), float(v))
    elif v.ndim == 1:
        v = np.tile(v, (h, 1))
    elif v.ndim != 2 or v.shape[0] != h:
        raise InvalidArgumentError(f"values must be a scalar, a vector (m,) or an array (h, m) = ({h}, m), got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise InvalidArgumentError(f"values must be finite, got {values!r:.80}")
    m = v.shape[1]
    if m > dmin:
        raise InvalidArgumentError(
            f"values give {m} modes but only d_min = min(widths) = {dmin} modes pass through widths {d}"
        )
    R = _rotations(rotations, d)
    out = []
    for i in range(1, h + 1):
        D = np.zeros((d[i], d[i - 1]))
        D[np.arange(m), np.arange(m)] = v[i - 1]
        out.append(R[i] @ D @ R[i - 1].T)
    return out


def _orthonormal_columns(n: int, k: int, rng: np.random.Generator | None) -> np.ndarray:
    if rng is None:
        return np.eye(n)[:, :k]
    return random_orthogonal(n, rng)[:, :k]


def balanced_init(
    widths: Sequence[int],
    *,
    product: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    scale: float = 1.0,
    rank_tol: float = 1e-12,
) -> list[np.ndarray]:
    r"""0-balanced factors (:math:`C_i = 0` for all ``i``) of a prescribed end-to-end map.

    With the compact SVD :math:`W_0 = U S V^\top` of rank ``r`` and matrices :math:`Q_i`
    (``d_i x r``) with orthonormal columns,

    .. math::

       W_1 = Q_1 S^{1/h} V^\top,\quad W_i = Q_i S^{1/h} Q_{i-1}^\top,\quad
       W_h = U S^{1/h} Q_{h-1}^\top,

    so :math:`W_h \cdots W_1 = W_0` and
    :math:`W_{i+1}^\top W_{i+1} = Q_i S^{2/h} Q_i^\top = W_i W_i^\top` (Arora, Cohen and Hazan
    2018).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    product : ndarray, shape (d_h, d_0), optional
        The end-to-end map. If omitted, a random matrix of rank ``min(widths)`` with entry
        standard deviation ``scale`` (a product of two Gaussian factors) is drawn from ``rng``.
    rng : numpy.random.Generator, optional
        Draws the product (if omitted) and Haar random :math:`Q_i`; without it
        :math:`Q_i` are the first ``r`` coordinate vectors.
    scale : float, default 1.0
        Entry scale of the random product.
    rank_tol : float, default 1e-12
        Singular values below ``rank_tol * s_max`` are treated as zero.

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``, with product ``product``
        (for ``h = 1``, a copy of it).

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers, ``rng`` is neither a Generator nor a
        non-negative integer seed, or ``product`` is not a real matrix.
    ValueError
        If neither ``product`` nor ``rng`` is given; if ``product`` does not have shape
        ``(d_h, d_0)`` or is not finite; if ``scale`` is not positive (when the product is
        drawn); if ``rank(product) > min(widths)``: no factorisation through the narrowest layer
        exists.

    References
    ----------
    Arora, Cohen and Hazan (2018), "On the optimization of deep networks: implicit acceleration
    by overparameterization", ICML.

    Examples
    --------
    >>> P = np.diag([2.0, 1.0])
    >>> weights = dl.balanced_init((2, 3, 2), product=P, rng=np.random.default_rng(0))
    >>> bool(np.allclose(dl.end_to_end(weights), P)), round(dl.imbalance(weights), 8)
    (True, 0.0)
    """
    d = as_widths(widths)
    h = len(d) - 1
    if rng is not None:
        rng = as_rng(rng)
    if product is None:
        if rng is None:
            raise InvalidArgumentError("balanced_init needs product=... or rng=... to draw a random product")
        k = min(d)  # a random product of full rank min(d) (it must factor through every layer)
        G = rng.standard_normal((d[-1], k)) @ rng.standard_normal((k, d[0])) / np.sqrt(k)
        product = as_positive(scale, "scale") * G
    P = check_sigma(product, d, "product")
    U, s, Vt = np.linalg.svd(P, full_matrices=False)
    r = int(np.sum(s > rank_tol * max(s[0] if s.size else 0.0, np.finfo(float).tiny)))
    if r > min(d):
        raise InvalidArgumentError(
            f"product has rank {r} but the narrowest layer of widths {d} has width {min(d)}; "
            "no factorisation exists"
        )
    if h == 1:
        return [P.copy()]
    U, s, V = U[:, :r], s[:r], Vt[:r].T
    root = s ** (1.0 / h)
    Q = [V] + [_orthonormal_columns(d[i], r, rng) for i in range(1, h)] + [U]
    return [(Q[i] * root) @ Q[i - 1].T for i in range(1, h + 1)]


def _sym_exp(K: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """``exp(s K)`` and its inverse for symmetric ``K``."""
    lam, Q = np.linalg.eigh(K)
    return (Q * np.exp(s * lam)) @ Q.T, (Q * np.exp(-s * lam)) @ Q.T


def delta_balanced_init(
    widths: Sequence[int],
    delta: float,
    rng: np.random.Generator,
    *,
    product: np.ndarray | None = None,
    scale: float = 1.0,
    xtol: float = 1e-13,
) -> list[np.ndarray]:
    r"""Factors of a prescribed product with imbalance exactly ``delta``.

    Start from the 0-balanced factors of :func:`balanced_init` and act with
    :math:`T_i = \exp(s K_i)`, :math:`K_i` random symmetric, via
    :math:`W_i \mapsto T_i W_i T_{i-1}^{-1}`. The action leaves the product unchanged; the scale
    :math:`s` is chosen by root finding so that

    .. math:: \max_i \lVert C_i \rVert_F = \delta

    (to relative accuracy ``xtol``, from below), i.e. the result is delta-balanced in the sense
    of Arora, Cohen, Golowich and Hu (2019) with equality.

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    delta : float
        Target imbalance, ``>= 0`` (``0`` returns balanced factors).
    rng : numpy.random.Generator
        Explicit randomness (product if not given, rotations and the directions :math:`K_i`).
    product : ndarray, shape (d_h, d_0), optional
        The end-to-end map (random with entry scale ``scale`` if omitted).
    scale : float, default 1.0
        Entry scale of the random product.
    xtol : float, default 1e-13
        Relative tolerance of the root finding.

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``, with product ``product`` and
        :func:`deeplinear.invariants.imbalance` equal to ``delta``.

    Raises
    ------
    TypeError
        If ``delta`` is not a real number, ``rng`` is neither a Generator nor a non-negative
        integer seed, or ``widths`` is not a sequence of integers.
    ValueError
        If ``delta`` is negative or not finite; if ``delta > 0`` cannot be reached: depth 1 (no
        hidden layer), a zero product, or no scale ``s`` found; and as :func:`balanced_init`
        (wrong shape or too high a rank of ``product``).

    References
    ----------
    Arora, Cohen, Golowich and Hu (2019), "A convergence analysis of gradient descent for deep
    linear neural networks", ICLR.

    Examples
    --------
    >>> P = np.diag([2.0, 1.0])
    >>> weights = dl.delta_balanced_init((2, 3, 2), 0.5, np.random.default_rng(0), product=P)
    >>> bool(np.allclose(dl.end_to_end(weights), P)), round(dl.imbalance(weights), 6)
    (True, 0.5)
    """
    d = as_widths(widths)
    delta = as_positive(delta, "delta", allow_zero=True)
    rng = as_rng(rng)
    W0 = balanced_init(d, product=product, rng=rng, scale=scale)
    h = len(d) - 1
    if delta == 0.0:
        return W0
    if h == 1:
        raise InvalidArgumentError("delta_balanced_init: depth h = 1 has no conserved quantities, so delta > 0 is impossible")
    if not any(np.any(w) for w in W0):
        raise InvalidArgumentError("delta_balanced_init: the product is zero; the similarity action cannot create imbalance")
    Ks = []
    for di in d[1:-1]:
        K = rng.standard_normal((di, di))
        K = K + K.T
        K /= max(np.linalg.norm(K), 1e-300)
        Ks.append(K)

    def act(s: float) -> list[np.ndarray]:
        pairs = [(np.eye(d[0]), np.eye(d[0]))] + [_sym_exp(K, s) for K in Ks] + [(np.eye(d[-1]), np.eye(d[-1]))]
        return [pairs[i][0] @ W0[i - 1] @ pairs[i - 1][1] for i in range(1, h + 1)]

    def f(s: float) -> float:
        return max(float(np.linalg.norm(c)) for c in _conserved_unchecked(act(s))) - delta

    hi = 1e-3
    while f(hi) < 0:
        hi *= 2.0
        if hi > 700.0:
            raise InvalidArgumentError(f"delta_balanced_init: could not reach imbalance delta = {delta} for widths {d}")
    s_star = brentq(f, 0.0, hi, xtol=1e-300, rtol=max(xtol, 4 * np.finfo(float).eps), maxiter=500)
    step = max(xtol, 1e-15) * s_star
    while f(s_star) > 0.0:  # land on the side ||C_i|| <= delta
        s_star -= step
        step *= 2.0
    return act(s_star)


def deficiency_margin(end_to_end_map: np.ndarray | Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""The deficiency margin :math:`c = \sigma_{\min}(\Sigma) - \lVert W - \Sigma \rVert_F`.

    .. math:: c = \sigma_{\min}(\Sigma) - \lVert W_h \cdots W_1 - \Sigma \rVert_F

    Arora, Cohen, Golowich and Hu (2019): if :math:`c > 0` the initial end-to-end map is closer
    to :math:`\Sigma` than any rank-deficient matrix, and (with approximate balance) gradient
    descent converges linearly. For a 0-balanced flow with a square end-to-end map,
    :math:`\ell(t) \le \ell(0)\, e^{-2 h c^{2(h-1)/h} t}` (proved in the book's chapter on
    balanced initialisations and convergence rates, after Arora, Cohen, Golowich and Hu 2019).

    Parameters
    ----------
    end_to_end_map : ndarray of shape (d_h, d_0), or list of weights
        The end-to-end map :math:`W = W_h \cdots W_1` (a weight list is multiplied out).
    Sigma : ndarray, shape (d_h, d_0)
        The target; :math:`\sigma_{\min}` is its ``min(d_h, d_0)``-th singular value.

    Returns
    -------
    float
        Positive means a margin; non-positive means none.

    Raises
    ------
    TypeError
        If ``end_to_end_map`` or ``Sigma`` is not a real matrix (or a list of them).
    ValueError
        If an array is not 2-D or not finite, the weights do not chain, or ``Sigma`` and the
        end-to-end map have different shapes.
    NonFiniteResultError
        If the margin overflows (entries near the largest float).

    References
    ----------
    Arora, Cohen, Golowich and Hu (2019), "A convergence analysis of gradient descent for deep
    linear neural networks", ICLR.

    Examples
    --------
    >>> Sigma = np.diag([2.0, 1.0])
    >>> round(dl.deficiency_margin(np.diag([1.8, 1.0]), Sigma), 4)  # 1 - 0.2
    0.8
    >>> round(dl.deficiency_margin([np.eye(2), np.zeros((2, 2))], Sigma), 4)  # no margin
    -1.2361
    """
    if isinstance(end_to_end_map, (list, tuple)):
        W = end_to_end(as_weights(end_to_end_map, "end_to_end_map"))
    else:
        W = as_matrix(end_to_end_map, "end_to_end_map")
    S = as_matrix(Sigma, "Sigma")
    if S.shape != W.shape:
        raise InvalidArgumentError(f"Sigma has shape {S.shape} but the end-to-end map has shape {W.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        smin = float(np.linalg.svd(S, compute_uv=False)[-1])
        D = W - S
        top = float(np.max(np.abs(D), initial=0.0))
        dist = top * float(np.linalg.norm(D / top)) if top > 0 and np.isfinite(top) else float(np.linalg.norm(D))
        # scaled: the Frobenius norm of entries near 1e200 is finite though their squares overflow
        return finite_result(smin - dist, "deficiency_margin", "end_to_end_map or Sigma")
