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


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (dl.explore.Range(1.0, 1.0, 0.1), r"parameter 'p': empty range, stop \(1.0\) must be greater than start \(1.0\)"),
        (dl.explore.Range(2.0, 1.0, 0.1), r"parameter 'p': empty range"),
        (dl.explore.Range(0.0, 1.0, 0.0), r"parameter 'p': step must be positive, got 0.0"),
        (dl.explore.Range(0.0, 1.0, -0.5), r"parameter 'p': step must be positive, got -0.5"),
        (dl.explore.Range(0.0, float("inf"), 0.5), r"parameter 'p': stop must be finite, got inf"),
        (dl.explore.Range(float("nan"), 1.0, 0.5), r"parameter 'p': start must be finite, got nan"),
        (dl.explore.Range(0.0, 1.0, 0.5, default=0.7), r"parameter 'p': default 0.7 is not a value of Range.*nearest grid values: 0.5, 1.0"),
        (dl.explore.Range(0.0, 1.0, 0.5, default=float("nan")), r"parameter 'p': default must be finite, got nan"),
        (dl.explore.LogRange(0.0, 1.0, 3), r"parameter 'p': a LogRange needs start > 0, got 0.0"),
        (dl.explore.LogRange(1.0, 0.1, 3), r"parameter 'p': empty range"),
        (dl.explore.LogRange(0.1, 1.0, 1), r"parameter 'p': num must be at least 2, got 1"),
        (dl.explore.LogRange(0.1, 1.0, 3, default=0.5), r"parameter 'p': default 0.5 is not a value of LogRange"),
        (dl.explore.Choice(()), r"parameter 'p': the list of choices is empty"),
        (dl.explore.Choice((1, 2, 1)), r"parameter 'p': duplicate choice 1"),
        (dl.explore.Choice((1.0, float("nan"))), r"parameter 'p': choices must be finite, got nan"),
        (dl.explore.Choice((1, 2), default=3), r"parameter 'p': default 3 is not a value of the choices"),
        (dl.explore.Choice((1, 2), labels=("one",)), r"parameter 'p': 1 labels for 2 choices"),
        (dl.explore.Time(0, 0, 5), r"parameter 'p': empty time span"),
        (dl.explore.Time(0, 1, 5, default=0.3), r"parameter 'p': default 0.3 is not a value of Time"),
        (dl.explore.Time(0, 1, 5, interval_ms=0), r"parameter 'p': interval_ms must be at least 10, got 0"),
        ((0.0, 1.0), r"parameter 'p': a tuple means \(start, stop, step\)"),
        ([], r"parameter 'p': the list of choices is empty"),
    ],
)
def test_invalid_specs_name_the_parameter_and_value(spec, message):
    def plot(p, fig):
        fig.add_subplot()

    with pytest.raises(ValueError, match=message):
        dl.explore.explorer(plot, p=spec)


def test_invalid_spec_types():
    def plot(p, fig):
        fig.add_subplot()

    with pytest.raises(TypeError, match=r"parameter 'p': expected \(start, stop, step\).*got 3.0"):
        dl.explore.explorer(plot, p=3.0)
    with pytest.raises(TypeError, match=r"parameter 'p': step must be a real number, got 'a'"):
        dl.explore.explorer(plot, p=(0, 1, "a"))
