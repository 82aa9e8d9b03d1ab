r"""Invariants of the flow: conservation laws and the similarity symmetry.

Conservation laws
-----------------
Along the gradient flow of *any* differentiable loss of the end-to-end map, the hidden-layer
Gram differences

.. math:: C_i = W_{i+1}^\top W_{i+1} - W_i W_i^\top, \qquad i = 1, \dots, h-1,

are constant (Arora, Cohen and Hazan 2018; Du, Hu and Lee 2018). In the network view they are
the inner diagonal blocks of the commutator

.. math:: [A^\top, A] = A^\top A - A A^\top
          = \mathrm{blkdiag}\big(W_1^\top W_1,\ C_1, \dots, C_{h-1},\ -W_h W_h^\top\big),

whose two outer blocks are *not* conserved (Wendin and Altafini, arXiv:2511.10362, Section 3).

Symmetry
--------
The group :math:`G = GL(d_1) \times \dots \times GL(d_{h-1})` acts by
:math:`W_i \mapsto T_i W_i T_{i-1}^{-1}` (:math:`T_0 = I`, :math:`T_h = I`), i.e. by the
similarity :math:`A \mapsto T A T^{-1}` with :math:`T = \mathrm{blkdiag}(I, T_1, \dots, T_{h-1}, I)`.
It leaves the end-to-end map, hence the loss, unchanged; the gradient is equivariant only under
the orthogonal subgroup. The conservation laws are the Noether charges of this symmetry
(Kunin et al. 2021). Along computed trajectories, :func:`commutator_block_drift` and
:func:`symmetry_defect` measure both facts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_int, as_matrix, as_positive, as_rng, as_weights, as_widths, finite_result, widths_of
from .network import adjacency, layer_slices
from .trajectory import Trajectory
from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "conserved_quantities",
    "conserved_drift",
    "imbalance",
    "commutator_block_drift",
    "symmetry_defect",
    "commutator",
    "commutator_blocks",
    "block_diagonal",
    "gl_action",
    "gl_action_adjacency",
    "random_orthogonal",
    "random_gl",
]


def _conserved_unchecked(W: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [W[i + 1].T @ W[i + 1] - W[i] @ W[i].T for i in range(len(W) - 1)]


def conserved_quantities(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""The conserved quantities :math:`C_i = W_{i+1}^\top W_{i+1} - W_i W_i^\top`.

    .. math:: C_i = W_{i+1}^\top W_{i+1} - W_i W_i^\top, \qquad i = 1, \dots, h-1.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    list of ndarray
        ``[C_1, ..., C_{h-1}]``, ``C_i`` of shape ``(d_i, d_i)`` (empty for ``h = 1``).

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices (e.g. a single array).
    ValueError
        If the list is empty, an entry is not finite, or consecutive shapes do not chain.

    Notes
    -----
    They are first integrals of the gradient flow of any loss of the end-to-end map. A network
    is *0-balanced* if all :math:`C_i = 0` and *delta-balanced* if
    :math:`\lVert C_i\rVert_F \le \delta` for all ``i`` (Arora, Cohen, Golowich and Hu 2019).

    References
    ----------
    Arora, Cohen and Hazan (2018), "On the optimization of deep networks: implicit acceleration
    by overparameterization", ICML. Du, Hu and Lee (2018), "Algorithmic regularization in
    learning deep homogeneous models", NeurIPS. Arora, Cohen, Golowich and Hu (2019), "A
    convergence analysis of gradient descent for deep linear neural networks", ICLR.

    Examples
    --------
    >>> weights = [np.array([[1.0, 0.0]]), np.array([[2.0]])]
    >>> [C.tolist() for C in dl.conserved_quantities(weights)]  # 2*2 - 1
    [[[3.0]]]
    """
    W = as_weights(weights)
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(_conserved_unchecked(W), "conserved_quantities", "weights")


def conserved_drift(C0: Sequence[np.ndarray], C: Sequence[np.ndarray]) -> float:
    r"""Relative drift :math:`\max_i \lVert C_i - C_i^{(0)}\rVert_F / \max(1, \lVert C_i^{(0)}\rVert_F)`.

    .. math:: \max_i \frac{\lVert C_i - C_i^{(0)}\rVert_F}{\max(1, \lVert C_i^{(0)}\rVert_F)}

    Returns ``0.0`` when there is nothing to compare (depth 1).

    Parameters
    ----------
    C0 : list of ndarray
        Reference conserved quantities ``[C_1^(0), ..., C_{h-1}^(0)]``, e.g. at time 0
        (:func:`conserved_quantities`), ``C_i`` of shape ``(d_i, d_i)``.
    C : list of ndarray
        The same quantities at a later time, of the same length and shapes.

    Returns
    -------
    float
        The largest relative Frobenius drift over ``i`` (``0.0`` for empty lists).

    Raises
    ------
    ValueError
        If ``C0`` and ``C`` have different lengths, or two corresponding entries have different
        shapes.

    Examples
    --------
    >>> weights = [np.array([[1.0, 0.0]]), np.array([[2.0]])]
    >>> C0 = dl.conserved_quantities(weights)
    >>> round(dl.conserved_drift(C0, [C0[0] + 0.03]), 4)  # 0.03 / 3
    0.01
    """
    for name, value in (("C0", C0), ("C", C)):
        if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, Sequence):
            raise ArgumentTypeError(f"{name} must be a list of square matrices [C_1, ..., C_(h-1)], got {value!r:.80}")
    if len(C0) != len(C):
        raise InvalidArgumentError(f"C0 and C must have the same length, got {len(C0)} and {len(C)}")
    out = 0.0
    for i, (a, b) in enumerate(zip(C0, C)):
        a = as_matrix(a, f"C0[{i}]")
        b = as_matrix(b, f"C[{i}]")
        if a.shape != b.shape:
            raise InvalidArgumentError(f"C0[{i}] and C[{i}] have different shapes {a.shape} and {b.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            out = max(out, float(np.linalg.norm(b - a)) / max(1.0, float(np.linalg.norm(a))))
    return finite_result(out, "conserved_drift", "C0 or C")


def imbalance(weights: Sequence[np.ndarray]) -> float:
    r"""The imbalance :math:`\max_i \lVert C_i \rVert_F` (``0.0`` for depth 1).

    .. math:: \max_{1 \le i \le h-1} \lVert W_{i+1}^\top W_{i+1} - W_i W_i^\top \rVert_F

    A network is delta-balanced exactly when ``imbalance(weights) <= delta``.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    Returns
    -------
    float
        The largest Frobenius norm of the conserved quantities (:func:`conserved_quantities`).

    Raises
    ------
    TypeError
        If ``weights`` is not a list of matrices.
    ValueError
        If the list is empty, an entry is not finite, or consecutive shapes do not chain.

    References
    ----------
    Arora, Cohen, Golowich and Hu (2019), "A convergence analysis of gradient descent for deep
    linear neural networks", ICLR (delta-balancedness).

    Examples
    --------
    >>> dl.imbalance([np.array([[1.0, 0.0]]), np.array([[2.0]])])
    3.0
    >>> dl.imbalance([np.array([[2.0]]), np.array([[2.0]])])  # balanced
    0.0
    """
    W = as_weights(weights)
    with np.errstate(over="ignore", invalid="ignore"):
        C = _conserved_unchecked(W)
        out = max((float(np.linalg.norm(c)) for c in C), default=0.0)
    return finite_result(out, "imbalance", "weights")


def commutator(A: np.ndarray) -> np.ndarray:
    r"""The commutator :math:`[A^\top, A] = A^\top A - A A^\top` of a square matrix.

    .. math:: [A^\top, A] = A^\top A - A A^\top

    For an adjacency matrix it is block diagonal (see :func:`commutator_blocks`).

    Parameters
    ----------
    A : ndarray, shape (n, n)
        A square real matrix, e.g. an adjacency matrix (:func:`deeplinear.network.adjacency`).

    Returns
    -------
    ndarray, shape (n, n)
        The symmetric matrix :math:`A^\top A - A A^\top` (zero exactly when ``A`` is normal).

    Raises
    ------
    TypeError
        If ``A`` is not a real matrix.
    ValueError
        If ``A`` is not 2-D, not finite, or not square.
    NonFiniteResultError
        If the products overflow (entries near ``1e150`` and beyond).

    Examples
    --------
    >>> A = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> dl.commutator(A)
    array([[ 4.,  0.],
           [ 0., -4.]])
    """
    A = as_matrix(A, "A")
    if A.shape[0] != A.shape[1]:
        raise InvalidArgumentError(f"A must be square, got shape {A.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(A.T @ A - A @ A.T, "commutator", "A")


def commutator_blocks(A: np.ndarray, widths: Sequence[int]) -> list[np.ndarray]:
    r"""Diagonal blocks of :math:`A^\top A - A A^\top` for ``A = blk_1(W_1, ..., W_h)``.

    .. math:: [A^\top, A] = \mathrm{blkdiag}\big(W_1^\top W_1,\ C_1, \dots, C_{h-1},\ -W_h W_h^\top\big)

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        An adjacency matrix, :math:`n_v = d_0 + \dots + d_h`
        (:func:`deeplinear.network.adjacency`).
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    list of ndarray
        ``h + 1`` blocks :math:`[W_1^\top W_1, C_1, \dots, C_{h-1}, -W_h W_h^\top]`; the inner
        ``h - 1`` are the conserved quantities, the outer two are not conserved. Block ``k`` has
        shape ``(d_k, d_k)``.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers or ``A`` is not a real matrix.
    ValueError
        If a width is not positive, there are fewer than two widths, ``A`` is not finite, or
        ``A`` does not have shape ``(n_v, n_v)``.
    NonFiniteResultError
        If the products overflow (entries near ``1e150`` and beyond).

    References
    ----------
    Wendin and Altafini, arXiv:2511.10362, Section 3.

    Examples
    --------
    >>> A = dl.adjacency([np.array([[1.0]]), np.array([[2.0]])])
    >>> [B.tolist() for B in dl.commutator_blocks(A, (1, 1, 1))]
    [[[1.0]], [[3.0]], [[-4.0]]]
    """
    d = as_widths(widths)
    A = as_matrix(A, "A")
    n = sum(d)
    if A.shape != (n, n):
        raise InvalidArgumentError(f"A has shape {A.shape} but widths {d} give n_v = {n}, so A must be ({n}, {n})")
    with np.errstate(over="ignore", invalid="ignore"):
        K = finite_result(A.T @ A - A @ A.T, "commutator_blocks", "A")
    return [K[s, s].copy() for s in layer_slices(d)]


def _check_transforms(Ts: object, widths: Sequence[int], name: str = "Ts") -> list[np.ndarray]:
    d = tuple(widths)
    h = len(d) - 1
    if isinstance(Ts, np.ndarray) or not isinstance(Ts, Sequence):
        raise ArgumentTypeError(f"{name} must be a list [T_1, ..., T_(h-1)] of hidden-layer matrices, got {type(Ts).__name__}")
    if len(Ts) != h - 1:
        raise InvalidArgumentError(f"{name} must hold h - 1 = {h - 1} matrices (one per hidden layer), got {len(Ts)}")
    out = []
    for i, T in enumerate(Ts, start=1):
        T = as_matrix(T, f"{name}[{i - 1}] (T_{i})")
        if T.shape != (d[i], d[i]):
            raise InvalidArgumentError(f"{name}[{i - 1}] (T_{i}) must have shape {(d[i], d[i])}, got {T.shape}")
        if np.linalg.cond(T) > 1e14:
            raise InvalidArgumentError(f"{name}[{i - 1}] (T_{i}) is singular or nearly so (cond = {np.linalg.cond(T):.3g})")
        out.append(T)
    return out


def block_diagonal(Ts: Sequence[np.ndarray], widths: Sequence[int]) -> np.ndarray:
    r"""The block-diagonal :math:`T = \mathrm{blkdiag}(I_{d_0}, T_1, \dots, T_{h-1}, I_{d_h})`.

    .. math:: T = \mathrm{blkdiag}(I_{d_0}, T_1, \dots, T_{h-1}, I_{d_h})

    Parameters
    ----------
    Ts : list of ndarray
        ``h - 1`` invertible matrices, ``T_i`` of shape ``(d_i, d_i)``.
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    ndarray, shape (n_v, n_v)
        With :math:`n_v = d_0 + \dots + d_h`; :math:`A \mapsto T A T^{-1}` is the action of
        :func:`gl_action_adjacency`.

    Raises
    ------
    TypeError
        If ``Ts`` is not a list of matrices (a single array is refused), or ``widths`` is not a
        sequence of integers.
    ValueError
        If ``Ts`` does not hold ``h - 1`` matrices, a ``T_i`` has the wrong shape or is singular
        (condition number above ``1e14``), or the widths are invalid.

    Examples
    --------
    >>> dl.block_diagonal([np.array([[2.0]])], (1, 1, 1))
    array([[1., 0., 0.],
           [0., 2., 0.],
           [0., 0., 1.]])
    """
    d = as_widths(widths)
    T_list = _check_transforms(Ts, d)
    sl = layer_slices(d)
    n = sum(d)
    T = np.eye(n)
    for i, Ti in enumerate(T_list, start=1):
        T[sl[i], sl[i]] = Ti
    return T


def gl_action(weights: Sequence[np.ndarray], Ts: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""Act with :math:`(T_1, \dots, T_{h-1})` on the weights: :math:`W_i \mapsto T_i W_i T_{i-1}^{-1}`.

    .. math:: W_i \mapsto T_i W_i T_{i-1}^{-1}, \qquad T_0 = I_{d_0},\ T_h = I_{d_h}.

    With :math:`T_0 = I_{d_0}` and :math:`T_h = I_{d_h}` the end-to-end map is unchanged, so the
    loss is invariant. The gradient transforms equivariantly,
    :math:`\nabla L(T\cdot W)_i = T_i \nabla L(W)_i T_{i-1}^{-1}`, only when every
    :math:`T_i` is orthogonal.

    Parameters
    ----------
    weights : list of ndarray
        ``[W_1, ..., W_h]``, ``W_i`` of shape ``(d_i, d_{i-1})``.
    Ts : list of ndarray
        ``h - 1`` invertible matrices, ``T_i`` of shape ``(d_i, d_i)``.

    Returns
    -------
    list of ndarray
        The transformed weights, of the same shapes.

    Raises
    ------
    TypeError
        If ``weights`` or ``Ts`` is not a list of matrices.
    ValueError
        If the weights are invalid (empty, not finite, shapes that do not chain), or ``Ts`` does
        not hold ``h - 1`` matrices of shapes ``(d_i, d_i)``, or a ``T_i`` is singular
        (condition number above ``1e14``).

    References
    ----------
    Kunin, Sagastuy-Brena, Ganguli, Yamins and Tanaka (2021), "Neural mechanics: symmetry and
    broken conservation laws in deep learning dynamics", ICLR.

    Examples
    --------
    >>> weights = [np.array([[1.0]]), np.array([[3.0]])]
    >>> moved = dl.gl_action(weights, [np.array([[2.0]])])
    >>> [W.tolist() for W in moved], dl.end_to_end(moved).tolist()
    ([[[2.0]], [[1.5]]], [[3.0]])
    """
    W = as_weights(weights)
    d = widths_of(W)
    T_list = _check_transforms(Ts, d)
    full = [np.eye(d[0])] + T_list + [np.eye(d[-1])]
    out = []
    for i, Wi in enumerate(W, start=1):
        out.append(full[i] @ np.linalg.solve(full[i - 1].T, Wi.T).T)  # T_i W_i T_{i-1}^{-1}
    return out


def gl_action_adjacency(A: np.ndarray, Ts: Sequence[np.ndarray], widths: Sequence[int]) -> np.ndarray:
    r"""The same action in adjacency form, :math:`A \mapsto T A T^{-1}` with ``T = block_diagonal(Ts, widths)``.

    .. math:: A \mapsto T A T^{-1}, \qquad T = \mathrm{blkdiag}(I_{d_0}, T_1, \dots, T_{h-1}, I_{d_h}).

    Parameters
    ----------
    A : ndarray, shape (n_v, n_v)
        An adjacency matrix, :math:`n_v = d_0 + \dots + d_h`.
    Ts : list of ndarray
        ``h - 1`` invertible matrices, ``T_i`` of shape ``(d_i, d_i)``.
    widths : sequence of int
        ``(d_0, ..., d_h)``.

    Returns
    -------
    ndarray, shape (n_v, n_v)
        The adjacency matrix of ``gl_action(weights, Ts)``.

    Raises
    ------
    TypeError
        If ``A`` is not a real matrix, ``Ts`` not a list of matrices, or ``widths`` not a
        sequence of integers.
    ValueError
        If ``A`` does not have shape ``(n_v, n_v)`` or is not finite, or ``Ts`` is invalid for
        the widths (see :func:`block_diagonal`).

    Examples
    --------
    >>> A = dl.adjacency([np.array([[1.0]]), np.array([[3.0]])])
    >>> dl.gl_action_adjacency(A, [np.array([[2.0]])], (1, 1, 1))
    array([[0. , 0. , 0. ],
           [2. , 0. , 0. ],
           [0. , 1.5, 0. ]])
    """
    d = as_widths(widths)
    A = as_matrix(A, "A")
    n = sum(d)
    if A.shape != (n, n):
        raise InvalidArgumentError(f"A has shape {A.shape} but widths {d} give n_v = {n}, so A must be ({n}, {n})")
    T = block_diagonal(Ts, d)
    return T @ np.linalg.solve(T.T, A.T).T


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    r"""A Haar-distributed random orthogonal ``n x n`` matrix (QR with the sign fix of Mezzadri 2007).

    The QR factorisation :math:`Z = QR` of a Gaussian matrix :math:`Z`, with the columns of
    :math:`Q` multiplied by the signs of :math:`\mathrm{diag}(R)`.

    Parameters
    ----------
    n : int
        The size, ``>= 1``.
    rng : numpy.random.Generator
        Explicit source of randomness (a non-negative integer seed is accepted too).

    Returns
    -------
    ndarray, shape (n, n)
        An orthogonal matrix, :math:`Q^\top Q = I`.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``rng`` is neither a Generator nor a non-negative integer.
    ValueError
        If ``n < 1``.

    References
    ----------
    Mezzadri (2007), "How to generate random matrices from the classical compact groups",
    Notices of the AMS 54(5).

    Examples
    --------
    >>> Q = dl.random_orthogonal(3, np.random.default_rng(0))
    >>> Q.shape, bool(np.allclose(Q.T @ Q, np.eye(3)))
    ((3, 3), True)
    """
    n = as_int(n, "n", minimum=1)
    rng = as_rng(rng)
    Z = rng.standard_normal((n, n))
    Q, R = np.linalg.qr(Z)
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def random_gl(
    widths: Sequence[int],
    rng: np.random.Generator,
    *,
    orthogonal: bool = False,
    cond: float = 10.0,
) -> list[np.ndarray]:
    r"""Random hidden-layer transforms :math:`(T_1, \dots, T_{h-1})` for :func:`gl_action`.

    Each :math:`T_i = Q_i\, \mathrm{diag}(s)\, R_i` with Haar orthogonal :math:`Q_i, R_i` and
    singular values ``s`` spread log-uniformly over ``[1, cond]`` (the largest equal to
    ``cond`` when ``d_i >= 2``), so the condition number is controlled. With
    ``orthogonal=True`` the transforms are Haar orthogonal (the subgroup under which the
    gradient flow is equivariant).

    Parameters
    ----------
    widths : sequence of int
        ``(d_0, ..., d_h)``; only the hidden widths are used.
    rng : numpy.random.Generator
        Source of randomness (explicit; no global state).
    orthogonal : bool, default False
        Draw from the orthogonal subgroup.
    cond : float, default 10.0
        Condition number of each (non-orthogonal) ``T_i``, ``>= 1``. For ``d_i = 1`` the
        transform is a random scalar of modulus in ``[1/sqrt(cond), sqrt(cond)]``.

    Returns
    -------
    list of ndarray
        ``h - 1`` matrices, ``T_i`` of shape ``(d_i, d_i)``.

    Raises
    ------
    TypeError
        If ``widths`` is not a sequence of integers, ``rng`` is not a Generator (or seed), or
        ``cond`` is not a real number.
    ValueError
        If the widths are invalid, or ``cond`` is not finite or is below 1.

    Examples
    --------
    >>> Ts = dl.random_gl((2, 3, 3, 2), np.random.default_rng(0), cond=10.0)
    >>> [T.shape for T in Ts], [round(float(np.linalg.cond(T)), 4) for T in Ts]
    ([(3, 3), (3, 3)], [10.0, 10.0])
    """
    d = as_widths(widths)
    rng = as_rng(rng)
    cond = as_positive(cond, "cond")
    if cond < 1:
        raise InvalidArgumentError(f"cond must be >= 1, got {cond}")
    out = []
    for di in d[1:-1]:
        if orthogonal:
            out.append(random_orthogonal(di, rng))
            continue
        if di == 1:
            mag = np.exp(rng.uniform(-0.5, 0.5) * np.log(cond))
            out.append(np.array([[mag * rng.choice([-1.0, 1.0])]]))
            continue
        logs = np.sort(rng.uniform(0.0, 1.0, di))[::-1]
        logs[0], logs[-1] = 1.0, 0.0
        s = np.exp(logs * np.log(cond))
        out.append((random_orthogonal(di, rng) * s) @ random_orthogonal(di, rng))
    return out


# --------------------------------------------------------------------------- along trajectories


def _check_trajectory(trajectory: object):
    """A Trajectory (from :func:`deeplinear.gradient_flow`) of depth ``h >= 2``."""
    if not isinstance(trajectory, Trajectory):
        raise ArgumentTypeError(f"trajectory must be a deeplinear Trajectory (from dl.gradient_flow), got {type(trajectory).__name__}")
    if len(trajectory.widths) < 3:
        raise InvalidArgumentError(f"the commutator blocks need depth h >= 2, got widths {trajectory.widths}")
    return trajectory


def commutator_block_drift(trajectory: Trajectory) -> np.ndarray:
    r"""Drift :math:`\lVert B_k(t) - B_k(0)\rVert_F` of each diagonal block of :math:`[A^\top, A]`.

    .. math:: \lVert B_k(t) - B_k(0)\rVert_F, \qquad k = 0, \dots, h.

    The blocks are :math:`B_0 = W_1^\top W_1`, :math:`B_i = C_i` (:math:`1 \le i \le h-1`) and
    :math:`B_h = -W_h W_h^\top` (:func:`commutator_blocks`). Along the gradient flow the inner
    blocks are conserved (:func:`conserved_quantities`) and stay at rounding level; the outer
    ones move (Wendin and Altafini, arXiv:2511.10362).

    Parameters
    ----------
    trajectory : Trajectory
        From :func:`deeplinear.gradient_flow`, depth ``h >= 2``.

    Returns
    -------
    ndarray, shape (n_t, h + 1)
        Row ``k`` is the drift of the ``h + 1`` blocks at ``trajectory.t[k]`` (absolute,
        Frobenius norm).

    Raises
    ------
    TypeError
        If ``trajectory`` is not a :class:`deeplinear.trajectory.Trajectory`.
    ValueError
        If the depth is ``h = 1`` (no inner block).

    References
    ----------
    Wendin and Altafini, arXiv:2511.10362, Section 3.

    Examples
    --------
    >>> W0 = dl.random_init((2, 2, 2), np.random.default_rng(0), 0.5)
    >>> traj = dl.gradient_flow(W0, np.diag([2.0, 1.0]), (0, 1), t_eval=[0, 0.5, 1])
    >>> D = dl.commutator_block_drift(traj)
    >>> D.shape, bool(D[-1, 1] < 1e-8), bool(D[-1, 0] > 1e-3)  # C_1 stays, W_1^T W_1 moves
    ((3, 3), True, True)
    """
    tr = _check_trajectory(trajectory)
    d = tr.widths
    B0 = commutator_blocks(adjacency(tr.weights[0]), d)
    out = np.empty((tr.t.size, len(B0)))
    for k, W in enumerate(tr.weights):
        B = commutator_blocks(adjacency(W), d)
        out[k] = [np.linalg.norm(b - b0) for b, b0 in zip(B, B0)]
    return out


def symmetry_defect(trajectory: Trajectory, transformed: Trajectory, Ts: Sequence[np.ndarray]) -> np.ndarray:
    r"""The distance :math:`\lVert W'(t) - T\cdot W(t)\rVert_F` between two trajectories.

    .. math:: \Big(\sum_{i=1}^h \lVert W_i'(t) - T_i W_i(t) T_{i-1}^{-1}\rVert_F^2\Big)^{1/2}

    ``trajectory`` starts at :math:`W(0)`, ``transformed`` at :math:`T\cdot W(0)` (the
    action :func:`gl_action`), and both are sampled at the same times. The norm is
    that of all layers together. It is zero (up to the integration error) for every ``t``
    when all :math:`T_i` are orthogonal, because the flow is equivariant under the orthogonal
    subgroup; for other transforms it is not.

    Parameters
    ----------
    trajectory, transformed : Trajectory
        From :func:`deeplinear.gradient_flow`, with the same ``t_eval``.
    Ts : list of ndarray
        The hidden-layer transforms :math:`(T_1, \dots, T_{h-1})`, ``T_i`` of shape
        ``(d_i, d_i)``.

    Returns
    -------
    ndarray, shape (n_t,)
        The defect at each time ``trajectory.t[k]``.

    Raises
    ------
    TypeError
        If either trajectory is not a :class:`deeplinear.trajectory.Trajectory`, or ``Ts`` is
        not a list of matrices.
    ValueError
        If the two trajectories are not sampled at the same times, or ``Ts`` is invalid for
        their widths (wrong number, wrong shapes, singular).

    References
    ----------
    Kunin, Sagastuy-Brena, Ganguli, Yamins and Tanaka (2021), "Neural mechanics: symmetry and
    broken conservation laws in deep learning dynamics", ICLR.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W0, Sigma = dl.random_init((2, 2, 2), rng, 0.5), np.diag([2.0, 1.0])
    >>> Ts = dl.random_gl((2, 2, 2), rng, orthogonal=True)
    >>> a = dl.gradient_flow(W0, Sigma, (0, 1), t_eval=[0, 0.5, 1])
    >>> b = dl.gradient_flow(dl.gl_action(W0, Ts), Sigma, (0, 1), t_eval=[0, 0.5, 1])
    >>> bool(dl.symmetry_defect(a, b, Ts).max() < 1e-6)
    True
    """
    for name, tr in (("trajectory", trajectory), ("transformed", transformed)):
        if not isinstance(tr, Trajectory):
            raise ArgumentTypeError(f"{name} must be a deeplinear Trajectory, got {type(tr).__name__}")
    if trajectory.t.shape != transformed.t.shape or not np.allclose(trajectory.t, transformed.t):
        raise InvalidArgumentError("the two trajectories must be sampled at the same times (pass the same t_eval)")
    T_list = _check_transforms(Ts, widths_of(trajectory.weights[0]))
    out = np.empty(trajectory.t.size)
    for k, (W, V) in enumerate(zip(trajectory.weights, transformed.weights)):
        TW = gl_action(W, T_list)
        out[k] = np.sqrt(sum(float(np.sum((a - b) ** 2)) for a, b in zip(TW, V)))
    return out
