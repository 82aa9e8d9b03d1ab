r"""Flows that leave a saddle, samples of its stable set, and what the Hessian sees of the escape.

:func:`flow_from_saddle` starts the flow next to the critical point of a learnt set, on a
stable or unstable ray of one unlearnt mode (the rays of :mod:`deeplinear.manifolds`), and
compares the motion with the escape law. The orthogonal transforms that fix :math:`A_S` move
rays to other points of the same stable or unstable set (:func:`saddle_samples`,
:func:`saddle_sample_flows`), and the Hessian sees the escape directions only for
:math:`h = 2` (:func:`escape_direction_span`). Escape times are measured in
:mod:`deeplinear.escape_times`.

References: Saxe, McClelland and Ganguli 2014 (mode dynamics); Achour, Malgouyres and
Gerchinovitz 2024; Wendin and Altafini, arXiv:2511.10362, Section 4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_int,
    as_items,
    as_positive,
    as_rng,
)
from .critical import _readonly
from .quotient import _fmt_subset
from .curvature import Inertia, flatten_weights, hessian, inertia
from .flow import gradient_flow
from .invariants import gl_action
from .manifolds import (
    SaddleManifolds,
    _require_manifolds,
    saddle_escape_law,
    saddle_manifolds,
)
from .orbits import _orbit_tangent_matrix, stabilizer_rotations
from .trajectory import Trajectory
from .errors import ConvergenceError, InvalidArgumentError

__all__ = [
    "FlowFromSaddle",
    "flow_from_saddle",
    "saddle_samples",
    "SaddleSampleFlows",
    "saddle_sample_flows",
    "EscapeSpan",
    "escape_direction_span",
]

# --------------------------------------------------------------------------- stable / unstable sets


@dataclass(frozen=True, eq=False)
class FlowFromSaddle:
    r"""Two gradient-flow trajectories near a saddle: on a predicted invariant ray and slightly off it.

    Attributes
    ----------
    manifolds : SaddleManifolds
        The saddle's description (:func:`deeplinear.saddle_manifolds`).
    mode : int
        The unlearnt mode followed (1-based).
    signs : tuple of int
        The ray.
    predicted : str
        ``"stable"`` or ``"unstable"``.
    eps, off : float
        The amplitude on the ray and the size of the perturbation off it.
    on, off_trajectory : Trajectory
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

    Examples
    --------
    >>> f = dl.flow_from_saddle((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), "stable", 0.1,
    ...                         (0.0, 1.0), t_eval=np.linspace(0.0, 1.0, 5))
    >>> f.mode, f.signs, f.predicted, f.amplitudes_on.shape
    (2, (-1, 1), 'stable', (5, 2))
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
        The time interval (a number ``t1`` means ``(0, t1)``, as in
        :func:`deeplinear.gradient_flow`).
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

    Both flows stop at convergence, so a huge ``t_span`` costs no more than the time to
    converge. Each ends at a critical point that is often a saddle: on a stable ray the saddle
    itself; off it, or on an unstable ray, the critical point that has also learnt mode ``m``
    (the other unlearnt modes are zero and stay zero), which is the global minimum only if no
    other mode is left. So both are integrated with ``stop_at="critical point"`` of
    :func:`deeplinear.gradient_flow`: they stop when the gradient norm falls below its
    tolerance, with ``status`` ``"converged"`` and a message naming the loss reached (a saddle
    and its height above the global minimum, or the global minimum). A flow that passes the
    starting saddle with a gradient that small (a tiny ``eps`` on an unstable ray, about
    :math:`\varepsilon^{h-1}\sigma_m \lesssim 10^{-12}`) stops there too. For ``h >= 3`` the
    approach along the stable ray is algebraic, so the stop comes late (about
    :math:`t \sim 10^{6}/\sigma_m` for ``h = 3``) and the run may end at ``max_steps`` first.

    Returns
    -------
    FlowFromSaddle
        Both trajectories, the mode entries along them and the leading-order law on the ray.

    Raises
    ------
    ValueError
        For a ``direction`` that is neither ``"stable"``, ``"unstable"`` nor ``h`` signs
        :math:`\pm1`; a non-positive ``eps`` or negative ``off``; a ``mode`` that is learnt or
        has no free hidden coordinate (or no such mode at all); an inadmissible saddle (as
        :func:`deeplinear.saddle_manifolds`).

    Examples
    --------
    At ``h = 2`` the approach along the stable line :math:`w_1 = -w_2` is exponential with
    rate :math:`\sigma_2 = 2`, as the law says:

    >>> f = dl.flow_from_saddle((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), "stable", 0.1,
    ...                         (0.0, 1.0), t_eval=np.linspace(0.0, 1.0, 5))
    >>> round(float(abs(f.amplitudes_on[-1, 0])), 4), round(float(f.law[-1]), 4)
    (0.0135, 0.0135)
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
            raise InvalidArgumentError(f"direction must be 'stable', 'unstable' or a tuple of ±1 signs, got {direction!r}")
    else:
        signs = tuple(as_int(s, "direction") for s in as_items(direction, "direction", "signs +1 or -1"))
        if len(signs) != h or any(s not in (-1, 1) for s in signs):
            raise InvalidArgumentError(f"direction must be {h} signs ±1, got {tuple(direction)!r}")
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
    tr_on = gradient_flow(W_on, Sig, t_span, stop_at="critical point", **kw)
    tr_off = gradient_flow(W_off, Sig, t_span, stop_at="critical point", **kw)
    amp_on = np.array([man.mode_amplitudes(mm.mode, Wt) for Wt in tr_on.weights])
    amp_off = np.array([man.mode_amplitudes(mm.mode, Wt) for Wt in tr_off.weights])
    t = np.asarray(tr_on.t, dtype=float)
    law = saddle_escape_law(t - t[0], eps, mm.sigma, h, stable=predicted == "stable")
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
            raise InvalidArgumentError(f"S = {_fmt_subset(man.point.subset)} leaves no unlearnt mode with a free hidden "
                             "coordinate: nothing to escape along")
        return max(cand, key=lambda m: (m.sigma, -m.mode)).mode
    mode = as_int(mode, "mode", minimum=1)
    mm = man.mode(mode)
    if mm.learnt or not mm.available:
        raise InvalidArgumentError(f"mode {mode} is {'learnt' if mm.learnt else 'not available (no free hidden coordinate)'} "
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

    Each sample is :math:`T\cdot\big(A_S + \sum_{k\in S}\beta_k E_k + \sum_m a_m\, s^{(m)}\!\circ E_m\big)`:
    the learnt modes moved along their balanced lines by :math:`\beta_k` (uniform in
    ``[-learnt_amplitude, learnt_amplitude]``; zero for unstable samples), a random choice of
    available unlearnt modes with pairwise different hidden coordinates, each on a random
    stable (product of signs opposite :math:`\sigma_m`) or unstable ray at an amplitude uniform
    in ``amplitude``, and a random transform ``T`` of :func:`deeplinear.stabilizer_rotations`. The modes
    decouple, so each piece returns to (or leaves) the saddle on its own.

    Parameters
    ----------
    manifolds : SaddleManifolds
        From :func:`saddle_manifolds`.
    rng : numpy.random.Generator or int
        The random generator, or a seed.
    n : int
        Number of samples.
    stable : bool, default True
        Stable-set samples (``False``: unstable-set samples).
    amplitude : (float, float), default (0.1, 0.3)
        Range of the amplitudes on the rays, ``0 < low <= high``.
    learnt_amplitude : float, default 0.05
        Half-width of the uniform moves :math:`\beta_k` of the learnt modes (stable samples).

    Returns
    -------
    list of list of ndarray
        ``n`` weight lists.

    Raises
    ------
    TypeError
        If ``manifolds`` is not a :class:`SaddleManifolds` or ``rng`` neither a generator nor
        an integer seed.
    ValueError
        If ``n < 1``, ``amplitude`` is not ``0 < low <= high``, ``learnt_amplitude`` is
        negative, or the saddle has no unlearnt mode with a free hidden coordinate.

    Examples
    --------
    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> samples = dl.saddle_samples(man, np.random.default_rng(0), 2)
    >>> len(samples), [w.shape for w in samples[0]]
    (2, [(3, 3), (3, 3)])
    """
    manifolds = _require_manifolds(manifolds)
    rng = as_rng(rng)
    n = as_int(n, "n", minimum=1)
    lo, hi = (float(x) for x in amplitude)
    if not 0 < lo <= hi:
        raise InvalidArgumentError(f"amplitude must be (low, high) with 0 < low <= high, got {amplitude!r}")
    learnt_amplitude = as_positive(learnt_amplitude, "learnt_amplitude", allow_zero=True)
    h = manifolds.depth
    unl = [m for m in manifolds.modes if not m.learnt and m.available]
    if not unl:
        raise InvalidArgumentError("this saddle has no unlearnt mode with a free hidden coordinate: no rays to sample")
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
        The saddle's description (:func:`deeplinear.saddle_manifolds`).
    t : ndarray, shape (n_t,)
        The output times.
    stable_distances, unstable_distances : ndarray, shape (n, n_t)
        :math:`\lVert W(t) - A_S\rVert_F` (all layers).
    stable_losses, unstable_losses : ndarray, shape (n, n_t)
        The loss along each flow.
    depth : int
        ``h`` (a property).

    Examples
    --------
    >>> sf = dl.saddle_sample_flows((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), n=2, t_max=5.0, n_times=6)
    >>> sf.t.shape, sf.stable_distances.shape
    ((6,), (2, 6))
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

    Parameters
    ----------
    subset, Sigma, widths
        The saddle :math:`A_S` (balanced representative, :func:`saddle_manifolds`).
    n : int, default 6
        Number of stable and of unstable samples.
    seed : int, default 0
        Seed of the random generator, ``>= 0``.
    t_max : float, default 1e3
        Integrate over ``[0, t_max]``.
    n_times : int, default 121
        Number of output times, ``>= 3``.

    Returns
    -------
    SaddleSampleFlows

    Raises
    ------
    ValueError
        If ``n < 1``, ``seed < 0``, ``t_max`` is not positive, ``n_times < 3``, or the saddle
        is inadmissible or has no unlearnt mode to sample.
    ConvergenceError
        If a flow stops before ``t_max`` (the integrator fails, e.g. for an astronomically long ``t_max``).

    Examples
    --------
    Over a short time the stable samples approach the saddle and the unstable ones leave it:

    >>> sf = dl.saddle_sample_flows((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3), n=2, t_max=5.0, n_times=6)
    >>> bool(np.all(sf.stable_distances[:, -1] < 0.01)), bool(np.all(sf.unstable_distances[:, -1] > 2))
    (True, True)
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
            if tr.t.size != te.size:
                raise ConvergenceError(f"saddle_sample_flows: a flow stopped at t = {tr.t[-1]:.6g} before t_max = {t_max:g} "
                                       f"({tr.message}); use a smaller t_max")
            dist.append([_distance(W, man.point.weights) for W in tr.weights])
            loss.append(np.asarray(tr.loss))
        out[stable] = (dist, loss)
    return SaddleSampleFlows(man, te, np.array(out[True][0]), np.array(out[False][0]),
                             np.array(out[True][1]), np.array(out[False][1]))


@dataclass(frozen=True, eq=False)
class EscapeSpan:
    r"""What the Hessian at :math:`A_S` says about the directions of the rotated unstable rays.

    The directions are :math:`T \cdot E_m` (the tangent of the unstable ray of mode ``m`` with
    all signs ``+1``, moved by a transform ``T`` of :func:`deeplinear.stabilizer_rotations`), for every
    available unlearnt mode and many random ``T``.

    Attributes
    ----------
    manifolds : SaddleManifolds
        The saddle's description (:func:`deeplinear.saddle_manifolds`).
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
        Of the Hessian at :math:`A_S`.
    rayleigh : tuple of float
        The distinct values (rounded to 10 digits) of :math:`D^\top H D / D^\top D`.
    angle_to_negative_space : float
        Largest principal angle between the span and the Hessian's negative eigenspace
        (``nan`` if either is empty or their dimensions differ).
    null_residual : float
        :math:`\max \lVert H D\rVert / \lVert D\rVert`: 0 when every direction is a null vector.

    Examples
    --------
    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> span = dl.escape_direction_span(man, np.random.default_rng(0), n_rotations=5)
    >>> span.rank, span.hessian_inertia.negative, span.rayleigh
    (4, 4, (-2.0, -1.0))
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
                f"({inn.negative}, {inn.zero}, {inn.positive}); rotated escape directions span {self.rank} "
                f"dimensions, with the orbit tangent ({self.orbit_dim}) {self.rank_with_orbit}; Rayleigh quotients "
                f"{self.rayleigh})")


def escape_direction_span(manifolds: SaddleManifolds, rng: np.random.Generator, *, n_rotations: int = 40) -> EscapeSpan:
    r"""Span of the rotated unstable-ray directions at :math:`A_S` and how the Hessian acts on it.

    The directions :math:`T\cdot E_m` are collected for every available unlearnt mode ``m`` and
    ``n_rotations`` transforms ``T`` of :func:`deeplinear.stabilizer_rotations`, and compared with the
    Hessian :math:`H` at :math:`A_S` and with the tangent space of the :math:`GL` orbit
    (:func:`deeplinear.orbit_dimension`). For ``h = 2`` the directions span exactly the Hessian's negative
    eigenspace (Rayleigh quotients :math:`-\sigma_m`); for ``h >= 3`` they lie in its null space
    (Rayleigh quotient 0), where the Hessian cannot tell them from the symmetry directions.

    Parameters
    ----------
    manifolds : SaddleManifolds
        From :func:`saddle_manifolds`.
    rng : numpy.random.Generator or int
        The random generator, or a seed.
    n_rotations : int, default 40
        Number of random transforms ``T``.

    Returns
    -------
    EscapeSpan

    Raises
    ------
    TypeError
        If ``manifolds`` is not a :class:`SaddleManifolds` or ``rng`` neither a generator nor
        an integer seed.
    ValueError
        If ``n_rotations < 1`` or the saddle has no unlearnt mode with a free hidden
        coordinate.

    Examples
    --------
    For ``h = 3`` the escape directions are null vectors of the Hessian:

    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    >>> span = dl.escape_direction_span(man, np.random.default_rng(0), n_rotations=5)
    >>> span.rayleigh, span.null_residual
    ((0.0,), 0.0)
    """
    manifolds = _require_manifolds(manifolds)
    rng = as_rng(rng)
    n_rotations = as_int(n_rotations, "n_rotations", minimum=1)
    unl = [m for m in manifolds.modes if not m.learnt and m.available]
    if not unl:
        raise InvalidArgumentError("this saddle has no unlearnt mode with a free hidden coordinate: no escape rays")
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


# --------------------------------------------------------------------------- escape times (the open problem of saddle escape)


_FAST = {"method": "LSODA", "max_step": np.inf}
