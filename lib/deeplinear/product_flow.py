r"""The induced flow of the end-to-end map :math:`W = W_h \cdots W_1`.

For 0-balanced weights the end-to-end map follows a closed equation of its own
(:func:`end_to_end_rhs`; Arora, Cohen and Hazan 2018), which :func:`end_to_end_velocity`
(the product rule along the layer-wise flow), :func:`singular_value_velocity` and
:func:`margin_rate` (the rate a deficiency margin guarantees) complement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import InvalidArgumentError
from ._validation import finite_result, as_depth, as_matrix, as_positive, as_weights, check_sigma, widths_of
from .network import partial_product
from .objective import _gradient_unchecked
from .losses import _as_loss

__all__ = ["end_to_end_rhs", "end_to_end_velocity", "singular_value_velocity", "margin_rate"]


def _psd_power(M: np.ndarray, p: float) -> np.ndarray:
    lam, Q = np.linalg.eigh(M)
    if p == 0:
        return np.eye(M.shape[0])
    tol = 16 * M.shape[0] * np.finfo(float).eps * max(float(lam[-1]), 0.0)  # rounding-level eigenvalues are zero
    keep = lam > tol
    vals = np.zeros_like(lam)
    vals[keep] = lam[keep] ** p
    return (Q * vals) @ Q.T


def end_to_end_rhs(product: np.ndarray, Sigma: np.ndarray, h: int) -> np.ndarray:
    r"""The closed end-to-end dynamics of a 0-balanced network (Arora, Cohen and Hazan 2018).

    .. math:: \dot W = \sum_{j=1}^{h} (W W^\top)^{\frac{h-j}{h}} (\Sigma - W) (W^\top W)^{\frac{j-1}{h}}

    If all :math:`C_i = 0` the product :math:`W = W_h \cdots W_1` of the layer-wise flow obeys
    this ODE (a Riemannian gradient flow on the matrices of fixed rank, Bah et al. 2022).
    Fractional powers are those of the positive semidefinite Gram matrices (``0^0 = I``).

    Parameters
    ----------
    product : ndarray, shape (d_h, d_0)
        The end-to-end map :math:`W = W_h \cdots W_1`.
    Sigma : ndarray, shape (d_h, d_0)
        The target.
    h : int
        Depth.

    Returns
    -------
    ndarray, shape (d_h, d_0)
        :math:`\dot W`.

    Raises
    ------
    TypeError
        If ``product`` or ``Sigma`` is not a real matrix, or ``h`` is not an integer.
    ValueError
        If ``product`` or ``Sigma`` is not 2-D or not finite, their shapes differ, or
        ``h < 1``.

    References
    ----------
    Arora, S., Cohen, N. and Hazan, E., "On the optimization of deep networks: Implicit
    acceleration by overparameterization", ICML 2018.

    Bah, B., Rauhut, H., Terstiege, U. and Westdickenberg, M., "Learning deep linear neural
    networks: Riemannian gradient flows and convergence to global minimizers", Information and
    Inference 2022.

    Examples
    --------
    >>> dl.end_to_end_rhs(np.array([[0.25]]), np.array([[1.0]]), 2)  # 2 * 0.25 * (1 - 0.25)
    array([[0.375]])
    """
    W = as_matrix(product, "product")
    S = as_matrix(Sigma, "Sigma")
    h = as_depth(h)
    if S.shape != W.shape:
        raise InvalidArgumentError(f"Sigma has shape {S.shape} but product has shape {W.shape}")
    R = S - W
    L, Rt = W @ W.T, W.T @ W
    out = np.zeros_like(W)
    for j in range(1, h + 1):
        out += _psd_power(L, (h - j) / h) @ R @ _psd_power(Rt, (j - 1) / h)
    return out


def end_to_end_velocity(weights: Sequence[np.ndarray], Sigma: np.ndarray) -> np.ndarray:
    r"""The velocity :math:`\dot W` of the end-to-end map when the layers follow the gradient flow.

    By the product rule, with :math:`\dot W_j = -\nabla_{W_j} L`,

    .. math:: \dot W = \sum_{j=1}^h W_{j+1:h}\, \dot W_j\, W_{1:j-1}.

    For 0-balanced weights this equals :func:`end_to_end_rhs` of the product
    (Arora, Cohen and Hazan 2018); in general it depends on more than the product.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    Sigma : ndarray, shape (d_h, d_0)
        The target.

    Returns
    -------
    ndarray, shape (d_h, d_0)
        :math:`\dot W` at ``weights``.

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``Sigma`` is not a real matrix.
    ValueError
        If ``weights`` is invalid (empty, non-finite, shapes that do not chain) or ``Sigma``
        does not have shape ``(d_h, d_0)``.

    References
    ----------
    Arora, S., Cohen, N. and Hazan, E., "On the optimization of deep networks: Implicit
    acceleration by overparameterization", ICML 2018.

    Examples
    --------
    >>> weights = [np.array([[0.5]]), np.array([[0.5]])]  # balanced
    >>> dl.end_to_end_velocity(weights, np.array([[1.0]]))  # = end_to_end_rhs of 0.25
    array([[0.375]])
    """
    W = as_weights(weights)
    S = check_sigma(Sigma, widths_of(W))
    G = _gradient_unchecked(W, S)
    h = len(W)
    with np.errstate(over="ignore", invalid="ignore"):
        V = -sum(partial_product(W, j + 1, h) @ G[j - 1] @ partial_product(W, 1, j - 1) for j in range(1, h + 1))
    return finite_result(V, "end_to_end_velocity", "weights or Sigma")


def singular_value_velocity(product: np.ndarray, Sigma: np.ndarray | None, h: int, *, end_to_end_loss: object = None) -> np.ndarray:
    r"""The singular-value law of the balanced end-to-end flow,
    :math:`\dot s_k = h\, s_k^{2-2/h} \langle \Sigma - W, u_k v_k^\top\rangle`.

    Valid where the singular values of ``W`` are simple and non-zero (Arora, Cohen, Hu and Luo
    2019); it follows from :func:`end_to_end_rhs`. For a general loss :math:`\ell` of the
    end-to-end map (``end_to_end_loss=``, e.g. :func:`deeplinear.sensing.completion_loss`) the law is
    :math:`\dot s_k = -h\, s_k^{2-2/h} \langle \nabla\ell(W), u_k v_k^\top\rangle`.

    Parameters
    ----------
    product : ndarray, shape (d_h, d_0)
        The end-to-end map :math:`W = W_h \cdots W_1`.
    Sigma : ndarray, shape (d_h, d_0), or None
        The target; ``None`` when ``end_to_end_loss`` is given.
    h : int
        Depth.
    end_to_end_loss : loss object, optional
        A loss of the end-to-end map (:mod:`deeplinear.losses`) instead of the quadratic one.

    Returns
    -------
    ndarray, shape (min(d_h, d_0),)
        The rates for :math:`s_1 \ge s_2 \ge \dots` (the compact SVD of ``W``).

    Raises
    ------
    TypeError
        If ``product`` or ``Sigma`` is not a real matrix, or ``h`` is not an integer.
    ValueError
        If ``product`` or ``Sigma`` is not 2-D or not finite, their shapes differ, ``h < 1``,
        both or neither of ``Sigma`` and ``end_to_end_loss`` are given, or the loss's ``shape``
        differs from the product's.

    References
    ----------
    Arora, S., Cohen, N., Hu, W. and Luo, Y., "Implicit regularization in deep matrix
    factorization", NeurIPS 2019.

    Examples
    --------
    >>> dl.singular_value_velocity(np.diag([0.25, 0.5]), np.diag([1.0, 2.0]), 2)
    array([1.5  , 0.375])
    >>> ell = dl.quadratic(np.diag([1.0, 2.0]))
    >>> dl.singular_value_velocity(np.diag([0.25, 0.5]), None, 2, end_to_end_loss=ell)
    array([1.5  , 0.375])
    """
    W = as_matrix(product, "product")
    h = as_depth(h)
    if (Sigma is None) == (end_to_end_loss is None):
        raise InvalidArgumentError("give exactly one of Sigma and end_to_end_loss")
    if end_to_end_loss is None:
        S = as_matrix(Sigma, "Sigma")
        if S.shape != W.shape:
            raise InvalidArgumentError(f"Sigma has shape {S.shape} but product has shape {W.shape}")
        minus_grad = S - W
    else:
        minus_grad = -as_matrix(_as_loss(end_to_end_loss, W.shape).gradient(W), "end_to_end_loss.gradient(product)")
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    inner = np.einsum("ik,ij,kj->k", U, minus_grad, Vt)
    with np.errstate(over="ignore", invalid="ignore"):
        rates = h * s ** (2.0 - 2.0 / h) * inner
    return finite_result(rates, "singular_value_velocity", "product or Sigma")


def margin_rate(c: float, h: int, *, square: bool = True) -> float:
    r"""The exponential rate guaranteed by a deficiency margin ``c`` for a 0-balanced flow.

    .. math::

       \ell(t) \le \ell(0)\, e^{-\rho t}, \qquad
       \rho = \begin{cases} 2h\, c^{2(h-1)/h} & d_0 = d_h \text{ (square end-to-end map)},\\
                            2\, c^{2(h-1)/h} & \text{in general.} \end{cases}

    The proof is in the chapter on balanced initialisations: along the flow
    :math:`\dot\ell = -\langle \nabla\ell, \mathcal A_W(\nabla\ell)\rangle` and the smallest
    eigenvalue of :math:`\mathcal A_W` is at least :math:`h\,\sigma_{\min}(W)^{2(h-1)/h}` for
    square invertible :math:`W`, but only :math:`\sigma_{\min}(W)^{2(h-1)/h}` when :math:`W`
    has a kernel or a co-kernel.

    Parameters
    ----------
    c : float
        Deficiency margin, ``> 0``.
    h : int
        Depth.
    square : bool, default True
        Whether :math:`d_0 = d_h`.

    Returns
    -------
    float
        The rate :math:`\rho`.

    Raises
    ------
    TypeError
        If ``c`` is not a real number or ``h`` is not an integer.
    ValueError
        If ``c`` is not finite and positive, or ``h < 1``.

    See Also
    --------
    deeplinear.init.deficiency_margin : the margin ``c`` of a start.

    References
    ----------
    Arora, S., Cohen, N., Golowich, N. and Hu, W., "A convergence analysis of gradient descent
    for deep linear neural networks", ICLR 2019 (the deficiency margin).

    Examples
    --------
    >>> dl.margin_rate(0.5, 2)  # 2 h c^(2(h-1)/h)
    2.0
    >>> dl.margin_rate(0.5, 2, square=False)
    1.0
    """
    c = as_positive(c, "c")
    h = as_depth(h)
    exponent = 2.0 * (h - 1) / h
    return float((2.0 * h if square else 2.0) * c**exponent)
