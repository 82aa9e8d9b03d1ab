r"""Critical values in the quotient space: each critical value of the loss once, with its learnt sets.

The loss factors through the end-to-end map, :math:`L = \ell \circ \pi` with
:math:`\ell(W) = \tfrac12\lVert\Sigma - W\rVert_F^2`, and its critical points are the networks
whose product is a partial SVD :math:`\Sigma_S = \sum_{k \in S}\sigma_k u_k v_k^\top` with
:math:`|S| \le d_{\min}`. In the quotient each critical value
:math:`L_S = \tfrac12\sum_{k \notin S}\sigma_k^2` appears once (:func:`critical_values`), and
:func:`learnt_set_lattice` orders the learnt sets by inclusion. The critical points
themselves, and tests of criticality, are in :mod:`deeplinear.critical`; the index and
zero-singular-value conventions are stated there.

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
from ._validation import as_int, as_positive, as_real_array, as_widths, check_sigma
from .errors import ArgumentTypeError, InvalidArgumentError, NonFiniteResultError

__all__ = [
    "CriticalValues",
    "CriticalLevel",
    "critical_values",
    "LearntSetLattice",
    "learnt_set_lattice",
]


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
        raise ArgumentTypeError(f"{name} must be a sequence of non-negative numbers, got {_short(values)}")
    s = as_real_array(values, name, allow_empty=True)
    if s.ndim == 0:
        s = s.reshape(1)
    if s.ndim != 1:
        raise InvalidArgumentError(
            f"{name} must be 1-D (the singular values) or a matrix Sigma of shape (d_h, d_0), "
            f"got an array of shape {s.shape}"
        )
    if not np.all(np.isfinite(s)):
        raise InvalidArgumentError(f"{name} must be finite, got {_short(values)}")
    if np.any(s < 0):
        k = int(np.argmax(s < 0))
        raise InvalidArgumentError(f"singular values are non-negative; {name}[{k}] (sigma_{k + 1}) = {s[k]}")
    if s.size and np.max(s) > _LARGEST:
        raise NonFiniteResultError(
            f"the loss values 1/2 sum sigma_k^2 overflow: Sigma (or {name}) has the singular value "
            f"{np.max(s):g}, above {_LARGEST:g}"
        )
    return s


#: Singular values above this overflow the loss values 1/2 sum sigma_k^2 (about sqrt(max float / 1e4)).
_LARGEST = 1e150


@dataclass(frozen=True, eq=False)
class _Modes:
    """Singular triples of Sigma in the index convention of this module."""

    sigma: np.ndarray  # (q,), q = min(d_0, d_h), non-negative
    U: np.ndarray  # (d_h, q) output directions u_k
    V: np.ndarray  # (d_0, q) input directions v_k
    diagonal: bool


def _sigma_modes(S: np.ndarray) -> _Modes:
    if S.size and float(np.max(np.abs(S))) > _LARGEST:
        raise NonFiniteResultError(
            f"the loss values 1/2 sum sigma_k^2 overflow: Sigma has the entry {float(np.max(np.abs(S))):g}, "
            f"above {_LARGEST:g}"
        )
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
        raise ArgumentTypeError(f"{name} must be a collection of 1-based indices such as (1, 2), got {_short(subset)}")
    try:
        items = list(subset)  # type: ignore[call-overload]
    except TypeError as exc:
        raise ArgumentTypeError(f"{name} must be a collection of 1-based indices such as (1, 2), got {_short(subset)}") from exc
    out = []
    for k in items:
        if isinstance(k, bool) or not isinstance(k, (Integral, np.integer)):
            raise ArgumentTypeError(f"{name} holds {_short(k)}, which is not an integer index (indices are 1-based)")
        out.append(int(k))
    n = len(sigma)
    bad = [k for k in out if not 1 <= k <= n]
    if bad:
        raise InvalidArgumentError(
            f"{name} index {bad[0]} is out of range: indices are 1-based and Sigma has {n} singular "
            f"values, so each index must be in 1..{n}"
        )
    dup = sorted({k for k in out if out.count(k) > 1})
    if dup:
        raise InvalidArgumentError(f"{name} = {_short(subset)} repeats the index {dup[0]}; each singular value is learnt at most once")
    if len(out) > d_min:
        raise InvalidArgumentError(
            f"{name} = {_short(subset)} has {len(out)} elements but the rank bound is d_min = {d_min} "
            f"(the narrowest layer), so at most {d_min} singular values can be learnt"
        )
    zero = [k for k in out if not (0.5 * sigma[k - 1] ** 2 > atol and sigma[k - 1] > 0)]
    if zero:
        raise InvalidArgumentError(
            f"{name} contains index {zero[0]} but sigma_{zero[0]} = {sigma[zero[0] - 1]:g} is zero: learning a "
            "zero singular value changes nothing, so learnt sets hold positive singular values only "
            f"(drop {zero[0]})"
        )
    return tuple(sorted(out))


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
        return np.asarray(Sigma).ndim == 2
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
        raise InvalidArgumentError(
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

    exhausted = True
    if len(d) == 2:
        # depth 1: L is convex in W_1 = W_{1:1}, whose only critical point is Sigma itself
        groups = [[value(tuple(range(r))), [tuple(range(r))]]]
    elif k is None:
        n_sets = sum(math.comb(r, c) for c in range(m + 1))
        if n_sets > max_subsets:
            raise InvalidArgumentError(
                f"{n_sets} admissible learnt sets (r = {r}, rank bound {d_min}) exceed max_subsets = {max_subsets}; "
                "ask for the k smallest values with k=..., or raise max_subsets"
            )
        pairs = [(value(T), T) for c in range(m + 1) for T in itertools.combinations(range(r), c)]
        pairs.sort(key=lambda p: (p[0], len(p[1]), p[1]))
        groups = _group(pairs, tol)
    else:
        groups, exhausted = _k_smallest(value, r, m, k, tol, max_subsets)
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
        complete=k is None or exhausted,
        atol=tol,
    )


def _k_smallest(value, r: int, m: int, k: int, tol: float, max_subsets: int) -> tuple[list[list], bool]:
    """The ``k`` smallest critical values, best first, without listing every learnt set.

    Learnt sets of each size are visited in increasing value from a heap: a set's successors
    move one of its indices to the next smaller singular value. Returns the groups
    ``[value, [sets]]`` and whether the heap was exhausted (then every value was listed).
    """
    heap: list[tuple[float, tuple[int, ...]]] = []
    seen: set[tuple[int, ...]] = set()
    for c in range(m + 1):
        T = tuple(range(c))
        seen.add(T)
        heapq.heappush(heap, (value(T), T))
    groups: list[list] = []
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
            raise InvalidArgumentError(
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
    return groups, not heap


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
        raise InvalidArgumentError(
            f"widths {d} describe a network of depth h = 1, whose loss is convex with the single critical "
            "point W_1 = Sigma; the lattice of learnt sets is for depth h >= 2"
        )
    cv = critical_values(singular_values, d)
    s = np.asarray(cv.singular_values, dtype=float)
    tol = cv.atol
    positive = tuple(sorted((k + 1 for k in range(len(s)) if 0.5 * s[k] ** 2 > tol and s[k] > 0),
                            key=lambda k: (-s[k - 1], k)))
    if len(positive) > _MAX_RANK:
        raise InvalidArgumentError(
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
