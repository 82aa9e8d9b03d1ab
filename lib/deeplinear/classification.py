r"""Classification of critical points: global minima, strict and non-strict saddles.

A critical point of :math:`L = \tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2` is a *global minimum*
when its value is :math:`L^\star = \tfrac12\sum_{k>d_{\min}}\sigma_k^2`, otherwise a *saddle*: deep
linear networks have no other local minima and no local maxima (Baldi and Hornik 1989;
Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024). A saddle is *strict* when the Hessian
has a negative eigenvalue and *non-strict* when the Hessian is positive semidefinite; then only a
higher-order term decreases the loss, e.g. at the origin for :math:`h \ge 3`, where
:math:`L(\varepsilon V) = L(0) - \varepsilon^h\langle\Sigma, V_h\cdots V_1\rangle + O(\varepsilon^{2h})`
and the Hessian is exactly zero. Strictness is a property of the point, not of the value: one
fibre can hold both kinds.

**Higher-order descent.** At a non-strict saddle, :func:`classify` builds an explicit
direction from the structure of the point (rank-one pieces through a chain of layers, see
:func:`descent_direction`) such that

.. math:: L(x + \varepsilon V) - L(x) = -c\,\varepsilon^p + O(\varepsilon^{2p}),

for example :math:`p = h`, :math:`c = \sigma_m` at the balanced representative of a top set
(add :math:`\varepsilon e_m e_m^\top` to every layer for the largest unlearnt mode ``m``).
:func:`predicted_strictness` states the rule in closed form.

References: Baldi and Hornik 1989; Kawaguchi 2016; Trager, Kohn and Bruna 2020; Achour,
Malgouyres and Gerchinovitz 2024; Wendin and Altafini, arXiv:2511.10362, Section 4.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_positive, as_real_array, as_weights, check_sigma, widths_of
from .critical import CRITICAL_TOL, _readonly, learnt_subset, relative_gradient_norm
from .quotient import _fmt, _fmt_subset, _global_minimum_value, _sigma_modes, _value_tol
from .curvature import Inertia, _term_scale, hessian, inertia, unflatten_weights
from .network import _prefix_products as prefix_products, _suffix_products as suffix_products
from .objective import gradient
from .orbits import orbit_dimension
from .errors import InvalidArgumentError

__all__ = [
    "DescentDirection",
    "descent_direction",
    "DescentFit",
    "fit_descent_order",
    "Classification",
    "classify",
    "StrictnessPrediction",
    "predicted_strictness",
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
        g = math.sqrt(sum(float(np.sum(x * x)) for x in gradient(W, S)))
        raise InvalidArgumentError(
            f"{who} needs a critical point, but the gradient norm is {g:.3g} (relative gradient norm "
            f"{rho:.3g} > tol = {tol:g}); see deeplinear.is_critical"
        )
    return rho


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

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> dd = dl.descent_direction(dl.critical_point((1,), Sigma, (3, 3, 3, 3)).weights, Sigma)
    >>> dd.order, round(dd.rate, 6), dd.layers
    (3, 2.0, (1, 2, 3))
    >>> round(float(dd.predicted_change(0.1)), 6)
    -0.002
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

    Parameters
    ----------
    weights : list of ndarray
        A critical point ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    tol : float, default 1e-8
        Relative tolerance for criticality and for the rank decisions of the search.

    Returns
    -------
    DescentDirection or None
        ``None`` when no chain decreases the loss (at a global minimum).

    Raises
    ------
    ValueError
        If the point is not critical (relative gradient norm above ``tol``), ``tol`` is not
        positive, or the shapes do not match.

    References
    ----------
    Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    At the balanced representative of the top set :math:`\{1\}` with ``h = 3``: order
    ``p = h``, rate :math:`\sigma_2`.

    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> dd = dl.descent_direction(dl.critical_point((1,), Sigma, (3, 3, 3, 3)).weights, Sigma)
    >>> dd.order, round(dd.rate, 6)
    (3, 2.0)
    >>> dl.descent_direction(dl.critical_point((1, 2, 3), Sigma, (3, 3, 3, 3)).weights, Sigma) is None
    True
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

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> W = dl.critical_point((1,), Sigma, (3, 3, 3, 3)).weights
    >>> fit = dl.fit_descent_order(W, Sigma, dl.descent_direction(W, Sigma))
    >>> round(fit.order, 3), fit.eps.shape
    (3.0, (8,))
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

    Parameters
    ----------
    weights : list of ndarray
        The point ``x`` as ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    direction : DescentDirection or list of ndarray
        ``V``, with the shapes of ``weights``.
    eps : sequence of float, default 8 values from 1e-3 to 3e-2
        At least two positive step sizes.

    Returns
    -------
    DescentFit

    Raises
    ------
    ValueError
        If the loss does not decrease for some ``eps``, ``eps`` has fewer than two distinct positive
        values, or ``direction`` does not have the shapes of ``weights``.

    Examples
    --------
    The fit recovers the order and rate of :func:`descent_direction`:

    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> W = dl.critical_point((1,), Sigma, (3, 3, 3, 3)).weights
    >>> fit = dl.fit_descent_order(W, Sigma, dl.descent_direction(W, Sigma))
    >>> round(fit.order, 3), round(fit.rate, 3)
    (3.0, 2.0)
    """
    W, S = _checked(weights, Sigma)
    V = list(direction.direction) if isinstance(direction, DescentDirection) else as_weights(direction, "direction")
    if [v.shape for v in V] != [w.shape for w in W]:
        raise InvalidArgumentError("direction must have the shapes of weights")
    e = as_real_array(eps, "eps", allow_empty=True)
    if e.ndim != 1 or np.unique(e).size < 2 or np.any(e <= 0):  # a line through one point is not fitted
        raise InvalidArgumentError(f"eps must hold at least two distinct positive numbers, got {eps!r:.80}")
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
        raise InvalidArgumentError(f"the loss does not decrease along the direction at eps = {bad:g} (change {changes[changes >= 0][0]:.3g})")
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
        Extreme Hessian eigenvalues.
    relative_gradient_norm : float
        :func:`deeplinear.relative_gradient_norm` at the point.
    n_weights : int
        The number of weights (the size of the Hessian).
    null_dim : int
        Dimension of the Hessian null space (``inertia.zero``).
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
    unexplained_null_dim : int
        ``null_dim - orbit_dim`` (a property).
    is_strict : bool
        Whether ``kind`` is ``"strict saddle"`` (a property).

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> c = dl.classify(dl.critical_point((1,), Sigma, (3, 3, 3, 3)).weights, Sigma)
    >>> c.kind, c.hessian_conclusive
    ('non-strict saddle', False)
    >>> c.null_dim, c.orbit_dim, c.unexplained_null_dim
    (22, 10, 12)
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
            ("Hessian inertia (-, 0, +)", f"({self.inertia.negative}, {self.inertia.zero}, {self.inertia.positive}) of {self.n_weights}"),
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
    :math:`GL` orbit (:func:`deeplinear.orbit_dimension`), which lies inside the null space.

    Parameters
    ----------
    weights : list of ndarray
        A critical point ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    tol : float, default 1e-8
        Relative tolerance for criticality (and for rank decisions in the descent search).
    eig_tol : float, optional
        Absolute zero threshold for the Hessian eigenvalues.

    Returns
    -------
    Classification

    Raises
    ------
    ValueError
        If the point is not critical (the message gives the gradient norm), its product is not
        a partial SVD of ``Sigma`` (:func:`deeplinear.learnt_subset`), ``tol`` is not positive,
        or the Hessian has a negative eigenvalue at the global minimum value (an inconsistency
        that means the point is not critical to within ``tol``).

    References
    ----------
    Baldi and Hornik 1989; Kawaguchi 2016; Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    Claim 13: the origin of a depth-3 network has a zero Hessian yet is a saddle.

    >>> c = dl.classify([np.zeros((2, 2))] * 3, np.diag([3.0, 2.0]))
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
    if inert.negative > 0:
        if at_min:
            raise InvalidArgumentError(
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
            f"the Hessian has {inert.negative} negative eigenvalue(s), lambda_min = {inert.lambda_min:.6g}: "
            "second-order descent, a strict saddle"
        )
    elif at_min:
        kind = GLOBAL_MINIMUM
        reason = (
            f"the critical value equals the global minimum value L* = 1/2 sum_(k > d_min) sigma_k^2 = {_fmt(Lstar)} "
            "(Eckart-Young), so the point is a global minimiser"
            + (f"; the Hessian is PSD with a {inert.zero}-dimensional null space" if inert.zero else "")
        )
    else:
        kind = NON_STRICT
        descent = _chain_descent(W, S, tol)
        reason = (
            f"the Hessian is positive semidefinite ({inert.zero} zero eigenvalues), so it is inconclusive, but the "
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
        null_dim=inert.zero,
        orbit_dim=orbit_dimension(W),
        hessian_conclusive=bool(inert.negative > 0 or inert.zero == 0),
        descent=descent,
        reason=reason,
    )


# --------------------------------------------------------------------------- strictness rule


@dataclass(frozen=True, eq=False)
class StrictnessPrediction:
    r"""Outcome of the strictness theorem applied by :func:`predicted_strictness`.

    Attributes
    ----------
    strict : bool
        Whether the saddle is strict.
    rule : str
        Which clause decided.
    witness : tuple of int or None
        For a top set, ``(i, j)``: two layers with :math:`K_{ij} \ne 0` and
        :math:`\operatorname{rank} W_{i+1:j-1} > |S|`; for a set that is not a top set,
        ``(m, k)``: an unlearnt mode above a learnt one; ``None`` for a non-strict saddle.
    subset : tuple of int
        The learnt set ``S`` (1-based).

    Examples
    --------
    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> p = dl.predicted_strictness(dl.critical_point((2,), Sigma, (3, 3, 3, 3)).weights, Sigma)
    >>> p.strict, p.witness, p.subset
    (True, (1, 2), (2,))
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
    r"""Strictness of a saddle from ranks of partial products, without the Hessian.

    The theorem of the chapter on second-order analysis (proved there in both directions): a
    critical point that is not a global minimum, with learnt set ``S``, is a strict saddle if
    and only if

    1. ``S`` is not a top set (some unlearnt :math:`\sigma_m` exceeds a learnt
       :math:`\sigma_k`), or
    2. some layers :math:`i < j` have
       :math:`K_{ij} = W_{j+1:h}^\top (\Sigma - W_{1:h})\, W_{1:i-1}^\top \ne 0` and
       :math:`\operatorname{rank} W_{i+1:j-1} > |S|` (empty products are identities).

    Otherwise the Hessian is positive semidefinite. Condition 2 asks for the residual as seen
    by the layers outside ``i..j``, not mode by mode: two unlearnt modes can cancel in
    :math:`K_{ij}`, and then the spare rank between ``i`` and ``j`` gives no negative curvature
    (the tests hold such a point). The decisions "non-zero" and "rank" use the relative
    tolerance ``tol``; the tests check the answers against the Hessian (:func:`classify`).

    Parameters
    ----------
    weights : list of ndarray
        A critical point ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    tol : float, default 1e-8
        Relative tolerance for criticality and for the rank and non-zero decisions.

    Returns
    -------
    StrictnessPrediction

    Raises
    ------
    ValueError
        If the point is not critical, or is a global minimum (not a saddle).

    References
    ----------
    Achour, Malgouyres and Gerchinovitz 2024 classify the critical points through ranks of
    partial products in their own terms; the book has not matched the two statements.

    Examples
    --------
    The balanced top-set saddle of depth three is non-strict, as :func:`classify` finds:

    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> W = dl.critical_point((1,), Sigma, (3, 3, 3, 3)).weights
    >>> dl.predicted_strictness(W, Sigma).strict, dl.classify(W, Sigma).is_strict
    (False, False)
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
        raise InvalidArgumentError("the point is a global minimum, not a saddle: strictness is not defined")
    for m in unl:
        for k in sub:
            if modes.sigma[m - 1] > modes.sigma[k - 1] * (1 + 1e-12):
                return StrictnessPrediction(True, f"S is not a top set: sigma_{m} > sigma_{k} with {k} learnt", (m, k), sub)
    pre = prefix_products(W)
    suf = suffix_products(W)
    R = S - pre[-1]
    r_norm = float(np.linalg.norm(R))
    sig1 = float(np.max(modes.sigma, initial=0.0))
    ell = [max(float(np.linalg.norm(w, 2)), sig1 ** (1.0 / h), 1e-300) for w in W]
    for i in range(1, h + 1):
        M = np.eye(d[i])
        for j in range(i + 1, h + 1):
            # M = W_{i+1:j-1}
            K = suf[j].T @ R @ pre[i - 1].T
            if np.linalg.norm(K) > tol * r_norm * math.prod(ell[j:]) * math.prod(ell[: i - 1]):
                s = np.linalg.svd(M, compute_uv=False)
                rank = int(np.sum(s > tol * math.prod(ell[i:j - 1])))
                if rank > len(sub):
                    return StrictnessPrediction(
                        True,
                        f"K_({i},{j}) != 0 and rank W_({i + 1}:{j - 1}) = {rank} > |S| = {len(sub)}",
                        (i, j),
                        sub,
                    )
            M = W[j - 1] @ M
    return StrictnessPrediction(False, "top set, and every pair i < j with K_ij != 0 has rank W_(i+1:j-1) = |S|", None, sub)
