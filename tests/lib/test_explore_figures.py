"""Tests of deeplinear.explore.figures: mathtext as readable alt text."""

from __future__ import annotations

import pytest

from _explore_support import _draw_in_this_process  # noqa: F401 (autouse fixture)


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
    from deeplinear.explore.figures import _plain

    assert _plain(tex) == plain
