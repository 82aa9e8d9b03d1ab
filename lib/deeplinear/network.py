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

from ._validation import as_index, as_items, as_matrix, as_weights, as_widths, check_sigma, finite_result, widths_of
from .errors import InvalidArgumentError

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

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers.
    ValueError
        If a width is not positive or there are fewer than two widths.

    Examples
    --------
    >>> dl.layer_slices([2, 3, 1])
    [slice(0, 2, None), slice(2, 5, None), slice(5, 6, None)]
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
        Zero except for the blocks ``M_i``; ``n_v = d_0 + ... + d_h``.

    Raises
    ------
    ValueError
        If ``k`` is not an integer with ``1 <= k <= h``, the number of blocks is not
        ``h + 1 - k``, a block has the wrong shape or a non-finite entry, or ``widths`` is
        invalid.
    TypeError
        If a block is not a real matrix or ``widths`` is not a sequence of integers.

    See Also
    --------
    adjacency : the case ``k = 1``.
    target : the case ``k = h``.

    Examples
    --------
    >>> dl.blk(2, [np.array([[5.0, 6.0]])], [2, 1, 1])
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [5., 6., 0., 0.]])
    """
    d = as_widths(widths)
    h = len(d) - 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= h:
        raise InvalidArgumentError(f"k must be an integer with 1 <= k <= h = {h}, got {k!r}")
    k = int(k)
    blocks = as_items(blocks, "blocks", "matrices", allow_empty=True)
    if len(blocks) != h + 1 - k:
        raise InvalidArgumentError(f"blk_{k} for depth h = {h} needs {h + 1 - k} blocks, got {len(blocks)}")
    sl = layer_slices(d)
    n = sum(d)
    out = np.zeros((n, n))
    for i, M in enumerate(blocks):
        M = as_matrix(M, f"blocks[{i}]")
        shape = (d[i + k], d[i])
        if M.shape != shape:
            raise InvalidArgumentError(f"blocks[{i}] must have shape {shape} for blk_{k} with widths {d}, got {M.shape}")
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
        ``W_i`` sits in block ``(i, i - 1)``; ``n_v = d_0 + ... + d_h``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If ``weights`` is empty, has a non-finite entry, or consecutive shapes do not chain.

    See Also
    --------
    weights_from_adjacency : the inverse.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.adjacency(weights)
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [1., 2., 0., 0.],
           [0., 0., 3., 0.]])
    """
    W = as_weights(weights)
    return blk(1, W, widths_of(W))


def weights_from_adjacency(A: np.ndarray, widths: Sequence[int], *, check: bool = True) -> list[np.ndarray]:
    r"""Read ``[W_1, ..., W_h]`` off the first block sub-diagonal of ``A``.

    With ``check=True`` (default) an ``A`` with non-zero entries outside the block
    pattern raises, because such a matrix is not the adjacency matrix of a layered network.

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        An adjacency matrix :math:`\mathrm{blk}_1(W_1, \dots, W_h)`.
    widths : sequence of int
        ``(d_0, ..., d_h)``, with ``d_0 + ... + d_h = n_v``.
    check : bool, optional
        If true (default), require every entry outside the first block sub-diagonal to be
        zero (up to ``1e-12`` times ``max(1, max|A|)``).

    Returns
    -------
    list of ndarray
        ``[W_1, ..., W_h]``, copies of the blocks, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    TypeError
        If ``A`` is not a real matrix or ``widths`` is not a sequence of integers.
    ValueError
        If ``A`` is not 2-D or has a non-finite entry, its shape is not ``(n_v, n_v)``, or
        (with ``check=True``) it has non-zero entries outside the first block sub-diagonal.

    See Also
    --------
    adjacency : the inverse.

    Examples
    --------
    >>> A = dl.adjacency([np.array([[1.0, 2.0]]), np.array([[3.0]])])
    >>> dl.weights_from_adjacency(A, [2, 1, 1])
    [array([[1., 2.]]), array([[3.]])]
    """
    d = as_widths(widths)
    A = as_matrix(A, "A")
    n = sum(d)
    if A.shape != (n, n):
        raise InvalidArgumentError(f"A has shape {A.shape} but widths {d} give n_v = {n}, so A must be ({n}, {n})")
    sl = layer_slices(d)
    W = [A[sl[i + 1], sl[i]].copy() for i in range(len(d) - 1)]
    if check:
        rest = A.copy()
        for i in range(len(d) - 1):
            rest[sl[i + 1], sl[i]] = 0.0
        off = float(np.max(np.abs(rest))) if rest.size else 0.0
        scale = max(1.0, float(np.max(np.abs(A))))
        if off > 1e-12 * scale:
            raise InvalidArgumentError(f"A has entries outside the first block sub-diagonal (largest {off:.3g}); it is not blk_1(W_1..W_h)")
    return W


def target(Sigma: np.ndarray, widths: Sequence[int]) -> np.ndarray:
    r"""The target :math:`E = \mathrm{blk}_h(\Sigma)`, with ``Sigma`` of shape ``(d_h, d_0)``.

    :math:`\Sigma` sits in the bottom-left block, from the input layer 0 to the output
    layer ``h``: the block where :math:`A^h` holds the end-to-end map.

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The target of the end-to-end map.
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    ndarray, shape (n_v, n_v)
        :math:`E = \mathrm{blk}_h(\Sigma)`, ``n_v = d_0 + ... + d_h``.

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real matrix or ``widths`` is not a sequence of integers.
    ValueError
        If ``Sigma`` has a non-finite entry or a shape other than ``(d_h, d_0)``, or
        ``widths`` is invalid.

    Examples
    --------
    >>> dl.target(np.array([[6.0, 7.0]]), [2, 1, 1])
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [6., 7., 0., 0.]])
    """
    d = as_widths(widths)
    S = check_sigma(Sigma, d)
    return blk(len(d) - 1, [S], d)


def partial_product(weights: Sequence[np.ndarray], i: int, j: int) -> np.ndarray:
    r"""The partial product :math:`W_{i:j} = W_j W_{j-1} \cdots W_i` (1-based, inclusive).

    The empty product (``j = i - 1``) is the identity of size :math:`d_{i-1}`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    i : int
        First layer of the product, ``1 <= i <= h + 1``.
    j : int
        Last layer of the product, ``i - 1 <= j <= h``.

    Returns
    -------
    ndarray, shape (d_j, d_{i-1})
        :math:`W_{i:j}`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain), or the
        indices violate ``1 <= i <= h + 1`` and ``i - 1 <= j <= h``.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.partial_product(weights, 1, 2)
    array([[3., 6.]])
    >>> dl.partial_product(weights, 2, 1)
    array([[1.]])
    """
    W = as_weights(weights)
    h = len(W)
    i = as_index(i, "i", 1, h + 1)
    j = as_index(j, "j", i - 1, h)
    if j == i - 1:
        return np.eye(W[i - 1].shape[1] if i <= h else W[-1].shape[0])
    P = W[i - 1]
    for m in range(i, j):
        P = W[m] @ P
    return finite_result(P, "partial_product", "weights")


def end_to_end(weights: Sequence[np.ndarray]) -> np.ndarray:
    r"""The end-to-end map :math:`W_{1:h} = W_h \cdots W_1`, shape ``(d_h, d_0)``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    ndarray, shape (d_h, d_0)
        The product :math:`W_h \cdots W_1`.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If ``weights`` is empty, has a non-finite entry, or consecutive shapes do not chain.

    Examples
    --------
    >>> dl.end_to_end([np.array([[1.0, 2.0]]), np.array([[3.0]])])
    array([[3., 6.]])
    """
    W = as_weights(weights)
    P = W[0]
    for M in W[1:]:
        P = M @ P
    return finite_result(P, "end_to_end", "weights")


def prefix_products(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""``[W_{1:0}, W_{1:1}, ..., W_{1:h}]``: products of the first ``j`` layers (``W_{1:0} = I``).

    The products of finite weights can overflow: entries of order ``1e200`` raise
    :class:`~deeplinear.errors.NonFiniteResultError` naming ``weights``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    list of ndarray
        ``h + 1`` matrices; entry ``j`` is :math:`W_{1:j}`, of shape ``(d_j, d_0)``.

    See Also
    --------
    suffix_products, partial_product

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> [P.shape for P in dl.prefix_products(weights)]
    [(2, 2), (1, 2), (1, 2)]
    >>> dl.prefix_products(weights)[-1]
    array([[3., 6.]])
    """
    return finite_result(_prefix_products(as_weights(weights)), "prefix_products", "weights")


def _prefix_products(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """:func:`prefix_products` of validated weights (the library's internal fast path)."""
    out = [np.eye(weights[0].shape[1])]
    for M in weights:
        out.append(M @ out[-1])
    return out


def suffix_products(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""``[W_{1:h}, W_{2:h}, ..., W_{h+1:h}]``: products of the last layers (``W_{h+1:h} = I``).

    Entry ``j`` (0-based) is :math:`W_{j+1:h}`. Products that overflow raise
    :class:`~deeplinear.errors.NonFiniteResultError` naming ``weights``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    list of ndarray
        ``h + 1`` matrices; entry ``j`` is :math:`W_{j+1:h}`, of shape ``(d_h, d_j)``.

    See Also
    --------
    prefix_products, partial_product

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.suffix_products(weights)
    [array([[3., 6.]]), array([[3.]]), array([[1.]])]
    """
    return finite_result(_suffix_products(as_weights(weights)), "suffix_products", "weights")


def _suffix_products(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """:func:`suffix_products` of validated weights (the library's internal fast path)."""
    out = [np.eye(weights[-1].shape[0])]
    for M in reversed(weights):
        out.append(out[-1] @ M)
    return out[::-1]


def adjacency_power(A: np.ndarray, k: int) -> np.ndarray:
    r"""The power :math:`A^k` for a non-negative integer ``k`` (:math:`A^0 = I`).

    For an adjacency matrix, :math:`A^k = \mathrm{blk}_k(W_{1:k}, \dots, W_{h-k+1:h})` holds
    the products along paths of length ``k``.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        A square matrix.
    k : int
        The exponent, ``k >= 0``.

    Returns
    -------
    ndarray, shape (n, n)
        :math:`A^k`.

    Raises
    ------
    TypeError
        If ``A`` is not a real matrix.
    ValueError
        If ``A`` is not square (or not 2-D, or not finite), or ``k`` is not a non-negative
        integer.

    Examples
    --------
    >>> A = dl.adjacency([np.array([[1.0, 2.0]]), np.array([[3.0]])])
    >>> dl.adjacency_power(A, 2)[3]
    array([3., 6., 0., 0.])
    >>> bool(np.all(dl.adjacency_power(A, 3) == 0))
    True
    """
    A = as_matrix(A, "A")
    if A.shape[0] != A.shape[1]:
        raise InvalidArgumentError(f"A must be square, got shape {A.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InvalidArgumentError(f"k must be a non-negative integer, got {k!r}")
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(np.linalg.matrix_power(A, int(k)), "adjacency_power", "A")


def nilpotency_index(A: np.ndarray, *, tol: float = 0.0) -> int:
    r"""The smallest ``k >= 1`` with ``A^k = 0`` (entries at most ``tol`` in absolute value).

    For the adjacency matrix of a depth-``h`` network this is ``h + 1`` whenever the
    end-to-end map is non-zero. Raises if ``A`` is not nilpotent.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        A square matrix.
    tol : float, optional
        Entries of absolute value at most ``tol`` count as zero (default ``0.0``).

    Returns
    -------
    int
        The nilpotency index, between 1 and ``n``.

    Raises
    ------
    TypeError
        If ``A`` is not a real matrix.
    ValueError
        If ``A`` is not square (or not 2-D, or not finite), or :math:`A^n \neq 0`.

    Examples
    --------
    >>> A = dl.adjacency([np.array([[1.0, 2.0]]), np.array([[3.0]])])
    >>> dl.nilpotency_index(A)
    3
    """
    A = as_matrix(A, "A")
    n = A.shape[0]
    if A.shape != (n, n):
        raise InvalidArgumentError(f"A must be square, got shape {A.shape}")
    P = np.eye(n)
    for k in range(1, n + 1):
        P = P @ A
        if np.max(np.abs(P), initial=0.0) <= tol:
            return k
    raise InvalidArgumentError(f"A is not nilpotent: A^{n} != 0 (largest entry {np.max(np.abs(P)):.3g})")


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
    TypeError
        If ``A`` is not a real matrix.
    ValueError
        If ``A`` is not square, or not nilpotent to within the rank threshold.

    Examples
    --------
    >>> A = dl.adjacency([np.array([[1.0, 2.0]]), np.array([[3.0]])])
    >>> dl.nilpotent_jordan_type(A)
    [3, 1]
    """
    A = as_matrix(A, "A")
    if A.shape[0] != A.shape[1]:
        raise InvalidArgumentError(f"A must be a square matrix, got shape {A.shape}")
    n = A.shape[0]
    ranks = [n]
    P = np.eye(n)
    for _ in range(n):
        P = P @ A
        ranks.append(int(np.linalg.matrix_rank(P, tol=tol)) if n else 0)
        if ranks[-1] == 0:
            break
    if ranks[-1] != 0:
        raise InvalidArgumentError(f"A is not nilpotent: rank(A^{n}) = {ranks[-1]}")
    at_least = [ranks[k - 1] - ranks[k] for k in range(1, len(ranks))]  # blocks of size >= k
    sizes: list[int] = []
    for k in range(len(at_least), 0, -1):
        exactly = at_least[k - 1] - (at_least[k] if k < len(at_least) else 0)
        sizes += [k] * exactly
    return sizes
