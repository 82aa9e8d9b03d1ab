"""The shared figure helpers of deeplinear.plots.style."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from deeplinear.plots.style import OKABE_ITO, axes_row


def test_axes_row_makes_a_constrained_figure_by_default():
    fig, axes = axes_row(None, 3, 9.0, 3.0)
    assert len(axes) == 3 and fig.get_layout_engine() is not None
    assert tuple(fig.get_size_inches()) == (9.0, 3.0)


def test_axes_row_fixed_margins_are_in_inches():
    fig, (ax,) = axes_row(None, 1, 8.0, 4.0, margins=(0.8, 0.4, 0.4, 0.2, 0.3))
    assert fig.get_layout_engine() is None
    box = ax.get_position()
    assert np.allclose([box.x0, box.x1, box.y0, box.y1], [0.1, 0.95, 0.1, 0.95])


def test_axes_row_uses_the_explorers_figure_and_refuses_a_layout_engine_with_margins():
    fig = Figure(figsize=(6.0, 3.0))
    same, axes = axes_row(fig, 2, 1.0, 1.0)
    assert same is fig and len(axes) == 2 and fig.get_layout_engine() is not None
    with pytest.raises(ValueError, match="layout engine"):
        axes_row(Figure(layout="constrained"), 1, 6.0, 3.0, margins=(0.5, 0.1, 0.5, 0.1, 0.2))


def test_palette_is_the_okabe_ito_one():
    assert OKABE_ITO[:3] == ("#0072B2", "#E69F00", "#009E73") and len(set(OKABE_ITO)) == 8
