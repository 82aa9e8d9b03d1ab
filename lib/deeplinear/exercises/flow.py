r"""Checkers for the exercises of the chapter on the gradient-flow equations.

* :func:`check_layer_gradient` -- a reader's :math:`\nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma -
  W_{1:h}) W_{1:j-1}^\top`.
* :func:`check_adjacency_rhs` -- a reader's right-hand side of the adjacency-form flow
  :math:`\dot A = \sum_{j=1}^h (A^{h-j})^\top (E - A^h) (A^{j-1})^\top` (Wendin and Altafini,
  arXiv:2511.10362), on all of :math:`\mathbb{R}^{n_v \times n_v}`.

A wrong gradient is diagnosed with the first-order Taylor (directional-derivative) test,
:func:`deeplinear.objective.taylor_test`: the remainder :math:`r(\varepsilon) = |L(W +
\varepsilon V) - L(W) - \varepsilon \langle G, V\rangle|` is :math:`O(\varepsilon^2)` exactly
when :math:`G = \nabla L(W)`, and only :math:`O(\varepsilon)` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._validation import as_matrix, widths_of
from ..objective import gradient, gradient_adjacency, taylor_test
from ..network import adjacency, target
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_layer_gradient", "check_adjacency_rhs"]


# --------------------------------------------------------------------------- checkers


def _random_problem(rng: np.random.Generator, h: int) -> tuple[list[np.ndarray], np.ndarray]:
    """A network of depth h with distinct widths (so that transposes matter) and a dense target."""
    d = [int(x) for x in rng.permutation(np.arange(2, 2 + h + 1))]
    W = [rng.standard_normal((d[i + 1], d[i])) / np.sqrt(d[i]) for i in range(h)]
    S = rng.standard_normal((d[-1], d[0]))
    return W, S


@checker
def check_layer_gradient(fn: Callable[[list[np.ndarray], np.ndarray], Sequence[np.ndarray]], *, seed: int = 0) -> CheckResult:
    r"""Check a reader's ``fn(weights, Sigma) -> [dL/dW_1, ..., dL/dW_h]`` for
    :math:`L = \tfrac12\lVert\Sigma - W_h\cdots W_1\rVert_F^2`.

    The right answer is

    .. math::

       \nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma - W_{1:h})\, W_{1:j-1}^\top ,
       \qquad j = 1, \dots, h,

    compared with :func:`deeplinear.gradient` to relative accuracy ``1e-9``. The networks have
    depths 1 to 4 and distinct widths, so a missing transpose shows as a wrong shape; the
    targets are dense. A wrong layer is reported with the observed order of its Taylor test,
    and the negative gradient (the flow's right-hand side) is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, Sigma)``: ``weights`` a list of ``h`` ndarrays
        (``W_j`` of shape ``(d_j, d_{j-1})``) and ``Sigma`` an ndarray of shape
        ``(d_h, d_0)``; it returns a list of ``h`` arrays, one of the shape of each ``W_j``.
    seed : int, optional
        Seed of the random networks and targets (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the gradient is right on all five networks; otherwise the
        message names the first wrong layer. An exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_layer_gradient(dl.gradient).passed
    True
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
            got = [real_answer(g) for g in got]
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


@checker
def check_adjacency_rhs(fn: Callable[[np.ndarray, np.ndarray, int], np.ndarray], *, seed: int = 0) -> CheckResult:
    r"""Check a reader's ``fn(A, E, h) -> dA/dt``, the survey's adjacency-form right-hand side
    :math:`\sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top`.

    It is tested first on block-shift matrices :math:`A = \mathrm{blk}_1(W_1, \dots, W_h)`
    with :math:`E = \mathrm{blk}_h(\Sigma)`, then on dense matrices, where the formula (the
    negative gradient of :math:`\tfrac12\lVert E - A^h\rVert_F^2` on all of
    :math:`\mathbb{R}^{n_v\times n_v}`) must hold as well. The reference is
    ``-dl.gradient_adjacency(A, E, h)`` (:func:`deeplinear.gradient_adjacency`), to relative
    accuracy ``1e-9``; a flipped sign and untransposed powers are named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(A, E, h)``: ``A`` and ``E`` ndarrays of shape
        ``(n_v, n_v)`` and ``h`` an int (the depth); it returns an array of shape
        ``(n_v, n_v)``.
    seed : int, optional
        Seed of the random matrices (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the right-hand side is right on four block-shift and four dense
        cases, depths 1 to 4; otherwise the message names the first wrong case. An exception
        raised by ``fn`` is reported in the message, never propagated.

    Examples
    --------
    >>> def rhs(A, E, h):
    ...     return -dl.gradient_adjacency(A, E, h)
    >>> dl.exercises.check_adjacency_rhs(rhs).passed
    True
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
