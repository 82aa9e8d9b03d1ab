"""Tests of deeplinear.explore.core: validation against plot_fn, frames, alt text, error frames, prepare."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deeplinear as dl

from _explore_support import _draw_in_this_process, Recorder, returns_figure, diverging, parse, png_size  # noqa: F401 (autouse fixture)


def test_invalid_explorers():
    rec = Recorder()
    with pytest.raises(ValueError, match=r"has no parameter 'b'; it accepts \['a', 'n'\]"):
        dl.explore.explorer(rec, a=(0, 1, 0.5), n=[1, 2], b=[1, 2])
    with pytest.raises(ValueError, match=r"plot_fn requires parameter 'n', which explorer was not given"):
        dl.explore.explorer(rec, a=(0, 1, 0.5))
    with pytest.raises(ValueError, match=r"at most one Time parameter, got \['a', 'n'\]"):
        dl.explore.explorer(rec, a=dl.explore.Time(0, 1, 3), n=dl.explore.Time(0, 1, 3))
    with pytest.raises(ValueError, match=r"11 \(a\) x 20 \(n\) = 220 frames, more than max_frames=150"):
        dl.explore.explorer(rec, a=(0, 1, 0.1), n=list(range(20)))
    with pytest.raises(ValueError, match=r"'fig' is reserved"):
        dl.explore.explorer(lambda fig: None, fig=[1, 2])
    with pytest.raises(ValueError, match=r"at least one parameter"):
        dl.explore.explorer(rec, a=dl.explore.Fixed(1.0), n=dl.explore.Fixed(2))
    with pytest.raises(ValueError, match=r"alt template .* refers to 'depth'"):
        dl.explore.explorer(rec, a=(0, 1, 0.5), n=[1, 2], alt="depth {depth}")
    with pytest.raises(ValueError, match=r"parameter 'a' given twice"):
        dl.explore.explorer(rec, a=(0, 1, 0.5), n=[1, 2], params={"a": [1, 2]})
    with pytest.raises(TypeError, match=r"plot_fn must be callable, got 3"):
        dl.explore.explorer(3, a=[1, 2])


def test_frames_cover_the_grid_default_first_and_are_cached():
    rec = Recorder()
    ex = dl.explore.explorer(rec, a=(0.5, 2.0, 0.5, 1.5), n=[1, 2, 3])
    frames = ex.frames()
    assert len(frames) == 12 and len({f.key for f in frames}) == 12
    assert frames[0].key == ex.default_key == (2, 0)
    assert dict(frames[0].params) == {"a": 1.5, "n": 1}
    assert len(rec.calls) == 12
    ex.frames()
    assert len(rec.calls) == 12  # every frame drawn once
    assert all(f.ok and f.mime == "image/png" for f in frames)
    assert {png_size(f.image) for f in frames} == {(640, 400)}
    # one figure, reused and cleared: each frame has exactly one axes
    assert len({id(fig) for fig in rec.figures}) == 1 and len(rec.figures[0].axes) == 1


def test_frames_differ_and_record_title():
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2])
    f1, f2 = ex.frame_at(a=0.5, n=1), ex.frame_at(a=2.0, n=2)
    assert f1.image != f2.image
    assert f1.title == "Power a=0.5, n=1" and f2.title == "Power a=2, n=2"


def test_default_alt_text_names_title_axes_and_values():
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5, 1.5), n=[1, 2, 3])
    assert ex.frame().alt == "Power a=1.5, n=1, for a = 1.5, n = 1. Axes: horizontal x, vertical y."
    assert ex.frame_at(a=0.5, n=3).alt.endswith("for a = 0.5, n = 3. Axes: horizontal x, vertical y.")


def test_alt_text_without_title_uses_explorer_title_and_strips_tex():
    def plot_decay(rate, fig):
        ax = fig.add_subplot()
        ax.plot([0, 1], [1, rate])
        ax.set_xlabel(r"$t$")
        ax.set_ylabel(r"$\sigma_1(t)$")

    ex = dl.explore.explorer(plot_decay, rate=[0.1, 0.2])
    assert ex.frame().alt == "Plot decay, for rate = 0.1. Axes: horizontal t, vertical sigma_1(t)."


def test_alt_template_and_callable():
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], alt="{title}: curve a x^{n} with a = {a:.2f}")
    assert ex.frame_at(a=2.0, n=2).alt == "Power a=2, n=2: curve a x^2 with a = 2.00"
    ex2 = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], alt=lambda a, n: f"curve {a}/{n}")
    assert ex2.frame_at(a=1.5, n=2).alt == "curve 1.5/2"


def test_alt_text_keeps_the_case_of_a_greek_first_letter():
    # capitalising "σ = 2" would turn the symbol into a different one, "Σ = 2"
    def plot_level(sigma, fig):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, sigma])
        fig.suptitle(f"σ = {sigma}")

    ex = dl.explore.explorer(plot_level, sigma=[2, 3])
    assert ex.frame().alt.startswith("σ = 2, for sigma = 2.")


def test_plot_fn_returning_a_figure_and_pyplot_figures_are_closed():
    import matplotlib.pyplot as plt

    def with_pyplot(a):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, a])
        ax.set_title(f"a={a}")
        return fig

    plt.close("all")
    ex = dl.explore.explorer(with_pyplot, a=[1, 2, 3])
    frames = ex.frames()
    assert [f.title for f in frames] == ["a=1", "a=2", "a=3"]
    assert plt.get_fignums() == []  # nothing leaks into a notebook's output
    ex2 = dl.explore.explorer(returns_figure, a=(1, 2, 1), n=[1, 2])
    assert png_size(ex2.frame().image) == (400, 300)  # the returned figure's size, at dpi 100


def test_wrong_return_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"plot_fn must return a matplotlib Figure .* got int"):
        dl.explore.explorer(lambda a: 3, a=[1, 2]).frame()


def test_error_frames_say_what_failed_and_for_which_values():
    ex = dl.explore.explorer(diverging, gain=(1, 3, 1), depth=[1, 2])
    failures = ex.failures()
    assert sorted(dict(f.params)["gain"] * dict(f.params)["depth"] for f in failures) == [6]
    bad = ex.frame_at(gain=3, depth=2)
    assert not bad.ok
    assert bad.error == "FloatingPointError: the flow diverges (gain*depth = 6)"
    assert "Traceback" in bad.traceback and "diverging" in bad.traceback
    assert bad.alt.startswith("Error: could not draw diverging for gain = 3, depth = 2.")
    assert "the flow diverges" in bad.alt
    assert png_size(bad.image) == (640, 400)
    # the error frame is a figure, not a blank: it differs from every good frame
    assert all(bad.image != f.image for f in ex.frames() if f.ok)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the book's build fails on anything printed to stderr
        html_text = ex.static_html()
    errors = [a for a in parse(html_text).of("img") if "data-dl-error" in a]
    assert [a["data-dl-key"] for a in errors] == ["2,1"]
    # the rest of the explorer still works
    assert sum(f.ok for f in ex.frames()) == 5


def test_on_error_raise():
    ex = dl.explore.explorer(diverging, gain=(1, 3, 1), depth=[1, 2], options=dl.explore.ExplorerOptions(on_error="raise"))
    ex.frame_at(gain=1, depth=1)
    with pytest.raises(FloatingPointError, match="diverges"):
        ex.frame_at(gain=3, depth=2)


def test_warnings_are_recorded_not_emitted():
    def noisy(a, fig):
        with np.errstate(all="warn"):
            value = np.float64(a) / np.float64(0.0)
        fig.add_subplot().set_title(f"value {value}")

    ex = dl.explore.explorer(noisy, a=[1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = ex.frame()
    assert frame.ok and frame.warnings and "RuntimeWarning" in frame.warnings[0]


def test_prepare_is_cached_on_its_own_parameters():
    calls = []

    def solve(rate):
        calls.append(rate)
        ts = np.linspace(0, 5, 51)
        return ts, np.exp(-rate * ts)

    def draw(traj, t, rate, fig):
        ts, y = traj
        ax = fig.add_subplot()
        ax.plot(ts[ts <= t], y[ts <= t])
        ax.set_title(f"decay up to t={t:g}")

    ex = dl.explore.explorer(draw, prepare=solve, t=dl.explore.Time(0, 5, 6), rate=[0.5, 1.0, 2.0])
    frames = ex.frames()
    assert len(frames) == 18 and all(f.ok for f in frames)
    assert sorted(calls) == [0.5, 1.0, 2.0]  # one solve per rate, not per instant


def test_failing_prepare_gives_error_frames_and_is_not_repeated():
    calls = []

    def solve(rate):
        calls.append(rate)
        if rate > 1:
            raise RuntimeError(f"solver failed for rate {rate}")
        return rate

    def draw(value, t, rate, fig):
        fig.add_subplot().set_title(f"t={t}")

    ex = dl.explore.explorer(draw, prepare=solve, t=dl.explore.Time(0, 1, 4), rate=[1, 2])
    failures = ex.failures()
    assert len(failures) == 4 and all(f.error == "RuntimeError: solver failed for rate 2" for f in failures)
    assert sorted(calls) == [1, 2]


def test_key_for_rejects_values_off_the_grid():
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2])
    assert ex.key_for(a=2.0) == (3, 0)
    with pytest.raises(ValueError, match=r"parameter 'a': 0.7 is not one of its grid values \['0.5', '1', '1.5', '2'\]"):
        ex.key_for(a=0.7)
    with pytest.raises(ValueError, match=r"not a controlled parameter: \['b'\]"):
        ex.key_for(b=1)


def test_fixed_parameters_are_passed_through():
    seen = []

    def plot(a, Sigma, fig):
        seen.append(Sigma)
        fig.add_subplot().set_title(f"a={a}")

    S = np.diag([3.0, 1.0])
    ex = dl.explore.explorer(plot, a=[1, 2], Sigma=dl.explore.Fixed(S))
    ex.frames()
    assert all(s is S for s in seen) and [p.name for p in ex.parameters] == ["a"]
