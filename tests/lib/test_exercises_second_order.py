"""Checkers of the second-order chapter accept right answers and explain wrong ones."""

import numpy as np
import pytest

import deeplinear as dl


def test_check_hessian_quadratic_form_accepts_the_right_answer():
    res = dl.exercises.check_hessian_quadratic_form(dl.hessian_quadratic_form)
    assert res.passed and "6 points" in res.message

    def via_dense(W, S, V):
        v = dl.flatten_weights(V)
        return v @ dl.hessian(W, S) @ v

    assert dl.exercises.check_hessian_quadratic_form(via_dense).passed


def _parts(W, S, V):
    from deeplinear.curvature import _quadratic_form_parts

    return _quadratic_form_parts(W, S, V)


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
    res = dl.exercises.check_hessian_quadratic_form(wrong)
    assert not res.passed and words in res.message


def test_check_hessian_quadratic_form_reports_the_stub():
    def stub(W, S, V):
        raise NotImplementedError("fill in quadratic_form")

    res = dl.exercises.check_hessian_quadratic_form(stub)
    assert not res.passed and "not yet implemented" in str(res)
    res = dl.exercises.check_hessian_quadratic_form(lambda W, S, V: 1 / 0)
    assert not res.passed and "ZeroDivisionError" in res.message


def test_check_orbit_tangent():
    res = dl.exercises.check_orbit_tangent(dl.orbit_tangent_vector)
    assert res.passed and "null space" in res.message
    res = dl.exercises.check_orbit_tangent(lambda W, x: [-t for t in dl.orbit_tangent_vector(W, x)])
    assert not res.passed and "sign is reversed" in res.message

    def identity_ends(W, xis):
        full = [np.eye(W[0].shape[1])] + list(xis) + [np.eye(W[-1].shape[0])]
        return [full[i] @ W[i - 1] - W[i - 1] @ full[i - 1] for i in range(1, len(W) + 1)]

    res = dl.exercises.check_orbit_tangent(identity_ends)
    assert not res.passed and "xi_0 = 0 and xi_h = 0" in res.message
    res = dl.exercises.check_orbit_tangent(lambda W, x: dl.orbit_tangent_vector(W, x)[:-1])
    assert not res.passed and "one matrix per layer" in res.message
    res = dl.exercises.check_orbit_tangent(lambda W, x: [w.T for w in dl.orbit_tangent_vector(W, x)])
    assert not res.passed and "shape" in res.message


def test_check_orbit_tangent_reports_the_stub():
    def stub(W, xis):
        raise NotImplementedError("fill in orbit_tangent")

    res = dl.exercises.check_orbit_tangent(stub)
    assert not res.passed and "not yet implemented" in res.message
