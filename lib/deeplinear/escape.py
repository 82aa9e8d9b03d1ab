r"""Escape from a saddle: stable and unstable sets, flows from a saddle, the Hessian's view.

**Stable and unstable sets** (digest 3.5). On the aligned submanifold the flow decouples into
scalar chains :math:`\dot w_i = \prod_{j\ne i} w_j\,(\sigma - \prod_j w_j)`, one per mode. The
lines :math:`w_i = s_i a` (signs :math:`s_i = \pm1`) are invariant and along them
:math:`\frac{d|a|}{dt} = \operatorname{sign}(\textstyle\prod s_i \operatorname{sign}(a)^h)\,
\sigma|a|^{h-1} - |a|^{2h-1}`. At an unlearnt mode (:math:`a = 0`) a ray whose product has
the sign of :math:`\sigma` is *unstable*, the others are *stable*; for :math:`h = 2` this is
hyperbolic (rates :math:`\pm\sigma`), for :math:`h \ge 3` the linearisation vanishes and the
escape is algebraic, :math:`|a(t)|^{2-h} \approx |a_0|^{2-h} - (h-2)\sigma t`
(:func:`saddle_escape_law`, :func:`saddle_manifolds`, :func:`flow_from_saddle`). The orthogonal
transforms that fix :math:`A_S` move rays to other points of the same set
(:func:`saddle_samples`, :func:`saddle_sample_flows`), and the Hessian sees the escape
directions only for :math:`h = 2` (:func:`escape_direction_span`). The escape times from
perturbed saddles and their small-scale limit (:func:`saddle_escape_times`,
:func:`escape_phase_blowup_time`, :func:`escape_phase_scaling`) are the open problem's data.

References: Saxe, McClelland and Ganguli 2014 (mode dynamics); Achour, Malgouyres and
Gerchinovitz 2024; Wendin and Altafini, arXiv:2511.10362, Section 4.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_matrix, as_positive, as_rng, as_weights, as_widths, check_sigma, widths_of
from ._validation import as_positive_values as _positive_values
from ._validation import frozen_array as _frozen
from .classification import classify
from .critical import (
    CriticalPoint,
    _fmt,
    _fmt_subset,
    _hidden_positions,
    _readonly,
    _sigma_modes,
    _value_tol,
    critical_point,
)
from .curvature import Inertia, flatten_weights, hessian, inertia
from .flow import gradient_flow
from .init import random_init
from .invariants import gl_action
from .losses import linear
from .orbits import _orbit_tangent_matrix, stabilizer_rotations
from .objective import loss
from .trajectory import Event, Trajectory

__all__ = [
    "saddle_escape_law",
    "ModeManifold",
    "SaddleManifolds",
    "saddle_manifolds",
    "FlowFromSaddle",
    "flow_from_saddle",
    "saddle_samples",
    "SaddleSampleFlows",
    "saddle_sample_flows",
    "EscapeSpan",
    "escape_direction_span",
    "SaddleEscapeTimes",
    "saddle_escape_times",
    "escape_phase_blowup_time",
    "EscapePhaseScaling",
    "escape_phase_scaling",
]

# --------------------------------------------------------------------------- stable / unstable sets


def saddle_escape_law(t: float | np.ndarray, a0: float, sigma: float, h: int, *, stable: bool = False) -> np.ndarray:
    r"""Leading-order size :math:`|a(t)|` of a mode leaving (or approaching) its saddle along a ray.

    Near :math:`a = 0` the ray dynamics is :math:`\frac{d|a|}{dt} \approx \pm\sigma|a|^{h-1}`
    (``+`` unstable, ``-`` stable), so

    * ``h = 2``: :math:`|a(t)| = |a_0| e^{\pm\sigma t}` (hyperbolic, exponential);
    * ``h >= 3``: :math:`|a(t)|^{2-h} = |a_0|^{2-h} \mp (h-2)\sigma t` (algebraic; the unstable
      law blows up at :math:`t^\ast = |a_0|^{2-h}/((h-2)\sigma)`, returned as ``nan`` from there);
    * ``h = 1``: :math:`|a(t)| = |a_0|` to this order (no saddle).

    The neglected term is :math:`-|a|^{2h-1}`, so the law holds while :math:`|a|^h \ll \sigma`.

    Parameters
    ----------
    t : float or ndarray
        Times since the start.
    a0 : float
        Initial amplitude (its absolute value is used).
    sigma : float
        The mode's singular value, ``>= 0``.
    h : int
        Depth, ``>= 1``.
    stable : bool, default False
        The approach along a stable ray (``True``) or the escape along an unstable one.

    Returns
    -------
    ndarray
        :math:`|a(t)|`, the shape of ``t``; ``nan`` past the blow-up time of the unstable
        algebraic law.

    Raises
    ------
    ValueError
        If ``h < 1`` or ``sigma`` is negative or not finite.
    TypeError
        If ``h`` is not an integer or ``sigma`` not a number.

    References
    ----------
    Saxe, McClelland and Ganguli 2014.

    Examples
    --------
    >>> dl.saddle_escape_law([0.0, 1.0], 0.1, 2.0, 2)           # 0.1 exp(2 t)
    array([0.1     , 0.738906])
    >>> dl.saddle_escape_law([0.0, 1.0, 10.0], 0.1, 2.0, 3)     # 1/|a| = 10 - 2 t
    array([0.1  , 0.125,   nan])
    >>> dl.saddle_escape_law([0.0, 1.0], 0.1, 2.0, 3, stable=True)
    array([0.1     , 0.083333])
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
        Its singular value :math:`\sigma_k`.
    learnt : bool
        Whether ``k`` is in the learnt set ``S``.
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

    Examples
    --------
    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> m = man.mode(2)
    >>> m.learnt, m.available, m.stable_rays, m.linear_rates
    (False, True, ((1, -1), (-1, 1)), (2.0, -2.0))
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
    depth : int
        ``h`` (a property).

    Examples
    --------
    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    >>> man.stable_dimension, man.unstable_dimension, man.hessian_inertia.negative
    (3, 2, 0)
    >>> W = man.ray_point(2, (1, 1, 1), 0.1)
    >>> man.mode_amplitudes(2, W)
    array([0.1, 0.1, 0.1])
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

    Parameters
    ----------
    subset : collection of int
        The learnt set ``S`` (1-based; see :func:`deeplinear.critical_point`).
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    SaddleManifolds

    Raises
    ------
    ValueError
        If ``subset`` is not admissible or the shapes do not match (as
        :func:`deeplinear.critical_point`).

    References
    ----------
    Saxe, McClelland and Ganguli 2014; Achour, Malgouyres and Gerchinovitz 2024.

    Examples
    --------
    For ``h = 3`` the unlearnt modes have zero linearisation: the Hessian has no negative
    eigenvalue, yet the saddle has two unstable directions.

    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3, 3))
    >>> man.unstable_dimension, man.hessian_inertia.negative
    (2, 0)
    >>> man.mode(2).stable_rays
    ((1, 1, -1), (1, -1, 1), (-1, 1, 1), (-1, -1, -1))
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
        Half-width of the uniform moves :math:`\delta_k` of the learnt modes (stable samples).

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


# --------------------------------------------------------------------------- escape times (the open problem of saddle escape)


_FAST = {"method": "LSODA", "max_step": np.inf}


def _seeds(seeds: object) -> tuple[int, ...]:
    out = tuple(int(x) for x in seeds)  # type: ignore[union-attr]
    if not out:
        raise ValueError("seeds must name at least one seed")
    return out


def _square(r: int, h: int) -> tuple[int, ...]:
    return (r,) * (h + 1)


@dataclass(frozen=True)
class SaddleEscapeTimes:
    r"""Escape times from a non-strict and a strict saddle with the same critical value.

    Attributes
    ----------
    Sigma : ndarray
        The target (square diagonal).
    h : int
        The depth.
    points : dict
        ``{"non-strict": weights, "strict": weights}``: the balanced representative of the
        learnt set ``{1}`` (:func:`deeplinear.critical_point`) and the point
        :math:`(\sqrt{\sigma_1}e_1e_1^\top, I, \dots, I, \sqrt{\sigma_1}e_1e_1^\top)`.
    kinds : dict
        :func:`deeplinear.classify` of each point (``kind``).
    lambda_min : dict
        The smallest Hessian eigenvalue of each point.
    value : float
        The common critical value :math:`L_{\{1\}}`.
    threshold : float
        A flow has escaped when its loss falls below this (half of :math:`L_{\{1\}}`).
    eps : ndarray
        Sizes of the perturbations (Frobenius norm over all layers).
    seeds : tuple of int
        One random unit direction per seed, the same for both points and every ``eps``.
    times : dict
        ``{kind: ndarray of shape (n_eps, n_seeds)}``; ``inf`` if no escape by ``t_max``.
    t_max : float
        The end of the integration.

    Examples
    --------
    >>> et = dl.saddle_escape_times(h=3, eps=(0.3, 0.1), seeds=(0,), t_max=1e3)
    >>> et.kinds["strict"], et.value, et.times["strict"].shape
    ('strict saddle', 2.0, (2, 1))
    >>> np.round(et.median("strict"), 2)
    array([1.88, 2.6 ])
    """

    Sigma: np.ndarray
    h: int
    points: dict
    kinds: dict
    lambda_min: dict
    value: float
    threshold: float
    eps: np.ndarray
    seeds: tuple
    times: dict
    t_max: float

    def median(self, which: str) -> np.ndarray:
        """Median escape time over the seeds, for each ``eps``."""
        return np.median(self.times[which], axis=1)

    def slope(self, which: str) -> float:
        r"""Least-squares slope of :math:`\log(\text{median time})` against :math:`\log\varepsilon`."""
        m = self.median(which)
        ok = np.isfinite(m)
        return float(np.polyfit(np.log(self.eps[ok]), np.log(m[ok]), 1)[0])


def saddle_escape_times(
    Sigma: np.ndarray | None = None,
    h: int = 3,
    eps: Sequence[float] = (0.3, 0.1, 0.03, 0.01),
    seeds: Sequence[int] = tuple(range(6)),
    *,
    t_max: float = 1e4,
) -> SaddleEscapeTimes:
    r"""Perturb a non-strict and a strict saddle of the same value and time the escape.

    Square widths ``(r, ..., r)`` with :math:`\Sigma` square diagonal, ``r >= 2`` (default
    :math:`\mathrm{diag}(3, 2)`). Both points have learnt the largest singular value only, so
    both have the value :math:`L_{\{1\}} = \tfrac12\sum_{k\ge2}\sigma_k^2`. Each start is the
    point plus ``eps`` times a Gaussian direction of unit Frobenius norm; the escape time is
    when the loss first falls below :math:`L_{\{1\}}/2` (terminal :class:`deeplinear.trajectory.Event`).

    Parameters
    ----------
    Sigma : ndarray, shape (r, r), optional
        Square diagonal with strictly decreasing positive entries; default ``diag(3, 2)``.
    h : int, default 3
        Depth, ``>= 3``.
    eps : sequence of float, default (0.3, 0.1, 0.03, 0.01)
        Perturbation sizes in ``(0, 1)``.
    seeds : sequence of int, default 0..5
        One random direction per seed.
    t_max : float, default 1e4
        Integrate over ``[0, t_max]`` (LSODA).

    Returns
    -------
    SaddleEscapeTimes

    Raises
    ------
    ValueError
        If ``Sigma`` is not square diagonal with strictly decreasing positive entries and
        ``r >= 2``, ``h < 3``, ``eps`` is empty or outside ``(0, 1)``, ``seeds`` is empty, or
        ``t_max`` is not positive.

    Examples
    --------
    The strict saddle is left quickly; the non-strict one, with the same value, much later:

    >>> et = dl.saddle_escape_times(h=3, eps=(0.3, 0.1), seeds=(0,), t_max=1e3)
    >>> et.kinds["non-strict"], et.lambda_min["strict"]
    ('non-strict saddle', -2.0)
    >>> bool(np.all(et.times["non-strict"] > 4 * et.times["strict"]))
    True
    """
    S = np.diag([3.0, 2.0]) if Sigma is None else as_matrix(Sigma, "Sigma")
    r = S.shape[0]
    if S.shape != (r, r) or r < 2 or np.count_nonzero(S - np.diag(np.diag(S))) or np.any(np.diff(np.diag(S)) >= 0) \
            or np.diag(S)[-1] <= 0:
        raise ValueError(f"Sigma must be square diagonal with strictly decreasing positive entries, r >= 2, got {S.tolist()}")
    h = as_depth(h)
    if h < 3:
        raise ValueError(f"a non-strict saddle of this kind needs depth h >= 3, got h = {h}")
    eps_arr = np.array([as_positive(e, "eps") for e in eps], dtype=float)
    if eps_arr.size == 0 or np.any(eps_arr >= 1.0):
        raise ValueError(f"eps must be a non-empty list of sizes in (0, 1), got {list(eps)!r:.80}")
    seeds = _seeds(seeds)
    t_max = as_positive(t_max, "t_max")
    d = _square(r, h)
    cp = critical_point((1,), S, d)
    e1 = np.zeros((r, r))
    e1[0, 0] = np.sqrt(S[0, 0])
    strict = [e1.copy()] + [np.eye(r) for _ in range(h - 2)] + [e1.copy()]
    points = {"non-strict": [np.array(w) for w in cp.weights], "strict": strict}
    kinds, lam = {}, {}
    for name, W in points.items():
        c = classify(W, S)
        kinds[name] = c.kind
        lam[name] = float(c.lambda_min)
    threshold = 0.5 * cp.value
    ev = Event("escape", lambda t, Ws: loss(Ws, S) - threshold, terminal=True, direction=-1.0)
    times = {name: np.full((eps_arr.size, len(seeds)), np.inf) for name in points}
    for j, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        Z = [rng.standard_normal(w.shape) for w in strict]
        nz = np.sqrt(sum(float(np.sum(z * z)) for z in Z))
        for i, e in enumerate(eps_arr):
            for name, W in points.items():
                W0 = [w + e * z / nz for w, z in zip(W, Z)]
                tr = gradient_flow(W0, S, (0.0, t_max), events=[ev], **_FAST)
                hit = tr.events.get("escape", ())
                if len(hit):
                    times[name][i, j] = float(hit[0])
    return SaddleEscapeTimes(_frozen(S), h, points, kinds, lam, float(cp.value), threshold, _frozen(eps_arr), seeds,
                             {k: _frozen(v) for k, v in times.items()}, t_max)


def escape_phase_blowup_time(weights0: Sequence[np.ndarray], Sigma: np.ndarray, *, bound: float = 1e6,
                             t_max: float = 1e4) -> float:
    r"""Blow-up time :math:`\tau` of the escape-phase flow from ``weights0``.

    Near the origin the quadratic terms of the gradient flow dominate the cubic ones; dropping
    the latter leaves

    .. math:: \dot W_j = W_{j+1:h}^\top\, \Sigma\, W_{1:j-1}^\top ,

    the gradient flow of the linear loss :math:`-\langle\Sigma, W_{1:h}\rangle`
    (:class:`deeplinear.losses.LinearLoss`). Its right-hand side is homogeneous of degree :math:`h - 1`,
    and for :math:`h \ge 3` its solutions typically reach infinity in finite time. Returned: the time at which the largest layer norm reaches
    ``bound`` (within :math:`O(\text{bound}^{2-h})` of the blow-up time), or ``inf`` if that does
    not happen by ``t_max``.

    Parameters
    ----------
    weights0 : list of ndarray
        The start ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix.
    bound : float, default 1e6
        The layer norm taken as infinity.
    t_max : float, default 1e4
        Integrate over ``[0, t_max]``.

    Returns
    -------
    float
        :math:`\tau`, or ``inf``.

    Raises
    ------
    ValueError
        For depth ``h < 3`` (the escape-phase flow of depth two is linear and grows
        exponentially, without blow-up), a misshapen ``Sigma``, or a non-positive ``bound`` or
        ``t_max``.
    TypeError
        If ``weights0`` is not a list of matrices.

    Examples
    --------
    From the identity the layers stay equal, :math:`\dot w = \sigma_1 w^2`, and blow up at
    :math:`1/\sigma_1 = 1/3`:

    >>> round(dl.escape_phase_blowup_time([np.eye(2)] * 3, np.diag([3.0, 2.0])), 4)
    0.3333
    """
    W = as_weights(weights0, "weights0")
    d = widths_of(W)
    if len(W) < 3:
        raise ValueError(f"the escape phase blows up in finite time only for depth h >= 3, got h = {len(W)}")
    S = check_sigma(Sigma, d)
    bound = as_positive(bound, "bound")
    t_max = as_positive(t_max, "t_max")
    tr = gradient_flow(W, None, (0.0, t_max), end_to_end_loss=linear(S), events={"blowup": {"bound": bound}},
                       warn=False, **_FAST)
    return float(tr.t[-1]) if tr.status == "blowup" else float("inf")


@dataclass(frozen=True)
class EscapePhaseScaling:
    r"""First escape times of random starts :math:`sZ` against the escape-phase blow-up time.

    Attributes
    ----------
    h : int
        The depth.
    singular_values : ndarray
        The diagonal of :math:`\Sigma`.
    scales : ndarray
        The scales ``s``.
    seeds : tuple of int
        The seeds of the starts :math:`Z`.
    taus : ndarray, shape (n_seeds,)
        :func:`escape_phase_blowup_time` from :math:`Z` (entries standard normal).
    times : ndarray, shape (n_seeds, n_scales)
        First time the loss of the full flow from :math:`sZ` falls below the midpoint between
        the first two rungs, :math:`\tfrac12\sum_k\sigma_k^2 - \tfrac14\sigma_1^2`.
    distribution_seeds : tuple of int
        Seeds of the sample of :math:`\tau(Z)`.
    distribution : ndarray
        :math:`\tau(Z)` for each of ``distribution_seeds``.
    aligned_tau : float
        :math:`1/((h-2)\sigma_1)`: the blow-up time of the aligned balanced start with layer
        value 1.
    scaled_times : ndarray, shape (n_seeds, n_scales)
        :math:`s^{h-2}\,T(s)` (a property).
    relative_gap : ndarray, shape (n_seeds, n_scales)
        :math:`|s^{h-2}T(s) - \tau(Z)| / \tau(Z)` (a property).

    Examples
    --------
    >>> sc = dl.escape_phase_scaling(h=3, scales=(0.1, 0.03), seeds=(0,), singular_values=(3.0, 2.0),
    ...                              distribution_seeds=(0,), t_max=1e4)
    >>> sc.times.shape, round(sc.aligned_tau, 4)
    ((1, 2), 0.3333)
    """

    h: int
    singular_values: np.ndarray
    scales: np.ndarray
    seeds: tuple
    taus: np.ndarray
    times: np.ndarray
    distribution_seeds: tuple
    distribution: np.ndarray
    aligned_tau: float

    @property
    def scaled_times(self) -> np.ndarray:
        r""":math:`s^{h-2}\,T(s)`, shape ``(n_seeds, n_scales)``."""
        return self.times * self.scales[None, :] ** (self.h - 2)

    @property
    def relative_gap(self) -> np.ndarray:
        r""":math:`|s^{h-2}T(s) - \tau(Z)| / \tau(Z)` for every seed and scale."""
        return np.abs(self.scaled_times - self.taus[:, None]) / self.taus[:, None]


def escape_phase_scaling(
    h: int = 3,
    scales: Sequence[float] = (0.1, 0.03, 0.01),
    seeds: Sequence[int] = tuple(range(6)),
    *,
    singular_values: Sequence[float] = (3.0, 2.0, 1.0),
    distribution_seeds: Sequence[int] = tuple(range(30)),
    t_max: float = 1e6,
) -> EscapePhaseScaling:
    r"""Compare the first escape time :math:`T(s)` of the start :math:`sZ` with :math:`\tau(Z)/s^{h-2}`.

    Square widths ``(r, ..., r)``, :math:`\Sigma = \mathrm{diag}(\sigma)`, and
    ``Z = deeplinear.random_init(widths, numpy.random.default_rng(seed), 1.0)``.

    Parameters
    ----------
    h : int, default 3
        Depth, ``>= 3``.
    scales : sequence of float, default (0.1, 0.03, 0.01)
        Scales ``s`` in ``(0, 1)``.
    seeds : sequence of int, default 0..5
        Seeds of the starts :math:`Z` whose escape times are measured.
    singular_values : sequence of float, default (3, 2, 1)
        The diagonal of :math:`\Sigma` (positive), ``r`` of them.
    distribution_seeds : sequence of int, default 0..29
        Seeds of the sample of :math:`\tau(Z)`.
    t_max : float, default 1e6
        Integrate the full flow over ``[0, t_max]``.

    Returns
    -------
    EscapePhaseScaling

    Raises
    ------
    ValueError
        If ``h < 3``, ``scales`` is empty or outside ``(0, 1)``, a seed list is empty, the
        singular values are not positive, or ``t_max`` is not positive.

    Examples
    --------
    The rescaled escape time approaches the blow-up time as the scale shrinks:

    >>> sc = dl.escape_phase_scaling(h=3, scales=(0.1, 0.03), seeds=(0,), singular_values=(3.0, 2.0),
    ...                              distribution_seeds=(0,), t_max=1e4)
    >>> np.round(sc.relative_gap, 3)
    array([[0.06 , 0.018]])
    """
    h = as_depth(h)
    if h < 3:
        raise ValueError(f"the escape-phase scaling s^(h-2) needs depth h >= 3, got h = {h}")
    s = _positive_values(singular_values)
    sc = np.array([as_positive(x, "scales") for x in scales], dtype=float)
    if sc.size == 0 or np.any(sc >= 1.0):
        raise ValueError(f"scales must be a non-empty list of small scales in (0, 1), got {list(scales)!r:.80}")
    seeds = _seeds(seeds)
    dseeds = _seeds(distribution_seeds)
    t_max = as_positive(t_max, "t_max")
    d = _square(s.size, h)
    S = np.diag(s)
    srt = np.sort(s)[::-1]
    level = 0.5 * float(np.sum(s**2)) - 0.25 * float(srt[0] ** 2)
    ev = Event("escape", lambda t, Ws: loss(Ws, S) - level, terminal=True, direction=-1.0)

    def Z_of(seed: int) -> list[np.ndarray]:
        return random_init(d, np.random.default_rng(seed), 1.0)

    taus = np.array([escape_phase_blowup_time(Z_of(k), S) for k in seeds])
    times = np.full((len(seeds), sc.size), np.inf)
    for j, seed in enumerate(seeds):
        Z = Z_of(seed)
        for i, x in enumerate(sc):
            tr = gradient_flow([x * z for z in Z], S, (0.0, t_max), events=[ev], **_FAST)
            hit = tr.events.get("escape", ())
            if len(hit):
                times[j, i] = float(hit[0])
    dist = np.array([escape_phase_blowup_time(Z_of(k), S) for k in dseeds])
    return EscapePhaseScaling(h, _frozen(s), _frozen(sc), seeds, _frozen(taus), _frozen(times), dseeds, _frozen(dist),
                              1.0 / ((h - 2) * float(srt[0])))
