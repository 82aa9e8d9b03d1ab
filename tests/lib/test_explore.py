"""Tests of deeplinear.explore: parameter specs, the live form, the static form, errors."""

from __future__ import annotations

import importlib
import io
import json
import math
import warnings
from html.parser import HTMLParser

import ipywidgets
import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure
from PIL import Image

import deeplinear as dl
from deeplinear.explore import ExplorerSizeWarning

matplotlib.use("Agg")


# ------------------------------------------------------------------------------------------
# Plot functions used by the tests
# ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _draw_in_this_process(monkeypatch):
    # most tests watch the plot function's calls, which worker processes would not report back
    monkeypatch.setenv("DEEPLINEAR_EXPLORER_PROCESSES", "1")


class Recorder:
    """A plot function that draws into `fig` and records every call."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.figures: list[Figure] = []

    def __call__(self, a, n, fig):
        self.calls.append({"a": a, "n": n})
        self.figures.append(fig)
        ax = fig.add_subplot()
        x = np.linspace(0, 1, 40)
        ax.plot(x, a * x**n)
        ax.set_ylim(0, 3)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"Power a={a:g}, n={n}")


def returns_figure(a, n):
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, a * n])
    ax.set_title(f"Line a={a:g} n={n}")
    return fig


def diverging(gain, depth, fig):
    if gain * depth > 4:
        raise FloatingPointError(f"the flow diverges (gain*depth = {gain * depth:g})")
    ax = fig.add_subplot()
    ax.plot([0, 1], [1, math.exp(-gain)])
    ax.set_title(f"Decay gain={gain:g}")


class _Html(HTMLParser):
    """Collects start tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = dict(attrs).get("for") if tag == "label" else None

    def handle_data(self, data):
        if self._open:
            self.text[self._open] = self.text.get(self._open, "") + data

    def of(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def parse(html_text: str) -> _Html:
    p = _Html()
    p.feed(html_text)
    return p


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


# ------------------------------------------------------------------------------------------
# Parameter specs
# ------------------------------------------------------------------------------------------


def test_range_grid_default_and_labels():
    p = dl.Range(0.5, 3.0, 0.5).resolve("sigma")
    assert p.values == (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
    assert p.default == 1.5 and p.default_index == 2  # middle of the grid
    assert p.labels == ("0.5", "1", "1.5", "2", "2.5", "3")
    assert p.kind == "range" and p.label == "sigma"
    q = dl.Range(0.1, 0.7, 0.1, default=0.3).resolve("x")
    assert q.values == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)  # no 0.30000000000000004
    assert q.default == 0.3


def test_integer_range_keeps_integers():
    p = dl.Range(2, 6, 2).resolve("depth")
    assert p.values == (2, 4, 6) and all(type(v) is int for v in p.values)
    assert p.labels == ("2", "4", "6")


def test_logrange_choice_time_fixed():
    log = dl.LogRange(1e-3, 1e-1, 3, default=1e-2, label="scale").resolve("s")
    assert log.values == pytest.approx((1e-3, 1e-2, 1e-1))
    assert log.default_index == 1 and log.label == "scale" and log.kind == "log"
    ch = dl.Choice(("relu", "linear"), default="linear").resolve("act")
    assert ch.values == ("relu", "linear") and ch.default_index == 1 and ch.labels == ("relu", "linear")
    t = dl.Time(0, 10, 11, interval_ms=80, loop=True).resolve("t")
    assert t.values[0] == 0 and t.values[-1] == 10 and t.size == 11
    assert t.default_index == 0 and t.interval_ms == 80 and t.loop and t.kind == "time"
    f = dl.Fixed(np.eye(2)).resolve("Sigma")
    assert f.kind == "fixed"


def test_shorthands():
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5, 1.0), n=[1, 2, 3])
    a, n = ex.parameters
    assert a.kind == "range" and a.default == 1.0
    assert n.kind == "choice" and n.values == (1, 2, 3) and n.default == 1
    assert ex.shape == (4, 3) and ex.n_frames == 12


@given(start=st.floats(-100, 100), step=st.floats(1e-3, 10), n=st.integers(2, 60))
def test_range_labels_are_distinct_and_default_on_grid(start, step, n):
    p = dl.Range(start, start + (n - 1) * step, step).resolve("x")
    assert p.size == n
    assert p.values[0] == pytest.approx(start) and p.values[-1] == pytest.approx(start + (n - 1) * step)
    assert len(set(p.labels)) == p.size
    assert p.index_of(p.default) == p.default_index


@given(lo=st.floats(1e-6, 1.0), ratio=st.floats(1.5, 1e6), num=st.integers(2, 40))
def test_logrange_labels_are_distinct(lo, ratio, num):
    p = dl.LogRange(lo, lo * ratio, num).resolve("x")
    assert p.size == num and len(set(p.labels)) == num
    assert all(b > a for a, b in zip(p.values, p.values[1:]))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (dl.Range(1.0, 1.0, 0.1), r"parameter 'p': empty range, stop \(1.0\) must be greater than start \(1.0\)"),
        (dl.Range(2.0, 1.0, 0.1), r"parameter 'p': empty range"),
        (dl.Range(0.0, 1.0, 0.0), r"parameter 'p': step must be positive, got 0.0"),
        (dl.Range(0.0, 1.0, -0.5), r"parameter 'p': step must be positive, got -0.5"),
        (dl.Range(0.0, float("inf"), 0.5), r"parameter 'p': stop must be finite, got inf"),
        (dl.Range(float("nan"), 1.0, 0.5), r"parameter 'p': start must be finite, got nan"),
        (dl.Range(0.0, 1.0, 0.5, default=0.7), r"parameter 'p': default 0.7 is not a value of Range.*nearest grid values: 0.5, 1.0"),
        (dl.Range(0.0, 1.0, 0.5, default=float("nan")), r"parameter 'p': default must be finite, got nan"),
        (dl.LogRange(0.0, 1.0, 3), r"parameter 'p': a LogRange needs start > 0, got 0.0"),
        (dl.LogRange(1.0, 0.1, 3), r"parameter 'p': empty range"),
        (dl.LogRange(0.1, 1.0, 1), r"parameter 'p': num must be at least 2, got 1"),
        (dl.LogRange(0.1, 1.0, 3, default=0.5), r"parameter 'p': default 0.5 is not a value of LogRange"),
        (dl.Choice(()), r"parameter 'p': the list of choices is empty"),
        (dl.Choice((1, 2, 1)), r"parameter 'p': duplicate choice 1"),
        (dl.Choice((1.0, float("nan"))), r"parameter 'p': choices must be finite, got nan"),
        (dl.Choice((1, 2), default=3), r"parameter 'p': default 3 is not a value of the choices"),
        (dl.Choice((1, 2), labels=("one",)), r"parameter 'p': 1 labels for 2 choices"),
        (dl.Time(0, 0, 5), r"parameter 'p': empty time span"),
        (dl.Time(0, 1, 5, default=0.3), r"parameter 'p': default 0.3 is not a value of Time"),
        (dl.Time(0, 1, 5, interval_ms=0), r"parameter 'p': interval_ms must be at least 10, got 0"),
        ((0.0, 1.0), r"parameter 'p': a tuple means \(start, stop, step\)"),
        ([], r"parameter 'p': the list of choices is empty"),
    ],
)
def test_invalid_specs_name_the_parameter_and_value(spec, message):
    def plot(p, fig):
        fig.add_subplot()

    with pytest.raises(ValueError, match=message):
        dl.explore(plot, p=spec)


def test_invalid_spec_types():
    def plot(p, fig):
        fig.add_subplot()

    with pytest.raises(TypeError, match=r"parameter 'p': expected \(start, stop, step\).*got 3.0"):
        dl.explore(plot, p=3.0)
    with pytest.raises(TypeError, match=r"parameter 'p': step must be a real number, got 'a'"):
        dl.explore(plot, p=(0, 1, "a"))


def test_invalid_explorers():
    rec = Recorder()
    with pytest.raises(ValueError, match=r"has no parameter 'b'; it accepts \['a', 'n'\]"):
        dl.explore(rec, a=(0, 1, 0.5), n=[1, 2], b=[1, 2])
    with pytest.raises(ValueError, match=r"plot_fn requires parameter 'n', which explore was not given"):
        dl.explore(rec, a=(0, 1, 0.5))
    with pytest.raises(ValueError, match=r"at most one Time parameter, got \['a', 'n'\]"):
        dl.explore(rec, a=dl.Time(0, 1, 3), n=dl.Time(0, 1, 3))
    with pytest.raises(ValueError, match=r"11 \(a\) x 20 \(n\) = 220 frames, more than max_frames=150"):
        dl.explore(rec, a=(0, 1, 0.1), n=list(range(20)))
    with pytest.raises(ValueError, match=r"'fig' is reserved"):
        dl.explore(lambda fig: None, fig=[1, 2])
    with pytest.raises(ValueError, match=r"at least one parameter"):
        dl.explore(rec, a=dl.Fixed(1.0), n=dl.Fixed(2))
    with pytest.raises(ValueError, match=r"alt template .* refers to 'depth'"):
        dl.explore(rec, a=(0, 1, 0.5), n=[1, 2], alt="depth {depth}")
    with pytest.raises(ValueError, match=r"parameter 'a' given twice"):
        dl.explore(rec, a=(0, 1, 0.5), n=[1, 2], params={"a": [1, 2]})
    with pytest.raises(TypeError, match=r"plot_fn must be callable, got 3"):
        dl.explore(3, a=[1, 2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "web"}, r"ExplorerOptions.mode must be 'auto', 'live' or 'static', got 'web'"),
        ({"dpi": 0}, r"ExplorerOptions.dpi must be a number between 10 and 600, got 0"),
        ({"figsize": (6, float("nan"))}, r"ExplorerOptions.figsize must be two finite sizes"),
        ({"colors": 1}, r"ExplorerOptions.colors must be None or an integer from 2 to 256, got 1"),
        ({"image_format": "gif"}, r"ExplorerOptions.image_format must be 'png', 'webp' or 'svg', got 'gif'"),
        ({"max_frames": 0}, r"ExplorerOptions.max_frames must be a positive integer, got 0"),
        ({"on_error": "ignore"}, r"ExplorerOptions.on_error must be 'frame' or 'raise', got 'ignore'"),
    ],
)
def test_invalid_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dl.ExplorerOptions(**kwargs)


def test_params_dict_for_names_that_clash_with_keywords():
    def plot(title, fig):
        fig.add_subplot().set_title(title)

    ex = dl.explore(plot, params={"title": ["one", "two"]}, title="Titles")
    assert ex.title == "Titles" and ex.parameters[0].name == "title"
    assert ex.frame_at(title="two").title == "two"


# ------------------------------------------------------------------------------------------
# Drawing, frames, alt text, errors
# ------------------------------------------------------------------------------------------


def test_frames_cover_the_grid_default_first_and_are_cached():
    rec = Recorder()
    ex = dl.explore(rec, a=(0.5, 2.0, 0.5, 1.5), n=[1, 2, 3])
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
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2])
    f1, f2 = ex.frame_at(a=0.5, n=1), ex.frame_at(a=2.0, n=2)
    assert f1.image != f2.image
    assert f1.title == "Power a=0.5, n=1" and f2.title == "Power a=2, n=2"


def test_default_alt_text_names_title_axes_and_values():
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5, 1.5), n=[1, 2, 3])
    assert ex.frame().alt == "Power a=1.5, n=1, for a = 1.5, n = 1. Axes: horizontal x, vertical y."
    assert ex.frame_at(a=0.5, n=3).alt.endswith("for a = 0.5, n = 3. Axes: horizontal x, vertical y.")


def test_alt_text_without_title_uses_explorer_title_and_strips_tex():
    def plot_decay(rate, fig):
        ax = fig.add_subplot()
        ax.plot([0, 1], [1, rate])
        ax.set_xlabel(r"$t$")
        ax.set_ylabel(r"$\sigma_1(t)$")

    ex = dl.explore(plot_decay, rate=[0.1, 0.2])
    assert ex.frame().alt == "Plot decay, for rate = 0.1. Axes: horizontal t, vertical sigma_1(t)."


def test_alt_template_and_callable():
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], alt="{title}: curve a x^{n} with a = {a:.2f}")
    assert ex.frame_at(a=2.0, n=2).alt == "Power a=2, n=2: curve a x^2 with a = 2.00"
    ex2 = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], alt=lambda a, n: f"curve {a}/{n}")
    assert ex2.frame_at(a=1.5, n=2).alt == "curve 1.5/2"


def test_plot_fn_returning_a_figure_and_pyplot_figures_are_closed():
    import matplotlib.pyplot as plt

    def with_pyplot(a):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, a])
        ax.set_title(f"a={a}")
        return fig

    plt.close("all")
    ex = dl.explore(with_pyplot, a=[1, 2, 3])
    frames = ex.frames()
    assert [f.title for f in frames] == ["a=1", "a=2", "a=3"]
    assert plt.get_fignums() == []  # nothing leaks into a notebook's output
    ex2 = dl.explore(returns_figure, a=(1, 2, 1), n=[1, 2])
    assert png_size(ex2.frame().image) == (400, 300)  # the returned figure's size, at dpi 100


def test_wrong_return_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"plot_fn must return a matplotlib Figure .* got int"):
        dl.explore(lambda a: 3, a=[1, 2]).frame()


def test_error_frames_say_what_failed_and_for_which_values():
    ex = dl.explore(diverging, gain=(1, 3, 1), depth=[1, 2])
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
    ex = dl.explore(diverging, gain=(1, 3, 1), depth=[1, 2], options=dl.ExplorerOptions(on_error="raise"))
    ex.frame_at(gain=1, depth=1)
    with pytest.raises(FloatingPointError, match="diverges"):
        ex.frame_at(gain=3, depth=2)


def test_warnings_are_recorded_not_emitted():
    def noisy(a, fig):
        with np.errstate(all="warn"):
            value = np.float64(a) / np.float64(0.0)
        fig.add_subplot().set_title(f"value {value}")

    ex = dl.explore(noisy, a=[1.0, 2.0])
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

    ex = dl.explore(draw, prepare=solve, t=dl.Time(0, 5, 6), rate=[0.5, 1.0, 2.0])
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

    ex = dl.explore(draw, prepare=solve, t=dl.Time(0, 1, 4), rate=[1, 2])
    failures = ex.failures()
    assert len(failures) == 4 and all(f.error == "RuntimeError: solver failed for rate 2" for f in failures)
    assert sorted(calls) == [1, 2]


def test_key_for_rejects_values_off_the_grid():
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2])
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
    ex = dl.explore(plot, a=[1, 2], Sigma=dl.Fixed(S))
    ex.frames()
    assert all(s is S for s in seen) and [p.name for p in ex.parameters] == ["a"]


# ------------------------------------------------------------------------------------------
# The live form
# ------------------------------------------------------------------------------------------


def test_live_form_shows_default_then_recomputes_on_change():
    rec = Recorder()
    ex = dl.explore(rec, a=(0.5, 2.0, 0.5, 1.0), n=[1, 2, 3], options=dl.ExplorerOptions(mode="live"))
    box = ex.widget
    assert isinstance(box, ipywidgets.VBox)
    a_slider, n_dropdown = ex.controls
    assert isinstance(a_slider, ipywidgets.SelectionSlider) and a_slider.description == "a"
    assert isinstance(n_dropdown, ipywidgets.Dropdown) and n_dropdown.description == "n"
    assert a_slider.label == "1" and n_dropdown.label == "1"
    # the default figure is drawn before any interaction
    assert rec.calls == [{"a": 1.0, "n": 1}]
    image = box.children[-1]
    assert isinstance(image, ipywidgets.HTML)
    assert 'alt="Power a=1, n=1, for a = 1, n = 1.' in image.value and "data:image/png;base64," in image.value
    first_value = image.value
    # move the slider: a new figure with the new parameters
    a_slider.value = a_slider.options[3][1]
    assert rec.calls[-1] == {"a": 2.0, "n": 1}
    assert ex.last_params == {"a": 2.0, "n": 1}
    assert ex.last_frame.title == "Power a=2, n=1"
    assert image.value != first_value and 'alt="Power a=2, n=1' in image.value
    n_dropdown.index = 2
    assert ex.last_params == {"a": 2.0, "n": 3} and ex.last_frame.title == "Power a=2, n=3"
    # back to a frame already drawn: served from the cache, plot_fn not called again
    calls = len(rec.calls)
    a_slider.index = 1
    n_dropdown.index = 0
    assert ex.last_params == {"a": 1.0, "n": 1} and image.value == first_value
    assert len(rec.calls) == calls + 1  # only (a=1, n=3) was new


def test_live_form_time_has_linked_play_button():
    ex = dl.explore(Recorder(), a=dl.Time(0, 2, 5, interval_ms=120), n=[1, 2],
                    options=dl.ExplorerOptions(mode="live"))
    row = ex.widget.children[0]
    play, slider = row.children
    assert isinstance(play, ipywidgets.Play) and play.max == 4 and play.interval == 120
    assert slider is ex.controls[0] and slider.description == "a"
    slider.index = 3  # what the jslink does in the browser when the Play widget ticks
    assert ex.last_params["a"] == 1.5


def test_continuous_update_follows_cost_or_option():
    fast = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.ExplorerOptions(continuous_update=True))
    assert fast.controls[0].continuous_update is True

    def slow(a, fig):
        import time

        time.sleep(0.08)
        fig.add_subplot()

    auto = dl.explore(slow, a=(1, 3, 1))
    assert auto.controls[0].continuous_update is False


def test_mime_bundles_live_static_and_auto(monkeypatch):
    rec = Recorder()
    live = dl.explore(rec, a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.ExplorerOptions(mode="live"))
    bundle = live._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert 'class="dl-explorer-snapshot"' in bundle["text/html"] and "<script" not in bundle["text/html"]
    static = dl.explore(rec, a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.ExplorerOptions(mode="static"))
    sbundle = static._repr_mimebundle_()
    assert set(sbundle) == {"text/html", "text/plain"}
    assert 'class="dl-explorer"' in sbundle["text/html"] and static._widget is None
    auto = dl.explore(rec, a=(0.5, 2.0, 0.5), n=[1, 2])
    monkeypatch.setenv("DEEPLINEAR_BUILD", "1")
    assert auto.mode == "static" and set(auto._repr_mimebundle_()) == {"text/html", "text/plain"}
    monkeypatch.setenv("DEEPLINEAR_BUILD", "0")
    assert auto.mode == "live"
    monkeypatch.delenv("DEEPLINEAR_BUILD")
    assert auto.mode == "live"


# ------------------------------------------------------------------------------------------
# The static form
# ------------------------------------------------------------------------------------------


def _three_param_plot(a, n, s, fig):
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 30)
    ax.plot(x, s * a * x**n)
    ax.set_ylim(0, 20)
    ax.set_title(f"Curve a={a:g} n={n} s={s:g}")


@pytest.fixture(scope="module")
def three_params() -> dl.Explorer:
    """A 4 x 3 x 3 explorer with every frame drawn (shared: drawing 36 frames takes seconds)."""
    ex = dl.explore(_three_param_plot, a=(0.5, 2.0, 0.5, 1.5), n=[1, 2, 3],
                    s=dl.LogRange(0.1, 10, 3, label="scale"), options=dl.ExplorerOptions(mode="static"))
    ex.static_html()
    return ex


def test_static_form_structure(three_params):
    ex = three_params
    text = ex.static_html()
    doc = parse(text)
    root = doc.of("div")[0]
    assert root["class"] == "dl-explorer" and root["data-dl-frames"] == "36" and root["data-dl-default"] == "2,0,1"
    imgs = doc.of("img")
    assert len(imgs) == 36 == ex.n_frames
    keys = [a["data-dl-key"] for a in imgs]
    assert len(set(keys)) == 36
    assert keys[0] == "2,0,1" and "hidden" not in imgs[0]
    assert all("hidden" in a for a in imgs[1:])
    assert all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert all(a["alt"] and "for a = " in a["alt"] for a in imgs)
    assert imgs[0]["alt"] == "Curve a=1.5 n=1 s=1, for a = 1.5, n = 1, scale = 1."
    # controls: two ranges and a select, each labelled, with the current value shown
    ranges = [a for a in doc.of("input") if a.get("type") == "range"]
    selects = doc.of("select")
    assert [r["id"].rsplit("-", 1)[1] for r in ranges] == ["p0", "p2"] and len(selects) == 1
    assert ranges[0]["max"] == "3" and ranges[0]["value"] == "2" and ranges[0]["aria-valuetext"] == "1.5"
    assert json.loads(ranges[1]["data-dl-labels"]) == ["0.1", "1", "10"]
    for control in ranges + selects:
        assert doc.text[control["id"]] in ("a", "n", "scale")
    assert [doc.text[c["id"]] for c in ranges + selects] == ["a", "scale", "n"]
    selected = [a for a in doc.of("option") if "selected" in a]
    assert [a["value"] for a in selected] == ["0"]
    assert "window.deeplinearExplorer.init(document.getElementById(" in text
    # self-contained: nothing fetched from anywhere
    assert "http://" not in text and "https://" not in text and "<link" not in text
    assert " src=\"data:" in text and 'src="/' not in text


def test_static_form_time_control_has_play_button():
    ex = dl.explore(Recorder(), a=dl.Time(0, 2, 5, interval_ms=90, label="time"), n=[1, 2])
    doc = parse(ex.static_html())
    (button,) = doc.of("button")
    slider = next(a for a in doc.of("input") if a.get("type") == "range")
    assert button["aria-controls"] == slider["id"] and button["data-dl-interval"] == "90"
    assert button["aria-label"] == "Play" and doc.text[slider["id"]] == "time"


def test_frame_images_are_small_and_the_page_budget_holds(three_params):
    ex = three_params
    frames = ex.frames()
    sizes = [len(f.image) for f in frames]
    assert max(sizes) < 25_000  # palette PNG of a line plot at 640 x 400
    assert Image.open(io.BytesIO(frames[0].image)).mode == "P"
    assert Image.open(io.BytesIO(frames[0].image)).convert("RGB").getpixel((1, 1)) == (255, 255, 255)
    total = len(ex.static_html().encode())
    assert total < 2_000_000 and total < 36 * 35_000


def test_size_warning_over_budget():
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.ExplorerOptions(max_bytes=10_000))
    with pytest.warns(ExplorerSizeWarning, match=r"static form is 0.\d+ MB for 8 frames, over max_bytes=10000"):
        ex.static_html()


@pytest.mark.parametrize(("fmt", "mime"), [("webp", "image/webp"), ("svg", "image/svg+xml")])
def test_other_image_formats(fmt, mime):
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.ExplorerOptions(image_format=fmt))
    frame = ex.frame()
    assert frame.mime == mime and frame.data_uri().startswith(f"data:{mime};base64,")
    assert (frame.width, frame.height) == (640, 400)


def test_full_colour_png_option():
    ex = dl.explore(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.ExplorerOptions(colors=None))
    assert Image.open(io.BytesIO(ex.frame().image)).mode == "RGB"


# ------------------------------------------------------------------------------------------
# A real kernel: the front end's comm messages drive the recomputation
# ------------------------------------------------------------------------------------------

KERNEL_SETUP = """
import deeplinear as dl
def plot(a, n, fig):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, a * n])
    ax.set_title(f"Line a={a} n={n}")
ex = dl.explore(plot, a=[1, 2, 3], n=(1, 4, 1, 2))
ex
"""


def _iopub_until(kc, predicate, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:  # queue.Empty
            continue
        seen.append(msg)
        if predicate(msg):
            return msg, seen
    raise AssertionError(f"no matching iopub message in {timeout} s; saw {[m['msg_type'] for m in seen]}")


@pytest.mark.slow
def test_live_kernel_recomputes_when_the_front_end_moves_a_control(monkeypatch):
    from jupyter_client.manager import start_new_kernel

    monkeypatch.delenv("DEEPLINEAR_BUILD", raising=False)
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        outputs = []
        reply = kc.execute_interactive(KERNEL_SETUP, output_hook=outputs.append, timeout=60)
        assert reply["content"]["status"] == "ok"
        displayed = [m["content"]["data"] for m in outputs if m["msg_type"] == "execute_result"]
        assert displayed and "application/vnd.jupyter.widget-view+json" in displayed[0]
        assert 'alt="Line a=1 n=2, for a = 1, n = 2."' in displayed[0]["text/html"]
        ids = []
        kc.execute_interactive("print(ex.controls[0].model_id, ex._image_widget.model_id)",
                               output_hook=lambda m: ids.append(m["content"].get("text", "")), timeout=30)
        control_id, image_id = "".join(ids).split()
        # what the browser sends when the reader picks the third value of `a`
        kc.shell_channel.send(kc.session.msg("comm_msg", {
            "comm_id": control_id, "data": {"method": "update", "state": {"index": 2}, "buffer_paths": []},
        }))

        def image_update(msg):
            c = msg["content"]
            return (msg["msg_type"] == "comm_msg" and c.get("comm_id") == image_id
                    and "value" in c.get("data", {}).get("state", {}))

        msg, _ = _iopub_until(kc, image_update)
        value = msg["content"]["data"]["state"]["value"]
        assert 'alt="Line a=3 n=2, for a = 3, n = 2.' in value and "data:image/png;base64," in value
        last = []
        kc.execute_interactive("print(ex.last_params, ex.last_frame.title)",
                               output_hook=lambda m: last.append(m["content"].get("text", "")), timeout=30)
        assert "".join(last).strip() == "{'a': 3, 'n': 2} Line a=3 n=2"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize(
    ("tex", "plain"),
    [
        (r"$A^1 = \mathrm{blk}_1(\ldots)$", "A^1 = blk_1(...)"),
        (r"$\tfrac12(\sigma - a^h)^2$", "1/2(sigma - a^h)^2"),
        (r"$\frac{a+b}{c}$ and $h\,=\,3$", "(a+b)/c and h = 3"),
        ("plain title", "plain title"),
    ],
)
def test_mathtext_becomes_readable_alt_text(tex, plain):
    from deeplinear.explore import _plain

    assert _plain(tex) == plain


def test_alt_text_keeps_the_case_of_a_greek_first_letter():
    # capitalising "σ = 2" would turn the symbol into a different one, "Σ = 2"
    def plot_level(sigma, fig):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, sigma])
        fig.suptitle(f"σ = {sigma}")

    ex = dl.explore(plot_level, sigma=[2, 3])
    assert ex.frame().alt.startswith("σ = 2, for sigma = 2.")


explore_module = importlib.import_module("deeplinear.explore")  # dl.explore is the function


def _failing_at_three(a, n):
    if n == 3:
        raise ValueError(f"no figure for n = {n}")
    return returns_figure(a, n)


def test_frames_drawn_in_worker_processes_equal_the_serial_ones(monkeypatch):
    # the static build draws the grid in worker processes; the frames must be the same bytes,
    # alt texts and errors as drawn one by one in this process
    monkeypatch.setenv(explore_module.PROCESSES_ENV_VAR, "2")
    grid = dict(a=(0.5, 2.0, 0.5), n=[1, 2, 3])
    parallel = dl.explore(_failing_at_three, **grid).frames()
    monkeypatch.setenv(explore_module.PROCESSES_ENV_VAR, "1")
    serial = dl.explore(_failing_at_three, **grid).frames()
    assert len(parallel) == len(serial) == 12
    for p, s in zip(parallel, serial):
        assert (p.key, p.image, p.alt, p.error, dict(p.params)) == (s.key, s.image, s.alt, s.error, dict(s.params))
    assert sum(f.error is not None for f in parallel) == 4


def test_worker_process_count_names_a_bad_setting(monkeypatch):
    monkeypatch.setenv(explore_module.PROCESSES_ENV_VAR, "zero")
    with pytest.raises(ValueError, match="DEEPLINEAR_EXPLORER_PROCESSES.*'zero'"):
        dl.explore(returns_figure, a=(0.5, 2.0, 0.5), n=[1, 2, 3]).frames()
