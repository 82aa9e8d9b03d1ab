r"""One mode of a two-layer network whose layers are not balanced: the product law and its solution.

With :math:`p = w_1 w_2` and the conserved imbalance :math:`c = w_2^2 - w_1^2` (the book's sign
convention: the conserved quantity :math:`C_1` of the chain), the aligned
two-layer flow of one mode closes on the product,

.. math:: \dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p),

which is Saxe's balanced law :math:`\dot p = 2|p|(\sigma - p)` for :math:`c = 0`
(:mod:`deeplinear.modes`). :func:`unbalanced_solution` and :func:`unbalanced_learning_time`
solve it exactly; :func:`unbalanced_weights` gives the layers with a given product and
imbalance.

References: Saxe, McClelland and Ganguli 2014; Tarmoun, França, Haeffele and Vidal 2021.
"""

from __future__ import annotations

import numpy as np
from ._validation import as_positive, as_real, as_real_array, finite_result
from .modes import _CAP, _invert_increasing, _real, _solve, _times, learning_time
from .errors import InvalidArgumentError

__all__ = [
    "unbalanced_rhs",
    "unbalanced_learning_time",
    "unbalanced_solution",
    "unbalanced_weights",
]


def unbalanced_rhs(p: float | np.ndarray, sigma: float, c: float) -> float | np.ndarray:
    r"""Two-layer scalar law with imbalance :math:`c`: :math:`\dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p)`.

    .. math:: \dot p = \sqrt{c^2 + 4p^2}\,(\sigma - p)

    Here :math:`p = w_1 w_2` and :math:`c = w_2^2 - w_1^2` (conserved); ``c = 0`` is the
    balanced law :math:`\dot p = 2|p|(\sigma - p)`.

    Parameters
    ----------
    p : float or array_like
        Product(s) :math:`w_1 w_2` (any shape).
    sigma : float
        The singular value.
    c : float
        The imbalance :math:`c = w_2^2 - w_1^2` (only :math:`c^2` enters).

    Returns
    -------
    ndarray
        :math:`\dot p`, the shape of ``p`` (a 0-d array for a scalar ``p``).

    Raises
    ------
    TypeError
        If ``sigma`` or ``c`` is not a real number.
    ValueError
        If ``sigma`` or ``c`` is not finite.

    References
    ----------
    Tarmoun, França, Haeffele and Vidal (2021), "Understanding the dynamics of gradient flow in
    overparameterized linear models", ICML.

    Examples
    --------
    >>> float(dl.unbalanced_rhs(0.5, 1.0, 0.0)), float(dl.unbalanced_rhs(0.0, 1.0, 0.5))
    (0.5, 0.5)
    """
    sigma = _real(sigma, "sigma")
    c = _real(c, "c")
    p = as_real_array(p, "p")
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(np.sqrt(c * c + 4 * p * p) * (sigma - p), "unbalanced_rhs", "p, sigma or c")


def _unbalanced_F(p: np.ndarray, gap: np.ndarray, sigma: float, c: float) -> np.ndarray:
    r"""Antiderivative of :math:`1/(\sqrt{c^2+4p^2}(\sigma - p))` (``c != 0``), ``gap = |sigma - p|``.

    With :math:`q = 2p`, :math:`m = 2\sigma`, :math:`k = \sqrt{m^2 + c^2}`:
    :math:`F = \frac1k \ln\big(k\sqrt{q^2+c^2} + m q + c^2\big) - \frac1k\ln|q - m|`.
    """
    q, m = 2 * p, 2 * sigma
    k = np.hypot(m, c)
    return (np.log(k * np.sqrt(q * q + c * c) + m * q + c * c) - np.log(2 * gap)) / k


def unbalanced_learning_time(p0: float, pf: float | np.ndarray, sigma: float, c: float) -> float | np.ndarray:
    r"""Exact time for :math:`\dot p = \sqrt{c^2+4p^2}(\sigma - p)` to go from ``p0`` to ``pf``.

    Closed form (Tarmoun et al. 2021 for the matrix case): with :math:`k = \sqrt{4\sigma^2 + c^2}`,

    .. math:: t = \frac1k\Big[\ln\frac{k\sqrt{c^2+4p^2} + 4\sigma p + c^2}{|\sigma - p|}\Big]_{p_0}^{p_f}.

    ``c = 0`` reduces to :func:`learning_time` with ``h = 2``.

    Parameters
    ----------
    p0 : float
        Initial product.
    pf : float or array_like
        Final product(s), between ``p0`` and ``sigma`` (``p`` moves monotonically towards
        ``sigma`` when ``c != 0``).
    sigma : float
        The singular value, ``> 0``.
    c : float
        The imbalance :math:`c = w_2^2 - w_1^2` (only :math:`c^2` enters).

    Returns
    -------
    float or ndarray
        A float for a scalar ``pf``, else an array of its shape; ``inf`` where ``pf = sigma``.

    Raises
    ------
    TypeError
        If ``sigma``, ``p0`` or ``c`` is not a real number.
    ValueError
        If ``sigma`` is not positive, a value is not finite, or some ``pf`` is not reached from
        ``p0`` (not between ``p0`` and ``sigma``, or ``p0 = sigma``); for ``c = 0``, as
        :func:`learning_time`.

    References
    ----------
    Tarmoun, França, Haeffele and Vidal (2021), "Understanding the dynamics of gradient flow in
    overparameterized linear models", ICML.

    Examples
    --------
    >>> round(dl.unbalanced_learning_time(1e-4, 0.5, 1.0, 0.5), 4)
    0.9515
    """
    sigma = as_positive(sigma, "sigma")
    p0 = _real(p0, "p0")
    c = _real(c, "c")
    if c == 0.0:
        return learning_time(p0, pf, sigma, 2)
    pf_arr = as_real_array(pf, "pf")
    flat = pf_arr.ravel()
    if p0 == sigma:
        if np.any(flat != p0):
            raise InvalidArgumentError(f"p0 = sigma = {sigma} is an equilibrium; pf = {pf!r:.60} is never reached")
        out = np.zeros(flat.shape)
    else:
        lo, hi = min(p0, sigma), max(p0, sigma)
        bad = (flat < lo) | (flat > hi)
        if np.any(bad):
            raise InvalidArgumentError(
                f"pf = {flat[bad][0]} is not reached from p0 = {p0}: p moves monotonically towards sigma = {sigma}"
            )
        out = np.full(flat.shape, np.inf)
        fin = flat != sigma
        F0 = _unbalanced_F(np.array(p0), np.array(abs(sigma - p0)), sigma, c)
        out[fin] = np.abs(_unbalanced_F(flat[fin], np.abs(sigma - flat[fin]), sigma, c) - F0)
    return float(out[0]) if pf_arr.ndim == 0 else out.reshape(pf_arr.shape)


def unbalanced_solution(t: float | np.ndarray, p0: float, sigma: float, c: float) -> np.ndarray:
    r"""Exact :math:`p(t)` for :math:`\dot p = \sqrt{c^2+4p^2}(\sigma - p)`, :math:`p(0) = p_0`.

    .. math:: \dot p = \sqrt{c^2+4p^2}\,(\sigma - p), \qquad p(0) = p_0.

    Inverts :func:`unbalanced_learning_time` (safeguarded Newton on the gap
    :math:`|\sigma - p| = |\sigma - p_0| e^{-z}`); ``c = 0`` uses :func:`mode_solution` with
    ``h = 2``.

    Parameters
    ----------
    t : float or array_like
        Times ``>= 0`` (any shape).
    p0 : float
        Initial product.
    sigma : float
        The singular value, ``> 0``.
    c : float
        The imbalance :math:`c = w_2^2 - w_1^2` (only :math:`c^2` enters).

    Returns
    -------
    ndarray
        ``p(t)``, the shape of ``t``.

    Raises
    ------
    TypeError
        If ``sigma``, ``p0`` or ``c`` is not a real number.
    ValueError
        If ``sigma`` is not positive, a value is not finite, or a time is negative.

    References
    ----------
    Tarmoun, França, Haeffele and Vidal (2021), "Understanding the dynamics of gradient flow in
    overparameterized linear models", ICML.

    Examples
    --------
    >>> dl.unbalanced_solution([0.0, 1.0, 5.0], 1e-4, 1.0, 0.5)
    array([0.0001  , 0.526973, 0.999779])
    >>> t = dl.unbalanced_learning_time(1e-4, 0.5, 1.0, 0.5)
    >>> round(float(dl.unbalanced_solution(t, 1e-4, 1.0, 0.5)), 6)
    0.5
    """
    sigma = as_positive(sigma, "sigma")
    p0 = _real(p0, "p0")
    c = _real(c, "c")
    t_arr = _times(t)
    if c == 0.0:
        return _solve(t_arr, sigma, p0, 2)[0]
    if p0 == sigma:
        return np.full(t_arr.shape, sigma)
    sgn = 1.0 if p0 < sigma else -1.0
    gap0 = abs(sigma - p0)
    F0 = _unbalanced_F(np.array(p0), np.array(gap0), sigma, c)

    def T(z):
        gap = gap0 * np.exp(-z)
        return _unbalanced_F(sigma - sgn * gap, gap, sigma, c) - F0

    def dT(z):
        p = sigma - sgn * gap0 * np.exp(-z)
        return 1.0 / np.sqrt(c * c + 4 * p * p)

    z, sat = _invert_increasing(T, dT, t_arr.ravel(), 0.0, _CAP)
    p = np.where(sat, sigma, sigma - sgn * gap0 * np.exp(-z))
    return p.reshape(t_arr.shape)


def unbalanced_weights(p: float, c: float) -> tuple[float, float]:
    r"""The scalar weights :math:`(w_1, w_2)` with :math:`w_2^2 - w_1^2 = c` and :math:`w_1 w_2 = p`.

    A start of the unbalanced two-layer law (:func:`unbalanced_rhs`) with prescribed imbalance
    and product; ``c`` is the conserved quantity :math:`C_1 = w_2^2 - w_1^2` of the chain
    (:func:`deeplinear.invariants.conserved_quantities`).

    .. math:: w_1 = \sqrt{\big(\sqrt{c^2 + 4p^2} - c\big)/2}, \qquad w_2 = p / w_1

    :math:`w_1 \ge 0` (computed without cancellation) and :math:`w_2 = p / w_1` (or
    :math:`\sqrt{c}` when :math:`p = 0`, :math:`c > 0`).

    Parameters
    ----------
    p : float
        The product :math:`w_1 w_2`.
    c : float
        The imbalance :math:`w_2^2 - w_1^2`.

    Returns
    -------
    (float, float)
        :math:`(w_1, w_2)` with :math:`w_1 \ge 0`.

    Raises
    ------
    TypeError
        If ``p`` or ``c`` is not a real number.
    ValueError
        If ``p`` or ``c`` is not finite.

    Examples
    --------
    >>> w1, w2 = dl.unbalanced_weights(0.5, 0.75)
    >>> w1, w2, w2**2 - w1**2, w1 * w2
    (0.5, 1.0, 0.75, 0.5)
    """
    c, p = as_real(c, "c"), as_real(p, "p")
    d = -c  # w_1^2 - w_2^2
    r = np.hypot(d, 2.0 * p)
    # w_1^2 = (d + r) / 2 = 2 p^2 / (r - d), in the form without cancellation, and without
    # forming p^2 (which overflows for |p| near 1e200 although w_1 does not)
    if d >= 0:
        w1 = float(np.sqrt(d / 2.0 + r / 2.0))
    else:
        w1 = float(abs(p) * np.sqrt(2.0 / (r - d))) if r - d > 0 else 0.0
    if w1 == 0.0:
        return 0.0, float(np.sqrt(max(c, 0.0)))
    return w1, p / w1
