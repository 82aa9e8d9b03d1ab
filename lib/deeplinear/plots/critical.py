r"""Figures of the chapter on critical points and critical values.

A critical point of :math:`L = \tfrac12\lVert\Sigma - W_h\cdots W_1\rVert_F^2` (``h >= 2``) has
a partial SVD :math:`\Sigma_S = \sum_{k\in S}\sigma_k u_k v_k^\top` as its end-to-end map, with
a learnt set :math:`S` of positive singular values of size at most the rank bound
:math:`d_{\min}`, and its value is :math:`L_S = \tfrac12\sum_{k\notin S}\sigma_k^2`
(:func:`deeplinear.critical_values`). The figures here draw

* the *lattice* of learnt sets: every set :math:`S` of positive singular values at height
  :math:`L_S`, joined to the sets with one more element, with the sets beyond the rank bound
  (which are *not* critical) greyed out, beside the *ladder* of distinct critical values
  (:func:`critical_ladder_figure`, and :func:`critical_ladder_explorer_figure` for the
  chapter's explorer);
* a representative critical point in network form: its graph, its adjacency matrix
  :math:`A_S` and the power :math:`A_S^h = \mathrm{blk}_h(\Sigma_S)`
  (:func:`critical_point_figure`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._validation import as_int, as_real_array
from ..critical import CriticalPoint
from ..quotient import LearntSetLattice, learnt_set_lattice
from ..network import adjacency
from .network import draw_network, draw_pattern
from .style import OKABE_ITO, new_figure
from ..errors import ArgumentTypeError

__all__ = [
    "critical_ladder_figure",
    "critical_ladder_explorer_figure",
    "critical_point_figure",
]


def _fmt(x: float) -> str:
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return str(int(round(x)))
    return f"{x:.4g}"


def _fmt_set(S: Sequence[int]) -> str:
    return "{" + ",".join(str(k) for k in S) + "}" if len(S) else "∅"


def _draw_lattice(ax, lat: LearntSetLattice, ylim: tuple[float, float]) -> None:
    index = {S: i for i, S in enumerate(lat.subsets)}
    r, m = lat.rank, lat.rank_bound
    if m < r:
        ax.axvspan(m + 0.5, r + 0.6, color="0.92", zorder=0)
        ax.text(m + 0.55, ylim[1] - 0.02 * (ylim[1] - ylim[0]), f"|S| > d_min = {m}:\nnot critical",
                ha="left", va="top", fontsize=7, color="0.35")
    # edges S -> S + {k}
    for S in lat.subsets:
        i = index[S]
        for k in lat.positive:
            if k in S:
                continue
            T = tuple(sorted(S + (k,)))
            j = index[T]
            ok = lat.admissible[j]
            ax.plot([len(S), len(T)], [lat.values[i], lat.values[j]], color="0.55" if ok else "0.8",
                    lw=0.7, ls="-" if ok else "--", zorder=1)
    # the chain of top sets
    chain = lat.top_chain()
    xs = [len(S) for S in chain]
    ys = [lat.values[index[S]] for S in chain]
    ax.plot(xs, ys, color=OKABE_ITO[5], lw=2.4, alpha=0.85, zorder=2, label=r"top sets $\{1, \dots, m\}$")
    # points, merged where several sets share (|S|, value) (repeated singular values)
    groups: dict[tuple[int, float], list[int]] = {}
    for i, S in enumerate(lat.subsets):
        key = (len(S), round(lat.values[i], 9))
        groups.setdefault(key, []).append(i)
    drawn = set()
    for (size, _), members in groups.items():
        i = members[0]
        y = lat.values[i]
        label = " ".join(_fmt_set(lat.subsets[j]) for j in members)
        if not lat.admissible[i]:
            kind = "beyond the rank bound (not critical)"
            ax.plot(size, y, "o", ms=6, mfc="white", mec="0.6", zorder=3, label=None if kind in drawn else kind)
        elif lat.is_global_minimum(i):
            kind = "global minimum"
            ax.plot(size, y, "D", ms=7, color=OKABE_ITO[1], mec="black", mew=0.6, zorder=4,
                    label=None if kind in drawn else kind)
        else:
            kind = "saddle"
            ax.plot(size, y, "o", ms=6, color=OKABE_ITO[0], zorder=3, label=None if kind in drawn else kind)
        drawn.add(kind)
        ax.annotate(label, (size, y), xytext=(5, 0), textcoords="offset points", fontsize=6.5, va="center",
                    color="0.1" if lat.admissible[i] else "0.55", zorder=5)
    ax.set_xlim(-0.3, r + 0.9)
    ax.set_xticks(range(r + 1))
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"number of learnt singular values $|S|$")
    ax.set_ylabel(r"loss value $L_S$ of the learnt set")
    ax.legend(fontsize=6.5, loc="best", framealpha=0.9)


def _draw_rungs(ax, lat: LearntSetLattice, ylim: tuple[float, float]) -> None:
    cv = lat.critical
    for i, (v, _) in enumerate(cv):
        colour = OKABE_ITO[1] if cv.is_global_minimum(i) else OKABE_ITO[0]
        ax.plot([0.05, 0.6], [v, v], color=colour, lw=2.6 if cv.is_global_minimum(i) else 1.6)
        ax.text(0.68, v, _fmt(v), fontsize=6.5, va="center")
    ax.set_xlim(0.0, 1.25)
    ax.set_ylim(*ylim)
    ax.set_xticks([])
    ax.tick_params(labelleft=False)
    ax.set_title(f"the ladder:\n{cv.count} critical values", fontsize=8)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


def critical_ladder_figure(singular_values: Sequence[float], widths: Sequence[int], *, fig=None):
    r"""The learnt sets of a network (left) and the ladder of its critical values (right).

    Left: each set :math:`S` of positive singular values at :math:`(|S|, L_S)`, joined to the
    sets with one more element. Filled dots are critical values (orange diamond: the global
    minimum :math:`L^\star`; blue: saddles); hollow grey dots lie beyond the rank bound
    :math:`|S| > d_{\min}` (shaded) and are not critical. The thick line follows the top sets
    :math:`\emptyset, \{1\}, \{1, 2\}, \dots`. Sets that share a position (repeated singular
    values) are labelled together. Right: the distinct critical values from
    :func:`deeplinear.critical_values`, each once.

    The sets and values are those of :func:`deeplinear.learnt_set_lattice`:

    .. math:: L_S = \tfrac12 \sum_{k \notin S} \sigma_k^2 .

    Parameters
    ----------
    singular_values : sequence of float
        The singular values :math:`\sigma_1 \ge \sigma_2 \ge \dots \ge 0` of the target
        (at most six positive ones).
    widths : sequence of int
        ``(d_0, ..., d_h)``, ``h >= 2``.
    fig : matplotlib Figure, optional
        Drawn into when given, e.g. by :mod:`deeplinear.explore` (its layout engine is set to
        the constrained one); by default a new figure.

    Returns
    -------
    matplotlib Figure
        Two axes: the lattice and the ladder.

    Raises
    ------
    ValueError
        As :func:`deeplinear.learnt_set_lattice`: for ``h = 1``, more than six positive
        singular values, or invalid singular values or widths.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.critical_ladder_figure([3.0, 2.0, 1.0], (3, 2, 3))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    lat = learnt_set_lattice(singular_values, widths)
    total = 0.5 * math.fsum(x * x for x in lat.singular_values)
    top = max(total, 1e-12)
    ylim = (-0.06 * top, 1.1 * top)
    if fig is None:
        fig, axes = new_figure(2, width=7.2, height=4.2, gridspec_kw={"width_ratios": [4.2, 1.0]})
    else:
        fig.set_layout_engine("constrained")
        axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [4.2, 1.0]})
    ax, ax_r = axes
    _draw_lattice(ax, lat, ylim)
    _draw_rungs(ax_r, lat, ylim)
    sig = ", ".join(_fmt(x) for x in lat.singular_values)
    ax.set_title(f"singular values σ = ({sig}), widths {lat.widths}, d_min = {lat.rank_bound}", fontsize=9)
    return fig


def critical_ladder_explorer_figure(spectrum: Sequence[float], bottleneck: int, *, fig=None):
    r"""The chapter's explorer: :func:`critical_ladder_figure` for widths ``(q, bottleneck, q)``.

    ``q = len(spectrum)``, so ``Sigma`` is ``q x q`` with the singular values ``spectrum`` and
    the rank bound is :math:`d_{\min} = \min(q, \text{bottleneck})`. The depth does not enter:
    for every ``h >= 2`` the critical values depend only on the spectrum and :math:`d_{\min}`.

    Parameters
    ----------
    spectrum : sequence of float
        The singular values of ``Sigma`` (at most six positive ones).
    bottleneck : int
        Width of the single hidden layer (``>= 1``).
    fig : matplotlib Figure, optional
        Figure to draw into (the explorer's); by default a new figure.

    Returns
    -------
    matplotlib Figure
        Two axes, as :func:`critical_ladder_figure`.

    Raises
    ------
    TypeError
        If ``bottleneck`` is not an integer.
    ValueError
        If ``bottleneck`` is below 1, and as :func:`critical_ladder_figure`. An entry of
        ``spectrum`` that ``float`` refuses raises what ``float`` raises.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.critical_ladder_explorer_figure((3.0, 2.0, 1.0), 2)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    s = tuple(float(x) for x in as_real_array(spectrum, "spectrum", ndim=1))
    b = as_int(bottleneck, "bottleneck", minimum=1)
    q = len(s)
    return critical_ladder_figure(s, (q, b, q), fig=fig)


def critical_point_figure(point: CriticalPoint):
    r"""A representative critical point in network form.

    Left: the layered graph (edge width :math:`\propto |w|`). Middle: the adjacency matrix
    :math:`A_S = \mathrm{blk}_1(W_1, \dots, W_h)`. Right: its power
    :math:`A_S^h = \mathrm{blk}_h(\Sigma_S)`, whose only non-zero block (bottom left) is the
    partial SVD of the learnt set.

    Parameters
    ----------
    point : deeplinear.critical.CriticalPoint
        From :func:`deeplinear.critical_point`.

    Returns
    -------
    matplotlib Figure
        Three axes: the graph, :math:`A_S` and :math:`A_S^h`.

    Raises
    ------
    TypeError
        If ``point`` is not a ``CriticalPoint``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> point = dl.critical_point((1,), np.diag([2.0, 1.0]), (2, 2, 2))
    >>> fig = dl.plots.critical_point_figure(point)
    >>> len(fig.axes), fig.axes[0].get_title()
    (3, 'learnt set S = {1}, value $L_S$ = 0.5')
    >>> plt.close(fig)
    """
    if not isinstance(point, CriticalPoint):
        raise ArgumentTypeError(f"point must be a CriticalPoint (from dl.critical_point), got {type(point).__name__}")
    W = [np.asarray(w) for w in point.weights]
    d = point.widths
    h = len(W)
    fig, axes = new_figure(3, width=8.6, height=3.3, gridspec_kw={"width_ratios": [1.3, 1.0, 1.0]})
    ax_g, ax_a, ax_p = axes
    draw_network(W, ax_g)
    ax_g.set_title(f"learnt set S = {_fmt_set(point.subset)}, value $L_S$ = {_fmt(point.value)}", fontsize=9)
    A = adjacency(W)
    draw_pattern(A, d, ax_a, title=r"$A_S = \mathrm{blk}_1(W_1, \dots, W_h)$")
    draw_pattern(np.linalg.matrix_power(A, h), d, ax_p, title=rf"$A_S^{{{h}}} = \mathrm{{blk}}_{{{h}}}(\Sigma_S)$")
    return fig
