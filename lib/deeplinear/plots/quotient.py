r"""Figures of the chapter on the quotient space: the fibres of the end-to-end map.

The loss depends on the weights only through the end-to-end map,
:math:`L = \ell \circ \pi` with :math:`\pi(W_1, \dots, W_h) = W_{1:h}` (in the network view
:math:`\pi(A) = A^h`). The *fibre* of a point is the set of all networks with the same
end-to-end map; the loss, the product and (on an orbit of the symmetry) criticality stay fixed
along it, while the weights, their norms, the conserved quantities :math:`C_i` and the Hessian
spectrum change (Wendin and Altafini, arXiv:2511.10362; Trager, Kohn and Bruna 2020).

* :func:`fiber_path` -- a one-parameter path inside a fibre through a given point, with the
  quantities that stay and those that change measured at every point of it. Three kinds of
  path: the :math:`GL` action :math:`W_i \mapsto T_i(s) W_i T_{i-1}(s)^{-1}` with
  :math:`T_i(s) = \exp(s Z_i)`, its orthogonal part (skew :math:`Z_i`), and a straight line
  :math:`W_j + s\Delta` in one layer along a product-preserving direction :math:`\Delta`, which
  leaves the orbit when the layers are rank deficient.
* :func:`fiber_path_figure` -- the measurements of a path in four panels.
* :func:`saddle_fiber_path` and :func:`fiber_walk_figure` -- the explorer of the chapter: walk
  along a fibre through a non-strict saddle and watch the weights, norms, conserved quantities
  and Hessian change while the loss does not.
* :func:`fiber_ladder_figure` -- the ladder of critical values, each rung with a cloud of points
  of its fibre (:func:`deeplinear.sample_fiber`) and the dimension of the orbit and of the
  first-order fibre directions at its balanced representative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import MaxNLocator
from scipy.linalg import expm

from .._validation import as_int, as_positive, as_rng, as_weights, as_widths, check_sigma, widths_of
from ..hessian import extreme_eigenvalues, hessian, inertia
from ..invariants import conserved_quantities, gl_action
from ..landscape import CriticalPoint, critical_point, critical_values, relative_gradient_norm, sample_fiber
from ..network import end_to_end
from ..saddles import classify, orbit_dimension
from .style import OKABE_ITO, new_figure

__all__ = [
    "FiberPath",
    "fiber_path",
    "fiber_path_figure",
    "first_order_fiber_dimension",
    "saddle_fiber_path",
    "fiber_walk_figure",
    "fiber_ladder_figure",
]

#: Relative tolerance on the gradient for the "critical" flags (as :func:`deeplinear.is_critical`).
_CRITICAL_TOL = 1e-8

#: The path kinds of :func:`fiber_path`.
PATH_KINDS = ("gl", "orthogonal", "null-space")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _norm(W: Sequence[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.sum(w * w)) for w in W))


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
    return int(inertia(hessian(W, end_to_end(W))).n_zero)


# --------------------------------------------------------------------------- paths


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


def _null_space_direction(W: Sequence[np.ndarray], j: int, X: np.ndarray) -> np.ndarray:
    r""":math:`\Delta = X - \Pi_{\mathrm{row}(W_{j+1:h})} X \Pi_{\mathrm{col}(W_{1:j-1})}`, the
    orthogonal projection of ``X`` onto the directions with :math:`W_{j+1:h}\Delta W_{1:j-1} = 0`."""
    h = len(W)
    pre = np.eye(W[0].shape[1])
    for i in range(j - 1):
        pre = W[i] @ pre
    suf = np.eye(W[-1].shape[0])
    for i in range(h - 1, j - 1, -1):
        suf = suf @ W[i]
    P_row = np.linalg.pinv(suf, rcond=1e-12) @ suf
    P_col = pre @ np.linalg.pinv(pre, rcond=1e-12)
    return X - P_row @ X @ P_col


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
        (unit Frobenius norm, :math:`X` Gaussian): :math:`W_{j+1:h}\Delta W_{1:j-1} = 0`, so the
        product is the same for every ``s``. Where the partial products are invertible
        :math:`\Delta = 0` and the path is constant (``direction_norm == 0``); where they are
        rank deficient the line changes the ranks of the layers and so leaves the orbit.

    Every point is measured: loss, product error, norm, :math:`\lVert C_i\rVert_F`, relative
    gradient norm and criticality, the extreme Hessian eigenvalues, the orbit dimension, the
    ranks of the layers and, at critical points, the type from :func:`deeplinear.classify`.

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
    """
    if isinstance(point, CriticalPoint):
        base = [np.array(w) for w in point.weights]
        if Sigma is None:
            Sigma = point.Sigma
    else:
        base = as_weights(point, "point")
    if Sigma is None:
        raise ValueError("Sigma is needed when point is a weight list (only a CriticalPoint carries its own)")
    d = widths_of(base)
    h = len(base)
    Sig = check_sigma(Sigma, d)
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
        Z = []
        for di in d[1:-1]:
            z = rng.standard_normal((di, di)) / math.sqrt(di)
            Z.append((z - z.T) / math.sqrt(2.0) if kind == "orthogonal" else z)
        for si in s_arr:
            pts.append(gl_action(base, [expm(si * z) for z in Z]))
    else:
        layer_used = as_int(layer, "layer", minimum=1)
        if layer_used > h:
            raise ValueError(f"layer must be in 1..h = 1..{h}, got {layer_used}")
        D = _null_space_direction(base, layer_used, rng.standard_normal(base[layer_used - 1].shape))
        direction_norm = float(np.linalg.norm(D))
        D = D / direction_norm if direction_norm > 1e-12 else np.zeros_like(D)
        for si in s_arr:
            W = [w.copy() for w in base]
            W[layer_used - 1] = W[layer_used - 1] + si * D
            pts.append(W)
    P0 = end_to_end(base)
    losses, perr, norms, imb, rel, lmin, lmax, odim, ranks, kinds = ([] for _ in range(10))
    for W in pts:
        P = end_to_end(W)
        losses.append(0.5 * float(np.sum((Sig - P) ** 2)))
        perr.append(float(np.max(np.abs(P - P0), initial=0.0)))
        norms.append(_norm(W))
        imb.append([float(np.linalg.norm(c)) for c in conserved_quantities(W)])
        rho = relative_gradient_norm(W, Sig)
        rel.append(rho)
        ev = extreme_eigenvalues(W, Sig)
        lmin.append(float(ev.lambda_min))
        lmax.append(float(ev.lambda_max))
        odim.append(orbit_dimension(W))
        ranks.append([int(np.linalg.matrix_rank(w)) for w in W])
        kinds.append(classify(W, Sig).kind if rho <= _CRITICAL_TOL else "not critical")
    return FiberPath(
        kind=kind,
        layer=layer_used,
        s=_frozen(s_arr),
        base=tuple(_frozen(w) for w in base),
        Sigma=_frozen(Sig),
        points=tuple(tuple(_frozen(w) for w in W) for W in pts),
        losses=_frozen(np.array(losses)),
        product_error=_frozen(np.array(perr)),
        norms=_frozen(np.array(norms)),
        imbalance=_frozen(np.array(imb).reshape(len(pts), h - 1)),
        relative_gradient_norms=_frozen(np.array(rel)),
        critical=tuple(bool(x <= _CRITICAL_TOL) for x in rel),
        lambda_min=_frozen(np.array(lmin)),
        lambda_max=_frozen(np.array(lmax)),
        orbit_dims=_frozen(np.array(odim, dtype=int)),
        ranks=_frozen(np.array(ranks, dtype=int)),
        kinds=tuple(kinds),
        direction_norm=direction_norm,
    )


# --------------------------------------------------------------------------- drawing a path


def _draw_path_panels(axes, path: FiberPath, marker: int | None = None) -> None:
    """The four measurement panels: loss, norms and C_i, lambda_max, lambda_min."""
    ax_l, ax_n, ax_M, ax_m = axes
    s = path.s
    value = float(np.median(path.losses))
    ax_l.plot(s, path.losses, color=OKABE_ITO[0], lw=2.0, label="$L(W(s))$")
    ax_l.set_ylim(max(value - 1.0, -0.05), value + 1.0)
    perr = float(np.max(path.product_error))
    note = (f"product change ≤ {perr:.0e}" if perr > 0 else "product change: 0") + \
        f"\ncritical on the whole path: {'yes' if all(path.critical) else 'no'}"
    ax_l.text(0.03, 0.96, note,
              transform=ax_l.transAxes, fontsize=7, va="top", ha="left", color="0.25")
    ax_l.set_title("stays: the loss", fontsize=9)
    ax_l.set_ylabel("loss $L$")
    ax_n.plot(s, path.norms, color=OKABE_ITO[7], lw=1.8, label=r"$\|W\|_F$")
    cols = (OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[5])
    for i in range(path.imbalance.shape[1]):
        ax_n.plot(s, path.imbalance[:, i], color=cols[i % len(cols)], lw=1.5, ls="--", label=rf"$\|C_{i + 1}\|_F$")
    top = max(float(np.max(path.norms)), float(np.max(path.imbalance, initial=0.0)))
    ax_n.set_ylim(0.0, 1.1 * top + 0.1)
    ax_n.set_title("changes: norms and balance", fontsize=9)
    ax_n.set_ylabel("Frobenius norm")
    ax_n.legend(fontsize=6.5, loc="upper center", framealpha=0.9)
    ax_M.plot(s, path.lambda_max, color=OKABE_ITO[5], lw=1.8)
    ax_M.set_ylim(0.0, 1.1 * float(np.max(path.lambda_max)) + 0.1)
    ax_M.set_title(r"changes: sharpness $\lambda_{\max}$", fontsize=9)
    ax_M.set_ylabel(r"$\lambda_{\max}(\nabla^2 L)$")
    ax_m.plot(s, path.lambda_min, color=OKABE_ITO[0], lw=1.8)
    ax_m.axhline(0.0, color="0.6", lw=0.7, ls=":")
    lo, hi = min(float(np.min(path.lambda_min)), 0.0), max(float(np.max(path.lambda_min)), 0.0)
    ax_m.set_ylim(*((lo - 0.08 * (hi - lo), hi + 0.08 * (hi - lo)) if hi - lo >= 1.0 else (0.5 * (lo + hi) - 0.6, 0.5 * (lo + hi) + 0.6)))
    ax_m.set_title(r"smallest eigenvalue $\lambda_{\min}$", fontsize=9)
    ax_m.set_ylabel(r"$\lambda_{\min}(\nabla^2 L)$")
    lo, hi = float(s.min()), float(s.max())
    for ax in axes:
        ax.set_xlim(lo, hi)
        ax.set_xticks([lo, 0.5 * (lo + hi), hi] if lo < hi else [lo])
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.set_xlabel("position $s$ on the path")
        ax.tick_params(labelsize=7)
    if marker is not None:
        k = marker
        for ax, y in ((ax_l, path.losses[k]), (ax_n, path.norms[k]), (ax_M, path.lambda_max[k]), (ax_m, path.lambda_min[k])):
            ax.axvline(float(s[k]), color="0.55", lw=0.8)
            ax.plot([float(s[k])], [float(y)], "o", color=OKABE_ITO[5], ms=6, zorder=5)


def fiber_path_figure(path: FiberPath):
    r"""The measurements of a :class:`FiberPath` in four panels.

    In a 2 x 2 grid: the loss (flat), the parameter norm with the :math:`\lVert C_i\rVert_F`,
    the largest Hessian eigenvalue (sharpness) and the smallest one, all against the path
    parameter ``s``.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(path, FiberPath):
        raise TypeError(f"path must be a FiberPath (from fiber_path), got {type(path).__name__}")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 5.4), layout="constrained")
    _draw_path_panels(list(fig.subplots(2, 2).ravel()), path)
    fig.suptitle(f"along a fibre: {path.label}", fontsize=10)
    return fig


# --------------------------------------------------------------------------- the explorer

_WALK_SIGMA = (3.0, 2.0, 1.0)
_WALK_WIDTHS = (3, 3, 3, 3)
_WALK_SUBSET = (1,)
#: Size of the explorer figure (pass it as ``ExplorerOptions(figsize=...)``).
WALK_FIGSIZE = (7.4, 6.2)
#: Path kinds of the explorer: (kind, layer).
WALK_KINDS = {"gl": ("gl", 1), "orthogonal": ("orthogonal", 1), "null-space W1": ("null-space", 1),
              "null-space W2": ("null-space", 2)}


def saddle_fiber_path(kind: str) -> FiberPath:
    r"""The paths of the chapter's explorer, through the balanced non-strict saddle
    :math:`S = \{1\}` of :math:`\Sigma = \mathrm{diag}(3, 2, 1)` with widths ``(3, 3, 3, 3)``
    (value 2.5), for ``s`` in ``[-1, 1]`` (41 points).

    Parameters
    ----------
    kind : {"gl", "orthogonal", "null-space W1", "null-space W2"}
        A group path or a straight product-preserving line in layer 1 or 2.
    """
    if kind not in WALK_KINDS:
        raise ValueError(f"kind must be one of {tuple(WALK_KINDS)}, got {kind!r}")
    k, layer = WALK_KINDS[kind]
    cp = critical_point(_WALK_SUBSET, np.diag(_WALK_SIGMA), _WALK_WIDTHS)
    return fiber_path(cp, kind=k, layer=layer, s=np.linspace(-1.0, 1.0, 41), seed=0)


def _walk_axes(fig, h: int):
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=WALK_FIGSIZE)
    elif fig.get_layout_engine() is not None:
        raise ValueError("fig must not use a layout engine (the explorer figure sets fixed margins)")
    gs = fig.add_gridspec(3, 4, left=0.1, right=0.975, bottom=0.075, top=0.9, wspace=0.55, hspace=0.6,
                          height_ratios=(0.72, 1.0, 1.0))
    heat = [fig.add_subplot(gs[0, i]) for i in range(min(h, 3))]
    text = fig.add_subplot(gs[0, 3])
    bottom = [fig.add_subplot(gs[r, c:c + 2]) for r in (1, 2) for c in (0, 2)]
    return fig, heat, text, bottom


def fiber_walk_figure(path: FiberPath, kind: str | None = None, s: float = 0.0, *, fig=None):
    r"""One step of a walk along a fibre: the layers at :math:`W(s)`, a read-out of what stays
    and what changes, and the measurements along the whole path with the current point marked.

    Use with :func:`saddle_fiber_path` as ``prepare=`` of :func:`deeplinear.explore`; ``kind``
    only names the path.

    Parameters
    ----------
    path : FiberPath
    kind : str, optional
        Ignored (the explorer passes it).
    s : float
        Position on the path (the closest path parameter is shown).
    fig : matplotlib Figure, optional
        Draw into this figure (as an explorer does); a new one otherwise.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(path, FiberPath):
        raise TypeError(f"path must be a FiberPath (from saddle_fiber_path or fiber_path), got {type(path).__name__}")
    k = path.index(s)
    W = path.points[k]
    h = len(W)
    fig, heat, text, bottom = _walk_axes(fig, h)
    vmax = max(float(np.max(np.abs(w))) for P in path.points for w in P[:3])
    for i, ax in enumerate(heat):
        im = ax.imshow(W[i], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(f"$W_{i + 1}$ (rank {path.ranks[k, i]})", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    cbar = fig.colorbar(im, ax=heat, shrink=0.9, pad=0.03, fraction=0.04)
    cbar.set_ticks([-round(vmax, 1), 0.0, round(vmax, 1)])
    cbar.ax.tick_params(labelsize=7)
    text.axis("off")
    C = ", ".join(f"{c:.2f}" for c in path.imbalance[k])
    lines = [
        f"s = {path.s[k]:+.2f}",
        f"loss: {path.losses[k]:.6f}",
        f"product change: {path.product_error[k]:.0e}" if path.product_error[k] > 0 else "product change: 0",
        f"critical: {'yes' if path.critical[k] else 'no'}",
        f"type: {path.kinds[k]}",
        f"orbit dimension: {path.orbit_dims[k]}",
        f"norm ||W||: {path.norms[k]:.3f}",
        f"||C_i||: {C}",
        f"lambda_min: {(0.0 if abs(path.lambda_min[k]) < 5e-4 else path.lambda_min[k]):+.3f}",
        f"lambda_max: {path.lambda_max[k]:.2f}",
    ]
    text.text(-0.3, 1.1, "\n".join(lines), va="top", ha="left", fontsize=7.5, family="monospace", transform=text.transAxes)
    _draw_path_panels(bottom, path, marker=k)
    fig.suptitle(f"walking along the fibre of a saddle: {path.label}", fontsize=10, y=0.985)
    return fig


# --------------------------------------------------------------------------- the ladder


def fiber_ladder_figure(
    singular_values: Sequence[float] = _WALK_SIGMA,
    widths: Sequence[int] = _WALK_WIDTHS,
    *,
    n: int = 6,
    seed: int = 0,
    scale: float = 0.8,
):
    r"""The ladder of critical values, each rung with a cloud of points of its fibre.

    For every critical value :math:`L_S` (:func:`deeplinear.critical_values`) the balanced
    representative :math:`A_S` (:func:`deeplinear.critical_point`, a star) and ``n`` points of
    its fibre from :func:`deeplinear.sample_fiber` of each kind: the :math:`GL` orbit (circles)
    and product-preserving factorisation moves (squares), which leave the orbit where layers
    are rank deficient; where there is no such move (invertible square layers) the fibre is
    the orbit and the rung says so. Filled markers are critical
    points, hollow ones are not. The horizontal position is the parameter norm
    :math:`\lVert W\rVert_F`, the height the loss, which is the same for the whole cloud. At the
    right of each rung: the learnt set, the orbit dimension of :math:`A_S` and
    :math:`\dim\ker d\pi` there (:func:`first_order_fiber_dimension`).

    Parameters
    ----------
    singular_values : sequence of float
        Of the diagonal target :math:`\Sigma` (shape ``(d_h, d_0)``).
    widths : sequence of int
    n : int
        Points per kind and rung.
    seed : int
    scale : float
        Size of the moves (see :func:`deeplinear.sample_fiber`).

    Returns
    -------
    matplotlib Figure
    """
    d = as_widths(widths)
    n = as_int(n, "n", minimum=1)
    scale = as_positive(scale, "scale")
    sv = np.asarray(singular_values, dtype=float)
    cv = critical_values(sv, d)
    Sigma = np.zeros((d[-1], d[0]))
    Sigma[np.arange(sv.size), np.arange(sv.size)] = sv
    rng = as_rng(as_int(seed, "seed", minimum=0))
    fig, ax = new_figure(width=7.6, height=5.2)
    shown: set[str] = set()

    def lab(name: str) -> str | None:
        if name in shown:
            return None
        shown.add(name)
        return name

    xmax = 0.0
    rows = []
    stuck: set[tuple[int, ...]] = set()
    for value, subsets in cv:
        for S in subsets:
            cp = critical_point(S, Sigma, d)
            for kind, marker, colour, name in (("gl", "o", OKABE_ITO[0], "GL orbit"),
                                               ("factorisation", "s", OKABE_ITO[1], "factorisation move")):
                fs = sample_fiber(cp, None, rng, n=n, kind=kind, scale=scale)
                moved = np.array([max(float(np.max(np.abs(a - b))) for a, b in zip(p, cp.weights)) > 1e-12
                                  for p in fs.points])
                if kind == "factorisation" and not np.any(moved):
                    stuck.add(S)  # no product-preserving move: the fibre is the orbit here
                    continue
                x = np.array(fs.norms)[moved] if kind == "factorisation" else np.array(fs.norms)
                y = np.array(fs.losses)[moved] if kind == "factorisation" else np.array(fs.losses)
                crit = np.array(fs.critical)[moved] if kind == "factorisation" else np.array(fs.critical)
                for mask, fill, tag in ((crit, colour, "critical"), (~crit, "none", "not critical")):
                    if np.any(mask):
                        ax.plot(x[mask], y[mask], marker, ls="none", ms=6, mfc=fill, mec=colour, mew=1.3, alpha=0.9,
                                label=lab(f"{name}, {tag}"))
                xmax = max(xmax, float(np.max(x)))
            base_norm = _norm(cp.weights)
            ax.plot([base_norm], [cp.value], "*", ms=12, color=OKABE_ITO[7], zorder=5,
                    label=lab("balanced representative $A_S$"))
            rows.append((cp.value, S, orbit_dimension(cp.weights), first_order_fiber_dimension(cp.weights)))
    for value, S, od, kd in rows:
        setname = "{" + ",".join(str(k) for k in S) + "}" if S else "∅"
        ax.axhline(value, color="0.85", lw=0.8, zorder=0)
        note = " (fibre = orbit)" if S in stuck else ""
        ax.text(1.01, value, f"S={setname}: orbit {od}, ker dπ {kd}{note}", transform=ax.get_yaxis_transform(),
                fontsize=7.5, va="center", ha="left", color="0.25")
    ax.set_xlim(-0.2, 1.05 * xmax + 0.2)
    total = 0.5 * float(np.sum(sv**2))
    ax.set_ylim(-0.04 * total - 0.2, 1.06 * total + 0.2)
    ax.set_xlabel(r"parameter norm $\|W\|_F$")
    ax.set_ylabel(r"loss $L$ (the critical value $L_S$)")
    ax.set_title(f"critical values of Σ = diag({', '.join(f'{x:g}' for x in sv)}), widths {d}, with their fibres",
                 fontsize=9)
    order = ["GL orbit, critical", "GL orbit, not critical", "factorisation move, critical", "factorisation move, not critical",
             "balanced representative $A_S$"]
    handles, labels = ax.get_legend_handles_labels()
    pairs = sorted(zip(handles, labels), key=lambda p: order.index(p[1]) if p[1] in order else len(order))
    ax.legend([p[0] for p in pairs], [p[1] for p in pairs], fontsize=7, loc="center right", framealpha=0.92)
    return fig
