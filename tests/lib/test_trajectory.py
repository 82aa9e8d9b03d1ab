"""Tests of deeplinear.trajectory: the solution records of the flows."""

import dataclasses

import numpy as np
import pytest

import deeplinear as dl


@pytest.fixture(scope="module")
def both():
    widths = (2, 3, 2)
    W0 = dl.random_init(widths, np.random.default_rng(3), 0.5)
    S = np.diag([2.0, 1.0])
    te = np.linspace(0.0, 1.0, 6)
    tr = dl.gradient_flow(W0, S, (0.0, 1.0), t_eval=te)
    at = dl.gradient_flow_adjacency(dl.adjacency(W0), dl.target(S, widths), 2, (0.0, 1.0), t_eval=te, widths=widths)
    return tr, at, widths


def test_adjacency_trajectory_weights_is_an_attribute_like_trajectory_weights(both):
    tr, at, widths = both
    assert isinstance(at.weights, list) and len(at.weights) == at.t.size
    sl = dl.layer_slices(widths)
    for k in range(at.t.size):
        for i, (a, b) in enumerate(zip(at.weights[k], tr.weights[k])):
            assert a.shape == b.shape
            np.testing.assert_array_equal(a, at.A[k][sl[i + 1], sl[i]])
            np.testing.assert_allclose(a, b, atol=1e-8)


def test_both_records_share_the_names_of_shared_concepts(both):
    tr, at, _ = both
    shared = {"t", "weights", "loss", "status", "message", "widths"}
    names = lambda cls: {f.name for f in dataclasses.fields(cls)}  # noqa: E731
    assert shared <= names(dl.trajectory.Trajectory) and shared <= names(dl.trajectory.AdjacencyTrajectory)
    assert tr.success and at.success


def test_adjacency_weights_are_none_without_widths(both):
    tr, at, widths = both
    A0 = at.A[0]
    E = dl.target(np.diag([2.0, 1.0]), widths)
    bare = dl.gradient_flow_adjacency(A0, E, 2, (0.0, 0.5))
    assert bare.weights is None and bare.widths is None


def test_trajectory_weights_at_checks_the_interval(both):
    tr, _, _ = both
    with pytest.raises(ValueError, match="outside"):
        tr.weights_at(2.0)
    assert [w.shape for w in tr.weights_at(0.5)] == [w.shape for w in tr.final_weights]


def test_event_is_a_frozen_record():
    ev = dl.trajectory.Event("half", lambda t, W: t - 0.5, terminal=True)
    assert ev.direction == 0.0 and ev.terminal
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.name = "other"
