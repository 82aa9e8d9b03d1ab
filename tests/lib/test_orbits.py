"""Tests of deeplinear.orbits: GL orbits, their tangents, mode rotations and stabiliser rotations."""

from __future__ import annotations

import numpy as np
import pytest

import deeplinear as dl

SIGMA = np.diag([3.0, 2.0, 1.0])  # the running target of the chapter on stable and unstable sets


def test_bottleneck_minimum_and_orbit_tangent_in_null_space():
    Sigma = np.diag([3.0, 2.0, 1.0])
    cp = dl.critical_point((1, 2), Sigma, (3, 4, 2, 3))
    c = dl.classify(cp.weights, Sigma)
    assert c.kind == "global minimum" and c.value == 0.5 == c.global_minimum_value
    from deeplinear.orbits import _orbit_tangent_matrix

    H = dl.hessian(cp.weights, Sigma)
    T = _orbit_tangent_matrix(list(cp.weights))
    assert np.max(np.abs(H @ T)) < 1e-12  # orbit directions are null directions
    assert dl.orbit_dimension(cp.weights) == c.orbit_dim == np.linalg.matrix_rank(T)
    assert dl.orbit_dimension([np.eye(3)] * 3) == 2 * 9  # invertible product: dim G


def test_orbit_tangent_vector_is_the_derivative_of_the_action():
    from scipy.linalg import expm

    rng = np.random.default_rng(0)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    xis = [rng.standard_normal((3, 3)), rng.standard_normal((4, 4))]
    s = 1e-6
    plus = dl.gl_action(W, [expm(s * x) for x in xis])
    minus = dl.gl_action(W, [expm(-s * x) for x in xis])
    for t, p, m in zip(dl.orbit_tangent_vector(W, xis), plus, minus):
        assert np.allclose(t, (p - m) / (2 * s), atol=1e-7)
    with pytest.raises(ValueError, match="h - 1 = 2"):
        dl.orbit_tangent_vector(W, xis[:1])


def test_orbit_tangents_span_a_space_of_orbit_dimension_in_the_null_space():
    Sigma = np.diag([3.0, 2.0])
    cp = dl.critical_point([1, 2], Sigma, (2, 2, 2, 2))
    W = list(cp.weights)
    H = dl.hessian(W, Sigma)
    basis = []
    for k in range(8):  # the 8 generators of gl(2) x gl(2)
        xi = np.zeros(8)
        xi[k] = 1.0
        basis.append(dl.flatten_weights(dl.orbit_tangent_vector(W, [xi[:4].reshape(2, 2), xi[4:].reshape(2, 2)])))
    T = np.array(basis).T
    assert np.max(np.abs(H @ T)) < 1e-12
    assert np.linalg.matrix_rank(T) == dl.orbit_dimension(W) == 8  # claim 18: nullity 8 for h = 3


def test_orbit_tangent_vector_is_the_orbit_tangent_matrix_applied():
    from deeplinear.orbits import _orbit_tangent_matrix

    rng = np.random.default_rng(2)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    xis = [rng.standard_normal((3, 3)), rng.standard_normal((4, 4))]
    vec = np.concatenate([x.ravel() for x in xis])  # row-major, as the matrix's columns
    np.testing.assert_allclose(dl.flatten_weights(dl.orbit_tangent_vector(W, xis)), _orbit_tangent_matrix(W) @ vec,
                               atol=1e-13)
    with pytest.raises(ValueError, match="xi_2 must have shape"):
        dl.orbit_tangent_vector(W, [xis[0], np.eye(3)])


def test_mode_rotation_descends_from_a_non_top_set_anywhere_on_its_fibre():
    Sigma = np.diag([3.0, 2.0, 1.0])
    widths = (3, 4, 4, 3)
    rep = dl.critical_point((1, 3), Sigma, widths)
    elsewhere = dl.gl_action(rep.weights, dl.random_gl(widths, np.random.default_rng(2), cond=5.0))
    thetas = np.linspace(0.0, np.pi / 2, 5)
    for W in (list(rep.weights), elsewhere):
        L = [dl.loss(dl.mode_rotation(W, Sigma, 3, 2, th), Sigma) for th in thetas]
        np.testing.assert_allclose(L, 2.0 - 1.0 * (2.0 - 1.0) * np.sin(thetas) ** 2, atol=1e-10)


def test_mode_rotation_uses_the_singular_vectors_of_a_general_sigma():
    rng = np.random.default_rng(0)
    Q1, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    Q2, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    Sigma = Q1 @ np.diag([3.0, 2.0, 1.0]) @ Q2.T
    rep = dl.critical_point((1, 3), Sigma, (3, 3, 3))
    L = dl.loss(dl.mode_rotation(rep.weights, Sigma, 3, 2, np.pi / 2), Sigma)
    assert abs(L - 1.0) < 1e-10  # sigma_3 now sits on mode 2: L = ((2 - 1)^2 + 1^2) / 2
    with pytest.raises(ValueError, match="j = 2 and k = 2 must be distinct"):
        dl.mode_rotation(rep.weights, Sigma, 2, 2, 0.1)


def test_stabilizer_rotations_fix_the_saddle():
    man = dl.saddle_manifolds((1,), SIGMA, (3, 4, 3, 3))
    Ts = dl.stabilizer_rotations(man, np.random.default_rng(1))
    assert [T.shape for T in Ts] == [(4, 4), (3, 3)]
    for T in Ts:
        np.testing.assert_allclose(T.T @ T, np.eye(T.shape[0]), atol=1e-14)
    for a, b in zip(dl.gl_action(man.point.weights, Ts), man.point.weights):
        np.testing.assert_allclose(a, b, atol=1e-14)
    with pytest.raises(TypeError, match="SaddleManifolds"):
        dl.stabilizer_rotations("no", np.random.default_rng(0))
