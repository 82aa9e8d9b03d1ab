r"""The loss landscape: critical values, critical points, fibres and level sets.

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

**Quotient view.** ``L`` factors through the multiplication map
:math:`\pi : (W_1, \dots, W_h) \mapsto W_{1:h}` (in adjacency form :math:`A \mapsto A^h`) as
:math:`L = \ell \circ \pi` with the convex :math:`\ell(W) = \tfrac12\lVert\Sigma - W\rVert_F^2`.
Each critical value is listed once, by its quotient point :math:`\Sigma_S`; the other points
with that product form the *fibre* :math:`\pi^{-1}(\Sigma_S)`, which contains the
:math:`GL` orbits :math:`W_i \mapsto T_i W_i T_{i-1}^{-1}` (:math:`T_0 = T_h = I`), other
factorisations outside those orbits, and also *non-critical* points (:func:`sample_fiber`).
:func:`fiber_path` follows a one-parameter path inside a fibre and measures what stays (loss,
product) and what changes (norms, :math:`C_i`, Hessian spectrum, strictness);
:func:`first_order_fiber_dimension` bounds the fibre's local dimension from above; and
:func:`spare_rank_fiber_point` is a path of critical points that leaves the orbit of
:math:`A_S` and turns a non-strict saddle into strict ones.

**Index convention.** Singular values are numbered from 1, as in the text. For
:func:`critical_values` the index ``k`` is the position in the sequence given. For a matrix
``Sigma`` (:func:`critical_point`, :func:`critical_values_of`, :func:`learnt_subset`): when
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
from numbers import Integral, Real

import numpy as np
from scipy.linalg import expm, null_space

from ._validation import as_int, as_positive, as_real, as_rng, as_weights, as_widths, check_sigma, widths_of
from .hessian import extreme_eigenvalues, hessian, inertia
from .invariants import gl_action
from .network import adjacency, prefix_products, suffix_products
from ._validation import frozen_array as _readonly

__all__ = [
    "CriticalValues",
    "CriticalPoint",
    "FiberSample",
    "FiberPath",
    "LevelSetFamily",
    "critical_values",
    "critical_values_of",
    "critical_point",
    "learnt_subset",
    "sample_fiber",
    "fiber_path",
    "first_order_fiber_dimension",
    "relative_gradient_norm",
    "is_critical",
    "level_set_family",
    "spare_rank_fiber_point",
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
            f"{name} must be 1-D (the singular values), got an array of shape {s.shape}; "
            "for a matrix use critical_values_of(Sigma, widths)"
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

    def __iter__(self) -> Iterator[tuple[float, tuple[tuple[int, ...], ...]]]:
        return iter(zip(self.values, self.subsets))

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
    singular_values: Sequence[float],
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
    singular_values : sequence of float
        :math:`\sigma_1, \sigma_2, \dots \ge 0` (any order; index ``k`` is position ``k``,
        counted from 1). At most ``min(d_0, d_h)`` of them (``Sigma`` is ``d_h x d_0``).
        Zero singular values are never learnt (learning them changes nothing).
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
        Negative or too many singular values, bad widths, or too many sets to list.

    Examples
    --------
    >>> cv = critical_values([3, 2, 1], (3, 4, 2, 3))
    >>> cv.values
    (0.5, 2.0, 2.5, 4.5, 5.0, 6.5, 7.0)
    >>> cv.global_minimum_subsets
    ((1, 2),)

    References
    ----------
    Baldi and Hornik 1989; Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024.
    """
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


def critical_values_of(Sigma: np.ndarray, widths: Sequence[int], **kwargs: object) -> CriticalValues:
    """:func:`critical_values` for a target matrix ``Sigma`` of shape ``(d_h, d_0)``.

    The singular values are read in the module's index convention (the diagonal of a
    rectangular-diagonal ``Sigma``, otherwise sorted decreasingly), so learnt sets match
    :func:`critical_point` and :func:`learnt_subset` for the same ``Sigma``. Keyword arguments
    go to :func:`critical_values`.
    """
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    return critical_values(_sigma_modes(S).sigma, d, **kwargs)  # type: ignore[arg-type]


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
    balanced : bool
        Whether this is the balanced representative (``C_i = 0``).
    singular_values : tuple of float
        In the module's index convention.
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
    widths : sequence of int
    balanced : bool, default True

    Returns
    -------
    CriticalPoint
        With ``.weights``, ``.adjacency``, ``.value``, ``.subset``.

    Raises
    ------
    ValueError
        If ``subset`` is larger than the rank bound, has an index out of range, repeats an
        index, or names a zero singular value.
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

    Raises
    ------
    ValueError
        If the product is not of the form :math:`\Sigma_S` (a singular value of the product
        matches none of ``Sigma``'s).
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

    Examples
    --------
    Claim 32 of the digest: a non-critical point of the origin's fibre.

    >>> import numpy as np
    >>> e1, e2 = np.eye(2)
    >>> is_critical([np.outer(e1, e1), np.outer(e2, e2)], np.diag([3.0, 2.0]))
    False
    """
    tol = as_positive(tol, "tol", allow_zero=True)
    return relative_gradient_norm(weights, Sigma) <= tol


# --------------------------------------------------------------------------- fibres


def _imbalance(W: Sequence[np.ndarray]) -> tuple[float, ...]:
    return tuple(float(np.linalg.norm(W[i + 1].T @ W[i + 1] - W[i] @ W[i].T)) for i in range(len(W) - 1))


@dataclass(frozen=True, eq=False)
class FiberSample:
    r"""Points of the fibre :math:`\pi^{-1}(W_{1:h})` of a base point.

    Attributes
    ----------
    base : tuple of ndarray
        The base point.
    points : tuple of tuple of ndarray
        The sampled networks (same product as ``base`` up to rounding).
    kind : str
        ``"gl"``, ``"orthogonal"`` or ``"factorisation"``.
    scale : float
    product_error : tuple of float
        :math:`\max|W_{1:h}(\text{point}) - W_{1:h}(\text{base})|` per point.
    losses : tuple of float
        Loss per point (all equal to ``base_loss`` up to rounding).
    relative_gradient_norms : tuple of float
        :func:`relative_gradient_norm` per point.
    critical : tuple of bool
        :func:`is_critical` per point (non-critical fibre points exist: claim 32).
    norms : tuple of float
        :math:`(\sum_i\lVert W_i\rVert_F^2)^{1/2}` per point: unbounded along a fibre.
    imbalance : tuple of tuple of float
        :math:`\lVert C_i\rVert_F` per point: the conserved quantities vary within a fibre.
    base_loss, base_norm : float
    """

    base: tuple[np.ndarray, ...]
    points: tuple[tuple[np.ndarray, ...], ...]
    kind: str
    scale: float
    product_error: tuple[float, ...]
    losses: tuple[float, ...]
    relative_gradient_norms: tuple[float, ...]
    critical: tuple[bool, ...]
    norms: tuple[float, ...]
    imbalance: tuple[tuple[float, ...], ...]
    base_loss: float
    base_norm: float

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        lines = [
            f"FiberSample(kind={self.kind!r}, scale={self.scale:g}, {len(self)} points; base loss "
            f"{self.base_loss:.6g}, base norm {self.base_norm:.4g})",
            f"{'#':>3} {'norm':>10} {'loss':>12} {'|dP|max':>9} {'rel grad':>9} critical",
        ]
        for i in range(len(self)):
            lines.append(
                f"{i:>3} {self.norms[i]:>10.4g} {self.losses[i]:>12.6g} {self.product_error[i]:>9.1e} "
                f"{self.relative_gradient_norms[i]:>9.1e} {self.critical[i]}"
            )
        return "\n".join(lines)


def _random_generator(n: int, rng: np.random.Generator, orthogonal: bool) -> np.ndarray:
    r"""A random element of :math:`\mathfrak{gl}(n)`: Gaussian with variance :math:`1/n`, made
    skew (an element of :math:`\mathfrak{o}(n)`) when ``orthogonal``."""
    Z = rng.standard_normal((n, n)) / math.sqrt(n)
    if orthogonal:
        Z = (Z - Z.T) / math.sqrt(2.0)
    return Z


def _random_transform(n: int, rng: np.random.Generator, scale: float, orthogonal: bool) -> np.ndarray:
    return expm(scale * _random_generator(n, rng, orthogonal))


def _product_preserving_direction(W: Sequence[np.ndarray], j: int, X: np.ndarray) -> np.ndarray:
    r"""The orthogonal projection of ``X`` onto the moves of layer ``j`` (1-based) that keep the product,

    .. math::

       \Delta = X - \Pi_{\mathrm{row}(W_{j+1:h})}\, X\, \Pi_{\mathrm{col}(W_{1:j-1})},
       \qquad W_{j+1:h}\,\Delta\,W_{1:j-1} = 0 .

    Computed with orthonormal bases of the two ranges and their complements (rank threshold
    ``1e-12`` relative, as ``pinv``'s ``rcond``) as
    :math:`N_r N_r^\top X + R R^\top X N_c N_c^\top`, so that a layer with no room to move
    (both complements empty) gets exactly zero instead of rounding noise.
    """
    pre = prefix_products(W[: j - 1])[-1] if j > 1 else np.eye(W[0].shape[1])  # W_{1:j-1}
    suf = suffix_products(W)[j]  # W_{j+1:h}
    R, N_row = _range_and_complement(suf.T)  # row space of W_{j+1:h} and its complement
    _, N_col = _range_and_complement(pre)  # complement of the column space of W_{1:j-1}
    return N_row @ (N_row.T @ X) + R @ ((R.T @ X) @ N_col) @ N_col.T


def _product_preserving_move(W: list[np.ndarray], rng: np.random.Generator, scale: float) -> list[np.ndarray]:
    r"""Add to each layer, in turn, a random :math:`\Delta_j` with
    :math:`W_{j+1:h}\,\Delta_j\,W_{1:j-1} = 0` (:func:`_product_preserving_direction` of a
    Gaussian :math:`X`)."""
    W = [w.copy() for w in W]
    for j in range(len(W)):
        X = scale * rng.standard_normal(W[j].shape) / math.sqrt(max(W[j].shape))
        W[j] = W[j] + _product_preserving_direction(W, j + 1, X)
    return W


def _range_and_complement(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal bases of the column space of ``M`` and of its orthogonal complement
    (rank with the relative threshold 1e-12, as ``pinv``'s ``rcond``)."""
    U, s, _ = np.linalg.svd(M, full_matrices=True)
    r = int(np.sum(s > 1e-12 * s[0])) if s.size and s[0] > 0 else 0
    return U[:, :r], U[:, r:]


def _base_point(point: CriticalPoint | Sequence[np.ndarray], Sigma: np.ndarray | None) -> tuple[list[np.ndarray], np.ndarray]:
    """Writable weights of ``point`` and the validated target (a CriticalPoint carries its own)."""
    if isinstance(point, CriticalPoint):
        base = [np.array(w) for w in point.weights]
        if Sigma is None:
            Sigma = point.Sigma
    else:
        base = as_weights(point, "point")
    if Sigma is None:
        raise ValueError("Sigma is needed when point is a weight list (only a CriticalPoint carries its own)")
    return base, check_sigma(Sigma, widths_of(base))


def sample_fiber(
    point: CriticalPoint | Sequence[np.ndarray],
    Sigma: np.ndarray | None,
    rng: np.random.Generator | int,
    *,
    n: int = 5,
    kind: str = "gl",
    scale: float = 1.0,
    tol: float = CRITICAL_TOL,
) -> FiberSample:
    r"""Other points with the same end-to-end map (hence the same loss) as ``point``.

    Three samplers:

    ``"gl"``
        The symmetry :math:`W_i \mapsto T_i W_i T_{i-1}^{-1}` (:math:`T_0 = T_h = I`) with
        :math:`T_i = \exp(\mathrm{scale}\cdot Z_i)`, :math:`Z_i` Gaussian with variance
        :math:`1/d_i`. Critical points stay critical (the action is a linear change of
        variables leaving :math:`L` invariant) and the Hessian inertia is unchanged
        (Sylvester), but the conserved quantities :math:`C_i` and the Hessian's eigenvalues
        change, and the norms grow without bound as ``scale`` grows.
    ``"orthogonal"``
        The same with :math:`T_i = \exp(\mathrm{scale}\cdot K_i)`, :math:`K_i` skew: the
        subgroup under which the flow is equivariant; norms and :math:`\lVert C_i\rVert_F`
        are preserved.
    ``"factorisation"``
        Leaves the orbit: each layer in turn gets a random
        :math:`\Delta_j = X - \Pi_{\mathrm{row}(W_{j+1:h})}\,X\,\Pi_{\mathrm{col}(W_{1:j-1})}`,
        which satisfies :math:`W_{j+1:h}\Delta_j W_{1:j-1} = 0` (null-space parts of a
        rank-deficient product). E.g. from the origin with ``h = 2`` it gives
        :math:`(X, 0)`, which is *not* critical; where the product is invertible and the
        widths equal it changes nothing (the fibre is one orbit there). Criticality is
        reported per point.

    Parameters
    ----------
    point : CriticalPoint or list of ndarray
    Sigma : ndarray or None
        The target; may be ``None`` when ``point`` is a :class:`CriticalPoint`.
    rng : numpy.random.Generator or int
    n : int, default 5
        Number of points.
    kind : {"gl", "orthogonal", "factorisation"}
    scale : float, default 1.0
        Size of the move (log-stretch of :math:`T_i`, or standard size of :math:`\Delta_j`).
    tol : float
        Tolerance of :func:`is_critical` for the reported flags.

    Returns
    -------
    FiberSample
    """
    base, Sig = _base_point(point, Sigma)
    rng = as_rng(rng)
    n = as_int(n, "n", minimum=1)
    scale = as_positive(scale, "scale", allow_zero=True)
    if kind not in ("gl", "orthogonal", "factorisation"):
        raise ValueError(f"kind must be 'gl', 'orthogonal' or 'factorisation', got {kind!r}")
    d = widths_of(base)
    P0 = prefix_products(base)[-1]
    pts = []
    for _ in range(n):
        if kind == "factorisation":
            Wn = _product_preserving_move(base, rng, scale)
        elif len(d) > 2:
            Ts = [_random_transform(di, rng, scale, kind == "orthogonal") for di in d[1:-1]]
            Wn = gl_action(base, Ts)
        else:
            Wn = [w.copy() for w in base]
        pts.append(tuple(_readonly(w) for w in Wn))
    rel = tuple(relative_gradient_norm(p, Sig) for p in pts)
    return FiberSample(
        base=tuple(_readonly(w) for w in base),
        points=tuple(pts),
        kind=kind,
        scale=scale,
        product_error=tuple(float(np.max(np.abs(prefix_products(p)[-1] - P0), initial=0.0)) for p in pts),
        losses=tuple(0.5 * float(np.sum((Sig - prefix_products(p)[-1]) ** 2)) for p in pts),
        relative_gradient_norms=rel,
        critical=tuple(bool(x <= tol) for x in rel),
        norms=tuple(math.sqrt(sum(float(np.sum(w * w)) for w in p)) for p in pts),
        imbalance=tuple(_imbalance(p) for p in pts),
        base_loss=0.5 * float(np.sum((Sig - P0) ** 2)),
        base_norm=math.sqrt(sum(float(np.sum(w * w)) for w in base)),
    )


def first_order_fiber_dimension(weights: Sequence[np.ndarray]) -> int:
    r"""Dimension of :math:`\ker d\pi` at ``weights``: the directions that keep the product fixed
    to first order.

    The fibre through ``weights`` is the set of global minima (value 0) of the loss with target
    :math:`P = W_{1:h}` itself, and at a point where the residual vanishes the Hessian of that
    loss is :math:`J^\top J` with :math:`J = d\pi`. So the null space of
    ``hessian(weights, end_to_end(weights))`` is :math:`\ker J`, counted with
    :func:`deeplinear.inertia`. It bounds the local dimension of the fibre from above, and
    :func:`deeplinear.orbit_dimension` bounds it from below:

    .. math:: \dim(G\cdot W) \le \dim_W \pi^{-1}(\pi(W)) \le \dim\ker d\pi_W .

    Parameters
    ----------
    weights : list of ndarray

    Returns
    -------
    int
    """
    W = as_weights(weights)
    return int(inertia(hessian(W, prefix_products(W)[-1])).n_zero)


#: The path kinds of :func:`fiber_path`.
PATH_KINDS = ("gl", "orthogonal", "null-space")


@dataclass(frozen=True, eq=False)
class FiberPath:
    r"""Points :math:`W(s)` of a path inside the fibre of ``base``, with what changes and what stays.

    Attributes
    ----------
    kind : str
        ``"gl"``, ``"orthogonal"`` or ``"null-space"``.
    layer : int or None
        The layer moved by a ``"null-space"`` path (1-based).
    s : ndarray
        Path parameters; ``W(0)`` is the base point.
    base : tuple of ndarray
    Sigma : ndarray
    points : tuple of tuple of ndarray
    losses : ndarray
        :math:`L(W(s))` (constant up to rounding).
    product_error : ndarray
        :math:`\max|W_{1:h}(s) - W_{1:h}(0)|` (rounding level).
    norms : ndarray
        :math:`(\sum_i\lVert W_i(s)\rVert_F^2)^{1/2}`.
    imbalance : ndarray, shape (n_s, h - 1)
        :math:`\lVert C_i(W(s))\rVert_F`.
    relative_gradient_norms : ndarray
    critical : tuple of bool
    lambda_min, lambda_max : ndarray
        Extreme eigenvalues of the Hessian of :math:`L` at :math:`W(s)`.
    orbit_dims : ndarray of int
        :func:`deeplinear.orbit_dimension` at each point.
    ranks : ndarray of int, shape (n_s, h)
        Ranks of the layers :math:`W_i(s)`.
    kinds : tuple of str
        :func:`deeplinear.classify` of each critical point, ``"not critical"`` otherwise.
    direction_norm : float
        Size of the product-preserving direction before normalisation (``"null-space"``; 0 means
        there is none and the path is constant), ``nan`` for the group paths.
    """

    kind: str
    layer: int | None
    s: np.ndarray
    base: tuple[np.ndarray, ...]
    Sigma: np.ndarray
    points: tuple[tuple[np.ndarray, ...], ...]
    losses: np.ndarray
    product_error: np.ndarray
    norms: np.ndarray
    imbalance: np.ndarray
    relative_gradient_norms: np.ndarray
    critical: tuple[bool, ...]
    lambda_min: np.ndarray
    lambda_max: np.ndarray
    orbit_dims: np.ndarray
    ranks: np.ndarray
    kinds: tuple[str, ...]
    direction_norm: float

    def __len__(self) -> int:
        return len(self.points)

    def index(self, s: float) -> int:
        """Index of the path parameter closest to ``s``."""
        return int(np.argmin(np.abs(self.s - float(s))))

    @property
    def label(self) -> str:
        """A short description of the path."""
        return {
            "gl": r"GL stretch $T_i = e^{sZ_i}$",
            "orthogonal": r"rotation $T_i = e^{sK_i}$, $K_i$ skew",
        }.get(self.kind, rf"product-preserving line $W_{self.layer} + s\Delta$")

    def __repr__(self) -> str:
        lines = [f"FiberPath(kind={self.kind!r}" + (f", layer={self.layer}" if self.layer else "")
                 + f", {len(self)} points, s in [{self.s.min():g}, {self.s.max():g}])",
                 f"{'s':>6} {'loss':>10} {'norm':>7} {'max|C_i|':>9} {'lam_min':>9} {'lam_max':>9} orbit  kind"]
        for k in range(len(self)):
            c = float(np.max(self.imbalance[k], initial=0.0))
            lines.append(f"{self.s[k]:>6.3g} {self.losses[k]:>10.6g} {self.norms[k]:>7.4g} {c:>9.3g} "
                         f"{self.lambda_min[k]:>9.4g} {self.lambda_max[k]:>9.4g} {self.orbit_dims[k]:>5}  {self.kinds[k]}")
        return "\n".join(lines)


def fiber_path(
    point: CriticalPoint | Sequence[np.ndarray],
    Sigma: np.ndarray | None = None,
    *,
    kind: str = "gl",
    s: Sequence[float] = tuple(np.linspace(-1.0, 1.0, 41)),
    seed: int = 0,
    layer: int = 1,
) -> FiberPath:
    r"""A one-parameter path :math:`s \mapsto W(s)` inside the fibre :math:`\pi^{-1}(W_{1:h})`.

    ``kind="gl"``
        :math:`W_i(s) = T_i(s) W_i T_{i-1}(s)^{-1}` with :math:`T_i(s) = \exp(s Z_i)`,
        :math:`Z_i` Gaussian with variance :math:`1/d_i` (a one-parameter subgroup of
        :math:`GL(d_1)\times\dots\times GL(d_{h-1})`): an orbit of the symmetry.
    ``kind="orthogonal"``
        The same with skew :math:`Z_i`: rotations of the hidden layers, which keep the norms
        and the eigenvalues of the :math:`C_i` and of the Hessian.
    ``kind="null-space"``
        The straight line :math:`W_j + s\Delta` in layer ``j = layer``, with
        :math:`\Delta = X - \Pi_{\mathrm{row}(W_{j+1:h})} X \Pi_{\mathrm{col}(W_{1:j-1})}`
        (unit Frobenius norm, :math:`X` Gaussian; the projection of the ``"factorisation"``
        moves of :func:`sample_fiber`): :math:`W_{j+1:h}\Delta W_{1:j-1} = 0`, so the
        product is the same for every ``s``. Where the partial products are invertible
        :math:`\Delta = 0` and the path is constant (``direction_norm == 0``); where they are
        rank deficient the line changes the ranks of the layers and so leaves the orbit.

    Every point is measured: loss, product error, norm, :math:`\lVert C_i\rVert_F`, relative
    gradient norm and criticality (:func:`is_critical`), the extreme Hessian eigenvalues
    (:func:`deeplinear.extreme_eigenvalues`), the orbit dimension, the ranks of the layers and,
    at critical points, the type from :func:`deeplinear.classify`.

    Parameters
    ----------
    point : CriticalPoint or list of ndarray
        The base point :math:`W(0)`.
    Sigma : ndarray, optional
        The target; taken from ``point`` when it is a :class:`~deeplinear.CriticalPoint`.
    kind : {"gl", "orthogonal", "null-space"}
    s : sequence of float
        Path parameters (default 41 points in ``[-1, 1]``).
    seed : int
        Seed of the random generator :math:`Z_i` or :math:`X`.
    layer : int
        Layer of a ``"null-space"`` path, ``1..h``.

    Returns
    -------
    FiberPath

    Raises
    ------
    ValueError
        For an unknown ``kind``, a ``layer`` outside ``1..h``, an empty or non-finite ``s``, a
        missing ``Sigma``, or a group path at depth 1 (no hidden layer).
    """
    # classify and orbit_dimension live in deeplinear.saddles, which imports this module
    from .saddles import classify, orbit_dimension

    base, Sig = _base_point(point, Sigma)
    d = widths_of(base)
    h = len(base)
    if kind not in PATH_KINDS:
        raise ValueError(f"kind must be one of {PATH_KINDS}, got {kind!r}")
    s_arr = np.asarray(s, dtype=float)
    if s_arr.ndim != 1 or s_arr.size < 1 or not np.all(np.isfinite(s_arr)):
        raise ValueError(f"s must be a non-empty 1-D sequence of finite numbers, got {s!r:.80}")
    rng = as_rng(as_int(seed, "seed", minimum=0))
    layer_used: int | None = None
    direction_norm = math.nan
    pts: list[list[np.ndarray]] = []
    if kind in ("gl", "orthogonal"):
        if h < 2:
            raise ValueError("a network of depth 1 has no hidden layer, so the symmetry group is trivial")
        Z = [_random_generator(di, rng, kind == "orthogonal") for di in d[1:-1]]
        for si in s_arr:
            pts.append(gl_action(base, [expm(si * z) for z in Z]))
    else:
        layer_used = as_int(layer, "layer", minimum=1)
        if layer_used > h:
            raise ValueError(f"layer must be in 1..h = 1..{h}, got {layer_used}")
        D = _product_preserving_direction(base, layer_used, rng.standard_normal(base[layer_used - 1].shape))
        direction_norm = float(np.linalg.norm(D))
        D = D / direction_norm if direction_norm > 1e-12 else np.zeros_like(D)
        for si in s_arr:
            W = [w.copy() for w in base]
            W[layer_used - 1] = W[layer_used - 1] + si * D
            pts.append(W)
    P0 = prefix_products(base)[-1]
    losses, perr, norms, imb, rel, lmin, lmax, odim, ranks, kinds = ([] for _ in range(10))
    for W in pts:
        P = prefix_products(W)[-1]
        losses.append(0.5 * float(np.sum((Sig - P) ** 2)))
        perr.append(float(np.max(np.abs(P - P0), initial=0.0)))
        norms.append(math.sqrt(sum(float(np.sum(w * w)) for w in W)))
        imb.append(list(_imbalance(W)))
        rho = relative_gradient_norm(W, Sig)
        rel.append(rho)
        ev = extreme_eigenvalues(W, Sig)
        lmin.append(float(ev.lambda_min))
        lmax.append(float(ev.lambda_max))
        odim.append(orbit_dimension(W))
        ranks.append([int(np.linalg.matrix_rank(w)) for w in W])
        kinds.append(classify(W, Sig).kind if rho <= CRITICAL_TOL else "not critical")
    return FiberPath(
        kind=kind,
        layer=layer_used,
        s=_readonly(s_arr),
        base=tuple(_readonly(w) for w in base),
        Sigma=_readonly(Sig),
        points=tuple(tuple(_readonly(w) for w in W) for W in pts),
        losses=_readonly(losses),
        product_error=_readonly(perr),
        norms=_readonly(norms),
        imbalance=_readonly(np.array(imb).reshape(len(pts), h - 1)),
        relative_gradient_norms=_readonly(rel),
        critical=tuple(bool(x <= CRITICAL_TOL) for x in rel),
        lambda_min=_readonly(lmin),
        lambda_max=_readonly(lmax),
        orbit_dims=_readonly(odim, dtype=int),
        ranks=_readonly(np.array(ranks, dtype=int), dtype=int),
        kinds=tuple(kinds),
        direction_norm=direction_norm,
    )


# --------------------------------------------------------------------------- level sets


@dataclass(frozen=True, eq=False)
class LevelSetFamily:
    r"""A one-parameter family of critical points with one critical value.

    Attributes
    ----------
    subset : tuple of int
    ts : ndarray
        The parameter values.
    points : tuple of tuple of ndarray
    values : ndarray
        The loss at each point (constant).
    norms : ndarray
        Parameter norm at each point (:math:`\to\infty` as ``t`` grows).
    relative_gradient_norms : ndarray
    critical : tuple of bool
    mechanism : str
        How the family is built.
    """

    subset: tuple[int, ...]
    ts: np.ndarray
    points: tuple[tuple[np.ndarray, ...], ...]
    values: np.ndarray
    norms: np.ndarray
    relative_gradient_norms: np.ndarray
    critical: tuple[bool, ...]
    mechanism: str

    def __repr__(self) -> str:
        lines = [f"LevelSetFamily(subset={_fmt_subset(self.subset)}: {self.mechanism})",
                 f"{'t':>10} {'norm':>12} {'value':>14} {'rel grad':>9} critical"]
        for i, t in enumerate(self.ts):
            lines.append(
                f"{t:>10.4g} {self.norms[i]:>12.5g} {self.values[i]:>14.10g} "
                f"{self.relative_gradient_norms[i]:>9.1e} {self.critical[i]}"
            )
        return "\n".join(lines)


def level_set_family(
    subset: Sequence[int],
    Sigma: np.ndarray,
    widths: Sequence[int],
    *,
    ts: Sequence[float] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0),
    tol: float = CRITICAL_TOL,
) -> LevelSetFamily:
    r"""Evidence that the critical set at value :math:`L_S` is unbounded: a ray of critical points.

    * :math:`S \ne \emptyset`, :math:`h \ge 2`: the :math:`GL` orbit
      :math:`t \mapsto (tW_1, W_2/t, W_3, \dots, W_h)` of the balanced representative;
      the product, the value and criticality are unchanged while the norm grows like ``t``.
    * :math:`S = \emptyset`, :math:`h \ge 3`: :math:`(0, tI, \dots, tI, 0)` (partial
      identities in the middle layers). Every gradient term contains :math:`W_1` or
      :math:`W_h`, so these are critical with the origin's value; the origin's own orbit is a
      single point, so this family lies outside it.
    * :math:`S = \emptyset`, :math:`h = 2`: :math:`(t\,e_1 n^\top, 0)` with
      :math:`\Sigma n = 0`, or :math:`(0, t\,m e_1^\top)` with :math:`\Sigma^\top m = 0`.
      When ``Sigma`` is square and invertible neither exists: the origin is then a
      *non-degenerate* critical point (Hessian eigenvalues :math:`\pm\sigma_k`, claim 12),
      hence **isolated**, and its critical set is bounded; this function raises.

    Raises
    ------
    ValueError
        For ``h = 1`` (the loss is convex; its only critical point is ``Sigma``) and for the
        isolated origin described above.
    """
    d = as_widths(widths)
    h = len(d) - 1
    Sig = check_sigma(Sigma, d)
    ts_arr = np.asarray(ts, dtype=float)
    if ts_arr.ndim != 1 or len(ts_arr) < 1 or not np.all(np.isfinite(ts_arr)) or np.any(ts_arr <= 0):
        raise ValueError(f"ts must be a non-empty 1-D sequence of positive numbers, got {_short(ts)}")
    if h == 1:
        raise ValueError("for depth h = 1 the loss is convex and W_1 = Sigma is its only critical point: no unbounded family")
    cp = critical_point(subset, Sig, d)
    base = [np.array(w) for w in cp.weights]
    pts = []
    if cp.subset:
        mechanism = "GL orbit (t W_1, W_2 / t, ...) of the balanced representative"
        for t in ts_arr:
            W = [w.copy() for w in base]
            W[0] = t * W[0]
            W[1] = W[1] / t
            pts.append(W)
    elif h >= 3:
        mechanism = "(0, t J, ..., t J, 0): middle layers grow, first and last layer zero (outside the origin's orbit)"
        for t in ts_arr:
            W = [np.zeros_like(w) for w in base]
            for i in range(1, h - 1):
                W[i] = t * np.eye(d[i + 1], d[i])
            pts.append(W)
    else:
        ker = null_space(Sig)  # Sigma n = 0
        coker = null_space(Sig.T)  # Sigma^T m = 0
        if ker.shape[1]:
            nvec = ker[:, 0]
            mechanism = "(t e_1 n^T, 0) with Sigma n = 0 (a null direction of Sigma)"
            for t in ts_arr:
                pts.append([t * np.outer(np.eye(d[1])[0], nvec), np.zeros((d[2], d[1]))])
        elif coker.shape[1]:
            mvec = coker[:, 0]
            mechanism = "(0, t m e_1^T) with Sigma^T m = 0 (a left null direction of Sigma)"
            for t in ts_arr:
                pts.append([np.zeros((d[1], d[0])), t * np.outer(mvec, np.eye(d[1])[0])])
        else:
            raise ValueError(
                "for h = 2 and an invertible square Sigma the origin is a non-degenerate critical point "
                "(Hessian eigenvalues +-sigma_k, none zero), hence isolated: its set of critical points is "
                "bounded and no unbounded family exists"
            )
    pts_t = tuple(tuple(_readonly(w) for w in W) for W in pts)
    rel = np.array([relative_gradient_norm(p, Sig) for p in pts_t])
    return LevelSetFamily(
        subset=cp.subset,
        ts=_readonly(ts_arr),
        points=pts_t,
        values=_readonly(np.array([0.5 * float(np.sum((Sig - prefix_products(p)[-1]) ** 2)) for p in pts_t])),
        norms=_readonly(np.array([math.sqrt(sum(float(np.sum(w * w)) for w in p)) for p in pts_t])),
        relative_gradient_norms=_readonly(rel),
        critical=tuple(bool(x <= tol) for x in rel),
        mechanism=mechanism,
    )


def spare_rank_fiber_point(subset: Sequence[int], Sigma: np.ndarray, widths: Sequence[int], t: float) -> list[np.ndarray]:
    r"""A critical point on a path through the balanced representative :math:`A_S` that leaves its orbit.

    Start from the balanced representative (:func:`critical_point`) and add :math:`t` times a
    partial identity between the *free* hidden coordinates (those that carry no learnt mode) to
    every middle layer :math:`W_2, \dots, W_{h-1}`:

    .. math:: W(t) = (D_1,\ D_2 + tJ_2,\ \dots,\ D_{h-1} + tJ_{h-1},\ D_h).

    The first and last layers are unchanged and vanish on the free coordinates, so the product
    (hence the loss :math:`L_S`) is the same for every ``t`` and every ``W(t)`` is critical
    (each gradient term contains :math:`u_m^\top W_h = 0` or :math:`W_1 v_m = 0` for an
    unlearnt mode ``m``). For ``h >= 3``, a top set ``S`` and ``t > 0`` the point is a
    *strict* saddle (the middle product now has spare rank), although ``t = 0`` is
    non-strict: strictness changes along one fibre. For ``h = 2`` there is no middle layer and
    the point does not move; for :math:`S = \emptyset` it is
    :math:`(0, tJ, \dots, tJ, 0)`, the family of :func:`level_set_family`.

    Parameters
    ----------
    subset : collection of int
        The learnt set ``S`` (1-based).
    Sigma : ndarray, shape (d_h, d_0)
    widths : sequence of int
    t : float
        Position along the path (``t = 0``: the balanced representative).

    Returns
    -------
    list of ndarray

    Raises
    ------
    TypeError, ValueError
        If ``t`` is not a finite real number, or ``subset`` is not admissible (see :func:`critical_point`).
    """
    d = as_widths(widths)
    h = len(d) - 1
    t = as_real(t, "t")
    cp = critical_point(subset, Sigma, d)
    W = cp.copy_weights()
    used = [set()] + [set(_hidden_positions(cp.subset, d[i]).values()) for i in range(1, h)] + [set()]  # type: ignore[union-attr]
    for i in range(2, h):  # layer i maps layer i-1 to layer i (1-based)
        rows = [c for c in range(d[i]) if c not in used[i]]
        cols = [c for c in range(d[i - 1]) if c not in used[i - 1]]
        for a, b in zip(rows, cols):
            W[i - 1][a, b] += t
    return W
