r"""Checkers for the exercises of the chapter on invariants and convergence."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..invariants import gl_action, random_gl
from ..loss import gradient
from ..network import adjacency
from .base import CheckResult, call_safely, random_networks

__all__ = ["nilpotent_jordan_type", "check_jordan_type", "check_transformed_gradient"]


def nilpotent_jordan_type(A: np.ndarray, *, tol: float | None = None) -> list[int]:
    r"""Sizes of the Jordan blocks of a nilpotent matrix, largest first.

    The number of blocks of size at least ``k`` is :math:`\operatorname{rank} A^{k-1} -
    \operatorname{rank} A^k` (with :math:`A^0 = I`), so the ranks of the powers determine the
    Jordan form and are invariant under similarity.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        Nilpotent (e.g. an adjacency matrix :math:`\mathrm{blk}_1(W_1, \dots, W_h)`).
    tol : float, optional
        Rank threshold passed to :func:`numpy.linalg.matrix_rank`.

    Returns
    -------
    list of int
        Block sizes in decreasing order; they add up to ``n``.

    Raises
    ------
    ValueError
        If ``A`` is not square, or not nilpotent to within the rank threshold.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {A.shape}")
    n = A.shape[0]
    ranks = [n]
    P = np.eye(n)
    for _ in range(n):
        P = P @ A
        ranks.append(int(np.linalg.matrix_rank(P, tol=tol)) if n else 0)
        if ranks[-1] == 0:
            break
    if ranks[-1] != 0:
        raise ValueError(f"A is not nilpotent: rank(A^{n}) = {ranks[-1]}")
    at_least = [ranks[k - 1] - ranks[k] for k in range(1, len(ranks))]  # blocks of size >= k
    sizes: list[int] = []
    for k in range(len(at_least), 0, -1):
        exactly = at_least[k - 1] - (at_least[k] if k < len(at_least) else 0)
        sizes += [k] * exactly
    return sizes


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


def check_jordan_type(fn: Callable[[np.ndarray], Sequence[int]], *, seed: int = 0) -> CheckResult:
    """Check ``fn(A) -> block sizes`` (largest first) of the Jordan form of a nilpotent ``A``."""
    rng = np.random.default_rng(seed)
    mats = _test_matrices(rng)
    for A in mats:
        expected = nilpotent_jordan_type(A)
        got, err = call_safely(fn, A.copy())
        if err:
            return CheckResult(False, err)
        try:
            sizes = [int(x) for x in got]
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


def check_transformed_gradient(
    fn: Callable[[list[np.ndarray], list[np.ndarray]], Sequence[np.ndarray]], *, seed: int = 0
) -> CheckResult:
    r"""Check ``fn(grads, Ts)``: the gradient at :math:`T\cdot W` from the gradient at ``W``.

    ``grads`` is ``dl.gradient(W, Sigma)`` and the answer must equal
    ``dl.gradient(dl.gl_action(W, Ts), Sigma)`` for every ``W`` and ``Sigma``.
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
        try:
            got = [np.asarray(g, dtype=float) for g in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of matrices")
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
