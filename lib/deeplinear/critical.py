r"""Critical values and critical points of the loss.

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

import heapq
import html
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from numbers import Integral, Real

import numpy as np

from ._validation import as_int, as_positive, as_weights, as_widths, check_sigma, widths_of
from .network import adjacency, prefix_products, suffix_products
from ._validation import frozen_array as _readonly

__all__ = [
    "CriticalValues",
    "CriticalLevel",
    "critical_values",
    "CriticalPoint",
    "critical_point",
    "learnt_subset",
    "relative_gradient_norm",
    "is_critical",
    "LearntSetLattice",
    "learnt_set_lattice",
]

#: Default relative tolerance of :func:`is_critical` on the gradient norm.
CRITICAL_TOL = 1e-8


# --------------------------------------------------------------------------- helpers


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _fmt(x: float) -> str:
    """Compact number for tables: integers without decimals, else up to 6 significant digits."""
    if abs(x - round(x)) < 1e-12 * max(1.0, abs(x)):
        return str(int(round(x)))
    return f"{x:.6g}"


def _fmt_subset(S: Sequence[int]) -> str:
    return "{" + ",".join(str(k) for k in S) + "}" if len(S) else "∅"


def _as_singular_values(values: object, name: str = "singular_values") -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of non-negative numbers, got {_short(values)}")
    try:
        s = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of non-negative numbers, got {_short(values)}") from exc
    if s.ndim == 0:
        s = s.reshape(1)
    if s.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (the singular values) or a matrix Sigma of shape (d_h, d_0), "
            f"got an array of shape {s.shape}"
        )
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} must be finite, got {_short(values)}")
    if np.any(s < 0):
        k = int(np.argmax(s < 0))
        raise ValueError(f"singular values are non-negative; {name}[{k}] (sigma_{k + 1}) = {s[k]}")
    return s


@dataclass(frozen=True, eq=False)
class _Modes:
    """Singular triples of Sigma in the index convention of this module."""

    sigma: np.ndarray  # (q,), q = min(d_0, d_h), non-negative
    U: np.ndarray  # (d_h, q) output directions u_k
    V: np.ndarray  # (d_0, q) input directions v_k
    diagonal: bool


def _sigma_modes(S: np.ndarray) -> _Modes:
    dh, d0 = S.shape
    q = min(d0, dh)
    off = S.copy()
    idx = np.arange(q)
    off[idx, idx] = 0.0
    if not np.any(off):
        diag = S[idx, idx]
        U = np.zeros((dh, q))
        U[idx, idx] = np.where(diag < 0, -1.0, 1.0)
        V = np.zeros((d0, q))
        V[idx, idx] = 1.0
        return _Modes(np.abs(diag), U, V, True)
    U, s, Vt = np.linalg.svd(S, full_matrices=False)
    return _Modes(s, U, Vt.T, False)


def _value_tol(sigma: np.ndarray, atol: float | None) -> float:
    total = 0.5 * math.fsum(float(x) ** 2 for x in sigma)
    if atol is None:
        return 1e-12 * total
    return as_positive(atol, "atol", allow_zero=True)


def _positive(sigma: np.ndarray, atol: float) -> np.ndarray:
    """Indices (0-based) of the singular values that count as positive, by decreasing value."""
    pos = [k for k in range(len(sigma)) if 0.5 * sigma[k] ** 2 > atol and sigma[k] > 0]
    return np.array(sorted(pos, key=lambda k: (-sigma[k], k)), dtype=int)


def _global_minimum_value(sigma: np.ndarray, d_min: int) -> float:
    s = np.sort(np.asarray(sigma, dtype=float))[::-1]
    return 0.5 * math.fsum(float(x) ** 2 for x in s[d_min:])


def _as_subset(subset: object, sigma: np.ndarray, d_min: int, atol: float, name: str = "subset") -> tuple[int, ...]:
    """Validate a learnt set of 1-based indices into ``sigma``; returns it sorted."""
    if isinstance(subset, (str, bytes)) or isinstance(subset, (Real, np.floating)):
        raise TypeError(f"{name} must be a collection of 1-based indices such as (1, 2), got {_short(subset)}")
    try:
        items = list(subset)  # type: ignore[call-overload]
    except TypeError as exc:
        raise TypeError(f"{name} must be a collection of 1-based indices such as (1, 2), got {_short(subset)}") from exc
    out = []
    for k in items:
        if isinstance(k, bool) or not isinstance(k, (Integral, np.integer)):
            raise TypeError(f"{name} holds {_short(k)}, which is not an integer index (indices are 1-based)")
        out.append(int(k))
    n = len(sigma)
    bad = [k for k in out if not 1 <= k <= n]
    if bad:
        raise ValueError(
            f"{name} index {bad[0]} is out of range: indices are 1-based and Sigma has {n} singular "
            f"values, so each index must be in 1..{n}"
        )
    dup = sorted({k for k in out if out.count(k) > 1})
    if dup:
        raise ValueError(f"{name} = {_short(subset)} repeats the index {dup[0]}; each singular value is learnt at most once")
    if len(out) > d_min:
        raise ValueError(
            f"{name} = {_short(subset)} has {len(out)} elements but the rank bound is d_min = {d_min} "
            f"(the narrowest layer), so at most {d_min} singular values can be learnt"
        )
    zero = [k for k in out if not (0.5 * sigma[k - 1] ** 2 > atol and sigma[k - 1] > 0)]
    if zero:
        raise ValueError(
            f"{name} contains index {zero[0]} but sigma_{zero[0]} = {sigma[zero[0] - 1]:g} is zero: learning a "
            "zero singular value changes nothing, so learnt sets hold positive singular values only "
            f"(drop {zero[0]})"
        )
    return tuple(sorted(out))


# --------------------------------------------------------------------------- critical values


class CriticalLevel(NamedTuple):
    """One critical value with its learnt sets (what iterating :class:`CriticalValues` yields).

    A frozen named record that still unpacks as a pair: ``for value, subsets in cv``.

    Attributes
    ----------
    value : float
        The critical value :math:`L_S`.
    subsets : tuple of tuple of int
        Every learnt set ``S`` (1-based, sorted) with that value.

    Examples
    --------
    >>> cv = dl.critical_values([3, 2, 1], (3, 2, 3))
    >>> level = next(iter(cv))
    >>> level.value, level.subsets
    (0.5, ((1, 2),))
    >>> value, subsets = level
    """

    value: float
    subsets: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, eq=False)
class CriticalValues:
    r"""Every critical value of :math:`L` once (or the ``k`` smallest), with the learnt sets.

    Attributes
    ----------
    values : tuple of float
        The distinct critical values :math:`L_S = \tfrac12\sum_{k\notin S}\sigma_k^2`, ascending.
    subsets : tuple of tuple of tuple of int
        ``subsets[i]`` lists every learnt set ``S`` (1-based, sorted) with value ``values[i]``;
        several sets share a value when singular values repeat.
    singular_values : tuple of float
        The singular values as given (index ``k`` is position ``k``, from 1).
    widths : tuple of int
        ``(d_0, ..., d_h)``.
    rank_bound : int
        :math:`d_{\min}`, the width of the narrowest layer.
    rank : int
        ``r``, the number of positive singular values.
    global_minimum : float
        :math:`L^\star = \tfrac12\sum_{k > d_{\min}}\sigma_k^2` (always ``values[0]``).
    complete : bool
        ``False`` when only the ``k`` smallest values were requested.
    atol : float
        Values closer than this are one value.

    Examples
    --------
    >>> cv = dl.critical_values([3, 2, 1], (3, 2, 3))
    >>> cv.values
    (0.5, 2.0, 2.5, 4.5, 5.0, 6.5, 7.0)
    >>> cv.rank_bound, cv.global_minimum
    (2, 0.5)
    """

    values: tuple[float, ...]
    subsets: tuple[tuple[tuple[int, ...], ...], ...]
    singular_values: tuple[float, ...]
    widths: tuple[int, ...]
    rank_bound: int
    rank: int
    global_minimum: float
    complete: bool
    atol: float

    @property
    def count(self) -> int:
        """Number of distinct values listed."""
        return len(self.values)

    @property
    def global_minimum_subsets(self) -> tuple[tuple[int, ...], ...]:
        """The learnt sets of the global minima."""
        return self.subsets[0]

    @property
    def n_admissible_subsets(self) -> int:
        r"""Number of admissible learnt sets, :math:`\sum_{c \le \min(r, d_{\min})}\binom{r}{c}`
        (the number of distinct values when the singular values are generic)."""
        m = min(self.rank, self.rank_bound)
        return sum(math.comb(self.rank, c) for c in range(m + 1))

    def is_global_minimum(self, i: int) -> bool:
        """Whether ``values[i]`` is the global minimum value."""
        return abs(self.values[i] - self.global_minimum) <= self.atol

    def value_of(self, subset: Sequence[int]) -> float:
        """The critical value of a learnt set (1-based indices)."""
        s = np.asarray(self.singular_values)
        S = _as_subset(subset, s, self.rank_bound, self.atol)
        return 0.5 * math.fsum(float(s[k]) ** 2 for k in range(len(s)) if k + 1 not in S)

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[CriticalLevel]:
        return (CriticalLevel(v, S) for v, S in zip(self.values, self.subsets))

    def rows(self) -> list[dict[str, object]]:
        """The table as a list of dicts (``value``, ``subsets``, ``global_minimum``)."""
        return [
            {"value": v, "subsets": S, "global_minimum": self.is_global_minimum(i)}
            for i, (v, S) in enumerate(self)
        ]

    def _header(self) -> str:
        what = f"{self.count} critical values" if self.complete else f"the {self.count} smallest critical values"
        sig = ", ".join(_fmt(x) for x in self.singular_values)
        return (
            f"{what} of L = 1/2||Sigma - W_h...W_1||^2 for singular values ({sig}), "
            f"widths {self.widths} (rank bound d_min = {self.rank_bound}, rank r = {self.rank})"
        )

    def __repr__(self) -> str:
        lines = [self._header(), f"{'value':>12}  learnt sets S"]
        for i, (v, S) in enumerate(self):
            mark = "   <- global minimum" if self.is_global_minimum(i) else ""
            lines.append(f"{_fmt(v):>12}  {' '.join(_fmt_subset(s) for s in S)}{mark}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for i, (v, S) in enumerate(self):
            style = ' style="font-weight:bold"' if self.is_global_minimum(i) else ""
            note = " (global minimum)" if self.is_global_minimum(i) else ""
            rows.append(
                f"<tr{style}><td style='text-align:right'>{html.escape(_fmt(v))}</td>"
                f"<td>{html.escape(' '.join(_fmt_subset(s) for s in S))}{note}</td></tr>"
            )
        return (
            f"<div><p>{html.escape(self._header())}</p><table>"
            "<thead><tr><th>critical value</th><th>learnt sets S</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )


def _group(pairs: Sequence[tuple[float, tuple[int, ...]]], atol: float) -> list[list]:
    groups: list[list] = []
    for value, S in pairs:
        if groups and abs(value - groups[-1][0]) <= atol:
            groups[-1][1].append(S)
        else:
            groups.append([value, [S]])
    return groups


def critical_values(
    Sigma: np.ndarray | Sequence[float],
    widths: Sequence[int],
    *,
    k: int | None = None,
    atol: float | None = None,
    max_subsets: int = 200_000,
) -> CriticalValues:
    r"""Every critical value of :math:`L = \tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2`, each once.

    The critical points are the networks whose product is a partial SVD
    :math:`\Sigma_S = \sum_{k\in S}\sigma_k u_k v_k^\top` with :math:`|S| \le d_{\min}`, and

    .. math:: L_S = \tfrac12 \sum_{k \notin S} \sigma_k^2 .

    Listing each value once is the quotient-space view: the value belongs to the quotient
    point :math:`\Sigma_S`, every network in its fibre has it. Sets giving the same value
    (repeated singular values) are listed together.

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0), or sequence of float
        The target matrix, or its singular values
        :math:`\sigma_1, \sigma_2, \dots \ge 0` (any order; index ``k`` is position ``k``,
        counted from 1; at most ``min(d_0, d_h)`` of them). A matrix is read in the module's
        index convention (the diagonal of a rectangular-diagonal ``Sigma``, otherwise sorted
        decreasingly), so learnt sets match :func:`critical_point` and :func:`learnt_subset`
        for the same ``Sigma``. Zero singular values are never learnt (learning them changes
        nothing).
    widths : sequence of int
        ``(d_0, ..., d_h)``; the rank bound is :math:`d_{\min} = \min_i d_i`.
    k : int, optional
        Return only the ``k`` smallest values (with all their sets), found by a best-first
        search over learnt sets without enumerating all of them: smallest loss means largest
        learnt energy :math:`\sum_{k\in S}\sigma_k^2`, and from the top sets
        :math:`\{1..c\}` (``c = 0..min(r, d_min)``) each set is reached by moving one index to
        the next smaller singular value, which never increases the learnt energy. A heap
        ordered by value with a visited set pops sets in non-decreasing value.
    atol : float, optional
        Values within ``atol`` are one value; singular values with
        :math:`\sigma_k^2/2 \le` ``atol`` count as zero. Default
        :math:`10^{-12}\cdot\tfrac12\sum\sigma_k^2` (relative to the total energy).
    max_subsets : int, default 200000
        Guard against combinatorial explosion: more admissible sets than this (without
        ``k``), or more sets sharing the values requested (with ``k``), raises.

    Returns
    -------
    CriticalValues
        Values ascending with their learnt sets; prints as a table in a notebook. At depth
        ``h = 1`` the loss is convex and the only critical value is that of ``Sigma`` itself
        (every positive singular value learnt).

    Raises
    ------
    ValueError
        Negative or too many singular values, a matrix of the wrong shape, bad widths, or too many
        sets to list.

    TypeError
        If the singular values are not numbers, or ``widths``, ``k`` or ``max_subsets`` are
        not integers.

    References
    ----------
    Baldi and Hornik 1989; Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    >>> cv = dl.critical_values([3, 2, 1], (3, 4, 2, 3))
    >>> cv.values
    (0.5, 2.0, 2.5, 4.5, 5.0, 6.5, 7.0)
    >>> cv.global_minimum_subsets
    ((1, 2),)
    """
    if _is_matrix(Sigma):
        d = as_widths(widths)
        S = check_sigma(Sigma, d)
        return _critical_values(_sigma_modes(S).sigma, d, k=k, atol=atol, max_subsets=max_subsets)
    return _critical_values(Sigma, widths, k=k, atol=atol, max_subsets=max_subsets)


def _is_matrix(Sigma: object) -> bool:
    """Whether ``Sigma`` is a 2-D numeric array (a target matrix) rather than singular values."""
    if isinstance(Sigma, (str, bytes)):
        return False
    try:
        return np.asarray(Sigma, dtype=float).ndim == 2
    except (TypeError, ValueError):
        return False


def _critical_values(
    singular_values: Sequence[float],
    widths: Sequence[int],
    *,
    k: int | None,
    atol: float | None,
    max_subsets: int,
) -> CriticalValues:
    """:func:`critical_values` of a sequence of singular values (index ``k`` is position ``k``)."""
    d = as_widths(widths)
    s = _as_singular_values(singular_values)
    if len(s) > min(d[0], d[-1]):
        raise ValueError(
            f"got {len(s)} singular values but Sigma is d_h x d_0 = {d[-1]} x {d[0]}, which has at most "
            f"min(d_0, d_h) = {min(d[0], d[-1])}"
        )
    tol = _value_tol(s, atol)
    max_subsets = as_int(max_subsets, "max_subsets", minimum=1)
    if k is not None:
        k = as_int(k, "k", minimum=1)
    d_min = min(d)
    order = _positive(s, tol)  # 0-based indices, decreasing sigma
    r = len(order)
    m = min(r, d_min)
    sq = [float(x) ** 2 for x in s]

    def value(T: tuple[int, ...]) -> float:
        learnt = {int(order[t]) for t in T}
        return 0.5 * math.fsum(sq[j] for j in range(len(s)) if j not in learnt)

    def label(T: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(int(order[t]) + 1 for t in T))

    if len(d) == 2:
        # depth 1: L is convex in W_1 = W_{1:1}, whose only critical point is Sigma itself
        groups = [[value(tuple(range(r))), [tuple(range(r))]]]
        heap = []
    elif k is None:
        n_sets = sum(math.comb(r, c) for c in range(m + 1))
        if n_sets > max_subsets:
            raise ValueError(
                f"{n_sets} admissible learnt sets (r = {r}, rank bound {d_min}) exceed max_subsets = {max_subsets}; "
                "ask for the k smallest values with k=..., or raise max_subsets"
            )
        pairs = [(value(T), T) for c in range(m + 1) for T in itertools.combinations(range(r), c)]
        pairs.sort(key=lambda p: (p[0], len(p[1]), p[1]))
        groups = _group(pairs, tol)
    else:
        heap: list[tuple[float, tuple[int, ...]]] = []
        seen: set[tuple[int, ...]] = set()
        for c in range(m + 1):
            T = tuple(range(c))
            seen.add(T)
            heapq.heappush(heap, (value(T), T))
        groups = []
        popped = 0
        while heap:
            v, T = heap[0]
            if groups and abs(v - groups[-1][0]) <= tol:
                groups[-1][1].append(T)
            elif len(groups) == k:
                break
            else:
                groups.append([v, [T]])
            heapq.heappop(heap)
            popped += 1
            if popped > max_subsets:
                raise ValueError(
                    f"more than max_subsets = {max_subsets} learnt sets share the {len(groups)} smallest values "
                    "(many repeated singular values); raise max_subsets or ask for fewer values"
                )
            for pos in range(len(T)):
                nxt = T[pos] + 1
                if nxt < r and (pos == len(T) - 1 or T[pos + 1] != nxt):
                    U = T[:pos] + (nxt,) + T[pos + 1:]
                    if U not in seen:
                        seen.add(U)
                        heapq.heappush(heap, (value(U), U))
    values = tuple(float(g[0]) for g in groups)
    subsets = tuple(
        tuple(sorted((label(T) for T in g[1]), key=lambda S: (len(S), S))) for g in groups
    )
    return CriticalValues(
        values=values,
        subsets=subsets,
        singular_values=tuple(float(x) for x in s),
        widths=d,
        rank_bound=d_min,
        rank=r,
        global_minimum=_global_minimum_value(np.array([s[j] for j in order]), d_min),
        complete=k is None or (not heap),
        atol=tol,
    )


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
        raise ValueError(
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
            raise ValueError(
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
    R = Sig - pre[-1]
    g2 = math.fsum(float(np.sum((suf[j + 1].T @ R @ pre[j].T) ** 2)) for j in range(len(W)))
    floor = float(np.linalg.norm(Sig, 2)) ** (1.0 / len(W)) if Sig.size else 0.0
    raw = [float(np.linalg.norm(w)) for w in W]
    norms = [max(x, floor) for x in raw]
    others = max(math.prod(norms[:j] + norms[j + 1:]) for j in range(len(W)))
    scale = (float(np.linalg.norm(Sig)) + math.prod(raw)) * others
    g = math.sqrt(g2)
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
    Claim 32 of the digest: a non-critical point of the origin's fibre.

    >>> e1, e2 = np.eye(2)
    >>> dl.is_critical([np.outer(e1, e1), np.outer(e2, e2)], np.diag([3.0, 2.0]))
    False
    """
    tol = as_positive(tol, "tol", allow_zero=True)
    return relative_gradient_norm(weights, Sigma) <= tol


# --------------------------------------------------------------------------- the lattice of learnt sets


#: Largest number of positive singular values drawn (2^6 = 64 learnt sets).
_MAX_RANK = 6


@dataclass(frozen=True, eq=False)
class LearntSetLattice:
    r"""Every set of positive singular values, with its loss value and whether it is admissible.

    Attributes
    ----------
    singular_values : tuple of float
        As given; index ``k`` (from 1) is position ``k``.
    widths : tuple of int
        ``(d_0, ..., d_h)``.
    rank_bound : int
        :math:`d_{\min}`.
    positive : tuple of int
        1-based indices of the positive singular values, by decreasing value.
    subsets : tuple of tuple of int
        Every subset of ``positive`` (sorted indices), ordered by size, then value.
    values : tuple of float
        :math:`\tfrac12\sum_{k\notin S}\sigma_k^2` for each subset.
    admissible : tuple of bool
        ``len(S) <= rank_bound``: exactly these values are critical values.
    global_minimum : float
        :math:`L^\star`, from :func:`deeplinear.critical_values`.
    critical : CriticalValues
        The distinct critical values (the ladder), from :func:`deeplinear.critical_values`.
    rank : int
        The number of positive singular values (a property).

    Examples
    --------
    >>> lat = dl.learnt_set_lattice([3, 2, 1], (3, 2, 3))
    >>> len(lat.subsets), sum(lat.admissible)
    (8, 7)
    >>> lat.top_chain()
    ((), (1,), (1, 2))
    """

    singular_values: tuple[float, ...]
    widths: tuple[int, ...]
    rank_bound: int
    positive: tuple[int, ...]
    subsets: tuple[tuple[int, ...], ...]
    values: tuple[float, ...]
    admissible: tuple[bool, ...]
    global_minimum: float
    critical: CriticalValues

    @property
    def rank(self) -> int:
        """Number of positive singular values."""
        return len(self.positive)

    def is_global_minimum(self, i: int) -> bool:
        """Whether ``subsets[i]`` is admissible with value :math:`L^\\star`."""
        return self.admissible[i] and abs(self.values[i] - self.global_minimum) <= self.critical.atol

    def top_chain(self) -> tuple[tuple[int, ...], ...]:
        r"""The top sets :math:`\emptyset, \{1\}, \{1,2\}, \dots` (by decreasing singular value)
        up to size :math:`\min(r, d_{\min})`: the rungs visited by incremental learning."""
        m = min(self.rank, self.rank_bound)
        return tuple(tuple(sorted(self.positive[:c])) for c in range(m + 1))


def learnt_set_lattice(singular_values: Sequence[float], widths: Sequence[int]) -> LearntSetLattice:
    r"""All sets :math:`S` of positive singular values with :math:`L_S`, admissible or not.

    The admissible sets (:math:`|S| \le d_{\min}`) give the critical values; the others are
    drawn greyed out by :func:`deeplinear.plots.critical_ladder_figure` to show what the rank bound removes.

    Parameters
    ----------
    singular_values : sequence of float
        :math:`\sigma_1, \sigma_2, \dots \ge 0`, at most ``min(d_0, d_h)`` of them and at most
        six positive ones (64 sets).
    widths : sequence of int
        ``(d_0, ..., d_h)`` with ``h >= 2``.

    Returns
    -------
    LearntSetLattice

    Raises
    ------
    ValueError
        For ``h = 1`` (the only critical point is ``Sigma`` itself), more than six positive
        singular values, or invalid input (as :func:`deeplinear.critical_values`).
    TypeError
        If the singular values are not numbers or the widths not integers.

    Examples
    --------
    >>> lat = dl.learnt_set_lattice([3, 2, 1], (3, 2, 3))
    >>> lat.subsets[-1], lat.admissible[-1]
    ((1, 2, 3), False)
    >>> lat.values[-1]
    0.0
    """
    d = as_widths(widths)
    if len(d) < 3:
        raise ValueError(
            f"widths {d} describe a network of depth h = 1, whose loss is convex with the single critical "
            "point W_1 = Sigma; the lattice of learnt sets is for depth h >= 2"
        )
    cv = critical_values(singular_values, d)
    s = np.asarray(cv.singular_values, dtype=float)
    tol = cv.atol
    positive = tuple(sorted((k + 1 for k in range(len(s)) if 0.5 * s[k] ** 2 > tol and s[k] > 0),
                            key=lambda k: (-s[k - 1], k)))
    if len(positive) > _MAX_RANK:
        raise ValueError(
            f"{len(positive)} positive singular values give {2 ** len(positive)} learnt sets, too many to draw; "
            f"the lattice is drawn for at most {_MAX_RANK}"
        )
    total = [float(x) ** 2 for x in s]
    rows = []
    for c in range(len(positive) + 1):
        for T in itertools.combinations(positive, c):
            S = tuple(sorted(T))
            value = 0.5 * math.fsum(total[j] for j in range(len(s)) if j + 1 not in S)
            rows.append((c, value, S))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return LearntSetLattice(
        singular_values=tuple(float(x) for x in s),
        widths=d,
        rank_bound=cv.rank_bound,
        positive=positive,
        subsets=tuple(r[2] for r in rows),
        values=tuple(r[1] for r in rows),
        admissible=tuple(r[0] <= cv.rank_bound for r in rows),
        global_minimum=cv.global_minimum,
        critical=cv,
    )
