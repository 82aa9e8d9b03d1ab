r"""Critical points of the loss: representatives, learnt sets, and tests of criticality.

The critical values, each listed once, are in :mod:`deeplinear.quotient`.

For :math:`L(W_1, \dots, W_h) = \tfrac12 \lVert \Sigma - W_{1:h} \rVert_F^2` with singular
values :math:`\sigma_1 \ge \sigma_2 \ge \dots` of :math:`\Sigma`, a point is critical only if
its end-to-end map is a *partial SVD* of :math:`\Sigma`,

.. math::

   W_{1:h} = \Sigma_S := \sum_{k \in S} \sigma_k u_k v_k^\top, \qquad
   S \subseteq \{k : \sigma_k > 0\}, \quad |S| \le d_{\min} = \min_i d_i ,

and the critical value is half the energy of the singular values *not* learnt,

.. math:: L_S = \tfrac12 \sum_{k \notin S} \sigma_k^2 .

Conversely every admissible :math:`S` is realised, e.g. by the balanced diagonal
representative :func:`critical_point`. The global minimum value is
:math:`L^\star = \tfrac12 \sum_{k > d_{\min}} \sigma_k^2` (Eckart–Young); every other critical
point is a saddle (Baldi and Hornik 1989 for ``h = 2``; Kawaguchi 2016; Trager, Kohn and
Bruna 2020; Achour, Malgouyres and Gerchinovitz 2024).

The fibres of the critical points (the other networks with the same product) are in
:mod:`deeplinear.fibres`; :func:`learnt_set_lattice` lists every learnt set, admissible or not,
for the chapter's ladder figure.

**Index convention.** Singular values are numbered from 1, as in the text. For
:func:`critical_values` of a sequence of singular values the index ``k`` is the position in the
sequence given. For a matrix ``Sigma`` (:func:`critical_point`, :func:`critical_values`,
:func:`learnt_subset`): when
``Sigma`` is rectangular-diagonal (every off-diagonal entry exactly zero, as returned by the
data reduction) index ``k`` is the diagonal entry ``Sigma[k-1, k-1]`` (with ``u_k, v_k``
coordinate vectors; a negative entry is absorbed in the sign of ``u_k``); otherwise the
singular values are sorted in decreasing order (``numpy.linalg.svd``).

**Zero singular values** are never part of a learnt set: learning :math:`\sigma_k = 0`
changes neither the product nor the loss, so ``S`` ranges over the *positive* singular values
(there are ``r = rank Sigma`` of them). A singular value counts as zero when
:math:`\sigma_k^2/2` is within the value tolerance ``atol``.

References: Wendin and Altafini, arXiv:2511.10362, Section 4; Baldi and Hornik 1989;
Kawaguchi 2016; Trager, Kohn and Bruna 2020; Achour, Malgouyres and Gerchinovitz 2024.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_positive, as_weights, as_widths, check_sigma, widths_of
from .network import adjacency, _prefix_products as prefix_products, _suffix_products as suffix_products
from ._validation import frozen_array as _readonly
from .quotient import _Modes, _as_subset, _fmt, _fmt_subset, _positive, _short, _sigma_modes, _value_tol
from .errors import InvalidArgumentError, NonFiniteResultError

__all__ = [
    "CriticalPoint",
    "critical_point",
    "learnt_subset",
    "relative_gradient_norm",
    "is_critical",
]

#: Default relative tolerance of :func:`is_critical` on the gradient norm.
CRITICAL_TOL = 1e-8


# --------------------------------------------------------------------------- helpers


# --------------------------------------------------------------------------- critical values


# --------------------------------------------------------------------------- critical points


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    r"""A representative critical point with learnt set ``subset``.

    Attributes
    ----------
    subset : tuple of int
        The learnt set ``S`` (1-based).
    weights : tuple of ndarray
        ``(W_1, ..., W_h)`` (read-only arrays; pass them anywhere a weight list is expected).
    adjacency : ndarray
        :math:`A_S = \mathrm{blk}_1(W_1, \dots, W_h)`.
    value : float
        :math:`L_S = \tfrac12\sum_{k\notin S}\sigma_k^2`.
    Sigma : ndarray
        The target.
    widths : tuple of int
        ``(d_0, ..., d_h)``.
    balanced : bool
        Whether this is the balanced representative (``C_i = 0``).
    singular_values : tuple of float
        In the module's index convention.
    depth : int
        ``h``, the number of layers (a property).
    end_to_end : ndarray, shape (d_h, d_0)
        The product :math:`W_{1:h} = \Sigma_S` (a property).

    Examples
    --------
    >>> cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> cp.value, cp.subset, cp.depth
    (2.5, (1,), 2)
    >>> np.round(np.diag(cp.end_to_end), 4)
    array([3., 0., 0.])
    """

    subset: tuple[int, ...]
    weights: tuple[np.ndarray, ...]
    adjacency: np.ndarray
    value: float
    Sigma: np.ndarray
    widths: tuple[int, ...]
    balanced: bool
    singular_values: tuple[float, ...]

    @property
    def depth(self) -> int:
        return len(self.weights)

    @property
    def end_to_end(self) -> np.ndarray:
        r"""The product :math:`W_{1:h} = \Sigma_S`."""
        return prefix_products(self.weights)[-1]

    def copy_weights(self) -> list[np.ndarray]:
        """Writable copies of the weights."""
        return [np.array(W) for W in self.weights]

    def __repr__(self) -> str:
        kind = "balanced" if self.balanced else "unbalanced"
        return (
            f"CriticalPoint(subset={_fmt_subset(self.subset)}, value={_fmt(self.value)}, "
            f"widths={self.widths}, {kind} representative)"
        )


def _hidden_positions(modes: Sequence[int], width: int, taken: Sequence[int] = ()) -> dict[int, int] | None:
    """Coordinates of ``modes`` (1-based) in a hidden layer of ``width``.

    Mode ``k`` sits at coordinate ``k - 1`` when every mode fits that way (and the coordinate
    is not ``taken``); otherwise the modes are renumbered into the free coordinates in order.
    ``None`` if there is no room.
    """
    taken_set = set(taken)
    if all(k <= width for k in modes) and not any(k - 1 in taken_set for k in modes):
        return {k: k - 1 for k in modes}
    free = [c for c in range(width) if c not in taken_set]
    if len(free) < len(modes):
        return None
    return {k: free[i] for i, k in enumerate(sorted(modes))}


def _mode_vectors(modes: _Modes, d: tuple[int, ...], positions: list[dict[int, int]], k: int) -> list[np.ndarray]:
    """Unit vectors carrying mode ``k`` in layers ``0..h``: ``v_k``, hidden coordinates, ``u_k``."""
    h = len(d) - 1
    vecs = [modes.V[:, k - 1]]
    for i in range(1, h):
        e = np.zeros(d[i])
        e[positions[i][k]] = 1.0
        vecs.append(e)
    vecs.append(modes.U[:, k - 1])
    return vecs


def _representative(
    S: tuple[int, ...], modes: _Modes, d: tuple[int, ...], factors: dict[int, Sequence[float]]
) -> tuple[list[np.ndarray], list[dict[int, int]]]:
    h = len(d) - 1
    positions: list[dict[int, int]] = [{}]
    for i in range(1, h):
        p = _hidden_positions(S, d[i])
        assert p is not None  # |S| <= d_min
        positions.append(p)
    positions.append({})
    W = [np.zeros((d[i], d[i - 1])) for i in range(1, h + 1)]
    for k in S:
        vecs = _mode_vectors(modes, d, positions, k)
        for i in range(1, h + 1):
            W[i - 1] += factors[k][i - 1] * np.outer(vecs[i], vecs[i - 1])
    return W, positions


def critical_point(
    subset: Sequence[int],
    Sigma: np.ndarray,
    widths: Sequence[int],
    *,
    balanced: bool = True,
) -> CriticalPoint:
    r"""A representative critical point that has learnt the singular values in ``subset``.

    With ``balanced=True`` (default) this is the balanced diagonal representative

    .. math::

       A_S = \mathrm{blk}_1(D_1, \dots, D_h), \qquad (D_i)_{kk} = \sigma_k^{1/h}\ (k \in S),

    mapped to the singular directions of ``Sigma`` in the first and last layer
    (:math:`W_1 = D_1 V^\top`, :math:`W_h = U D_h`). It is 0-balanced (all :math:`C_i = 0`)
    and aligned. In a hidden layer narrower than :math:`\max S`, the learnt modes are
    renumbered into coordinates ``0, 1, ...`` in order. With ``balanced=False`` the whole
    singular value sits in the first layer (:math:`(D_1)_{kk} = \sigma_k`, the other layers
    carry 1): same product and value, another point of the same fibre (same :math:`GL`
    orbit).

    Parameters
    ----------
    subset : collection of int
        The learnt set ``S``: 1-based indices (see the module's index convention), distinct,
        of positive singular values, with :math:`|S| \le d_{\min}`. ``()`` is the origin.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    balanced : bool, default True
        The balanced representative (``True``) or the one with the whole singular value in
        the first layer (``False``).

    Returns
    -------
    CriticalPoint
        With ``.weights``, ``.adjacency``, ``.value``, ``.subset``.

    Raises
    ------
    ValueError
        If ``subset`` is larger than the rank bound, has an index out of range, repeats an
        index, or names a zero singular value; if ``Sigma`` is not of shape ``(d_h, d_0)``;
        at depth ``h = 1`` if ``subset`` is not every positive singular value.
    TypeError
        If ``subset`` is not a collection of integers.

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> cp = dl.critical_point((1, 3), Sigma, (3, 3, 3))
    >>> cp.value
    2.0
    >>> dl.is_critical(cp.weights, Sigma)
    True
    """
    d = as_widths(widths)
    h = len(d) - 1
    Sig = check_sigma(Sigma, d)
    modes = _sigma_modes(Sig)
    tol = _value_tol(modes.sigma, None)
    S = _as_subset(subset, modes.sigma, min(d), tol)
    everything = tuple(int(j) + 1 for j in _positive(modes.sigma, tol))
    if h == 1 and tuple(sorted(S)) != tuple(sorted(everything)):
        raise InvalidArgumentError(
            f"subset = {_short(subset)}: at depth h = 1 the loss is convex and its only critical point is "
            f"W_1 = Sigma, which has learnt every positive singular value, subset = {everything}"
        )
    if balanced:
        factors = {k: [modes.sigma[k - 1] ** (1.0 / h)] * h for k in S}
    else:
        factors = {k: [modes.sigma[k - 1]] + [1.0] * (h - 1) for k in S}
    W, _ = _representative(S, modes, d, factors)
    value = 0.5 * math.fsum(float(modes.sigma[k]) ** 2 for k in range(len(modes.sigma)) if k + 1 not in S)
    return CriticalPoint(
        subset=S,
        weights=tuple(_readonly(w) for w in W),
        adjacency=_readonly(adjacency(W)),
        value=value,
        Sigma=_readonly(Sig),
        widths=d,
        balanced=bool(balanced),
        singular_values=tuple(float(x) for x in modes.sigma),
    )


def learnt_subset(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, rtol: float = 1e-6) -> tuple[int, ...]:
    r"""The learnt set ``S`` of a network whose product is a partial SVD :math:`\Sigma_S`.

    The non-zero singular values of :math:`W_{1:h}` are matched to those of ``Sigma``
    (within ``rtol`` times :math:`\sigma_1`); among equal singular values the modes best
    aligned with the product (largest :math:`u_k^\top W_{1:h} v_k`) are chosen, so with
    repeated singular values ``S`` is determined up to the equal ones.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix (read in the module's index convention).
    rtol : float, default 1e-6
        Relative tolerance of the match, in units of the largest singular value of
        ``Sigma`` or of the product.

    Returns
    -------
    tuple of int
        The learnt set ``S``, 1-based and sorted (``()`` for a zero product).

    Raises
    ------
    ValueError
        If the product is not of the form :math:`\Sigma_S` (a singular value of the product
        matches none of ``Sigma``'s), if ``Sigma`` is not of shape ``(d_h, d_0)``, or if
        ``rtol`` is not positive.
    TypeError
        If ``weights`` is not a list of matrices.

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> cp = dl.critical_point((2, 3), Sigma, (3, 2, 3))
    >>> dl.learnt_subset(cp.weights, Sigma)
    (2, 3)
    """
    W = as_weights(weights)
    Sig = check_sigma(Sigma, widths_of(W))
    rtol = as_positive(rtol, "rtol")
    modes = _sigma_modes(Sig)
    P = prefix_products(W)[-1]
    sP = np.linalg.svd(P, compute_uv=False)
    scale = max(float(np.max(modes.sigma, initial=0.0)), float(np.max(sP, initial=0.0)))
    thr = rtol * scale
    align = np.einsum("ik,ij,jk->k", modes.U, P, modes.V) if len(modes.sigma) else np.zeros(0)
    free = set(range(len(modes.sigma)))
    S = []
    for s in sP[sP > thr]:
        cand = [k for k in free if abs(modes.sigma[k] - s) <= thr]
        if not cand:
            raise InvalidArgumentError(
                f"the end-to-end map has singular value {s:.6g}, which matches no singular value of Sigma "
                f"{tuple(round(float(x), 6) for x in modes.sigma)}: its product is not a partial SVD Sigma_S "
                "(the point is not critical)"
            )
        best = max(cand, key=lambda k: (align[k], -k))
        free.discard(best)
        S.append(best + 1)
    return tuple(sorted(S))


# --------------------------------------------------------------------------- criticality


def relative_gradient_norm(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""The gradient norm relative to the size of the terms it is made of.

    .. math::

       \rho = \frac{\lVert \nabla L \rVert_F}
                   {\big(\lVert\Sigma\rVert_F + \prod_i \lVert W_i\rVert_F\big)\,\max_j \prod_{i \ne j}\ell_i},
       \qquad \ell_i = \max\big(\lVert W_i\rVert_F,\ \lVert\Sigma\rVert_2^{1/h}\big).

    With :math:`\ell_i = \lVert W_i\rVert_F` the denominator bounds
    :math:`\lVert W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top\rVert_F` for every layer, so
    large weights (far out on a fibre) do not make rounding look like a gradient: rounding alone
    gives :math:`\rho \approx 10^{-16}`. The floor :math:`\sigma_1^{1/h}` (the size of a layer
    at the balanced minimum) makes small weights measured in the problem's natural units: a
    point ``1e-80`` away from the critical line :math:`\{w_1 = w_2 = 0\}` of a scalar network
    counts as critical, while a small random network near the origin (gradient of order
    :math:`\lVert W\rVert^{h-1}\sigma`) does not. Returns ``0.0`` when the denominator
    vanishes (``Sigma = 0`` and at least two zero layers: the gradient is exactly zero).

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.

    Returns
    -------
    float
        :math:`\rho \ge 0` (``inf`` only if the denominator vanishes while the gradient
        does not).

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not chain or ``Sigma`` is not of shape ``(d_h, d_0)``.

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0])
    >>> cp = dl.critical_point((1,), Sigma, (2, 2, 2))
    >>> dl.relative_gradient_norm(cp.weights, Sigma) < 1e-12
    True
    >>> rng = np.random.default_rng(0)
    >>> W = [rng.standard_normal((2, 2)) for _ in range(2)]
    >>> round(dl.relative_gradient_norm(W, Sigma), 4)
    0.5577
    """
    W = as_weights(weights)
    Sig = check_sigma(Sigma, widths_of(W))
    pre = prefix_products(W)
    suf = suffix_products(W)
    with np.errstate(over="ignore", invalid="ignore"):
        R = Sig - pre[-1]
        terms = [float(np.sum((suf[j + 1].T @ R @ pre[j].T) ** 2)) for j in range(len(W))]
        floor = float(np.linalg.norm(Sig, 2)) ** (1.0 / len(W)) if Sig.size else 0.0
        raw = [float(np.linalg.norm(w)) for w in W]
        norms = [max(x, floor) for x in raw]
        others = max(math.prod(norms[:j] + norms[j + 1:]) for j in range(len(W)))
        scale = (float(np.linalg.norm(Sig)) + math.prod(raw)) * others
    if not (all(math.isfinite(x) for x in terms) and math.isfinite(scale) and sum(terms) < math.inf):
        raise NonFiniteResultError(
            "relative_gradient_norm: the gradient or its scale overflows; weights or Sigma are too large "
            "for floating point (entries of order 1e100 and beyond)"
        )
    g = math.sqrt(math.fsum(terms))
    if scale == 0.0:
        return 0.0 if g == 0.0 else math.inf
    return g / scale


def is_critical(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, tol: float = CRITICAL_TOL) -> bool:
    r"""Whether the gradient vanishes, to a *relative* tolerance.

    The rule: critical iff :func:`relative_gradient_norm` :math:`\le` ``tol``, i.e.

    .. math::

       \lVert\nabla L\rVert_F \le \mathrm{tol}\,\big(\lVert\Sigma\rVert_F + \textstyle\prod_i \lVert W_i\rVert_F\big)
       \max_j \textstyle\prod_{i\ne j}\ell_i, \qquad
       \ell_i = \max(\lVert W_i\rVert_F, \lVert\Sigma\rVert_2^{1/h}).

    The default ``1e-8`` accepts exact constructions (:math:`\rho \sim 10^{-16}`) and
    well-converged numerical points; points at the end of a gradient flow that creeps towards
    a degenerate critical point usually need ``1e-6`` or so. The scale grows with the weights,
    so points far out on an unbounded fibre are judged like the balanced ones, and it never
    drops below the problem's natural scale, so tiny weights are not judged against tiny terms.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    tol : float, default 1e-8
        The relative tolerance (``CRITICAL_TOL``), non-negative.

    Returns
    -------
    bool
        Whether :math:`\rho \le` ``tol``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``tol`` is not a number.
    ValueError
        If the shapes do not chain, ``Sigma`` is not of shape ``(d_h, d_0)``, or ``tol`` is
        negative.

    Examples
    --------
    A non-critical point of the origin's fibre.

    >>> e1, e2 = np.eye(2)
    >>> dl.is_critical([np.outer(e1, e1), np.outer(e2, e2)], np.diag([3.0, 2.0]))
    False
    """
    tol = as_positive(tol, "tol", allow_zero=True)
    return relative_gradient_norm(weights, Sigma) <= tol


# --------------------------------------------------------------------------- the lattice of learnt sets


#: Largest number of positive singular values drawn (2^6 = 64 learnt sets).
