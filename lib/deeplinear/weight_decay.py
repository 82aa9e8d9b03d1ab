r"""Weight decay: the regularised loss, its balanced critical points and their classification.

The regularised loss of a deep linear network is

.. math:: L_\lambda(W_1, \dots, W_h) = \tfrac12\lVert\Sigma - W_h\cdots W_1\rVert_F^2
          + \tfrac{\lambda}{2}\sum_{i=1}^h \lVert W_i\rVert_F^2, \qquad \lambda > 0,

with gradient :math:`\nabla_{W_i} L + \lambda W_i`, in adjacency form
:math:`\nabla_A L(A) + \lambda A` (the decay term is :math:`\tfrac{\lambda}{2}\lVert A\rVert_F^2`,
whose gradient :math:`\lambda A` lies in the block pattern), and Hessian :math:`H + \lambda I`.
The flow and gradient descent are :func:`deeplinear.flow.gradient_flow` and
:func:`deeplinear.descent.gradient_descent` with ``weight_decay=``.

**Balance.** Along the flow :math:`\dot C_i = -2\lambda C_i`, so :math:`C_i(t) = e^{-2\lambda t}C_i(0)`,
and every critical point with :math:`\lambda > 0` is 0-balanced.

**Per mode.** On balanced points the decay of a product with singular values :math:`x_k` is
:math:`\tfrac{\lambda h}{2}\sum_k x_k^{2/h}` (the representation cost, :func:`representation_cost`),
so the regularised problem splits into scalar problems

.. math:: f_\sigma(x) = \tfrac12(\sigma - x)^2 + \tfrac{\lambda h}{2}\, x^{2/h}, \qquad x \ge 0,

one per singular value :math:`\sigma` of :math:`\Sigma` (:func:`mode_shrinkage`). For ``h = 2`` its
minimiser is the soft threshold :math:`(\sigma - \lambda)_+`; for :math:`h \ge 3` a non-zero
minimum exists only below a threshold :math:`\lambda_c(\sigma)`, it is global only below
:math:`\lambda^\star(\sigma) < \lambda_c(\sigma)`, and the origin is always a local minimum.
:func:`regularised_critical_values` enumerates the critical values mode by mode, predicts their
type, and :func:`regularised_classification` checks a point with the Hessian, transversally to
the orbit of the orthogonal symmetry that the decay keeps.

References: Taghvaei, Kim and Mehta (NeurIPS 2017, arXiv:1709.09625); Kunin, Bloom, Goeva and
Seed (ICML 2019, arXiv:1901.08168); Mehta, Chen, Tang and Hauenstein (IEEE TPAMI 2021,
arXiv:1810.07716); Dai, Karzand and Srebro (NeurIPS 2021).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import as_depth, as_matrix, as_positive, as_real, as_weights, as_widths, check_sigma, finite_result, widths_of
from .critical import _representative
from .curvature import hessian, inertia, Inertia
from .errors import InvalidArgumentError
from .objective import _depth_and_check, _loss_and_gradient_unchecked, gradient_adjacency
from .orbits import _orbit_tangent_matrix
from .quotient import _sigma_modes

__all__ = [
    "ModeShrinkage",
    "RegularisedCriticalValue",
    "RegularisedClassification",
    "regularised_loss",
    "regularised_gradient",
    "regularised_gradient_adjacency",
    "representation_cost",
    "mode_shrinkage",
    "regularised_critical_values",
    "regularised_critical_point",
    "regularised_classification",
]

_LARGEST = 1e100  # beyond this the scalar problem's values overflow

#: Enumeration budget of :func:`regularised_critical_values` (configurations of the modes).
MAX_CONFIGURATIONS = 20_000


def _decay(value: object) -> float:
    return as_positive(value, "weight_decay")


# --------------------------------------------------------------------------- loss, gradient


def regularised_loss(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, weight_decay: float) -> float:
    r"""The regularised loss :math:`\tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2 + \tfrac{\lambda}{2}\sum_i\lVert W_i\rVert_F^2`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    weight_decay : float
        :math:`\lambda > 0`.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` not a real matrix.
    ValueError
        If the shapes do not chain or do not match ``Sigma``, an entry is not finite, or
        ``weight_decay`` is not positive.

    Examples
    --------
    >>> dl.weight_decay.regularised_loss([np.array([[1.0]]), np.array([[2.0]])], np.array([[3.0]]), weight_decay=0.5)
    1.75
    """
    return _value_and_gradient(weights, Sigma, weight_decay)[0]


def regularised_gradient(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, weight_decay: float) -> list[np.ndarray]:
    r"""The gradient :math:`\nabla_{W_i} L + \lambda W_i` of the regularised loss.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    weight_decay : float
        :math:`\lambda > 0`.

    Returns
    -------
    list of ndarray
        Same shapes as ``weights``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` not a real matrix.
    ValueError
        If the shapes do not chain or do not match ``Sigma``, an entry is not finite, or
        ``weight_decay`` is not positive.

    Examples
    --------
    >>> dl.weight_decay.regularised_gradient([np.array([[1.0]]), np.array([[2.0]])], np.array([[3.0]]), weight_decay=0.5)
    [array([[-1.5]]), array([[0.]])]
    """
    return _value_and_gradient(weights, Sigma, weight_decay)[1]


def _value_and_gradient(weights, Sigma, weight_decay) -> tuple[float, list[np.ndarray]]:
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    lam = _decay(weight_decay)
    with np.errstate(over="ignore", invalid="ignore"):
        L, G = _loss_and_gradient_unchecked(W, S)
        L = L + 0.5 * lam * math.fsum(float(np.sum(w * w)) for w in W)
        G = [g + lam * w for g, w in zip(G, W)]
    finite_result([L, *G], "regularised_loss", "weights or Sigma")
    return float(L), G


def regularised_gradient_adjacency(A: np.ndarray, E: np.ndarray, h: int, *, weight_decay: float) -> np.ndarray:
    r"""The regularised gradient in adjacency form, :math:`\nabla_A L(A) + \lambda A`.

    The decay term is :math:`\tfrac{\lambda}{2}\lVert A\rVert_F^2`; its gradient :math:`\lambda A` has
    the block pattern of ``A``, so the flow stays in the pattern.

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        An adjacency matrix in the block pattern.
    E : ndarray, shape (n_v, n_v)
        The target :math:`\mathrm{blk}_h(\Sigma)`.
    h : int
        The depth.
    weight_decay : float
        :math:`\lambda > 0`.

    Returns
    -------
    ndarray, shape (n_v, n_v)

    Raises
    ------
    TypeError, ValueError
        As :func:`deeplinear.objective.gradient_adjacency`; ValueError also if
        ``weight_decay`` is not positive.

    Examples
    --------
    >>> W = [np.array([[1.0]]), np.array([[2.0]])]
    >>> A, E = dl.adjacency(W), dl.target(np.array([[3.0]]), (1, 1, 1))
    >>> G = dl.weight_decay.regularised_gradient_adjacency(A, E, 2, weight_decay=0.5)
    >>> float(G[1, 0]), float(G[2, 1])
    (-1.5, 0.0)
    """
    lam = _decay(weight_decay)
    A, _, _ = _depth_and_check(A, E, h)
    return gradient_adjacency(A, E, h) + lam * A


def representation_cost(product: np.ndarray, h: int) -> float:
    r"""The least decay :math:`\min\{\tfrac12\sum_i\lVert W_i\rVert_F^2 : W_h\cdots W_1 = P\}`.

    .. math:: R_h(P) = \tfrac{h}{2}\sum_k x_k^{2/h} = \tfrac{h}{2}\lVert P\rVert_{S_{2/h}}^{2/h},

    :math:`x_k` the singular values of :math:`P` (the Schatten :math:`2/h` quasi-norm; the nuclear
    norm for ``h = 2``), attained by balanced factors :math:`s_k = x_k^{1/h}` when the hidden
    widths are at least the rank of ``P`` (Dai, Karzand and Srebro 2021 study such costs).

    Parameters
    ----------
    product : ndarray, shape (d_h, d_0)
        The end-to-end map :math:`P`.
    h : int
        The depth, ``>= 1``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``product`` is not a real matrix or ``h`` not an integer.
    ValueError
        If ``product`` is not finite or ``h < 1``.

    Examples
    --------
    >>> dl.weight_decay.representation_cost(np.diag([4.0, 1.0]), 2)  # the nuclear norm
    5.0
    >>> round(dl.weight_decay.representation_cost(np.diag([8.0, 1.0]), 3), 12)  # 3/2 (8^(2/3) + 1)
    7.5
    """
    P = as_matrix(product, "product")
    h = as_depth(h)
    x = np.linalg.svd(P, compute_uv=False)
    return float(0.5 * h * math.fsum(float(v) ** (2.0 / h) for v in x if v > 0))


# --------------------------------------------------------------------------- one mode


@dataclass(frozen=True)
class ModeShrinkage:
    r"""The critical points of the scalar problem :math:`f(x) = \tfrac12(\sigma - x)^2 + \tfrac{\lambda h}{2}x^{2/h}`, :math:`x \ge 0`.

    ``x`` is a singular value of the product; balanced layers carry :math:`s = x^{1/h}`. The
    kinds are those of the corresponding balanced point of the one-mode network in weight
    space (a ``"minimum"`` or a ``"saddle"``); ``x = 0`` is listed for ``h >= 2`` (the origin is
    critical in weight space).

    Attributes
    ----------
    sigma, h, weight_decay : float, int, float
        The problem.
    points : tuple of float
        The critical :math:`x`, increasing.
    kinds : tuple of str
        ``"minimum"``, ``"saddle"`` or ``"degenerate"`` for each point.
    values : tuple of float
        :math:`f` at each point.
    minimiser : float
        The global minimiser (the shrunk singular value; the smaller one at a tie).
    appears_below : float
        :math:`\lambda_c`: a non-zero minimum exists for :math:`\lambda < \lambda_c` (``h = 1``: inf).
    switched_off_above : float
        :math:`\lambda^\star`: the global minimiser is 0 for :math:`\lambda > \lambda^\star`
        (``h = 1``: inf).

    Examples
    --------
    >>> m = dl.weight_decay.mode_shrinkage(2.0, 2, weight_decay=0.5)
    >>> type(m) is dl.weight_decay.ModeShrinkage, m.minimiser, m.switched_off_above
    (True, 1.5, 2.0)
    """

    sigma: float
    h: int
    weight_decay: float
    points: tuple
    kinds: tuple
    values: tuple
    minimiser: float
    appears_below: float
    switched_off_above: float


def _f(x: float, sigma: float, h: int, lam: float) -> float:
    return 0.5 * (sigma - x) ** 2 + 0.5 * lam * h * x ** (2.0 / h)


def _thresholds(sigma: float, h: int) -> tuple[float, float]:
    r"""(:math:`\lambda_c`, :math:`\lambda^\star`) of one mode (closed forms, see :func:`mode_shrinkage`)."""
    if h == 1:
        return math.inf, math.inf
    if h == 2:
        return sigma, sigma
    xc = sigma * (h - 2) / (2.0 * (h - 1))
    xs = sigma * (h - 2) / (h - 1.0)
    return xc ** ((h - 2.0) / h) * sigma * h / (2.0 * (h - 1)), xs ** ((h - 2.0) / h) * sigma / (h - 1.0)


def _roots(sigma: float, h: int, lam: float) -> tuple[list[float], list[str]]:
    """Non-zero critical x of one mode, increasing, with their kinds."""
    if h == 1:
        return [sigma / (1.0 + lam)], ["minimum"]
    if h == 2:
        return ([sigma - lam], ["minimum"]) if sigma > lam else ([], [])
    lam_c, _ = _thresholds(sigma, h)
    if sigma <= 0.0 or lam > lam_c:
        return [], []
    # s^(h-2) (sigma - s^h) = lam, in s = x^(1/h): increasing on (0, s_c), decreasing on (s_c, sigma^(1/h))
    s_c = (sigma * (h - 2) / (2.0 * (h - 1))) ** (1.0 / h)
    if lam == lam_c:
        return [s_c**h], ["degenerate"]

    def phi(s: float) -> float:
        return s ** (h - 2) * (sigma - s**h) - lam

    lo = brentq(phi, 0.0, s_c, xtol=1e-300, rtol=1e-15, maxiter=300)
    hi = brentq(phi, s_c, sigma ** (1.0 / h), xtol=1e-300, rtol=1e-15, maxiter=300)
    return [lo**h, hi**h], ["saddle", "minimum"]


def mode_shrinkage(sigma: float, h: int, *, weight_decay: float) -> ModeShrinkage:
    r"""Critical points, their kinds and the shrunk singular value of one mode under weight decay.

    Stationarity of :math:`f(x) = \tfrac12(\sigma - x)^2 + \tfrac{\lambda h}{2}x^{2/h}` at
    :math:`x = s^h > 0` is :math:`s^{h-2}(\sigma - s^h) = \lambda`. For ``h = 2`` this gives
    :math:`x = \sigma - \lambda` (soft thresholding). For :math:`h \ge 3` the left side rises
    from 0 to its maximum :math:`\lambda_c` at :math:`x_c = \sigma\frac{h-2}{2(h-1)}` and falls
    back to 0: below :math:`\lambda_c` there are two roots, a saddle and a minimum. Comparing
    :math:`f` with :math:`f(0) = \sigma^2/2` gives the switch-off at
    :math:`x^\star = \sigma\frac{h-2}{h-1}`,
    :math:`\lambda^\star = \frac{\sigma}{h-1}(x^\star)^{(h-2)/h}`: above it the global minimiser
    jumps from :math:`x^\star` to 0. The origin is a strict local minimum for :math:`h \ge 3`
    (Hessian :math:`\lambda I`), and for ``h = 2`` a minimum if :math:`\sigma < \lambda`, a saddle
    if :math:`\sigma > \lambda`.

    Parameters
    ----------
    sigma : float
        The singular value, ``>= 0``.
    h : int
        The depth, ``>= 1``.
    weight_decay : float
        :math:`\lambda > 0`.

    Returns
    -------
    ModeShrinkage

    Raises
    ------
    TypeError
        If an argument is not a real number (``h`` an integer).
    ValueError
        If ``sigma < 0``, ``h < 1``, ``weight_decay <= 0``, or either exceeds ``1e100``.

    Examples
    --------
    >>> m = dl.weight_decay.mode_shrinkage(3.0, 2, weight_decay=1.0)
    >>> m.points, m.kinds, m.minimiser
    ((0.0, 2.0), ('saddle', 'minimum'), 2.0)
    >>> m = dl.weight_decay.mode_shrinkage(3.0, 3, weight_decay=1.0)
    >>> [round(x, 6) for x in m.points], m.kinds
    ([0.0, 0.0385, 2.235174], ('minimum', 'saddle', 'minimum'))
    >>> round(m.switched_off_above, 6), round(m.appears_below, 6)
    (1.717071, 2.044261)
    """
    s = as_positive(sigma, "sigma", allow_zero=True)
    h = as_depth(h)
    lam = _decay(weight_decay)
    if s > _LARGEST or lam > _LARGEST:
        raise InvalidArgumentError(f"sigma = {s:g} and weight_decay = {lam:g} must be at most {_LARGEST:g} (the values sigma^2 overflow)")
    xs, kinds = _roots(s, h, lam)
    if h >= 2:
        k0 = "minimum" if (h >= 3 or s < lam) else ("saddle" if s > lam else "degenerate")
        xs, kinds = [0.0] + xs, [k0] + kinds
    values = [_f(x, s, h, lam) for x in xs]
    best = min(range(len(xs)), key=lambda k: (values[k], xs[k]))
    lam_c, lam_star = _thresholds(s, h)
    return ModeShrinkage(s, h, lam, tuple(float(x) for x in xs), tuple(kinds), tuple(float(v) for v in values),
                         float(xs[best]), float(lam_c), float(lam_star))


# --------------------------------------------------------------------------- the whole problem


@dataclass(frozen=True)
class RegularisedCriticalValue:
    r"""One critical configuration of the regularised loss, mode by mode.

    Attributes
    ----------
    product_values : tuple of float
        The singular value :math:`x_k` of the product on each mode ``k = 1, 2, ...`` of
        :math:`\Sigma` (0 for a mode switched off).
    subset : tuple of int
        The switched-on modes (1-based).
    value : float
        :math:`L_\lambda` at the configuration, :math:`\sum_k f_{\sigma_k}(x_k)`.
    kind : str
        The predicted type: ``"global minimum"``, ``"local minimum"`` or ``"saddle"``
        (:func:`regularised_critical_values` states the rule).

    Examples
    --------
    >>> c = dl.weight_decay.regularised_critical_values(np.diag([2.0]), (1, 1, 1), weight_decay=0.5)[0]
    >>> type(c) is dl.weight_decay.RegularisedCriticalValue, c.product_values, c.subset, c.kind
    (True, (1.5,), (1,), 'global minimum')
    """

    product_values: tuple
    subset: tuple
    value: float
    kind: str


def _predicted_kind(config, modes: list[ModeShrinkage], d_min: int) -> str:
    """Minimum iff every mode sits at a minimum of its own problem, the on-modes are the largest
    ones, and (if width is free) every off-mode's origin is a minimum."""
    on = [k for k, j in enumerate(config) if modes[k].points[j] > 0]
    off = [k for k, j in enumerate(config) if modes[k].points[j] == 0]
    if any(modes[k].kinds[config[k]] != "minimum" for k in on):
        return "saddle"
    if on and off and max(modes[k].sigma for k in off) > min(modes[k].sigma for k in on):
        return "saddle"  # rotating an on-mode towards a larger off-mode lowers the loss
    if len(on) < d_min and any(modes[k].kinds[config[k]] != "minimum" for k in off):
        return "saddle"
    return "local minimum"


def regularised_critical_values(Sigma: np.ndarray, widths: Sequence[int], *, weight_decay: float) -> list[RegularisedCriticalValue]:
    r"""All critical configurations of the regularised loss, mode by mode, sorted by value.

    For :math:`\Sigma` with distinct positive singular values, a critical point is balanced with
    the singular vectors of :math:`\Sigma`, each mode at a critical point of its scalar problem
    (:func:`mode_shrinkage`), at most :math:`d_{\min}` modes switched on. The predicted type: a
    local minimum iff every on-mode is at its scalar minimum, the on-modes are the largest
    :math:`|S|` ones, and, when :math:`|S| < d_{\min}`, every off-mode's origin is a minimum
    (always for :math:`h \ge 3`; :math:`\sigma_k < \lambda` for ``h = 2``); otherwise a saddle. The
    lowest local minimum is the ``"global minimum"``. :func:`regularised_classification`
    checks a type with the Hessian.

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The target (its zero singular values carry no mode).
    widths : sequence of int
        ``(d_0, ..., d_h)``, depth ``h >= 2``.
    weight_decay : float
        :math:`\lambda > 0`.

    Returns
    -------
    list of RegularisedCriticalValue

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real matrix or ``widths`` not a sequence of integers.
    ValueError
        If ``Sigma`` does not have shape ``(d_h, d_0)``, the depth is 1, ``weight_decay`` is
        not positive, or there are more than ``MAX_CONFIGURATIONS`` configurations.

    Examples
    --------
    >>> cv = dl.weight_decay.regularised_critical_values(np.diag([3.0, 1.0]), (2, 2, 2, 2), weight_decay=0.3)
    >>> [(c.subset, round(c.value, 4), c.kind) for c in cv if c.kind != "saddle"]
    [((1, 2), 1.3128, 'global minimum'), ((1,), 1.4139, 'local minimum'), ((), 5.0, 'local minimum')]
    """
    d = as_widths(widths)
    h = len(d) - 1
    if h < 2:
        raise InvalidArgumentError(f"widths = {d}: depth h = 1 is convex (one critical point); give h >= 2")
    S = check_sigma(Sigma, d)
    lam = _decay(weight_decay)
    sig = [float(x) for x in _sigma_modes(S).sigma if x > 0]
    modes = [mode_shrinkage(s, h, weight_decay=lam) for s in sig]
    count = math.prod(len(m.points) for m in modes)
    if count > MAX_CONFIGURATIONS:
        raise InvalidArgumentError(f"Sigma has {len(sig)} modes: {count} configurations exceed MAX_CONFIGURATIONS = {MAX_CONFIGURATIONS}")
    out = []
    for config in itertools.product(*[range(len(m.points)) for m in modes]):
        x = tuple(modes[k].points[j] for k, j in enumerate(config))
        on = tuple(k + 1 for k, v in enumerate(x) if v > 0)
        if len(on) > min(d):
            continue
        value = math.fsum(modes[k].values[j] for k, j in enumerate(config))
        out.append(RegularisedCriticalValue(x, on, value, _predicted_kind(config, modes, min(d))))
    out.sort(key=lambda c: (c.value, c.subset))
    for i, c in enumerate(out):
        if c.kind == "local minimum":
            out[i] = RegularisedCriticalValue(c.product_values, c.subset, c.value, "global minimum")
            break
    return out


def regularised_critical_point(product_values: Sequence[float], Sigma: np.ndarray, widths: Sequence[int]) -> list[np.ndarray]:
    r"""The balanced point whose product is :math:`\sum_k x_k u_k v_k^\top`, each layer carrying :math:`x_k^{1/h}`.

    With ``product_values`` from :func:`regularised_critical_values` this is a critical point of
    the regularised loss (the same construction as :func:`deeplinear.critical.critical_point`).

    Parameters
    ----------
    product_values : sequence of float
        :math:`x_k \ge 0` for the modes ``k = 1, 2, ...`` of ``Sigma`` (missing ones are 0); at most
        :math:`d_{\min}` positive.
    Sigma : ndarray, shape (d_h, d_0)
        The target (its singular vectors).
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    list of ndarray

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``product_values`` has a negative or non-finite entry, more entries than modes, or
        more than :math:`d_{\min}` positive ones; or ``Sigma`` has the wrong shape.

    Examples
    --------
    >>> W = dl.weight_decay.regularised_critical_point([2.0], np.diag([3.0, 1.0]), (2, 2, 2))
    >>> W[1] @ W[0]
    array([[2., 0.],
           [0., 0.]])
    """
    d = as_widths(widths)
    h = len(d) - 1
    S = check_sigma(Sigma, d)
    modes = _sigma_modes(S)
    x = np.atleast_1d(np.asarray([as_real(v, "product_values") for v in np.atleast_1d(product_values)], dtype=float))
    if x.size > modes.sigma.size or np.any(x < 0):
        raise InvalidArgumentError(f"product_values must be at most {modes.sigma.size} non-negative numbers, got {list(x)}")
    on = tuple(int(k) + 1 for k in np.flatnonzero(x > 0))
    if len(on) > min(d):
        raise InvalidArgumentError(f"{len(on)} modes switched on, but the narrowest layer has width {min(d)}")
    W, _ = _representative(on, modes, d, {k: [x[k - 1] ** (1.0 / h)] * h for k in on})
    return W


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class RegularisedClassification:
    r"""The Hessian of the regularised loss at a point, transversally to the orthogonal orbit.

    Attributes
    ----------
    kind : str
        ``"minimum"`` (positive definite across the orbit), ``"saddle"`` (a negative
        eigenvalue), or ``"degenerate"`` (positive semi-definite with extra zeros).
    inertia : Inertia
        Of the full Hessian :math:`H + \lambda I`.
    orbit_dimension : int
        Dimension of the :math:`O(d_1)\times\dots\times O(d_{h-1})` orbit: its tangents are
        zero eigenvectors at a critical point.
    transverse_min : float
        The least eigenvalue of the Hessian restricted to the orbit's orthogonal complement.
    gradient_norm : float
        :math:`\lVert\nabla L_\lambda\rVert` at the point (small at a critical point).

    Examples
    --------
    >>> W = dl.weight_decay.regularised_critical_point([1.5], np.diag([2.0]), (1, 1, 1))
    >>> c = dl.weight_decay.regularised_classification(W, np.diag([2.0]), weight_decay=0.5)
    >>> type(c) is dl.weight_decay.RegularisedClassification, c.kind, c.orbit_dimension
    (True, 'minimum', 0)
    """

    kind: str
    inertia: Inertia
    orbit_dimension: int
    transverse_min: float
    gradient_norm: float


def _orthogonal_orbit_basis(W: list[np.ndarray]) -> np.ndarray:
    """Orthonormal basis of the tangent of the orthogonal orbit (skew generators in each hidden layer)."""
    d = widths_of(W)
    n = sum(w.size for w in W)
    if len(W) < 2:
        return np.zeros((n, 0))
    T = _orbit_tangent_matrix(W)
    cols, off = [], 0
    for i in range(1, len(W)):
        for a, b in itertools.combinations(range(d[i]), 2):
            xi = np.zeros(T.shape[1])
            xi[off + a * d[i] + b], xi[off + b * d[i] + a] = 1.0, -1.0
            cols.append(T @ xi)
        off += d[i] ** 2
    if not cols:
        return np.zeros((n, 0))
    U, s, _ = np.linalg.svd(np.column_stack(cols), full_matrices=False)
    return U[:, s > 1e-9 * max(1.0, float(s[0]))] if s.size else np.zeros((n, 0))


def regularised_classification(weights: Sequence[np.ndarray], Sigma: np.ndarray, *, weight_decay: float,
                               tol: float = 1e-8) -> RegularisedClassification:
    r"""Classify a critical point of the regularised loss with its Hessian :math:`H + \lambda I`.

    The decay breaks the rescaling symmetry :math:`W_{i+1}T^{-1}, TW_i` but keeps the orthogonal
    one (:math:`T = Q` orthogonal preserves every :math:`\lVert W_i\rVert_F`). Its orbit consists of
    critical points, so its tangents are zero eigenvectors; the point is a strict minimum
    modulo the orbit when the Hessian is positive definite on their orthogonal complement.

    Parameters
    ----------
    weights : list of ndarray
        A critical point ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    weight_decay : float
        :math:`\lambda > 0`.
    tol : float, default 1e-8
        Eigenvalues with :math:`|\mu| \le` ``tol`` times :math:`\max(1, \lVert H\rVert_2)` count as zero.

    Returns
    -------
    RegularisedClassification

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` not a real matrix.
    ValueError
        If the shapes do not match, an entry is not finite, or ``weight_decay`` or ``tol`` is
        not positive.

    Examples
    --------
    >>> Sigma = np.diag([3.0, 1.0])
    >>> W = dl.weight_decay.regularised_critical_point([0.0], Sigma, (2, 2, 2, 2))  # the origin, h = 3
    >>> c = dl.weight_decay.regularised_classification(W, Sigma, weight_decay=0.5)
    >>> c.kind, c.orbit_dimension, c.transverse_min
    ('minimum', 0, 0.5)
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    lam = _decay(weight_decay)
    tol = as_positive(tol, "tol")
    g = math.sqrt(math.fsum(float(np.sum(x * x)) for x in _value_and_gradient(W, S, lam)[1]))
    H = finite_result(hessian(W, S) + lam * np.eye(sum(w.size for w in W)), "regularised_classification", "weights or weight_decay")
    finite_result(g, "regularised_classification", "weights or weight_decay")
    zero = tol * max(1.0, float(np.linalg.norm(H, 2)))
    B = _orthogonal_orbit_basis(W)
    Q, _ = np.linalg.qr(np.column_stack([B, np.eye(H.shape[0])]))  # B first: its complement follows
    C = Q[:, B.shape[1]:]
    mu = float(np.linalg.eigvalsh(C.T @ H @ C)[0]) if C.shape[1] else math.inf
    kind = "saddle" if mu < -zero else ("minimum" if mu > zero else "degenerate")
    return RegularisedClassification(kind, inertia(H, tol=zero), int(B.shape[1]), mu, g)
