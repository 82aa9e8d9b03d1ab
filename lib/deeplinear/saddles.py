r"""Saddles: classification of critical points, higher-order descent, stable and unstable sets.

**Classification.** A critical point of :math:`L = \tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2`
is a *global minimum* when its value is :math:`L^\star = \tfrac12\sum_{k>d_{\min}}\sigma_k^2`,
otherwise a *saddle*: deep linear networks have no other local minima and no local maxima
(Baldi and Hornik 1989; Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024). A saddle is
*strict* when the Hessian has a negative eigenvalue and *non-strict* when the Hessian is
positive semidefinite; then only a higher-order term decreases the loss, e.g. at the origin
for :math:`h \ge 3`, where :math:`L(\varepsilon V) = L(0) - \varepsilon^h\langle\Sigma,
V_h\cdots V_1\rangle + O(\varepsilon^{2h})` and the Hessian is exactly zero. Strictness is a
property of the point, not of the value: one fibre can hold both kinds.

**Higher-order descent.** At a non-strict saddle, :func:`classify` builds an explicit
direction from the structure of the point (rank-one pieces through a chain of layers, see
:func:`descent_direction`) such that

.. math:: L(x + \varepsilon V) - L(x) = -c\,\varepsilon^p + O(\varepsilon^{2p}),

for example :math:`p = h`, :math:`c = \sigma_m` at the balanced representative of a top set
(add :math:`\varepsilon e_m e_m^\top` to every layer for the largest unlearnt mode ``m``).

**Stable and unstable sets** (digest 3.5). On the aligned submanifold the flow decouples into
scalar chains :math:`\dot w_i = \prod_{j\ne i} w_j\,(\sigma - \prod_j w_j)`, one per mode. The
lines :math:`w_i = s_i a` (signs :math:`s_i = \pm1`) are invariant and along them
:math:`\frac{d|a|}{dt} = \operatorname{sign}(\textstyle\prod s_i \operatorname{sign}(a)^h)\,
\sigma|a|^{h-1} - |a|^{2h-1}`. At an unlearnt mode (:math:`a = 0`) a ray whose product has
the sign of :math:`\sigma` is *unstable*, the others are *stable*; for :math:`h = 2` this is
hyperbolic (rates :math:`\pm\sigma`), for :math:`h \ge 3` the linearisation vanishes and the
escape is algebraic, :math:`|a(t)|^{2-h} \approx |a_0|^{2-h} - (h-2)\sigma t`.
The network flow confirms this ray by ray (:func:`ray_fates`); a start slightly off a stable
ray has a non-zero conserved imbalance and turns back before reaching the saddle
(:func:`off_ray_flow`, :func:`off_ray_turn_time`). The orthogonal hidden-layer transforms that
fix :math:`A_S` (:func:`stabilizer_rotations`) move rays to other points of the same stable or
unstable set (:func:`saddle_samples`, :func:`saddle_sample_flows`), and the Hessian sees the
escape directions only for :math:`h = 2` (:func:`escape_direction_span`).

**Symmetry.** The :math:`GL` orbit through a point has tangent
:math:`\xi_i W_i - W_i\xi_{i-1}` (:func:`orbit_tangent_vector`) and dimension
:func:`orbit_dimension`; at a critical point it lies in the Hessian's null space.

References: Baldi and Hornik 1989; Kawaguchi 2016; Trager, Kohn and Bruna 2020; Achour,
Malgouyres and Gerchinovitz 2024; Saxe, McClelland and Ganguli 2014 (mode dynamics); Wendin and
Altafini, arXiv:2511.10362, Section 4.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_positive, as_real, as_rng, as_weights, as_widths, check_sigma, widths_of
from .flow import Event, Trajectory, gradient_flow
from .hessian import Inertia, _term_scale, flatten_weights, hessian, inertia, unflatten_weights
from .invariants import gl_action, random_orthogonal
from .landscape import (
    CRITICAL_TOL,
    CriticalPoint,
    _fmt,
    _fmt_subset,
    _global_minimum_value,
    _hidden_positions,
    _readonly,
    _sigma_modes,
    _value_tol,
    critical_point,
    learnt_subset,
    relative_gradient_norm,
)
from .network import prefix_products, suffix_products

__all__ = [
    "DescentDirection",
    "Classification",
    "classify",
    "descent_direction",
    "DescentFit",
    "fit_descent_order",
    "orbit_dimension",
    "orbit_tangent_vector",
    "mode_rotation",
    "StrictnessPrediction",
    "predicted_strictness",
    "ModeManifold",
    "SaddleManifolds",
    "saddle_manifolds",
    "FlowFromSaddle",
    "flow_from_saddle",
    "saddle_escape_law",
    "RayFates",
    "ray_fates",
    "off_ray_turn_time",
    "OffRayFlow",
    "off_ray_flow",
    "stabilizer_rotations",
    "saddle_samples",
    "SaddleSampleFlows",
    "saddle_sample_flows",
    "EscapeSpan",
    "escape_direction_span",
    "ScalarCriticalSet",
    "scalar_critical_set",
    "scalar_vector_field",
    "scalar_conserved_curve",
    "scalar_h2_limit",
]

_EPS = float(np.finfo(float).eps)
GLOBAL_MINIMUM = "global minimum"
STRICT = "strict saddle"
NON_STRICT = "non-strict saddle"


def _checked(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    W = as_weights(weights)
    return W, check_sigma(Sigma, widths_of(W))


def _loss(W: Sequence[np.ndarray], S: np.ndarray) -> float:
    R = S - prefix_products(W)[-1]
    return 0.5 * float(np.sum(R * R))


def _require_critical(W: list[np.ndarray], S: np.ndarray, tol: float, who: str) -> float:
    rho = relative_gradient_norm(W, S)
    if rho > tol:
        from .loss import gradient

        g = math.sqrt(sum(float(np.sum(x * x)) for x in gradient(W, S)))
        raise ValueError(
            f"{who} needs a critical point, but the gradient norm is {g:.3g} (relative gradient norm "
            f"{rho:.3g} > tol = {tol:g}); see deeplinear.is_critical"
        )
    return rho


# --------------------------------------------------------------------------- symmetry


def _orbit_tangent_matrix(W: Sequence[np.ndarray]) -> np.ndarray:
    r"""Matrix of :math:`\xi \mapsto (\xi_i W_i - W_i \xi_{i-1})_i` (row-major vec, :math:`\xi_0 = \xi_h = 0`)."""
    h = len(W)
    d = widths_of(W)
    sizes = [w.size for w in W]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    g = [d[i] ** 2 for i in range(1, h)]
    goffs = np.concatenate([[0], np.cumsum(g)]).astype(int)
    T = np.zeros((int(offs[-1]), int(goffs[-1])))
    for i in range(1, h):  # xi_i acts on W_i (left) and W_{i+1} (right)
        cols = slice(goffs[i - 1], goffs[i])
        T[offs[i - 1]:offs[i], cols] += np.kron(np.eye(d[i]), W[i - 1].T)  # xi_i W_i
        T[offs[i]:offs[i + 1], cols] -= np.kron(W[i], np.eye(d[i]))  # - W_{i+1} xi_i
    return T


def mode_rotation(
    weights: Sequence[np.ndarray], Sigma: np.ndarray, j: int, k: int, theta: float
) -> list[np.ndarray]:
    r"""Turn singular direction ``j`` of ``Sigma`` towards direction ``k`` in the outer layers.

    .. math::

       W_1 \mapsto W_1 O_v(\theta)^\top, \qquad W_h \mapsto O_u(\theta) W_h,

    where :math:`O_v(\theta)` rotates :math:`v_j` towards :math:`v_k` by the angle
    :math:`\theta` in their plane and fixes the orthogonal complement (:math:`O_u`: the same
    for :math:`u_j, u_k`), so the product becomes :math:`O_u W_{1:h} O_v^\top`. At a network
    with product :math:`\Sigma_S`, :math:`j \in S`, :math:`k \notin S`,

    .. math:: L(\theta) = L_S - \sigma_j(\sigma_k - \sigma_j)\sin^2\theta,

    which decreases when :math:`\sigma_k > \sigma_j`: a descent curve out of every critical
    point whose learnt set is not a top set, whatever the point of the fibre.

    Parameters
    ----------
    weights : list of ndarray
    Sigma : ndarray, shape (d_h, d_0)
    j, k : int
        1-based indices of singular values of ``Sigma`` (the module's convention), distinct.
    theta : float
        The angle.

    Returns
    -------
    list of ndarray
    """
    W = as_weights(weights)
    Sig = check_sigma(Sigma, widths_of(W))
    modes = _sigma_modes(Sig)
    q = len(modes.sigma)
    j = as_int(j, "j", minimum=1)
    k = as_int(k, "k", minimum=1)
    if j > q or k > q or j == k:
        raise ValueError(f"j = {j} and k = {k} must be distinct indices from 1 to {q} (Sigma has {q} singular values)")
    theta = as_real(theta, "theta")
    c, s = math.cos(theta), math.sin(theta)

    def rotation(B: np.ndarray) -> np.ndarray:
        a, b = B[:, j - 1], B[:, k - 1]
        return (np.eye(B.shape[0]) + (c - 1.0) * (np.outer(a, a) + np.outer(b, b))
                + s * (np.outer(b, a) - np.outer(a, b)))

    out = [np.array(w, dtype=float) for w in W]
    out[0] = out[0] @ rotation(modes.V).T
    out[-1] = rotation(modes.U) @ out[-1]
    return out


def orbit_tangent_vector(weights: Sequence[np.ndarray], xis: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""The tangent of the :math:`GL` orbit through ``weights`` in the direction :math:`\xi = (\xi_1, \dots, \xi_{h-1})`.

    Differentiating :math:`W_i \mapsto e^{s\xi_i} W_i e^{-s\xi_{i-1}}` at ``s = 0`` gives

    .. math:: \dot W_i = \xi_i W_i - W_i \xi_{i-1}, \qquad \xi_0 = 0,\ \xi_h = 0

    (the input and output layers are not transformed). This is the linear map whose rank is
    :func:`orbit_dimension`; at a critical point its image lies in the Hessian's null space.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    xis : list of ndarray
        ``h - 1`` generators, :math:`\xi_i` of shape ``(d_i, d_i)``.

    Returns
    -------
    list of ndarray
        The shapes of ``weights``.

    Raises
    ------
    ValueError
        If the number or the shapes of the generators do not match the hidden layers.
    """
    W = as_weights(weights)
    h = len(W)
    d = widths_of(W)
    xis = list(xis)
    if len(xis) != h - 1:
        raise ValueError(f"give h - 1 = {h - 1} hidden-layer generators, got {len(xis)}")
    X = [np.asarray(x, dtype=float) for x in xis]
    for i, x in enumerate(X, start=1):
        if x.shape != (d[i], d[i]):
            raise ValueError(f"xi_{i} must have shape {(d[i], d[i])} (hidden layer {i} has width {d[i]}), got {x.shape}")
    full = [np.zeros((d[0], d[0]))] + X + [np.zeros((d[h], d[h]))]
    return [full[i] @ W[i - 1] - W[i - 1] @ full[i - 1] for i in range(1, h + 1)]


def orbit_dimension(weights: Sequence[np.ndarray], *, rtol: float = 1e-9) -> int:
    r"""Dimension of the :math:`GL(d_1)\times\dots\times GL(d_{h-1})` orbit through ``weights``.

    The rank of the tangent map :math:`\xi \mapsto (\xi_1 W_1,\ \xi_2 W_2 - W_2\xi_1,\ \dots,
    -W_h\xi_{h-1})`, singular values above ``rtol`` times the largest counting. At a critical
    point the orbit consists of critical points, so its tangent space lies in the Hessian's
    null space: this is the part of the null space the symmetry explains. E.g. 0 at the
    origin, :math:`(h-1)d^2` for equal square widths and an invertible product.
    """
    W = as_weights(weights)
    rtol = as_positive(rtol, "rtol")
    if len(W) < 2:
        return 0
    T = _orbit_tangent_matrix(W)
    if T.size == 0:
        return 0
    s = np.linalg.svd(T, compute_uv=False)
    if s.size == 0 or s[0] == 0.0:
        return 0
    return int(np.sum(s > rtol * s[0]))


# --------------------------------------------------------------------------- descent directions


@dataclass(frozen=True, eq=False)
class DescentDirection:
    r"""A direction along which the loss decreases: :math:`L(x+\varepsilon V) - L(x) = -c\varepsilon^p + \dots`.

    Attributes
    ----------
    direction : tuple of ndarray
        ``V`` as weights.
    order : int
        ``p``: 2 at strict saddles, at least 3 at non-strict ones.
    rate : float
        ``c > 0``.
    layers : tuple of int
        The perturbed layers (1-based).
    construction : str
        ``"hessian eigenvector"`` (unit norm; ``c = -lambda_min / 2``) or ``"rank-one chain"``
        (each perturbed layer a rank-one :math:`y_i b_i^\top` with unit vectors, so
        :math:`\lVert V_i\rVert_F = 1`; then the expansion is exact:
        :math:`L(x+\varepsilon V) - L(x) = -c\varepsilon^p + \tfrac12\varepsilon^{2p}\lVert Y\rVert_F^2`).
    """

    direction: tuple[np.ndarray, ...]
    order: int
    rate: float
    layers: tuple[int, ...]
    construction: str

    def predicted_change(self, eps: float | np.ndarray) -> float | np.ndarray:
        r"""Leading term :math:`-c\,\varepsilon^p`."""
        return -self.rate * np.asarray(eps, dtype=float) ** self.order

    def __repr__(self) -> str:
        return (
            f"DescentDirection(order p={self.order}, rate c={self.rate:.6g}, layers={self.layers}, "
            f"{self.construction}: L(x + eps V) - L(x) = -{self.rate:.6g} eps^{self.order} + ...)"
        )


def _null(A: np.ndarray, thr: float) -> np.ndarray:
    """Orthonormal basis (columns) of the null space, singular values <= thr counting as zero."""
    m, n = A.shape
    if n == 0:
        return np.zeros((0, 0))
    if m == 0:
        return np.eye(n)
    _, s, Vt = np.linalg.svd(A, full_matrices=True)
    rank = int(np.sum(s > thr))
    return Vt[rank:].T


def _top_pair(C: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    if C.size == 0:
        return 0.0, np.zeros(C.shape[0]), np.zeros(C.shape[1])
    U, s, Vt = np.linalg.svd(C)
    return float(s[0]), U[:, 0], Vt[0]


def _chain_descent(W: list[np.ndarray], S: np.ndarray, tol: float) -> DescentDirection | None:
    r"""Shortest chain of rank-one layer perturbations whose product term decreases the loss.

    Perturb layers :math:`i_1 < \dots < i_p` by :math:`V_{i} = y_i b_i^\top`. Require, for
    consecutive :math:`i < j` with :math:`M = W_{i+1:j-1}`: :math:`W_j M y_i = 0` and
    :math:`b_j^\top M W_i = 0` (then every term of the expanded product with some but not all
    of the chain's perturbations vanishes), with coupling :math:`b_j^\top M y_i > 0`; and at the
    ends :math:`y_{i_p}^\top W_{i_p+1:h}^\top R\,W_{1:i_1-1}^\top b_{i_1} > 0`. Then
    :math:`W_{1:h}(x+\varepsilon V) = \Sigma_S + \varepsilon^p Y` exactly, and
    :math:`L(x + \varepsilon V) = L(x) - \varepsilon^p\langle R, Y\rangle + \tfrac12\varepsilon^{2p}\lVert Y\rVert^2`.
    """
    h = len(W)
    d = widths_of(W)
    pre = prefix_products(W)
    suf = suffix_products(W)
    R = S - pre[h]
    sig1 = float(np.linalg.norm(S, 2)) if S.size else 0.0
    ell = [max(float(np.linalg.norm(w, 2)), sig1 ** (1.0 / h), 1e-300) for w in W]

    def scale(lo: int, hi: int) -> float:  # product of layer scales lo..hi (1-based, inclusive)
        return math.prod(ell[lo - 1:hi]) if hi >= lo else 1.0

    mids = {}
    for i in range(1, h + 1):
        M = np.eye(d[i])
        for j in range(i + 1, h + 1):
            mids[(i, j)] = M
            M = W[j - 1] @ M
    pair: dict[tuple[int, int], tuple[float, np.ndarray, np.ndarray]] = {}
    for (i, j), M in mids.items():
        Ny = _null(W[j - 1] @ M, tol * scale(i + 1, j))
        Nb = _null((M @ W[i - 1]).T, tol * scale(i, j - 1))
        if Ny.shape[1] == 0 or Nb.shape[1] == 0:
            continue
        s, ub, vy = _top_pair(Nb.T @ M @ Ny)
        if s > tol * scale(i + 1, j - 1):
            pair[(i, j)] = (s, Nb @ ub, Ny @ vy)  # coupling, b_j, y_i
    rnorm = float(np.linalg.norm(R))
    ends: dict[tuple[int, int], tuple[float, np.ndarray, np.ndarray]] = {}
    for i in range(1, h + 1):
        for j in range(i + 1, h + 1):
            G = suf[j].T @ R @ pre[i - 1].T  # (d_j, d_{i-1})
            s, uy, vb = _top_pair(G)
            if s > tol * rnorm * scale(j + 1, h) * scale(1, i - 1):
                ends[(i, j)] = (s, uy, vb)  # y_j, b_i
    # best[(start, end, p)] = (score, path)
    best: dict[tuple[int, int, int], tuple[float, tuple[int, ...]]] = {}
    for i in range(1, h + 1):
        best[(i, i, 1)] = (1.0, (i,))
    for p in range(2, h + 1):
        for (a, b, q), (score, path) in list(best.items()):
            if q != p - 1:
                continue
            for j in range(b + 1, h + 1):
                if (b, j) in pair:
                    cand = (score * pair[(b, j)][0], path + (j,))
                    key = (a, j, p)
                    if key not in best or cand[0] > best[key][0]:
                        best[key] = cand
        found = []
        for (a, b, q), (score, path) in best.items():
            if q == p and (a, b) in ends:
                found.append((score * ends[(a, b)][0], path))
        if found:
            rate, path = max(found, key=lambda x: x[0])
            V = [np.zeros_like(w) for w in W]
            s_end, y_last, b_first = ends[(path[0], path[-1])]
            for n_, li in enumerate(path):
                y = pair[(li, path[n_ + 1])][2] if n_ < len(path) - 1 else y_last
                b = pair[(path[n_ - 1], li)][1] if n_ > 0 else b_first
                V[li - 1] = np.outer(y, b)
            return DescentDirection(
                direction=tuple(_readonly(v) for v in V),
                order=p,
                rate=float(rate),
                layers=tuple(path),
                construction="rank-one chain",
            )
    return None


def descent_direction(
    weights: Sequence[np.ndarray], Sigma: np.ndarray, *, tol: float = CRITICAL_TOL
) -> DescentDirection | None:
    r"""A structured descent direction of least order at a critical point (``None`` at a minimum).

    Searches the chains of rank-one perturbations :math:`V_i = y_i b_i^\top` on layers
    :math:`i_1 < \dots < i_p` (see the private ``_chain_descent`` for the conditions) for the
    smallest ``p`` and, among those, the largest rate. At the balanced representative of a top
    set with ``h >= 3`` this finds ``p = h`` (every layer perturbed, ``c`` = the largest unlearnt
    singular value); at :math:`(0, I, 0)` it finds ``p = 2`` through layers 1 and 3. A chain of
    order ``p = 2`` is a negative-curvature direction, so at a non-strict saddle (PSD Hessian)
    the result has ``p >= 3``. The search is within this family only: the least order over all
    curves may be smaller.
    """
    W, S = _checked(weights, Sigma)
    tol = as_positive(tol, "tol")
    _require_critical(W, S, tol, "descent_direction")
    return _chain_descent(W, S, tol)


@dataclass(frozen=True, eq=False)
class DescentFit:
    r"""Fit of :math:`L(x+\varepsilon V) - L(x) \approx -c\,\varepsilon^p` over several ``eps``.

    Attributes
    ----------
    order : float
        Fitted ``p`` (slope of :math:`\log(-\Delta L)` against :math:`\log\varepsilon`).
    rate : float
        Fitted ``c``.
    eps, changes : ndarray
        The step sizes and the exact changes :math:`\Delta L`.
    """

    order: float
    rate: float
    eps: np.ndarray
    changes: np.ndarray

    def __repr__(self) -> str:
        return f"DescentFit(order={self.order:.4f}, rate={self.rate:.6g}, over eps in [{self.eps.min():.1e}, {self.eps.max():.1e}])"


def fit_descent_order(
    weights: Sequence[np.ndarray],
    Sigma: np.ndarray,
    direction: DescentDirection | Sequence[np.ndarray],
    eps: Sequence[float] = tuple(np.geomspace(1e-3, 3e-2, 8)),
) -> DescentFit:
    r"""Measure the order ``p`` and rate ``c`` of :math:`L(x+\varepsilon V) - L(x) = -c\varepsilon^p + \dots`.

    :math:`\Delta L` is computed without cancellation as
    :math:`-\langle R, Q\rangle + \tfrac12\lVert Q\rVert^2` with
    :math:`Q = W_{1:h}(x+\varepsilon V) - W_{1:h}(x)` expanded by layers, and a line is fitted to
    :math:`\log(-\Delta L)` against :math:`\log\varepsilon`.

    Raises
    ------
    ValueError
        If the loss does not decrease for some ``eps``.
    """
    W, S = _checked(weights, Sigma)
    V = list(direction.direction) if isinstance(direction, DescentDirection) else as_weights(direction, "direction")
    if [v.shape for v in V] != [w.shape for w in W]:
        raise ValueError("direction must have the shapes of weights")
    e = np.asarray(eps, dtype=float)
    if e.ndim != 1 or len(e) < 2 or np.any(e <= 0):
        raise ValueError(f"eps must hold at least two positive numbers, got {eps!r}")
    R = S - prefix_products(W)[-1]
    h = len(W)
    changes = []
    for ep in e:
        # Q = sum over non-empty subsets J of layers of eps^|J| * (product with V on J): by recursion
        base = np.eye(W[0].shape[1])
        pert = np.zeros_like(base)  # part of the running product with at least one V
        for i in range(h):
            pert = W[i] @ pert + ep * V[i] @ (base + pert)
            base = W[i] @ base
        Q = pert
        changes.append(-float(np.sum(R * Q)) + 0.5 * float(np.sum(Q * Q)))
    changes = np.array(changes)
    if np.any(changes >= 0):
        bad = float(e[int(np.argmax(changes >= 0))])
        raise ValueError(f"the loss does not decrease along the direction at eps = {bad:g} (change {changes[changes >= 0][0]:.3g})")
    slope, icpt = np.polyfit(np.log(e), np.log(-changes), 1)
    return DescentFit(float(slope), float(math.exp(icpt)), _readonly(e), _readonly(changes))


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True, eq=False)
class Classification:
    r"""Second-order (and, where needed, higher-order) type of a critical point.

    Attributes
    ----------
    kind : str
        ``"global minimum"``, ``"strict saddle"`` or ``"non-strict saddle"``.
    value : float
        The critical value.
    global_minimum_value : float
        :math:`L^\star`.
    subset : tuple of int
        The learnt set ``S`` (1-based).
    inertia : Inertia
        Of the Hessian.
    lambda_min, lambda_max : float
    relative_gradient_norm : float
    n_weights : int
    null_dim : int
        Dimension of the Hessian null space (``inertia.n_zero``).
    orbit_dim : int
        Dimension of the :math:`GL` orbit through the point (the part of the null space the
        symmetry explains).
    hessian_conclusive : bool
        ``True`` if the Hessian alone decides (a negative eigenvalue, or positive definite).
    descent : DescentDirection or None
        A descent direction: the eigenvector of :math:`\lambda_{\min}` (order 2) at a strict
        saddle, a rank-one chain (order ``>= 3``) at a non-strict saddle, ``None`` at a minimum.
    reason : str
        Why the point got its kind.
    """

    kind: str
    value: float
    global_minimum_value: float
    subset: tuple[int, ...]
    inertia: Inertia
    lambda_min: float
    lambda_max: float
    relative_gradient_norm: float
    n_weights: int
    null_dim: int
    orbit_dim: int
    hessian_conclusive: bool
    descent: DescentDirection | None
    reason: str

    @property
    def unexplained_null_dim(self) -> int:
        """Null directions not explained by the symmetry orbit."""
        return self.null_dim - self.orbit_dim

    @property
    def is_strict(self) -> bool:
        return self.kind == STRICT

    def _lines(self) -> list[tuple[str, str]]:
        rows = [
            ("kind", self.kind),
            ("critical value", f"{_fmt(self.value)} (global minimum value {_fmt(self.global_minimum_value)})"),
            ("learnt set S", _fmt_subset(self.subset)),
            ("Hessian inertia (-, 0, +)", f"({self.inertia.n_negative}, {self.inertia.n_zero}, {self.inertia.n_positive}) of {self.n_weights}"),
            ("lambda_min, lambda_max", self._extremes_text()),
            ("null space / GL orbit dim", f"{self.null_dim} / {self.orbit_dim} (unexplained {self.unexplained_null_dim})"),
            ("Hessian conclusive", str(self.hessian_conclusive)),
        ]
        if self.descent is not None:
            rows.append(("descent", f"order {self.descent.order}, rate {self.descent.rate:.6g} ({self.descent.construction}, layers {self.descent.layers})"))
        rows.append(("reason", self.reason))
        return rows

    def _extremes_text(self) -> str:
        # eigenvalues inside the inertia's zero threshold are rounding noise: print them as 0
        thr = self.inertia.threshold
        shown = ["0" if abs(x) <= thr else f"{x:.6g}" for x in (self.lambda_min, self.lambda_max)]
        note = f" (|lambda| <= {thr:.1e} counts as 0)" if "0" in shown else ""
        return ", ".join(shown) + note

    def __repr__(self) -> str:
        return "Classification(\n" + "\n".join(f"  {k}: {v}" for k, v in self._lines()) + "\n)"

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in self._lines())
        return f"<table>{body}</table>"


def classify(
    weights: Sequence[np.ndarray],
    Sigma: np.ndarray,
    *,
    tol: float = CRITICAL_TOL,
    eig_tol: float | None = None,
) -> Classification:
    r"""Classify a critical point: global minimum, strict saddle or non-strict saddle.

    1. Criticality: :func:`~deeplinear.relative_gradient_norm` :math:`\le` ``tol``, else
       ``ValueError`` naming the gradient norm.
    2. Hessian (:func:`~deeplinear.hessian`) and its inertia, zero threshold ``eig_tol``
       (absolute) or by default :math:`\max(n h \epsilon B,\ \mathrm{tol}\,\lVert H\rVert_2)`.
       Here :math:`B` bounds the size of the terms the entries are built from,
       :math:`\max_{i\le j}\prod_{k\ne i}\lVert W_k\rVert\prod_{k\ne j}\lVert W_k\rVert + \lVert R\rVert\prod_{k\ne i,j}\lVert W_k\rVert`:
       each entry carries a rounding error of about :math:`h\epsilon B` and the spectral norm of
       the error matrix is at most ``n`` times that, so a product that vanishes only up to
       rounding leaves eigenvalues of that size which must count as zero, even when
       :math:`\lVert H\rVert_2` itself is that small (a purely :math:`\lVert H\rVert`-relative
       rule would call such a point strict). The second term allows for points that are
       critical only to relative accuracy ``tol`` (ends of flows).
    3. A negative eigenvalue: **strict saddle** (the Hessian is conclusive); the descent
       direction is its eigenvector, order 2, rate :math:`-\lambda_{\min}/2`.
    4. Otherwise the Hessian is PSD. If the value is :math:`L^\star` (the learnt set is a top
       set of size :math:`\min(r, d_{\min})`): **global minimum**. If not, the Hessian is
       inconclusive and a higher-order argument decides: there are no local minima that are
       not global (Kawaguchi 2016; Achour et al. 2024), so the point is a **non-strict
       saddle**; an explicit direction of order :math:`p \ge 3` is attached
       (:func:`descent_direction`).

    Also reported: the learnt set, the null-space dimension and the dimension of the
    :math:`GL` orbit (:func:`orbit_dimension`), which lies inside the null space.

    Parameters
    ----------
    weights : list of ndarray
    Sigma : ndarray
    tol : float, default 1e-8
        Relative tolerance for criticality (and for rank decisions in the descent search).
    eig_tol : float, optional
        Absolute zero threshold for the Hessian eigenvalues.

    Raises
    ------
    ValueError
        If the point is not critical (the message gives the gradient norm).

    Examples
    --------
    Claim 13: the origin of a depth-3 network has a zero Hessian yet is a saddle.

    >>> import numpy as np
    >>> c = classify([np.zeros((2, 2))] * 3, np.diag([3.0, 2.0]))
    >>> c.kind, c.lambda_min, c.descent.order, c.descent.rate
    ('non-strict saddle', 0.0, 3, 3.0)
    """
    W, S = _checked(weights, Sigma)
    tol = as_positive(tol, "tol")
    rho = _require_critical(W, S, tol, "classify")
    H = hessian(W, S)
    n = H.shape[0]
    ev_all = np.linalg.eigvalsh(H)
    normH = float(np.max(np.abs(ev_all), initial=0.0))
    if eig_tol is None:
        thr = max(n * len(W) * _EPS * _term_scale(W, S), tol * normH)
    else:
        thr = as_positive(eig_tol, "eig_tol", allow_zero=True)
    inert = inertia(H, tol=thr)
    modes = _sigma_modes(S)
    d = widths_of(W)
    Lstar = _global_minimum_value(modes.sigma, min(d))
    sub = learnt_subset(W, S)
    value = _loss(W, S)
    atol = _value_tol(modes.sigma, None)
    val_S = 0.5 * math.fsum(float(modes.sigma[k]) ** 2 for k in range(len(modes.sigma)) if k + 1 not in sub)
    at_min = abs(val_S - Lstar) <= max(atol, 1e-12)
    descent = None
    if inert.n_negative > 0:
        if at_min:
            raise ValueError(
                f"inconsistent: the value {value:.6g} is the global minimum value but the Hessian has a negative "
                f"eigenvalue {inert.lambda_min:.3g}; the point is probably not critical to within tol = {tol:g}"
            )
        kind = STRICT
        w_, vecs = np.linalg.eigh(H)
        v = vecs[:, 0]
        descent = DescentDirection(
            direction=tuple(_readonly(x) for x in unflatten_weights(v, d)),
            order=2,
            rate=float(-w_[0] / 2),
            layers=tuple(i + 1 for i, x in enumerate(unflatten_weights(v, d)) if np.any(np.abs(x) > 1e-12)),
            construction="hessian eigenvector",
        )
        reason = (
            f"the Hessian has {inert.n_negative} negative eigenvalue(s), lambda_min = {inert.lambda_min:.6g}: "
            "second-order descent, a strict saddle"
        )
    elif at_min:
        kind = GLOBAL_MINIMUM
        reason = (
            f"the critical value equals the global minimum value L* = 1/2 sum_(k > d_min) sigma_k^2 = {_fmt(Lstar)} "
            "(Eckart-Young), so the point is a global minimiser"
            + (f"; the Hessian is PSD with a {inert.n_zero}-dimensional null space" if inert.n_zero else "")
        )
    else:
        kind = NON_STRICT
        descent = _chain_descent(W, S, tol)
        reason = (
            f"the Hessian is positive semidefinite ({inert.n_zero} zero eigenvalues), so it is inconclusive, but the "
            f"critical value {_fmt(value)} exceeds the global minimum value {_fmt(Lstar)}; deep linear networks have "
            "no local minima that are not global (Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024), so this "
            "is a non-strict saddle"
            + (
                f"; explicit descent of order {descent.order}: L(x + eps V) - L(x) = -{descent.rate:.6g} eps^{descent.order} + ..."
                if descent is not None
                else ""
            )
        )
    return Classification(
        kind=kind,
        value=value,
        global_minimum_value=Lstar,
        subset=sub,
        inertia=inert,
        lambda_min=inert.lambda_min,
        lambda_max=inert.lambda_max,
        relative_gradient_norm=rho,
        n_weights=n,
        null_dim=inert.n_zero,
        orbit_dim=orbit_dimension(W),
        hessian_conclusive=bool(inert.n_negative > 0 or inert.n_zero == 0),
        descent=descent,
        reason=reason,
    )


# --------------------------------------------------------------------------- strictness rule


@dataclass(frozen=True, eq=False)
class StrictnessPrediction:
    """Outcome of the structural strictness rule (digest 3.2, corrected).

    Attributes
    ----------
    strict : bool
    rule : str
        Which clause decided.
    witness : tuple of int or None
        ``(m, i, j)``: the unlearnt mode and the two layers of a second-order descent, or for a
        non-top set ``(m, k)``: an unlearnt mode above a learnt one.
    subset : tuple of int
    """

    strict: bool
    rule: str
    witness: tuple[int, ...] | None
    subset: tuple[int, ...]

    def __repr__(self) -> str:
        return f"StrictnessPrediction(strict={self.strict}, S={_fmt_subset(self.subset)}: {self.rule})"


def predicted_strictness(
    weights: Sequence[np.ndarray], Sigma: np.ndarray, *, tol: float = CRITICAL_TOL
) -> StrictnessPrediction:
    r"""Strictness of a saddle predicted from ranks of partial products (no Hessian).

    The rule (digest 3.2 [CORRECTED], after Achour, Malgouyres and Gerchinovitz 2024):

    1. if the learnt set ``S`` is not a top set (some unlearnt :math:`\sigma_m` exceeds a learnt
       :math:`\sigma_k`), the saddle is strict;
    2. otherwise it is strict iff some unlearnt mode ``m`` (:math:`\sigma_m > 0`) and layers
       :math:`i < j` have :math:`W_{1:i-1} v_m \ne 0`, :math:`u_m^\top W_{j+1:h} \ne 0` and
       :math:`\operatorname{rank} W_{i+1:j-1} > |S|` (empty products are identities).

    The tests check this rule against the Hessian (:func:`classify`, the ground truth) on the
    digest's examples, including the ``h = 4`` counterexample to the uncorrected rule, and on
    random critical points built from blocks, GL orbits and null-space moves.

    Raises
    ------
    ValueError
        If the point is not critical, or is a global minimum (not a saddle).
    """
    W, S = _checked(weights, Sigma)
    tol = as_positive(tol, "tol")
    _require_critical(W, S, tol, "predicted_strictness")
    modes = _sigma_modes(S)
    d = widths_of(W)
    h = len(W)
    sub = learnt_subset(W, S)
    atol = _value_tol(modes.sigma, None)
    pos = [k + 1 for k in range(len(modes.sigma)) if 0.5 * modes.sigma[k] ** 2 > atol and modes.sigma[k] > 0]
    unl = [m for m in pos if m not in sub]
    val_S = 0.5 * math.fsum(float(modes.sigma[k - 1]) ** 2 for k in unl)
    if abs(val_S - _global_minimum_value(modes.sigma, min(d))) <= max(atol, 1e-12):
        raise ValueError("the point is a global minimum, not a saddle: strictness is not defined")
    for m in unl:
        for k in sub:
            if modes.sigma[m - 1] > modes.sigma[k - 1] * (1 + 1e-12):
                return StrictnessPrediction(True, f"S is not a top set: sigma_{m} > sigma_{k} with {k} learnt", (m, k), sub)
    pre = prefix_products(W)
    suf = suffix_products(W)
    sig1 = float(np.max(modes.sigma, initial=0.0))
    ell = [max(float(np.linalg.norm(w, 2)), sig1 ** (1.0 / h), 1e-300) for w in W]
    for m in unl:
        v, u = modes.V[:, m - 1], modes.U[:, m - 1]
        for i in range(1, h + 1):
            if np.linalg.norm(pre[i - 1] @ v) <= tol * math.prod(ell[: i - 1]):
                continue
            M = np.eye(d[i])
            for j in range(i + 1, h + 1):
                # M = W_{i+1:j-1}
                if np.linalg.norm(u @ suf[j]) > tol * math.prod(ell[j:]):
                    s = np.linalg.svd(M, compute_uv=False)
                    rank = int(np.sum(s > tol * math.prod(ell[i:j - 1])))
                    if rank > len(sub):
                        return StrictnessPrediction(
                            True,
                            f"mode {m} passes layers 1..{i - 1} and {j + 1}..{h}, and rank W_({i + 1}:{j - 1}) = {rank} > |S| = {len(sub)}",
                            (m, i, j),
                            sub,
                        )
                M = W[j - 1] @ M
    return StrictnessPrediction(False, "top set and no unlearnt mode reaches a two-layer perturbation with spare rank", None, sub)


# --------------------------------------------------------------------------- stable / unstable sets


def saddle_escape_law(h: int, sigma: float, a0: float, t: float | np.ndarray, *, stable: bool = False) -> np.ndarray:
    r"""Leading-order size :math:`|a(t)|` of a mode leaving (or approaching) its saddle along a ray.

    Near :math:`a = 0` the ray dynamics is :math:`\frac{d|a|}{dt} \approx \pm\sigma|a|^{h-1}`
    (``+`` unstable, ``-`` stable), so

    * ``h = 2``: :math:`|a(t)| = |a_0| e^{\pm\sigma t}` (hyperbolic, exponential);
    * ``h >= 3``: :math:`|a(t)|^{2-h} = |a_0|^{2-h} \mp (h-2)\sigma t` (algebraic; the unstable
      law blows up at :math:`t^\ast = |a_0|^{2-h}/((h-2)\sigma)`, returned as ``nan`` from there);
    * ``h = 1``: :math:`|a(t)| = |a_0|` to this order (no saddle).

    The neglected term is :math:`-|a|^{2h-1}`, so the law holds while :math:`|a|^h \ll \sigma`.
    """
    h = as_depth(h)
    sigma = as_positive(sigma, "sigma", allow_zero=True)
    a0 = abs(float(a0))
    t = np.asarray(t, dtype=float)
    sgn = -1.0 if stable else 1.0
    if h == 1 or a0 == 0.0:
        return np.full_like(t, a0)
    if h == 2:
        return a0 * np.exp(sgn * sigma * t)
    base = a0 ** (2 - h) - sgn * (h - 2) * sigma * t
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(base > 0, np.abs(base) ** (-1.0 / (h - 2)), np.nan)
    return out


@dataclass(frozen=True, eq=False)
class ModeManifold:
    r"""The invariant rays of one mode through a balanced saddle.

    Attributes
    ----------
    mode : int
        ``k`` (1-based).
    sigma : float
    learnt : bool
    available : bool
        ``False`` for an unlearnt mode that cannot be added (no free hidden coordinate: the
        rank bound is already used by ``S``).
    stable_rays, unstable_rays : tuple of tuple of int
        Sign vectors :math:`(s_1, \dots, s_h)`: the ray :math:`w_i = s_i a`, ``a > 0``, of the
        mode's scalar chain. For an unlearnt mode, stable iff :math:`\prod s_i < 0`
        (:math:`2^{h-1}` each). For a learnt mode the balanced line through
        :math:`\sigma^{1/h}` is stable (listed as ``((1, ..., 1),)``).
    linear_rates : tuple of float
        Eigenvalues of the linearised flow along the line(s): learnt
        :math:`-h\sigma^{2-2/h}`; unlearnt ``h = 2``: :math:`(+\sigma, -\sigma)` (unstable
        :math:`w_1 = w_2`, stable :math:`w_1 = -w_2`); unlearnt ``h >= 3``: ``(0.0,)``.
    law : str
        The escape / approach law.
    positions : tuple of int
        Hidden coordinates (0-based) carrying the mode, layers ``1..h-1``.
    """

    mode: int
    sigma: float
    learnt: bool
    available: bool
    stable_rays: tuple[tuple[int, ...], ...]
    unstable_rays: tuple[tuple[int, ...], ...]
    linear_rates: tuple[float, ...]
    law: str
    positions: tuple[int, ...]

    def __repr__(self) -> str:
        if self.learnt:
            return f"mode {self.mode} (sigma={_fmt(self.sigma)}, learnt): stable balanced line, rate {self.linear_rates[0]:.6g}"
        if not self.available:
            return f"mode {self.mode} (sigma={_fmt(self.sigma)}, unlearnt): no free hidden coordinate (rank bound reached)"
        return (
            f"mode {self.mode} (sigma={_fmt(self.sigma)}, unlearnt): {len(self.stable_rays)} stable / "
            f"{len(self.unstable_rays)} unstable rays, linear rates {self.linear_rates}; {self.law}"
        )


@dataclass(frozen=True, eq=False)
class SaddleManifolds:
    r"""Stable and unstable sets of a balanced saddle :math:`A_S` in the mode representation.

    Inside the aligned submanifold (one scalar chain per mode, the digest's 3.5), the saddle's
    stable set is the product of the learnt modes' balanced lines and, for each available
    unlearnt mode, the point 0 together with its stable rays; the unstable set is spanned by
    the unstable rays of the unlearnt modes.

    Attributes
    ----------
    point : CriticalPoint
        The balanced representative.
    modes : tuple of ModeManifold
        One per positive singular value, in index order.
    stable_dimension, unstable_dimension : int
        Dimensions of those sets inside the aligned submanifold: :math:`|S|` plus the number of
        available unlearnt modes, and that number.
    hessian_inertia : Inertia
        Inertia of the Hessian at the point: for ``h = 2`` (hyperbolic in the unlearnt
        directions) the numbers of positive / negative eigenvalues are the full-space
        dimensions of the stable / unstable manifolds transverse to the critical set; for
        ``h >= 3`` the unlearnt directions are in the null space and only the ray analysis decides.
    """

    point: CriticalPoint
    modes: tuple[ModeManifold, ...]
    stable_dimension: int
    unstable_dimension: int
    hessian_inertia: Inertia

    @property
    def depth(self) -> int:
        return self.point.depth

    def mode(self, k: int) -> ModeManifold:
        for m in self.modes:
            if m.mode == k:
                return m
        raise ValueError(f"mode {k} is not a positive singular value's index here ({[m.mode for m in self.modes]})")

    def mode_direction(self, k: int) -> list[np.ndarray]:
        r"""Unit pieces carrying mode ``k`` through every layer: :math:`E_k = (y_i b_i^\top)_i`
        with :math:`y_h = u_k`, :math:`b_1 = v_k` and hidden coordinate vectors."""
        mm = self.mode(k)
        if not mm.available:
            raise ValueError(f"mode {k} has no free hidden coordinate at S = {_fmt_subset(self.point.subset)}")
        modes = _sigma_modes(np.asarray(self.point.Sigma))
        d = self.point.widths
        h = len(d) - 1
        vecs = [modes.V[:, k - 1]]
        for i in range(1, h):
            e = np.zeros(d[i])
            e[mm.positions[i - 1]] = 1.0
            vecs.append(e)
        vecs.append(modes.U[:, k - 1])
        return [np.outer(vecs[i], vecs[i - 1]) for i in range(1, h + 1)]

    def ray_point(self, k: int, signs: Sequence[int], a: float) -> list[np.ndarray]:
        r"""The network :math:`A_S + a\sum_i s_i E_{k,i}`: mode ``k`` at amplitude ``a`` on ray ``signs``
        (for a learnt mode, ``a`` is added to :math:`\sigma_k^{1/h}`)."""
        h = self.depth
        s = tuple(int(x) for x in signs)
        if len(s) != h or any(x not in (-1, 1) for x in s):
            raise ValueError(f"signs must be {h} entries of +1 or -1, got {tuple(signs)!r}")
        E = self.mode_direction(k)
        return [np.array(w) + float(a) * si * e for w, si, e in zip(self.point.weights, s, E)]

    def ray_points(self, k: int, a: float, *, stable: bool = True) -> list[tuple[tuple[int, ...], list[np.ndarray]]]:
        """Sample points at amplitude ``a`` on every stable (or unstable) ray of unlearnt mode ``k``,
        as ``(signs, weights)`` pairs."""
        mm = self.mode(k)
        if mm.learnt:
            raise ValueError(f"mode {k} is learnt; its stable set is the balanced line (use ray_point)")
        rays = mm.stable_rays if stable else mm.unstable_rays
        return [(s, self.ray_point(k, s, a)) for s in rays]

    def mode_amplitudes(self, k: int, weights: Sequence[np.ndarray]) -> np.ndarray:
        r"""The entries :math:`w_i = y_i^\top W_i b_i` of mode ``k`` in each layer (length ``h``)."""
        E = self.mode_direction(k)
        return np.array([float(np.sum(e * np.asarray(w))) for e, w in zip(E, weights)])

    def __repr__(self) -> str:
        lines = [
            f"SaddleManifolds(S={_fmt_subset(self.point.subset)}, h={self.depth}, value={_fmt(self.point.value)}; "
            f"in the aligned submanifold: stable dim {self.stable_dimension}, unstable dim {self.unstable_dimension})"
        ]
        lines += ["  " + repr(m) for m in self.modes]
        return "\n".join(lines)


def _sign_vectors(h: int) -> list[tuple[int, ...]]:
    return [tuple(s) for s in itertools.product((1, -1), repeat=h)]


def saddle_manifolds(subset: Sequence[int], Sigma: np.ndarray, widths: Sequence[int]) -> SaddleManifolds:
    r"""Stable and unstable rays of the balanced saddle :math:`A_S`, mode by mode.

    For each unlearnt mode ``m`` with :math:`\sigma_m > 0` and a free hidden coordinate, the
    rays :math:`w_i = s_i a` (``a > 0``) of its scalar chain through 0 are invariant, with

    .. math:: \frac{d|a|}{dt} = \operatorname{sign}\Big(\prod_i s_i\Big)\sigma_m|a|^{h-1} - |a|^{2h-1},

    so the rays with :math:`\prod_i s_i = +1` (product of the sign of :math:`\sigma_m`) are
    unstable and the others stable, :math:`2^{h-1}` each. ``h = 2``: the unstable line
    :math:`w_1 = w_2` (eigenvalue :math:`+\sigma_m`) and the stable line :math:`w_1 = -w_2`
    (:math:`-\sigma_m`). ``h >= 3``: zero linearisation, algebraic laws
    (:func:`saddle_escape_law`); for odd ``h`` the balanced ray with ``a < 0`` is stable, for
    even ``h`` the balanced line is unstable on both sides and the stable rays have an odd
    number of sign flips. Learnt modes sit on their balanced line at :math:`\sigma_k^{1/h}`,
    stable with rate :math:`-h\sigma_k^{2-2/h}`.

    The dimensions count the directions of the aligned submanifold: one per learnt mode for
    the stable set, plus one per unlearnt mode that can be active *together*, which is at most
    the number :math:`\min_i d_i - |S|` of free hidden coordinates (each mode's ``positions``
    say where it would sit alone).
    """
    d = as_widths(widths)
    h = len(d) - 1
    cp = critical_point(subset, Sigma, d)
    Sig = np.asarray(cp.Sigma)
    modes = _sigma_modes(Sig)
    atol = _value_tol(modes.sigma, None)
    S = cp.subset
    pos = [k + 1 for k in range(len(modes.sigma)) if 0.5 * modes.sigma[k] ** 2 > atol and modes.sigma[k] > 0]
    learnt_pos = [_hidden_positions(S, d[i]) for i in range(1, h)]
    out = []
    n_avail = 0
    for k in pos:
        sig = float(modes.sigma[k - 1])
        if k in S:
            out.append(
                ModeManifold(
                    mode=k, sigma=sig, learnt=True, available=True,
                    stable_rays=((1,) * h,), unstable_rays=(),
                    linear_rates=(-h * sig ** (2 - 2 / h),),
                    law=f"exponential approach, rate {h * sig ** (2 - 2 / h):.6g}",
                    positions=tuple(lp[k] for lp in learnt_pos),  # type: ignore[index]
                )
            )
            continue
        posn = []
        for i in range(1, h):
            taken = list(learnt_pos[i - 1].values())  # type: ignore[union-attr]
            p = _hidden_positions((k,), d[i], taken)
            posn.append(None if p is None else p[k])
        available = all(p is not None for p in posn)
        signs = _sign_vectors(h)
        stable = tuple(s for s in signs if math.prod(s) < 0)
        unstable = tuple(s for s in signs if math.prod(s) > 0)
        if h == 1:
            rates: tuple[float, ...] = ()
            law = "depth 1: no saddle"
        elif h == 2:
            rates = (sig, -sig)
            law = f"h = 2, hyperbolic: |a(t)| = |a0| exp(+-{_fmt(sig)} t)"
        else:
            rates = (0.0,)
            law = f"h = {h}: zero linearisation; |a(t)|^{2 - h} = |a0|^{2 - h} -+ {h - 2}*{_fmt(sig)} t (algebraic)"
        if available:
            n_avail += 1
        out.append(
            ModeManifold(
                mode=k, sigma=sig, learnt=False, available=available,
                stable_rays=stable if available else (), unstable_rays=unstable if available else (),
                linear_rates=rates, law=law,
                positions=tuple(p if p is not None else -1 for p in posn),
            )
        )
    # unlearnt modes compete for the free hidden coordinates: at most this many fit at once
    room = min((d[i] - len(S) for i in range(1, h)), default=0)
    n_together = min(n_avail, room)
    H = hessian(list(cp.weights), Sig)
    return SaddleManifolds(
        point=cp,
        modes=tuple(out),
        stable_dimension=len(S) + n_together,
        unstable_dimension=n_together,
        hessian_inertia=inertia(H),
    )


@dataclass(frozen=True, eq=False)
class FlowFromSaddle:
    r"""Two gradient-flow trajectories near a saddle: on a predicted invariant ray and slightly off it.

    Attributes
    ----------
    manifolds : SaddleManifolds
    mode : int
    signs : tuple of int
        The ray.
    predicted : str
        ``"stable"`` or ``"unstable"``.
    eps, off : float
    on, off_trajectory
        Trajectories (from :func:`deeplinear.gradient_flow`) started at
        :math:`A_S + \varepsilon\,(s_i E_{m,i})_i` and at the same point plus ``off`` in the
        first layer's mode entry (which breaks the balance, so the conserved quantities forbid a
        return along the ray).
    t : ndarray
        Times (those of ``on``).
    amplitudes_on, amplitudes_off : ndarray, shape (n_t, h)
        Mode entries :math:`w_i(t)` along each trajectory.
    law : ndarray
        :func:`saddle_escape_law` prediction of :math:`|a(t)|` on the ray.
    """

    manifolds: SaddleManifolds
    mode: int
    signs: tuple[int, ...]
    predicted: str
    eps: float
    off: float
    on: object
    off_trajectory: object
    t: np.ndarray
    amplitudes_on: np.ndarray
    amplitudes_off: np.ndarray
    law: np.ndarray

    def __repr__(self) -> str:
        a_on = np.abs(self.amplitudes_on[-1]).mean()
        a_off = np.abs(self.amplitudes_off[-1]).mean()
        return (
            f"FlowFromSaddle(S={_fmt_subset(self.manifolds.point.subset)}, mode {self.mode}, ray {self.signs} "
            f"({self.predicted}); at t = {self.t[-1]:g}: mean |w| on the ray {a_on:.4g}, off it {a_off:.4g})"
        )


def flow_from_saddle(
    subset: Sequence[int],
    Sigma: np.ndarray,
    widths: Sequence[int],
    direction: str | Sequence[int] = "stable",
    eps: float = 0.5,
    t_span: tuple[float, float] | float = (0.0, 10.0),
    *,
    mode: int | None = None,
    off: float = 1e-6,
    t_eval: np.ndarray | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    method: str | None = None,
    max_step: float | str | None = None,
) -> FlowFromSaddle:
    r"""Start the gradient flow on a predicted stable (or unstable) ray of a saddle, and slightly off it.

    Parameters
    ----------
    subset, Sigma, widths
        The saddle :math:`A_S` (balanced representative).
    direction : "stable", "unstable" or sequence of ±1
        The ray. ``"unstable"`` is all ``+1``; ``"stable"`` is all ``-1`` for odd ``h`` (the
        balanced negative ray) and ``(-1, +1, ..., +1)`` for even ``h`` (e.g. ``w_1 = -w_2``).
    eps : float
        Initial amplitude on the ray.
    t_span : (t0, t1) or float
    mode : int, optional
        The unlearnt mode (1-based); default the largest available one.
    off : float, default 1e-6
        Size of the perturbation off the ray (added to the first layer's mode entry). It
        creates an imbalance :math:`c \approx 2\,\varepsilon\,\mathrm{off}` in the conserved
        quantity, so the off trajectory cannot reach the saddle. For ``h = 2`` it leaves after
        a time of order :math:`\ln(1/\mathrm{off})/\sigma`; for ``h >= 3`` it first follows the
        ray down to :math:`|a| \sim \sqrt{c}`, which takes about
        :math:`\kappa_h\, c^{-(h-2)/2}/\sigma` with
        :math:`\kappa_h = \sqrt{\pi}\,\Gamma(\tfrac{h-2}{2}) / (2\Gamma(\tfrac{h-1}{2}))`
        (:math:`\pi/2` for ``h = 3``, 1 for ``h = 4``; about 1,600 for ``h = 3``, ``sigma = 1``,
        ``eps = 0.5``, ``off = 1e-6``), and about as long again to leave, so choose
        ``off = 1e-3`` or a longer ``t_span`` to see it escape.
    t_eval, rtol, atol, method, max_step
        Passed to :func:`deeplinear.gradient_flow` (``None``: its defaults). On long horizons
        at saddles with learnt (stiff) modes, ``method="LSODA"`` is much faster than the
        default explicit method.

    Returns
    -------
    FlowFromSaddle
        Both trajectories, the mode entries along them and the leading-order law on the ray.
    """
    man = saddle_manifolds(subset, Sigma, widths)
    h = man.depth
    mm = man.mode(_pick_mode(man, mode))
    if isinstance(direction, str):
        if direction == "unstable":
            signs = (1,) * h
        elif direction == "stable":
            signs = _stable_signs(h)
        else:
            raise ValueError(f"direction must be 'stable', 'unstable' or a tuple of ±1 signs, got {direction!r}")
    else:
        signs = tuple(int(s) for s in direction)
        if len(signs) != h or any(s not in (-1, 1) for s in signs):
            raise ValueError(f"direction must be {h} signs ±1, got {tuple(direction)!r}")
    eps = as_positive(eps, "eps")
    off = as_positive(off, "off", allow_zero=True)
    predicted = "stable" if math.prod(signs) < 0 else "unstable"
    W_on = man.ray_point(mm.mode, signs, eps)
    W_off = [w.copy() for w in W_on]
    W_off[0] = W_off[0] + off * man.mode_direction(mm.mode)[0]
    Sig = np.asarray(man.point.Sigma)
    kw: dict = {"t_eval": t_eval}
    if rtol is not None:
        kw["rtol"] = rtol
    if atol is not None:
        kw["atol"] = atol
    if method is not None:
        kw["method"] = method
    if max_step is not None:
        kw["max_step"] = max_step
    tr_on = gradient_flow(W_on, Sig, t_span, **kw)
    tr_off = gradient_flow(W_off, Sig, t_span, **kw)
    amp_on = np.array([man.mode_amplitudes(mm.mode, Wt) for Wt in tr_on.weights])
    amp_off = np.array([man.mode_amplitudes(mm.mode, Wt) for Wt in tr_off.weights])
    t = np.asarray(tr_on.t, dtype=float)
    law = saddle_escape_law(h, mm.sigma, eps, t - t[0], stable=predicted == "stable")
    return FlowFromSaddle(
        manifolds=man, mode=mm.mode, signs=signs, predicted=predicted, eps=eps, off=off,
        on=tr_on, off_trajectory=tr_off, t=_readonly(t),
        amplitudes_on=_readonly(amp_on), amplitudes_off=_readonly(amp_off), law=_readonly(law),
    )


# --------------------------------------------------------------------------- rays, samples and flows at a saddle
#
# Long horizons are integrated with ``method="LSODA"`` (stiff-aware, no step cap): the learnt
# modes of A_S are stiff, and the default explicit method of gradient_flow needs thousands of
# steps to reach t = 1e3 there (1-4 s), LSODA a few hundred (0.01-0.1 s).


def _pick_mode(man: SaddleManifolds, mode: int | None) -> int:
    """The unlearnt mode to follow: ``mode``, or by default the largest available one."""
    if mode is None:
        cand = [m for m in man.modes if not m.learnt and m.available]
        if not cand:
            raise ValueError(f"S = {_fmt_subset(man.point.subset)} leaves no unlearnt mode with a free hidden "
                             "coordinate: nothing to escape along")
        return max(cand, key=lambda m: (m.sigma, -m.mode)).mode
    mode = as_int(mode, "mode", minimum=1)
    mm = man.mode(mode)
    if mm.learnt or not mm.available:
        raise ValueError(f"mode {mode} is {'learnt' if mm.learnt else 'not available (no free hidden coordinate)'} "
                         f"at S = {_fmt_subset(man.point.subset)}; choose an unlearnt mode")
    return mode


def _stable_signs(h: int) -> tuple[int, ...]:
    """The stable ray used throughout: all -1 for odd ``h``, (-1, 1, ..., 1) for even ``h``."""
    return (-1,) * h if h % 2 == 1 else (-1,) + (1,) * (h - 1)


def _integrate(W0: Sequence[np.ndarray], Sigma: np.ndarray, t_eval: np.ndarray, events: object = (),
               rtol: float = 1e-10) -> Trajectory:
    """The flow on ``[0, t_eval[-1]]`` with LSODA and no step cap (the learnt modes are stiff)."""
    return gradient_flow(W0, Sigma, (0.0, float(t_eval[-1])), t_eval=t_eval, method="LSODA", max_step=np.inf,
                         rtol=rtol, atol=1e-14, events=events)


def _log_times(t_max: float, n: int, t_min: float = 1e-2) -> np.ndarray:
    """0, then ``n - 1`` times logarithmically spaced from ``t_min`` to ``t_max``."""
    return np.concatenate([[0.0], np.geomspace(t_min, t_max, n - 1)])


def _distance(W: Sequence[np.ndarray], P: Sequence[np.ndarray]) -> float:
    """Frobenius distance over all layers."""
    return math.sqrt(sum(float(np.sum((np.asarray(a) - np.asarray(b)) ** 2)) for a, b in zip(W, P)))


def _require_manifolds(manifolds: object) -> SaddleManifolds:
    if not isinstance(manifolds, SaddleManifolds):
        raise TypeError(f"manifolds must be a SaddleManifolds (from dl.saddle_manifolds), got {type(manifolds).__name__}")
    return manifolds


@dataclass(frozen=True, eq=False)
class RayFates:
    r"""Where the flow goes from every ray :math:`w_i = s_i\varepsilon` of one unlearnt mode of a saddle.

    Attributes
    ----------
    manifolds : SaddleManifolds
    mode : int
        The unlearnt mode (1-based).
    sigma : float
        Its singular value :math:`\sigma_m`.
    eps : float
        Initial amplitude on every ray.
    t_max : float
        Time of the read-out.
    signs : ndarray, shape (2**h, h)
        The sign vectors :math:`(s_1, \dots, s_h)`.
    products : ndarray, shape (2**h,)
        :math:`\pi = \prod_i s_i`.
    ratios : ndarray, shape (2**h,)
        :math:`|a(t_{\max})| / \varepsilon` (mean of :math:`|w_i|` over the layers).
    spread : float
        Largest difference between the :math:`|w_i(t_{\max})|` of one ray: 0 up to rounding,
        because the rays are invariant.
    """

    manifolds: SaddleManifolds
    mode: int
    sigma: float
    eps: float
    t_max: float
    signs: np.ndarray
    products: np.ndarray
    ratios: np.ndarray
    spread: float

    @property
    def depth(self) -> int:
        return self.manifolds.depth

    @property
    def returned(self) -> np.ndarray:
        """Rays along which the amplitude decreased (back towards the saddle)."""
        return self.ratios < 1.0

    @property
    def predicted_stable(self) -> np.ndarray:
        r"""Rays whose product sign is opposite to :math:`\sigma_m`."""
        return self.products * np.sign(self.sigma) < 0

    @property
    def agrees(self) -> bool:
        """Whether the observed fates are exactly the predicted ones."""
        return bool(np.array_equal(self.returned, self.predicted_stable))

    def __repr__(self) -> str:
        n_ret = int(np.sum(self.returned))
        return (f"RayFates(h={self.depth}, mode {self.mode} (sigma={self.sigma:g}): {len(self.ratios)} rays, "
                f"{n_ret} return to the saddle and {len(self.ratios) - n_ret} leave by t = {self.t_max:g}; "
                f"returning rays = rays with product sign opposite sigma: {self.agrees})")


def ray_fates(
    subset: Sequence[int],
    Sigma: np.ndarray,
    widths: Sequence[int],
    *,
    mode: int | None = None,
    eps: float = 0.2,
    t_max: float = 10.0,
) -> RayFates:
    r"""Integrate the network flow from :math:`A_S + \varepsilon\sum_i s_i E_{m,i}` for all :math:`2^h` sign vectors.

    On the ray :math:`w_i = s_i a` of an unlearnt mode ``m`` (signs :math:`s_i = \pm 1`,
    :math:`\pi = \prod_i s_i`) the flow is

    .. math:: \dot a = \pi\, a^{h-1} (\sigma_m - \pi a^h),

    so the rays with :math:`\pi\sigma_m < 0` come back to the saddle and the others leave it.
    This integrates the full network flow (LSODA) from every ray and records whether the
    amplitude shrank; :attr:`RayFates.agrees` compares that with the sign rule.

    Parameters
    ----------
    subset, Sigma, widths
        The saddle :math:`A_S` (its balanced representative, :func:`saddle_manifolds`).
    mode : int, optional
        The unlearnt mode; by default the largest one with a free hidden coordinate.
    eps : float, default 0.2
        Initial amplitude (keep :math:`\varepsilon^h < \sigma_m`).
    t_max : float, default 10.0

    Returns
    -------
    RayFates

    Raises
    ------
    ValueError
        If ``mode`` is learnt or has no free hidden coordinate, or ``eps``, ``t_max`` are not positive.
    """
    man = saddle_manifolds(subset, Sigma, widths)
    m = _pick_mode(man, mode)
    h = man.depth
    eps = as_positive(eps, "eps")
    t_max = as_positive(t_max, "t_max")
    Sig = np.asarray(man.point.Sigma)
    signs = np.array(list(itertools.product((1, -1), repeat=h)), dtype=int)
    ratios, spread = [], 0.0
    for s in signs:
        tr = _integrate(man.ray_point(m, tuple(int(x) for x in s), eps), Sig, np.array([0.0, t_max]))
        a = np.abs(man.mode_amplitudes(m, tr.final_weights))
        ratios.append(float(a.mean()) / eps)
        spread = max(spread, float(a.max() - a.min()))
    return RayFates(man, m, float(man.mode(m).sigma), eps, t_max, signs, np.prod(signs, axis=1), np.array(ratios), spread)


def off_ray_turn_time(h: int, sigma: float, c: float, a0: float) -> float:
    r"""Leading-order time for a start just off a stable ray to reach its closest approach to the saddle.

    Start on a stable ray at amplitude ``a0`` with the first layer moved towards zero, so that the
    conserved imbalance is :math:`c = w_2^2 - w_1^2 > 0` and the other :math:`w_{i+1}^2 - w_i^2`
    vanish. Then :math:`|w_2| = \dots = |w_h| = b` with :math:`b^2 = w_1^2 + c`, and
    :math:`\dot w_1 = b^{h-1}(\sigma - p)`; with :math:`\sigma - p` replaced by :math:`\sigma`
    (``p`` is small and negative on the way in, so the true time is a little shorter) the time
    for :math:`w_1` to go from :math:`-a_0` to 0 is

    .. math::

       T = \frac{1}{\sigma}\int_0^{a_0} \frac{dx}{(x^2 + c)^{(h-1)/2}}
         = \frac{c^{-(h-2)/2}}{\sigma} \int_0^{a_0/\sqrt c} \frac{dy}{(1 + y^2)^{(h-1)/2}},

    i.e. :math:`\operatorname{asinh}(a_0/\sqrt c)/\sigma` for ``h = 2`` and, as
    :math:`a_0/\sqrt c \to \infty`, :math:`\frac{\sqrt\pi\,\Gamma((h-2)/2)}{2\,\Gamma((h-1)/2)}
    \frac{c^{-(h-2)/2}}{\sigma}` for ``h >= 3`` (:math:`\frac{\pi}{2\sigma\sqrt c}` for ``h = 3``,
    :math:`\frac{1}{\sigma c}` for ``h = 4``). At that time :math:`w_1 = 0` and every
    :math:`|w_i| \le \sqrt c`: the closest approach. Leaving takes about as long again.

    Parameters
    ----------
    h : int
        Depth, ``>= 2``.
    sigma : float
        The mode's singular value, ``> 0``.
    c : float
        The conserved imbalance :math:`w_2^2 - w_1^2`.
    a0 : float
        Initial amplitude :math:`|w_1(0)|`, ``> 0``.

    Returns
    -------
    float
        ``inf`` when ``c <= 0`` (on the ray the saddle is reached only as ``t -> inf``).
    """
    h = as_depth(h)
    if h < 2:
        raise ValueError(f"off_ray_turn_time needs h >= 2: a depth-1 network has no saddle, got h = {h}")
    sigma = as_positive(sigma, "sigma")
    a0 = as_positive(a0, "a0")
    c = as_real(c, "c")
    if c <= 0.0:
        return math.inf
    Y = a0 / math.sqrt(c)
    if h == 2:
        return math.asinh(Y) / sigma
    from scipy.special import beta, betainc

    # int_0^Y (1 + y^2)^{-(h-1)/2} dy = 1/2 B(1/2, (h-2)/2) I(Y^2/(1+Y^2); 1/2, (h-2)/2)
    b = (h - 2) / 2.0
    integral = 0.5 * beta(0.5, b) * betainc(0.5, b, Y * Y / (1.0 + Y * Y))
    return float(c ** (-b) * integral / sigma)


@dataclass(frozen=True, eq=False)
class OffRayFlow:
    r"""The network flow from a stable ray of a saddle and from a point slightly off it.

    Attributes
    ----------
    manifolds : SaddleManifolds
    mode : int
    sigma : float
    signs : tuple of int
        The stable ray.
    eps, off : float
        Start :math:`A_S + \varepsilon\sum_i s_i E_{m,i}`; the other start adds ``off`` to the
        first layer's mode entry (towards zero, since :math:`s_1 = -1`).
    imbalance : float
        The conserved :math:`c = w_2^2 - w_1^2` of the second start (0 on the ray).
    t : ndarray
        Output times (0, then logarithmically spaced).
    amplitudes_on, amplitudes_off : ndarray, shape (n_t, h)
        Mode entries :math:`w_i(t)`.
    loss_on, loss_off : ndarray, shape (n_t,)
    crossing_time : float
        First time the perturbed entry :math:`w_1` crosses zero along the second trajectory
        (``nan`` if it does not by the end).
    predicted_turn : float
        :func:`off_ray_turn_time` for this start.
    """

    manifolds: SaddleManifolds
    mode: int
    sigma: float
    signs: tuple[int, ...]
    eps: float
    off: float
    imbalance: float
    t: np.ndarray
    amplitudes_on: np.ndarray
    amplitudes_off: np.ndarray
    loss_on: np.ndarray
    loss_off: np.ndarray
    crossing_time: float
    predicted_turn: float

    @property
    def depth(self) -> int:
        return self.manifolds.depth

    @property
    def closest_approach(self) -> float:
        r"""Smallest value over time of :math:`\max_i |w_i|` along the trajectory off the ray."""
        return float(np.min(np.max(np.abs(self.amplitudes_off), axis=1)))

    def __repr__(self) -> str:
        return (f"OffRayFlow(h={self.depth}, mode {self.mode} (sigma={self.sigma:g}), ray {self.signs}, eps={self.eps:g}, "
                f"off={self.off:g}: imbalance c={self.imbalance:.3g}, closest approach {self.closest_approach:.3g}, "
                f"w_1 crosses 0 at t={self.crossing_time:.4g} (predicted {self.predicted_turn:.4g}))")


#: Trajectories on the ray of :func:`off_ray_flow`, which do not depend on the offset (an explorer
#: changes only the offset between frames). At most 32 are kept.
_on_ray_cache: dict = {}


def off_ray_flow(
    subset: Sequence[int],
    Sigma: np.ndarray,
    widths: Sequence[int],
    *,
    eps: float = 0.5,
    off: float = 1e-4,
    t_max: float = 1e4,
    mode: int | None = None,
    n_times: int = 241,
    rtol: float = 1e-10,
) -> OffRayFlow:
    r"""Flow from the stable ray of :func:`flow_from_saddle` and from ``off`` away from it, over long times.

    The same starts as :func:`flow_from_saddle` (the stable ray is all ``-1`` for odd ``h``
    and :math:`(-1, 1, \dots, 1)` for even ``h``; the offset is added to the first layer's mode
    entry, which makes the conserved imbalance :math:`c = w_2^2 - w_1^2` positive), integrated
    with LSODA on ``[0, t_max]`` and sampled at ``n_times`` times (0, then logarithmically
    spaced from ``1e-2``). The zero crossing of :math:`w_1` is located by an event and compared
    with :func:`off_ray_turn_time`. ``rtol`` is the integrator's relative tolerance. The
    trajectory on the ray does not depend on ``off``, so it is computed once and reused for the
    same saddle, ``eps``, ``t_max``, ``n_times`` and ``rtol``.

    Returns
    -------
    OffRayFlow

    Raises
    ------
    ValueError
        If ``h < 2``, ``off >= eps``, or a parameter is out of range.
    """
    man = saddle_manifolds(subset, Sigma, widths)
    m = _pick_mode(man, mode)
    h = man.depth
    if h < 2:
        raise ValueError(f"off_ray_flow needs h >= 2: a depth-1 network has no saddle, got h = {h}")
    eps = as_positive(eps, "eps")
    off = as_positive(off, "off", allow_zero=True)
    if off >= eps:
        raise ValueError(f"off = {off:g} must be smaller than eps = {eps:g} (a small offset from the ray)")
    t_max = as_positive(t_max, "t_max")
    n_times = as_int(n_times, "n_times", minimum=3)
    Sig = np.asarray(man.point.Sigma)
    signs = _stable_signs(h)
    E = man.mode_direction(m)
    W_on = man.ray_point(m, signs, eps)
    W_off = [w.copy() for w in W_on]
    W_off[0] = W_off[0] + off * E[0]
    a_start = man.mode_amplitudes(m, W_off)
    c = float(a_start[1] ** 2 - a_start[0] ** 2)
    rtol = as_positive(rtol, "rtol")
    te = _log_times(t_max, n_times)
    key = (tuple(man.point.subset), Sig.tobytes(), Sig.shape, tuple(man.point.widths), m, eps, t_max, n_times, rtol)
    amp_on, loss_on = _on_ray_cache.get(key, (None, None))
    if amp_on is None:
        tr_on = _integrate(W_on, Sig, te, rtol=rtol)
        amp_on = _readonly(np.array([man.mode_amplitudes(m, W) for W in tr_on.weights]))
        loss_on = _readonly(np.asarray(tr_on.loss, dtype=float))
        _on_ray_cache[key] = (amp_on, loss_on)
        while len(_on_ray_cache) > 32:
            _on_ray_cache.pop(next(iter(_on_ray_cache)))
    E1 = E[0]
    crossing = Event("crossing", lambda t, W: float(np.sum(E1 * W[0])))
    tr_off = _integrate(W_off, Sig, te, events=[crossing], rtol=rtol)
    times = tr_off.events.get("crossing", np.array([]))
    amp_off = np.array([man.mode_amplitudes(m, W) for W in tr_off.weights])
    sig = float(man.mode(m).sigma)
    return OffRayFlow(
        manifolds=man, mode=m, sigma=sig, signs=signs, eps=eps, off=off, imbalance=c,
        t=te, amplitudes_on=amp_on, amplitudes_off=amp_off,
        loss_on=loss_on, loss_off=np.asarray(tr_off.loss),
        crossing_time=float(times[0]) if len(times) else math.nan,
        predicted_turn=off_ray_turn_time(h, sig, c, abs(float(a_start[0]))) if c > 0 else math.inf,
    )


def _learnt_positions(man: SaddleManifolds) -> list[set[int]]:
    """Hidden coordinates (per hidden layer) that carry a learnt mode."""
    return [{m.positions[i] for m in man.modes if m.learnt} for i in range(man.depth - 1)]


def stabilizer_rotations(manifolds: SaddleManifolds, rng: np.random.Generator) -> list[np.ndarray]:
    r"""Random orthogonal hidden-layer transforms :math:`(T_1, \dots, T_{h-1})` that fix :math:`A_S`.

    :math:`T_i` is the identity on the hidden coordinates that carry the learnt modes and a Haar
    random orthogonal matrix on the others. Then :math:`T \cdot A_S = A_S`, and by the orthogonal
    equivariance of the flow :math:`T` maps the stable (unstable) set of :math:`A_S` onto itself.
    For distinct learnt singular values these are all the orthogonal transforms fixing
    :math:`A_S`: the stabiliser is :math:`\prod_i \mathrm{O}(d_i - |S|)`.

    Parameters
    ----------
    manifolds : SaddleManifolds
        From :func:`saddle_manifolds`.
    rng : numpy.random.Generator or int

    Returns
    -------
    list of ndarray
        ``h - 1`` orthogonal matrices, ``T_i`` of shape ``(d_i, d_i)``.
    """
    manifolds = _require_manifolds(manifolds)
    rng = as_rng(rng)
    d = manifolds.point.widths
    out = []
    for i, learnt in enumerate(_learnt_positions(manifolds), start=1):
        T = np.eye(d[i])
        free = [p for p in range(d[i]) if p not in learnt]
        if free:
            T[np.ix_(free, free)] = random_orthogonal(len(free), rng)
        out.append(T)
    return out


def saddle_samples(
    manifolds: SaddleManifolds,
    rng: np.random.Generator,
    n: int,
    *,
    stable: bool = True,
    amplitude: tuple[float, float] = (0.1, 0.3),
    learnt_amplitude: float = 0.05,
) -> list[list[np.ndarray]]:
    r"""Random points of the stable (or unstable) set of :math:`A_S` built from rays and symmetry.

    Each sample is :math:`T\cdot\big(A_S + \sum_{k\in S}\delta_k E_k + \sum_m a_m\, s^{(m)}\!\circ E_m\big)`:
    the learnt modes moved along their balanced lines by :math:`\delta_k` (uniform in
    ``[-learnt_amplitude, learnt_amplitude]``; zero for unstable samples), a random choice of
    available unlearnt modes with pairwise different hidden coordinates, each on a random
    stable (product of signs opposite :math:`\sigma_m`) or unstable ray at an amplitude uniform
    in ``amplitude``, and a random transform ``T`` of :func:`stabilizer_rotations`. The modes
    decouple, so each piece returns to (or leaves) the saddle on its own.

    Parameters
    ----------
    manifolds : SaddleManifolds
        From :func:`saddle_manifolds`.
    rng : numpy.random.Generator or int
    n : int
        Number of samples.
    stable : bool, default True
        Stable-set samples (``False``: unstable-set samples).
    amplitude : (float, float), default (0.1, 0.3)
        Range of the amplitudes on the rays, ``0 < low <= high``.
    learnt_amplitude : float, default 0.05

    Returns
    -------
    list of list of ndarray
        ``n`` weight lists.
    """
    manifolds = _require_manifolds(manifolds)
    rng = as_rng(rng)
    n = as_int(n, "n", minimum=1)
    lo, hi = (float(x) for x in amplitude)
    if not 0 < lo <= hi:
        raise ValueError(f"amplitude must be (low, high) with 0 < low <= high, got {amplitude!r}")
    learnt_amplitude = as_positive(learnt_amplitude, "learnt_amplitude", allow_zero=True)
    h = manifolds.depth
    unl = [m for m in manifolds.modes if not m.learnt and m.available]
    if not unl:
        raise ValueError("this saddle has no unlearnt mode with a free hidden coordinate: no rays to sample")
    samples = []
    for _ in range(n):
        W = [np.array(w) for w in manifolds.point.weights]
        if stable:
            for m in manifolds.modes:
                if m.learnt:
                    delta = float(rng.uniform(-learnt_amplitude, learnt_amplitude))
                    for Wi, Ei in zip(W, manifolds.mode_direction(m.mode)):
                        Wi += delta * Ei
        used: list[set[int]] = [set() for _ in range(h - 1)]
        for idx in rng.permutation(len(unl)):
            m = unl[int(idx)]
            if any(m.positions[i] in used[i] for i in range(h - 1)):
                continue
            for i in range(h - 1):
                used[i].add(m.positions[i])
            rays = m.stable_rays if stable else m.unstable_rays
            s = rays[int(rng.integers(len(rays)))]
            a = float(rng.uniform(lo, hi))
            for Wi, Ei, si in zip(W, manifolds.mode_direction(m.mode), s):
                Wi += a * si * Ei
        samples.append(gl_action(W, stabilizer_rotations(manifolds, rng)) if h > 1 else W)
    return samples


@dataclass(frozen=True, eq=False)
class SaddleSampleFlows:
    r"""Distances to :math:`A_S` along flows from sampled stable and unstable points.

    Attributes
    ----------
    manifolds : SaddleManifolds
    t : ndarray, shape (n_t,)
    stable_distances, unstable_distances : ndarray, shape (n, n_t)
        :math:`\lVert W(t) - A_S\rVert_F` (all layers).
    stable_losses, unstable_losses : ndarray, shape (n, n_t)
    """

    manifolds: SaddleManifolds
    t: np.ndarray
    stable_distances: np.ndarray
    unstable_distances: np.ndarray
    stable_losses: np.ndarray
    unstable_losses: np.ndarray

    @property
    def depth(self) -> int:
        return self.manifolds.depth

    def __repr__(self) -> str:
        return (f"SaddleSampleFlows(h={self.depth}, {len(self.stable_distances)} stable and {len(self.unstable_distances)} "
                f"unstable samples; at t = {self.t[-1]:g}: largest stable distance {self.stable_distances[:, -1].max():.3g}, "
                f"smallest unstable distance {self.unstable_distances[:, -1].min():.3g})")


def saddle_sample_flows(
    subset: Sequence[int],
    Sigma: np.ndarray,
    widths: Sequence[int],
    *,
    n: int = 6,
    seed: int = 0,
    t_max: float = 1e3,
    n_times: int = 121,
) -> SaddleSampleFlows:
    r"""Sample ``n`` stable and ``n`` unstable points of :math:`A_S` (:func:`saddle_samples`) and integrate the flow from each.

    The random generator is ``numpy.random.default_rng(seed)``; the times are 0 and then
    logarithmically spaced from ``1e-2`` to ``t_max``; the flow is integrated with LSODA.

    Returns
    -------
    SaddleSampleFlows
    """
    man = saddle_manifolds(subset, Sigma, widths)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    n = as_int(n, "n", minimum=1)
    t_max = as_positive(t_max, "t_max")
    te = _log_times(t_max, as_int(n_times, "n_times", minimum=3))
    Sig = np.asarray(man.point.Sigma)
    out: dict[bool, tuple[list, list]] = {}
    for stable in (True, False):
        dist, loss = [], []
        for W0 in saddle_samples(man, rng, n, stable=stable):
            tr = _integrate(W0, Sig, te)
            dist.append([_distance(W, man.point.weights) for W in tr.weights])
            loss.append(np.asarray(tr.loss))
        out[stable] = (dist, loss)
    return SaddleSampleFlows(man, te, np.array(out[True][0]), np.array(out[False][0]),
                             np.array(out[True][1]), np.array(out[False][1]))


@dataclass(frozen=True, eq=False)
class EscapeSpan:
    r"""What the Hessian at :math:`A_S` says about the directions of the rotated unstable rays.

    The directions are :math:`T \cdot E_m` (the tangent of the unstable ray of mode ``m`` with
    all signs ``+1``, moved by a transform ``T`` of :func:`stabilizer_rotations`), for every
    available unlearnt mode and many random ``T``.

    Attributes
    ----------
    manifolds : SaddleManifolds
    n_weights : int
        Number of weight entries.
    rank : int
        Dimension of the span of the directions.
    orbit_dim : int
        Dimension of the tangent space of the :math:`\mathrm{GL}` orbit of :math:`A_S` (critical
        points, so part of the Hessian's null space).
    rank_with_orbit : int
        Dimension of the span of the directions and the orbit tangent together.
    hessian_inertia : Inertia
    rayleigh : tuple of float
        The distinct values (rounded to 10 digits) of :math:`D^\top H D / D^\top D`.
    angle_to_negative_space : float
        Largest principal angle between the span and the Hessian's negative eigenspace
        (``nan`` if either is empty or their dimensions differ).
    null_residual : float
        :math:`\max \lVert H D\rVert / \lVert D\rVert`: 0 when every direction is a null vector.
    """

    manifolds: SaddleManifolds
    n_weights: int
    rank: int
    orbit_dim: int
    rank_with_orbit: int
    hessian_inertia: Inertia
    rayleigh: tuple[float, ...]
    angle_to_negative_space: float
    null_residual: float

    def __repr__(self) -> str:
        inn = self.hessian_inertia
        return (f"EscapeSpan(h={self.manifolds.depth}, {self.n_weights} weights; Hessian inertia (-, 0, +) = "
                f"({inn.n_negative}, {inn.n_zero}, {inn.n_positive}); rotated escape directions span {self.rank} "
                f"dimensions, with the orbit tangent ({self.orbit_dim}) {self.rank_with_orbit}; Rayleigh quotients "
                f"{self.rayleigh})")


def escape_direction_span(manifolds: SaddleManifolds, rng: np.random.Generator, *, n_rotations: int = 40) -> EscapeSpan:
    r"""Span of the rotated unstable-ray directions at :math:`A_S` and how the Hessian acts on it.

    The directions :math:`T\cdot E_m` are collected for every available unlearnt mode ``m`` and
    ``n_rotations`` transforms ``T`` of :func:`stabilizer_rotations`, and compared with the
    Hessian :math:`H` at :math:`A_S` and with the tangent space of the :math:`GL` orbit
    (:func:`orbit_dimension`). For ``h = 2`` the directions span exactly the Hessian's negative
    eigenspace (Rayleigh quotients :math:`-\sigma_m`); for ``h >= 3`` they lie in its null space
    (Rayleigh quotient 0), where the Hessian cannot tell them from the symmetry directions.

    Parameters
    ----------
    manifolds : SaddleManifolds
        From :func:`saddle_manifolds`.
    rng : numpy.random.Generator or int
    n_rotations : int, default 40

    Returns
    -------
    EscapeSpan
    """
    manifolds = _require_manifolds(manifolds)
    rng = as_rng(rng)
    n_rotations = as_int(n_rotations, "n_rotations", minimum=1)
    unl = [m for m in manifolds.modes if not m.learnt and m.available]
    if not unl:
        raise ValueError("this saddle has no unlearnt mode with a free hidden coordinate: no escape rays")
    W = [np.array(w) for w in manifolds.point.weights]
    Sig = np.asarray(manifolds.point.Sigma)
    H = hessian(W, Sig)
    ev, vecs = np.linalg.eigh(H)
    inn = inertia(H)
    thr = max(1e-9, 1e-9 * float(np.max(np.abs(ev), initial=0.0)))
    dirs = []
    for _ in range(n_rotations):
        Ts = stabilizer_rotations(manifolds, rng)
        for m in unl:
            E = manifolds.mode_direction(m.mode)
            dirs.append(flatten_weights(gl_action(E, Ts) if Ts else E))
    D = np.array(dirs).T
    rank = int(np.linalg.matrix_rank(D, tol=thr))
    O = _orbit_tangent_matrix(W)
    orbit_dim = int(np.linalg.matrix_rank(O, tol=thr)) if O.size else 0
    rank_with = int(np.linalg.matrix_rank(np.hstack([D, O]), tol=thr)) if O.size else rank
    norms = np.linalg.norm(D, axis=0)
    rq = np.einsum("ij,ik,kj->j", D, H, D) / norms**2
    rayleigh = tuple(sorted({round(float(x), 10) + 0.0 for x in rq}))
    neg = vecs[:, ev < -thr]
    angle = math.nan
    if neg.shape[1] and neg.shape[1] == rank:
        from scipy.linalg import subspace_angles

        U, _, _ = np.linalg.svd(D, full_matrices=False)
        angle = float(np.max(subspace_angles(U[:, :rank], neg)))
    residual = float(np.max(np.linalg.norm(H @ D, axis=0) / norms))
    return EscapeSpan(manifolds, H.shape[0], rank, orbit_dim, rank_with, inn, rayleigh, angle, residual)


# --------------------------------------------------------------------------- scalar networks


@dataclass(frozen=True, eq=False)
class ScalarCriticalSet:
    r"""The critical set of a scalar network (all widths 1), :math:`L = \tfrac12(\sigma - w_1\cdots w_h)^2`.

    Critical points: the global minima :math:`\{\prod_i w_i = \sigma\}` (value 0, a
    hypersurface; a hyperbola for ``h = 2``) and, for :math:`\sigma \ne 0`, the saddles where
    at least two coordinates vanish (value :math:`\sigma^2/2`; for ``h = 2`` only the
    origin). A saddle with exactly two zero coordinates ``i, j`` is strict, with Hessian
    eigenvalues :math:`\pm|\sigma\prod_{k\ne i,j} w_k|` and zeros; with three or more zeros the
    Hessian vanishes and the saddle is non-strict (the origin for ``h >= 3``).

    Attributes
    ----------
    h : int
    sigma : float
    description : str
    """

    h: int
    sigma: float
    description: str

    @property
    def minimum_value(self) -> float:
        return 0.0

    @property
    def saddle_value(self) -> float:
        return 0.5 * self.sigma ** 2

    def saddle_components(self) -> tuple[tuple[int, int], ...]:
        """The pairs ``(i, j)`` (1-based) whose zero set ``{w_i = w_j = 0}`` is a component of the saddles."""
        return tuple(itertools.combinations(range(1, self.h + 1), 2)) if self.sigma != 0 else ()

    def classify_point(self, w: Sequence[float], *, tol: float = 1e-12) -> str:
        """``"global minimum"``, ``"strict saddle"``, ``"non-strict saddle"`` or ``"not critical"``."""
        w = np.asarray(w, dtype=float)
        if w.shape != (self.h,):
            raise ValueError(f"w must have {self.h} entries, got shape {w.shape}")
        scale = max(1.0, abs(self.sigma))
        if abs(float(np.prod(w)) - self.sigma) <= tol * scale:
            return GLOBAL_MINIMUM
        zeros = int(np.sum(np.abs(w) <= tol))
        if zeros >= 3:
            return NON_STRICT
        if zeros == 2:
            return STRICT
        return "not critical"

    def minima_curve(self, w1: np.ndarray) -> np.ndarray:
        r"""For ``h = 2``: points :math:`(w_1, \sigma/w_1)` of the hyperbola of minima (``w1 != 0``)."""
        if self.h != 2:
            raise ValueError("minima_curve is for h = 2 (the hyperbola w1 w2 = sigma)")
        w1 = np.asarray(w1, dtype=float)
        return np.stack([w1, self.sigma / w1], axis=-1)

    def __repr__(self) -> str:
        return f"ScalarCriticalSet(h={self.h}, sigma={_fmt(self.sigma)}): {self.description}"


def scalar_critical_set(h: int, sigma: float) -> ScalarCriticalSet:
    r"""Description of the critical set of the scalar chain of depth ``h`` (see :class:`ScalarCriticalSet`)."""
    h = as_depth(h)
    try:
        sigma = float(sigma)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"sigma must be a real number, got {sigma!r}") from exc
    if not np.isfinite(sigma):
        raise ValueError(f"sigma must be finite, got {sigma}")
    if h == 1:
        desc = f"the single point w1 = {_fmt(sigma)} (convex loss)"
    elif sigma == 0:
        desc = "minima {w1...wh = 0} (value 0); no saddles"
    elif h == 2:
        desc = (f"minima on the hyperbola w1 w2 = {_fmt(sigma)} (value 0); one strict saddle at the origin "
                f"(value {_fmt(sigma ** 2 / 2)}, Hessian eigenvalues +-{_fmt(abs(sigma))})")
    else:
        desc = (f"minima on {{w1...w{h} = {_fmt(sigma)}}} (value 0); saddles where at least two w_i vanish "
                f"(value {_fmt(sigma ** 2 / 2)}): strict with exactly two zeros, non-strict with three or more (e.g. the origin)")
    return ScalarCriticalSet(h, sigma, desc)


def scalar_vector_field(w: np.ndarray, sigma: float) -> np.ndarray:
    r"""The scalar gradient flow :math:`\dot w_i = \prod_{j\ne i} w_j\,(\sigma - \prod_j w_j)`.

    ``w`` has shape ``(..., h)`` (vectorised over leading axes, e.g. a grid for a phase
    portrait); returns the velocities in the same shape.
    """
    w = np.asarray(w, dtype=float)
    if w.ndim < 1 or w.shape[-1] < 1:
        raise ValueError(f"w must have shape (..., h) with h >= 1, got {w.shape}")
    h = w.shape[-1]
    p = np.prod(w, axis=-1, keepdims=True)
    others = np.stack([np.prod(np.delete(w, i, axis=-1), axis=-1) for i in range(h)], axis=-1)
    return others * (float(sigma) - p)


def scalar_conserved_curve(w0: Sequence[float], t: np.ndarray) -> np.ndarray:
    r"""The curve of constant conserved quantities :math:`w_{i+1}^2 - w_i^2` through ``w0``.

    Every trajectory of the scalar flow lies on it. Parametrised by the coordinate ``j`` with
    the smallest :math:`|w_{0,j}|` (the only one that may cross zero): :math:`w_j = t`,
    :math:`w_i = \operatorname{sign}(w_{0,i})\sqrt{t^2 + w_{0,i}^2 - w_{0,j}^2}` for the others
    (for a tie, :math:`w_i = \pm t` with the sign relation of ``w0``). For ``h = 2`` this is a
    branch of the hyperbola :math:`w_2^2 - w_1^2 = c`.

    Returns
    -------
    ndarray, shape (len(t), h)
    """
    w0 = np.asarray(w0, dtype=float)
    if w0.ndim != 1 or w0.size < 1 or not np.all(np.isfinite(w0)):
        raise ValueError(f"w0 must be a finite 1-D vector, got {w0!r}")
    t = np.asarray(t, dtype=float).ravel()
    j = int(np.argmin(np.abs(w0)))
    c = w0 ** 2 - w0[j] ** 2
    out = np.empty((t.size, w0.size))
    sj = 1.0 if w0[j] >= 0 else -1.0
    for i in range(w0.size):
        if i == j:
            out[:, i] = t
        elif c[i] > 1e-14 * max(1.0, float(np.max(w0 ** 2))):
            out[:, i] = (1.0 if w0[i] >= 0 else -1.0) * np.sqrt(t ** 2 + c[i])
        else:
            si = 1.0 if w0[i] >= 0 else -1.0
            out[:, i] = si * sj * t
    return out


def scalar_h2_limit(w0: Sequence[float], sigma: float) -> np.ndarray:
    r"""Where the scalar flow of depth two started at ``w0`` converges, in closed form.

    For ``h = 2`` the sum :math:`s = w_1 + w_2` obeys :math:`\dot s = (\sigma - w_1 w_2)\,s`, so
    its sign is invariant, and :math:`c = w_2^2 - w_1^2` is conserved. The limit is the origin if
    :math:`s = 0` (the stable manifold :math:`w_1 = -w_2`), otherwise

    .. math:: w_1^\infty = \operatorname{sgn}(s)\sqrt{\tfrac12\big(\sqrt{c^2 + 4\sigma^2} - c\big)},\qquad
              w_2^\infty = \operatorname{sgn}(s)\sqrt{\tfrac12\big(\sqrt{c^2 + 4\sigma^2} + c\big)},

    the point of the hyperbola :math:`w_1 w_2 = \sigma` with the same :math:`c` on the same side
    of the line :math:`w_1 = -w_2`.

    Parameters
    ----------
    w0 : sequence of float
        :math:`(w_1, w_2)` at time 0.
    sigma : float
        Target, ``> 0``.

    Returns
    -------
    ndarray, shape (2,)
    """
    try:
        w = np.asarray(w0, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"w0 must be a sequence of numbers, got {w0!r:.80}") from exc
    if w.shape != (2,) or not np.all(np.isfinite(w)):
        raise ValueError(f"w0 must be a finite vector with 2 entries (w_1, w_2), got {w0!r:.80}")
    s = as_positive(as_real(sigma, "sigma"), "sigma")
    total = w[0] + w[1]
    if total == 0.0:
        return np.zeros(2)
    c = w[1] ** 2 - w[0] ** 2
    r = np.hypot(c, 2.0 * s)
    sign = 1.0 if total > 0 else -1.0
    # r - c and r + c computed without cancellation: (r - c)(r + c) = 4 sigma^2
    plus = r + abs(c)
    minus = 4.0 * s * s / plus
    a2, b2 = (minus, plus) if c >= 0 else (plus, minus)
    return sign * np.sqrt(np.array([a2, b2]) / 2.0)
