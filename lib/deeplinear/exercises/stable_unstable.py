r"""Checkers for the exercises of the chapter on stable and unstable sets at saddles."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable

import numpy as np

from ..manifolds import saddle_escape_law
from ..scalar import scalar_vector_field
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_stable_rays", "check_escape_law"]


def _not_yet(err: str) -> CheckResult:
    if "NotImplementedError" in err:
        return CheckResult(False, "not yet implemented: replace the line `raise NotImplementedError(...)` with your code.")
    return CheckResult(False, err)


def _ray_is_stable(signs: tuple[int, ...], sigma: float) -> bool:
    r"""Decided from the vector field itself: on :math:`w = s a` the common rate :math:`\dot w_i s_i` is negative."""
    a = 1e-2
    v = scalar_vector_field(a * np.array(signs, dtype=float), sigma)
    return bool(v[0] * signs[0] < 0)


def _as_sign_set(got: object, h: int) -> tuple[set[tuple[int, ...]] | None, str]:
    if got is None or isinstance(got, (str, bytes)) or not isinstance(got, Iterable):
        return None, f"return a list of sign tuples such as [(1, -1), (-1, 1)], got {got!r:.80}"
    out: set[tuple[int, ...]] = set()
    for item in got:
        try:
            s = tuple(int(real_answer(x, scalar=True)) for x in item)
        except (TypeError, ValueError, OverflowError):
            return None, f"every entry must be a tuple of h signs +1/-1, got {item!r:.60}"
        if len(s) != h or any(x not in (-1, 1) for x in s):
            return None, f"for h = {h} every entry must be {h} signs, each +1 or -1; got {item!r:.60}"
        if s in out:
            return None, f"for h = {h} the ray {s} is listed twice: list each stable ray once"
        out.add(s)
    return out, ""


@checker
def check_stable_rays(fn: Callable[[int, float], Iterable[tuple[int, ...]]]) -> CheckResult:
    r"""Check ``fn(h, sigma)``: the sign vectors :math:`s` whose rays :math:`w = s\,a` (``a > 0``) flow into the origin.

    The scalar chain of depth ``h`` with target ``sigma`` (of either sign, non-zero). The
    expected answer is decided from :func:`deeplinear.scalar_vector_field` on each ray; it is
    the set of :math:`s` with :math:`\operatorname{sgn}(\sigma)\prod_i s_i = -1`,
    :math:`2^{h-1}` rays. Tested for depths 2 to 6 and targets of both signs (seven cases);
    listing the unstable rays, only the balanced ray, or the wrong rule for a negative target
    is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(h, sigma)``: ``h`` an int ``>= 2`` and ``sigma`` a non-zero
        float; it returns an iterable of sign tuples, each of ``h`` entries ``+1`` or ``-1``
        (the order does not matter).

    Returns
    -------
    CheckResult
        ``passed`` is True when the set of rays is right in all seven cases; otherwise the
        message names the first wrong case, the missing and the extra rays. An exception raised
        by ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> import itertools, math
    >>> def stable_rays(h, sigma):
    ...     return [s for s in itertools.product((1, -1), repeat=h) if math.prod(s) * sigma < 0]
    >>> dl.exercises.check_stable_rays(stable_rays).passed
    True
    """
    cases = [(2, 1.0), (3, 1.0), (4, 2.0), (5, 0.5), (6, 1.5), (3, -1.0), (4, -2.0)]
    for h, sigma in cases:
        signs = list(itertools.product((1, -1), repeat=h))
        expected = {s for s in signs if _ray_is_stable(s, sigma)}
        got, err = call_safely(fn, h, sigma)
        if err:
            return _not_yet(err)
        got_set, problem = _as_sign_set(got, h)
        if got_set is None:
            return CheckResult(False, problem)
        if got_set == expected:
            continue
        where = f"for h = {h} and sigma = {sigma:g}"
        balanced_neg = (-1,) * h
        opposite = {s for s in signs if s not in expected}
        if sigma < 0 and got_set == {s for s in signs if math.prod(s) < 0}:
            return CheckResult(False, f"{where} (a negative target) you gave the rays with negative product; the rule is "
                                      "'product of the signs opposite to sigma', so here the product must be positive")
        if got_set == opposite:
            return CheckResult(False, f"{where} you listed the unstable rays: on them |a| grows, because the product of the "
                                      "signs has the sign of sigma. The stable rays are the others.")
        if got_set <= {balanced_neg}:
            return CheckResult(False, f"{where} the stable rays are {len(expected)} rays, not just (at most) the balanced ray "
                                      f"{balanced_neg}: any ray whose sign product is opposite to sigma comes back "
                                      "(e.g. (-1, 1) for h = 2)")
        missing = sorted(expected - got_set, reverse=True)
        extra = sorted(got_set - expected, reverse=True)
        msg = f"{where}: "
        if missing:
            msg += f"missing stable ray(s) {missing[:3]}{' ...' if len(missing) > 3 else ''}"
        if extra:
            msg += ("; " if missing else "") + f"{extra[:3]}{' ...' if len(extra) > 3 else ''} leave the origin"
        return CheckResult(False, msg + f" (there are {len(expected)} stable rays)")
    return CheckResult(True, f"your stable rays are right for depths 2 to 6 and targets of both signs "
                             "(2**(h-1) rays each: product of the signs opposite to sigma).")


@checker
def check_escape_law(fn: Callable[[int, float, float, np.ndarray], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(h, sigma, a0, t)``: the leading-order size :math:`|a(t)|` on an unstable ray.

    ``h = 2``: :math:`a_0 e^{\sigma t}`; ``h >= 3``: :math:`(a_0^{2-h} - (h-2)\sigma t)^{-1/(h-2)}`
    before the blow-up time :math:`t^\ast = a_0^{2-h}/((h-2)\sigma)` and ``nan`` from it on
    (compared with :func:`deeplinear.saddle_escape_law`).

    The law solves :math:`\dot a = \sigma a^{h-1}`, the leading order of the scalar flow near
    the origin on a ray whose sign product has the sign of :math:`\sigma`. Compared to relative
    accuracy ``1e-8`` in seven cases on 14 times up to :math:`1.5\,t^\ast`; the exponential law
    for ``h >= 3`` and a missing factor ``h - 2`` are named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(h, sigma, a0, t)``: ``h`` an int ``>= 2``, ``sigma`` and
        ``a0`` positive floats and ``t`` an ndarray of shape ``(14,)`` of times; it returns an
        array of shape ``(14,)``.
    seed : int, optional
        Seed of the random cases (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the law is right in all seven cases, with ``nan`` after the
        blow-up; otherwise the message names the first wrong case. An exception raised by
        ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> def escape(h, sigma, a0, t):
    ...     return dl.saddle_escape_law(t, a0, sigma, h)
    >>> dl.exercises.check_escape_law(escape).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(2, 1.0, 0.1), (3, 2.0, 0.05), (4, 1.0, 0.2), (5, 0.5, 0.3)]
    cases += [(int(rng.integers(3, 7)), float(rng.uniform(0.5, 3.0)), float(rng.uniform(0.05, 0.4))) for _ in range(3)]
    no_nan = None
    for h, sigma, a0 in cases:
        t_star = a0 ** (2 - h) / ((h - 2) * sigma) if h >= 3 else 3.0 / sigma
        t = np.linspace(0.0, 1.5 * t_star, 14)  # t* itself is not a grid point
        expected = saddle_escape_law(t, a0, sigma, h)
        with np.errstate(all="ignore"):
            got, err = call_safely(fn, h, sigma, a0, t.copy())
        if err:
            return _not_yet(err)
        try:
            got = real_answer(got).reshape(-1)
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not an array of sizes |a(t)|")
        if got.shape != t.shape:
            return CheckResult(False, f"return one value per time: {t.size} values for t of shape {t.shape}, got {got.size}")
        fin = np.isfinite(expected)
        where = f"for h = {h}, sigma = {sigma:.3g}, a0 = {a0:.3g}"
        with np.errstate(over="ignore"):
            exponential = a0 * np.exp(sigma * t[fin])
        if h >= 3 and np.allclose(got[fin], exponential, rtol=1e-6):
            return CheckResult(False, f"{where} you used the exponential law a0 exp(sigma t): that is the h = 2 case. For "
                                      "h >= 3 the linearisation vanishes; solve da/dt = sigma a^(h-1) instead")
        bad = ~np.isclose(got, expected, rtol=1e-8, atol=0.0) & fin
        if np.any(bad):
            k = int(np.argmax(bad))
            hint = ""
            if h >= 4:
                with np.errstate(all="ignore"):
                    alt = np.abs(a0 ** (2 - h) - sigma * t[k]) ** (-1.0 / (h - 2))
                if np.isclose(got[k], alt, rtol=1e-8):
                    hint = ": the factor (h - 2) in a^(2-h) = a0^(2-h) - (h-2) sigma t is missing"
            return CheckResult(False, f"{where} at t = {t[k]:.4g} the law gives {expected[k]:.6g}, you gave {got[k]:.6g}{hint}")
        tail = got[~fin]
        if no_nan is None and np.any(np.isfinite(tail)):
            no_nan = (f"{where} the leading-order law blows up at t* = {t_star:.4g}; from t* on return nan (you gave "
                      f"{tail[np.isfinite(tail)][0]:.4g} at a time after t*)")
    if no_nan is not None:
        return CheckResult(False, no_nan)
    return CheckResult(True, "your law matches dl.saddle_escape_law: exponential for h = 2, algebraic with a finite-time "
                             "blow-up for h >= 3.")
