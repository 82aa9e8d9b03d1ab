"""Tests of deeplinear/errors.py and of the silent cases of issue 13 (item 1, "Nothing silent")."""

import warnings

import numpy as np
import pytest

import deeplinear as dl
from deeplinear.errors import ArgumentTypeError, InvalidArgumentError, NonFiniteResultError

S3 = np.diag([3.0, 2.0, 1.0])


def _weights():
    return dl.random_init((3, 3, 3), np.random.default_rng(0), 0.5)


# --------------------------------------------------------------------------- the classes


def test_every_error_is_a_deeplinear_error_and_the_matching_builtin():
    assert issubclass(dl.InvalidArgumentError, (dl.DeepLinearError, ValueError))
    assert issubclass(dl.ArgumentTypeError, dl.DeepLinearError) and issubclass(dl.ArgumentTypeError, TypeError)
    assert issubclass(dl.NonFiniteResultError, dl.DeepLinearError)
    assert issubclass(dl.NonFiniteResultError, FloatingPointError)
    assert issubclass(dl.ConvergenceError, dl.DeepLinearError) and issubclass(dl.ConvergenceError, RuntimeError)
    for name in ("DeepLinearError", "InvalidArgumentError", "ArgumentTypeError", "NonFiniteResultError", "ConvergenceError"):
        assert name in dl.__all__


def test_existing_catches_keep_working():
    with pytest.raises(ValueError, match="weights"):
        dl.end_to_end([np.array([[np.nan]])])
    with pytest.raises(TypeError, match="weights"):
        dl.end_to_end("abc")


# --------------------------------------------------------------------------- coercion at the boundary


@pytest.mark.parametrize("fn, args", [
    (dl.end_to_end, ([np.eye(2) + 1j],)),
    (dl.adjacency, ([np.eye(2), np.eye(2) * (1 + 0j) + 1j],)),
    (dl.target, (np.eye(2) + 1j, (2, 2))),
    (dl.mode_solution, (1.0, 0.1 + 1j, 2.0, 2)),
    (dl.mode_solution, (1.0, 0.1, np.complex128(2.0 + 1j), 2)),
    (dl.learning_time, (0.1, 1.0, np.complex128(2 + 0j), 2)),
])
def test_complex_input_is_rejected_with_a_message(fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)  # never cast with a warning
        with pytest.raises(ArgumentTypeError, match="complex|real"):
            fn(*args)


def test_numpy_integers_are_numbers():
    assert dl.learning_time(0.01, 2.97, np.int64(3), 2) == pytest.approx(dl.learning_time(0.01, 2.97, 3.0, 2))
    assert dl.learning_time(0.01, 2.97, 3, np.int64(2)) == pytest.approx(dl.learning_time(0.01, 2.97, 3.0, 2))
    W = [np.eye(2, dtype=int)] * 3
    t = dl.escape_phase_blowup_time(W, np.diag([3, 2]))
    assert np.isfinite(t) and t == pytest.approx(dl.escape_phase_blowup_time([np.eye(2)] * 3, np.diag([3.0, 2.0])))


def test_a_float_index_is_rejected():
    W = _weights()
    with pytest.raises(ArgumentTypeError, match="i must be an integer index"):
        dl.partial_product(W, 1.5, 2)
    with pytest.raises(ArgumentTypeError, match="j must be an integer index"):
        dl.partial_product(W, 1, 2.0)
    assert np.allclose(dl.partial_product(W, np.int64(1), np.int32(2)), dl.end_to_end(W))


def test_a_zero_size_layer_is_blamed_on_weights():
    with pytest.raises(InvalidArgumentError, match=r"weights\[0\] \(W_1\) has shape \(0, 0\)"):
        dl.loss([np.zeros((0, 0))], np.zeros((0, 0)))
    with pytest.raises(InvalidArgumentError, match=r"weights\[1\]"):
        dl.end_to_end([np.ones((2, 2)), np.zeros((0, 2))])


def test_prefix_and_suffix_products_check_their_input():
    with pytest.raises(InvalidArgumentError, match="weights"):
        dl.prefix_products([np.ones((2, 2)), np.ones((3, 3))])
    with pytest.raises(ArgumentTypeError, match="weights"):
        dl.suffix_products("abc")
    with pytest.raises(InvalidArgumentError, match="non-finite"):
        dl.suffix_products([np.array([[np.nan]])])
    with pytest.raises(NonFiniteResultError, match="prefix_products.*weights"):
        dl.prefix_products([np.array([[1e200]]), np.array([[1e200]])])


# --------------------------------------------------------------------------- NaN never passes through


@pytest.mark.parametrize("fn, args, name", [
    (dl.mode_rhs, (np.array([0.5, np.nan]), 2.0, 2), "a"),
    (dl.product_rhs, (np.nan, 2.0, 2), "u"),
    (dl.unbalanced_rhs, (np.array([np.nan]), 1.0, 0.5), "p"),
    (dl.scalar_vector_field, (np.array([np.nan, 1.0]), 2.0), "w"),
    (dl.unflatten_weights, (np.full(18, np.nan), (3, 3, 3)), "theta"),
    (dl.orbit_tangent_vector, (_weights(), [np.full((3, 3), np.nan)]), "xis"),
    (dl.orbit_tangent_vector, ([np.full((3, 3), np.nan)] * 2, [np.eye(3)]), "weights"),
])
def test_nan_input_is_rejected(fn, args, name):
    with pytest.raises(InvalidArgumentError, match=name):
        fn(*args)


def test_conserved_drift_rejects_nan_instead_of_reporting_no_drift():
    C0 = dl.conserved_quantities(_weights())
    bad = [C0[0].copy()]
    bad[0][0, 0] = np.nan
    with pytest.raises(InvalidArgumentError, match="C0"):
        dl.conserved_drift(bad, C0)
    with pytest.raises(InvalidArgumentError, match=r"\bC\b"):
        dl.conserved_drift(C0, bad)


def test_plateau_dwell_rejects_all_nan_loss_and_reversed_time():
    t = np.linspace(0.0, 10.0, 201)
    L = dl.mode_loss(t, 1e-6, [2.0, 1.0], 2)  # rests near 2.5
    with pytest.raises(InvalidArgumentError, match="loss"):
        dl.plateau_dwell(t, np.full_like(t, np.nan), 2.5)
    with pytest.raises(InvalidArgumentError, match="t must be increasing"):
        dl.plateau_dwell(t[::-1], L, 2.5)
    assert dl.plateau_dwell(t, L, 2.5) > 0


# --------------------------------------------------------------------------- overflow is named


def test_overflow_raises_non_finite_result_error_naming_function_and_argument():
    big = [np.array([[1e200]]), np.array([[1e200]])]
    with pytest.raises(NonFiniteResultError, match="imbalance.*weights"):
        dl.imbalance(big)
    with pytest.raises(NonFiniteResultError, match="end_to_end.*weights"):
        dl.end_to_end(big)
    with pytest.raises(NonFiniteResultError, match="mode_loss"):
        dl.mode_loss(0.0, 1e200, [3.0], 2)  # L(0) = (1e200 - 3)^2 / 2 overflows


def test_critical_values_overflow_is_a_library_error():
    with pytest.raises(dl.DeepLinearError, match="Sigma"):
        dl.critical_values(np.diag([1e200, 1.0]), (2, 2, 2))


def test_descent_direction_names_the_overflow():
    W = [np.full((2, 2), 1e200)] * 3
    with pytest.raises(dl.DeepLinearError, match="weights"):
        dl.descent_direction(W, np.diag([3.0, 2.0]))


def test_whiten_on_an_empty_array():
    with pytest.raises(InvalidArgumentError, match="X"):
        dl.whiten(np.zeros((0, 3)))
    with pytest.raises(InvalidArgumentError, match="X"):
        dl.whiten(np.zeros((2, 0)))


def test_draw_pattern_and_network_view_validate():
    with pytest.raises(InvalidArgumentError, match="M"):
        dl.plots.draw_pattern(np.ones(3), (1, 1, 1))
    with pytest.raises(InvalidArgumentError, match="k"):
        dl.plots.network_view_figure(_weights(), k=-1)
