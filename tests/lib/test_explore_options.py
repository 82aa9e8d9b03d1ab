"""Tests of deeplinear.explore.options: ExplorerOptions validation."""

from __future__ import annotations

import pytest

import deeplinear as dl

from _explore_support import _draw_in_this_process  # noqa: F401 (autouse fixture)


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
        dl.explore.ExplorerOptions(**kwargs)
