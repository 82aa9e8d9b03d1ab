"""Tests of deeplinear.explore.display: the entry point explorer() and the MIME bundles of each form."""

from __future__ import annotations

import deeplinear as dl

from _explore_support import _draw_in_this_process, Recorder  # noqa: F401 (autouse fixture)


def test_params_dict_for_names_that_clash_with_keywords():
    def plot(title, fig):
        fig.add_subplot().set_title(title)

    ex = dl.explore.explorer(plot, params={"title": ["one", "two"]}, title="Titles")
    assert ex.title == "Titles" and ex.parameters[0].name == "title"
    assert ex.frame_at(title="two").title == "two"


def test_mime_bundles_live_static_and_auto(monkeypatch):
    rec = Recorder()
    live = dl.explore.explorer(rec, a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.explore.ExplorerOptions(mode="live"))
    bundle = live._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert 'class="dl-explorer-snapshot"' in bundle["text/html"] and "<script" not in bundle["text/html"]
    static = dl.explore.explorer(rec, a=(0.5, 2.0, 0.5), n=[1, 2], options=dl.explore.ExplorerOptions(mode="static"))
    sbundle = static._repr_mimebundle_()
    assert set(sbundle) == {"text/html", "text/plain"}
    assert 'class="dl-explorer"' in sbundle["text/html"] and static._widget is None
    auto = dl.explore.explorer(rec, a=(0.5, 2.0, 0.5), n=[1, 2])
    monkeypatch.setenv("DEEPLINEAR_BUILD", "1")
    assert auto.mode == "static" and set(auto._repr_mimebundle_()) == {"text/html", "text/plain"}
    monkeypatch.setenv("DEEPLINEAR_BUILD", "0")
    assert auto.mode == "live"
    monkeypatch.delenv("DEEPLINEAR_BUILD")
    assert auto.mode == "live"
