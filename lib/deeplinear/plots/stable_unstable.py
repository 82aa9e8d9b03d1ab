r"""Figures and helpers of the chapter on stable and unstable sets at saddles (digest 3.5, claims 23-24).

Every helper here starts from the balanced representative :math:`A_S` of a saddle and its mode
representation (:func:`deeplinear.saddle_manifolds`). An unlearnt mode ``m`` of :math:`A_S`
carries a scalar chain :math:`w_1, \dots, w_h` with target :math:`\sigma_m`; on the ray
:math:`w_i = s_i a` (signs :math:`s_i = \pm 1`, :math:`\pi = \prod_i s_i`) the flow is

.. math:: \dot a = \pi\, a^{h-1} (\sigma_m - \pi a^h),

so the rays with :math:`\pi\sigma_m < 0` come back to the saddle and the others leave it
(:func:`ray_fates`). Near :math:`a = 0` the escape is exponential for ``h = 2`` and algebraic for
``h >= 3`` (:func:`escape_laws_figure`). A start slightly off a stable ray has a non-zero
conserved imbalance :math:`c = w_2^2 - w_1^2` and turns back before reaching the saddle
(:func:`off_ray_flow`, :func:`off_ray_turn_time`). The orthogonal transformations of the hidden
layers that fix :math:`A_S` move rays to other points of the same stable or unstable set
(:func:`stabilizer_rotations`, :func:`saddle_samples`, :func:`escape_direction_span`).

Long horizons are integrated with ``method="LSODA"`` (stiff-aware, no step cap): the learnt modes
of :math:`A_S` are stiff, and the default explicit method of :func:`deeplinear.gradient_flow`
needs thousands of steps to reach ``t = 1e3`` there (1-4 s), LSODA a few hundred (0.01-0.1 s).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_depth, as_int, as_positive, as_rng
from ..flow import Event, Trajectory, gradient_flow
from ..hessian import Inertia, flatten_weights, hessian, inertia
from ..invariants import gl_action, random_orthogonal
from ..modes import mode_solution
from ..saddles import SaddleManifolds, _orbit_tangent_matrix, saddle_escape_law, saddle_manifolds
from .style import OKABE_ITO, new_figure

__all__ = [
    "RayFates",
    "ray_fates",
    "ray_fates_figure",
    "escape_laws_figure",
    "off_ray_turn_time",
    "OffRayFlow",
    "off_ray_flow",
    "off_ray_explorer_figure",
    "stabilizer_rotations",
    "saddle_samples",
    "SaddleSampleFlows",
    "saddle_sample_flows",
    "saddle_samples_figure",
    "EscapeSpan",
    "escape_direction_span",
]

_RUNNING_SIGMA = (3.0, 2.0, 1.0)
_DEPTH_COLOURS = {2: OKABE_ITO[0], 3: OKABE_ITO[1], 4: OKABE_ITO[2], 5: OKABE_ITO[3], 6: OKABE_ITO[5]}


def _colour(h: int) -> str:
    return _DEPTH_COLOURS.get(h, OKABE_ITO[7])


def _square_sigma(Sigma: object) -> np.ndarray:
    S = np.diag(_RUNNING_SIGMA) if Sigma is None else np.asarray(Sigma, dtype=float)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] < 1 or not np.all(np.isfinite(S)):
        raise ValueError(f"Sigma must be a finite square matrix (the widths are all its size), got shape {np.shape(S)}")
    return S


def _integrate(W0: Sequence[np.ndarray], Sigma: np.ndarray, t_eval: np.ndarray, events: object = (),
               rtol: float = 1e-10) -> Trajectory:
    """The flow on ``[0, t_eval[-1]]`` with LSODA (see the module docstring for why)."""
    return gradient_flow(W0, Sigma, (0.0, float(t_eval[-1])), t_eval=t_eval, method="LSODA", max_step=np.inf,
                         rtol=rtol, atol=1e-14, events=events)


def _log_times(t_max: float, n: int, t_min: float = 1e-2) -> np.ndarray:
    return np.concatenate([[0.0], np.geomspace(t_min, t_max, n - 1)])


def _pick_mode(man: SaddleManifolds, mode: int | None) -> int:
    """The unlearnt mode to follow: ``mode``, or the largest available one (as in flow_from_saddle)."""
    cand = [m for m in man.modes if not m.learnt and m.available]
    if mode is None:
        if not cand:
            raise ValueError(f"S = {set(man.point.subset) or '{}'} leaves no unlearnt mode with a free hidden coordinate")
        return max(cand, key=lambda m: (m.sigma, -m.mode)).mode
    mode = as_int(mode, "mode", minimum=1)
    mm = man.mode(mode)
    if mm.learnt or not mm.available:
        raise ValueError(f"mode {mode} is {'learnt' if mm.learnt else 'not available (no free hidden coordinate)'} "
                         f"at S = {set(man.point.subset) or '{}'}; choose an unlearnt mode")
    return mode


def _stable_signs(h: int) -> tuple[int, ...]:
    """The stable ray used throughout (as in flow_from_saddle): all -1 for odd h, (-1, 1, ..., 1) for even h."""
    return (-1,) * h if h % 2 == 1 else (-1,) + (1,) * (h - 1)


_on_ray_cache: dict = {}


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _distance(W: Sequence[np.ndarray], P: Sequence[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.sum((np.asarray(a) - np.asarray(b)) ** 2)) for a, b in zip(W, P)))


# --------------------------------------------------------------------------- sign analysis


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

    Parameters
    ----------
    subset, Sigma, widths
        The saddle :math:`A_S` (its balanced representative).
    mode : int, optional
        The unlearnt mode; by default the largest one with a free hidden coordinate.
    eps : float, default 0.2
        Initial amplitude (keep :math:`\varepsilon^h < \sigma_m`).
    t_max : float, default 10.0

    Returns
    -------
    RayFates
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


def ray_fates_figure(fates: Sequence[RayFates]):
    r"""The ray equation and what the network flow does on every ray, for several depths.

    Left: the right-hand side :math:`\dot a = \pi a^{h-1}(\sigma - \pi a^h)` of the ray
    equation for :math:`\pi = +1` (solid) and :math:`\pi = -1` (dashed), one colour per depth:
    :math:`\dot a > 0` near 0 exactly when :math:`\pi = +1`; it vanishes to order
    :math:`h - 1` there. Right: :math:`|a(T)|/|a(0)|` from the network flow for every sign vector,
    against the number of negative signs; triangles pointing down mark the rays predicted
    stable (:math:`\pi\sigma < 0`), up the unstable ones.

    Parameters
    ----------
    fates : sequence of RayFates
        One per depth (from :func:`ray_fates`).

    Returns
    -------
    matplotlib Figure
    """
    fates = list(fates)
    if not fates or not all(isinstance(f, RayFates) for f in fates):
        raise TypeError("fates must be a non-empty sequence of RayFates (from dl.ray_fates)")
    fig, (ax_l, ax_r) = new_figure(2, width=8.4, height=3.6)
    for f in fates:
        h, s = f.depth, f.sigma
        col = _colour(h)
        a = np.linspace(0.0, 1.25 * abs(s) ** (1.0 / h), 300)
        ax_l.plot(a, a ** (h - 1) * (s - a**h), color=col, lw=1.8, label=rf"$h = {h}$, $\pi = +1$")
        ax_l.plot(a, -(a ** (h - 1)) * (s + a**h), color=col, lw=1.8, ls="--", label=rf"$h = {h}$, $\pi = -1$")
        neg = np.sum(f.signs < 0, axis=1)
        jitter = (h - 2 - 0.5 * (len(fates) - 1)) * 0.08
        for stable, marker in ((True, "v"), (False, "^")):
            sel = f.predicted_stable == stable
            ax_r.plot(neg[sel] + jitter, f.ratios[sel], marker, color=col, ms=6, ls="none",
                      mec="black", mew=0.4, label=f"h = {h}" if stable else None)
    ax_l.axhline(0.0, color="0.5", lw=0.8)
    ax_l.set_xlabel("amplitude $a$ on the ray")
    ax_l.set_ylabel(r"$\dot a$")
    ax_l.set_title(r"ray equation $\dot a = \pi a^{h-1}(\sigma - \pi a^h)$", fontsize=9)
    ax_l.set_ylim(-3.0, 1.5)
    ax_l.legend(fontsize=6.5, ncol=2, loc="lower left")
    ax_r.axhline(1.0, color="0.5", lw=0.8, ls=":")
    ax_r.set_yscale("log")
    hmax = max(f.depth for f in fates)
    ax_r.set_xticks(range(hmax + 1))
    ax_r.set_xlabel("number of negative signs $s_i$")
    ax_r.set_ylabel(r"$|a(T)| \,/\, |a(0)|$")
    ax_r.set_title(rf"network flow, $T = {fates[0].t_max:g}$: down = returned ($\pi = -1$)", fontsize=9)
    ax_r.legend(fontsize=7, loc="center right")
    return fig


# --------------------------------------------------------------------------- escape laws


def escape_laws_figure(
    Sigma: np.ndarray | None = None,
    subset: Sequence[int] = (1,),
    depths: Sequence[int] = (2, 3, 4),
    *,
    a0_unstable: float = 0.05,
    a0_stable: float = 0.5,
    t_max: float = 1e4,
):
    r"""Leaving and approaching a saddle along rays: exponential for ``h = 2``, algebraic for ``h >= 3``.

    The network has widths all equal to the size of the square ``Sigma`` (default
    :math:`\mathrm{diag}(3, 2, 1)`) and starts at :math:`A_S` plus the largest available
    unlearnt mode ``m`` on a ray. Left: the unstable ray (all signs ``+1``) from amplitude
    ``a0_unstable``; right: the stable ray of :func:`deeplinear.flow_from_saddle` from
    ``a0_stable``. Solid: :math:`|a(t)|` read off the network flow; dashed: the leading-order law
    :func:`deeplinear.saddle_escape_law` (:math:`|a_0|e^{\pm\sigma t}` for ``h = 2``,
    :math:`(|a_0|^{2-h} \mp (h-2)\sigma t)^{-1/(h-2)}` for ``h >= 3``); dotted verticals: the
    blow-up times :math:`t^\ast = |a_0|^{2-h}/((h-2)\sigma)` of that law; dotted horizontals: the
    levels :math:`\sigma^{1/h}` where the escaping mode is learnt. Both axes are logarithmic.

    Returns
    -------
    matplotlib Figure
    """
    S = _square_sigma(Sigma)
    n = S.shape[0]
    a0u = as_positive(a0_unstable, "a0_unstable")
    a0s = as_positive(a0_stable, "a0_stable")
    t_max = as_positive(t_max, "t_max")
    depths = [as_depth(h) for h in depths]
    if not depths or min(depths) < 2:
        raise ValueError(f"depths must be at least 2 (a depth-1 network has no saddle), got {depths}")
    fig, (ax_u, ax_s) = new_figure(2, width=8.4, height=3.7)
    te = _log_times(t_max, 160)
    for h in depths:
        man = saddle_manifolds(subset, S, (n,) * (h + 1))
        m = _pick_mode(man, None)
        sig = float(man.mode(m).sigma)
        col = _colour(h)
        for ax, signs, a0, stable in ((ax_u, (1,) * h, a0u, False), (ax_s, _stable_signs(h), a0s, True)):
            tr = _integrate(man.ray_point(m, signs, a0), S, te)
            amp = np.array([np.abs(man.mode_amplitudes(m, W)).mean() for W in tr.weights])
            ok = tr.t > 0
            shown = ok & (np.minimum.accumulate(amp) > 1e-7)  # up to where the curve leaves the axes
            ax.plot(tr.t[shown], amp[shown], color=col, lw=3.2, alpha=0.45, label=rf"$h = {h}$: network flow")
            with np.errstate(over="ignore"):
                law = saddle_escape_law(h, sig, a0, tr.t[ok], stable=stable)
            law = np.where(law < 1e3, law, np.nan)
            ax.plot(tr.t[ok], law, color=col, lw=1.2, ls="--", label=rf"$h = {h}$: leading-order law")
            if not stable:
                ax.axhline(sig ** (1.0 / h), color=col, lw=0.7, ls=":")
                if h >= 3:
                    ax.axvline(a0 ** (2 - h) / ((h - 2) * sig), color=col, lw=0.9, ls=":")
    for ax in (ax_u, ax_s):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(te[1], t_max)
        ax.set_xlabel("time $t$ (log scale)")
        ax.legend(fontsize=6.5, ncol=2, loc="lower left" if ax is ax_s else "center right")
    ax_u.set_ylim(a0u / 2, 3.0)
    ax_s.set_ylim(1e-6, 2.0)
    ax_u.set_ylabel(r"mode amplitude $|a(t)|$")
    ax_u.set_title(rf"unstable ray, $|a_0| = {a0u:g}$: escape", fontsize=9)
    ax_s.set_title(rf"stable ray, $|a_0| = {a0s:g}$: return to the saddle", fontsize=9)
    return fig


# --------------------------------------------------------------------------- off the stable ray


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

    Returns
    -------
    float
        ``inf`` when ``c <= 0`` (on the ray the saddle is reached only as ``t -> inf``).
    """
    h = as_depth(h)
    if h < 2:
        raise ValueError("off_ray_turn_time needs h >= 2: a depth-1 network has no saddle")
    sigma = as_positive(sigma, "sigma")
    a0 = as_positive(a0, "a0")
    c = float(c)
    if not math.isfinite(c):
        raise ValueError(f"c must be finite, got {c}")
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

    The same starts as :func:`deeplinear.flow_from_saddle` (the stable ray is all ``-1`` for odd
    ``h`` and :math:`(-1, 1, \dots, 1)` for even ``h``; the offset is added to the first layer's
    mode entry), integrated with LSODA on ``[0, t_max]`` and sampled at ``n_times`` times
    (0, then logarithmically spaced from ``1e-2``). The zero crossing of :math:`w_1` is located
    by an event. ``rtol`` is the integrator's relative tolerance. The trajectory on the ray does
    not depend on ``off``, so it is computed once and reused for the same saddle, ``eps``,
    ``t_max``, ``n_times`` and ``rtol`` (the explorer changes only the offset between frames).

    Returns
    -------
    OffRayFlow
    """
    man = saddle_manifolds(subset, Sigma, widths)
    m = _pick_mode(man, mode)
    h = man.depth
    if h < 2:
        raise ValueError("off_ray_flow needs h >= 2: a depth-1 network has no saddle")
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


_EXPLORER_SADDLES = {"origin": (), "S = {1}": (1,), "S = {1, 2}": (1, 2)}


def off_ray_explorer_figure(h: int = 3, offset: float = 1e-4, saddle: str = "S = {1}", *, fig=None):
    r"""Explorer frame: the flow from a stable ray of a saddle and from ``offset`` off it.

    Target :math:`\Sigma = \mathrm{diag}(3, 2, 1)`, widths all 3, depth ``h``; ``saddle`` is
    ``"origin"`` (:math:`S = \emptyset`, escaping mode 1), ``"S = {1}"`` (mode 2) or
    ``"S = {1, 2}"`` (mode 3). Left (log-log): :math:`|a(t)|` on the ray (blue: the network
    flow; black dotted: the exact solution of the mode equation, :func:`deeplinear.mode_solution`),
    and off the ray the perturbed entry :math:`|w_1|` (dashed) and
    the others :math:`|w_2| = \dots = |w_h|` (solid), both orange; the grey line is
    :math:`\sqrt c`, below which the second trajectory cannot go, and the grey dotted vertical
    the predicted turning time (:func:`off_ray_turn_time`). Right: the two losses, with the
    saddle's value.

    Returns
    -------
    matplotlib Figure
    """
    if saddle not in _EXPLORER_SADDLES:
        raise ValueError(f"saddle must be one of {list(_EXPLORER_SADDLES)}, got {saddle!r}")
    h = as_depth(h)
    S = np.diag(_RUNNING_SIGMA)
    fl = off_ray_flow(_EXPLORER_SADDLES[saddle], S, (3,) * (h + 1), eps=0.5, off=offset, t_max=1e4, n_times=121,
                      rtol=1e-9)
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7.8, 3.6))
    elif fig.get_layout_engine() is not None:
        raise ValueError("fig must not use a layout engine (this figure sets fixed margins)")
    ax, ax_l = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.09, right=0.985, bottom=0.13, top=0.91, wspace=0.28)
    ok = fl.t > 0
    t = fl.t[ok]
    floor = 1e-7
    blue, orange = OKABE_ITO[0], OKABE_ITO[1]
    ax.plot(t, np.maximum(np.abs(fl.amplitudes_on[ok]).mean(axis=1), floor), color=blue, lw=2.2, label="on the ray")
    exact = np.abs(mode_solution(t, fl.sigma, float(np.prod(fl.signs)) * fl.eps**h, h)) ** (1.0 / h)
    ax.plot(t, np.maximum(exact, floor), color="black", lw=1.0, ls=":", label="mode equation, exact")
    ax.plot(t, np.maximum(np.abs(fl.amplitudes_off[ok, 1:]).max(axis=1), floor), color=orange, lw=1.8,
            label=r"off: $|w_2|, \dots, |w_h|$")
    ax.plot(t, np.maximum(np.abs(fl.amplitudes_off[ok, 0]), floor), color=orange, lw=1.4, ls="--", label=r"off: $|w_1|$")
    ax.axhline(math.sqrt(fl.imbalance), color="0.45", lw=1.0, ls="-.", label=r"$\sqrt{c}$")
    if fl.predicted_turn < t[-1]:
        ax.axvline(fl.predicted_turn, color="0.45", lw=1.0, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(floor, 3.0)
    ax.set_xlabel("time $t$ (log scale)")
    ax.set_ylabel(f"mode-{fl.mode} entries $|w_i(t)|$")
    ax.legend(fontsize=6.5, loc="lower left")
    turn = f"{fl.predicted_turn:.2g}" if math.isfinite(fl.predicted_turn) else "never"
    ax.set_title(f"h = {h}, {saddle}, offset {offset:.0e}: c = {fl.imbalance:.1e}, turn at t ≈ {turn}", fontsize=8)
    value = float(fl.manifolds.point.value)
    ax_l.plot(t, fl.loss_on[ok], color=blue, lw=2.2, label="on the ray")
    ax_l.plot(t, fl.loss_off[ok], color=orange, lw=1.8, label="off the ray")
    ax_l.axhline(value, color="0.45", lw=0.9, ls=":", label=f"saddle value {value:g}")
    ax_l.set_xscale("log")
    ax_l.set_xlim(t[0], t[-1])
    top = 1.15 * float(max(fl.loss_on[0], fl.loss_off[0]))  # the same for every offset at this saddle
    ax_l.set_ylim(-0.03 * top, top)
    ax_l.set_xlabel("time $t$ (log scale)")
    ax_l.set_ylabel("loss $L(t)$")
    ax_l.set_title(f"mode {fl.mode}, σ = {fl.sigma:g}", fontsize=8)
    ax_l.legend(fontsize=7, loc="lower left")
    from matplotlib.ticker import LogLocator, NullLocator

    for a in (ax, ax_l):  # decades only: every frame is drawn at build time, and minor ticks cost
        a.xaxis.set_major_locator(LogLocator(numticks=7))
        a.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_locator(LogLocator(numticks=5))
    ax.yaxis.set_minor_locator(NullLocator())
    return fig


# --------------------------------------------------------------------------- symmetry and samples


def _learnt_positions(man: SaddleManifolds) -> list[set[int]]:
    h = man.depth
    return [{m.positions[i] for m in man.modes if m.learnt} for i in range(h - 1)]


def stabilizer_rotations(manifolds: SaddleManifolds, rng: np.random.Generator) -> list[np.ndarray]:
    r"""Random orthogonal hidden-layer transforms :math:`(T_1, \dots, T_{h-1})` that fix :math:`A_S`.

    :math:`T_i` is the identity on the hidden coordinates that carry the learnt modes and a Haar
    random orthogonal matrix on the others. Then :math:`T \cdot A_S = A_S`, and by the orthogonal
    equivariance of the flow :math:`T` maps the stable (unstable) set of :math:`A_S` onto itself.
    For distinct learnt singular values these are all the orthogonal transforms fixing
    :math:`A_S`: the stabiliser is :math:`\prod_i \mathrm{O}(d_i - |S|)`.
    """
    if not isinstance(manifolds, SaddleManifolds):
        raise TypeError(f"manifolds must be a SaddleManifolds (from dl.saddle_manifolds), got {type(manifolds).__name__}")
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

    Returns
    -------
    list of list of ndarray
        ``n`` weight lists.
    """
    if not isinstance(manifolds, SaddleManifolds):
        raise TypeError(f"manifolds must be a SaddleManifolds (from dl.saddle_manifolds), got {type(manifolds).__name__}")
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
    logarithmically spaced from ``1e-2`` to ``t_max``.
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


def saddle_samples_figure(flows: Sequence[SaddleSampleFlows]):
    r"""Distance to the saddle along flows from sampled points of its stable and unstable sets.

    One panel per :class:`SaddleSampleFlows` (e.g. ``h = 2`` and ``h = 3``): blue curves start
    on the stable set and return to :math:`A_S` (exponentially for ``h = 2``, like a power of
    :math:`1/t` for ``h >= 3``), orange curves start on the unstable set and leave it for a
    lower critical point. Log-log axes; the grey guide has slope :math:`-1/(h-2)`.

    Returns
    -------
    matplotlib Figure
    """
    flows = list(flows)
    if not flows or not all(isinstance(f, SaddleSampleFlows) for f in flows):
        raise TypeError("flows must be a non-empty sequence of SaddleSampleFlows (from dl.saddle_sample_flows)")
    fig, axes = new_figure(len(flows), width=4.2 * len(flows), height=3.5, squeeze=False)
    axes = list(axes[0])
    for ax, f in zip(axes, flows):
        ok = f.t > 0
        t = f.t[ok]
        for k, d in enumerate(f.stable_distances):
            ax.plot(t, np.maximum(d[ok], 1e-12), color=OKABE_ITO[0], lw=1.4, label="stable samples" if k == 0 else None)
        for k, d in enumerate(f.unstable_distances):
            ax.plot(t, np.maximum(d[ok], 1e-12), color=OKABE_ITO[1], lw=1.4, ls="--",
                    label="unstable samples" if k == 0 else None)
        h = f.depth
        if h >= 3:
            guide = 0.3 * (t / t[-1]) ** (-1.0 / (h - 2)) * float(np.max(f.stable_distances[:, -1]))
            ax.plot(t[t > 1], guide[t > 1], color="0.5", lw=1.0, ls=":", label=rf"slope $-1/{h - 2}$" if h > 3 else "slope $-1$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(1e-8, 10.0)
        ax.set_xlabel("time $t$ (log scale)")
        ax.set_ylabel(r"$\|W(t) - A_S\|_F$")
        S = f.manifolds.point.subset
        ax.set_title(rf"$h = {h}$, $S = \{{{', '.join(map(str, S))}\}}$, value {f.manifolds.point.value:g}", fontsize=9)
        ax.legend(fontsize=7, loc="lower left")
    return fig


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

    For ``h = 2`` the directions span exactly the Hessian's negative eigenspace (Rayleigh
    quotients :math:`-\sigma_m`); for ``h >= 3`` they lie in its null space (Rayleigh quotient
    0), where the Hessian cannot tell them from the symmetry directions.
    """
    if not isinstance(manifolds, SaddleManifolds):
        raise TypeError(f"manifolds must be a SaddleManifolds (from dl.saddle_manifolds), got {type(manifolds).__name__}")
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

        U, s, _ = np.linalg.svd(D, full_matrices=False)
        angle = float(np.max(subspace_angles(U[:, :rank], neg)))
    residual = float(np.max(np.linalg.norm(H @ D, axis=0) / norms))
    return EscapeSpan(manifolds, H.shape[0], rank, orbit_dim, rank_with, inn, rayleigh, angle, residual)
