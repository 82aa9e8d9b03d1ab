r"""Figures of the network view: the layered graph and the block pattern of :math:`A^k`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_index, as_int, as_matrix, as_weights, as_widths, widths_of
from ..errors import ArgumentTypeError, InvalidArgumentError
from ..network import adjacency, layer_slices
from .style import DIVERGING_CMAP, OKABE_ITO, new_figure

__all__ = ["draw_network", "draw_pattern", "network_view_figure", "random_network_view_figure"]


def _node_positions(widths: Sequence[int]) -> np.ndarray:
    """(n_v, 2) coordinates: layer i at x = i, its nodes centred vertically."""
    pos = []
    for i, d in enumerate(widths):
        ys = np.arange(d)[::-1] - (d - 1) / 2
        pos.extend((float(i), float(y)) for y in ys)
    return np.array(pos)


def draw_network(weights: Sequence[np.ndarray], ax=None, *, highlight: tuple[int, int] | None = None):
    r"""Draw the layered graph of a network with edges coloured by the weight's sign and
    drawn with width proportional to :math:`|w|`.

    Node ``q`` of layer ``i-1`` is joined to node ``p`` of layer ``i`` when
    :math:`(W_i)_{pq} \neq 0`; nodes are numbered ``0..n_v-1`` as the rows of ``A``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    highlight : (q, p), optional
        Node indices (rows/columns of ``A``); every directed path from ``q`` to ``p`` is drawn
        in black on top, showing which products an entry :math:`(A^k)_{pq}` sums.

    Returns
    -------
    matplotlib Axes
        The axes drawn into (``ax``, or the axes of the new figure).

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If ``weights`` is empty or the shapes of consecutive matrices do not chain.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> weights = dl.random_init((2, 3, 1), rng)
    >>> ax = dl.plots.draw_network(weights, highlight=(0, 5))
    >>> len(ax.collections), len(ax.texts)
    (1, 6)
    >>> plt.close(ax.figure)
    """
    W = as_weights(weights)
    d = widths_of(W)
    if highlight is not None:
        if isinstance(highlight, (str, bytes)) or not isinstance(highlight, (tuple, list)) or len(highlight) != 2:
            raise ArgumentTypeError(f"highlight must be a pair (q, p) of node indices, got {highlight!r:.80}")
        highlight = tuple(as_index(v, f"highlight[{i}]", 0, sum(d) - 1) for i, v in enumerate(highlight))
    if ax is None:
        _, ax = new_figure(width=4.5, height=3.2)
    pos = _node_positions(d)
    sl = layer_slices(d)
    A = adjacency(W)
    scale = max(float(np.max(np.abs(A))), 1e-12)
    on_path = _path_edges(A, highlight) if highlight is not None else set()
    for i in range(len(W)):
        for p in range(sl[i + 1].start, sl[i + 1].stop):
            for q in range(sl[i].start, sl[i].stop):
                w = A[p, q]
                if w == 0:
                    continue
                colour = DIVERGING_CMAP(0.5 + 0.5 * w / scale)
                ax.plot(*zip(pos[q], pos[p]), color=colour, lw=0.6 + 3.0 * abs(w) / scale, zorder=1, solid_capstyle="round")
                if (q, p) in on_path:
                    ax.plot(*zip(pos[q], pos[p]), color="black", lw=1.2, ls="--", zorder=2)
    ax.scatter(pos[:, 0], pos[:, 1], s=160, color="white", edgecolor=OKABE_ITO[7], zorder=3)
    for n, (x, y) in enumerate(pos):
        ax.text(x, y, str(n), ha="center", va="center", fontsize=7, zorder=4)
    ax.set_xticks(range(len(d)), [f"layer {i}\n$d_{i}={di}$" for i, di in enumerate(d)], fontsize=8)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(-0.4, len(d) - 0.6)
    ax.set_ylim(-max(d) / 2 - 0.2, max(d) / 2 + 0.2)
    return ax


def _path_edges(A: np.ndarray, ends: tuple[int, int]) -> set[tuple[int, int]]:
    """Edges (q, p) that lie on some directed path from node ends[0] to node ends[1]."""
    q0, p0 = ends
    n = A.shape[0]
    nz = A != 0
    # forward reachability from q0 and backward reachability from p0
    fwd = np.zeros(n, bool)
    fwd[q0] = True
    for _ in range(n):
        fwd = fwd | nz[:, fwd].any(axis=1)
    bwd = np.zeros(n, bool)
    bwd[p0] = True
    for _ in range(n):
        bwd = bwd | nz[bwd, :].any(axis=0)
    return {(q, p) for p in range(n) for q in range(n) if nz[p, q] and fwd[q] and bwd[p]}


def draw_pattern(M: np.ndarray, widths: Sequence[int], ax=None, *, title: str | None = None):
    r"""Show a matrix of size ``n_v x n_v`` with the layer blocks outlined.

    Zero entries are white; non-zero entries are coloured by value with
    :data:`~deeplinear.plots.style.DIVERGING_CMAP` on the symmetric range
    :math:`[-\max|M|, \max|M|]`. Grey lines separate the layer blocks; tick ``i`` labels the
    block of layer ``i``.

    Parameters
    ----------
    M : ndarray, shape (n_v, n_v)
        The matrix shown, typically the adjacency matrix :math:`A` or a power :math:`A^k`
        (:func:`deeplinear.adjacency`, :func:`deeplinear.adjacency_power`), with
        :math:`n_v = d_0 + \dots + d_h`.
    widths : sequence of int
        ``(d_0, ..., d_h)``: the sizes of the blocks along each side.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib Axes
        The axes drawn into.

    Raises
    ------
    ValueError
        If ``M`` cannot be converted to a float array.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> weights = dl.random_init((2, 3, 1), rng)
    >>> ax = dl.plots.draw_pattern(dl.adjacency(weights), (2, 3, 1), title="A")
    >>> len(ax.images), ax.get_title()
    (1, 'A')
    >>> plt.close(ax.figure)
    """
    M = as_matrix(M, "M")
    widths = as_widths(widths)
    if M.shape != (sum(widths),) * 2:
        raise InvalidArgumentError(f"M must be n_v x n_v with n_v = sum(widths) = {sum(widths)}, got shape {M.shape}")
    if ax is None:
        _, ax = new_figure(width=3.4, height=3.2)
    M = np.asarray(M, dtype=float)
    scale = max(float(np.max(np.abs(M))), 1e-12)
    shown = np.ma.masked_where(M == 0, M)
    cmap = DIVERGING_CMAP.with_extremes(bad="white")
    ax.imshow(shown, cmap=cmap, vmin=-scale, vmax=scale, interpolation="nearest")
    edges = np.cumsum(widths)[:-1] - 0.5
    for e in edges:
        ax.axhline(e, color="0.6", lw=0.6)
        ax.axvline(e, color="0.6", lw=0.6)
    centres = np.cumsum(widths) - np.asarray(widths) / 2 - 0.5
    labels = [str(i) for i in range(len(widths))]
    ax.set_xticks(centres, labels, fontsize=8)
    ax.set_yticks(centres, labels, fontsize=8)
    ax.set_xlabel("from layer (column block)", fontsize=8)
    ax.set_ylabel("to layer (row block)", fontsize=8)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def network_view_figure(weights: Sequence[np.ndarray], k: int = 1):
    r"""The network drawn as a graph beside the block pattern of :math:`A^k`.

    Left: :func:`draw_network`. Right: :func:`draw_pattern` of the ``k``-th power of the
    adjacency matrix :math:`A` (:func:`deeplinear.adjacency`). For :math:`k \le h` the only
    non-zero blocks of :math:`A^k` lie on the ``k``-th block sub-diagonal; for :math:`k > h`,
    :math:`A^k = 0` (``A`` is nilpotent).

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    k : int, default 1
        The power of :math:`A` shown (``k >= 0``).

    Returns
    -------
    matplotlib Figure
        Two axes: the graph and the pattern.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If ``weights`` is empty or its shapes do not chain; ``numpy.linalg.LinAlgError``
        is raised for a negative ``k``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> weights = dl.random_init((2, 3, 1), rng)
    >>> fig = dl.plots.network_view_figure(weights, k=2)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    W = as_weights(weights)
    d = widths_of(W)
    h = len(W)
    k = as_int(k, "k", minimum=0)
    fig, (ax_g, ax_m) = new_figure(2, width=7.6, height=3.4, gridspec_kw={"width_ratios": [1.35, 1]})
    draw_network(W, ax_g)
    Ak = np.linalg.matrix_power(adjacency(W), k)
    if k <= h:
        title = f"$A^{{{k}}} = \\mathrm{{blk}}_{{{k}}}(\\ldots)$: block sub-diagonal {k}"
    else:
        title = f"$A^{{{k}}} = 0$ (nilpotent: $k > h = {h}$)"
    draw_pattern(Ak, d, ax_m, title=title)
    ax_g.set_title(f"network with widths {tuple(d)}", fontsize=9)
    return fig


def random_network_view_figure(widths: Sequence[int], k: int = 1, seed: int = 0):
    r""":func:`network_view_figure` for a network with the given widths and standard normal
    weights drawn from ``numpy.random.default_rng(seed)``: the explorer of the network-view
    chapter, where a reader picks an architecture and a power ``k``.

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``, every width positive, at least two entries.
    k : int, default 1
        The power of the adjacency matrix shown.
    seed : int, default 0
        Seed of the weights.

    Returns
    -------
    matplotlib Figure
        Two axes, as :func:`network_view_figure`.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers.
    ValueError
        If a width is not positive or there are fewer than two widths.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dl.plots.random_network_view_figure((2, 2, 2), k=3, seed=0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    d = as_widths(widths)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    W = [rng.standard_normal((d[i + 1], d[i])) for i in range(len(d) - 1)]
    return network_view_figure(W, k)
