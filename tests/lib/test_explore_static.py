"""Tests of deeplinear.explore.static: the self-contained HTML form and the size of its frames."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

import deeplinear as dl
from deeplinear.explore import ExplorerSizeWarning

from _explore_support import _draw_in_this_process, Recorder, parse  # noqa: F401 (autouse fixture)


def _three_param_plot(a, n, s, fig):
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 30)
    ax.plot(x, s * a * x**n)
    ax.set_ylim(0, 20)
    ax.set_title(f"Curve a={a:g} n={n} s={s:g}")


@pytest.fixture(scope="module")
def three_params() -> dl.explore.Explorer:
    """A 4 x 3 x 3 explorer with every frame drawn (shared: drawing 36 frames takes seconds)."""
    ex = dl.explore.explorer(_three_param_plot, a=(0.5, 2.0, 0.5, 1.5), n=[1, 2, 3],
                    s=dl.explore.LogRange(0.1, 10, 3, label="scale"), options=dl.explore.ExplorerOptions(mode="static"))
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
    ex = dl.explore.explorer(Recorder(), a=dl.explore.Time(0, 2, 5, interval_ms=90, label="time"), n=[1, 2])
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
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.explore.ExplorerOptions(max_bytes=10_000))
    with pytest.warns(ExplorerSizeWarning, match=r"static form is 0.\d+ MB for 8 frames, over max_bytes=10000"):
        ex.static_html()


@pytest.mark.parametrize(("fmt", "mime"), [("webp", "image/webp"), ("svg", "image/svg+xml")])
def test_other_image_formats(fmt, mime):
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.explore.ExplorerOptions(image_format=fmt))
    frame = ex.frame()
    assert frame.mime == mime and frame.data_uri().startswith(f"data:{mime};base64,")
    assert (frame.width, frame.height) == (640, 400)


def test_full_colour_png_option():
    ex = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.explore.ExplorerOptions(colors=None))
    assert Image.open(io.BytesIO(ex.frame().image)).mode == "RGB"
