r"""Checkers for the exercises of the chapter on invariants and convergence."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..invariants import gl_action, random_gl
from ..objective import gradient
from ..network import adjacency, nilpotent_jordan_type
from .base import CheckResult, answer_array, call_safely, checker, random_networks, real_answer

__all__ = ["check_jordan_type", "check_transformed_gradient"]


def _test_matrices(rng: np.random.Generator) -> list[np.ndarray]:
    mats = [adjacency(W) for W in random_networks(rng, 4)]
    # rank-deficient networks: a zero layer, rank-one layers, and the scalar example of the chapter
    mats.append(adjacency([np.zeros((1, 1)), np.ones((1, 1))]))
    mats.append(adjacency([np.ones((1, 1)), np.ones((1, 1))]))
    u, v = rng.standard_normal((3, 1)), rng.standard_normal((1, 2))
    mats.append(adjacency([u @ v, rng.standard_normal((2, 3)), np.zeros((2, 2))]))
    e1, e2 = np.eye(2)[:, :1], np.eye(2)[:, 1:]
    mats.append(adjacency([e1 @ e1.T, e2 @ e2.T]))
    return mats


@checker
def check_jordan_type(fn: Callable[[np.ndarray], Sequence[int]], *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(A) -> block sizes`` (largest first) of the Jordan form of a nilpotent ``A``.

    The matrices are adjacency matrices of networks (:func:`deeplinear.adjacency`), random and
    rank-deficient ones, and the answer is compared with
    :func:`deeplinear.nilpotent_jordan_type`. The number of blocks of size at least :math:`k`
    is :math:`\operatorname{rank} A^{k-1} - \operatorname{rank} A^k`.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(A)``: ``A`` a nilpotent ndarray of shape ``(n_v, n_v)``; it
        returns a list of ints, the block sizes in decreasing order, adding up to ``n_v``.
    seed : int, optional
        Seed of the random networks (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the Jordan type is right for all eight matrices; otherwise the
        message names the first wrong one. An exception raised by ``fn`` is reported in the
        message, never propagated.

    Examples
    --------
    >>> dl.exercises.check_jordan_type(dl.nilpotent_jordan_type).passed
    True
    """
    rng = np.random.default_rng(seed)
    mats = _test_matrices(rng)
    for A in mats:
        expected = nilpotent_jordan_type(A)
        got, err = call_safely(fn, A.copy())
        if err:
            return CheckResult(False, err)
        try:
            sizes = [int(real_answer(x, scalar=True)) for x in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of block sizes")
        if sorted(sizes, reverse=True) != sizes:
            return CheckResult(False, f"list the block sizes largest first, got {sizes}")
        if sum(sizes) != A.shape[0]:
            return CheckResult(False, f"for a {A.shape[0]} x {A.shape[0]} matrix the block sizes must add up to "
                                      f"{A.shape[0]}, yours add up to {sum(sizes)} ({sizes})")
        if sizes != expected:
            return CheckResult(False, f"for an adjacency matrix with rank(A) = {np.linalg.matrix_rank(A)} you gave "
                                      f"{sizes} but the blocks are {expected} (hint: rank A^(k-1) - rank A^k counts "
                                      "the blocks of size at least k)")
    return CheckResult(True, f"your Jordan types are right for {len(mats)} nilpotent adjacency matrices, "
                             "including rank-deficient ones.")


@checker
def check_transformed_gradient(
    fn: Callable[[list[np.ndarray], list[np.ndarray]], Sequence[np.ndarray]], *, seed: int = 0
) -> CheckResult:
    r"""Check ``fn(grads, Ts)``: the gradient at :math:`T\cdot W` from the gradient at ``W``.

    ``grads`` is ``dl.gradient(W, Sigma)`` and the answer must equal
    ``dl.gradient(dl.gl_action(W, Ts), Sigma)`` for every ``W`` and ``Sigma``. Since
    :math:`(T\cdot W)_i = T_i W_i T_{i-1}^{-1}` with :math:`T_0 = I` and :math:`T_h = I`, the
    chain rule gives

    .. math::

       \nabla_i L(T\cdot W) = T_i^{-\top}\, \nabla_i L(W)\, T_{i-1}^\top .

    Tested on six random networks and transforms (:func:`deeplinear.random_gl`) to relative
    accuracy ``1e-8``; the guess :math:`T_i G_i T_{i-1}^{-1}` (right only for orthogonal
    :math:`T`) is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(grads, Ts)``: ``grads`` a list of ``h`` ndarrays (the
        gradient at ``W``, one of the shape of each ``W_i``) and ``Ts`` a list of ``h - 1``
        invertible ndarrays, ``T_i`` of shape ``(d_i, d_i)``; it returns a list of ``h`` arrays.
    seed : int, optional
        Seed of the random networks and transforms (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the gradient is right in all six cases; otherwise the message
        names the first wrong layer. An exception raised by ``fn`` is reported in the message,
        never propagated.

    Examples
    --------
    >>> def moved(G, Ts):
    ...     T = [np.eye(G[0].shape[1])] + list(Ts) + [np.eye(G[-1].shape[0])]
    ...     return [np.linalg.inv(T[i + 1]).T @ g @ T[i].T for i, g in enumerate(G)]
    >>> dl.exercises.check_transformed_gradient(moved).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = 0
    while cases < 6:
        h = int(rng.integers(2, 5))
        d = tuple(int(x) for x in rng.integers(1, 4, size=h + 1))
        W = [rng.standard_normal((d[i + 1], d[i])) for i in range(h)]
        Sigma = rng.standard_normal((d[-1], d[0]))
        Ts = random_gl(d, rng, cond=4.0)
        G = gradient(W, Sigma)
        expected = gradient(gl_action(W, Ts), Sigma)
        got, err = call_safely(fn, [g.copy() for g in G], [T.copy() for T in Ts])
        if err:
            return CheckResult(False, err)
        if got is None or isinstance(got, (str, bytes, np.ndarray)) or not isinstance(got, (list, tuple)):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of matrices")
        arrays = []
        for i, g in enumerate(got, start=1):
            arr, problem = answer_array(g, f"your gradient of layer {i}")
            if arr is None:
                return CheckResult(False, problem)
            arrays.append(arr)
        got = arrays
        if len(got) != h:
            return CheckResult(False, f"for depth {h} return {h} matrices (one per layer), got {len(got)}")
        for i, (g, e) in enumerate(zip(got, expected), start=1):
            if g.shape != e.shape:
                return CheckResult(False, f"layer {i}: the gradient has shape {e.shape}, yours {g.shape}")
            if not np.allclose(g, e, rtol=1e-8, atol=1e-10):
                naive = gradient(W, Sigma)  # the equivariant guess T_i G_i T_{i-1}^{-1}
                full = [np.eye(d[0])] + list(Ts) + [np.eye(d[-1])]
                guess = full[i] @ naive[i - 1] @ np.linalg.inv(full[i - 1])
                hint = (" You applied the same action as to the weights, T_i G_i T_(i-1)^(-1); that is right only "
                        "for orthogonal T. Differentiate L(T.W) = L(W) with the chain rule."
                        if np.allclose(g, guess, rtol=1e-8, atol=1e-10) else "")
                return CheckResult(False, f"layer {i} of the gradient at T.W is wrong for widths {d}.{hint}")
        cases += 1
    return CheckResult(True, "your transformed gradients match dl.gradient at T.W for 6 random networks and transforms.")
