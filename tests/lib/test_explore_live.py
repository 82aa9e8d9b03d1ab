"""Tests of deeplinear.explore.live: the ipywidgets form, in this process and in a real kernel."""

from __future__ import annotations

import ipywidgets
import pytest

import deeplinear as dl

from _explore_support import _draw_in_this_process, Recorder  # noqa: F401 (autouse fixture)


def test_live_form_shows_default_then_recomputes_on_change():
    rec = Recorder()
    ex = dl.explore.explorer(rec, a=(0.5, 2.0, 0.5, 1.0), n=[1, 2, 3], options=dl.explore.ExplorerOptions(mode="live"))
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
    ex = dl.explore.explorer(Recorder(), a=dl.explore.Time(0, 2, 5, interval_ms=120), n=[1, 2],
                    options=dl.explore.ExplorerOptions(mode="live"))
    row = ex.widget.children[0]
    play, slider = row.children
    assert isinstance(play, ipywidgets.Play) and play.max == 4 and play.interval == 120
    assert slider is ex.controls[0] and slider.description == "a"
    slider.index = 3  # what the jslink does in the browser when the Play widget ticks
    assert ex.last_params["a"] == 1.5


def test_continuous_update_follows_cost_or_option():
    fast = dl.explore.explorer(Recorder(), a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.explore.ExplorerOptions(continuous_update=True))
    assert fast.controls[0].continuous_update is True

    def slow(a, fig):
        import time

        time.sleep(0.08)
        fig.add_subplot()

    auto = dl.explore.explorer(slow, a=(1, 3, 1))
    assert auto.controls[0].continuous_update is False


KERNEL_SETUP = """
import deeplinear as dl
def plot(a, n, fig):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, a * n])
    ax.set_title(f"Line a={a} n={n}")
ex = dl.explore.explorer(plot, a=[1, 2, 3], n=(1, 4, 1, 2))
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
