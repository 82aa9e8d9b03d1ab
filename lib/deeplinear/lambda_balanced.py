r"""Two-layer networks with a lambda-balanced start: the exact (matrix Riccati) solution of the flow.

A two-layer network is *lambda-balanced* when its conserved quantity is a multiple of the identity,

.. math:: C_1 = W_2^\top W_2 - W_1 W_1^\top = \lambda I_{d_1}

(the book's sign convention; :math:`\lambda = 0` is 0-balanced, and for one mode
:math:`\lambda = c = w_2^2 - w_1^2`, :mod:`deeplinear.unbalanced`). Stack the layers as
:math:`Q = [W_1^\top; W_2]`, of shape :math:`(d_0 + d_2) \times d_1`. The flow of
:math:`\tfrac12\lVert\Sigma - W_2W_1\rVert_F^2` (whitened input, :math:`\Sigma = \Sigma^{yx}`)
is :math:`\dot Q = FQ - Q_{\rm cub}` with :math:`F = [[0, \Sigma^\top], [\Sigma, 0]]` and a
cubic term that, *because* :math:`C_1 = \lambda I`, equals
:math:`\tfrac12 QQ^\top Q + \tfrac\lambda2 JQ`, :math:`J = \operatorname{diag}(I_{d_0}, -I_{d_2})`. So

.. math:: \dot Q = GQ - \tfrac12 QQ^\top Q, \qquad G = F - \tfrac\lambda2 J
          = \begin{pmatrix} -\tfrac\lambda2 I & \Sigma^\top \\ \Sigma & \tfrac\lambda2 I\end{pmatrix},

and :math:`P = QQ^\top` solves the matrix Riccati equation :math:`\dot P = GP + PG - P^2`, whose
solution is

.. math:: P(t) = e^{Gt}Q_0\,\big[I + Q_0^\top S(t) Q_0\big]^{-1} Q_0^\top e^{Gt}, \qquad
          S(t) = \int_0^t e^{2Gs}\,ds.

(Differentiate: the bracket :math:`N(t)` has :math:`\dot N = Q_0^\top e^{2Gt}Q_0`, which gives
:math:`-P^2`.) :math:`N(t)` is symmetric positive definite for every :math:`t \ge 0`, so no
invertibility condition is needed. The blocks of :math:`P` are :math:`W_1^\top W_1`,
:math:`(W_2W_1)^\top`, :math:`W_2W_1` and :math:`W_2W_2^\top`: the end-to-end map and the two
Gram matrices that make the tangent kernel of a two-layer network,
:math:`K = (W_2W_2^\top) \otimes I + I \otimes (W_1^\top W_1)`
(:func:`deeplinear.lazy_rich.tangent_kernel`).

This is the structure of Fukumizu (1998) for 0-balanced starts and of Braun, Dominé, Fitzgerald
and Saxe (2022) and Dominé et al. (2025) for lambda-balanced ones; the form above is derived here
(not checked term by term against theirs) and tested against the integrated flow. Evaluated in
one piece for long times it loses the slow modes to rounding, so :func:`lambda_balanced_solution`
applies it over short intervals (the semigroup property; no discretisation error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_positive, as_real, as_real_array, as_rng, as_weights, as_widths, check_sigma, finite_result
from ._validation import frozen_array as _frozen
from .errors import InvalidArgumentError
from .flow import gradient_flow
from .lazy_rich import weight_travel

__all__ = [
    "lambda_balanced_init",
    "balance_parameter",
    "LambdaBalancedSolution",
    "lambda_balanced_solution",
    "LambdaStudy",
    "lambda_study",
]


def _psd_sqrt(M: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh((M + M.T) / 2)
    return (V * np.sqrt(np.maximum(w, 0.0))) @ V.T


def lambda_balanced_init(widths: Sequence[int], lam: float, rng: np.random.Generator | int, *,
                         scale: float = 0.1) -> list[np.ndarray]:
    r"""Random two-layer weights with :math:`W_2^\top W_2 - W_1W_1^\top = \lambda I` exactly.

    For :math:`\lambda \ge 0`: :math:`W_1 = s\,G/\sqrt{d_0}` (Gaussian :math:`G`) and
    :math:`W_2 = O\,(W_1W_1^\top + \lambda I)^{1/2}` with :math:`O` a random
    :math:`d_2 \times d_1` matrix with orthonormal columns (needs :math:`d_1 \le d_2`). For
    :math:`\lambda < 0` the roles swap: :math:`W_2 = s\,G/\sqrt{d_1}` and
    :math:`W_1 = (W_2^\top W_2 - \lambda I)^{1/2} O^\top` (needs :math:`d_1 \le d_0`).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, d_1, d_2)``.
    lam : float
        The balance parameter :math:`\lambda`.
    rng : numpy.random.Generator or int
        Source (or seed) of randomness (the position of ``delta_balanced_init``'s ``rng``).
    scale : float, default 0.1
        Scale :math:`s \ge 0` of the random layer.

    Returns
    -------
    list of ndarray
        ``[W_1, W_2]``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``widths`` has not three entries, ``scale < 0``, or the hidden layer is too wide for
        the sign of ``lam`` (``d_1 > d_2`` with ``lam > 0``, ``d_1 > d_0`` with ``lam < 0``).

    Examples
    --------
    >>> W1, W2 = dl.lambda_balanced.lambda_balanced_init((3, 2, 3), 0.5, np.random.default_rng(0), scale=0.1)
    >>> np.allclose(W2.T @ W2 - W1 @ W1.T, 0.5 * np.eye(2))
    True
    """
    d = as_widths(widths)
    if len(d) != 3:
        raise InvalidArgumentError(f"widths must be (d_0, d_1, d_2) of a two-layer network, got {widths!r}")
    lam = as_real(lam, "lam")
    scale = as_positive(scale, "scale", allow_zero=True)
    gen = as_rng(rng)
    if scale > 1e100 or abs(lam) > 1e200:
        raise InvalidArgumentError(f"scale (at most 1e100) and |lam| (at most 1e200) are too large: got "
                                   f"scale = {scale!r}, lam = {lam!r}; the Gram matrices would overflow")
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(_init(d, lam, scale, gen), "lambda_balanced_init", "scale or lam")


def _init(d, lam, scale, gen):
    d0, d1, d2 = d
    if lam >= 0:
        if d1 > d2:
            raise InvalidArgumentError(f"lam = {lam} >= 0 needs d_1 <= d_2, got widths {d}")
        W1 = scale * gen.standard_normal((d1, d0)) / np.sqrt(d0)
        O = np.linalg.qr(gen.standard_normal((d2, d1)))[0]
        return [W1, O @ _psd_sqrt(W1 @ W1.T + lam * np.eye(d1))]
    if d1 > d0:
        raise InvalidArgumentError(f"lam = {lam} < 0 needs d_1 <= d_0, got widths {d}")
    W2 = scale * gen.standard_normal((d2, d1)) / np.sqrt(d1)
    O = np.linalg.qr(gen.standard_normal((d0, d1)))[0]
    return [_psd_sqrt(W2.T @ W2 - lam * np.eye(d1)) @ O.T, W2]


def balance_parameter(weights: Sequence[np.ndarray], *, rtol: float = 1e-8) -> float:
    r"""The :math:`\lambda` of a lambda-balanced two-layer network, :math:`C_1 = \lambda I`.

    :math:`\lambda = \operatorname{tr} C_1 / d_1`; an error if
    :math:`\lVert C_1 - \lambda I\rVert_F > \mathrm{rtol}\,\max(1, \lVert W_1\rVert_F^2 + \lVert W_2\rVert_F^2)`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, W_2]``.
    rtol : float, default 1e-8
        Relative tolerance of the test.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``weights`` is not a list of real matrices.
    ValueError
        If there are not two layers or the network is not lambda-balanced.

    Examples
    --------
    >>> dl.lambda_balanced.balance_parameter([np.array([[1.0]]), np.array([[2.0]])])    # w_2^2 - w_1^2
    3.0
    """
    W = as_weights(weights)
    if len(W) != 2:
        raise InvalidArgumentError(f"weights must be [W_1, W_2] of a two-layer network, got {len(W)} layers")
    rtol = as_positive(rtol, "rtol")
    with np.errstate(over="ignore", invalid="ignore"):
        C = finite_result(W[1].T @ W[1] - W[0] @ W[0].T, "balance_parameter", "weights")
        size = finite_result(max(1.0, float(np.sum(W[0] ** 2) + np.sum(W[1] ** 2))), "balance_parameter", "weights")
    lam = float(np.trace(C)) / C.shape[0]
    off = float(np.linalg.norm(C - lam * np.eye(C.shape[0])))
    if off > rtol * size:
        raise InvalidArgumentError(
            f"weights are not lambda-balanced: ||C_1 - lambda I||_F = {off:.3g} for lambda = {lam:.6g} "
            f"(tolerance {rtol * size:.3g}); use dl.lambda_balanced.lambda_balanced_init"
        )
    return lam


@dataclass(frozen=True)
class LambdaBalancedSolution:
    r"""The exact flow of a lambda-balanced two-layer network (:func:`lambda_balanced_solution`).

    Attributes
    ----------
    t : ndarray, shape (n,)
        Times.
    product : ndarray, shape (n, d_2, d_0)
        The end-to-end map :math:`W_2W_1` at each time.
    input_gram : ndarray, shape (n, d_0, d_0)
        :math:`W_1^\top W_1` at each time.
    output_gram : ndarray, shape (n, d_2, d_2)
        :math:`W_2W_2^\top` at each time.
    loss : ndarray, shape (n,)
        :math:`\tfrac12\lVert\Sigma - W_2W_1\rVert_F^2`.
    kernel_change : ndarray, shape (n,)
        Relative change of the tangent kernel
        :math:`K = (W_2W_2^\top)\otimes I + I\otimes(W_1^\top W_1)` since :math:`t = 0`.
    lam : float
        The balance parameter :math:`\lambda`.

    Examples
    --------
    >>> W0 = dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 1.0, 0, scale=0.1)
    >>> sol = dl.lambda_balanced.lambda_balanced_solution(W0, np.eye(2), [0.0, 1.0])
    >>> sol.product.shape, sol.lam
    ((2, 2, 2), 1.0)
    """

    t: np.ndarray
    product: np.ndarray
    input_gram: np.ndarray
    output_gram: np.ndarray
    loss: np.ndarray
    kernel_change: np.ndarray
    lam: float


def _riccati(t: np.ndarray, Q0: np.ndarray, G: np.ndarray) -> np.ndarray:
    r"""``P(t)`` at sorted-or-not times ``t``, by the exact formula applied over short intervals.

    Evaluated in one go for a long time the formula subtracts numbers of size
    :math:`e^{2g_{\max}t}` and loses the slow modes to rounding. It has the semigroup property,
    so it is applied over intervals :math:`\Delta` with :math:`|g|_{\max}\Delta \le 1/2` to a
    factor :math:`Q` of :math:`P = QQ^	op`: :math:`Q \leftarrow e^{G\Delta}QL^{-	op}` with
    :math:`LL^	op = I + Q^	op S(\Delta)Q`. No step error: each step is the exact solution.
    """
    g, V = np.linalg.eigh(G)
    gmax = max(float(np.max(np.abs(g))), 1e-300)
    order = np.argsort(t)
    out = np.empty((t.size, G.shape[0], G.shape[0]))
    B = V.T @ Q0  # the factor in the eigenbasis of G
    now = 0.0
    for k in order:
        span = float(t[k]) - now
        m = int(np.ceil(span * gmax / 0.5)) if span > 0 else 0
        if m:
            dt = span / m
            e = np.exp(g * dt)
            x = 2 * g * dt
            phi = np.where(np.abs(x) > 1e-12, np.expm1(x) / np.where(g == 0, 1.0, 2 * g), dt)
            for _ in range(m):
                L = np.linalg.cholesky(np.eye(B.shape[1]) + B.T @ (phi[:, None] * B))
                B = np.linalg.solve(L, (e[:, None] * B).T).T
        now = float(t[k])
        Q = V @ B
        out[k] = Q @ Q.T
    return out


def _kernel_from_grams(out_gram: np.ndarray, in_gram: np.ndarray) -> np.ndarray:
    return np.kron(out_gram, np.eye(in_gram.shape[0])) + np.kron(np.eye(out_gram.shape[0]), in_gram)


def lambda_balanced_solution(weights0: Sequence[np.ndarray], Sigma: np.ndarray, t_eval: float | np.ndarray, *,
                             rtol: float = 1e-8) -> LambdaBalancedSolution:
    r"""Exact gradient flow of a lambda-balanced two-layer network (whitened input).

    .. math:: W_2W_1(t) = \big[e^{Gt}Q_0\,(I + Q_0^\top S(t)Q_0)^{-1}Q_0^\top e^{Gt}\big]_{21},
              \quad S(t) = \int_0^t e^{2Gs}ds,\quad
              G = \begin{pmatrix} -\tfrac\lambda2 I & \Sigma^\top \\ \Sigma & \tfrac\lambda2 I\end{pmatrix},

    with :math:`Q_0 = [W_1(0)^\top; W_2(0)]` (module docstring for the derivation).
    Hypotheses: two layers, loss :math:`\tfrac12\lVert\Sigma - W_2W_1\rVert_F^2`, start with
    :math:`C_1 = \lambda I` (checked by :func:`balance_parameter`); any widths, any rank.

    Parameters
    ----------
    weights0 : list of ndarray
        ``[W_1, W_2]`` at time 0, lambda-balanced.
    Sigma : ndarray, shape (d_2, d_0)
        The target.
    t_eval : float or array_like
        Times ``>= 0`` (1-D after flattening).
    rtol : float, default 1e-8
        Tolerance of the balance test.

    Returns
    -------
    LambdaBalancedSolution

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a time is negative, the shapes do not match, or the start is not lambda-balanced.

    References
    ----------
    Fukumizu (1998); Braun, Dominé, Fitzgerald and Saxe (2022), NeurIPS; Dominé et al. (2025), ICLR.

    Examples
    --------
    >>> W0 = dl.lambda_balanced.lambda_balanced_init((2, 2, 2), 1.0, 0, scale=0.1)
    >>> sol = dl.lambda_balanced.lambda_balanced_solution(W0, np.diag([2.0, 1.0]), [0.0, 20.0])
    >>> np.allclose(sol.product[0], W0[1] @ W0[0]), np.allclose(sol.product[-1], np.diag([2.0, 1.0]))
    (True, True)
    """
    W = as_weights(weights0, "weights0")
    lam = balance_parameter(W, rtol=rtol)
    d0, d2 = W[0].shape[1], W[1].shape[0]
    S = check_sigma(Sigma, (d0, W[0].shape[0], d2))
    t_arr = as_real_array(t_eval, "t_eval").ravel()
    if np.any(t_arr < 0):
        raise InvalidArgumentError(f"t_eval must be >= 0, got {t_eval!r:.60}")
    G = np.block([[-lam / 2 * np.eye(d0), S.T], [S, lam / 2 * np.eye(d2)]])
    steps = float(np.max(t_arr, initial=0.0)) * float(np.linalg.norm(G, 2)) / 0.5
    if steps > 2e5:
        raise InvalidArgumentError(
            f"t_eval up to {np.max(t_arr):.4g} with ||G||_2 = {np.linalg.norm(G, 2):.4g} (from Sigma and lambda) needs "
            f"{steps:.3g} exact sub-steps (at most 2e5): shorten t_eval or rescale Sigma"
        )
    Q0 = np.vstack([W[0].T, W[1]])
    P = _riccati(t_arr, Q0, G)
    prod, gin, gout = P[:, d0:, :d0], P[:, :d0, :d0], P[:, d0:, d0:]
    K0 = _kernel_from_grams(gout[0], gin[0])
    n0 = np.linalg.norm(K0)
    change = [np.linalg.norm(_kernel_from_grams(b, a) - K0) / n0 if n0 > 0 else 0.0 for a, b in zip(gin, gout)]
    loss = 0.5 * np.sum((S - prod) ** 2, axis=(1, 2))
    return LambdaBalancedSolution(t=_frozen(t_arr), product=_frozen(prod), input_gram=_frozen(gin),
                                  output_gram=_frozen(gout), loss=_frozen(loss), kernel_change=_frozen(change),
                                  lam=lam)


@dataclass(frozen=True)
class LambdaStudy:
    r"""How lazy the flow is as a function of :math:`\lambda` (:func:`lambda_study`).

    Attributes
    ----------
    lams : ndarray, shape (n,)
        The balance parameters.
    kernel_change : ndarray, shape (n,)
        :math:`\max_t` relative change of the tangent kernel (from the exact solution).
    weight_travel : ndarray, shape (n,)
        :math:`\lVert\theta(T) - \theta(0)\rVert / \lVert\theta(0)\rVert` (integrated flow).
    half_time : ndarray, shape (n,)
        First time at which the loss is half its initial value.
    closed_form_error : ndarray, shape (n,)
        :math:`\max_t \lVert W_2W_1^{\rm exact} - W_2W_1^{\rm flow}\rVert_F` on the output times.

    Examples
    --------
    >>> st = dl.lambda_balanced.lambda_study([0.0, 4.0], np.diag([2.0, 1.0]), (2, 2, 2), t_end=5.0, num=11)
    >>> st.lams.tolist(), bool(st.closed_form_error.max() < 1e-8)
    ([0.0, 4.0], True)
    """

    lams: np.ndarray
    kernel_change: np.ndarray
    weight_travel: np.ndarray
    half_time: np.ndarray
    closed_form_error: np.ndarray


def lambda_study(lams: Sequence[float], Sigma: np.ndarray, widths: Sequence[int], *, scale: float = 0.01,
                 t_end: float = 20.0, num: int = 201, rng: np.random.Generator | int = 0) -> LambdaStudy:
    r"""Kernel change, weight travel and speed of the flow from lambda-balanced starts.

    For each :math:`\lambda` a start :func:`lambda_balanced_init` (same seed, same ``scale``) is
    followed both by :func:`lambda_balanced_solution` and by :func:`deeplinear.gradient_flow`;
    their difference is recorded as ``closed_form_error``.

    Parameters
    ----------
    lams : sequence of float
        Balance parameters.
    Sigma : ndarray, shape (d_2, d_0)
        The target.
    widths : sequence of int
        ``(d_0, d_1, d_2)``; ``d_1 <= min(d_0, d_2)`` when both signs of ``lam`` occur.
    scale : float, default 0.01
        Scale of the random layer.
    t_end : float, default 20.0
        Length of the runs.
    num : int, default 201
        Number of output times.
    rng : numpy.random.Generator or int, default 0
        Seed of the starts (the same for every ``lam``).

    Returns
    -------
    LambdaStudy

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If an argument is invalid (see :func:`lambda_balanced_init`).

    Examples
    --------
    >>> st = dl.lambda_balanced.lambda_study([0.0, 25.0], np.diag([2.0, 1.0]), (2, 2, 2), t_end=15.0, num=31)
    >>> bool(st.kernel_change[0] > 10 * st.kernel_change[1]), bool(st.closed_form_error.max() < 1e-8)
    (True, True)
    """
    ls = as_real_array(lams, "lams", ndim=1)
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    t_end = as_positive(t_end, "t_end")
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 2:
        raise InvalidArgumentError(f"num must be an integer >= 2, got {num!r}")
    seed = rng if isinstance(rng, (int, np.integer)) else int(as_rng(rng).integers(2**31))
    t_eval = np.linspace(0.0, t_end, int(num))
    rows = []
    for lam in ls:
        W0 = lambda_balanced_init(d, float(lam), int(seed), scale=scale)
        sol = lambda_balanced_solution(W0, S, t_eval)
        traj = gradient_flow(W0, S, (0.0, t_end), t_eval=t_eval, rtol=1e-12, atol=1e-16, warn=False)
        err = float(np.max(np.linalg.norm(sol.product - traj.end_to_end, axis=(1, 2))))
        below = np.nonzero(sol.loss <= sol.loss[0] / 2)[0]
        rows.append((float(np.max(sol.kernel_change)), weight_travel(traj.weights[-1], W0),
                     float(t_eval[below[0]]) if below.size else np.inf, err))
    cols = list(zip(*rows))
    return LambdaStudy(lams=_frozen(ls), kernel_change=_frozen(cols[0]), weight_travel=_frozen(cols[1]),
                       half_time=_frozen(cols[2]), closed_form_error=_frozen(cols[3]))
