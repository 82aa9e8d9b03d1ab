"""Tests of deeplinear.network: block-shift matrices, adjacency, powers as path sums."""

from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl


@st.composite
def networks(draw, max_depth=5, max_width=6):
    h = draw(st.integers(1, max_depth))
    widths = tuple(draw(st.lists(st.integers(1, max_width), min_size=h + 1, max_size=h + 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return widths, [rng.standard_normal((widths[i], widths[i - 1])) for i in range(1, h + 1)]


def test_layer_slices_partition_the_nodes():
    sl = dl.layer_slices((3, 4, 2))
    assert [(s.start, s.stop) for s in sl] == [(0, 3), (3, 7), (7, 9)]


def test_blk_places_blocks_on_the_kth_subdiagonal():
    d = (1, 2, 1, 2)
    M1, M2 = np.full((1, 1), 5.0), np.full((2, 2), 7.0)
    B = dl.blk(2, [M1, M2], d)
    sl = dl.layer_slices(d)
    assert B.shape == (6, 6)
    np.testing.assert_array_equal(B[sl[2], sl[0]], M1)
    np.testing.assert_array_equal(B[sl[3], sl[1]], M2)
    assert np.count_nonzero(B) == 1 + 4


@given(networks())
def test_adjacency_round_trip(net):
    d, W = net
    A = dl.adjacency(W)
    assert A.shape == (sum(d), sum(d))
    back = dl.weights_from_adjacency(A, d)
    for a, b in zip(W, back):
        np.testing.assert_array_equal(a, b)


@given(networks())
def test_powers_are_block_shifts_of_partial_products(net):
    """A^k = blk_k(W_{1:k}, W_{2:k+1}, ..., W_{h-k+1:h})."""
    d, W = net
    h = len(W)
    A = dl.adjacency(W)
    scale = max(1.0, max(np.abs(dl.adjacency_power(A, k)).max() for k in range(1, h + 1)))
    for k in range(1, h + 1):
        blocks = [dl.partial_product(W, i, i + k - 1) for i in range(1, h - k + 2)]
        np.testing.assert_allclose(dl.adjacency_power(A, k), dl.blk(k, blocks, d), rtol=0, atol=1e-12 * scale)


@given(networks())
def test_nilpotent_with_index_h_plus_1(net):
    d, W = net
    h = len(W)
    A = dl.adjacency(W)
    np.testing.assert_array_equal(dl.adjacency_power(A, h + 1), 0.0)
    # Gaussian weights: the end-to-end map is non-zero almost surely, so the index is exactly h + 1
    assert np.any(dl.end_to_end(W) != 0)
    assert dl.nilpotency_index(A) == h + 1


def test_nilpotency_index_drops_when_the_product_vanishes():
    rng = np.random.default_rng(1)
    W = [np.zeros((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((2, 3))]
    assert dl.nilpotency_index(dl.adjacency(W)) == 3  # A^3 = blk_3(W3 W2 W1) = 0 with h = 3


def test_powers_are_path_sums_brute_force():
    """(A^k)_{pq} is the sum over directed paths of length k from q to p of the edge products."""
    rng = np.random.default_rng(2)
    d = (2, 2, 1, 2)
    W = [rng.standard_normal((d[i], d[i - 1])) for i in range(1, 4)]
    A = dl.adjacency(W)
    n = A.shape[0]
    for k in (1, 2, 3):
        Ak = dl.adjacency_power(A, k)
        brute = np.zeros((n, n))
        for path in product(range(n), repeat=k + 1):  # path[0] = q (start) ... path[k] = p
            w = 1.0
            for a, b in zip(path[:-1], path[1:]):
                w *= A[b, a]  # edge from a to b
            brute[path[-1], path[0]] += w
        np.testing.assert_allclose(Ak, brute, atol=1e-12)


def test_claim_1_block_powers():
    """Digest claim 1: d = (3,4,2,3): A^h = blk_h(W3 W2 W1) and A^{h+1} = 0 (exact to 1e-12)."""
    rng = np.random.default_rng(0)
    d = (3, 4, 2, 3)
    W = [rng.standard_normal((d[i], d[i - 1])) for i in range(1, 4)]
    A = dl.adjacency(W)
    np.testing.assert_allclose(dl.adjacency_power(A, 3), dl.blk(3, [W[2] @ W[1] @ W[0]], d), atol=1e-12)
    assert np.max(np.abs(dl.adjacency_power(A, 4))) <= 1e-12


def test_target_is_blk_h_sigma():
    S = np.arange(6.0).reshape(2, 3)
    d = (3, 4, 2)
    E = dl.target(S, d)
    sl = dl.layer_slices(d)
    np.testing.assert_array_equal(E[sl[2], sl[0]], S)
    assert np.count_nonzero(E) == np.count_nonzero(S)


def test_products():
    rng = np.random.default_rng(3)
    W = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal((5, 2))]
    np.testing.assert_allclose(dl.end_to_end(W), W[2] @ W[1] @ W[0])
    np.testing.assert_allclose(dl.partial_product(W, 2, 3), W[2] @ W[1])
    np.testing.assert_array_equal(dl.partial_product(W, 2, 1), np.eye(4))
    pre, suf = dl.prefix_products(W), dl.suffix_products(W)
    assert len(pre) == len(suf) == 4
    np.testing.assert_allclose(pre[2], W[1] @ W[0])
    np.testing.assert_allclose(suf[1], W[2] @ W[1])
    np.testing.assert_array_equal(suf[3], np.eye(5))


def test_bad_inputs():
    W = [np.ones((4, 3)), np.ones((2, 4))]
    with pytest.raises(ValueError, match="W_2 has shape"):
        dl.adjacency([np.ones((4, 3)), np.ones((2, 5))])
    with pytest.raises(ValueError, match="non-finite"):
        dl.adjacency([np.ones((4, 3)), np.array([[np.nan] * 4] * 2)])
    with pytest.raises(ValueError, match="empty"):
        dl.adjacency([])
    with pytest.raises(TypeError, match="single array"):
        dl.adjacency(np.ones((3, 3)))
    with pytest.raises(ValueError, match="positive"):
        dl.layer_slices((3, 0, 2))
    with pytest.raises(TypeError, match="integer"):
        dl.layer_slices((3, 2.5, 2))
    with pytest.raises(ValueError, match="k must be"):
        dl.blk(3, [np.ones((2, 3))], (3, 4, 2))
    with pytest.raises(ValueError, match="needs 2 blocks"):
        dl.blk(1, [np.ones((4, 3))], (3, 4, 2))
    with pytest.raises(ValueError, match="shape"):
        dl.blk(1, [np.ones((4, 3)), np.ones((3, 4))], (3, 4, 2))
    A = dl.adjacency(W)
    A[0, 5] = 1.0
    with pytest.raises(ValueError, match="outside the first block sub-diagonal"):
        dl.weights_from_adjacency(A, (3, 4, 2))
    with pytest.raises(ValueError, match="must be \\(10, 10\\)"):
        dl.weights_from_adjacency(np.zeros((9, 9)), (3, 4, 3))
    with pytest.raises(ValueError, match="Sigma has shape"):
        dl.target(np.ones((3, 3)), (3, 4, 2))
    with pytest.raises(ValueError, match="non-negative"):
        dl.adjacency_power(np.eye(3), -1)
    with pytest.raises(ValueError, match="not nilpotent"):
        dl.nilpotency_index(np.eye(2))


def test_nilpotent_jordan_type_examples():
    # the scalar chain (0, 1): rank A = 1, A^2 = 0 -> blocks (2, 1); (1, 1): one block of size 3
    assert dl.nilpotent_jordan_type(dl.adjacency([np.zeros((1, 1)), np.ones((1, 1))])) == [2, 1]
    assert dl.nilpotent_jordan_type(dl.adjacency([np.ones((1, 1)), np.ones((1, 1))])) == [3]
    assert dl.nilpotent_jordan_type(np.zeros((3, 3))) == [1, 1, 1]
    rng = np.random.default_rng(0)
    A = dl.adjacency(dl.random_init((2, 3, 2), rng))
    assert dl.nilpotent_jordan_type(A) == [3, 3, 1]
    T = rng.standard_normal((7, 7))
    assert dl.nilpotent_jordan_type(T @ A @ np.linalg.inv(T), tol=1e-9) == [3, 3, 1]  # similarity invariant


def test_nilpotent_jordan_type_rejects_bad_input():
    with pytest.raises(ValueError, match="not nilpotent"):
        dl.nilpotent_jordan_type(np.eye(2))
    with pytest.raises(ValueError, match="square"):
        dl.nilpotent_jordan_type(np.zeros((2, 3)))


def test_nilpotent_jordan_type_largest_block_is_the_nilpotency_index():
    rng = np.random.default_rng(6)
    for d in [(2, 3, 2), (1, 2, 2, 1), (3, 1, 3)]:
        A = dl.adjacency(dl.random_init(d, rng))
        sizes = dl.nilpotent_jordan_type(A)
        assert sum(sizes) == sum(d) and sizes == sorted(sizes, reverse=True)
        assert sizes[0] == dl.nilpotency_index(A) == len(d)  # h + 1 for a non-zero product


def test_adjacency_power_overflow_is_a_named_error():
    A = np.array([[0.0, 1e200], [1e200, 0.0]])
    with pytest.raises(dl.NonFiniteResultError, match="adjacency_power.*A is too large"):
        dl.adjacency_power(A, 2)
    np.testing.assert_array_equal(dl.adjacency_power(A, 1), A)
