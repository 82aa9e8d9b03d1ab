r"""Diagonal linear networks: the implicit bias of the initial scale, from l2 to l1.

The predictor :math:`\beta = u \odot u - v \odot v \in \mathbb R^d` (elementwise products) of a
*diagonal linear network* is trained by gradient flow on the least-squares loss
:math:`\tfrac12\lVert X\beta - y\rVert^2` of an underdetermined problem (:math:`X` of shape
:math:`n \times d`, :math:`n < d`, full row rank), from :math:`u(0) = v(0) = \alpha\mathbf 1`, so
:math:`\beta(0) = 0`. Woodworth et al. (2020, Theorem 1) show that if the flow converges to an
interpolant, its limit is

.. math:: \beta_\alpha^\infty = \operatorname*{arg\,min}_{X\beta = y} Q_\alpha(\beta), \qquad
          Q_\alpha(\beta) = \alpha^2\sum_i q\big(\beta_i/\alpha^2\big), \quad
          q(z) = 2 - \sqrt{4 + z^2} + z\,\operatorname{arcsinh}(z/2),

which tends to the minimum-:math:`\ell_2`-norm interpolant as :math:`\alpha \to \infty` (the
kernel regime) and to the minimum-:math:`\ell_1`-norm one as :math:`\alpha \to 0` (the rich regime).

Why: :math:`u v` is conserved elementwise (:math:`= \alpha^2`) and
:math:`\dot u = -2u\odot r`, :math:`\dot v = 2v\odot r` with :math:`r = X^\top(X\beta - y)`, so
:math:`\beta(t) = 2\alpha^2\sinh\big(X^\top\nu(t)\big)` with :math:`\nu(t) = -4\int_0^t(X\beta - y)`.
Since :math:`\nabla Q_\alpha(\beta) = \operatorname{arcsinh}(\beta/(2\alpha^2))`, the limit satisfies
the optimality (KKT) condition :math:`\nabla Q_\alpha(\beta) \in \operatorname{range}X^\top` of the
strictly convex problem. :func:`diagonal_flow` integrates the flow of :math:`(u, v)` itself;
:func:`min_penalty_interpolant` solves the convex problem independently (Newton's method on its
dual); :func:`diagonal_kkt_residual` measures the optimality condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import linprog

from ._validation import as_int, as_matrix, as_positive, as_real_array, as_rng, as_vector, finite_result
from ._validation import frozen_array as _frozen
from .errors import ConvergenceError, InvalidArgumentError, NonFiniteResultError

__all__ = [
    "diagonal_penalty",
    "DiagonalFlow",
    "diagonal_flow",
    "min_penalty_interpolant",
    "diagonal_kkt_residual",
    "sparse_regression",
    "DiagonalStudy",
    "diagonal_study",
]


def _alpha2(alpha: object) -> float:
    """``alpha ** 2`` for a scale that neither overflows nor underflows when squared."""
    a = as_positive(alpha, "alpha")
    if not 1e-100 <= a <= 1e100:
        raise InvalidArgumentError(f"alpha must be between 1e-100 and 1e100 (alpha^2 is used), got {alpha!r}")
    return a * a


def _problem(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    Xa = as_matrix(X, "X")
    ya = as_vector(y, "y")
    n, d = Xa.shape
    if ya.size != n:
        raise InvalidArgumentError(f"y must have X.shape[0] = {n} entries, got {ya.size}")
    if n >= d:
        raise InvalidArgumentError(f"X must be wide (underdetermined, n < d), got shape {Xa.shape}")
    if np.linalg.matrix_rank(Xa) < n:
        raise InvalidArgumentError(f"X must have full row rank {n}, got rank {np.linalg.matrix_rank(Xa)}")
    return Xa, ya


def diagonal_penalty(beta: np.ndarray, alpha: float) -> float:
    r"""The implicit penalty :math:`Q_\alpha(\beta) = \alpha^2\sum_i q(\beta_i/\alpha^2)` of Woodworth et al.

    .. math:: q(z) = 2 - \sqrt{4 + z^2} + z\,\operatorname{arcsinh}(z/2), \qquad
              \nabla Q_\alpha(\beta) = \operatorname{arcsinh}\big(\beta/(2\alpha^2)\big).

    For large :math:`\alpha`, :math:`Q_\alpha(\beta) \approx \lVert\beta\rVert_2^2/(4\alpha^2)`; for
    small :math:`\alpha`, :math:`Q_\alpha(\beta) \approx \lVert\beta\rVert_1\ln(1/\alpha^2)`.

    Parameters
    ----------
    beta : array_like, shape (d,)
        The predictor.
    alpha : float
        The initial scale, ``> 0``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``alpha`` is not positive or an entry is not finite.

    References
    ----------
    Woodworth, Gunasekar, Lee, Moroshko, Savarese, Golan, Soudry and Srebro (2020), "Kernel and
    rich regimes in overparametrized models", COLT.

    Examples
    --------
    >>> round(dl.diagonal.diagonal_penalty([1.0, 0.0], 100.0) * 4 * 100.0**2, 6)     # ~ ||beta||^2
    1.0
    >>> round(float(dl.diagonal.diagonal_penalty([1.0, -1.0], 1e-3) / np.log(1e6)), 2)       # -> ||beta||_1 = 2, slowly
    1.86
    """
    b = as_vector(beta, "beta")
    a2 = _alpha2(alpha)
    with np.errstate(over="ignore", invalid="ignore"):
        z = b / a2
        q = z * np.arcsinh(z / 2.0) - z * z / (2.0 + np.hypot(2.0, z))  # 2 - sqrt(4 + z^2), without cancellation
        return float(finite_result(a2 * np.sum(q), "diagonal_penalty", "beta / alpha^2"))


@dataclass(frozen=True)
class DiagonalFlow:
    r"""A gradient flow of a diagonal linear network (:func:`diagonal_flow`).

    Attributes
    ----------
    t : ndarray, shape (m,)
        Output times.
    beta : ndarray, shape (m, d)
        :math:`\beta = u\odot u - v\odot v` at each time.
    loss : ndarray, shape (m,)
        :math:`\tfrac12\lVert X\beta - y\rVert^2`.
    alpha : float
        The initial scale.
    converged : bool
        True if the loss fell below ``loss_tol`` before ``t_end``.

    Examples
    --------
    >>> fl = dl.diagonal.diagonal_flow(1.0, np.array([[1.0, 2.0]]), np.array([1.0]))
    >>> fl.beta.shape[1], fl.converged
    (2, True)
    """

    t: np.ndarray
    beta: np.ndarray
    loss: np.ndarray
    alpha: float
    converged: bool

    @property
    def final_beta(self) -> np.ndarray:
        """The predictor at the last time."""
        return self.beta[-1]


def diagonal_flow(alpha: float, X: np.ndarray, y: np.ndarray, *, t_end: float | None = None, num: int = 201,
                  loss_tol: float = 1e-20, rtol: float = 1e-10, atol: float = 1e-14) -> DiagonalFlow:
    r"""Integrate the gradient flow of :math:`\tfrac12\lVert X(u\odot u - v\odot v) - y\rVert^2` from :math:`u = v = \alpha`.

    .. math:: \dot u = -2u\odot X^\top(X\beta - y), \qquad \dot v = 2v\odot X^\top(X\beta - y)

    with :func:`scipy.integrate.solve_ivp` (Radau, with the exact Jacobian: the flow is stiff for
    large :math:`\alpha`), stopping when the loss is below ``loss_tol``.

    Parameters
    ----------
    alpha : float
        Initial scale, ``> 0``.
    X : ndarray, shape (n, d)
        Wide design matrix of full row rank.
    y : ndarray, shape (n,)
        Targets.
    t_end : float, optional
        Longest time; default :math:`10^4\,(1 + \ln(1/\alpha^2)^+)/\min(1, \alpha^2)\,/\,\lambda_{\min}(XX^\top)`.
    num : int, default 201
        Number of output times (geometric in :math:`1 + t`).
    loss_tol : float, default 1e-20
        Convergence threshold on the loss.
    rtol, atol : float
        Tolerances of the integrator.

    Returns
    -------
    DiagonalFlow

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``alpha`` is not positive, ``X`` is not wide and of full row rank, or ``y`` has the wrong size.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0]]); y = np.array([1.0])
    >>> fl = dl.diagonal.diagonal_flow(10.0, X, y)
    >>> fl.converged, np.round(fl.final_beta, 6)      # large alpha: the minimum-l2 interpolant (0.2, 0.4)
    (True, array([0.2, 0.4]))
    """
    a2 = _alpha2(alpha)
    alpha = float(np.sqrt(a2))
    Xa, ya = _problem(X, y)
    num = as_int(num, "num", minimum=2)
    d = Xa.shape[1]
    lam_min = float(np.linalg.eigvalsh(Xa @ Xa.T)[0])
    if t_end is None:
        t_end = 1e4 * (1.0 + max(0.0, np.log(1.0 / a2))) / min(1.0, a2) / lam_min
    t_end = as_positive(t_end, "t_end")

    XtX = Xa.T @ Xa

    def rhs(t, z):
        u, v = z[:d], z[d:]
        r = Xa.T @ (Xa @ (u * u - v * v) - ya)
        return np.concatenate([-2.0 * u * r, 2.0 * v * r])

    def jac(t, z):  # the flow is stiff for large alpha (rates ~ alpha^2 times the spread of X X^T)
        u, v = z[:d], z[d:]
        r = Xa.T @ (Xa @ (u * u - v * v) - ya)
        uu, uv, vv = u[:, None] * XtX * u, u[:, None] * XtX * v, v[:, None] * XtX * v
        return np.block([[-2.0 * np.diag(r) - 4.0 * uu, 4.0 * uv], [4.0 * uv.T, 2.0 * np.diag(r) - 4.0 * vv]])

    def done(t, z):
        u, v = z[:d], z[d:]
        res = Xa @ (u * u - v * v) - ya
        return 0.5 * float(res @ res) - loss_tol

    done.terminal = True
    t_eval = np.expm1(np.linspace(0.0, np.log1p(t_end), int(num)))
    t_eval[-1] = t_end
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            sol = solve_ivp(rhs, (0.0, t_end), np.full(2 * d, alpha), method="Radau", jac=jac, t_eval=t_eval,
                            events=done, rtol=rtol, atol=atol * alpha)
    except ValueError as exc:  # Radau's linear algebra meets inf or NaN: the problem is too large
        raise NonFiniteResultError(f"diagonal_flow overflowed: X, y or alpha is too large ({exc})") from exc
    finite_result(sol.y, "diagonal_flow", "X, y or alpha")
    T, Z = sol.t, sol.y.T
    converged = bool(sol.status == 1)
    if converged:
        T = np.append(T, sol.t_events[0][0])
        Z = np.vstack([Z, sol.y_events[0][0]])
    beta = Z[:, :d] ** 2 - Z[:, d:] ** 2
    res = beta @ Xa.T - ya
    return DiagonalFlow(t=_frozen(T), beta=_frozen(beta), loss=_frozen(0.5 * np.sum(res**2, axis=1)),
                        alpha=alpha, converged=converged)


def min_penalty_interpolant(X: np.ndarray, y: np.ndarray, alpha: float, *, tol: float = 1e-13,
                            max_iter: int = 200) -> np.ndarray:
    r"""The minimiser of :math:`Q_\alpha` among interpolants, by Newton's method on the dual.

    .. math:: \min_{X\beta = y} Q_\alpha(\beta) \quad\Longleftrightarrow\quad
              \beta = 2\alpha^2\sinh(X^\top\nu), \quad \nu = \operatorname*{arg\,min}_\nu\,
              2\alpha^2\textstyle\sum_i\cosh\big((X^\top\nu)_i\big) - y^\top\nu,

    a smooth strictly convex dual (damped Newton with backtracking).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Wide design matrix of full row rank.
    y : ndarray, shape (n,)
        Targets.
    alpha : float
        Scale, ``> 0``.
    tol : float, default 1e-13
        Stop when :math:`\lVert X\beta - y\rVert \le \mathrm{tol}\,(1 + \lVert y\rVert)`.
    max_iter : int, default 200
        Newton iterations at most.

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If an argument is invalid.
    RuntimeError
        (:class:`~deeplinear.errors.ConvergenceError`) if Newton's method does not converge.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0]]); y = np.array([1.0])
    >>> np.round(dl.diagonal.min_penalty_interpolant(X, y, 10.0), 4)
    array([0.2, 0.4])
    >>> np.round(dl.diagonal.min_penalty_interpolant(X, y, 1e-4), 4)     # tends to the sparse (l1) one
    array([0.0001, 0.5   ])
    """
    Xa, ya = _problem(X, y)
    alpha = float(np.sqrt(_alpha2(alpha)))
    max_iter = as_int(max_iter, "max_iter", minimum=1)
    tol = as_positive(tol, "tol")
    # continuation in alpha (factors of 10 from alpha = 1 down): the dual of a small alpha is
    # nearly piecewise linear and Newton from nu = 0 is slow; each stage starts from the last.
    stages = [alpha] if alpha >= 1 else list(np.logspace(0.0, np.log10(alpha), int(np.ceil(-np.log10(alpha))) + 1))
    nu = np.zeros(Xa.shape[0])
    for a in stages:
        nu, ok = _newton_dual(Xa, ya, 2.0 * a * a, nu, tol, max_iter)
    if not ok:
        raise ConvergenceError(f"min_penalty_interpolant: Newton did not converge in max_iter = {max_iter} iterations "
                               f"(alpha = {alpha!r}); try a larger alpha or max_iter")
    return 2.0 * alpha * alpha * np.sinh(Xa.T @ nu)


def _newton_dual(Xa, ya, a2, nu, tol, max_iter):
    def dual(nu):
        with np.errstate(over="ignore"):
            return a2 * np.sum(np.cosh(Xa.T @ nu)) - ya @ nu

    for _ in range(max_iter):
        z = Xa.T @ nu
        grad = Xa @ (a2 * np.sinh(z)) - ya
        if np.linalg.norm(grad) <= tol * (1.0 + np.linalg.norm(ya)):
            return nu, True
        H = (Xa * (a2 * np.cosh(z))) @ Xa.T
        step = np.linalg.solve(H, grad)
        f0, s = dual(nu), 1.0
        slack = 1e-13 * abs(f0)  # the dual's changes near the optimum are below its rounding
        while s > 1e-12 and not dual(nu - s * step) <= f0 - 0.25 * s * float(grad @ step) + slack:
            s /= 2
        nu = nu - s * step
    return nu, False


def diagonal_kkt_residual(beta: np.ndarray, X: np.ndarray, alpha: float) -> float:
    r"""Relative distance of :math:`\nabla Q_\alpha(\beta)` from :math:`\operatorname{range}X^\top`.

    .. math:: \frac{\lVert (I - X^+X)\,g\rVert}{\lVert g\rVert}, \qquad g = \operatorname{arcsinh}\big(\beta/(2\alpha^2)\big),

    zero exactly when an interpolant :math:`\beta` minimises :math:`Q_\alpha` among interpolants.

    Parameters
    ----------
    beta : array_like, shape (d,)
        A predictor.
    X : ndarray, shape (n, d)
        The design matrix.
    alpha : float
        Scale, ``> 0``.

    Returns
    -------
    float
        ``0`` for ``beta = 0``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If an argument is invalid or the shapes do not match.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0]])
    >>> dl.diagonal.diagonal_kkt_residual(2 * np.sinh(X[0] * 0.3), X, 1.0)      # of the form 2 sinh(X^T nu)
    0.0
    >>> round(dl.diagonal.diagonal_kkt_residual([1.0, 0.0], X, 1.0), 3)
    0.894
    """
    b = as_vector(beta, "beta")
    Xa = as_matrix(X, "X")
    if Xa.shape[1] != b.size:
        raise InvalidArgumentError(f"beta must have X.shape[1] = {Xa.shape[1]} entries, got {b.size}")
    g = np.arcsinh(b / (2.0 * _alpha2(alpha)))
    ng = float(np.linalg.norm(g))
    if ng == 0.0:
        return 0.0
    proj = np.linalg.lstsq(Xa.T, g, rcond=None)[0]
    out = float(np.linalg.norm(g - Xa.T @ proj)) / ng
    return 0.0 if out < 1e-15 else out


def sparse_regression(n_samples: int, n_features: int, n_nonzero: int, *, rng: np.random.Generator | int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""A small noiseless sparse regression: Gaussian :math:`X` (:math:`n \times d`), :math:`k`-sparse :math:`\beta^\star`, :math:`y = X\beta^\star`.

    :math:`X_{ij} \sim \mathcal N(0, 1/n)`; the nonzero entries of :math:`\beta^\star` are the
    first ``n_nonzero`` coordinates, of size 1 with random signs.

    Parameters
    ----------
    n_samples, n_features, n_nonzero : int
        :math:`n`, :math:`d` and :math:`k`, with ``1 <= k <= d`` and ``1 <= n < d``.
    rng : numpy.random.Generator or int, default 0
        Source (or seed) of randomness.

    Returns
    -------
    (X, y, beta_star)

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the sizes are invalid.

    Examples
    --------
    >>> X, y, b = dl.diagonal.sparse_regression(5, 12, 2, rng=0)
    >>> X.shape, y.shape, int(np.count_nonzero(b))
    ((5, 12), (5,), 2)
    """
    n = as_int(n_samples, "n_samples", minimum=1)
    d, k = as_int(n_features, "n_features", minimum=2), as_int(n_nonzero, "n_nonzero", minimum=1)
    if n >= d or k > d:
        raise InvalidArgumentError(f"need n_samples < n_features and n_nonzero <= n_features, got {n}, {d}, {k}")
    gen = as_rng(rng)
    X = gen.standard_normal((n, d)) / np.sqrt(n)
    b = np.zeros(d)
    b[:k] = gen.choice([-1.0, 1.0], size=k)
    return X, X @ b, b


@dataclass(frozen=True)
class DiagonalStudy:
    r"""Limits of the diagonal flow for several scales (:func:`diagonal_study`).

    Attributes
    ----------
    alphas : ndarray, shape (m,)
        Initial scales.
    beta : ndarray, shape (m, d)
        Limit of the flow for each scale.
    penalty_minimiser : ndarray, shape (m, d)
        :func:`min_penalty_interpolant` for each scale.
    gap : ndarray, shape (m,)
        :math:`\lVert\beta^\infty_{\rm flow} - \beta^\infty_{\rm convex}\rVert`.
    kkt : ndarray, shape (m,)
        :func:`diagonal_kkt_residual` of the flow's limit.
    l1_norm, l2_norm : ndarray, shape (m,)
        Norms of the flow's limit.
    distance_l2, distance_l1 : ndarray, shape (m,)
        Distances to the minimum-:math:`\ell_2` and minimum-:math:`\ell_1` interpolants.
    min_l2, min_l1 : ndarray, shape (d,)
        The two interpolants (pseudo-inverse and linear program).

    Examples
    --------
    >>> st = dl.diagonal.diagonal_study([10.0], np.array([[1.0, 2.0]]), np.array([1.0]))
    >>> np.round(st.beta[0], 6), np.round(st.min_l1, 6)
    (array([0.2, 0.4]), array([0. , 0.5]))
    """

    alphas: np.ndarray
    beta: np.ndarray
    penalty_minimiser: np.ndarray
    gap: np.ndarray
    kkt: np.ndarray
    l1_norm: np.ndarray
    l2_norm: np.ndarray
    distance_l2: np.ndarray
    distance_l1: np.ndarray
    min_l2: np.ndarray
    min_l1: np.ndarray


def _min_l1(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    d = X.shape[1]
    res = linprog(np.ones(2 * d), A_eq=np.hstack([X, -X]), b_eq=y, bounds=(0, None), method="highs")
    if not res.success:  # pragma: no cover - a full-row-rank X always has a feasible point
        raise ConvergenceError(f"minimum-l1 interpolant: linear program failed ({res.message})")
    return res.x[:d] - res.x[d:]


def diagonal_study(alphas: Sequence[float], X: np.ndarray, y: np.ndarray) -> DiagonalStudy:
    r"""Run :func:`diagonal_flow` for several scales and compare each limit with the convex theory.

    Parameters
    ----------
    alphas : sequence of float
        Initial scales, ``> 0``.
    X : ndarray, shape (n, d)
        Wide design matrix of full row rank.
    y : ndarray, shape (n,)
        Targets.

    Returns
    -------
    DiagonalStudy

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If an argument is invalid.

    Examples
    --------
    >>> X, y, b = dl.diagonal.sparse_regression(4, 8, 1, rng=0)
    >>> st = dl.diagonal.diagonal_study([1e-3, 10.0], X, y)
    >>> bool(st.gap.max() < 1e-6), bool(st.distance_l1[0] < 0.01), bool(st.distance_l2[1] < 0.01)
    (True, True, True)
    """
    al = as_real_array(alphas, "alphas", ndim=1)
    if al.size == 0 or np.any(al <= 0):
        raise InvalidArgumentError(f"alphas must be a non-empty list of numbers > 0, got {alphas!r:.80}")
    Xa, ya = _problem(X, y)
    l2 = np.linalg.pinv(Xa) @ ya
    l1 = _min_l1(Xa, ya)
    betas = np.array([diagonal_flow(float(a), Xa, ya).final_beta for a in al])
    conv = np.array([min_penalty_interpolant(Xa, ya, float(a)) for a in al])
    return DiagonalStudy(
        alphas=_frozen(al), beta=_frozen(betas), penalty_minimiser=_frozen(conv),
        gap=_frozen(np.linalg.norm(betas - conv, axis=1)),
        kkt=_frozen([diagonal_kkt_residual(b, Xa, float(a)) for b, a in zip(betas, al)]),
        l1_norm=_frozen(np.abs(betas).sum(axis=1)), l2_norm=_frozen(np.linalg.norm(betas, axis=1)),
        distance_l2=_frozen(np.linalg.norm(betas - l2, axis=1)), distance_l1=_frozen(np.linalg.norm(betas - l1, axis=1)),
        min_l2=_frozen(l2), min_l1=_frozen(l1),
    )
