"""Tests of deeplinear.explore.processes: frames drawn in worker processes."""

from __future__ import annotations

import pytest

import deeplinear as dl
from deeplinear.explore import processes

from _explore_support import _draw_in_this_process, returns_figure  # noqa: F401 (autouse fixture)




def _failing_at_three(a, n):
    if n == 3:
        raise ValueError(f"no figure for n = {n}")
    return returns_figure(a, n)


def test_frames_drawn_in_worker_processes_equal_the_serial_ones(monkeypatch):
    # the static build draws the grid in worker processes; the frames must be the same bytes,
    # alt texts and errors as drawn one by one in this process
    monkeypatch.setenv(processes.PROCESSES_ENV_VAR, "2")
    grid = dict(a=(0.5, 2.0, 0.5), n=[1, 2, 3])
    parallel = dl.explore.explorer(_failing_at_three, **grid).frames()
    monkeypatch.setenv(processes.PROCESSES_ENV_VAR, "1")
    serial = dl.explore.explorer(_failing_at_three, **grid).frames()
    assert len(parallel) == len(serial) == 12
    for p, s in zip(parallel, serial):
        assert (p.key, p.image, p.alt, p.error, dict(p.params)) == (s.key, s.image, s.alt, s.error, dict(s.params))
    assert sum(f.error is not None for f in parallel) == 4


def test_worker_process_count_names_a_bad_setting(monkeypatch):
    monkeypatch.setenv(processes.PROCESSES_ENV_VAR, "zero")
    with pytest.raises(ValueError, match="DEEPLINEAR_EXPLORER_PROCESSES.*'zero'"):
        dl.explore.explorer(returns_figure, a=(0.5, 2.0, 0.5), n=[1, 2, 3]).frames()
