r"""Residual parametrisation and identity initialisation: :math:`W_i = I + U_i`, :math:`U_i(0) = 0`.

A linear residual network writes every layer as the identity plus a correction,
:math:`W_i = I + U_i`. Since :math:`\nabla_{U_i} L = \nabla_{W_i} L`, gradient descent and the
gradient flow in the corrections are the book's descent and flow in the weights, started from
:math:`W_i = I`: :func:`deeplinear.descent.gradient_descent` and
:func:`deeplinear.flow.gradient_flow` apply unchanged with ``weights0 = identity_init((d,) * (h + 1))``.
What is new here is the exact reduction for a symmetric target:

* :func:`identity_init` -- the identity start :math:`W_1 = \dots = W_h = I_d`;
* :func:`identity_scalar_descent` -- from the identity and a symmetric :math:`\Sigma`, the layers
  stay equal, symmetric and commuting with :math:`\Sigma`; each eigen-direction of
  :math:`\Sigma` (eigenvalue :math:`\lambda`) follows the scalar map
  :math:`w \leftarrow w + \eta\,w^{h-1}(\lambda - w^h)`, :math:`w_0 = 1`;
* :func:`identity_stall_loss` -- the loss :math:`\tfrac12\sum_{\lambda_j < 0}\lambda_j^2` at which
  descent from the identity stalls (Bartlett, Helmbold and Long 2019);
* :func:`identity_descent_run` -- descent from the identity with the library's descent, checked
  against the scalar prediction;
* :func:`orthogonal_init` and :func:`init_iterations` -- scaled orthogonal against Gaussian
  starts of a deep network, and the number of descent steps each needs (Du and Hu 2019; Hu,
  Xiao and Pennington 2020).

.. rubric:: References

* Hardt, M. and Ma, T., "Identity matters in deep learning", ICLR 2017 (arXiv 1611.04231).
* Bartlett, P. L., Helmbold, D. P. and Long, P. M., "Gradient descent with identity initialization
  efficiently learns positive definite linear transformations by deep residual networks", Neural
  Computation 31 (2019) (arXiv 1802.06093).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_depth, as_int, as_matrix, as_real_array, as_positive, as_rng, as_seeds, as_widths, finite_result
from ._validation import frozen_array as _frozen
from .descent import gradient_descent
from .errors import InvalidArgumentError
from .init import random_init
from .invariants import random_orthogonal

__all__ = [
    "identity_init",
    "identity_stall_loss",
    "identity_scalar_descent",
    "IdentityDescentRun",
    "identity_descent_run",
    "orthogonal_init",
    "InitIterations",
    "init_iterations",
]


def _symmetric(Sigma: object, name: str = "Sigma") -> np.ndarray:
    """A square symmetric finite target, or an error naming ``name``."""
    S = as_matrix(Sigma, name)
    if S.shape[0] != S.shape[1]:
        raise InvalidArgumentError(f"{name} must be square for a residual network (W_i = I + U_i), got shape {S.shape}")
    if not np.allclose(S, S.T, rtol=0.0, atol=1e-12 * max(1.0, float(np.max(np.abs(S))))):
        raise InvalidArgumentError(f"{name} must be symmetric, got asymmetry max|S - S^T| = {np.max(np.abs(S - S.T)):.3g}")
    return 0.5 * (S + S.T)


def identity_init(widths: Sequence[int]) -> list[np.ndarray]:
    r"""The identity start of a residual network: :math:`W_1 = \dots = W_h = I_d` (all :math:`U_i = 0`).

    Parameters
    ----------
    widths : sequence of int
        ``(d, d, ..., d)``: ``h + 1`` equal widths (a residual layer maps :math:`\mathbb R^d` to itself).

    Returns
    -------
    list of ndarray
        ``h`` identity matrices of shape ``(d, d)`` (independent copies).

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers.
    ValueError
        If a width is not positive, there are fewer than two widths, or the widths differ.

    Examples
    --------
    >>> weights = dl.resnet.identity_init((2, 2, 2, 2))
    >>> len(weights), dl.end_to_end(weights).tolist()
    (3, [[1.0, 0.0], [0.0, 1.0]])
    """
    d = as_widths(widths)
    if len(set(d)) != 1:
        raise InvalidArgumentError(f"widths must all be equal for an identity start (W_i = I), got {d}")
    return [np.eye(d[0]) for _ in range(len(d) - 1)]


def identity_stall_loss(Sigma: np.ndarray) -> float:
    r"""The loss :math:`\tfrac12\sum_{\lambda_j<0}\lambda_j^2` at which descent from the identity stalls.

    For a symmetric target :math:`\Sigma` with eigenvalues :math:`\lambda_j`, descent (or the flow)
    from :math:`W_i = I` keeps every layer equal to one symmetric matrix :math:`W` commuting with
    :math:`\Sigma`, so the end-to-end map is :math:`W^h`. Along a direction with
    :math:`\lambda_j < 0` the scalar :math:`w` decreases to :math:`0` without crossing it (for
    steps below the bound of :func:`identity_descent_run`), so that direction contributes at
    least :math:`\lambda_j^2/2` to the loss at every step, and exactly that in the limit.

    Parameters
    ----------
    Sigma : ndarray, shape (d, d)
        A symmetric target.

    Returns
    -------
    float
        :math:`\tfrac12\sum_{\lambda_j<0}\lambda_j^2` (``0`` for a positive semi-definite target).

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real matrix.
    ValueError
        If ``Sigma`` is not square, not symmetric or not finite.

    References
    ----------
    Bartlett, Helmbold and Long (2019): gradient descent from the identity fails to converge for a
    symmetric target with a negative eigenvalue.

    Examples
    --------
    >>> dl.resnet.identity_stall_loss(np.diag([2.0, -1.0]))
    0.5
    """
    S = _symmetric(Sigma)
    with np.errstate(over="ignore", invalid="ignore"):
        lam = np.linalg.eigvalsh(S)
        value = float(0.5 * np.sum(np.minimum(lam, 0.0) ** 2))
    return finite_result(value, "identity_stall_loss", "Sigma")


def _scalar_iterates(lam: np.ndarray, h: int, eta: float, steps: int) -> np.ndarray:
    w = np.ones_like(lam)
    out = np.empty((steps + 1, lam.size))
    out[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            w = w + eta * w ** (h - 1) * (lam - w**h)
            out[k + 1] = w
    return out


def identity_scalar_descent(eigenvalues: Sequence[float] | float, h: int, eta: float, steps: int) -> np.ndarray:
    r"""The scalar iterates :math:`w_{k+1} = w_k + \eta\,w_k^{h-1}(\lambda - w_k^h)`, :math:`w_0 = 1`.

    From :math:`W_i = I` and a symmetric target :math:`\Sigma = Q\,\mathrm{diag}(\lambda)\,Q^\top`,
    every descent iterate is :math:`W_i^{(k)} = Q\,\mathrm{diag}(w^{(k)})\,Q^\top` for all layers
    :math:`i`, with one such scalar sequence per eigenvalue.

    Parameters
    ----------
    eigenvalues : float or sequence of float
        The eigenvalues :math:`\lambda_j` of the target.
    h : int
        Depth, ``>= 1``.
    eta : float
        Step size, ``> 0``.
    steps : int
        Number of steps, ``>= 1``.

    Returns
    -------
    ndarray, shape (steps + 1, n)
        Row ``k`` holds :math:`w^{(k)}`, one column per eigenvalue.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``eigenvalues`` is empty or not finite, ``h < 1``, ``eta <= 0`` or ``steps < 1``.
    NonFiniteResultError
        If the iteration overflows (a step size far too large).

    Examples
    --------
    >>> w = dl.resnet.identity_scalar_descent([4.0, -1.0], 2, eta=0.05, steps=400)
    >>> np.round(w[-1], 4)  # sqrt(4) = 2, and 1 -> 0 for the negative eigenvalue
    array([2., 0.])
    """
    if isinstance(eigenvalues, (int, float, np.integer, np.floating)) and not isinstance(eigenvalues, bool):
        eigenvalues = [eigenvalues]
    lam = as_real_array(eigenvalues, "eigenvalues", ndim=1)
    h = as_depth(h)
    eta = as_positive(eta, "eta")
    steps = as_int(steps, "steps", minimum=1)
    return finite_result(_scalar_iterates(lam, h, eta, steps), "identity_scalar_descent", "eta")


@dataclass(frozen=True)
class IdentityDescentRun:
    r"""Result of :func:`identity_descent_run`.

    Attributes
    ----------
    losses : ndarray, shape (steps + 1,)
        The loss of the library's descent from :math:`W_i = I`.
    predicted_losses : ndarray, shape (steps + 1,)
        :math:`\tfrac12\sum_j(\lambda_j - w_j^{(k)h})^2` from :func:`identity_scalar_descent`.
    stall_loss : float
        :func:`identity_stall_loss` of the target.
    eigenvalues : ndarray
        The target's eigenvalues (ascending).
    product_eigenvalues : ndarray
        Eigenvalues of the final end-to-end map (ascending).
    layer_spread : float
        :math:`\max_i\lVert W_i - W_1\rVert_F` at the end (0: the layers stayed equal).
    asymmetry : float
        :math:`\max_i\lVert W_i - W_i^\top\rVert_F` at the end.
    commutator : float
        :math:`\max_i\lVert W_i\Sigma - \Sigma W_i\rVert_F` at the end.
    eta : float
        The step size.
    h : int
        The depth.

    Examples
    --------
    >>> run = dl.resnet.identity_descent_run(np.diag([1.0, -0.5]), 2, steps=500)
    >>> isinstance(run, dl.resnet.IdentityDescentRun), run.stall_loss
    (True, 0.125)
    """

    losses: np.ndarray
    predicted_losses: np.ndarray
    stall_loss: float
    eigenvalues: np.ndarray
    product_eigenvalues: np.ndarray
    layer_spread: float
    asymmetry: float
    commutator: float
    eta: float
    h: int

    @property
    def final_loss(self) -> float:
        """The loss after the last step."""
        return float(self.losses[-1])


def safe_identity_step(Sigma: np.ndarray, h: int) -> float:
    r"""A step size below which descent from the identity behaves as the scalar analysis says.

    :math:`\eta_0 = 1/\big((2h-1)\max(1, \lVert\Sigma\rVert_2)^{2-2/h}\big)`: for
    :math:`\eta \le \eta_0` the scalar map is increasing between :math:`1` and every target value,
    so positive eigen-directions converge monotonically to :math:`\lambda^{1/h}` and the others
    decrease to :math:`0` without crossing it (the chapter's proposition). Not re-exported.
    """
    S = _symmetric(Sigma)
    h = as_depth(h)
    rho = max(1.0, float(np.max(np.abs(np.linalg.eigvalsh(S)))))
    return 1.0 / ((2 * h - 1) * rho ** (2.0 - 2.0 / h))


def identity_descent_run(Sigma: np.ndarray, h: int, *, eta: float | None = None, steps: int = 2000) -> IdentityDescentRun:
    r"""Gradient descent of a residual network from the identity, with its scalar prediction.

    Runs :func:`deeplinear.descent.gradient_descent` from :func:`identity_init` (the residual
    parametrisation has the same gradients) and compares every loss with
    :math:`\tfrac12\sum_j(\lambda_j - w_j^{(k)h})^2` of :func:`identity_scalar_descent`.

    Parameters
    ----------
    Sigma : ndarray, shape (d, d)
        A symmetric target.
    h : int
        Depth, ``>= 1``.
    eta : float, optional
        Step size; default :math:`\eta_0 = 1/((2h-1)\max(1,\lVert\Sigma\rVert_2)^{2-2/h})`, below
        which the chapter's proposition holds.
    steps : int, default 2000
        Number of steps, ``>= 1``.

    Returns
    -------
    IdentityDescentRun

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``Sigma`` is not square, symmetric and finite, ``h < 1``, ``eta <= 0`` or ``steps < 1``.
    NonFiniteResultError
        If the scalar prediction overflows (a step size far too large).

    References
    ----------
    Bartlett, Helmbold and Long (2019).

    Examples
    --------
    >>> run = dl.resnet.identity_descent_run(np.diag([2.0, -1.0]), 2, steps=3000)
    >>> round(run.final_loss, 4), run.stall_loss
    (0.5, 0.5)
    >>> bool(np.max(np.abs(run.losses - run.predicted_losses)) < 1e-12)
    True
    """
    S = _symmetric(Sigma)
    h = as_depth(h)
    eta = safe_identity_step(S, h) if eta is None else as_positive(eta, "eta")
    steps = as_int(steps, "steps", minimum=1)
    lam, _ = np.linalg.eigh(S)
    w = finite_result(_scalar_iterates(lam, h, eta, steps), "identity_descent_run", "eta")
    predicted = 0.5 * np.sum((lam - w**h) ** 2, axis=1)
    run = gradient_descent(identity_init((S.shape[0],) * (h + 1)), S, eta, steps, on_divergence="ignore", keep_iterates=False)
    W = run.final_weights
    return IdentityDescentRun(
        losses=_frozen(run.losses),
        predicted_losses=_frozen(predicted[: run.losses.size]),
        stall_loss=identity_stall_loss(S),
        eigenvalues=_frozen(lam),
        product_eigenvalues=_frozen(np.sort(np.linalg.eigvals(np.linalg.multi_dot(W[::-1]) if h > 1 else W[0]).real)),
        layer_spread=float(max(np.linalg.norm(Wi - W[0]) for Wi in W)),
        asymmetry=float(max(np.linalg.norm(Wi - Wi.T) for Wi in W)),
        commutator=float(max(np.linalg.norm(Wi @ S - S @ Wi) for Wi in W)),
        eta=float(eta),
        h=h,
    )


# --------------------------------------------------------------------------- width and initialisation


def _orthonormal(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random matrix with orthonormal columns (rows >= cols) or rows (rows < cols)."""
    Q = random_orthogonal(max(rows, cols), rng)
    return Q[:rows, :cols]


def orthogonal_init(widths: Sequence[int], rng: np.random.Generator) -> list[np.ndarray]:
    r"""A scaled orthogonal start: :math:`W_i = \sqrt{d_i/d_{i-1}}^{\,\pm}\,Q_i`, :math:`Q_i` Haar-orthonormal.

    Each :math:`Q_i` (shape :math:`d_i\times d_{i-1}`) has orthonormal columns when
    :math:`d_i \ge d_{i-1}` and orthonormal rows otherwise; hidden square layers are orthogonal.
    This is the orthogonal initialisation of Hu, Xiao and Pennington (2020) with their scale
    factor absorbed into the layers: every singular value of every layer is 1, so the end-to-end
    map has singular values at most 1 (the layers are isometries on their row spaces, but the
    product of a wide-to-narrow and a narrow-to-wide layer need not be).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.
    rng : numpy.random.Generator
        Explicit source of randomness (or a non-negative integer seed).

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers or ``rng`` is not a Generator or seed.
    ValueError
        If a width is not positive or there are fewer than two widths.

    References
    ----------
    Hu, W., Xiao, L. and Pennington, J., "Provable benefit of orthogonal initialization in
    optimizing deep linear networks", ICLR 2020 (arXiv 2001.05992).

    Examples
    --------
    >>> W = dl.resnet.orthogonal_init((2, 4, 4, 2), np.random.default_rng(0))
    >>> [np.round(np.linalg.svd(w, compute_uv=False), 6).tolist() for w in W]
    [[1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0]]
    >>> bool(np.linalg.norm(dl.end_to_end(W), 2) <= 1 + 1e-12)
    True
    """
    d = as_widths(widths)
    rng = as_rng(rng)
    return [_orthonormal(d[i], d[i - 1], rng) for i in range(1, len(d))]


@dataclass(frozen=True)
class InitIterations:
    r"""Result of :func:`init_iterations`.

    Attributes
    ----------
    depths : ndarray of int
        The depths tried.
    gaussian, orthogonal : ndarray, shape (len(depths), len(seeds))
        Steps each start needed to reach the loss ``tol``; ``-1`` where it did not within
        ``max_steps`` (or diverged).
    width : int
        The hidden width.
    eta, tol : float
        Step size and loss tolerance.
    max_steps : int
        The step budget.

    Examples
    --------
    >>> res = dl.resnet.init_iterations(np.diag([1.0, 0.5]), [1, 2], 3, seeds=[0])
    >>> isinstance(res, dl.resnet.InitIterations), res.gaussian.shape
    (True, (2, 1))
    """

    depths: np.ndarray
    gaussian: np.ndarray
    orthogonal: np.ndarray
    width: int
    eta: float
    tol: float
    max_steps: int


def init_iterations(
    Sigma: np.ndarray,
    depths: Sequence[int],
    width: int,
    *,
    eta: float = 0.05,
    tol: float = 1e-6,
    max_steps: int = 4000,
    seeds: Sequence[int] = (0, 1, 2),
) -> InitIterations:
    r"""Steps of gradient descent to the loss ``tol``: Gaussian against orthogonal starts, by depth.

    For each depth :math:`h` the widths are :math:`(d_0, m, \dots, m, d_h)` with hidden width
    :math:`m =` ``width``. The Gaussian start has i.i.d. entries of variance :math:`1/d_{i-1}`
    (``random_init(..., fan_in=True)``, the variance-preserving scale, which is the scaled
    Gaussian model of Du and Hu (2019) with its scale factor moved into the layers); the
    orthogonal start is :func:`orthogonal_init`. Each runs
    :func:`deeplinear.descent.gradient_descent` with the same ``eta``.

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    depths : sequence of int
        Depths to try, each ``>= 1``.
    width : int
        Hidden width ``m``, ``>= 1``.
    eta : float, default 0.05
        Step size, ``> 0``.
    tol : float, default 1e-6
        Loss tolerance, ``> 0``.
    max_steps : int, default 4000
        Step budget per run, ``>= 1``.
    seeds : sequence of int, default (0, 1, 2)
        One Gaussian and one orthogonal start per seed.

    Returns
    -------
    InitIterations

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``Sigma`` is not a finite matrix, a depth or ``width`` is below 1, ``eta`` or ``tol``
        is not positive, ``max_steps < 1`` or ``seeds`` is empty.

    References
    ----------
    Du, S. S. and Hu, W., "Width provably matters in optimization for deep linear neural
    networks", ICML 2019 (arXiv 1901.08572). Hu, Xiao and Pennington (2020).

    Examples
    --------
    >>> res = dl.resnet.init_iterations(np.diag([1.0, 0.5]), [2], 8, seeds=[0])
    >>> bool(res.gaussian[0, 0] > 0 and res.orthogonal[0, 0] > 0)
    True
    """
    S = as_matrix(Sigma, "Sigma")
    if isinstance(depths, (str, bytes)) or not isinstance(depths, (Sequence, range, np.ndarray)) or len(depths) == 0:
        raise InvalidArgumentError(f"depths must be a non-empty sequence of integers >= 1, got {depths!r}")
    hs = [as_depth(h, f"depths[{i}]") for i, h in enumerate(depths)]
    m = as_int(width, "width", minimum=1)
    eta = as_positive(eta, "eta")
    tol = as_positive(tol, "tol")
    max_steps = as_int(max_steps, "max_steps", minimum=1)
    seeds = as_seeds(seeds)
    out = {"gaussian": np.full((len(hs), len(seeds)), -1), "orthogonal": np.full((len(hs), len(seeds)), -1)}
    for a, h in enumerate(hs):
        widths = (S.shape[1],) + (m,) * (h - 1) + (S.shape[0],)
        for b, seed in enumerate(seeds):
            starts = {
                "gaussian": random_init(widths, np.random.default_rng(seed), 1.0, fan_in=True),
                "orthogonal": orthogonal_init(widths, np.random.default_rng(seed)),
            }
            for kind, W0 in starts.items():
                run = gradient_descent(W0, S, eta, max_steps, tol=tol, on_divergence="ignore", keep_iterates=False)
                if run.converged:
                    out[kind][a, b] = run.steps
    return InitIterations(
        depths=_frozen(hs, dtype=int), gaussian=_frozen(out["gaussian"], dtype=int),
        orthogonal=_frozen(out["orthogonal"], dtype=int), width=m, eta=float(eta), tol=float(tol), max_steps=max_steps,
    )
