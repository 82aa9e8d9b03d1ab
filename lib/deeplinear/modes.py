r"""Scalar mode dynamics of aligned networks: exact solutions and learning times.

For an aligned initialisation (see :func:`deeplinear.aligned_init`) the flow decouples into one
scalar chain per singular value :math:`\sigma` of :math:`\Sigma`. When the chain is balanced
(all layer values equal to :math:`a`, up to signs),

.. math::

   \dot a = a^{h-1} (\sigma - a^h), \qquad
   \dot u = h\, |u|^{2 - 2/h} (\sigma - u), \quad u = \prod_i w_i ,

which is Saxe's equation (Saxe, McClelland and Ganguli 2014, with :math:`N_l - 1 = h` layers
and :math:`\tau = 1`). Its solution is known in closed form for ``h = 1``
(:math:`u = \sigma + (u_0 - \sigma) e^{-t}`) and ``h = 2`` (the logistic curve
:math:`u = \sigma u_0 e^{2\sigma t} / (\sigma - u_0 + u_0 e^{2\sigma t})`). For ``h >= 3`` the
time is an explicit integral,

.. math::

   t(u) = \int_{a_0}^{a} \frac{dx}{x^{h-1}(\sigma - x^h)}
        = \frac{1}{\sigma}\Big[\frac{x^{2-h}}{2-h} + \int \frac{x\,dx}{\sigma - x^h}\Big]_{a_0}^{a},

and the last integral is elementary by partial fractions over the ``h`` roots
:math:`r_k = \sigma^{1/h} e^{2\pi i k/h}`:
:math:`\int x\,dx/(\sigma - x^h) = -\tfrac1h \sum_k r_k^{2-h} \log(x - r_k)`. This module
evaluates that closed form (the gap :math:`\sigma^{1/h} - a` is carried separately so that the
logarithm stays accurate near the fixed point) and inverts it with a safeguarded Newton
iteration, so :func:`mode_solution` is exact to a few ulps for every depth.

Cases handled: ``0 < u0 < sigma`` (learning, the sigmoid), ``u0 > sigma`` (decay to sigma),
``u0 < 0`` (only possible with sign flips among the layers; the product returns to the saddle
:math:`u = 0`, algebraically for ``h >= 3``: the stable set of a non-strict saddle),
``u0 = 0`` and ``u0 = sigma`` (equilibria) and ``sigma = 0`` (no signal: decay to 0).

The unbalanced two-layer law (imbalance :math:`c = w_2^2 - w_1^2` conserved,
:math:`p = w_1 w_2`; Tarmoun, França, Haeffele and Vidal 2021) is
:math:`\dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p)`, started from :func:`unbalanced_weights`.

Also here: :func:`learnt_rank`, the number of modes an end-to-end map has learnt (it steps up
at each half-time), and :func:`huber_mode_half_time`, the half-time of a two-layer mode under
the Huber loss, :math:`\dot u = 2u\min(\sigma - u, \delta)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._validation import as_depth, as_positive, as_real, as_real_array, finite_result
from .errors import InvalidArgumentError

__all__ = [
    "mode_rhs",
    "product_rhs",
    "mode_solution",
    "mode_loss",
    "learning_time",
    "plateau_time",
    "learnt_rank",
    "huber_mode_half_time",
]


# --------------------------------------------------------------------------- validation


def _real(value: object, name: str) -> float:
    """A finite real number (Python or numpy int or float; complex, strings and bool rejected)."""
    return as_real(value, name)


def _times(t: object) -> np.ndarray:
    arr = as_real_array(t, "t")
    if np.any(arr < 0):
        raise InvalidArgumentError(f"t must be >= 0 (the flow is integrated forward from u0 at t = 0), got min t = {arr.min()}")
    return arr


# --------------------------------------------------------------------------- right-hand sides


def mode_rhs(a: float | np.ndarray, sigma: float, h: int) -> float | np.ndarray:
    r"""Per-layer balanced mode law :math:`\dot a = a^{h-1}(\sigma - a^h)` (vectorised over ``a``).

    .. math:: \dot a = a^{h-1}(\sigma - a^h)

    Parameters
    ----------
    a : float or array_like
        The common layer value(s) of a balanced mode (any shape).
    sigma : float
        The singular value of the mode.
    h : int
        Depth, ``>= 1``.

    Returns
    -------
    ndarray
        :math:`\dot a`, the shape of ``a`` (a 0-d array for a scalar ``a``).

    Raises
    ------
    TypeError
        If ``h`` is not an integer or ``sigma`` not a real number.
    ValueError
        If ``h < 1`` or ``sigma`` is not finite.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR.

    Examples
    --------
    >>> dl.mode_rhs(np.array([0.5, 1.0]), 2.0, 2)  # a (2 - a^2)
    array([0.875, 1.   ])
    """
    h = as_depth(h)
    sigma = _real(sigma, "sigma")
    a = as_real_array(a, "a")
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(a ** (h - 1) * (sigma - a**h), "mode_rhs", "a or sigma")


def product_rhs(u: float | np.ndarray, sigma: float, h: int) -> float | np.ndarray:
    r"""Product law :math:`\dot u = h\,|u|^{2-2/h}(\sigma - u)` (Saxe et al. 2014), vectorised.

    .. math:: \dot u = h\,|u|^{2-2/h}(\sigma - u), \qquad u = a^h.

    Parameters
    ----------
    u : float or array_like
        Mode product(s) (any shape).
    sigma : float
        The singular value of the mode.
    h : int
        Depth, ``>= 1``.

    Returns
    -------
    ndarray
        :math:`\dot u`, the shape of ``u`` (a 0-d array for a scalar ``u``).

    Raises
    ------
    TypeError
        If ``h`` is not an integer or ``sigma`` not a real number.
    ValueError
        If ``h < 1`` or ``sigma`` is not finite.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR.

    Examples
    --------
    >>> dl.product_rhs(np.array([0.25, 1.0]), 2.0, 2)  # 2 u (2 - u)
    array([0.875, 2.   ])
    """
    h = as_depth(h)
    sigma = _real(sigma, "sigma")
    u = as_real_array(u, "u")
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(h * np.abs(u) ** (2.0 - 2.0 / h) * (sigma - u), "product_rhs", "u or sigma")


# --------------------------------------------------------------------------- exact time integral


def _roots(c: float, h: int) -> np.ndarray:
    """The h complex roots of x^h = c (c real, non-zero)."""
    mag = abs(c) ** (1.0 / h)
    phase = 0.0 if c > 0 else np.pi
    return mag * np.exp(1j * (2 * np.pi * np.arange(h) + phase) / h)


def _log_part(x: np.ndarray, c: float, h: int, real_gap: np.ndarray | None = None) -> np.ndarray:
    r"""Real antiderivative of :math:`x / (c - x^h)`: :math:`-\tfrac1h \sum_k r_k^{2-h} \log(x - r_k)`.

    For ``c > 0`` the real root ``r_0 = c^{1/h}`` term uses ``log(real_gap)`` (``|x - r_0|``
    supplied accurately by the caller) instead of the cancelling difference ``x - r_0``.
    """
    r = _roots(c, h)
    coef = r ** (2 - h)
    x = np.asarray(x, dtype=float)[..., None]
    diff = (x - r).astype(complex)
    use_gap = c > 0 and real_gap is not None
    if use_gap:
        diff[..., 0] = 1.0  # replaced below by log(real_gap)
    total = np.real((coef * np.log(diff)).sum(axis=-1))
    if use_gap:
        total = total + coef[0].real * np.log(np.asarray(real_gap, dtype=float))
    return -total / h


def _power_part(x: np.ndarray, h: int) -> np.ndarray:
    r""":math:`\int x^{1-h}\,dx`: ``x`` (h = 1), ``log x`` (h = 2), ``x^{2-h}/(2-h)`` (h >= 3)."""
    if h == 1:
        return x
    if h == 2:
        return np.log(x)
    return x ** (2 - h) / (2 - h)


def _P(a: np.ndarray, b: float, h: int) -> np.ndarray:
    r""":math:`P(a) = \sum_{k=0}^{h-1} b^{h-1-k} a^k`, so that :math:`b^h - a^h = (b - a) P(a)`."""
    out = np.zeros_like(np.asarray(a, dtype=float))
    for k in range(h):
        out = out + b ** (h - 1 - k) * a**k
    return out


def _F_pos(a: np.ndarray, gap: np.ndarray, sigma: float, h: int) -> np.ndarray:
    r"""Antiderivative of :math:`1/(a^{h-1}(\sigma - a^h))` for ``a > 0``, ``gap = |b - a|``."""
    return (_power_part(a, h) + _log_part(a, sigma, h, real_gap=gap)) / sigma


def _F_neg(s: np.ndarray, sigma: float, h: int) -> np.ndarray:
    r"""Antiderivative of :math:`1/(s^{h-1}(\sigma + s^h))` for ``s = |a| > 0`` (the ``u < 0`` side)."""
    # 1/(s^{h-1}(sigma + s^h)) = 1/(sigma s^{h-1}) - s/(sigma (sigma + s^h)); s/(sigma+s^h) = -s/(c - s^h), c = -sigma
    return (_power_part(s, h) + _log_part(s, -sigma, h)) / sigma


def _invert_increasing(
    T: Callable[[np.ndarray], np.ndarray],
    dT: Callable[[np.ndarray], np.ndarray],
    t: np.ndarray,
    z0: float,
    z_cap: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``T(z) = t`` for increasing ``T`` with ``T(z0) = 0`` (vectorised rtsafe).

    Returns ``(z, saturated)``; ``saturated`` marks times beyond ``T(z_cap)`` (the state is then
    at its limit to working precision).
    """
    t = np.asarray(t, dtype=float).ravel()
    lo = np.full(t.shape, z0)
    step = np.ones_like(t)
    hi = lo + step
    for _ in range(64):  # expand the bracket
        short = (T(np.minimum(hi, z_cap)) < t) & (hi < z_cap)
        if not np.any(short):
            break
        lo = np.where(short, hi, lo)
        step = np.where(short, 2 * step, step)
        hi = np.where(short, hi + step, hi)
    hi = np.minimum(hi, z_cap)
    saturated = T(hi) < t
    z = 0.5 * (lo + hi)
    for _ in range(200):
        r = T(z) - t
        lo = np.where(r < 0, z, lo)
        hi = np.where(r > 0, z, hi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z_new = z - r / dT(z)
        bad = ~((z_new > lo) & (z_new < hi))
        z_new = np.where(bad, 0.5 * (lo + hi), z_new)
        done = np.abs(z_new - z) <= 4 * np.finfo(float).eps * (1.0 + np.abs(z))
        z = np.where(r == 0, z, z_new)
        if np.all(done | (r == 0) | (hi - lo <= 4 * np.finfo(float).eps * (1.0 + np.abs(z)))):
            break
    return z, saturated


_CAP = 700.0  # exp(-700) ~ 1e-304: the state has reached its limit to working precision


def _solve(t: np.ndarray, sigma: float, u0: float, h: int) -> tuple[np.ndarray, np.ndarray]:
    """``(u(t), sigma - u(t))``, both accurate, for ``t >= 0`` (array of any shape).

    ``u`` is clipped to the closed interval between ``u0`` and the limit (where the exact
    solution lies), so rounding never puts it behind the start or past the fixed point.
    """
    u, res = _solve_raw(t, sigma, u0, h)
    lim = _limit(sigma, u0, h)
    lo, hi = min(u0, lim), max(u0, lim)
    clipped = np.clip(u, lo, hi)
    res = np.where(clipped == u, res, sigma - clipped)
    return clipped, res


def _solve_raw(t: np.ndarray, sigma: float, u0: float, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Product ``u`` and residual ``sigma - u`` at times ``t`` (closed forms, else an inversion)."""
    shape = t.shape
    t = t.ravel()
    closed = _closed_form(t, sigma, u0, h)
    if closed is not None:
        u, res = closed
    elif 0 < u0 < sigma:
        u, res = _rising(t, sigma, u0, h)
    elif u0 > sigma:
        u, res = _falling(t, sigma, u0, h)
    else:
        u, res = _negative(t, sigma, u0, h)
    return u.reshape(shape), res.reshape(shape)


def _closed_form(t: np.ndarray, sigma: float, u0: float, h: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Equilibria, ``h = 1``, ``sigma = 0`` and ``h = 2`` have explicit solutions; else None."""
    if u0 == 0.0 or u0 == sigma:
        u = np.full(t.shape, u0)
        return u, sigma - u
    if h == 1:
        res = (sigma - u0) * np.exp(-t)
        return sigma - res, res
    if sigma == 0.0:
        a0 = abs(u0) ** (1.0 / h)
        a = (a0 ** (2 - 2 * h) + (2 * h - 2) * t) ** (-1.0 / (2 * h - 2))
        u = np.sign(u0) * a**h
        return u, -u
    if h == 2:
        if u0 > 0:
            e = np.exp(-2 * sigma * t)
            den = u0 + (sigma - u0) * e
            return sigma * u0 / den, sigma * (sigma - u0) * e / den
        with np.errstate(over="ignore"):
            den = u0 + (sigma - u0) * np.exp(2 * sigma * t)
            u = sigma * u0 / den
        return u, sigma - u
    return None


def _rising(t: np.ndarray, sigma: float, u0: float, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Learning, ``0 < u0 < sigma``: a rises from a0 to b; z = log(a / (b - a))."""
    b = sigma ** (1.0 / h)
    a0 = u0 ** (1.0 / h)
    gap0 = (sigma - u0) / _P(a0, b, h)
    F0 = _F_pos(a0, gap0, sigma, h)

    def state(z):
        return b / (1.0 + np.exp(-z)), b / (1.0 + np.exp(z))

    def T(z):
        a, gap = state(z)
        return _F_pos(a, gap, sigma, h) - F0

    def dT(z):
        a, _ = state(z)
        return 1.0 / (b * a ** (h - 2) * _P(a, b, h))

    z, sat = _invert_increasing(T, dT, t, float(np.log(a0 / gap0)), _CAP)
    a, gap = state(z)
    res = np.where(sat, 0.0, gap * _P(a, b, h))
    u = np.where(res < 0.5 * sigma, sigma - res, a**h)  # never past sigma by rounding
    return u, res


def _falling(t: np.ndarray, sigma: float, u0: float, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Decay to b from above, ``u0 > sigma``: a = b + gap, gap = b exp(-z)."""
    b = sigma ** (1.0 / h)
    a0 = u0 ** (1.0 / h)
    gap0 = (u0 - sigma) / _P(a0, b, h)
    F0 = _F_pos(a0, gap0, sigma, h)

    def state(z):
        gap = b * np.exp(-z)
        return b + gap, gap

    def T(z):
        a, gap = state(z)
        return _F_pos(a, gap, sigma, h) - F0

    def dT(z):
        a, _ = state(z)
        return 1.0 / (a ** (h - 1) * _P(a, b, h))

    z, sat = _invert_increasing(T, dT, t, float(-np.log(gap0 / b)), _CAP)
    a, gap = state(z)
    res = np.where(sat, 0.0, -gap * _P(a, b, h))
    return sigma - res, res


def _negative(t: np.ndarray, sigma: float, u0: float, h: int) -> tuple[np.ndarray, np.ndarray]:
    """``u0 < 0``: |a| = s decays to 0; s = exp(-z)."""
    s0 = (-u0) ** (1.0 / h)
    H0 = _F_neg(s0, sigma, h)

    def T(z):
        return H0 - _F_neg(np.exp(-z), sigma, h)

    def dT(z):
        s = np.exp(-z)
        return 1.0 / (s ** (h - 2) * (sigma + s**h))

    z, sat = _invert_increasing(T, dT, t, float(-np.log(s0)), _CAP / h)
    u = np.where(sat, 0.0, -np.exp(-z) ** h)
    return u, sigma - u


def mode_solution(t: float | np.ndarray, u0: float, sigma: float, h: int) -> np.ndarray:
    r"""Exact solution :math:`u(t)` of Saxe's product law :math:`\dot u = h|u|^{2-2/h}(\sigma - u)`.

    ``u`` is the product of the ``h`` layer values of one balanced mode, :math:`u = a^h`
    (:math:`u_0 = a_0^h`).

    * ``h = 1``: :math:`u = \sigma + (u_0 - \sigma)e^{-t}`.
    * ``h = 2``: :math:`u = \dfrac{\sigma u_0 e^{2\sigma t}}{\sigma - u_0 + u_0 e^{2\sigma t}}`
      (for ``u0 < 0``: :math:`\sigma u_0 e^{-2\sigma t}/(\sigma - u_0 + u_0 e^{-2\sigma t})`).
    * ``h >= 3``: inversion of the closed-form time integral (module docstring), accurate to a
      few units of roundoff.

    Parameters
    ----------
    t : float or array_like
        Times ``>= 0`` (any shape).
    u0 : float
        Initial product. ``0 < u0 < sigma``: sigmoidal learning; ``u0 > sigma``: decay to
        ``sigma``; ``u0 < 0``: return to the saddle at 0; ``u0 in {0, sigma}``: equilibrium.
    sigma : float
        The singular value, ``>= 0``.
    h : int
        Depth, ``>= 1``.

    Returns
    -------
    ndarray
        ``u(t)``, the shape of ``t``.

    Raises
    ------
    TypeError
        If ``h`` is not an integer, or ``sigma`` or ``u0`` not a real number.
    ValueError
        If ``h < 1``, ``sigma`` is negative or not finite, ``u0`` is not finite, or a time is
        negative or not finite.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR.

    Examples
    --------
    >>> round(float(dl.mode_solution(1.0, 0.01, 3.0, 2)), 10)
    1.7230022341
    >>> dl.mode_solution([0.0, 1.0, 2.0], 0.01, 1.0, 3)
    array([0.01    , 0.020463, 0.051436])
    """
    h = as_depth(h)
    sigma = as_positive(sigma, "sigma", allow_zero=True)
    u0 = _real(u0, "u0")
    t_arr = _times(t)
    return _solve(t_arr, sigma, u0, h)[0]


def mode_loss(
    t: float | np.ndarray,
    u0: float | Sequence[float] | np.ndarray,
    singular_values: Sequence[float] | np.ndarray,
    h: int,
) -> np.ndarray:
    r"""Loss of an aligned balanced network, :math:`L(t) = \tfrac12 \sum_k (\sigma_k - u_k(t))^2`.

    .. math:: L(t) = \tfrac12 \sum_k \big(\sigma_k - u_k(t)\big)^2

    with each :math:`u_k(t)` from :func:`mode_solution`. The residuals :math:`\sigma_k - u_k` are
    computed without cancellation, so ``L`` keeps its relative accuracy as it decays to 0
    (log-scale plots).

    Parameters
    ----------
    t : float or array_like
        Times ``>= 0``.
    u0 : float or array_like, shape (r,)
        Initial mode products (a scalar applies to every mode).
    singular_values : array_like, shape (r,)
        :math:`\sigma_k \ge 0`.
    h : int
        Depth.

    Returns
    -------
    ndarray
        The shape of ``t``.

    Raises
    ------
    TypeError
        If ``h`` is not an integer.
    ValueError
        If ``h < 1``; ``singular_values`` is empty, not 1-D, negative or not finite; ``u0`` is
        not finite or does not broadcast to ``(r,)``; or a time is negative or not finite.

    Examples
    --------
    >>> dl.mode_loss([0.0, 2.0], 0.01, [3.0, 1.0], 2)
    array([4.9601 , 0.20773])
    """
    h = as_depth(h)
    s = _singular_values(singular_values)
    u0a = as_real_array(u0, "u0")
    try:
        u0s = np.broadcast_to(u0a, s.shape)
    except ValueError as exc:
        raise InvalidArgumentError(f"u0 must be a number or have the shape {s.shape} of singular_values, got shape {u0a.shape}") from exc
    t_arr = _times(t)
    out = np.zeros(t_arr.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        for sk, uk in zip(s, u0s):
            out = out + 0.5 * _solve(t_arr, float(sk), float(uk), h)[1] ** 2
    return finite_result(out, "mode_loss", "u0 or singular_values")


def _singular_values(singular_values: object) -> np.ndarray:
    s = as_real_array(singular_values, "singular_values", allow_empty=True)
    if s.ndim != 1 or s.size == 0:
        raise InvalidArgumentError(f"singular_values must be a non-empty 1-D array, got shape {s.shape}")
    if np.any(s < 0):
        raise InvalidArgumentError(f"singular_values must be finite and >= 0, got {s}")
    return s


# --------------------------------------------------------------------------- learning times


def _limit(sigma: float, u0: float, h: int) -> float:
    if h == 1:
        return sigma
    if u0 < 0 or sigma == 0.0:
        return 0.0
    return sigma


def learning_time(u0: float, uf: float | np.ndarray, sigma: float, h: int) -> float | np.ndarray:
    r"""Exact time for the balanced mode product to go from ``u0`` to ``uf``.

    .. math:: t = \int_{u_0}^{u_f} \frac{du}{h\,|u|^{2-2/h}(\sigma - u)}

    * ``h = 1``: :math:`t = \ln\frac{u_0 - \sigma}{u_f - \sigma}`;
    * ``h = 2``: :math:`t = \frac{1}{2\sigma}\ln\frac{u_f(\sigma - u_0)}{u_0(\sigma - u_f)}`
      (Saxe, McClelland and Ganguli 2014);
    * ``h >= 3``: the closed-form integral of the module docstring (partial fractions over
      the roots of :math:`x^h = \sigma`).

    Parameters
    ----------
    u0 : float
        Initial product.
    uf : float or array_like
        Final product(s); must lie between ``u0`` and the limit the flow tends to
        (``sigma``, or ``0`` when ``u0 < 0`` or ``sigma = 0``).
    sigma : float
        Singular value, ``>= 0``.
    h : int
        Depth.

    Returns
    -------
    float or ndarray
        A float for a scalar ``uf``, else an array of its shape; ``inf`` where ``uf`` equals the
        limit (it is approached, never reached).

    Raises
    ------
    TypeError
        If ``h`` is not an integer, or ``sigma`` or ``u0`` not a real number.
    ValueError
        If some ``uf`` is not reached from ``u0`` (wrong side, or ``u0`` is an equilibrium); if
        ``h < 1``, ``sigma`` is negative, or a value is not finite.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR.

    Examples
    --------
    >>> round(dl.learning_time(0.01, 0.99 * 3.0, 3.0, 2), 10)
    1.7159272373
    >>> dl.learning_time(0.01, [0.5, 1.0], 1.0, 3)  # the limit sigma is never reached
    array([3.768037,      inf])
    """
    h = as_depth(h)
    sigma = as_positive(sigma, "sigma", allow_zero=True)
    u0 = _real(u0, "u0")
    uf_arr = as_real_array(uf, "uf")
    lim = _limit(sigma, u0, h)
    flat = uf_arr.ravel()
    lo, hi = min(u0, lim), max(u0, lim)
    if u0 == lim or (h >= 2 and u0 == 0.0) or (h >= 2 and u0 == sigma):
        if np.any(flat != u0):
            raise InvalidArgumentError(
                f"u0 = {u0} is an equilibrium of the mode law (sigma = {sigma}, h = {h}); "
                f"the flow never leaves it, so uf = {uf!r:.60} is never reached"
            )
        out = np.zeros(flat.shape)
        return float(out[0]) if uf_arr.ndim == 0 else out.reshape(uf_arr.shape)
    bad = (flat < lo) | (flat > hi)
    if np.any(bad):
        raise InvalidArgumentError(
            f"uf = {flat[bad][0]} is not reached from u0 = {u0}: with sigma = {sigma} and h = {h} the "
            f"product moves monotonically from u0 towards {lim}, so uf must lie between them"
        )
    out = np.full(flat.shape, np.inf)
    fin = flat != lim
    out[fin] = _time(flat[fin], sigma, u0, h)
    return float(out[0]) if uf_arr.ndim == 0 else out.reshape(uf_arr.shape)


def _time(uf: np.ndarray, sigma: float, u0: float, h: int) -> np.ndarray:
    """Time from u0 to uf (validated: uf strictly between u0 and the limit, or equal to u0)."""
    if h == 1:
        return np.log((u0 - sigma) / (uf - sigma))
    if sigma == 0.0:
        return ((np.abs(uf) ** (1.0 / h)) ** (2 - 2 * h) - abs(u0) ** ((2 - 2 * h) / h)) / (2 * h - 2)
    if h == 2:
        ratio = uf * (sigma - u0) / (u0 * (sigma - uf))
        return np.abs(np.log(ratio)) / (2 * sigma)
    b = sigma ** (1.0 / h)
    if u0 > 0:
        a0 = u0 ** (1.0 / h)
        af = uf ** (1.0 / h)
        gap0 = abs(sigma - u0) / _P(a0, b, h)
        gapf = np.abs(sigma - uf) / _P(af, b, h)
        return _F_pos(af, gapf, sigma, h) - _F_pos(a0, gap0, sigma, h)
    s0 = (-u0) ** (1.0 / h)
    sf = (-uf) ** (1.0 / h)
    return _F_neg(s0, sigma, h) - _F_neg(sf, sigma, h)


def plateau_time(u0: float, sigma: float, h: int) -> float:
    r"""Asymptotic escape time from the saddle at the origin (small ``u0``).

    .. math::

       t_{\rm esc} \approx \frac{1}{2\sigma}\ln\frac{\sigma}{u_0}\ (h = 2), \qquad
       t_{\rm esc} \approx \frac{1}{(h-2)\,\sigma\, a_0^{h-2}},\ a_0 = u_0^{1/h}\ (h \ge 3).

    For ``h = 2`` the exact half-time is :math:`\frac{1}{2\sigma}\ln\frac{\sigma - u_0}{u_0}`;
    for ``h >= 3`` the plateau is algebraically long in :math:`1/a_0` (the origin is a
    non-strict saddle). Use :func:`learning_time` for exact values.

    Parameters
    ----------
    u0 : float
        Initial product, ``0 < u0 < sigma``.
    sigma : float
        The singular value, ``> 0``.
    h : int
        Depth, ``>= 2``.

    Returns
    -------
    float
        The asymptotic plateau length above.

    Raises
    ------
    TypeError
        If ``h`` is not an integer, or ``sigma`` or ``u0`` not a real number.
    ValueError
        For ``h = 1`` (no saddle, no plateau) or ``u0`` outside ``(0, sigma)``; if ``h < 1``
        or ``sigma`` is not positive and finite.

    Examples
    --------
    >>> round(dl.plateau_time(0.01, 1.0, 2), 4), round(dl.learning_time(0.01, 0.5, 1.0, 2), 4)
    (2.3026, 2.2976)
    >>> round(dl.plateau_time(1e-3, 1.0, 3), 4)  # 1 / a0 with a0 = 0.1
    10.0
    """
    h = as_depth(h)
    sigma = as_positive(sigma, "sigma")
    u0 = _real(u0, "u0")
    if h == 1:
        raise InvalidArgumentError("plateau_time: a depth-1 network has no saddle at the origin and no plateau")
    if not 0 < u0 < sigma:
        raise InvalidArgumentError(f"plateau_time needs 0 < u0 < sigma (a small start that is learnt), got u0 = {u0}, sigma = {sigma}")
    if h == 2:
        return float(np.log(sigma / u0) / (2 * sigma))
    a0 = u0 ** (1.0 / h)
    return float(1.0 / ((h - 2) * sigma * a0 ** (h - 2)))


def learnt_rank(end_to_end: np.ndarray, singular_values: Sequence[float], fraction: float = 0.5):
    r"""Number of modes the end-to-end map has learnt: :math:`\#\{k : s_k(W) \ge f\,\sigma_k\}`.

    .. math:: \#\{k : s_k(W) \ge f\,\sigma_k\}

    Both the singular values :math:`s_k(W)` of the map and the targets :math:`\sigma_k` are
    sorted in decreasing order and compared index by index, with :math:`f` = ``fraction``.
    For an aligned flow with ``fraction = 1/2`` the count increases by one exactly at each
    mode's half-time.

    Parameters
    ----------
    end_to_end : ndarray, shape (d_h, d_0) or (n, d_h, d_0)
        One map or a stack of maps (e.g. ``Trajectory.end_to_end``).
    singular_values : sequence of float
        The positive :math:`\sigma_k` of the target.
    fraction : float, default 0.5
        In ``(0, 1]``.

    Returns
    -------
    int or ndarray of int
        An int for one map, an array of shape ``(n,)`` for a stack.

    Raises
    ------
    TypeError
        If ``fraction`` is not a real number.
    ValueError
        If ``fraction`` is outside ``(0, 1]``, a singular value is not positive, or the map has
        fewer singular values than given; if ``end_to_end`` is not a finite matrix or stack of
        matrices.

    Examples
    --------
    >>> dl.learnt_rank(np.diag([2.5, 0.1]), [3.0, 1.0])
    1
    >>> maps = np.stack([np.diag([0.1, 0.1]), np.diag([2.5, 0.1]), np.diag([3.0, 0.9])])
    >>> dl.learnt_rank(maps, [3.0, 1.0])
    array([0, 1, 2])
    """
    s = np.sort(_singular_values(singular_values))[::-1]
    if np.any(s == 0):
        raise InvalidArgumentError(f"singular_values must be positive (a zero mode is never learnt), got {s}")
    fraction = as_positive(fraction, "fraction")
    if fraction > 1:
        raise InvalidArgumentError(f"fraction must lie in (0, 1], got {fraction}")
    P = as_real_array(end_to_end, "end_to_end")
    if P.ndim not in (2, 3):
        raise InvalidArgumentError(f"end_to_end must be a finite matrix or a stack of matrices, got shape {P.shape}")
    single = P.ndim == 2
    P = P[None] if single else P
    sv = np.linalg.svd(P, compute_uv=False)
    r = min(s.size, sv.shape[1])
    if s.size > sv.shape[1]:
        raise InvalidArgumentError(f"{s.size} singular values but the map has only {sv.shape[1]}")
    counts = np.sum(sv[:, :r] >= fraction * s[:r], axis=1)
    return int(counts[0]) if single else counts.astype(int)


# --------------------------------------------------------------------------- unbalanced h = 2


# --------------------------------------------------------------------------- Huber loss


def huber_mode_half_time(u0: float, sigma: float, delta: float) -> float:
    r"""Half-time of an aligned, balanced two-layer mode under the Huber loss of :math:`\Sigma - W`.

    With :math:`X = I` the Huber gradient of a diagonal residual is diagonal, so aligned starts
    stay aligned and a balanced mode product obeys

    .. math:: \dot u = 2u\,\min(\sigma - u, \delta)

    for :math:`0 < u < \sigma`: growth at the clipped rate :math:`2\delta` while
    :math:`u < \sigma - \delta`, then the logistic law :math:`\dot u = 2u(\sigma - u)`. Returned:
    the exact time from :math:`u_0` to :math:`\sigma/2`; with :math:`b = \sigma - \delta`,

    * :math:`\frac{1}{2\delta}\ln\frac{\sigma}{2u_0}` if :math:`b \ge \sigma/2`,
    * :math:`\frac{1}{2\sigma}\ln\frac{\sigma - u_0}{u_0}` if :math:`b \le u_0`,
    * :math:`\frac{1}{2\delta}\ln\frac{b}{u_0} + \frac{1}{2\sigma}\ln\frac{\delta}{b}` otherwise.

    For :math:`\delta \ge \sigma - u_0` this is the logistic half-time of :func:`learning_time`
    (``h = 2``); for small :math:`\delta` larger singular values take *longer*, which reverses
    the order of incremental learning. The loss itself is :func:`deeplinear.huber`.

    Parameters
    ----------
    u0 : float
        Initial product, ``0 < u0 < sigma / 2``.
    sigma : float
        The mode's singular value, ``> 0``.
    delta : float
        Huber threshold, ``> 0``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If a parameter is not a real number.
    ValueError
        If a parameter is not positive or ``u0 >= sigma / 2``.

    Examples
    --------
    >>> round(dl.huber_mode_half_time(0.01, 2.0, 10.0), 4)  # delta large: the logistic half-time
    1.3233
    >>> round(dl.huber_mode_half_time(0.01, 2.0, 0.1), 4), round(dl.huber_mode_half_time(0.01, 4.0, 0.1), 4)
    (23.0259, 26.4916)
    """
    sigma = as_positive(sigma, "sigma")
    delta = as_positive(delta, "delta")
    u0 = as_positive(u0, "u0")
    if u0 >= sigma / 2:
        raise InvalidArgumentError(f"u0 = {u0:g} must lie below sigma / 2 = {sigma / 2:g}")
    b = sigma - delta
    if b >= sigma / 2:
        return float(np.log(sigma / (2 * u0)) / (2 * delta))
    if b <= u0:
        return float(np.log((sigma - u0) / u0) / (2 * sigma))
    return float(np.log(b / u0) / (2 * delta) + np.log(delta / b) / (2 * sigma))
