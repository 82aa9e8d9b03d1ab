r"""The symmetry orbits through a point and the rotations that fix a saddle.

The :math:`GL` orbit through a point has tangent :math:`\xi_i W_i - W_i\xi_{i-1}`
(:func:`orbit_tangent_vector`) and dimension :func:`orbit_dimension`; at a critical point it
lies in the Hessian's null space. :func:`mode_rotation` rotates within a mode, and the
orthogonal hidden-layer transforms that fix :math:`A_S` (:func:`stabilizer_rotations`) move
rays to other points of the same stable or unstable set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._validation import (
    as_int,
    as_matrix,
    as_positive,
    as_real,
    as_rng,
    as_weights,
    check_sigma,
    finite_result,
    widths_of,
)
from .quotient import _sigma_modes
from .invariants import random_orthogonal
from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "mode_rotation",
    "orbit_tangent_vector",
    "orbit_dimension",
    "stabilizer_rotations",
]

# --------------------------------------------------------------------------- symmetry


def _orbit_tangent_matrix(W: Sequence[np.ndarray]) -> np.ndarray:
    r"""Matrix of :math:`\xi \mapsto (\xi_i W_i - W_i \xi_{i-1})_i` (row-major vec, :math:`\xi_0 = \xi_h = 0`)."""
    h = len(W)
    d = widths_of(W)
    sizes = [w.size for w in W]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    g = [d[i] ** 2 for i in range(1, h)]
    goffs = np.concatenate([[0], np.cumsum(g)]).astype(int)
    T = np.zeros((int(offs[-1]), int(goffs[-1])))
    for i in range(1, h):  # xi_i acts on W_i (left) and W_{i+1} (right)
        cols = slice(goffs[i - 1], goffs[i])
        T[offs[i - 1]:offs[i], cols] += np.kron(np.eye(d[i]), W[i - 1].T)  # xi_i W_i
        T[offs[i]:offs[i + 1], cols] -= np.kron(W[i], np.eye(d[i]))  # - W_{i+1} xi_i
    return T


def mode_rotation(
    weights: Sequence[np.ndarray], Sigma: np.ndarray, j: int, k: int, theta: float
) -> list[np.ndarray]:
    r"""Turn singular direction ``j`` of ``Sigma`` towards direction ``k`` in the outer layers.

    .. math::

       W_1 \mapsto W_1 O_v(\theta)^\top, \qquad W_h \mapsto O_u(\theta) W_h,

    where :math:`O_v(\theta)` rotates :math:`v_j` towards :math:`v_k` by the angle
    :math:`\theta` in their plane and fixes the orthogonal complement (:math:`O_u`: the same
    for :math:`u_j, u_k`), so the product becomes :math:`O_u W_{1:h} O_v^\top`. At a network
    with product :math:`\Sigma_S`, :math:`j \in S`, :math:`k \notin S`,

    .. math:: L(\theta) = L_S - \sigma_j(\sigma_k - \sigma_j)\sin^2\theta,

    which decreases when :math:`\sigma_k > \sigma_j`: a descent curve out of every critical
    point whose learnt set is not a top set, whatever the point of the fibre.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Sigma : ndarray, shape (d_h, d_0)
        The target matrix, read in the index convention of :mod:`deeplinear.critical`.
    j, k : int
        1-based indices of singular values of ``Sigma`` (the module's convention), distinct.
    theta : float
        The angle.

    Returns
    -------
    list of ndarray
        The rotated weights, the shapes of ``weights`` (only the first and last layers
        change).

    Raises
    ------
    ValueError
        If ``j`` or ``k`` is below 1 or above the number of singular values of ``Sigma``, if
        ``j == k``, if ``theta`` is not finite, or if ``Sigma``'s shape does not match.
    TypeError
        If ``j`` or ``k`` is not an integer, ``theta`` not a number, or ``weights`` not a list
        of matrices.

    Examples
    --------
    At the saddle that learnt :math:`\sigma_2 = 2` only (:math:`L_S = 5`), turning mode 2
    towards mode 1 lowers the loss by :math:`2(3 - 2)\sin^2\theta`:

    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> cp = dl.critical_point((2,), Sigma, (3, 3, 3))
    >>> W = dl.mode_rotation(cp.weights, Sigma, 2, 1, 0.3)
    >>> round(dl.loss(W, Sigma), 4), round(5 - 2 * float(np.sin(0.3)) ** 2, 4)
    (4.8253, 4.8253)
    """
    W = as_weights(weights)
    Sig = check_sigma(Sigma, widths_of(W))
    modes = _sigma_modes(Sig)
    q = len(modes.sigma)
    j = as_int(j, "j", minimum=1)
    k = as_int(k, "k", minimum=1)
    if j > q or k > q or j == k:
        raise InvalidArgumentError(f"j = {j} and k = {k} must be distinct indices from 1 to {q} (Sigma has {q} singular values)")
    theta = as_real(theta, "theta")
    c, s = math.cos(theta), math.sin(theta)

    def rotation(B: np.ndarray) -> np.ndarray:
        a, b = B[:, j - 1], B[:, k - 1]
        return (np.eye(B.shape[0]) + (c - 1.0) * (np.outer(a, a) + np.outer(b, b))
                + s * (np.outer(b, a) - np.outer(a, b)))

    out = [np.array(w, dtype=float) for w in W]
    out[0] = out[0] @ rotation(modes.V).T
    out[-1] = rotation(modes.U) @ out[-1]
    return out


def orbit_tangent_vector(weights: Sequence[np.ndarray], xis: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""The tangent of the :math:`GL` orbit through ``weights`` in the direction :math:`\xi = (\xi_1, \dots, \xi_{h-1})`.

    Differentiating :math:`W_i \mapsto e^{s\xi_i} W_i e^{-s\xi_{i-1}}` at ``s = 0`` gives

    .. math:: \dot W_i = \xi_i W_i - W_i \xi_{i-1}, \qquad \xi_0 = 0,\ \xi_h = 0

    (the input and output layers are not transformed). This is the linear map whose rank is
    :func:`orbit_dimension`; at a critical point its image lies in the Hessian's null space.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``.
    xis : list of ndarray
        ``h - 1`` generators, :math:`\xi_i` of shape ``(d_i, d_i)``.

    Returns
    -------
    list of ndarray
        The shapes of ``weights``.

    Raises
    ------
    ValueError
        If the number or the shapes of the generators do not match the hidden layers.
    TypeError
        If ``weights`` is not a list of matrices.

    Examples
    --------
    Scaling the hidden layer (:math:`\xi_1 = I`) is a direction along which a critical
    point stays critical to first order:

    >>> Sigma = np.diag([3.0, 2.0, 1.0])
    >>> cp = dl.critical_point((1,), Sigma, (3, 3, 3))
    >>> T = dl.orbit_tangent_vector(cp.weights, [np.eye(3)])
    >>> [t.shape for t in T]
    [(3, 3), (3, 3)]
    >>> dl.is_critical([w + 1e-4 * t for w, t in zip(cp.weights, T)], Sigma)
    True
    """
    W = as_weights(weights)
    h = len(W)
    d = widths_of(W)
    if isinstance(xis, (str, bytes, np.ndarray)) or not isinstance(xis, Sequence):
        raise ArgumentTypeError(f"xis must be a list of h - 1 = {h - 1} square matrices, got {xis!r:.80}")
    if len(xis) != h - 1:
        raise InvalidArgumentError(f"give h - 1 = {h - 1} hidden-layer generators, got {len(xis)}")
    X = [as_matrix(x, f"xis[{i - 1}] (xi_{i})") for i, x in enumerate(xis, start=1)]
    for i, x in enumerate(X, start=1):
        if x.shape != (d[i], d[i]):
            raise InvalidArgumentError(f"xi_{i} must have shape {(d[i], d[i])} (hidden layer {i} has width {d[i]}), got {x.shape}")
    full = [np.zeros((d[0], d[0]))] + X + [np.zeros((d[h], d[h]))]
    with np.errstate(over="ignore", invalid="ignore"):
        out = [full[i] @ W[i - 1] - W[i - 1] @ full[i - 1] for i in range(1, h + 1)]
    return finite_result(out, "orbit_tangent_vector", "weights or xis")


def orbit_dimension(weights: Sequence[np.ndarray], *, rtol: float = 1e-9) -> int:
    r"""Dimension of the :math:`GL(d_1)\times\dots\times GL(d_{h-1})` orbit through ``weights``.

    The rank of the tangent map :math:`\xi \mapsto (\xi_1 W_1,\ \xi_2 W_2 - W_2\xi_1,\ \dots,
    -W_h\xi_{h-1})`, singular values above ``rtol`` times the largest counting. At a critical
    point the orbit consists of critical points, so its tangent space lies in the Hessian's
    null space: this is the part of the null space the symmetry explains. E.g. 0 at the
    origin, :math:`(h-1)d^2` for equal square widths and an invertible product.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    rtol : float, default 1e-9
        Singular values of the tangent map above ``rtol`` times the largest count.

    Returns
    -------
    int
        The rank of the tangent map (0 for depth ``h = 1`` or at the origin).

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices or ``rtol`` not a number.
    ValueError
        If the shapes do not chain or ``rtol`` is not positive.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> dl.orbit_dimension([rng.standard_normal((3, 3)) for _ in range(2)])
    9
    >>> cp = dl.critical_point((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> dl.orbit_dimension(cp.weights)
    5
    """
    W = as_weights(weights)
    rtol = as_positive(rtol, "rtol")
    if len(W) < 2:
        return 0
    T = _orbit_tangent_matrix(W)
    if T.size == 0:
        return 0
    s = np.linalg.svd(T, compute_uv=False)
    if s.size == 0 or s[0] == 0.0:
        return 0
    return int(np.sum(s > rtol * s[0]))


def _learnt_positions(man) -> list[set[int]]:
    """Hidden coordinates (per hidden layer) that carry a learnt mode."""
    return [{m.positions[i] for m in man.modes if m.learnt} for i in range(man.depth - 1)]


def stabilizer_rotations(manifolds, rng: np.random.Generator) -> list[np.ndarray]:
    r"""Random orthogonal hidden-layer transforms :math:`(T_1, \dots, T_{h-1})` that fix :math:`A_S`.

    :math:`T_i` is the identity on the hidden coordinates that carry the learnt modes and a Haar
    random orthogonal matrix on the others. Then :math:`T \cdot A_S = A_S`, and by the orthogonal
    equivariance of the flow :math:`T` maps the stable (unstable) set of :math:`A_S` onto itself.
    For distinct learnt singular values these are all the orthogonal transforms fixing
    :math:`A_S`: the stabiliser is :math:`\prod_i \mathrm{O}(d_i - |S|)`.

    Parameters
    ----------
    manifolds : SaddleManifolds
        From :func:`deeplinear.saddle_manifolds`.
    rng : numpy.random.Generator or int
        The random generator, or a seed.

    Returns
    -------
    list of ndarray
        ``h - 1`` orthogonal matrices, ``T_i`` of shape ``(d_i, d_i)``.

    Raises
    ------
    TypeError
        If ``manifolds`` is not a :class:`deeplinear.manifolds.SaddleManifolds` or ``rng`` is
        neither a generator nor an integer seed.

    Examples
    --------
    >>> man = dl.saddle_manifolds((1,), np.diag([3.0, 2.0, 1.0]), (3, 3, 3))
    >>> T = dl.stabilizer_rotations(man, np.random.default_rng(0))
    >>> len(T), T[0].shape, float(T[0][0, 0])
    (1, (3, 3), 1.0)
    >>> bool(np.allclose(T[0] @ T[0].T, np.eye(3)))
    True
    """
    # duck-typed: deeplinear.escape (which defines SaddleManifolds) imports this module
    if type(manifolds).__name__ != "SaddleManifolds" or not all(hasattr(manifolds, a) for a in ("modes", "depth", "point")):
        raise ArgumentTypeError(f"manifolds must be a SaddleManifolds (from dl.saddle_manifolds), got {type(manifolds).__name__}")
    rng = as_rng(rng)
    d = manifolds.point.widths
    out = []
    for i, learnt in enumerate(_learnt_positions(manifolds), start=1):
        T = np.eye(d[i])
        free = [p for p in range(d[i]) if p not in learnt]
        if free:
            T[np.ix_(free, free)] = random_orthogonal(len(free), rng)
        out.append(T)
    return out
