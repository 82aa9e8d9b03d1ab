"""The live form of an explorer: ipywidgets controls (a selection slider per range, a
drop-down per choice, a play button linked to the slider of a time parameter) and an HTML
image of the figure, redrawn when a control moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core import ExplorerBase

__all__ = ["LiveExplorer"]

_SLOW_FRAME_SECONDS = 0.05


class LiveExplorer(ExplorerBase):
    """Mixin of :class:`deeplinear.explore.Explorer`: the ipywidgets form.

    It adds the property ``widget`` (an ipywidgets ``VBox`` of the controls and the figure,
    built once, drawing the default frame first) and the property ``controls`` (the selection
    widgets, one per controlled parameter: a drop-down for a choice, a selection slider
    otherwise, with a play button linked to the slider of a time parameter). Moving a control
    draws the frame at the new values (cached) and shows it. Not used on its own: build an
    explorer with :func:`deeplinear.explore.explorer`. ``continuous_update`` of the sliders is
    ``ExplorerOptions.continuous_update``, or, when that is None, on only if the default frame
    took under 50 ms.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`deeplinear.explore.Explorer`.

    Examples
    --------
    >>> def plot(a, depth, fig):
    ...     fig.add_subplot().plot([0, 1], [0, a**depth])
    >>> options = dl.explore.ExplorerOptions(figsize=(2, 1.5), dpi=50)
    >>> ex = dl.explore.explorer(plot, a=(0.5, 2.0, 0.5), depth=[2, 3], options=options)
    >>> type(ex.widget).__name__, [type(c).__name__ for c in ex.controls]
    ('VBox', ['SelectionSlider', 'Dropdown'])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._widget: Any = None
        self._controls: list[Any] = []
        self._image_widget: Any = None

    @property
    def widget(self) -> Any:
        """The live form: an ipywidgets ``VBox`` of controls and the figure (built once)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    @property
    def controls(self) -> list[Any]:
        """The live form's selection widgets, one per controlled parameter."""
        self.widget  # noqa: B018  (builds it)
        return list(self._controls)

    def _build_widget(self) -> Any:
        import ipywidgets as widgets

        first = self.frame()
        self.last_frame = first
        continuous = self.options.continuous_update
        if continuous is None:
            continuous = first.seconds < _SLOW_FRAME_SECONDS
        style = {"description_width": "initial"}
        rows = []
        self._controls = []
        for p in self.parameters:
            options = [(s, k) for k, s in enumerate(p.labels)]
            if p.kind == "choice":
                control = widgets.Dropdown(options=options, value=p.default_index, description=p.label,
                                           style=style, layout=widgets.Layout(width="max-content"))
                rows.append(control)
            else:
                control = widgets.SelectionSlider(
                    options=options, value=p.default_index, description=p.label, style=style,
                    continuous_update=continuous, readout=True, layout=widgets.Layout(width="32rem"),
                )
                if p.kind == "time":
                    play = widgets.Play(value=p.default_index, min=0, max=p.size - 1, step=1,
                                        interval=p.interval_ms, repeat=p.loop, show_repeat=False,
                                        description=f"Play {p.label}", tooltip=f"Play or pause {p.label}")
                    widgets.jslink((play, "value"), (control, "index"))
                    rows.append(widgets.HBox([play, control]))
                else:
                    rows.append(control)
            control.observe(self._on_change, names="index")
            self._controls.append(control)
        self._image_widget = widgets.HTML(value=first.img_tag())
        box = widgets.VBox([*rows, self._image_widget])
        box.add_class("dl-explorer-live")
        return box

    def _on_change(self, change: Mapping[str, Any] | None = None) -> None:
        key = tuple(int(c.index) for c in self._controls)
        frame = self.frame(key)
        self.last_frame = frame
        if self._image_widget is not None:
            self._image_widget.value = frame.img_tag()
