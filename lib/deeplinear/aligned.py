r"""Aligned (spectral) starts: reading their modes, checking the decoupling, depth and rate laws.

An aligned start :math:`W_i(0) = R_i D_i(0) R_{i-1}^\top`, with orthogonal :math:`R_i`
(:math:`R_0 = I`, :math:`R_h = I` in the reduced coordinates where :math:`\Sigma` is
rectangular diagonal) and rectangular-diagonal :math:`D_i`, stays aligned: the :math:`R_i` do
not move and the diagonal entries :math:`w_{i,k}` of the :math:`D_i` follow one scalar chain per
singular value (Saxe, McClelland and Ganguli 2014),

.. math:: \dot w_{i,k} = \Big(\prod_{j\ne i} w_{j,k}\Big)\Big(\sigma_k - \prod_j w_{j,k}\Big).

* :func:`aligned_modes` reads the :math:`D_i` off a network with known :math:`R_i`;
  :func:`aligned_flow_check` integrates the full network flow and the scalar chains side by
  side.
* :func:`depth_scaled_times` -- depth lengthens the plateau of a small start (like
  :math:`a_0^{2-h}`) but, from an :math:`O(1)` start, :math:`h\,t` has a finite limit as
  :math:`h \to \infty`.
* :func:`local_convergence_rate` -- the late-time rate :math:`\frac{d}{dt}\log L \to
  -2h\sigma^{2-2/h}` measured on the integrated flow.

The closed forms of one mode are in :mod:`deeplinear.modes`; the figures of the chapter are in
:mod:`deeplinear.plots.aligned`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_depths, as_int, as_positive, as_real, as_real_array, as_weights, as_widths, widths_of
from ._validation import frozen_array as _frozen
from .flow import gradient_flow
from .trajectory import Trajectory
from .init import aligned_init
from .invariants import random_orthogonal
from .modes import learning_time
from .errors import ArgumentTypeError, ConvergenceError, InvalidArgumentError

__all__ = [
    "AlignedModes",
    "aligned_modes",
    "AlignedFlowCheck",
    "aligned_flow_check",
    "DepthScaling",
    "depth_scaled_times",
    "ConvergenceRate",
    "local_convergence_rate",
]


def _as_sigma(sigma: object, name: str = "sigma") -> float:
    return as_positive(as_real(sigma, name), name)


def _singular_values(values: object, name: str = "singular_values") -> np.ndarray:
    s = as_real_array(values, name)
    if s.ndim != 1 or np.any(s < 0):
        raise InvalidArgumentError(f"{name} must be a non-empty 1-D list of finite numbers >= 0, got {values!r:.80}")
    return s


def _hidden_rotations(rotations: object, d: tuple[int, ...]) -> list[np.ndarray]:
    """``[R_0, ..., R_h]`` (``R_0 = I``, ``R_h = I``) from None, a Generator or ``h - 1`` matrices."""
    h = len(d) - 1
    if rotations is None:
        hidden = [np.eye(di) for di in d[1:-1]]
    elif isinstance(rotations, np.random.Generator):
        hidden = [random_orthogonal(di, rotations) for di in d[1:-1]]
    else:
        if not isinstance(rotations, Sequence) or len(rotations) != h - 1:
            raise InvalidArgumentError(
                f"rotations must be None, a numpy Generator or a list of the h - 1 = {h - 1} hidden "
                f"orthogonal matrices R_1..R_(h-1), got {rotations!r:.80}"
            )
        hidden = []
        for i, R in enumerate(rotations, start=1):
            R = np.asarray(R, dtype=float)
            if R.shape != (d[i], d[i]):
                raise InvalidArgumentError(f"rotations[{i - 1}] (R_{i}) must have shape {(d[i], d[i])}, got {R.shape}")
            err = float(np.max(np.abs(R.T @ R - np.eye(d[i])))) if R.size else 0.0
            if not np.isfinite(err) or err > 1e-10:
                raise InvalidArgumentError(f"rotations[{i - 1}] (R_{i}) is not orthogonal: max |R^T R - I| = {err:.3g}")
            hidden.append(R)
    return [np.eye(d[0])] + hidden + [np.eye(d[-1])]


def _sigma_matrix(s: np.ndarray, d: tuple[int, ...]) -> np.ndarray:
    if s.size > min(d[0], d[-1]):
        raise InvalidArgumentError(
            f"{s.size} singular values do not fit a target of shape d_h x d_0 = {d[-1]} x {d[0]} "
            f"(at most min(d_0, d_h) = {min(d[0], d[-1])})"
        )
    S = np.zeros((d[-1], d[0]))
    S[np.arange(s.size), np.arange(s.size)] = s
    return S


@dataclass(frozen=True)
class AlignedModes:
    r"""The diagonal part of :math:`D_i = R_i^\top W_i R_{i-1}` (see :func:`aligned_modes`).

    Attributes
    ----------
    values : ndarray, shape (h, m)
        ``values[i - 1, k - 1]`` is :math:`w_{i,k} = (D_i)_{kk}`, for the ``m = d_min`` modes
        that pass through every layer.
    products : ndarray, shape (m,)
        The mode products :math:`u_k = \prod_i w_{i,k}`.
    off_diagonal : float
        The largest entry of any :math:`D_i` off its diagonal (zero for an aligned network).

    Examples
    --------
    >>> modes = dl.aligned_modes(dl.aligned_init((2, 3, 2), [1.0, 0.5]))
    >>> isinstance(modes, dl.aligned.AlignedModes), modes.products
    (True, array([1.  , 0.25]))
    """

    values: np.ndarray
    products: np.ndarray
    off_diagonal: float


def aligned_modes(weights: Sequence[np.ndarray], rotations: object = None) -> AlignedModes:
    r"""Read the mode values of a network in the frame of known orthogonal matrices.

    Computes

    .. math:: D_i = R_i^\top W_i R_{i-1}, \qquad R_0 = I,\ R_h = I,

    and returns its diagonal and the size of the rest. For an aligned network
    (:func:`deeplinear.aligned_init` with the same rotations) the rest is zero, and by the
    decoupling proposition of the chapter it stays zero along the flow.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    rotations : None or list of ndarray
        The hidden orthogonal matrices :math:`R_1, \dots, R_{h-1}` (None: identities),
        ``R_i`` of shape ``(d_i, d_i)``.

    Returns
    -------
    AlignedModes
        The diagonal values :math:`w_{i,k}`, the mode products and the largest off-diagonal
        entry.

    Raises
    ------
    TypeError
        If ``rotations`` is a Generator (the matrices themselves are needed), or ``weights`` is
        not a list of matrices.
    ValueError
        If the weights are invalid, or ``rotations`` is not a list of ``h - 1`` orthogonal
        matrices (to ``1e-10``) of shapes ``(d_i, d_i)``.

    Examples
    --------
    >>> R = [dl.random_orthogonal(3, np.random.default_rng(0))]
    >>> weights = dl.aligned_init((2, 3, 2), [1.0, 0.5], rotations=R)
    >>> modes = dl.aligned_modes(weights, R)
    >>> modes.products, bool(modes.off_diagonal < 1e-12)
    (array([1.  , 0.25]), True)
    """
    W = as_weights(weights)
    d = widths_of(W)
    if isinstance(rotations, np.random.Generator):
        raise ArgumentTypeError("aligned_modes needs the rotation matrices themselves, not a Generator")
    R = _hidden_rotations(rotations, d)
    h = len(W)
    m = min(d)
    values = np.empty((h, m))
    off = 0.0
    for i in range(1, h + 1):
        D = R[i].T @ W[i - 1] @ R[i - 1]
        q = min(D.shape)
        diag = D[np.arange(q), np.arange(q)].copy()
        values[i - 1] = diag[:m]
        rest = D.copy()
        rest[np.arange(q), np.arange(q)] = 0.0
        off = max(off, float(np.max(np.abs(rest), initial=0.0)))
    return AlignedModes(_frozen(values), _frozen(np.prod(values, axis=0)), off)


@dataclass(frozen=True)
class AlignedFlowCheck:
    r"""The full network flow from an aligned start next to its scalar mode chains.

    The property ``max_off_diagonal`` is the largest off-diagonal entry over the whole
    trajectory, ``max(off_diagonal)``.

    Attributes
    ----------
    t : ndarray, shape (n,)
        The output times, evenly spaced on ``[0, t_max]``.
    modes : ndarray, shape (n, h, m)
        :math:`w_{i,k}(t)` read off the integrated network (:func:`aligned_modes`).
    chains : ndarray, shape (n, h, m)
        The same values from ``m`` separately integrated scalar chains.
    off_diagonal : ndarray, shape (n,)
        Largest off-diagonal entry of the :math:`R_i^\top W_i(t) R_{i-1}` at each time.
    chain_error : float
        :math:`\max_{t,i,k} |w_{i,k}^{\rm network}(t) - w_{i,k}^{\rm chain}(t)|`.
    rotations : tuple of ndarray
        :math:`R_0, \dots, R_h`.
    Sigma : ndarray, shape (d_h, d_0)
        The rectangular-diagonal target.
    trajectory : Trajectory
        The network flow (:func:`deeplinear.gradient_flow`).

    Examples
    --------
    >>> check = dl.aligned_flow_check((2, 3, 2), [2.0, 1.0], 0.1, t_max=2.0, num=5)
    >>> isinstance(check, dl.aligned.AlignedFlowCheck), check.modes.shape
    (True, (5, 2, 2))
    """

    t: np.ndarray
    modes: np.ndarray
    chains: np.ndarray
    off_diagonal: np.ndarray
    chain_error: float
    rotations: tuple
    Sigma: np.ndarray
    trajectory: Trajectory

    @property
    def max_off_diagonal(self) -> float:
        """The largest off-diagonal entry over the whole trajectory."""
        return float(np.max(self.off_diagonal))


def aligned_flow_check(
    widths: Sequence[int],
    singular_values: Sequence[float],
    values: object,
    *,
    rotations: object = None,
    t_max: float = 6.0,
    num: int = 121,
) -> AlignedFlowCheck:
    r"""Integrate the network flow from an aligned start and, separately, its scalar chains.

    The network starts at :func:`deeplinear.aligned_init` ``(widths, values, rotations)``; each
    chain is the depth-``h`` scalar network of one mode, integrated with
    :func:`deeplinear.gradient_flow` from the same values,

    .. math:: \dot w_{i,k} = \Big(\prod_{j\ne i} w_{j,k}\Big)\Big(\sigma_k - \prod_j w_{j,k}\Big).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    singular_values : sequence of float
        Diagonal of the target :math:`\Sigma` (``d_h x d_0``, rectangular diagonal), at most
        ``min(d_0, d_h)`` values ``>= 0``.
    values : float or array_like
        Initial mode values, as for :func:`deeplinear.aligned_init` (scalar, ``(m,)`` or
        ``(h, m)`` with ``m = min(widths)`` here).
    rotations : None, numpy.random.Generator or list of ndarray
        Hidden orthogonal matrices (a Generator draws Haar random ones).
    t_max : float, default 6
        The final time, ``> 0``.
    num : int, default 121
        Output times, evenly spaced on ``[0, t_max]``.

    Returns
    -------
    AlignedFlowCheck
        The modes read off the network, the chains, the off-diagonal size and the largest
        difference between the two.

    Raises
    ------
    TypeError
        If ``singular_values`` is not a sequence of numbers, ``widths`` not a sequence of
        integers, ``t_max`` not a real number or ``num`` not an integer.
    ValueError
        If ``singular_values`` is empty, not 1-D, negative or not finite, or has more than
        ``min(d_0, d_h)`` entries; if ``t_max`` is not positive or ``num < 2``; if ``values``
        does not give all ``m`` modes; if ``rotations`` is invalid (as
        :func:`aligned_modes`).
    RuntimeError
        If the network flow stops before ``t_max``.

    References
    ----------
    Saxe, McClelland and Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning
    in deep linear neural networks", ICLR.

    Examples
    --------
    >>> check = dl.aligned_flow_check((2, 3, 2), [2.0, 1.0], 0.1, rotations=np.random.default_rng(0),
    ...                               t_max=2.0, num=5)
    >>> bool(check.chain_error < 1e-8), bool(check.max_off_diagonal < 1e-12)
    (True, True)
    """
    d = as_widths(widths)
    h = len(d) - 1
    s = _singular_values(singular_values)
    S = _sigma_matrix(s, d)
    t_max = as_positive(t_max, "t_max")
    num = as_int(num, "num", minimum=2)
    R = _hidden_rotations(rotations, d)
    m = min(d)
    v = as_real_array(values, "values")
    if v.ndim == 1 and v.size != m:
        raise InvalidArgumentError(f"values must give all m = min(widths) = {m} modes here, got {v.size}")
    if v.ndim == 2 and v.shape != (h, m):
        raise InvalidArgumentError(f"values must have shape (h, m) = ({h}, {m}), got {v.shape}")
    W0 = aligned_init(d, values, rotations=R[1:-1])
    t = np.linspace(0.0, t_max, num)
    tr = gradient_flow(W0, S, (0.0, t_max), t_eval=t)
    if tr.t.size != num:
        raise ConvergenceError(f"the network flow stopped early: {tr.message}")
    read = [aligned_modes(Wt, R[1:-1]) for Wt in tr.weights]
    modes = np.array([r.values for r in read])
    off = np.array([r.off_diagonal for r in read])
    sig = np.zeros(m)
    sig[: min(m, s.size)] = s[:m]
    chains = np.empty_like(modes)
    for k in range(m):
        w0 = [np.array([[modes[0, i, k]]]) for i in range(h)]
        ch = gradient_flow(w0, np.array([[sig[k]]]), (0.0, t_max), t_eval=t)
        chains[:, :, k] = np.array([[float(w[0, 0]) for w in Wt] for Wt in ch.weights])
    err = float(np.max(np.abs(modes - chains)))
    return AlignedFlowCheck(_frozen(t), _frozen(modes), _frozen(chains), _frozen(off), err,
                            tuple(_frozen(r) for r in R), _frozen(S), tr)


@dataclass(frozen=True)
class DepthScaling:
    r"""Learning times of a balanced mode from a fixed product ``u0`` to ``uf`` for several depths.

    Attributes
    ----------
    depths : ndarray of int
        The depths ``h``.
    times : ndarray
        :math:`t_h(u_0 \to u_f)` (:func:`deeplinear.learning_time`), one per depth.
    scaled : ndarray
        :math:`h\,t_h`.
    limit : float
        :math:`\lim_{h\to\infty} h\,t_h = \int_{u_0}^{u_f}\frac{du}{u^2(\sigma - u)}
        = \Big[-\frac{1}{\sigma u} + \frac{1}{\sigma^2}\ln\frac{u}{\sigma - u}\Big]_{u_0}^{u_f}`.
    sigma, u0, uf : float
        The singular value and the two products.

    Examples
    --------
    >>> scaling = dl.depth_scaled_times(1.0, 0.1, 0.5, depths=(2, 10, 100))
    >>> isinstance(scaling, dl.aligned.DepthScaling), round(scaling.limit, 4)
    (True, 10.1972)
    """

    depths: np.ndarray
    times: np.ndarray
    scaled: np.ndarray
    limit: float
    sigma: float
    u0: float
    uf: float


def _limit_time(sigma: float, u: np.ndarray) -> np.ndarray:
    """Antiderivative of 1/(u^2 (sigma - u)): the h -> infinity law in the time h t."""
    sigma = np.float64(sigma)  # sigma**2 underflows in 1/sigma**2 (to 0, correctly) instead of raising OverflowError
    with np.errstate(over="ignore", under="ignore"):
        return -1.0 / (sigma * u) + np.log(u / (sigma - u)) / sigma**2


def depth_scaled_times(sigma: float, u0: float, uf: float, depths: Sequence[int] = (2, 3, 5, 10, 20, 50)) -> DepthScaling:
    r"""Learning times :math:`t_h` from the product ``u0`` to ``uf`` and the rescaled :math:`h\,t_h`.

    For fixed :math:`0 < u_0 < u_f < \sigma`,

    .. math:: h\,t_h = \int_{u_0}^{u_f} \frac{du}{u^{2-2/h}(\sigma - u)}

    converges to the finite limit :attr:`DepthScaling.limit` as :math:`h \to \infty` (dominated
    convergence).

    Parameters
    ----------
    sigma : float
        The singular value, ``> 0``.
    u0 : float
        Initial product, ``0 < u0 < uf``.
    uf : float
        Final product, ``uf < sigma``.
    depths : sequence of int, default (2, 3, 5, 10, 20, 50)
        The depths, each ``>= 1``.

    Returns
    -------
    DepthScaling
        The times, the rescaled times and their limit.

    Raises
    ------
    TypeError
        If ``sigma``, ``u0`` or ``uf`` is not a real number, or a depth is not an integer.
    ValueError
        Unless ``0 < u0 < uf < sigma``; if ``depths`` is empty or a depth is below 1.

    Examples
    --------
    >>> scaling = dl.depth_scaled_times(1.0, 0.1, 0.5, depths=(2, 10, 100))
    >>> scaling.scaled  # tends to the limit 10.1972
    array([2.197225, 7.370635, 9.86774 ])
    """
    sigma = _as_sigma(sigma)
    u0 = as_positive(u0, "u0")
    uf = as_positive(uf, "uf")
    if not u0 < uf < sigma:
        raise InvalidArgumentError(f"need 0 < u0 < uf < sigma, got u0 = {u0}, uf = {uf}, sigma = {sigma}")
    hs = np.array(as_depths(depths), dtype=int)
    if hs.size == 0:
        raise InvalidArgumentError("depths must name at least one depth")
    times = np.array([learning_time(u0, uf, sigma, int(x)) for x in hs])
    lim = float(_limit_time(sigma, np.array(uf)) - _limit_time(sigma, np.array(u0)))
    hs.setflags(write=False)
    return DepthScaling(hs, _frozen(times), _frozen(hs * times), lim, sigma, u0, uf)


@dataclass(frozen=True)
class ConvergenceRate:
    r"""Late-time decay rate of the loss of a balanced scalar chain.

    Attributes
    ----------
    h : int
        The depth.
    sigma : float
        The singular value.
    predicted : float
        :math:`-2h\sigma^{2-2/h}`, the linearisation at the minimum.
    measured : float
        Least-squares slope of :math:`\log L(t)` on the integrated flow where
        :math:`10^{-11} \le L \le 10^{-7}`.

    Examples
    --------
    >>> rate = dl.local_convergence_rate(1.0, 2)
    >>> isinstance(rate, dl.aligned.ConvergenceRate), rate.predicted
    (True, -4.0)
    """

    h: int
    sigma: float
    predicted: float
    measured: float


def local_convergence_rate(sigma: float, h: int, *, a0: float | None = None) -> ConvergenceRate:
    r"""Measure :math:`\frac{d}{dt}\log L` near the minimum on the integrated network flow.

    The scalar network of depth ``h`` (widths all one) starts balanced at ``a0`` (default
    :math:`\tfrac12\sigma^{1/h}`) and is integrated with :func:`deeplinear.gradient_flow`
    until the loss is far below :math:`10^{-11}`. Linearising Saxe's law at :math:`u = \sigma`
    gives :math:`\frac{d}{dt}(\sigma - u) = -h\sigma^{2-2/h}(\sigma - u)`, so
    :math:`L = \tfrac12(\sigma - u)^2` decays at the rate

    .. math:: \frac{d}{dt}\log L \to -2h\sigma^{2-2/h}.

    Parameters
    ----------
    sigma : float
        The singular value, ``> 0``.
    h : int
        Depth, ``>= 1``.
    a0 : float, optional
        The initial layer value, ``> 0`` with ``a0**h < sigma``.

    Returns
    -------
    ConvergenceRate
        The predicted and the measured rate.

    Raises
    ------
    TypeError
        If ``sigma`` or ``a0`` is not a real number, or ``h`` not an integer.
    ValueError
        If ``sigma`` or ``a0`` is not positive, ``h < 1``, or ``a0**h >= sigma``.
    RuntimeError
        If fewer than five output points fall in the window :math:`10^{-11} \le L \le 10^{-7}`.

    Examples
    --------
    >>> rate = dl.local_convergence_rate(2.0, 3)
    >>> round(rate.predicted, 4), round(rate.measured, 2)
    (-15.1191, -15.12)
    """
    h = as_depth(h)
    sigma = _as_sigma(sigma)
    a0 = 0.5 * sigma ** (1.0 / h) if a0 is None else as_positive(a0, "a0")
    u0 = a0**h
    if not 0 < u0 < sigma:
        raise InvalidArgumentError(f"a0 = {a0} gives u0 = a0^h = {u0}, which must lie strictly between 0 and sigma = {sigma}")
    rate = h * sigma ** (2.0 - 2.0 / h)
    t0 = learning_time(u0, 0.9 * sigma, sigma, h) if h > 1 else 0.0
    t_end = t0 + 16.0 / rate
    t = np.linspace(0.0, t_end, 801)
    tr = gradient_flow([np.array([[a0]]) for _ in range(h)], np.array([[sigma]]), (0.0, t_end), t_eval=t)
    L = tr.loss
    sel = (L >= 1e-11) & (L <= 1e-7)
    if np.count_nonzero(sel) < 5:
        raise ConvergenceError("too few points in the window 1e-11 <= L <= 1e-7 to measure the rate")
    slope = float(np.polyfit(tr.t[sel], np.log(L[sel]), 1)[0])
    return ConvergenceRate(h, sigma, -2.0 * rate, slope)
