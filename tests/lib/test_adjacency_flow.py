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
