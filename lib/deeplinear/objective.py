r"""The quadratic loss and its gradient, layer-wise and in adjacency form.

.. math::

   L(W_1, \dots, W_h) = \tfrac12 \lVert \Sigma - W_{1:h} \rVert_F^2, \qquad
   \nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top .

In adjacency form (Wendin and Altafini, arXiv:2511.10362, Section 3)

.. math::

   L(A) = \tfrac12 \lVert E - A^h \rVert_F^2, \qquad
   -\nabla_A L = \sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top ,

where the ``j``-th term lies in block ``(j, j-1)``, so the gradient never leaves the block
pattern. The two implementations are independent; the tests check that they agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_depth, as_matrix, as_weights, check_sigma, widths_of
from .network import prefix_products

__all__ = ["residual", "loss", "gradient", "loss_adjacency", "gradient_adjacency"]


def _checked(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    W = as_weights(weights)
    return W, check_sigma(Sigma, widths_of(W))


def residual(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> np.ndarray:
    r"""The residual :math:`\Sigma - W_{1:h}`, shape ``(d_h, d_0)``."""
    W, S = _checked(weights, Sigma)
    return S - prefix_products(W)[-1]


def loss(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> float:
    r"""The loss :math:`L = \tfrac12 \lVert \Sigma - W_h \cdots W_1 \rVert_F^2`.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target (after the data reduction, rectangular-diagonal).

    Returns
    -------
    float
    """
    R = residual(weights, Sigma)
    return 0.5 * float(np.sum(R * R))


def gradient(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> list[np.ndarray]:
    r"""The layer-wise gradient :math:`[\nabla_{W_1} L, \dots, \nabla_{W_h} L]`.

    .. math:: \nabla_{W_j} L = -W_{j+1:h}^\top (\Sigma - W_{1:h}) W_{1:j-1}^\top

    Computed by back-propagation, ``3h - 3`` matrix products (the prefixes
    :math:`W_{1:j-1}` forward, the factors :math:`W_{j+1:h}^\top (\Sigma - W_{1:h})` backward). The gradient flow is
    :math:`\dot W_j = -\nabla_{W_j} L`.

    Returns
    -------
    list of ndarray
        Same shapes as ``weights``.
    """
    W, S = _checked(weights, Sigma)
    return _gradient_unchecked(W, S)


def _gradient_unchecked(W: Sequence[np.ndarray], S: np.ndarray) -> list[np.ndarray]:
    """Fast path for validated inputs, by back-propagation: ``h - 1`` forward products for the
    prefixes :math:`W_{1:j}`, then the residual carried back through the layers (``2h - 2``
    products). Prefix-and-suffix products would need about ``4h``."""
    pre = [W[0]]
    for M in W[1:]:
        pre.append(M @ pre[-1])
    B = pre.pop() - S  # gradient with respect to the end-to-end map, then W_{j+1:h}^T times it
    grads = [B] * len(W)
    for j in range(len(W) - 1, 0, -1):
        grads[j] = B @ pre[j - 1].T
        B = W[j].T @ B
    grads[0] = B
    return grads


def _depth_and_check(A: np.ndarray, E: np.ndarray, h: int, name: str = "A") -> tuple[np.ndarray, np.ndarray, int]:
    """Validate an adjacency matrix ``A`` (called ``name`` in messages), its target and depth."""
    A = as_matrix(A, name)
    E = as_matrix(E, "E")
    h = as_depth(h)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be square, got shape {A.shape}")
    if E.shape != A.shape:
        raise ValueError(f"E must have the shape of {name}, {A.shape}, got {E.shape}")
    return A, E, h


def loss_adjacency(A: np.ndarray, E: np.ndarray, h: int) -> float:
    r"""The loss in adjacency form, :math:`L(A) = \tfrac12 \lVert E - A^h \rVert_F^2`.

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        Adjacency matrix ``blk_1(W_1, ..., W_h)``.
    E : ndarray, shape (n_v, n_v)
        Target ``blk_h(Sigma)``.
    h : int
        Depth.
    """
    A, E, h = _depth_and_check(A, E, h)
    R = E - np.linalg.matrix_power(A, h)
    return 0.5 * float(np.sum(R * R))


def gradient_adjacency(A: np.ndarray, E: np.ndarray, h: int) -> np.ndarray:
    r"""The Euclidean gradient of :math:`L(A) = \tfrac12\lVert E - A^h\rVert_F^2` over all of
    :math:`\mathbb{R}^{n_v \times n_v}`:

    .. math:: \nabla_A L = -\sum_{j=1}^{h} (A^{h-j})^\top (E - A^h) (A^{j-1})^\top .

    At a block-shift ``A`` it lies in the first block sub-diagonal (block ``(j, j-1)``
    holds :math:`\nabla_{W_j} L`). This is the survey's formula, computed with dense
    powers of ``A``; it is the slow reference against which :func:`gradient` is checked.
    """
    A, E, h = _depth_and_check(A, E, h)
    n = A.shape[0]
    powers = [np.eye(n)]
    for _ in range(h):
        powers.append(powers[-1] @ A)
    R = E - powers[h]
    G = np.zeros_like(A)
    for j in range(1, h + 1):
        G -= powers[h - j].T @ R @ powers[j - 1].T
    return G
