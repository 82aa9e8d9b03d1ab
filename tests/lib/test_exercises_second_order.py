"""Checkers of the second-order chapter accept right answers and explain wrong ones."""

import numpy as np
import pytest

import deeplinear as dl


def test_hessian_quadratic_form_is_vt_h_v():
    rng = np.random.default_rng(3)
    d = (2, 3, 4, 2)
    W = [rng.standard_normal((d[i + 1], d[i])) for i in range(3)]
    Sigma = rng.standard_normal((2, 2))
    V = [rng.standard_normal(w.shape) for w in W]
    v = dl.flatten_weights(V)
    assert dl.hessian_quadratic_form(W, Sigma, V) == pytest.approx(v @ dl.hessian(W, Sigma) @ v, rel=1e-10)
    # the second derivative of eps -> L(W + eps V), by central differences
    e = 1e-4
    f = [dl.loss([w + s * x for w, x in zip(W, V)], Sigma) for s in (-e, 0.0, e)]
    assert dl.hessian_quadratic_form(W, Sigma, V) == pytest.approx((f[0] - 2 * f[1] + f[2]) / e**2, rel=1e-5)


def test_hessian_quadratic_form_at_the_origin_h2():
    # -2 <Sigma, V_2 V_1>: V_1 = e_1 e_1^T, V_2 = -e_1 e_1^T gives +2 sigma_1
    E = np.diag([1.0, 0.0])
    assert dl.hessian_quadratic_form([np.zeros((2, 2))] * 2, np.diag([3.0, 2.0]), [E, -E]) == pytest.approx(6.0)


def test_check_hessian_quadratic_form_accepts_the_right_answer():
    res = dl.check_hessian_quadratic_form(dl.hessian_quadratic_form)
    assert res.passed and "6 points" in res.message

    def via_dense(W, S, V):
        v = dl.flatten_weights(V)
        return v @ dl.hessian(W, S) @ v

    assert dl.check_hessian_quadratic_form(via_dense).passed


def _parts(W, S, V):
    from deeplinear.exercises.second_order import _quadratic_parts

    return _quadratic_parts(W, S, V)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda W, S, V: _parts(W, S, V)[0], "only the Gauss-Newton part"),
        (lambda W, S, V: _parts(W, S, V)[0] + _parts(W, S, V)[1], "wrong sign"),
        (lambda W, S, V: _parts(W, S, V)[0] - _parts(W, S, V)[1] / 2, "factor 2"),
        (lambda W, S, V: dl.hessian_quadratic_form(W, S, V) / 2, "half the second derivative"),
        (lambda W, S, V: 1.0, "expected"),
        (lambda W, S, V: "seven", "not a real number"),
    ],
)
def test_check_hessian_quadratic_form_names_the_mistake(wrong, words):
    res = dl.check_hessian_quadratic_form(wrong)
    assert not res.passed and words in res.message


def test_check_hessian_quadratic_form_reports_the_stub():
    def stub(W, S, V):
        raise NotImplementedError("fill in quadratic_form")

    res = dl.check_hessian_quadratic_form(stub)
    assert not res.passed and "not yet implemented" in str(res)
    res = dl.check_hessian_quadratic_form(lambda W, S, V: 1 / 0)
    assert not res.passed and "ZeroDivisionError" in res.message


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


def test_check_orbit_tangent():
    res = dl.check_orbit_tangent(dl.orbit_tangent_vector)
    assert res.passed and "null space" in res.message
    res = dl.check_orbit_tangent(lambda W, x: [-t for t in dl.orbit_tangent_vector(W, x)])
    assert not res.passed and "sign is reversed" in res.message

    def identity_ends(W, xis):
        full = [np.eye(W[0].shape[1])] + list(xis) + [np.eye(W[-1].shape[0])]
        return [full[i] @ W[i - 1] - W[i - 1] @ full[i - 1] for i in range(1, len(W) + 1)]

    res = dl.check_orbit_tangent(identity_ends)
    assert not res.passed and "xi_0 = 0 and xi_h = 0" in res.message
    res = dl.check_orbit_tangent(lambda W, x: dl.orbit_tangent_vector(W, x)[:-1])
    assert not res.passed and "one matrix per layer" in res.message
    res = dl.check_orbit_tangent(lambda W, x: [w.T for w in dl.orbit_tangent_vector(W, x)])
    assert not res.passed and "shape" in res.message


def test_check_orbit_tangent_reports_the_stub():
    def stub(W, xis):
        raise NotImplementedError("fill in orbit_tangent")

    res = dl.check_orbit_tangent(stub)
    assert not res.passed and "not yet implemented" in res.message
