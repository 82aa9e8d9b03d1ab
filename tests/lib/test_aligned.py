"""Tests of deeplinear/aligned.py: aligned starts, their modes, depth and rate laws (digest claims 8-11)."""

import math

import numpy as np
import pytest

import deeplinear as dl


def test_aligned_modes_reads_the_diagonals_in_the_rotated_frame():
    rng = np.random.default_rng(0)
    R = [dl.random_orthogonal(4, rng), dl.random_orthogonal(5, rng)]
    vals = np.array([[1.0, 0.5, 0.2], [0.3, -0.4, 0.1], [2.0, 1.0, 0.5]])
    W = dl.aligned_init((3, 4, 5, 3), vals, rotations=R)
    modes = dl.aligned_modes(W, R)
    assert np.allclose(modes.values, vals, atol=1e-14)
    assert np.allclose(modes.products, np.prod(vals, axis=0))
    assert modes.off_diagonal < 1e-14
    # read in the wrong frame, the weights are not diagonal
    assert dl.aligned_modes(W).off_diagonal > 1e-2


def test_aligned_modes_rejects_bad_rotations():
    W = dl.aligned_init((2, 3, 2), 0.5)
    with pytest.raises(ValueError, match="shape"):
        dl.aligned_modes(W, [np.eye(2)])
    with pytest.raises(ValueError, match="not orthogonal"):
        dl.aligned_modes(W, [2 * np.eye(3)])
    with pytest.raises(TypeError, match="Generator"):
        dl.aligned_modes(W, np.random.default_rng(0))


def test_flow_stays_aligned_and_follows_the_scalar_chains():
    vals = np.array([[1.0, 0.3, 0.1], [0.5, 0.2, 0.05], [0.8, 0.4, -0.2]])
    chk = dl.aligned_flow_check((3, 4, 5, 3), (3.0, 2.0, 1.0), vals, rotations=np.random.default_rng(1), t_max=4.0, num=41)
    assert chk.max_off_diagonal < 1e-12
    assert chk.chain_error < 1e-8
    assert chk.modes.shape == (41, 3, 3)
    assert np.allclose(chk.modes[0], vals)
    # the first mode is learnt: its product reaches sigma_1
    assert np.prod(chk.modes[-1, :, 0]) == pytest.approx(3.0, rel=1e-6)


def test_aligned_flow_check_validates():
    with pytest.raises(ValueError, match="do not fit"):
        dl.aligned_flow_check((2, 3, 2), (3.0, 2.0, 1.0), 0.1)
    with pytest.raises(ValueError, match="shape"):
        dl.aligned_flow_check((2, 3, 2), (3.0, 2.0), np.ones((3, 2)))


def test_depth_scaled_times_converge():
    ds = dl.depth_scaled_times(3.0, 0.5, 2.7, depths=(2, 5, 50, 500))
    assert np.all(np.diff(ds.scaled) < 0)
    assert ds.scaled[-1] == pytest.approx(ds.limit, rel=2e-3)
    assert ds.limit == pytest.approx(0.9661723754, rel=1e-9)
    with pytest.raises(ValueError, match="u0 < uf < sigma"):
        dl.depth_scaled_times(1.0, 0.5, 0.2)


def test_claim_11_local_rate():
    for h, s, pred in [(2, 1.0, -4.0), (3, 2.0, -15.119), (4, 1.5, -14.697)]:
        r = dl.local_convergence_rate(s, h)
        assert r.predicted == pytest.approx(pred, abs=1e-3)
        assert r.measured == pytest.approx(r.predicted, rel=1e-3)


def test_complex_sigma_and_values_are_rejected_not_cast():
    # issue 13: np.complex128 arguments were cast with a ComplexWarning (imaginary part dropped)
    with pytest.raises(TypeError, match="sigma"):
        dl.local_convergence_rate(np.complex128(2.0 + 1j), 2)
    with pytest.raises(TypeError, match="values"):
        dl.aligned_flow_check((3, 3, 3), [2.0, 1.0, 0.5], np.array([0.1, 0.1, 0.1]) + 0j)


def test_depth_scaled_limit_for_a_huge_sigma_is_the_finite_closed_form():
    # issue 13: sigma**2 overflowed (OverflowError); the limit -1/(sigma u) + log(u/(sigma-u))/sigma^2
    # between u0 and uf is finite there: about 1/(sigma u0) - 1/(sigma uf)
    sc = dl.depth_scaled_times(1e200, 1e-3, 0.5, depths=(2, 3))
    assert sc.limit == pytest.approx(1e-200 / 1e-3 - 1e-200 / 0.5, rel=1e-9)
    moderate = dl.depth_scaled_times(2.0, 1e-3, 1.0, depths=(2, 3))
    u0, uf, s = 1e-3, 1.0, 2.0
    expected = (-1 / (s * uf) + math.log(uf / (s - uf)) / s**2) - (-1 / (s * u0) + math.log(u0 / (s - u0)) / s**2)
    assert moderate.limit == pytest.approx(expected, rel=1e-12)
