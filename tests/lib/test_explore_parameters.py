"""Tests of deeplinear.explore.parameters: the specs, their grids, labels and validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deeplinear as dl

from _explore_support import _draw_in_this_process, Recorder  # noqa: F401 (autouse fixture)


def test_range_grid_default_and_labels():
    p = dl.explore.Range(0.5, 3.0, 0.5).resolve("sigma")
    assert p.values == (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
    assert p.default == 1.5 and p.default_index == 2  # middle of the grid
    assert p.labels == ("0.5", "1", "1.5", "2", "2.5", "3")
    assert p.kind == "range" and p.label == "sigma"
    q = dl.explore.Range(0.1, 0.7, 0.1, default=0.3).resolve("x")
    assert q.values == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)  # no 0.30000000000000004
    assert q.default == 0.3


def test_integer_range_keeps_integers():
    p = dl.explore.Range(2, 6, 2).resolve("depth")
    assert p.values == (2, 4, 6) and all(type(v) is int for v in p.values)
    assert p.labels == ("2", "4", "6")


def test_logrange_choice_time_fixed():
    log = dl.explore.LogRange(1e-3, 1e-1, 3, default=1e-2, label="scale").resolve("s")
    assert log.values == pytest.approx((1e-3, 1e-2, 1e-1))
    assert log.default_index == 1 and log.label == "scale" and log.kind == "log"
    ch = dl.explore.Choice(("relu", "linear"), default="linear").resolve("act")
    assert ch.values == ("relu", "linear") and ch.default_index == 1 and ch.labels == ("relu", "linear")
    t = dl.explore.Time(0, 10, 11, interval_ms=80, loop=True).resolve("t")
    assert t.values[0] == 0 and t.values[-1] == 10 and t.size == 11
    assert t.default_index == 0 and t.interval_ms == 80 and t.loop and t.kind == "time"
    f = dl.explore.Fixed(np.eye(2)).resolve("Sigma")
    assert f.kind == "fixed"


@given(start=st.floats(-100, 100), step=st.floats(1e-3, 10), n=st.integers(2, 60))
def test_range_labels_are_distinct_and_default_on_grid(start, step, n):
    p = dl.explore.Range(start, start + (n - 1) * step, step).resolve("x")
    assert p.size == n
    assert p.values[0] == pytest.approx(start) and p.values[-1] == pytest.approx(start + (n - 1) * step)
    assert len(set(p.labels)) == p.size
    assert p.index_of(p.default) == p.default_index


@given(lo=st.floats(1e-6, 1.0), ratio=st.floats(1.5, 1e6), num=st.integers(2, 40))
def test_logrange_labels_are_distinct(lo, ratio, num):
    p = dl.explore.LogRange(lo, lo * ratio, num).resolve("x")
    assert p.size == num and len(set(p.labels)) == num
    assert all(b > a for a, b in zip(p.values, p.values[1:]))


def test_shorthands():
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5, 1.0), n=[1, 2, 3])
    a, n = ex.parameters
    assert a.kind == "range" and a.default == 1.0
    assert n.kind == "choice" and n.values == (1, 2, 3) and n.default == 1
    assert ex.shape == (4, 3) and ex.n_frames == 12


NAN, INF = float("nan"), float("inf")
E = dl.explore


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: E.Range(1.0, 1.0, 0.1), r"^Range: empty range, stop \(1.0\) must be greater than start \(1.0\)$"),
        (lambda: E.Range(2.0, 1.0, 0.1), r"^Range: empty range, stop \(1.0\) must be greater than start \(2.0\)$"),
        (lambda: E.Range(0.0, 1.0, 0.0), r"^Range: step must be positive, got 0.0$"),
        (lambda: E.Range(0.0, 1.0, -0.5), r"^Range: step must be positive, got -0.5$"),
        (lambda: E.Range(0.0, INF, 0.5), r"^Range: stop must be finite, got inf$"),
        (lambda: E.Range(NAN, 1.0, 0.5), r"^Range: start must be finite, got nan$"),
        (lambda: E.Range(0.0, 1.0, NAN), r"^Range: step must be finite, got nan$"),
        (lambda: E.Range(0.0, 1.0, 0.5, default=0.7),
         r"^Range: default 0.7 is not a value of Range\(start=0, stop=1, step=0.5\) \(nearest grid values: 0.5, 1.0\)$"),
        (lambda: E.Range(0.0, 1.0, 0.5, default=NAN), r"^Range: default must be finite, got nan$"),
        (lambda: E.Range(0.0, 1.0, 0.5, fmt=".2q"), r"^Range: format '.2q' does not apply to 0.0$"),
        (lambda: E.LogRange(0.0, 1.0, 3), r"^LogRange: start must be positive on a log scale, got 0.0$"),
        (lambda: E.LogRange(-1.0, 1.0, 3), r"^LogRange: start must be positive on a log scale, got -1.0$"),
        (lambda: E.LogRange(1.0, 0.1, 3), r"^LogRange: empty range, stop \(0.1\) must be greater than start \(1.0\)$"),
        (lambda: E.LogRange(0.1, NAN, 3), r"^LogRange: stop must be finite, got nan$"),
        (lambda: E.LogRange(0.1, 1.0, 1), r"^LogRange: num must be at least 2, got 1$"),
        (lambda: E.LogRange(0.1, 1.0, 3, default=0.5), r"^LogRange: default 0.5 is not a value of LogRange"),
        (lambda: E.LogRange(0.1, 1.0, 3, default=-0.5), r"^LogRange: default -0.5 is not a value of LogRange"),
        (lambda: E.Choice(()), r"^Choice: values must be a non-empty list of choices, got \(\)$"),
        (lambda: E.Choice([]), r"^Choice: values must be a non-empty list of choices, got \[\]$"),
        (lambda: E.Choice((1, 2, 1)), r"^Choice: duplicate choice 1$"),
        (lambda: E.Choice((1.0, NAN)), r"^Choice: choices must be finite, got nan$"),
        (lambda: E.Choice((1, 2), default=3), r"^Choice: default 3 is not a value of the choices \(nearest grid values: 1, 2\)$"),
        (lambda: E.Choice(("relu", "linear"), default="tanh"),
         r"^Choice: default 'tanh' is not a value of the choices \(choices: 'relu', 'linear'\)$"),
        (lambda: E.Choice((1, 2), labels=("one",)), r"^Choice: 1 labels for 2 choices$"),
        (lambda: E.Time(0, 0, 5), r"^Time: empty time span, stop \(0.0\) must be greater than start \(0.0\)$"),
        (lambda: E.Time(0, INF, 5), r"^Time: stop must be finite, got inf$"),
        (lambda: E.Time(0, 1, 5, default=0.3), r"^Time: default 0.3 is not a value of Time"),
        (lambda: E.Time(0, 1, 5, interval_ms=0), r"^Time: interval_ms must be at least 10, got 0$"),
        (lambda: E.Time(0, 1, 1), r"^Time: num must be at least 2, got 1$"),
    ],
)
def test_invalid_specs_fail_when_built_naming_the_argument_and_value(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: E.Range(None, 1.0, 0.1), r"^Range: start must be a real number, got None$"),
        (lambda: E.Range(0.0, "1", 0.1), r"^Range: stop must be a real number, got '1'$"),
        (lambda: E.Range(0.0, 1.0, 0.5, default="0.5"), r"^Range: default must be a real number, got '0.5'$"),
        (lambda: E.Range(True, 2, 1), r"^Range: start must be a real number, got True$"),
        (lambda: E.LogRange(0.1, 1.0, 2.5), r"^LogRange: num must be an integer, got 2.5$"),
        (lambda: E.LogRange(0.1, None, 3), r"^LogRange: stop must be a real number, got None$"),
        (lambda: E.Time("0", 1, 5), r"^Time: start must be a real number, got '0'$"),
        (lambda: E.Time(0, 1, None), r"^Time: num must be an integer, got None$"),
        (lambda: E.Choice("abc"), r"^Choice: values must be a list of values, got 'abc'$"),
        (lambda: E.Choice(None), r"^Choice: values must be a list of values, got None$"),
    ],
)
def test_spec_arguments_of_the_wrong_type_fail_when_built(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_a_valid_spec_resolves_under_any_parameter_name():
    spec = E.Range(0.0, 1.0, 0.5, default=1.0)
    assert spec.resolve("x").default == spec.resolve("y").default == 1.0
    assert spec == E.Range(0.0, 1.0, 0.5, default=1.0)  # the grid is not part of the value
    assert E.Choice([2, 3]).resolve("depth").values == (2, 3)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ((1.0, 1.0, 0.1), r"^parameter 'p': empty range, stop \(1.0\) must be greater than start \(1.0\)$"),
        ((0.0, 1.0, 0.0), r"^parameter 'p': step must be positive, got 0.0$"),
        ((NAN, 1.0, 0.5), r"^parameter 'p': start must be finite, got nan$"),
        ((0.0, 1.0, 0.5, 0.7), r"^parameter 'p': default 0.7 is not a value of Range.*nearest grid values: 0.5, 1.0"),
        ((0.0, 1.0), r"^parameter 'p': a tuple means \(start, stop, step\)"),
        ([], r"^parameter 'p': values must be a non-empty list of choices, got \(\)$"),
        ([1, 2, 1], r"^parameter 'p': duplicate choice 1$"),
        (np.array([1.0, NAN]), r"^parameter 'p': choices must be finite, got nan$"),
    ],
)
def test_invalid_shorthands_name_the_parameter_and_value(spec, message):
    def plot(p, fig):
        fig.add_subplot()

    with pytest.raises(ValueError, match=message):
        dl.explore.explorer(plot, p=spec)


def test_invalid_spec_types():
    def plot(p, fig):
        fig.add_subplot()

    with pytest.raises(TypeError, match=r"parameter 'p': expected \(start, stop, step\).*got 3.0"):
        dl.explore.explorer(plot, p=3.0)
    with pytest.raises(TypeError, match=r"^parameter 'p': step must be a real number, got 'a'$"):
        dl.explore.explorer(plot, p=(0, 1, "a"))
