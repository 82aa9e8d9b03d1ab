r"""Scalar networks (all widths 1): the critical set, the vector field, the conserved curves.

:func:`scalar_flow` integrates the flow of the chapter on scalar networks.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_positive, as_real, as_real_array, finite_result
from .quotient import _fmt
from .classification import GLOBAL_MINIMUM, NON_STRICT, STRICT
from .flow import gradient_flow
from .trajectory import Trajectory
from .errors import InvalidArgumentError

__all__ = [
    "ScalarCriticalSet",
    "scalar_critical_set",
    "scalar_vector_field",
    "scalar_conserved_curve",
    "scalar_h2_limit",
    "ScalarFlow",
    "scalar_flow",
]

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
        The depth.
    sigma : float
        The scalar target :math:`\sigma`.
    description : str
        The critical set in words.
    minimum_value : float
        0.0, the value of the global minima (a property).
    saddle_value : float
        :math:`\sigma^2/2`, the value of the saddles (a property).

    Examples
    --------
    >>> cs = dl.scalar_critical_set(2.0, 3)
    >>> cs.saddle_value, cs.saddle_components()
    (2.0, ((1, 2), (1, 3), (2, 3)))
    >>> cs.classify_point([0.0, 0.0, 1.0]), cs.classify_point([0.0, 0.0, 0.0])
    ('strict saddle', 'non-strict saddle')
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
            raise InvalidArgumentError(f"w must have {self.h} entries, got shape {w.shape}")
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
            raise InvalidArgumentError("minima_curve is for h = 2 (the hyperbola w1 w2 = sigma)")
        w1 = np.asarray(w1, dtype=float)
        return np.stack([w1, self.sigma / w1], axis=-1)

    def __repr__(self) -> str:
        return f"ScalarCriticalSet(h={self.h}, sigma={_fmt(self.sigma)}): {self.description}"


def scalar_critical_set(sigma: float, h: int) -> ScalarCriticalSet:
    r"""Description of the critical set of the scalar chain of depth ``h`` (see :class:`ScalarCriticalSet`).

    For :math:`L = \tfrac12(\sigma - w_1\cdots w_h)^2`: the global minima
    :math:`\{\prod_i w_i = \sigma\}` and, for :math:`\sigma \ne 0` and ``h >= 2``, the
    saddles where at least two coordinates vanish (value :math:`\sigma^2/2`).

    Parameters
    ----------
    sigma : float
        The scalar target (any finite real).
    h : int
        The depth, ``>= 1``.

    Returns
    -------
    ScalarCriticalSet

    Raises
    ------
    TypeError
        If ``sigma`` is not a real number or ``h`` not an integer.
    ValueError
        If ``sigma`` is not finite or ``h < 1``.

    Examples
    --------
    >>> cs = dl.scalar_critical_set(2.0, 2)
    >>> cs.description
    'minima on the hyperbola w1 w2 = 2 (value 0); one strict saddle at the origin (value 2, Hessian eigenvalues +-2)'
    >>> cs.classify_point([1.0, 2.0])
    'global minimum'
    """
    h = as_depth(h)
    sigma = as_real(sigma, "sigma")
    with np.errstate(over="ignore"):
        finite_result(np.float64(sigma) ** 2, "scalar_critical_set", "sigma")  # the saddle value sigma^2 / 2
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

    Parameters
    ----------
    w : ndarray, shape (..., h)
        Points :math:`(w_1, \dots, w_h)`, along the last axis.
    sigma : float
        The scalar target.

    Returns
    -------
    ndarray, shape (..., h)
        :math:`\dot w` at each point.

    Raises
    ------
    ValueError
        If ``w`` is 0-dimensional or its last axis is empty.

    Examples
    --------
    >>> dl.scalar_vector_field(np.array([1.0, 0.5]), 2.0)
    array([0.75, 1.5 ])
    >>> dl.scalar_vector_field(np.zeros((4, 5, 2)), 2.0).shape
    (4, 5, 2)
    """
    w = as_real_array(w, "w", allow_empty=True)
    if w.ndim < 1 or w.shape[-1] < 1:
        raise InvalidArgumentError(f"w must have shape (..., h) with h >= 1, got {w.shape}")
    sigma = as_real(sigma, "sigma")
    h = w.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.prod(w, axis=-1, keepdims=True)
        others = np.stack([np.prod(np.delete(w, i, axis=-1), axis=-1) for i in range(h)], axis=-1)
        return finite_result(others * (sigma - p), "scalar_vector_field", "w or sigma")


def scalar_conserved_curve(w0: Sequence[float], t: np.ndarray) -> np.ndarray:
    r"""The curve of constant conserved quantities :math:`w_{i+1}^2 - w_i^2` through ``w0``.

    Every trajectory of the scalar flow lies on it. Parametrised by the coordinate ``j`` with
    the smallest :math:`|w_{0,j}|` (the only one that may cross zero): :math:`w_j = t`,
    :math:`w_i = \operatorname{sign}(w_{0,i})\sqrt{t^2 + w_{0,i}^2 - w_{0,j}^2}` for the others
    (for a tie, :math:`w_i = \pm t` with the sign relation of ``w0``). For ``h = 2`` this is a
    branch of the hyperbola :math:`w_2^2 - w_1^2 = c`.

    Parameters
    ----------
    w0 : sequence of float
        A point :math:`(w_1, \dots, w_h)` of the curve.
    t : ndarray
        Values of the parameter :math:`w_j` (flattened).

    Returns
    -------
    ndarray, shape (len(t), h)
        The points of the curve, one row per value of ``t``.

    Raises
    ------
    ValueError
        If ``w0`` is not a finite, non-empty 1-D vector.

    Examples
    --------
    >>> c = dl.scalar_conserved_curve([0.5, 1.0], np.linspace(-1.0, 1.0, 5))
    >>> c.shape
    (5, 2)
    >>> c[:, 1] ** 2 - c[:, 0] ** 2
    array([0.75, 0.75, 0.75, 0.75, 0.75])
    """
    w0 = as_real_array(w0, "w0", ndim=1)
    t = as_real_array(t, "t").ravel()
    j = int(np.argmin(np.abs(w0)))
    c = w0 ** 2 - w0[j] ** 2
    out = np.empty((t.size, w0.size))
    sj = 1.0 if w0[j] >= 0 else -1.0
    for i in range(w0.size):
        if i == j:
            out[:, i] = t
        elif c[i] > 1e-14 * max(1.0, float(np.max(w0 ** 2))):
            out[:, i] = (1.0 if w0[i] >= 0 else -1.0) * np.hypot(t, np.sqrt(c[i]))  # sqrt(t^2 + c), no overflow
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
        :math:`(w_1^\infty, w_2^\infty)`.

    Raises
    ------
    TypeError
        If ``w0`` is not numeric or ``sigma`` not a number.
    ValueError
        If ``w0`` does not have two finite entries, or ``sigma`` is not positive and finite.

    Examples
    --------
    >>> dl.scalar_h2_limit([0.5, 1.0], 2.0)
    array([1.288353, 1.55237 ])
    >>> dl.scalar_h2_limit([1.0, -1.0], 2.0)
    array([0., 0.])
    """
    w = as_real_array(w0, "w0")
    if w.shape != (2,):
        raise InvalidArgumentError(f"w0 must be a finite vector with 2 entries (w_1, w_2), got {w0!r:.80}")
    s = as_positive(as_real(sigma, "sigma"), "sigma")
    total = w[0] + w[1]
    if total == 0.0:
        return np.zeros(2)
    sign = 1.0 if total > 0 else -1.0
    with np.errstate(over="ignore", invalid="ignore"):
        c = (w[1] - w[0]) * (w[1] + w[0])
        # the larger limit sqrt((|c| + hypot(c, 2 sigma)) / 2), the smaller sigma / larger (their
        # product is sigma): no cancellation, and no overflow for weights or sigma near 1e200,
        # where c overflows but sqrt|c| (the larger limit, up to a relative 4 sigma^2 / c^2) does not
        if np.isfinite(c):
            big = np.sqrt(abs(c) / 2.0 + np.hypot(c, 2.0 * s) / 2.0)
        else:
            big = np.sqrt(abs(w[1] - w[0])) * np.sqrt(abs(w[1] + w[0]))
        small = s / big
        out = np.array([small, big]) if c >= 0 else np.array([big, small])
        return finite_result(sign * out, "scalar_h2_limit", "w0 or sigma")


# --------------------------------------------------------------------------- integrating the scalar flow


def _as_point(w0: object, name: str = "w0", h: int | None = None) -> np.ndarray:
    w = as_real_array(w0, name, allow_empty=True)
    if w.ndim != 1 or w.size < 1:
        raise InvalidArgumentError(f"{name} must be a finite 1-D vector of weights (w_1, ..., w_h), got {w0!r:.80}")
    if h is not None and w.size != h:
        raise InvalidArgumentError(f"{name} must have {h} entries, got {w.size}: {w0!r:.80}")
    return w


def _as_sigma(sigma: object) -> float:
    return as_positive(as_real(sigma, "sigma"), "sigma")


@dataclass(frozen=True, eq=False)
class ScalarFlow:
    r"""A trajectory of the scalar chain (returned by :func:`scalar_flow`).

    Attributes
    ----------
    t : ndarray, shape (n,)
        The output times.
    w : ndarray, shape (n, h)
        ``w[k, i]`` is :math:`w_{i+1}(t_k)`.
    loss : ndarray, shape (n,)
        :math:`\tfrac12(\sigma - w_1\cdots w_h)^2` at each time.
    sigma : float
        The scalar target.
    trajectory : Trajectory
        The underlying :func:`deeplinear.gradient_flow` result (widths all one).
    final : ndarray, shape (h,)
        The weights at the last time (a property, a copy).

    Examples
    --------
    >>> f = dl.scalar_flow([0.5, 1.0], 2.0, 5.0, n_points=11)
    >>> f.w.shape
    (11, 2)
    >>> f.final
    array([1.288353, 1.55237 ])
    """

    t: np.ndarray
    w: np.ndarray
    loss: np.ndarray
    sigma: float
    trajectory: Trajectory

    @property
    def final(self) -> np.ndarray:
        """The weights at the last time."""
        return self.w[-1].copy()

    def __repr__(self) -> str:
        return (f"ScalarFlow(h={self.w.shape[1]}, sigma={self.sigma:g}, t=[{self.t[0]:g}, {self.t[-1]:g}], "
                f"w(0)={np.round(self.w[0], 6).tolist()}, w(end)={np.round(self.w[-1], 6).tolist()})")


def scalar_flow(
    w0: Sequence[float],
    sigma: float,
    t_max: float,
    *,
    n_points: int = 201,
    rtol: float = 1e-10,
    atol: float = 1e-14,
) -> ScalarFlow:
    r"""Integrate the scalar gradient flow :math:`\dot w_i = \prod_{j\ne i} w_j(\sigma - \prod_j w_j)`.

    A thin wrapper of :func:`deeplinear.gradient_flow` for widths all one.

    Parameters
    ----------
    w0 : sequence of float
        Initial weights :math:`(w_1, \dots, w_h)`.
    sigma : float
        Target, ``> 0``.
    t_max : float
        Integrate over ``[0, t_max]``.
    n_points : int, default 201
        Number of evenly spaced output times.
    rtol, atol : float
        Tolerances of the integrator.

    Returns
    -------
    ScalarFlow

    Raises
    ------
    TypeError
        If ``w0`` is not numeric or ``sigma`` not a number.
    ValueError
        If ``w0`` is not a finite 1-D vector, ``sigma`` or ``t_max`` is not positive, or
        ``n_points < 2``.

    Examples
    --------
    The flow converges to the point of the hyperbola :math:`w_1 w_2 = \sigma` given by
    :func:`scalar_h2_limit`:

    >>> f = dl.scalar_flow([0.5, 1.0], 2.0, 5.0, n_points=11)
    >>> round(float(f.loss[-1]), 6), bool(np.allclose(f.final, dl.scalar_h2_limit([0.5, 1.0], 2.0), atol=1e-6))
    (0.0, True)
    """
    w = _as_point(w0)
    s = _as_sigma(sigma)
    t_max = as_positive(t_max, "t_max")
    n_points = as_int(n_points, "n_points", minimum=2)
    weights0 = [np.array([[x]]) for x in w]
    tr = gradient_flow(weights0, np.array([[s]]), (0.0, t_max), t_eval=np.linspace(0.0, t_max, int(n_points)),
                       rtol=rtol, atol=atol)
    W = np.array([[float(m[0, 0]) for m in Wt] for Wt in tr.weights])
    return ScalarFlow(t=np.asarray(tr.t), w=W, loss=np.asarray(tr.loss), sigma=s, trajectory=tr)
