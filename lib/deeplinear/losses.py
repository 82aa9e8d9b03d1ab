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
:func:`deeplinear.gradient_flow` as ``end_to_end_loss=``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.special import expit

from ._validation import as_matrix, as_positive, as_weights
from .network import prefix_products, suffix_products
from ._validation import frozen_array as _frozen

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
    """A loss of the end-to-end map: ``shape``, ``value(W)``, ``gradient(W)``."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def value(self, W: np.ndarray) -> float: ...

    def gradient(self, W: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class QuadraticLoss:
    r""":math:`\ell(W) = \tfrac12\lVert \Sigma - W\rVert_F^2`, :math:`\nabla\ell = W - \Sigma`."""

    Sigma: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.Sigma.shape)  # type: ignore[return-value]

    def value(self, W: np.ndarray) -> float:
        R = self.Sigma - W
        return 0.5 * float(np.sum(R * R))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        return W - self.Sigma


@dataclass(frozen=True)
class DataQuadraticLoss:
    r"""The loss on data, :math:`\ell(W) = \tfrac12\lVert Y - W X\rVert_F^2`, as a function of the
    end-to-end map :math:`W` (shape ``(d_h, d_0)``), with :math:`\nabla\ell(W) = -(Y - W X) X^\top`.

    The same value as :func:`deeplinear.data_loss`; as a loss object it lets
    :func:`deeplinear.gradient_flow` integrate the flow *on the data* (``end_to_end_loss=``),
    e.g. with raw (not whitened) inputs. Make it with :func:`data_quadratic_loss`.
    """

    X: np.ndarray
    Y: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.Y.shape[0]), int(self.X.shape[0]))

    def value(self, W: np.ndarray) -> float:
        R = self.Y - W @ self.X
        return 0.5 * float(np.sum(R * R))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        return -(self.Y - W @ self.X) @ self.X.T


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
    """

    Sigma: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.Sigma.shape)  # type: ignore[return-value]

    def value(self, W: np.ndarray) -> float:
        return -float(np.sum(self.Sigma * W))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        return -self.Sigma


@dataclass(frozen=True)
class LogisticLoss:
    r"""Logistic loss :math:`\ell(W) = \sum_{k,n} \log(1 + e^{-y_{kn} (W X)_{kn}})`, labels ``+-1``.

    :math:`\nabla\ell(W) = -\big(y \odot \mathrm{expit}(-y \odot W X)\big) X^\top`.
    """

    X: np.ndarray
    labels: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.labels.shape[0]), int(self.X.shape[0]))

    def value(self, W: np.ndarray) -> float:
        return float(np.sum(np.logaddexp(0.0, -self.labels * (W @ self.X))))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        m = self.labels * (W @ self.X)
        return -(self.labels * expit(-m)) @ self.X.T


@dataclass(frozen=True)
class HuberLoss:
    r"""Huber loss of the residual :math:`R = Y - W X`: :math:`\sum \rho_\delta(R_{kn})`.

    :math:`\rho_\delta(r) = \tfrac12 r^2` for :math:`|r| \le \delta`, else
    :math:`\delta(|r| - \delta/2)`; :math:`\nabla\ell(W) = -\mathrm{clip}(R, -\delta, \delta) X^\top`.
    """

    target: np.ndarray
    X: np.ndarray
    delta: float

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.target.shape[0]), int(self.X.shape[0]))

    def value(self, W: np.ndarray) -> float:
        r = np.abs(self.target - W @ self.X)
        d = self.delta
        return float(np.sum(np.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d))))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        R = self.target - W @ self.X
        return -np.clip(R, -self.delta, self.delta) @ self.X.T


def quadratic(Sigma: np.ndarray) -> QuadraticLoss:
    r"""The book's loss :math:`\tfrac12\lVert\Sigma - W\rVert_F^2` as a loss object."""
    return QuadraticLoss(_frozen(as_matrix(Sigma, "Sigma")))


def data_quadratic_loss(X: np.ndarray, Y: np.ndarray) -> DataQuadraticLoss:
    r"""The loss on data :math:`\tfrac12\lVert Y - W X\rVert_F^2` for ``gradient_flow(..., end_to_end_loss=...)``.

    Parameters
    ----------
    X : ndarray, shape (d_0, N)
        Inputs, one sample per column.
    Y : ndarray, shape (d_h, N)
        Outputs, one sample per column.

    Raises
    ------
    ValueError
        If ``X`` and ``Y`` have different numbers of samples (columns).
    """
    X = as_matrix(X, "X")
    Y = as_matrix(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must have the same number of samples (columns): X is {X.shape}, Y is {Y.shape}")
    return DataQuadraticLoss(_frozen(X), _frozen(Y))


def linear(Sigma: np.ndarray) -> LinearLoss:
    r"""The linear loss :math:`-\langle\Sigma, W\rangle` of the end-to-end map (see :class:`LinearLoss`).

    Parameters
    ----------
    Sigma : ndarray, shape (d_h, d_0)

    Examples
    --------
    >>> ell = linear(np.diag([3.0, 2.0]))
    >>> ell.value(np.eye(2)), ell.shape
    (-5.0, (2, 2))
    """
    return LinearLoss(_frozen(as_matrix(Sigma, "Sigma")))


def logistic(X: np.ndarray, labels: np.ndarray) -> LogisticLoss:
    r"""Logistic loss on inputs ``X`` (``d_0 x N``) with labels ``+-1`` (``d_h x N``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ell = logistic(rng.standard_normal((3, 10)), np.sign(rng.standard_normal((2, 10))))
    >>> ell.shape
    (2, 3)
    """
    X = as_matrix(X, "X")
    y = as_matrix(labels, "labels")
    if y.shape[1] != X.shape[1]:
        raise ValueError(f"labels {y.shape} and X {X.shape} must have the same number of samples (columns)")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"labels must be +1 or -1, got values {np.unique(y)[:6]}")
    return LogisticLoss(_frozen(X), _frozen(y))


def huber(Y: np.ndarray, *, X: np.ndarray | None = None, delta: float = 1.0) -> HuberLoss:
    r"""Huber loss of ``Y - W X`` (``X`` defaults to the identity: the residual ``Sigma - W``).

    Parameters
    ----------
    Y : ndarray, shape (d_h, N)
        Outputs (or :math:`\Sigma` when ``X`` is omitted).
    X : ndarray, shape (d_0, N), optional
    delta : float, default 1.0
        Transition between the quadratic and the linear regime, ``> 0``.
    """
    Y = as_matrix(Y, "Y")
    Xm = np.eye(Y.shape[1]) if X is None else as_matrix(X, "X")
    if Xm.shape[1] != Y.shape[1]:
        raise ValueError(f"Y {Y.shape} and X {Xm.shape} must have the same number of columns")
    return HuberLoss(_frozen(Y), _frozen(Xm), as_positive(delta, "delta"))


def _as_loss(loss: object, shape: tuple[int, int], name: str = "end_to_end_loss") -> EndToEndLoss:
    if not isinstance(loss, EndToEndLoss):
        raise TypeError(f"{name} must have shape, value(W) and gradient(W) (e.g. deeplinear.logistic(X, labels)), got {loss!r:.80}")
    if tuple(loss.shape) != tuple(shape):
        raise ValueError(f"{name} expects an end-to-end map of shape {tuple(loss.shape)}, but the network gives {tuple(shape)}")
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
    """
    W = as_weights(weights)
    pre = prefix_products(W)
    P = pre[-1]
    if isinstance(ell_grad, EndToEndLoss):
        G = _as_loss(ell_grad, P.shape, "ell_grad").gradient(P)
    elif callable(ell_grad):
        G = ell_grad(P)
    else:
        G = ell_grad
    G = as_matrix(G, "ell_grad")
    if G.shape != P.shape:
        raise ValueError(f"ell_grad has shape {G.shape} but the end-to-end map has shape {P.shape}")
    suf = suffix_products(W)
    return [suf[j + 1].T @ G @ pre[j].T for j in range(len(W))]


def general_loss(weights: Sequence[np.ndarray], ell: EndToEndLoss) -> float:
    r"""The value :math:`\ell(W_h \cdots W_1)` of a loss object."""
    W = as_weights(weights)
    P = prefix_products(W)[-1]
    return float(_as_loss(ell, P.shape, "ell").value(P))
