r"""Checkers for the exercises of the chapter on the quotient space (fibres of the end-to-end map).

* :func:`check_connecting_transforms` -- for two factorisations of the same invertible map with
  square invertible layers, the hidden-layer transforms :math:`T_i` with
  :math:`T_i W_i T_{i-1}^{-1} = W_i'` (the fibre is one orbit there).
* :func:`check_product_preserving_move` -- the closest direction to a given :math:`X` in which one
  layer can move without changing the end-to-end map,
  :math:`\Delta = X - \Pi_{\mathrm{row}(W_{j+1:h})} X \Pi_{\mathrm{col}(W_{1:j-1})}`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..invariants import gl_action, random_orthogonal
from ..critical import critical_point
from ..fibres import _product_preserving_direction
from ..network import end_to_end, partial_product
from .base import CheckResult, call_safely, checker, real_answer

__all__ = ["check_connecting_transforms", "check_product_preserving_move"]


def _call(fn: Callable, *args):
    """Call the reader's function; a stub that raises NotImplementedError gets a friendly note."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, ("the stub is still in place (it raises NotImplementedError): replace that line by "
                      "your code, then run the cell again.")
    except Exception:  # anything else: the shared wording
        return call_safely(fn, *args)


def _invertible(rng: np.random.Generator, n: int) -> np.ndarray:
    """A well-conditioned random invertible matrix (singular values in [0.5, 2])."""
    s = np.exp(rng.uniform(np.log(0.5), np.log(2.0), n))
    return (random_orthogonal(n, rng) * s) @ random_orthogonal(n, rng)


@checker
def check_connecting_transforms(
    fn: Callable[[list[np.ndarray], list[np.ndarray]], Sequence[np.ndarray]], *, seed: int = 0
) -> CheckResult:
    r"""Check ``fn(W, W_prime) -> [T_1, ..., T_(h-1)]`` with :math:`T_i W_i T_{i-1}^{-1} = W_i'`.

    The test cases have equal square widths ``(n, ..., n)``, invertible layers and
    :math:`W_{1:h}' = W_{1:h}` (two factorisations of one invertible map), so the answer
    exists and is unique:

    .. math::

       T_i = W_{1:i}'\, W_{1:i}^{-1}, \qquad i = 1, \dots, h - 1 .

    The answer is applied with :func:`deeplinear.gl_action` and compared with ``W_prime`` layer
    by layer; the layer-wise guess :math:`T_i = W_i' W_i^{-1}` is named as such.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(W, W_prime)``: two lists of ``h`` invertible ndarrays of
        shape ``(n, n)`` with the same product; it returns a list of ``h - 1`` invertible arrays
        of shape ``(n, n)``.
    seed : int, optional
        Seed of the random factorisations (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when the transforms carry ``W`` to ``W_prime`` in all five cases;
        otherwise the message names the first failure. A stub that raises
        ``NotImplementedError`` gets a friendly note; any other exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> def transforms(W, Wp):
    ...     return [dl.partial_product(Wp, 1, i) @ np.linalg.inv(dl.partial_product(W, 1, i))
    ...             for i in range(1, len(W))]
    >>> dl.exercises.check_connecting_transforms(transforms).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = [(2, 2), (3, 2), (3, 3), (4, 2), (2, 4)]
    for h, n in cases:
        W = [_invertible(rng, n) for _ in range(h)]
        P = end_to_end(W)
        Wp = [_invertible(rng, n) for _ in range(h - 1)]
        Wp.append(P @ np.linalg.inv(end_to_end(Wp)))
        got, err = _call(fn, [w.copy() for w in W], [w.copy() for w in Wp])
        if err:
            return CheckResult(False, err)
        try:
            Ts = [real_answer(T) for T in got]
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a list of matrices")
        if len(Ts) != h - 1:
            return CheckResult(False, f"for depth h = {h} return h - 1 = {h - 1} transforms (one per hidden layer), "
                                      f"got {len(Ts)}")
        for i, T in enumerate(Ts, start=1):
            if T.shape != (n, n):
                return CheckResult(False, f"T_{i} must be {n} x {n} (hidden layer {i} has width {n}), got shape {T.shape}")
            if not np.all(np.isfinite(T)) or np.linalg.cond(T) > 1e12:
                return CheckResult(False, f"T_{i} is not invertible (or not finite): the symmetry uses invertible transforms")
        moved = gl_action(W, Ts)
        for i, (a, b) in enumerate(zip(moved, Wp), start=1):
            if not np.allclose(a, b, rtol=1e-7, atol=1e-9 * max(1.0, float(np.max(np.abs(b))))):
                layerwise = [Wp[k] @ np.linalg.inv(W[k]) for k in range(h - 1)]
                hint = ""
                if all(np.allclose(T, L, rtol=1e-7, atol=1e-9) for T, L in zip(Ts, layerwise)):
                    hint = (" You used T_i = W'_i W_i^(-1), which ignores the transform already applied to the "
                            "input of layer i. Compare the partial products W_(1:i) and W'_(1:i) instead.")
                return CheckResult(False, f"for depth {h} and width {n}, T_{i} W_{i} T_{i - 1}^(-1) differs from W'_{i} "
                                          f"(largest difference {float(np.max(np.abs(a - b))):.3g}).{hint}")
    return CheckResult(True, f"your transforms carry W to W' for {len(cases)} pairs of factorisations of the same "
                             "invertible map: in the square invertible case the fibre is one orbit.")


def _move_cases(rng: np.random.Generator) -> list[tuple[list[np.ndarray], int]]:
    Sigma = np.diag([3.0, 2.0, 1.0])
    d = (3, 3, 3, 3)
    cases: list[tuple[list[np.ndarray], int]] = []
    for S in [(1,), (1, 2), ()]:
        W = [np.array(w) for w in critical_point(S, Sigma, d).weights]
        cases += [(W, 1), (W, 2), (W, 3)]
    # rank-deficient random networks with rectangular layers
    W = [rng.standard_normal((4, 1)) @ rng.standard_normal((1, 3)), rng.standard_normal((2, 4)), rng.standard_normal((3, 2))]
    cases += [(W, 2), (W, 3)]
    # an invertible square network: the only move is zero
    cases.append(([_invertible(rng, 2) for _ in range(3)], 2))
    # depth 2, a narrow middle layer
    cases.append(([rng.standard_normal((1, 3)), rng.standard_normal((2, 1))], 1))
    return cases


@checker
def check_product_preserving_move(
    fn: Callable[[list[np.ndarray], int, np.ndarray], np.ndarray], *, seed: int = 0
) -> CheckResult:
    r"""Check ``fn(weights, j, X) -> Delta``: the closest direction to ``X`` in which layer ``j``
    (1-based) can move without changing the end-to-end map.

    Right answer: the orthogonal projection of ``X`` onto
    :math:`\{\Delta : W_{j+1:h}\Delta W_{1:j-1} = 0\}`, which is

    .. math::

       \Delta = X - \Pi_{\mathrm{row}(W_{j+1:h})}\, X\, \Pi_{\mathrm{col}(W_{1:j-1})}

    with the orthogonal projectors onto the row space of the suffix and the column space of
    the prefix. The cases include balanced critical points (rank-deficient layers),
    rectangular networks and an invertible network, where the answer is zero.

    Parameters
    ----------
    fn : callable
        The reader's function ``fn(weights, j, X)``: ``weights`` a list of ``h`` ndarrays
        (``W_i`` of shape ``(d_i, d_{i-1})``), ``j`` an int in ``1..h`` and ``X`` an ndarray of
        the shape of ``W_j``; it returns an array of the shape of ``W_j``.
    seed : int, optional
        Seed of the random networks and directions (default 0).

    Returns
    -------
    CheckResult
        ``passed`` is True when every move keeps the end-to-end map and is the closest such move
        to ``X`` (13 cases); otherwise the message names the first failure. A stub that raises
        ``NotImplementedError`` gets a friendly note; any other exception raised by ``fn`` is
        reported in the message, never propagated.

    Examples
    --------
    >>> def move(W, j, X):
    ...     suffix, prefix = dl.partial_product(W, j + 1, len(W)), dl.partial_product(W, 1, j - 1)
    ...     return X - np.linalg.pinv(suffix) @ suffix @ X @ prefix @ np.linalg.pinv(prefix)
    >>> dl.exercises.check_product_preserving_move(move).passed
    True
    """
    rng = np.random.default_rng(seed)
    cases = _move_cases(rng)
    for W, j in cases:
        X = rng.standard_normal(W[j - 1].shape)
        expected = _product_preserving_direction(W, j, X)  # the library's projection
        got, err = _call(fn, [w.copy() for w in W], j, X.copy())
        if err:
            return CheckResult(False, err)
        try:
            D = real_answer(got)
        except (TypeError, ValueError):
            return CheckResult(False, f"your function returned {got!r:.80}, not a matrix")
        shapes = [w.shape for w in W]
        if D.shape != X.shape:
            return CheckResult(False, f"Delta must have the shape of W_{j}, {X.shape}, got {D.shape} "
                                      f"(layer shapes {shapes}; j is 1-based)")
        suf, pre = partial_product(W, j + 1, len(W)), partial_product(W, 1, j - 1)
        change = suf @ D @ pre
        scale = max(1.0, float(np.linalg.norm(X))) * max(1.0, float(np.linalg.norm(suf))) * max(1.0, float(np.linalg.norm(pre)))
        if float(np.linalg.norm(change)) > 1e-8 * scale:
            return CheckResult(False, f"moving layer {j} of a network with layer shapes {shapes} along your Delta "
                                      f"changes the end-to-end map: W_({j + 1}:h) Delta W_(1:{j - 1}) has norm "
                                      f"{float(np.linalg.norm(change)):.3g}, it must be 0")
        if not np.allclose(D, expected, rtol=1e-7, atol=1e-9 * max(1.0, float(np.linalg.norm(X)))):
            if float(np.linalg.norm(expected)) < 1e-9 and float(np.linalg.norm(D)) > 1e-9:
                return CheckResult(False, f"for layer shapes {shapes} and j = {j} the only product-preserving move is 0 "
                                          "(the partial products are invertible), yet your Delta is not 0")
            if float(np.linalg.norm(D)) < 1e-12:
                return CheckResult(False, f"your Delta is 0 for layer shapes {shapes} and j = {j}, but a non-zero move "
                                          "exists there: project X rather than discarding it")
            return CheckResult(False, f"your Delta keeps the product for layer shapes {shapes} and j = {j} but is not "
                                      f"the closest such move to X (distance to X {float(np.linalg.norm(X - D)):.3g}, "
                                      f"the best is {float(np.linalg.norm(X - expected)):.3g}). Remove from X only its "
                                      "part that the map Delta -> W_(j+1:h) Delta W_(1:j-1) sees.")
    return CheckResult(True, f"your moves keep the end-to-end map and are the closest such moves to X in {len(cases)} "
                             "cases, including rank-deficient critical points and an invertible network.")
