r"""Checkers for the exercises of the chapter on second-order analysis (strict and non-strict saddles).

The reference answers are the library's :func:`deeplinear.hessian_quadratic_form` and
:func:`deeplinear.orbit_tangent_vector`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.linalg import expm

from ..curvature import _quadratic_form_parts, flatten_weights, hessian
from ..invariants import gl_action
from ..critical import critical_point
from ..orbits import orbit_tangent_vector
from .base import CheckResult, checker, real_answer

__all__ = ["check_hessian_quadratic_form", "check_orbit_tangent"]


def _call(fn: Callable, *args):
    """``call_safely`` with a friendly word for the unfinished stub."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, "not yet implemented: write the function body and run the cell again"
    except Exception as exc:  # the reader's code: report, never propagate
        return None, f"your function raised {type(exc).__name__}: {exc}"


def _as_float(value: object) -> float | None:
    try:
        out = float(real_answer(value).reshape(()))
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _quadratic_cases(rng: np.random.Generator):
    cases = []
    for h, d in ((1, (2, 3)), (2, (2, 3, 2)), (3, (3, 2, 4, 2)), (4, (2, 3, 2, 3, 2))):
        W = [rng.standard_normal((d[i + 1], d[i])) for i in range(h)]
        cases.append(("a random network", W, rng.standard_normal((d[-1], d[0]))))
    Sigma = np.diag([3.0, 2.0])
    cases.append(("the origin with h = 2", [np.zeros((2, 2))] * 2, Sigma))
    cases.append(("the balanced saddle S = {1} with h = 3", list(critical_point([1], Sigma, (2, 2, 2, 2)).weights), Sigma))
    return cases


@checker
def check_hessian_quadratic_form(
    fn: Callable[[list[np.ndarray], np.ndarray, list[np.ndarray]], float], *, seed: int = 0
) -> CheckResult:
    r"""Check ``fn(weights, Sigma, V)``: the number :math:`V^\top \nabla^2 L\, V` (``V`` a list of layers).

    Compared with ``flatten(V) @ dl.hessian(weights, Sigma) @ flatten(V)`` to a relative
    ``1e-6`` on random networks of depth 1 to 4 and at two critical points; wrong answers that
    keep only the Gauss–Newton part, flip the sign of the residual part or drop its factor 2
    are recognised. The right answer splits as

    .. math::

       V^\top \nabla^2 L\, V = \lVert DP[V] \rVert_F^2 - \langle \Sigma - W_{1:h},\, D^2P[V, V] \rangle ,

    with :math:`P = W_h \cdots W_1` the end-to-end map
    (:func:`deeplinear.hessian_quadratic_form`).

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, Sigma, V)``: ``weights`` and ``V`` lists of ``h``
        ndarrays (``W_i`` and ``V_i`` of shape ``(d_i, d_{i-1})``) and ``Sigma`` an ndarray of
        shape ``(d_h, d_0)``; it returns one real number.
    seed : int, optional
        Seed of the random networks and directions (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the quadratic form is right at all six points; otherwise the
        message names the first wrong point with a hint. A stub that raises
        ``NotImplementedError`` gets a friendly note; any other exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_hessian_quadratic_form(dl.hessian_quadratic_form).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = _quadratic_cases(rng)
    for name, W, Sigma in cases:
        V = [rng.standard_normal(w.shape) for w in W]
        v = flatten_weights(V)
        expected = float(v @ hessian(W, Sigma) @ v)
        got, err = _call(fn, [w.copy() for w in W], Sigma.copy(), [x.copy() for x in V])
        if err:
            return CheckResult(False, err)
        value = _as_float(got)
        if value is None:
            return CheckResult(False, f"your function returned {got!r:.80}, not a real number")
        scale = max(1.0, abs(expected))
        if abs(value - expected) <= 1e-6 * scale:
            continue
        gn, res = _quadratic_form_parts(W, Sigma, V)
        depth = len(W)
        if abs(value - gn) <= 1e-6 * scale and abs(res) > 1e-6 * scale:
            hint = ("you returned only the Gauss-Newton part ||DP[V]||^2; subtract the residual part "
                    "<Sigma - W_(1:h), D^2P[V, V]>, which is not zero away from the global minima")
        elif abs(value - (gn + res)) <= 1e-6 * scale:
            hint = "the residual part has the wrong sign: L = 1/2 ||Sigma - P||^2, so it enters as -<Sigma - P, D^2P[V, V]>"
        elif abs(value - (gn - res / 2)) <= 1e-6 * scale:
            hint = ("the residual part is off by a factor 2: D^2P[V, V] = 2 sum_(i<j) ..., because each pair of layers "
                    "appears twice in the second derivative of the product")
        elif abs(value - expected / 2) <= 1e-6 * scale:
            hint = "your value is half the second derivative: the quadratic form is d^2/d eps^2 L(W + eps V), without a factor 1/2"
        else:
            hint = f"expected {expected:.6g}, got {value:.6g}"
        return CheckResult(False, f"at {name} (depth {depth}): {hint}.")
    return CheckResult(True, f"your quadratic form matches V^T H V from dl.hessian at {len(cases)} points, "
                             "including the origin (h = 2) and a non-strict saddle.")


@checker
def check_orbit_tangent(fn: Callable[[list[np.ndarray], list[np.ndarray]], Sequence[np.ndarray]], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, xis)``: the tangent :math:`(\xi_i W_i - W_i \xi_{i-1})_i` of the :math:`GL` orbit.

    The right answer is the derivative at :math:`s = 0` of
    :math:`e^{s\xi_i} W_i e^{-s\xi_{i-1}}`,

    .. math::

       \frac{d}{ds}\Big|_{s=0} (T(s)\cdot W)_i = \xi_i W_i - W_i \xi_{i-1},
       \qquad \xi_0 = 0,\ \xi_h = 0 ,

    compared with :func:`deeplinear.orbit_tangent_vector` (itself checked against a central
    difference of :func:`deeplinear.gl_action` along :math:`e^{s\xi_i}`) on three random
    networks and a balanced global minimum. On success, also reports that the tangent lies in
    the Hessian's null space at a critical point (the symmetry explains that part of the
    degeneracy).

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, xis)``: ``weights`` a list of ``h`` ndarrays
        (``W_i`` of shape ``(d_i, d_{i-1})``) and ``xis`` a list of ``h - 1`` ndarrays,
        :math:`\xi_i` of shape ``(d_i, d_i)``; it returns a list of ``h`` arrays, one of the
        shape of each ``W_i``.
    seed : int, optional
        Seed of the random networks and generators (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the tangent is right for all four networks; otherwise the
        message names the first wrong layer with a hint. A stub that raises
        ``NotImplementedError`` gets a friendly note; any other exception raised by ``fn`` is
        reported in the message, never propagated.

    Raises
    ------
    RuntimeError
        If the library's own reference disagrees with the central difference of
        :func:`deeplinear.gl_action` (an internal consistency check; it does not depend on
        ``fn``).

    Examples
    --------
    >>> dl.exercises.check_orbit_tangent(dl.orbit_tangent_vector).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = []
    for d in ((2, 3, 2), (3, 2, 4, 2), (2, 3, 3, 2, 2)):
        cases.append([rng.standard_normal((d[i + 1], d[i])) for i in range(len(d) - 1)])
    Sigma = np.diag([3.0, 2.0])
    crit = list(critical_point([1, 2], Sigma, (2, 3, 3, 2)).weights)
    cases.append(crit)
    for W in cases:
        d = [W[0].shape[1]] + [w.shape[0] for w in W]
        xis = [rng.standard_normal((d[i], d[i])) for i in range(1, len(W))]
        s = 1e-6
        plus = gl_action(W, [expm(s * x) for x in xis])
        minus = gl_action(W, [expm(-s * x) for x in xis])
        numeric = [(p - m) / (2 * s) for p, m in zip(plus, minus)]
        got, err = _call(fn, [w.copy() for w in W], [x.copy() for x in xis])
        if err:
            return CheckResult(False, err)
        try:
            got = [real_answer(g) for g in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of matrices")
        if len(got) != len(W):
            return CheckResult(False, f"return one matrix per layer ({len(W)} for depth {len(W)}), got {len(got)}")
        expected = orbit_tangent_vector(W, xis)
        if not all(np.allclose(e, num, rtol=1e-5, atol=1e-6) for e, num in zip(expected, numeric)):
            raise RuntimeError("internal check failed: orbit_tangent_vector disagrees with dl.gl_action")
        for i, (g, e) in enumerate(zip(got, expected), start=1):
            if g.shape != e.shape:
                return CheckResult(False, f"layer {i}: the tangent has the shape of W_{i}, {e.shape}; yours has {g.shape}")
            if not np.allclose(g, e, rtol=1e-8, atol=1e-8):
                if np.allclose(g, -e, rtol=1e-8, atol=1e-8):
                    hint = "the sign is reversed: T_i W_i T_(i-1)^(-1) with T = exp(s xi) gives + xi_i W_i - W_i xi_(i-1)"
                elif i in (1, len(W)):
                    hint = ("the input and output layers are not transformed (T_0 = I, T_h = I), so xi_0 = 0 and xi_h = 0: "
                            "W_1 moves by xi_1 W_1 only and W_h by -W_h xi_(h-1) only")
                else:
                    hint = "it should be xi_i W_i - W_i xi_(i-1) (the derivative of exp(s xi_i) W_i exp(-s xi_(i-1)) at s = 0)"
                return CheckResult(False, f"layer {i} of the tangent is wrong for widths {tuple(d)}: {hint}.")
    H = hessian(crit, Sigma)
    xis = [rng.standard_normal((3, 3)) for _ in range(2)]
    got, err = _call(fn, [w.copy() for w in crit], xis)
    if err:
        return CheckResult(False, err)
    tangent = flatten_weights([real_answer(g) for g in got])
    residual = float(np.linalg.norm(H @ tangent) / max(np.linalg.norm(tangent), 1e-300))
    where = "lies in the Hessian's null space" if residual < 1e-10 else f"gives |H t| / |t| = {residual:.1e}"
    return CheckResult(True, f"your orbit tangents match the derivative of dl.gl_action for {len(cases)} networks; "
                             "at the balanced minimum of diag(3, 2) with widths (2, 3, 3, 2) your tangent "
                             f"{where}: the symmetry explains that part of the degeneracy.")
