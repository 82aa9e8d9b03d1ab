r"""Stable and unstable sets of a saddle, mode by mode, and the escape law along a ray.

At the critical point of a learnt set :math:`S` the flow restricted to an aligned start
decouples into modes; along each unlearnt mode the sign rays are stable or unstable sets,
with the algebraic (or, for :math:`h = 2`, exponential) law :func:`saddle_escape_law`
(Wendin and Altafini, arXiv:2511.10362, Section 5). :func:`saddle_manifolds` lists them;
:mod:`deeplinear.escape` follows flows started on them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_depth,
    as_positive,
    as_real,
    as_real_array,
    as_widths,
)
from .critical import CriticalPoint, _hidden_positions, critical_point
from .quotient import _fmt, _fmt_subset, _sigma_modes, _value_tol
from .curvature import Inertia, hessian, inertia
from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "saddle_escape_law",
    "ModeManifold",
    "SaddleManifolds",
    "saddle_manifolds",
]


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
        algebraic law, ``inf`` where the unstable exponential law (``h = 2``) exceeds the
        float range.

    Raises
    ------
    ValueError
        If ``h < 1``, ``sigma`` is negative, or ``sigma``, ``a0`` or ``t`` is not finite.
    TypeError
        If ``h`` is not an integer, ``sigma`` or ``a0`` not a real number, or ``t`` not real.

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
    a0 = abs(as_real(a0, "a0"))
    t = as_real_array(t, "t", allow_empty=True)
    sgn = -1.0 if stable else 1.0
    if h == 1 or a0 == 0.0:
        return np.full_like(t, a0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if h == 2:
            return a0 * np.exp(sgn * sigma * t)  # inf beyond the float range (the law grows without bound)
        base = a0 ** (2 - h) - sgn * (h - 2) * sigma * t
        return np.where(base > 0, np.abs(base) ** (-1.0 / (h - 2)), np.nan)  # nan past the blow-up time


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

    Inside the aligned submanifold (one scalar chain per mode), the saddle's
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
        raise InvalidArgumentError(f"mode {k} is not a positive singular value's index here ({[m.mode for m in self.modes]})")

    def mode_direction(self, k: int) -> list[np.ndarray]:
        r"""Unit pieces carrying mode ``k`` through every layer: :math:`E_k = (y_i b_i^\top)_i`
        with :math:`y_h = u_k`, :math:`b_1 = v_k` and hidden coordinate vectors."""
        mm = self.mode(k)
        if not mm.available:
            raise InvalidArgumentError(f"mode {k} has no free hidden coordinate at S = {_fmt_subset(self.point.subset)}")
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
            raise InvalidArgumentError(f"signs must be {h} entries of +1 or -1, got {tuple(signs)!r}")
        E = self.mode_direction(k)
        return [np.array(w) + float(a) * si * e for w, si, e in zip(self.point.weights, s, E)]

    def ray_points(self, k: int, a: float, *, stable: bool = True) -> list[tuple[tuple[int, ...], list[np.ndarray]]]:
        """Sample points at amplitude ``a`` on every stable (or unstable) ray of unlearnt mode ``k``,
        as ``(signs, weights)`` pairs."""
        mm = self.mode(k)
        if mm.learnt:
            raise InvalidArgumentError(f"mode {k} is learnt; its stable set is the balanced line (use ray_point)")
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


def _require_manifolds(manifolds: object) -> SaddleManifolds:
    if not isinstance(manifolds, SaddleManifolds):
        raise ArgumentTypeError(f"manifolds must be a SaddleManifolds (from dl.saddle_manifolds), got {type(manifolds).__name__}")
    return manifolds
