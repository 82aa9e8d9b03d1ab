"""Tests of deeplinear.adjacency_flow: the survey's adjacency-form flow, unprojected."""

import numpy as np
import pytest
from hypothesis import given, settings

import deeplinear as dl

from test_flow import SIGMA3, problems


@settings(max_examples=10)
@given(problems(max_depth=4, max_width=4))
def test_adjacency_and_layerwise_flows_agree(p):
    d, W, S = p
    h = len(W)
    t = np.linspace(0.0, 2.0, 5)
    tr = dl.gradient_flow(W, S, (0.0, 2.0), t_eval=t)
    ta = dl.gradient_flow_adjacency(dl.adjacency(W), dl.target(S, d), h, (0.0, 2.0), t_eval=t, widths=d)
    assert ta.status == "completed"
    assert np.all(ta.pattern_leak == 0.0)
    assert np.max(ta.nilpotency_residual) <= 1e-12 * max(1.0, np.max(np.abs(ta.A)) ** (h + 1))
    for k in range(t.size):
        for a, b in zip(ta.weights[k], tr.weights[k]):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-8 * max(1.0, np.abs(b).max()))
    np.testing.assert_allclose(ta.loss, tr.loss, rtol=1e-8, atol=1e-12)


def test_claim_3_unprojected_adjacency_flow_keeps_the_block_shift():
    """The unprojected n_v x n_v ODE keeps A(t) block-shift and nilpotent (spectral radius 0) [1e-10]."""
    rng = np.random.default_rng(0)
    d = (3, 4, 2, 3)
    W0 = dl.random_init(d, rng)
    ta = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(SIGMA3, d), 3, (0.0, 5.0),
                                    t_eval=np.linspace(0, 5, 11), widths=d)
    assert np.max(ta.pattern_leak) <= 1e-10
    assert np.max(ta.nilpotency_residual) <= 1e-10
    assert max(np.max(np.abs(np.linalg.eigvals(A))) for A in ta.A) <= 1e-10
    # the blocks are the layer-wise solution
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 5.0), t_eval=np.linspace(0, 5, 11))
    for k in range(11):
        for a, b in zip(ta.weights[k], tr.weights[k]):
            np.testing.assert_allclose(a, b, atol=1e-8)
    np.testing.assert_allclose(ta.A_at(2.5), dl.adjacency(tr.weights_at(2.5)), atol=1e-8)


def test_bad_inputs_name_the_argument():
    W = [np.ones((3, 2)), np.ones((2, 3))]
    S = np.eye(2)
    with pytest.raises(ValueError, match="not finite at A0"):
        A = dl.adjacency([np.full((1, 1), 1e200)] * 2)
        dl.gradient_flow_adjacency(A, dl.target(np.eye(1), (1, 1, 1)), 2, (0.0, 1.0))
    with pytest.raises(ValueError, match="E must have the shape of A0"):
        dl.gradient_flow_adjacency(dl.adjacency(W), np.eye(3), 2, (0.0, 1.0))
    with pytest.raises(ValueError, match="do not match"):
        dl.gradient_flow_adjacency(dl.adjacency(W), dl.target(S, (2, 3, 2)), 2, (0.0, 1.0), widths=(2, 3, 3))


# --------------------------------------------------------------------------- stopping, as gradient_flow (issue 13)


def test_adjacency_flow_stops_at_convergence_like_the_layerwise_flow():
    d = (3, 3, 3)
    W0 = dl.random_init(d, np.random.default_rng(3), 0.3)
    E = dl.target(SIGMA3, d)
    tr = dl.gradient_flow(W0, SIGMA3, (0.0, 1e6))
    ta = dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, (0.0, 1e6), widths=d)
    assert tr.status == ta.status == "converged", ta.message
    assert ta.success and "stop_tol" in ta.message
    assert ta.t_stop == ta.t[-1] < 1e3
    assert ta.t_stop == pytest.approx(tr.t_stop, rel=0.05)  # the same test, on the same solution
    assert ta.loss[-1] <= 1e-12 * np.sum(SIGMA3**2)
    # output times requested after the stop hold the final state, as in gradient_flow
    te = np.array([0.0, 1.0, 1e5, 1e6])
    tb = dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, (0.0, 1e6), t_eval=te, widths=d)
    assert tb.status == "converged" and tb.t_stop < 1e3
    np.testing.assert_array_equal(tb.t, te)
    np.testing.assert_array_equal(tb.A[2], tb.A[3])
    np.testing.assert_array_equal(tb.A_at(5e5), tb.A[3])
    np.testing.assert_allclose(tb.A[3], ta.A[-1], atol=1e-8)
    # stop_tol=None integrates to the end of t_span
    tc = dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, (0.0, 50.0), stop_tol=None, widths=d)
    assert tc.status == "completed" and tc.t[-1] == tc.t_stop == 50.0


def test_adjacency_flow_does_not_stop_at_a_saddle_or_below_the_bottleneck_minimum():
    # a bottleneck of width 1: the minimum is sigma_2^2 + sigma_3^2 over 2 above 0 (Eckart-Young);
    # the flow stops there, and from the saddle at the origin's neighbourhood it does not stop early
    d = (3, 1, 3)
    W0 = dl.random_init(d, np.random.default_rng(4), 1e-3)
    E = dl.target(SIGMA3, d)
    ta = dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, (0.0, 1e6), widths=d)
    assert ta.status == "converged", ta.message
    assert ta.loss[-1] == pytest.approx(0.5 * (2.0**2 + 1.0**2), rel=1e-10)
    assert ta.loss[0] > ta.loss[-1] + 4.0
    # without widths the minimum is not known: 0 is used, a lower bound, so the run never stops (a
    # wrong minimum, here the full-rank one, is caught: the run does not converge)
    tn = dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, (0.0, 200.0))
    assert tn.status == "completed" and tn.t_stop == 200.0


def test_adjacency_flow_max_steps_and_divergence_statuses():
    d = (2, 2, 2)
    W0 = dl.random_init(d, np.random.default_rng(5), 0.5)
    E = dl.target(np.diag([2.0, 1.0]), d)
    with pytest.warns(RuntimeWarning, match="max_steps = 3"):
        tm = dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, (0.0, 100.0), max_steps=3, widths=d)
    assert tm.status == "max steps" and not tm.success
    assert tm.t.size == 4 and tm.t_stop == tm.t[-1] < 100.0
    for bad, match in ((0, "max_steps"), (-1e-3, "stop_tol"), ("x", "stop_tol")):
        key = "max_steps" if match == "max_steps" else "stop_tol"
        with pytest.raises((ValueError, TypeError), match=match):
            dl.gradient_flow_adjacency(dl.adjacency(W0), E, 2, 1.0, **{key: bad})

