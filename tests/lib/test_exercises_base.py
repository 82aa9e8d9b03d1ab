"""Every checker answers any input with a CheckResult, never a traceback (issue 13, item 3)."""

import inspect
import itertools
import math
import warnings

import numpy as np
import pytest

import deeplinear as dl
from deeplinear.exercises import CheckResult

CHECKERS = sorted(n for n in dl.exercises.__all__ if n.startswith("check_"))


def _raises(*args):
    raise RuntimeError("boom")


ANSWERS = {
    "a string": lambda *a: "abc",
    "None": lambda *a: None,
    "NaN": lambda *a: math.nan,
    "inf": lambda *a: math.inf,
    "a NaN matrix": lambda *a: np.full((3, 3), np.nan),
    "a complex matrix": lambda *a: np.ones((2, 2)) + 1j,
    "a list of strings": lambda *a: ["a", "b"],
    "duplicates": lambda *a: [(1,), (1,)],
    "an exception": _raises,
}


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_every_checker_reports_any_answer(name, answer):
    result = getattr(dl.exercises, name)(ANSWERS[answer])
    assert isinstance(result, CheckResult) and not result.passed and result.message


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("fn", ["abc", None, 3.0])
def test_every_checker_names_a_non_callable(name, fn):
    result = getattr(dl.exercises, name)(fn)
    assert not result.passed and "pass your function itself" in result.message


def test_checkers_keep_their_signatures():
    for name in CHECKERS:
        params = list(inspect.signature(getattr(dl.exercises, name)).parameters)
        assert params[0] == "fn", name


@pytest.mark.parametrize("name", ["check_adjacency", "check_path_count"])
def test_a_string_answer_is_named(name):
    result = getattr(dl.exercises, name)(lambda *a: "abc")
    assert not result.passed and "string 'abc'" in result.message


@pytest.mark.parametrize("bad", ["abc", np.nan, np.inf, [np.full((2, 2), np.nan)], None])
def test_check_balanced_factors_reports_bad_answers(bad):
    result = dl.exercises.check_balanced_factors(lambda P, widths: bad)
    assert not result.passed
    assert "could not be checked" not in result.message  # a specific message, not the safety net


def test_check_balanced_factors_names_a_nan_factor():
    def nan_factors(P, widths):
        return [np.full((widths[i + 1], widths[i]), np.nan) for i in range(len(widths) - 1)]

    result = dl.exercises.check_balanced_factors(nan_factors)
    assert not result.passed and "non-finite" in result.message


def test_stable_rays_listed_twice_are_rejected_like_duplicate_critical_values():
    def twice(h, sigma):
        rays = [s for s in itertools.product((1, -1), repeat=h) if math.prod(s) * sigma < 0]
        return rays + rays

    result = dl.exercises.check_stable_rays(twice)
    assert not result.passed and "listed twice" in result.message
    right = dl.exercises.check_stable_rays(
        lambda h, sigma: [s for s in itertools.product((1, -1), repeat=h) if math.prod(s) * sigma < 0])
    assert right.passed


COMPLEX_ANSWERS = {
    "a numpy complex number": lambda *a: np.complex128(1.0 + 1e-3j),
    "a complex vector": lambda *a: np.array([1.0 + 1e-3j, 2.0, 3.0]),
    "a complex matrix": lambda *a: np.ones((2, 2)) + 1e-3j,
    "a list of complex matrices": lambda *a: [np.ones((2, 2)) + 1e-3j, np.ones((2, 2), dtype=complex)],
    "a list of complex numbers": lambda *a: [np.complex128(1.0 + 1e-3j), 2.0],
}


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("answer", sorted(COMPLEX_ANSWERS))
def test_no_checker_casts_a_complex_answer(name, answer):
    # issue 13: checkers cast complex answers to real with a ComplexWarning (dropping the
    # imaginary part, so a nearly right complex answer could pass); they must reject them
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = getattr(dl.exercises, name)(COMPLEX_ANSWERS[answer])
    assert not [w for w in caught if "Complex" in type(w.message).__name__ or "imaginary" in str(w.message)]
    assert isinstance(result, CheckResult) and not result.passed


def test_real_answer_rejects_complex_and_converts_the_rest():
    from deeplinear.exercises.base import real_answer

    for bad in (1j, np.complex64(1), [1.0, 2j], [np.zeros(2), np.array([1j])], np.array([[1 + 0j]])):
        with pytest.raises(TypeError, match="is complex"):
            real_answer(bad)
    assert real_answer(3, scalar=True) == 3.0 and real_answer([1, 2]).dtype == float
    with pytest.raises((TypeError, ValueError)):
        real_answer("abc", scalar=True)
