r"""The Taylor test of a gradient, and checkers for the exercises of the chapter on the
gradient-flow equations.

* :func:`taylor_test` -- the first-order Taylor (directional-derivative) test of a layer-wise
  gradient: the remainder :math:`r(\varepsilon) = |L(W + \varepsilon V) - L(W) - \varepsilon
  \langle G, V\rangle|` is :math:`O(\varepsilon^2)` exactly when :math:`G = \nabla L(W)`, and only
  :math:`O(\varepsilon)` otherwise.
* :func:`check_layer_gradient` -- a reader's :math:`\nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma -
  W_{1:h}) W_{1:j-1}^\top`.
* :func:`check_adjacency_rhs` -- a reader's right-hand side of the adjacency-form flow
  :math:`\dot A = \sum_{j=1}^h (A^{h-j})^\top (E - A^h) (A^{j-1})^\top` (Wendin and Altafini,
  arXiv:2511.10362), on all of :math:`\mathbb{R}^{n_v \times n_v}`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_matrix, as_rng, as_weights, check_sigma, widths_of
from ..objective import gradient, gradient_adjacency, loss
from ..network import adjacency, target
from .base import CheckResult, call_safely

__all__ = ["TaylorTest", "taylor_test", "check_layer_gradient", "check_adjacency_rhs"]


@dataclass(frozen=True)
class TaylorTest:
    r"""Result of :func:`taylor_test`.

    Attributes
    ----------
    epsilons : ndarray
        Step sizes, decreasing.
    remainders : ndarray
        :math:`r(\varepsilon) = |L(W + \varepsilon V) - L(W) - \varepsilon \langle G, V\rangle|`.
    order : float
        Observed order: the least-squares slope of :math:`\log r` against
        :math:`\log\varepsilon` over the ``fit`` largest steps, where rounding does not yet
        dominate. About 2 for a right gradient, about 1 for a wrong one.
    directional_derivative : float
        :math:`\langle G, V\rangle`, the claimed derivative along ``V``.
    central_difference : float
        :math:`(L(W + \delta V) - L(W - \delta V)) / (2\delta)` with :math:`\delta = 10^{-5}`,
        an independent estimate of the derivative along ``V`` (error :math:`O(\delta^2)`).
    """

    epsilons: np.ndarray
    remainders: np.ndarray
    order: float
    directional_derivative: float
    central_difference: float

    @property
    def passed(self) -> bool:
        """True when the remainder is second order (observed order at least 1.8)."""
        return bool(self.order >= 1.8)


def _as_gradient(G: object, W: list[np.ndarray], name: str = "gradient") -> list[np.ndarray]:
    if isinstance(G, np.ndarray) or not isinstance(G, Sequence) or len(G) != len(W):
        raise ValueError(f"{name} must be a list of {len(W)} arrays, one per layer, got {type(G).__name__}")
    out = []
    for j, (g, w) in enumerate(zip(G, W), start=1):
        g = np.asarray(g, dtype=float)
        if g.shape != w.shape:
            raise ValueError(f"{name}[{j - 1}] (for W_{j}) must have shape {w.shape}, got {g.shape}")
        out.append(g)
    return out


def taylor_test(
    weights: Sequence[np.ndarray],
    Sigma: np.ndarray,
    gradient_fn: Callable[[list[np.ndarray], np.ndarray], Sequence[np.ndarray]] | Sequence[np.ndarray] | None = None,
    *,
    direction: Sequence[np.ndarray] | None = None,
    rng: np.random.Generator | int = 0,
    epsilons: Sequence[float] | np.ndarray | None = None,
    fit: int = 5,
) -> TaylorTest:
    r"""Taylor (directional-derivative) test of a gradient of :math:`L = \tfrac12\lVert\Sigma - W_{1:h}\rVert_F^2`.

    For a smooth :math:`L`,
    :math:`L(W + \varepsilon V) = L(W) + \varepsilon \langle \nabla L(W), V\rangle + O(\varepsilon^2)`,
    so the remainder :math:`r(\varepsilon) = |L(W + \varepsilon V) - L(W) - \varepsilon\langle G, V\rangle|`
    falls by a factor 100 per decade of :math:`\varepsilon` when :math:`G = \nabla L(W)` and only
    by a factor 10 when :math:`G` is wrong (unless the error happens to be orthogonal to ``V``,
    which a random ``V`` makes unlikely). For very small :math:`\varepsilon` rounding in the
    values of :math:`L` (about :math:`10^{-16} L`) dominates, so the order is fitted on the
    ``fit`` largest steps only.

    Parameters
    ----------
    weights : list of ndarray
        The point ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    gradient_fn : callable, list of ndarray, or None
        ``gradient_fn(weights, Sigma)`` returning ``[G_1, ..., G_h]``, or the list itself;
        ``None`` tests the library's :func:`deeplinear.gradient`.
    direction : list of ndarray, optional
        ``V``; by default a standard normal direction from ``rng``, normalised to unit norm.
    rng : numpy.random.Generator or int, default 0
    epsilons : array_like, optional
        Decreasing positive steps; default ``10**linspace(-1, -7, 13)``.
    fit : int, default 5
        Number of largest steps used to fit the order (at least 2).

    Returns
    -------
    TaylorTest
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    if gradient_fn is None:
        G = gradient(W, S)
    elif callable(gradient_fn):
        G = _as_gradient(gradient_fn([w.copy() for w in W], S.copy()), W, "gradient_fn(weights, Sigma)")
    else:
        G = _as_gradient(gradient_fn, W)
    if direction is None:
        gen = as_rng(rng)
        V = [gen.standard_normal(w.shape) for w in W]
        norm = np.sqrt(sum(float(np.sum(v * v)) for v in V))
        V = [v / norm for v in V]
    else:
        V = _as_gradient(direction, W, "direction")
    eps = np.asarray(10.0 ** np.linspace(-1, -7, 13) if epsilons is None else epsilons, dtype=float)
    if eps.ndim != 1 or eps.size < 2 or not np.all(np.isfinite(eps)) or np.any(eps <= 0) or np.any(np.diff(eps) >= 0):
        raise ValueError(f"epsilons must be a decreasing 1-D array of at least 2 positive numbers, got {epsilons!r:.80}")
    if isinstance(fit, bool) or not isinstance(fit, (int, np.integer)) or not 2 <= int(fit) <= eps.size:
        raise ValueError(f"fit must be an integer between 2 and len(epsilons) = {eps.size}, got {fit!r}")
    L0 = loss(W, S)
    slope = sum(float(np.sum(g * v)) for g, v in zip(G, V))
    rem = np.array([abs(loss([w + e * v for w, v in zip(W, V)], S) - L0 - e * slope) for e in eps])
    k = int(fit)
    with np.errstate(divide="ignore"):
        logr = np.log10(np.maximum(rem[:k], np.finfo(float).tiny))
    order = float(np.polyfit(np.log10(eps[:k]), logr, 1)[0])
    delta = 1e-5
    central = (loss([w + delta * v for w, v in zip(W, V)], S) - loss([w - delta * v for w, v in zip(W, V)], S)) / (2 * delta)
    rem.setflags(write=False)
    eps = eps.copy()
    eps.setflags(write=False)
    return TaylorTest(eps, rem, order, slope, float(central))


# --------------------------------------------------------------------------- checkers


def _random_problem(rng: np.random.Generator, h: int) -> tuple[list[np.ndarray], np.ndarray]:
    """A network of depth h with distinct widths (so that transposes matter) and a dense target."""
    d = [int(x) for x in rng.permutation(np.arange(2, 2 + h + 1))]
    W = [rng.standard_normal((d[i + 1], d[i])) / np.sqrt(d[i]) for i in range(h)]
    S = rng.standard_normal((d[-1], d[0]))
    return W, S


def check_layer_gradient(fn: Callable[[list[np.ndarray], np.ndarray], Sequence[np.ndarray]], *, seed: int = 0) -> CheckResult:
    r"""Check a reader's ``fn(weights, Sigma) -> [dL/dW_1, ..., dL/dW_h]`` for
    :math:`L = \tfrac12\lVert\Sigma - W_h\cdots W_1\rVert_F^2`.

    The networks have depths 1 to 4 and distinct widths, so a missing transpose shows as a
    wrong shape; the targets are dense. A wrong layer is reported with the observed order of
    its Taylor test.
    """
    rng = np.random.default_rng(seed)
    cases = [_random_problem(rng, h) for h in (1, 2, 3, 4, 3)]
    for W, S in cases:
        h = len(W)
        d = widths_of(W)
        got, err = call_safely(fn, [w.copy() for w in W], S.copy())
        if err:
            return CheckResult(False, err)
        if isinstance(got, np.ndarray) or not isinstance(got, Sequence) or len(got) != h:
            return CheckResult(
                False,
                f"for a network of depth h = {h} (widths {d}) return a list of {h} arrays "
                f"[dL/dW_1, ..., dL/dW_{h}], got {type(got).__name__}"
                + (f" of length {len(got)}" if isinstance(got, Sequence) else ""),
            )
        expected = gradient(W, S)
        try:
            got = [np.asarray(g, dtype=float) for g in got]
        except (TypeError, ValueError) as exc:
            return CheckResult(False, f"your gradients could not be read as arrays: {exc}")
        for j, (g, e) in enumerate(zip(got, expected), start=1):
            if g.shape != e.shape:
                return CheckResult(
                    False,
                    f"for widths {d}, dL/dW_{j} must have the shape of W_{j}, {e.shape}, got {g.shape} "
                    "(check the transposes: W_{j+1:h}^T (Sigma - W_{1:h}) W_{1:j-1}^T)",
                )
        if all(np.allclose(g, -e, rtol=1e-9, atol=1e-12) for g, e in zip(got, expected)) and any(
            np.any(np.abs(e) > 1e-12) for e in expected
        ):
            return CheckResult(
                False,
                f"for widths {d} you returned -grad L, the right-hand side of the flow, instead of the gradient "
                "grad L = -W_{j+1:h}^T (Sigma - W_{1:h}) W_{1:j-1}^T (mind the sign)",
            )
        for j, (g, e) in enumerate(zip(got, expected), start=1):
            if not np.allclose(g, e, rtol=1e-9, atol=1e-12):
                test = taylor_test(W, S, got)
                return CheckResult(
                    False,
                    f"for widths {d}, dL/dW_{j} differs from the gradient by up to {np.max(np.abs(g - e)):.3g}; "
                    f"the Taylor test of your gradient shows a remainder of order {test.order:.1f} "
                    "(2 for a right gradient, 1 for a wrong one)",
                )
    return CheckResult(True, f"your gradient agrees with dl.gradient on {len(cases)} networks of depths 1 to 4.")


def _dense_adjacency_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = int(rng.integers(4, 8))
    return rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, n))


def check_adjacency_rhs(fn: Callable[[np.ndarray, np.ndarray, int], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check a reader's ``fn(A, E, h) -> dA/dt``, the survey's adjacency-form right-hand side
    :math:`\sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top`.

    It is tested first on block-shift matrices :math:`A = \mathrm{blk}_1(W_1, \dots, W_h)`
    with :math:`E = \mathrm{blk}_h(\Sigma)`, then on dense matrices, where the formula (the
    negative gradient of :math:`\tfrac12\lVert E - A^h\rVert_F^2` on all of
    :math:`\mathbb{R}^{n_v\times n_v}`) must hold as well.
    """
    rng = np.random.default_rng(seed)
    block_cases = []
    for h in (1, 2, 3, 4):
        W, S = _random_problem(rng, h)
        block_cases.append((adjacency(W), target(S, widths_of(W)), h))
    dense_cases = [(*_dense_adjacency_case(rng), h) for h in (1, 2, 3, 4)]
    for kind, cases in (("block-shift", block_cases), ("dense", dense_cases)):
        for A, E, h in cases:
            got, err = call_safely(fn, A.copy(), E.copy(), h)
            if err:
                return CheckResult(False, err)
            try:
                got = as_matrix(got, "your dA/dt")
            except (TypeError, ValueError) as exc:
                return CheckResult(False, str(exc))
            expected = -gradient_adjacency(A, E, h)
            if got.shape != expected.shape:
                return CheckResult(False, f"dA/dt must have the shape of A, {A.shape}, got {got.shape}")
            if np.allclose(got, expected, rtol=1e-9, atol=1e-11):
                continue
            if np.allclose(got, -expected, rtol=1e-9, atol=1e-11):
                return CheckResult(False, f"for a {kind} A with h = {h} you returned the gradient; the flow is dA/dt = -grad L (mind the sign)")
            n = A.shape[0]
            P = [np.linalg.matrix_power(A, k) for k in range(h + 1)]
            untransposed = sum(P[h - j] @ (E - P[h]) @ P[j - 1] for j in range(1, h + 1))
            if np.allclose(got, untransposed, rtol=1e-9, atol=1e-11):
                return CheckResult(
                    False,
                    f"for a {kind} A with h = {h} your terms are A^(h-j) (E - A^h) A^(j-1); the chain rule gives "
                    "the transposed powers (A^(h-j))^T (E - A^h) (A^(j-1))^T",
                )
            if kind == "dense":
                return CheckResult(
                    False,
                    f"right on block-shift matrices but not on a dense {n} x {n} A with h = {h}: the formula "
                    "is the gradient on all of R^(n_v x n_v), so do not use the block pattern of A",
                )
            p, q = np.unravel_index(int(np.argmax(np.abs(got - expected))), got.shape)
            return CheckResult(
                False,
                f"for a block-shift A with h = {h}, entry ({p}, {q}) of dA/dt is {got[p, q]:.4g} but should be "
                f"{expected[p, q]:.4g}",
            )
    return CheckResult(True, "your right-hand side agrees with -dl.gradient_adjacency on block-shift and dense matrices, depths 1 to 4.")
