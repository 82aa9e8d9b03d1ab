r"""The network view: a deep linear network as the adjacency matrix of a layered graph.

A network of depth :math:`h` with widths :math:`d = (d_0, \dots, d_h)` has
:math:`n_v = d_0 + \dots + d_h` nodes ordered layer by layer. Its adjacency matrix is the
block-shift matrix

.. math:: A = \mathrm{blk}_1(W_1, \dots, W_h),

with :math:`W_i \in \mathbb{R}^{d_i \times d_{i-1}}` in block :math:`(i, i-1)` (block rows and
columns indexed by layer, starting at 0), so :math:`A_{pq}` is the weight of the edge from
node :math:`q` to node :math:`p`. Powers of :math:`A` are sums over paths,
:math:`A^k = \mathrm{blk}_k(W_{1:k}, W_{2:k+1}, \dots, W_{h-k+1:h})`, hence
:math:`A^{h+1} = 0`. The target is :math:`E = \mathrm{blk}_h(\Sigma)`.

References: Wendin and Altafini, arXiv:2511.10362, Section 3.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_matrix, as_weights, as_widths, check_sigma, widths_of

__all__ = [
    "layer_slices",
    "blk",
    "adjacency",
    "weights_from_adjacency",
    "target",
    "end_to_end",
    "partial_product",
    "prefix_products",
    "suffix_products",
    "adjacency_power",
    "nilpotency_index",
    "nilpotent_jordan_type",
]


def layer_slices(widths: Sequence[int]) -> list[slice]:
    """Index ranges of the layers ``0..h`` inside the ``n_v`` nodes.

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    list of slice
        ``h + 1`` slices; slice ``i`` selects the nodes of layer ``i``.
    """
    d = as_widths(widths)
    offsets = np.concatenate([[0], np.cumsum(d)])
    return [slice(int(offsets[i]), int(offsets[i + 1])) for i in range(len(d))]


def blk(k: int, blocks: Sequence[np.ndarray], widths: Sequence[int]) -> np.ndarray:
    r"""The block-shift matrix :math:`\mathrm{blk}_k(M_1, \dots, M_{h+1-k})`.

    Block :math:`M_i` (shape ``(d_{i+k-1}, d_{i-1})``) is placed in block position
    ``(i + k - 1, i - 1)`` (layers indexed from 0): the ``k``-th block sub-diagonal.

    Parameters
    ----------
    k : int
        The shift, ``1 <= k <= h``.
    blocks : sequence of array_like
        ``h + 1 - k`` matrices.
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    ndarray, shape (n_v, n_v)
    """
    d = as_widths(widths)
    h = len(d) - 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= h:
        raise ValueError(f"k must be an integer with 1 <= k <= h = {h}, got {k!r}")
    k = int(k)
    if len(blocks) != h + 1 - k:
        raise ValueError(f"blk_{k} for depth h = {h} needs {h + 1 - k} blocks, got {len(blocks)}")
    sl = layer_slices(d)
    n = sum(d)
    out = np.zeros((n, n))
    for i, M in enumerate(blocks):
        M = as_matrix(M, f"blocks[{i}]")
        shape = (d[i + k], d[i])
        if M.shape != shape:
            raise ValueError(f"blocks[{i}] must have shape {shape} for blk_{k} with widths {d}, got {M.shape}")
        out[sl[i + k], sl[i]] = M
    return out


def adjacency(weights: Sequence[np.ndarray]) -> np.ndarray:
    r"""The adjacency matrix :math:`A = \mathrm{blk}_1(W_1, \dots, W_h)`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    ndarray, shape (n_v, n_v)
    """
    W = as_weights(weights)
    return blk(1, W, widths_of(W))


def weights_from_adjacency(A: np.ndarray, widths: Sequence[int], *, check: bool = True) -> list[np.ndarray]:
    """Read ``[W_1, ..., W_h]`` off the first block sub-diagonal of ``A``.

    With ``check=True`` (default) an ``A`` with non-zero entries outside the block
    pattern raises, because such a matrix is not the adjacency matrix of a layered network.
    """
    d = as_widths(widths)
    A = as_matrix(A, "A")
    n = sum(d)
    if A.shape != (n, n):
        raise ValueError(f"A has shape {A.shape} but widths {d} give n_v = {n}, so A must be ({n}, {n})")
    sl = layer_slices(d)
    W = [A[sl[i + 1], sl[i]].copy() for i in range(len(d) - 1)]
    if check:
        rest = A.copy()
        for i in range(len(d) - 1):
            rest[sl[i + 1], sl[i]] = 0.0
        off = float(np.max(np.abs(rest))) if rest.size else 0.0
        scale = max(1.0, float(np.max(np.abs(A))))
        if off > 1e-12 * scale:
            raise ValueError(f"A has entries outside the first block sub-diagonal (largest {off:.3g}); it is not blk_1(W_1..W_h)")
    return W


def target(Sigma: np.ndarray, widths: Sequence[int]) -> np.ndarray:
    r"""The target :math:`E = \mathrm{blk}_h(\Sigma)`, with ``Sigma`` of shape ``(d_h, d_0)``."""
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    return blk(len(d) - 1, [S], d)


def partial_product(weights: Sequence[np.ndarray], i: int, j: int) -> np.ndarray:
    r""":math:`W_{i:j} = W_j W_{j-1} \cdots W_i` (1-based, inclusive); identity when ``j = i - 1``."""
    W = as_weights(weights)
    h = len(W)
    if not (1 <= i <= h + 1 and i - 1 <= j <= h):
        raise ValueError(f"need 1 <= i <= h+1 and i-1 <= j <= h with h = {h}, got i = {i}, j = {j}")
    if j == i - 1:
        return np.eye(W[i - 1].shape[1] if i <= h else W[-1].shape[0])
    P = W[i - 1]
    for m in range(i, j):
        P = W[m] @ P
    return P


def end_to_end(weights: Sequence[np.ndarray]) -> np.ndarray:
    r"""The end-to-end map :math:`W_{1:h} = W_h \cdots W_1`, shape ``(d_h, d_0)``."""
    W = as_weights(weights)
    P = W[0]
    for M in W[1:]:
        P = M @ P
    return P


def prefix_products(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""``[W_{1:0}, W_{1:1}, ..., W_{1:h}]``: products of the first ``j`` layers (``W_{1:0} = I``).

    Assumes validated weights (internal fast path).
    """
    out = [np.eye(weights[0].shape[1])]
    for M in weights:
        out.append(M @ out[-1])
    return out


def suffix_products(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""``[W_{1:h}, W_{2:h}, ..., W_{h+1:h}]``: products of the last layers (``W_{h+1:h} = I``).

    Entry ``j`` (0-based) is :math:`W_{j+1:h}`. Assumes validated weights.
    """
    out = [np.eye(weights[-1].shape[0])]
    for M in reversed(weights):
        out.append(out[-1] @ M)
    return out[::-1]


def adjacency_power(A: np.ndarray, k: int) -> np.ndarray:
    """``A^k`` for a non-negative integer ``k`` (``A^0 = I``)."""
    A = as_matrix(A, "A")
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be square, got shape {A.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    return np.linalg.matrix_power(A, int(k))


def nilpotency_index(A: np.ndarray, *, tol: float = 0.0) -> int:
    """The smallest ``k >= 1`` with ``A^k = 0`` (entries at most ``tol`` in absolute value).

    For the adjacency matrix of a depth-``h`` network this is ``h + 1`` whenever the
    end-to-end map is non-zero. Raises if ``A`` is not nilpotent.
    """
    A = as_matrix(A, "A")
    n = A.shape[0]
    if A.shape != (n, n):
        raise ValueError(f"A must be square, got shape {A.shape}")
    P = np.eye(n)
    for k in range(1, n + 1):
        P = P @ A
        if np.max(np.abs(P), initial=0.0) <= tol:
            return k
    raise ValueError(f"A is not nilpotent: A^{n} != 0 (largest entry {np.max(np.abs(P)):.3g})")


def nilpotent_jordan_type(A: np.ndarray, *, tol: float | None = None) -> list[int]:
    r"""Sizes of the Jordan blocks of a nilpotent matrix, largest first.

    The number of blocks of size at least ``k`` is :math:`\operatorname{rank} A^{k-1} -
    \operatorname{rank} A^k` (with :math:`A^0 = I`), so the ranks of the powers determine the
    Jordan form and are invariant under similarity. For the adjacency matrix of a depth-``h``
    network the largest block has size :func:`nilpotency_index` ``<= h + 1``.

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
    A = as_matrix(A, "A")
    if A.shape[0] != A.shape[1]:
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
