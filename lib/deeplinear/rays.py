r"""Stable and unstable sets along sign rays at a saddle.

The network flow confirms the fate of each sign ray at an unlearnt mode ray by ray
(:func:`ray_fates`); a start slightly off a stable ray has a non-zero conserved imbalance and
turns back before reaching the saddle (:func:`off_ray_flow`, :func:`off_ray_turn_time`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_positive, as_real
from .critical import _readonly
from .escape import _integrate, _log_times, _pick_mode, _stable_signs
from .manifolds import SaddleManifolds, saddle_manifolds
from .trajectory import Event
from .errors import InvalidArgumentError

__all__ = [
    "RayFates",
    "ray_fates",
    "off_ray_turn_time",
    "OffRayFlow",
    "off_ray_flow",
]

@dataclass(frozen=True, eq=False)
class RayFates:
    r"""Where the flow goes from every ray :math:`w_i = s_i\varepsilon` of one unlearnt mode of a saddle.

    Attributes
    ----------
    manifolds : SaddleManifolds
        The saddle's description (:func:`deeplinear.saddle_manifolds`).
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
    depth : int
        ``h`` (a property).
    returned : ndarray of bool, shape (2**h,)
        Rays along which the amplitude decreased (a property).
    predicted_stable : ndarray of bool, shape (2**h,)
        Rays with :math:`\pi\sigma_m < 0` (a property).
    agrees : bool
        Whether ``returned`` equals ``predicted_stable`` (a property).

    Examples
    --------
    >>> rf = dl.ray_fates((1,), np.diag([3.0, 2.0]), (2, 2, 2), t_max=3.0)
    >>> rf.mode, rf.signs.shape
    (2, (4, 2))
    >>> rf.agrees
    True
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
        The saddle :math:`A_S` (its balanced representative, :func:`deeplinear.saddle_manifolds`).
    mode : int, optional
        The unlearnt mode; by default the largest one with a free hidden coordinate.
    eps : float, default 0.2
        Initial amplitude (keep :math:`\varepsilon^h < \sigma_m`).
    t_max : float, default 10.0
        Integrate over ``[0, t_max]`` and read the amplitudes at ``t_max``.

    Returns
    -------
    RayFates

    Raises
    ------
    ValueError
        If ``mode`` is learnt or has no free hidden coordinate, or ``eps``, ``t_max`` are not
        positive, or the saddle is invalid (as :func:`deeplinear.saddle_manifolds`).

    Examples
    --------
    >>> rf = dl.ray_fates((1,), np.diag([3.0, 2.0]), (2, 2, 2), t_max=3.0)
    >>> rf.returned
    array([False,  True,  True, False])
    >>> bool(np.array_equal(rf.returned, rf.predicted_stable))
    True
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


def off_ray_turn_time(a0: float, sigma: float, c: float, h: int) -> float:
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
    a0 : float
        Initial amplitude :math:`|w_1(0)|`, ``> 0``.
    sigma : float
        The mode's singular value, ``> 0``.
    c : float
        The conserved imbalance :math:`w_2^2 - w_1^2`, ``> 0`` (on the ray, ``c = 0``, the
        saddle is reached only as ``t -> inf``; for ``c < 0`` :math:`w_1` never reaches 0).
    h : int
        Depth, ``>= 2``.

    Returns
    -------
    float
        The time :math:`T`, finite.

    Raises
    ------
    ValueError
        If ``h < 2``, ``a0``, ``sigma`` or ``c`` is not positive, or ``c`` is not finite.
    TypeError
        If ``h`` is not an integer or a number argument is not a real number.

    Examples
    --------
    >>> round(dl.off_ray_turn_time(0.5, 2.0, 0.01, 2), 4)   # asinh(5) / 2
    1.1562
    >>> round(dl.off_ray_turn_time(0.5, 2.0, 0.01, 3), 4)
    6.867
    """
    h = as_depth(h)
    if h < 2:
        raise InvalidArgumentError(f"off_ray_turn_time needs h >= 2: a depth-1 network has no saddle, got h = {h}")
    sigma = as_positive(sigma, "sigma")
    a0 = as_positive(a0, "a0")
    c = as_real(c, "c")
    if c <= 0.0:
        raise InvalidArgumentError(
            f"c must be positive, got {c!r}: the turn time is that of a start off the ray (c > 0); on the ray "
            "(c = 0) the flow reaches the saddle only as t -> inf, and for c < 0 w_1 never reaches 0"
        )
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
        The saddle's description (:func:`deeplinear.saddle_manifolds`).
    mode : int
        The unlearnt mode (1-based).
    sigma : float
        Its singular value :math:`\sigma_m`.
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
        The loss along the two trajectories.
    crossing_time : float
        First time the perturbed entry :math:`w_1` crosses zero along the second trajectory
        (``nan`` if it does not by the end).
    predicted_turn : float
        :func:`off_ray_turn_time` for this start (``inf`` when ``off = 0``: on the ray the
        saddle is reached only as ``t -> inf``).
    depth : int
        ``h`` (a property).
    closest_approach : float
        Smallest :math:`\max_i |w_i|` over time off the ray (a property).

    Examples
    --------
    >>> o = dl.off_ray_flow((1,), np.diag([3.0, 2.0]), (2, 2, 2), off=1e-2, t_max=100.0, n_times=21)
    >>> o.signs, o.amplitudes_off.shape
    ((-1, 1), (21, 2))
    >>> round(o.imbalance, 4), round(o.closest_approach, 2)
    (0.0099, 0.1)
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
    r"""Flow from the stable ray of :func:`deeplinear.flow_from_saddle` and from ``off`` away from it, over long times.

    The same starts as :func:`deeplinear.flow_from_saddle` (the stable ray is all ``-1`` for odd ``h``
    and :math:`(-1, 1, \dots, 1)` for even ``h``; the offset is added to the first layer's mode
    entry, which makes the conserved imbalance :math:`c = w_2^2 - w_1^2` positive), integrated
    with LSODA on ``[0, t_max]`` and sampled at ``n_times`` times (0, then logarithmically
    spaced from ``1e-2``). The zero crossing of :math:`w_1` is located by an event and compared
    with :func:`off_ray_turn_time`. ``rtol`` is the integrator's relative tolerance. The
    trajectory on the ray does not depend on ``off``, so it is computed once and reused for the
    same saddle, ``eps``, ``t_max``, ``n_times`` and ``rtol``.

    Parameters
    ----------
    subset, Sigma, widths
        The saddle :math:`A_S` (its balanced representative, :func:`deeplinear.saddle_manifolds`).
    eps : float, default 0.5
        Initial amplitude on the stable ray.
    off : float, default 1e-4
        Offset added to the first layer's mode entry, ``0 <= off < eps``.
    t_max : float, default 1e4
        Integrate over ``[0, t_max]``.
    mode : int, optional
        The unlearnt mode; by default the largest one with a free hidden coordinate.
    n_times : int, default 241
        Number of output times, ``>= 3``.
    rtol : float, default 1e-10
        The integrator's relative tolerance.

    Returns
    -------
    OffRayFlow

    Raises
    ------
    ValueError
        If ``h < 2``, ``off >= eps``, or a parameter is out of range.

    Examples
    --------
    Off the ray, :math:`w_1` crosses zero near the predicted turn time:

    >>> o = dl.off_ray_flow((1,), np.diag([3.0, 2.0]), (2, 2, 2), off=1e-2, t_max=100.0, n_times=21)
    >>> round(o.crossing_time, 2), round(o.predicted_turn, 2)
    (1.12, 1.15)
    """
    man = saddle_manifolds(subset, Sigma, widths)
    m = _pick_mode(man, mode)
    h = man.depth
    if h < 2:
        raise InvalidArgumentError(f"off_ray_flow needs h >= 2: a depth-1 network has no saddle, got h = {h}")
    eps = as_positive(eps, "eps")
    off = as_positive(off, "off", allow_zero=True)
    if off >= eps:
        raise InvalidArgumentError(f"off = {off:g} must be smaller than eps = {eps:g} (a small offset from the ray)")
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
        predicted_turn=off_ray_turn_time(abs(float(a_start[0])), sig, c, h) if c > 0 else math.inf,
    )
