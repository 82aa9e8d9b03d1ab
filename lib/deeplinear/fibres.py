r"""Fibres of the multiplication map and level sets of the loss.

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
:func:`level_set_family` and :func:`saddle_fiber_path` (the chapter's explorer) build on them.

References: Trager, Kohn and Bruna 2020; Achour, Malgouyres and Gerchinovitz 2024.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm, null_space

from ._validation import as_int, as_positive, as_real, as_real_array, as_rng, as_weights, as_widths, check_sigma, widths_of
from .curvature import extreme_eigenvalues, hessian, inertia
from .invariants import gl_action
from .network import _prefix_products as prefix_products, _suffix_products as suffix_products
from ._validation import frozen_array as _readonly
from .classification import classify
from .critical import CRITICAL_TOL, CriticalPoint, _hidden_positions, critical_point, relative_gradient_norm
from .quotient import _fmt_subset, _short
from .orbits import orbit_dimension
from .errors import InvalidArgumentError

__all__ = [
    "FiberSample",
    "sample_fiber",
    "first_order_fiber_dimension",
    "FiberPath",
    "fiber_path",
    "LevelSetFamily",
    "level_set_family",
    "spare_rank_fiber_point",
    "saddle_fiber_path",
]

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
        The size of the moves.
    product_error : tuple of float
        :math:`\max|W_{1:h}(\text{point}) - W_{1:h}(\text{base})|` per point.
    losses : tuple of float
        Loss per point (all equal to ``base_loss`` up to rounding).
    relative_gradient_norms : tuple of float
        :func:`deeplinear.relative_gradient_norm` per point.
    critical : tuple of bool
        :func:`deeplinear.is_critical` per point (non-critical fibre points exist).
    norms : tuple of float
        :math:`(\sum_i\lVert W_i\rVert_F^2)^{1/2}` per point: unbounded along a fibre.
    imbalance : tuple of tuple of float
        :math:`\lVert C_i\rVert_F` per point: the conserved quantities vary within a fibre.
    base_loss, base_norm : float
        Loss and parameter norm of the base point.

    Examples
    --------
    >>> cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> fs = dl.sample_fiber(cp, None, np.random.default_rng(0), n=3)
    >>> len(fs), fs.critical
    (3, (True, True, True))
    >>> fs.base_loss, max(fs.product_error) < 1e-10
    (2.5, True)
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
        raise InvalidArgumentError("Sigma is needed when point is a weight list (only a CriticalPoint carries its own)")
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
        The base point (weights ``W_i`` of shape ``(d_i, d_{i-1})``).
    Sigma : ndarray, shape (d_h, d_0), or None
        The target; may be ``None`` when ``point`` is a :class:`deeplinear.critical.CriticalPoint`.
    rng : numpy.random.Generator or int
        The random generator, or a seed.
    n : int, default 5
        Number of points.
    kind : {"gl", "orthogonal", "factorisation"}
        The sampler (above).
    scale : float, default 1.0
        Size of the move (log-stretch of :math:`T_i`, or standard size of :math:`\Delta_j`).
    tol : float
        Tolerance of :func:`deeplinear.is_critical` for the reported flags.

    Returns
    -------
    FiberSample

    Raises
    ------
    ValueError
        For an unknown ``kind``, ``n < 1``, a negative ``scale``, or a missing or misshapen
        ``Sigma``.
    TypeError
        If ``rng`` is neither a generator nor an integer seed, or ``point`` is not a weight
        list.

    References
    ----------
    Trager, Kohn and Bruna 2020; Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    From the origin of a depth-two network, moves that leave the orbit keep the product zero
    but are not critical:

    >>> origin = dl.critical_point((), np.diag([3.0, 2.0]), (2, 2, 2))
    >>> fs = dl.sample_fiber(origin, None, 0, n=2, kind="factorisation")
    >>> fs.losses, fs.critical
    ((6.5, 6.5), (False, False))
    """
    base, Sig = _base_point(point, Sigma)
    rng = as_rng(rng)
    n = as_int(n, "n", minimum=1)
    scale = as_positive(scale, "scale", allow_zero=True)
    if kind not in ("gl", "orthogonal", "factorisation"):
        raise InvalidArgumentError(f"kind must be 'gl', 'orthogonal' or 'factorisation', got {kind!r}")
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
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    int
        :math:`\dim\ker d\pi_W`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the shapes do not chain.

    Examples
    --------
    At the saddle :math:`S = \{1\}` the orbit has dimension 5 and the first-order fibre 13:

    >>> cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> dl.orbit_dimension(cp.weights), dl.first_order_fiber_dimension(cp.weights)
    (5, 13)
    """
    W = as_weights(weights)
    return int(inertia(hessian(W, prefix_products(W)[-1])).zero)


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
        The base point :math:`W(0)`.
    Sigma : ndarray
        The target.
    points : tuple of tuple of ndarray
        The networks :math:`W(s)`.
    losses : ndarray
        :math:`L(W(s))` (constant up to rounding).
    product_error : ndarray
        :math:`\max|W_{1:h}(s) - W_{1:h}(0)|` (rounding level).
    norms : ndarray
        :math:`(\sum_i\lVert W_i(s)\rVert_F^2)^{1/2}`.
    imbalance : ndarray, shape (n_s, h - 1)
        :math:`\lVert C_i(W(s))\rVert_F`.
    relative_gradient_norms : ndarray
        :func:`deeplinear.relative_gradient_norm` at each point.
    critical : tuple of bool
        :func:`deeplinear.is_critical` at each point.
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
    label : str
        A short description of the path (a property).

    Examples
    --------
    >>> cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> fp = dl.fiber_path(cp, kind="gl", s=[0.0, 0.5, 1.0])
    >>> len(fp), fp.kinds[fp.index(0.4)]
    (3, 'strict saddle')
    >>> fp.losses
    array([2.5, 2.5, 2.5])
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
        return int(np.argmin(np.abs(self.s - as_real(s, "s"))))

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
    gradient norm and criticality (:func:`deeplinear.is_critical`), the extreme Hessian eigenvalues
    (:func:`deeplinear.extreme_eigenvalues`), the orbit dimension, the ranks of the layers and,
    at critical points, the type from :func:`deeplinear.classify`.

    Parameters
    ----------
    point : CriticalPoint or list of ndarray
        The base point :math:`W(0)`.
    Sigma : ndarray, optional
        The target; taken from ``point`` when it is a :class:`~deeplinear.critical.CriticalPoint`.
    kind : {"gl", "orthogonal", "null-space"}
        The path (above).
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

    References
    ----------
    Trager, Kohn and Bruna 2020; Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    A straight product-preserving line in the first layer leaves the critical set:

    >>> cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> fp = dl.fiber_path(cp, kind="null-space", layer=1, s=[0.0, 1.0])
    >>> fp.kinds, fp.losses
    (('strict saddle', 'not critical'), array([2.5, 2.5]))
    >>> fp.ranks[:, 0]
    array([1, 3])
    """
    base, Sig = _base_point(point, Sigma)
    d = widths_of(base)
    h = len(base)
    if kind not in PATH_KINDS:
        raise InvalidArgumentError(f"kind must be one of {PATH_KINDS}, got {kind!r}")
    s_arr = as_real_array(s, "s", allow_empty=True)
    if s_arr.ndim != 1 or s_arr.size < 1 or not np.all(np.isfinite(s_arr)):
        raise InvalidArgumentError(f"s must be a non-empty 1-D sequence of finite numbers, got {s!r:.80}")
    rng = as_rng(as_int(seed, "seed", minimum=0))
    layer_used: int | None = None
    direction_norm = math.nan
    pts: list[list[np.ndarray]] = []
    if kind in ("gl", "orthogonal"):
        if h < 2:
            raise InvalidArgumentError("a network of depth 1 has no hidden layer, so the symmetry group is trivial")
        Z = [_random_generator(di, rng, kind == "orthogonal") for di in d[1:-1]]
        for si in s_arr:
            pts.append(gl_action(base, [expm(si * z) for z in Z]))
    else:
        layer_used = as_int(layer, "layer", minimum=1)
        if layer_used > h:
            raise InvalidArgumentError(f"layer must be in 1..h = 1..{h}, got {layer_used}")
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
        The learnt set ``S`` (1-based).
    ts : ndarray
        The parameter values.
    points : tuple of tuple of ndarray
        The critical points, one weight tuple per ``t``.
    values : ndarray
        The loss at each point (constant).
    norms : ndarray
        Parameter norm at each point (:math:`\to\infty` as ``t`` grows).
    relative_gradient_norms : ndarray
        :func:`deeplinear.relative_gradient_norm` at each point.
    critical : tuple of bool
        :func:`deeplinear.is_critical` (with the ``tol`` given) at each point.
    mechanism : str
        How the family is built.

    Examples
    --------
    >>> fam = dl.level_set_family((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), ts=(1.0, 10.0))
    >>> fam.critical, fam.values
    ((True, True), array([2.5, 2.5]))
    >>> fam.norms
    array([ 2.44949 , 17.321374])
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
      *non-degenerate* critical point (Hessian eigenvalues :math:`\pm\sigma_k`),
      hence **isolated**, and its critical set is bounded; this function raises.

    Parameters
    ----------
    subset : collection of int
        The learnt set ``S`` (1-based; see :func:`deeplinear.critical_point`).
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    ts : sequence of float, default (1, 2, 4, 8, 16, 32)
        Positive parameter values.
    tol : float
        Tolerance of :func:`deeplinear.is_critical` for the reported flags.

    Returns
    -------
    LevelSetFamily

    Raises
    ------
    ValueError
        For ``h = 1`` (the loss is convex; its only critical point is ``Sigma``) and for the
        isolated origin described above; for empty, non-finite or non-positive ``ts``; for a
        ``subset`` that is not admissible (as :func:`deeplinear.critical_point`).

    Examples
    --------
    The origin of a depth-three network lies on an unbounded line of critical points:

    >>> fam = dl.level_set_family((), np.diag([3.0, 2.0]), (2, 2, 2, 2), ts=(1.0, 100.0))
    >>> fam.critical, fam.values
    ((True, True), array([6.5, 6.5]))
    """
    d = as_widths(widths)
    h = len(d) - 1
    Sig = check_sigma(Sigma, d)
    ts_arr = as_real_array(ts, "ts", allow_empty=True)
    if ts_arr.ndim != 1 or len(ts_arr) < 1 or not np.all(np.isfinite(ts_arr)) or np.any(ts_arr <= 0):
        raise InvalidArgumentError(f"ts must be a non-empty 1-D sequence of positive numbers, got {_short(ts)}")
    if h == 1:
        raise InvalidArgumentError("for depth h = 1 the loss is convex and W_1 = Sigma is its only critical point: no unbounded family")
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
            raise InvalidArgumentError(
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

    Start from the balanced representative (:func:`deeplinear.critical_point`) and add :math:`t` times a
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
        The target matrix.
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    t : float
        Position along the path (``t = 0``: the balanced representative).

    Returns
    -------
    list of ndarray
        The weights :math:`W(t)`, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    TypeError, ValueError
        If ``t`` is not a finite real number, or ``subset`` is not admissible (see :func:`deeplinear.critical_point`).

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> W = dl.spare_rank_fiber_point((1,), Sigma, (3, 3, 3, 3), 0.5)
    >>> dl.loss(W, Sigma), dl.classify(W, Sigma).kind
    (2.5, 'strict saddle')
    >>> dl.classify(dl.spare_rank_fiber_point((1,), Sigma, (3, 3, 3, 3), 0.0), Sigma).kind
    'non-strict saddle'
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


# --------------------------------------------------------------------------- the chapter's explorer


_WALK_SIGMA = (3.0, 2.0, 1.0)


_WALK_WIDTHS = (3, 3, 3, 3)


_WALK_SUBSET = (1,)


#: Path kinds of the explorer: (kind, layer).
WALK_KINDS = {"gl": ("gl", 1), "orthogonal": ("orthogonal", 1), "null-space W1": ("null-space", 1),
              "null-space W2": ("null-space", 2)}


def saddle_fiber_path(kind: str) -> FiberPath:
    r"""The paths of the chapter's explorer, through the balanced non-strict saddle
    :math:`S = \{1\}` of :math:`\Sigma = \mathrm{diag}(3, 2, 1)` with widths ``(3, 3, 3, 3)``
    (value 2.5), for ``s`` in ``[-1, 1]`` (41 points): :func:`deeplinear.fiber_path` with the
    explorer's choices of kind and layer (its ``prepare=`` step).

    Parameters
    ----------
    kind : {"gl", "orthogonal", "null-space W1", "null-space W2"}
        A group path or a straight product-preserving line in layer 1 or 2.

    Returns
    -------
    FiberPath

    Raises
    ------
    ValueError
        For an unknown ``kind``.

    Examples
    --------
    >>> fp = dl.saddle_fiber_path("gl")
    >>> len(fp), fp.kinds[fp.index(0.0)]
    (41, 'non-strict saddle')
    """
    if kind not in WALK_KINDS:
        raise InvalidArgumentError(f"kind must be one of {tuple(WALK_KINDS)}, got {kind!r}")
    k, layer = WALK_KINDS[kind]
    cp = critical_point(_WALK_SUBSET, np.diag(_WALK_SIGMA), _WALK_WIDTHS)
    return fiber_path(cp, kind=k, layer=layer, s=np.linspace(-1.0, 1.0, 41), seed=0)
