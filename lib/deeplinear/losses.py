r"""Losses of the end-to-end map beyond the quadratic one.

The network computes :math:`W = W_h \cdots W_1` and is trained on a loss :math:`\ell(W)`. For
any differentiable :math:`\ell` the chain rule gives

.. math:: \nabla_{W_j} (\ell \circ \pi) = W_{j+1:h}^\top\, \nabla\ell(W)\, W_{1:j-1}^\top ,

or in adjacency form
:math:`-\dot A = \sum_j (A^{h-j})^\top \mathrm{blk}_h(\nabla\ell(W)) (A^{j-1})^\top`
(Wendin and Altafini, arXiv:2511.10362, Section 6). The block pattern, nilpotency and the
conservation laws :math:`C_i` survive for every :math:`\ell`; the landscape does not (e.g. the
logistic loss on separable data has no minimiser and the weights diverge, Ji and Telgarsky
2019).

Each loss is a small frozen object with ``shape`` ``(d_h, d_0)``, ``value(W)`` and
``gradient(W)`` (with respect to the end-to-end map); pass it to
:func:`deeplinear.flow.gradient_flow` as ``end_to_end_loss=``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.special import expit

from ._validation import as_int, as_matrix, as_positive, as_weights, finite_result
from .network import _prefix_products as prefix_products, _suffix_products as suffix_products
from ._validation import frozen_array as _frozen
from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "EndToEndLoss",
    "QuadraticLoss",
    "DataQuadraticLoss",
    "LinearLoss",
    "LogisticLoss",
    "HuberLoss",
    "quadratic",
    "data_quadratic_loss",
    "linear",
    "logistic",
    "huber",
    "general_gradient",
    "general_loss",
]


@runtime_checkable
class EndToEndLoss(Protocol):
    r"""A loss of the end-to-end map: ``shape``, ``value(W)``, ``gradient(W)``.

    The protocol every loss object of this module follows (and that
    :func:`deeplinear.flow.gradient_flow` accepts as ``end_to_end_loss=``); any object with these
    three members satisfies it, and ``isinstance(obj, EndToEndLoss)`` checks that they exist.

    Attributes
    ----------
    shape : tuple of int
        ``(d_h, d_0)``, the shape of the end-to-end map the loss takes.
    value : callable
        ``value(W)`` returns :math:`\ell(W)` as a float, for ``W`` of shape ``shape``.
    gradient : callable
        ``gradient(W)`` returns :math:`\nabla\ell(W)`, an ndarray of shape ``shape``.

    Notes
    -----
    A loss may also have ``rank_constrained_minimum(rank)``: the minimum of :math:`\ell` over
    end-to-end maps of rank at most ``rank`` (the quadratic losses :class:`QuadraticLoss` and
    :class:`DataQuadraticLoss` have it). :func:`deeplinear.flow.gradient_flow` then stops a flow
    of that loss at convergence, as it does for the quadratic loss of a target (``stop_tol``).
    It is not part of the protocol: ``isinstance`` does not ask for it.

    Examples
    --------
    >>> ell = dl.quadratic(np.array([[4.0, 5.0]]))
    >>> isinstance(ell, dl.losses.EndToEndLoss)
    True
    >>> ell.shape
    (1, 2)
    """

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        ...

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)` of an end-to-end map ``W`` of shape ``shape``."""
        ...

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        ...


@dataclass(frozen=True)
class QuadraticLoss:
    r"""The quadratic loss :math:`\ell(W) = \tfrac12\lVert \Sigma - W\rVert_F^2`, :math:`\nabla\ell = W - \Sigma`.

    The book's loss as a loss object (an :class:`EndToEndLoss`). Make it with
    :func:`quadratic`.

    Attributes
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The target (read-only).
    shape : tuple of int
        ``Sigma.shape``.

    Examples
    --------
    >>> ell = dl.quadratic(np.array([[4.0, 5.0]]))
    >>> type(ell) is dl.losses.QuadraticLoss
    True
    >>> ell.Sigma
    array([[4., 5.]])
    >>> ell.value(np.array([[3.0, 6.0]]))
    1.0
    """

    Sigma: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return tuple(self.Sigma.shape)  # type: ignore[return-value]

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        R = self.Sigma - W
        return 0.5 * float(np.sum(R * R))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        return W - self.Sigma

    def rank_constrained_minimum(self, rank: int) -> float:
        r"""The minimum of :math:`\ell` over maps of rank at most ``rank`` (Eckart-Young).

        .. math:: \min_{\operatorname{rank} W \le r} \tfrac12\lVert\Sigma - W\rVert_F^2
                  = \tfrac12 \sum_{k > r} \sigma_k^2

        with :math:`\sigma_k` the singular values of :math:`\Sigma` (descending); a network of
        widths ``d`` reaches it at ``rank = min(d)``. ``rank`` is an integer ``>= 0``.

        >>> dl.quadratic(np.diag([3.0, 2.0, 1.0])).rank_constrained_minimum(2)
        0.5
        """
        return _eckart_young_tail(np.linalg.svd(self.Sigma, compute_uv=False), as_int(rank, "rank", minimum=0))


@dataclass(frozen=True)
class DataQuadraticLoss:
    r"""The loss on data, :math:`\ell(W) = \tfrac12\lVert Y - W X\rVert_F^2`, as a function of the
    end-to-end map :math:`W` (shape ``(d_h, d_0)``), with :math:`\nabla\ell(W) = -(Y - W X) X^\top`.

    The same value as :func:`deeplinear.data.data_loss`; as a loss object it lets
    :func:`deeplinear.flow.gradient_flow` integrate the flow *on the data* (``end_to_end_loss=``),
    e.g. with raw (not whitened) inputs. Make it with :func:`data_quadratic_loss`.

    Attributes
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column (read-only).
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column (read-only).
    shape : tuple of int
        ``(d_h, d_0)``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> ell = dl.data_quadratic_loss(X, np.array([[1.0, 2.0, 3.0]]))
    >>> type(ell) is dl.losses.DataQuadraticLoss
    True
    >>> ell.shape, ell.value(np.array([[1.0, 2.0]]))
    ((1, 2), 0.5)
    """

    X: np.ndarray
    Y: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return (int(self.Y.shape[0]), int(self.X.shape[0]))

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        R = self.Y - W @ self.X
        return 0.5 * float(np.sum(R * R))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        return -(self.Y - W @ self.X) @ self.X.T

    def rank_constrained_minimum(self, rank: int) -> float:
        r"""The minimum of :math:`\ell` over maps of rank at most ``rank`` (reduced-rank regression).

        With :math:`V` the right singular vectors of :math:`X` for its non-zero singular values
        (an orthonormal basis of the row space; :math:`V V^\top = X^\top (X X^\top)^{-1} X`
        when :math:`X X^\top` is invertible), every :math:`W X` is :math:`Z V^\top` with
        :math:`\operatorname{rank} Z \le \operatorname{rank} W`, so by Eckart-Young

        .. math:: \min_{\operatorname{rank} W \le r} \tfrac12\lVert Y - W X\rVert_F^2
                  = \tfrac12\lVert Y - Y V V^\top\rVert_F^2 + \tfrac12 \sum_{k > r} s_k^2,

        :math:`s_k` the singular values of :math:`Y V` (those of the reduced target
        :math:`\Sigma` of :func:`deeplinear.data.reduce_data` when :math:`X X^\top` is
        invertible). The first term is the part of :math:`Y` no linear map of :math:`X`
        explains. ``rank`` is an integer ``>= 0``.

        >>> X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
        >>> ell = dl.data_quadratic_loss(X, np.array([[1.0, 2.0, 4.0]]))
        >>> round(ell.rank_constrained_minimum(1), 12), round(ell.rank_constrained_minimum(0), 12)
        (0.166666666667, 10.5)
        """
        r = as_int(rank, "rank", minimum=0)
        _, sx, Vt = np.linalg.svd(self.X, full_matrices=False)
        q = int(np.sum(sx > sx[0] * np.finfo(float).eps * max(self.X.shape))) if sx.size and sx[0] > 0 else 0
        YV = self.Y @ Vt[:q].T
        R = self.Y - YV @ Vt[:q]
        return 0.5 * float(np.sum(R * R)) + _eckart_young_tail(np.linalg.svd(YV, compute_uv=False), r)


@dataclass(frozen=True)
class LinearLoss:
    r"""The linear loss :math:`\ell(W) = -\langle \Sigma, W\rangle`, :math:`\nabla\ell = -\Sigma`.

    It is the leading term of the quadratic loss near the origin,
    :math:`\tfrac12\lVert\Sigma - W\rVert_F^2 = \tfrac12\lVert\Sigma\rVert_F^2 - \langle\Sigma, W\rangle
    + \tfrac12\lVert W\rVert_F^2`. Its gradient flow,
    :math:`\dot W_j = W_{j+1:h}^\top\, \Sigma\, W_{1:j-1}^\top`, is the *escape phase* of the
    quadratic flow from a small start; its right-hand side is homogeneous of degree
    :math:`h - 1`, so for :math:`h \ge 3` its solutions typically blow up in finite time. The loss
    is unbounded below (no minimiser). Make it with :func:`linear`.

    Attributes
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The matrix of the loss (read-only).
    shape : tuple of int
        ``Sigma.shape``.

    Examples
    --------
    >>> ell = dl.linear(np.diag([3.0, 2.0]))
    >>> type(ell) is dl.losses.LinearLoss
    True
    >>> ell.gradient(np.eye(2))
    array([[-3., -0.],
           [-0., -2.]])
    """

    Sigma: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return tuple(self.Sigma.shape)  # type: ignore[return-value]

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        return -float(np.sum(self.Sigma * W))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        return -self.Sigma


@dataclass(frozen=True)
class LogisticLoss:
    r"""Logistic loss :math:`\ell(W) = \sum_{k,n} \log(1 + e^{-y_{kn} (W X)_{kn}})`, labels ``+-1``.

    :math:`\nabla\ell(W) = -\big(y \odot \mathrm{expit}(-y \odot W X)\big) X^\top`.

    Make it with :func:`logistic`.

    Attributes
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column (read-only).
    labels : ndarray, shape (d_h, N)
        Labels :math:`y_{kn} = \pm 1` (read-only).
    shape : tuple of int
        ``(d_h, d_0)``.

    Examples
    --------
    >>> ell = dl.logistic(np.array([[1.0, -1.0]]), np.array([[1.0, -1.0]]))
    >>> type(ell) is dl.losses.LogisticLoss
    True
    >>> round(ell.value(np.zeros((1, 1))), 4)  # 2 log 2
    1.3863
    """

    X: np.ndarray
    labels: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return (int(self.labels.shape[0]), int(self.X.shape[0]))

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        return float(np.sum(np.logaddexp(0.0, -self.labels * (W @ self.X))))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        m = self.labels * (W @ self.X)
        return -(self.labels * expit(-m)) @ self.X.T


@dataclass(frozen=True)
class HuberLoss:
    r"""Huber loss of the residual :math:`R = Y - W X`: :math:`\sum \rho_\delta(R_{kn})`.

    :math:`\rho_\delta(r) = \tfrac12 r^2` for :math:`|r| \le \delta`, else
    :math:`\delta(|r| - \delta/2)`; :math:`\nabla\ell(W) = -\mathrm{clip}(R, -\delta, \delta) X^\top`.

    Make it with :func:`huber`.

    Attributes
    ----------
    target : ndarray, shape (d_h, N)
        The outputs ``Y`` (read-only).
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column; the identity when :func:`huber` is given no ``X``
        (read-only).
    delta : float
        Transition between the quadratic and the linear regime, ``> 0``.
    shape : tuple of int
        ``(d_h, d_0)``.

    Examples
    --------
    >>> ell = dl.huber(np.array([[3.0, 0.5]]))
    >>> type(ell) is dl.losses.HuberLoss
    True
    >>> ell.delta, ell.value(np.zeros((1, 2)))  # 1 * (3 - 1/2) + 0.5**2 / 2
    (1.0, 2.625)
    """

    target: np.ndarray
    X: np.ndarray
    delta: float

    @property
    def shape(self) -> tuple[int, int]:
        """``(d_h, d_0)``, the shape of the end-to-end map."""
        return (int(self.target.shape[0]), int(self.X.shape[0]))

    def value(self, W: np.ndarray) -> float:
        r"""The loss :math:`\ell(W)`, for ``W`` of shape ``shape``."""
        r = np.abs(self.target - W @ self.X)
        d = self.delta
        return float(np.sum(np.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d))))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The gradient :math:`\nabla\ell(W)`, of shape ``shape``."""
        R = self.target - W @ self.X
        return -np.clip(R, -self.delta, self.delta) @ self.X.T


def _eckart_young_tail(s: np.ndarray, rank: int) -> float:
    r""":math:`\tfrac12\sum_{k > r} s_k^2` for singular values ``s`` in descending order."""
    return 0.5 * float(np.sum(s[rank:] ** 2))


def quadratic(Sigma: np.ndarray) -> QuadraticLoss:
    r"""The book's loss :math:`\tfrac12\lVert\Sigma - W\rVert_F^2` as a loss object.

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    QuadraticLoss
        With a read-only copy of ``Sigma``; :math:`\nabla\ell(W) = W - \Sigma`.

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real matrix.
    ValueError
        If ``Sigma`` is not 2-D or has a non-finite entry.

    Examples
    --------
    >>> ell = dl.quadratic(np.array([[4.0, 5.0]]))
    >>> ell.gradient(np.array([[3.0, 6.0]]))
    array([[-1.,  1.]])
    """
    return QuadraticLoss(_frozen(as_matrix(Sigma, "Sigma")))


def data_quadratic_loss(X: np.ndarray, Y: np.ndarray) -> DataQuadraticLoss:
    r"""The loss on data :math:`\tfrac12\lVert Y - W X\rVert_F^2` for ``gradient_flow(..., end_to_end_loss=...)``.

    Parameters
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column.
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column.

    Returns
    -------
    DataQuadraticLoss
        With read-only copies of ``X`` and ``Y``; its ``shape`` is ``(d_h, d_0)``.

    Raises
    ------
    TypeError
        If ``X`` or ``Y`` is not a real matrix.
    ValueError
        If ``X`` or ``Y`` is not 2-D or not finite, or they have different numbers of samples
        (columns).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> ell = dl.data_quadratic_loss(X, np.array([[1.0, 2.0, 3.0]]))
    >>> ell.gradient(np.zeros((1, 2)))
    array([[-7., -5.]])
    """
    X = as_matrix(X, "X")
    Y = as_matrix(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise InvalidArgumentError(f"X and Y must have the same number of samples (columns): X is {X.shape}, Y is {Y.shape}")
    return DataQuadraticLoss(_frozen(X), _frozen(Y))


def linear(Sigma: np.ndarray) -> LinearLoss:
    r"""The linear loss :math:`-\langle\Sigma, W\rangle` of the end-to-end map (see :class:`LinearLoss`).

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)
        The matrix paired with the end-to-end map.

    Returns
    -------
    LinearLoss
        With a read-only copy of ``Sigma``; :math:`\nabla\ell = -\Sigma`.

    Raises
    ------
    TypeError
        If ``Sigma`` is not a real matrix.
    ValueError
        If ``Sigma`` is not 2-D or has a non-finite entry.

    Examples
    --------
    >>> ell = dl.linear(np.diag([3.0, 2.0]))
    >>> ell.value(np.eye(2)), ell.shape
    (-5.0, (2, 2))
    """
    return LinearLoss(_frozen(as_matrix(Sigma, "Sigma")))


def logistic(X: np.ndarray, labels: np.ndarray) -> LogisticLoss:
    r"""Logistic loss on inputs ``X`` (``d_0 x N``) with labels ``+-1`` (``d_h x N``).

    .. math:: \ell(W) = \sum_{k,n} \log\big(1 + e^{-y_{kn} (W X)_{kn}}\big)

    Parameters
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column.
    labels : ndarray, shape (d_h, N)
        Labels, every entry ``+1`` or ``-1``.

    Returns
    -------
    LogisticLoss
        With read-only copies of ``X`` and ``labels``; its ``shape`` is ``(d_h, d_0)``.

    Raises
    ------
    TypeError
        If ``X`` or ``labels`` is not a real matrix.
    ValueError
        If ``X`` or ``labels`` is not 2-D or not finite, they have different numbers of
        samples (columns), or a label is not ``+1`` or ``-1``.

    References
    ----------
    Ji, Z. and Telgarsky, M., "Gradient descent aligns the layers of deep linear networks",
    ICLR 2019: on separable data the loss has no minimiser and the weights diverge.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ell = dl.logistic(rng.standard_normal((3, 10)), np.sign(rng.standard_normal((2, 10))))
    >>> ell.shape
    (2, 3)
    """
    X = as_matrix(X, "X")
    y = as_matrix(labels, "labels")
    if y.shape[1] != X.shape[1]:
        raise InvalidArgumentError(f"labels {y.shape} and X {X.shape} must have the same number of samples (columns)")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise InvalidArgumentError(f"labels must be +1 or -1, got values {np.unique(y)[:6]}")
    return LogisticLoss(_frozen(X), _frozen(y))


def huber(Y: np.ndarray, *, X: np.ndarray | None = None, delta: float = 1.0) -> HuberLoss:
    r"""Huber loss of ``Y - W X`` (``X`` defaults to the identity: the residual ``Sigma - W``).

    Parameters
    ----------
    Y : ndarray, shape (d_h, N)
        Outputs (or :math:`\Sigma` when ``X`` is omitted).
    X : ndarray, shape (d_0, N), optional
        Inputs, one sample per column; default the identity of size ``N`` (then
        ``d_0 = N``).
    delta : float, default 1.0
        Transition between the quadratic and the linear regime, ``> 0``.

    Returns
    -------
    HuberLoss
        :math:`\ell(W) = \sum \rho_\delta((Y - W X)_{kn})`, with read-only copies of ``Y`` and
        ``X``.

    Raises
    ------
    TypeError
        If ``Y`` or ``X`` is not a real matrix, or ``delta`` is not a real number.
    ValueError
        If ``Y`` or ``X`` is not 2-D or not finite, they have different numbers of columns,
        or ``delta`` is not finite and positive.

    Examples
    --------
    >>> ell = dl.huber(np.array([[3.0, 0.5]]), delta=1.0)
    >>> ell.gradient(np.zeros((1, 2)))  # -clip(Y, -1, 1)
    array([[-1. , -0.5]])
    """
    Y = as_matrix(Y, "Y")
    Xm = np.eye(Y.shape[1]) if X is None else as_matrix(X, "X")
    if Xm.shape[1] != Y.shape[1]:
        raise InvalidArgumentError(f"Y {Y.shape} and X {Xm.shape} must have the same number of columns")
    return HuberLoss(_frozen(Y), _frozen(Xm), as_positive(delta, "delta"))


def _as_loss(loss: object, shape: tuple[int, int], name: str = "end_to_end_loss") -> EndToEndLoss:
    if not isinstance(loss, EndToEndLoss):
        raise ArgumentTypeError(f"{name} must have shape, value(W) and gradient(W) (e.g. deeplinear.logistic(X, labels)), got {loss!r:.80}")
    if tuple(loss.shape) != tuple(shape):
        raise InvalidArgumentError(f"{name} expects an end-to-end map of shape {tuple(loss.shape)}, but the network gives {tuple(shape)}")
    return loss


def general_gradient(
    weights: Sequence[np.ndarray],
    ell_grad: np.ndarray | Callable[[np.ndarray], np.ndarray] | EndToEndLoss,
) -> list[np.ndarray]:
    r"""Layer gradients of :math:`\ell(W_h\cdots W_1)` from the end-to-end gradient.

    .. math:: \nabla_{W_j} = W_{j+1:h}^\top\, G\, W_{1:j-1}^\top, \qquad G = \nabla\ell(W_{1:h}).

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    ell_grad : ndarray of shape (d_h, d_0), callable ``W -> G``, or a loss object
        The gradient of the loss with respect to the end-to-end map (a matrix, a function of
        the end-to-end map, or an object from :func:`quadratic`, :func:`data_quadratic_loss`,
        :func:`linear`, :func:`logistic`, :func:`huber`).

    Returns
    -------
    list of ndarray
        Same shapes as ``weights``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices, or ``G`` (given or computed) is not a real
        matrix.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain), a loss
        object's ``shape`` differs from the end-to-end map's, or ``G`` is not finite or does
        not have shape ``(d_h, d_0)``.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> Sigma = np.array([[4.0, 5.0]])
    >>> dl.general_gradient(weights, dl.quadratic(Sigma))  # equals dl.gradient(weights, Sigma)
    [array([[-3.,  3.]]), array([[1.]])]
    >>> dl.general_gradient(weights, lambda P: P - Sigma)
    [array([[-3.,  3.]]), array([[1.]])]
    """
    W = as_weights(weights)
    with np.errstate(over="ignore", invalid="ignore"):
        pre = finite_result(prefix_products(W), "general_gradient", "weights")
    P = pre[-1]
    if isinstance(ell_grad, EndToEndLoss):
        G = _as_loss(ell_grad, P.shape, "ell_grad").gradient(P)
    elif callable(ell_grad):
        G = ell_grad(P)
    else:
        G = ell_grad
    G = as_matrix(G, "ell_grad")
    if G.shape != P.shape:
        raise InvalidArgumentError(f"ell_grad has shape {G.shape} but the end-to-end map has shape {P.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        suf = suffix_products(W)
        return finite_result([suf[j + 1].T @ G @ pre[j].T for j in range(len(W))], "general_gradient", "weights or ell_grad")


def general_loss(weights: Sequence[np.ndarray], ell: EndToEndLoss) -> float:
    r"""The value :math:`\ell(W_h \cdots W_1)` of a loss object.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    ell : EndToEndLoss
        A loss object, e.g. from :func:`quadratic`, :func:`data_quadratic_loss`,
        :func:`linear`, :func:`logistic` or :func:`huber`.

    Returns
    -------
    float
        ``ell.value(W_h ... W_1)``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices, or ``ell`` lacks ``shape``, ``value`` or
        ``gradient``.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain), or
        ``ell.shape`` is not the shape ``(d_h, d_0)`` of the end-to-end map.

    Examples
    --------
    >>> weights = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    >>> dl.general_loss(weights, dl.quadratic(np.array([[4.0, 5.0]])))  # = dl.loss
    1.0
    """
    W = as_weights(weights)
    with np.errstate(over="ignore", invalid="ignore"):
        P = prefix_products(W)[-1]
        loss = _as_loss(ell, P.shape, "ell")
        return finite_result(float(loss.value(P)), "general_loss", "weights")
