"""The static form of an explorer: every grid point drawn at build time into one
self-contained HTML block (native controls, the frames as ``data:`` URIs, and the inlined
script ``assets/explorer.js``), and the one-frame snapshot for front ends without widgets.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import warnings
from importlib import resources
from typing import Any

from .core import ExplorerBase
from .options import ExplorerFrame, ExplorerSizeWarning
from .parameters import ExplorerParameter
from .processes import _render_in_processes

__all__ = ["StaticExplorer"]


@functools.cache
def _asset(name: str) -> str:
    return resources.files("deeplinear").joinpath("assets", name).read_text(encoding="utf-8")


class StaticExplorer(ExplorerBase):
    """Mixin of :class:`deeplinear.explore.Explorer`: all frames and the static HTML form.

    It adds ``frames()`` (draw every grid point, default first, in worker processes when there
    are enough missing frames; see :data:`deeplinear.explore.processes.PROCESSES_ENV_VAR`),
    ``failures()`` (the error frames among them), ``static_html()`` (the self-contained HTML
    form: native controls, every frame as a ``data:`` URI, the inlined script; an
    :class:`~deeplinear.explore.ExplorerSizeWarning` if it exceeds ``options.max_bytes``) and
    ``snapshot_html()`` (the default figure alone, for front ends without widgets). Not used on
    its own: build an explorer with :func:`deeplinear.explore.explorer`.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`deeplinear.explore.Explorer`.

    Examples
    --------
    >>> def plot(a, n, fig):
    ...     fig.add_subplot().plot([0, 0.5, 1], [0, a * 0.5**n, a])
    >>> options = dl.explore.ExplorerOptions(figsize=(2, 1.5), dpi=50)
    >>> ex = dl.explore.explorer(plot, a=[1, 2], n=[1, 2], options=options)
    >>> len(ex.frames()), ex.failures()
    (4, [])
    >>> 'class="dl-explorer"' in ex.static_html()
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._static: str | None = None

    def frames(self) -> list[ExplorerFrame]:
        """Draw every grid point (default first) and return the frames.

        Frames not drawn yet are drawn in worker processes when there are enough of them
        (see ``PROCESSES_ENV_VAR``): the static build precomputes every explorer's grid.
        """
        missing = [key for key in self.keys() if key not in self._frames]
        for frame in _render_in_processes(self, missing):
            self._frames[frame.key] = frame
        return [self.frame(key) for key in self.keys()]

    def failures(self) -> list[ExplorerFrame]:
        """The error frames among all grid points (draws them all)."""
        return [f for f in self.frames() if not f.ok]

    def _uid(self) -> str:
        text = repr((getattr(self._plot_fn, "__qualname__", ""), [(p.name, p.labels) for p in self.parameters]))
        return f"dlx-{hashlib.sha1(text.encode()).hexdigest()[:8]}-{self._serial}"

    def _control_html(self, uid: str, i: int, p: ExplorerParameter) -> str:
        cid = f"{uid}-p{i}"
        label = html.escape(p.label)
        labels_attr = html.escape(json.dumps(list(p.labels)), quote=True)
        current = html.escape(p.labels[p.default_index])
        common = f'id="{cid}" data-dl-param="{i}" data-dl-labels="{labels_attr}" autocomplete="off"'
        out = f'<output for="{cid}" aria-hidden="true">{current}</output>'
        lab = f'<label for="{cid}">{label}</label>'
        if p.kind == "choice":
            options = "".join(
                f'<option value="{k}"{" selected" if k == p.default_index else ""}>{html.escape(s)}</option>'
                for k, s in enumerate(p.labels)
            )
            return f"{lab}<select {common}>{options}</select><span></span>"  # the select shows its value
        slider = (f'<input type="range" {common} min="0" max="{p.size - 1}" step="1" '
                  f'value="{p.default_index}" aria-valuetext="{current}">')
        if p.kind == "time":
            button = (f'<button type="button" class="dl-explorer-play" data-dl-play aria-controls="{cid}" '
                      f'data-dl-interval="{p.interval_ms}" data-dl-loop="{int(p.loop)}" '
                      f'aria-label="Play">\u25b6 Play</button>')
            return f'{lab}<div class="dl-explorer-time">{button}{slider}</div>{out}'
        return f"{lab}{slider}{out}"

    def static_html(self) -> str:
        """The self-contained static form: controls, every frame, and the inlined script.

        Draws every grid point on first call. Issues an :class:`ExplorerSizeWarning` if the
        result exceeds ``options.max_bytes``.
        """
        if self._static is not None:
            return self._static
        frames = self.frames()
        uid = self._uid()
        controls = "".join(self._control_html(uid, i, p) for i, p in enumerate(self.parameters))
        images = "".join(f.img_tag(hidden=(n > 0), key_attr=True) for n, f in enumerate(frames))
        name = html.escape(self.title, quote=True)
        parts = [
            f'<div class="dl-explorer" id="{uid}" role="group" aria-label="Explorer: {name}" '
            f'data-dl-frames="{len(frames)}" data-dl-default="{",".join(map(str, self.default_key))}">',
            f"<style>{_asset('explorer.css')}</style>",
            f'<div class="dl-explorer-controls">{controls}</div>',
            f'<figure class="dl-explorer-figure">{images}</figure>',
            "</div>",
            f"<script>{_asset('explorer.js')}\n"
            f'window.deeplinearExplorer.init(document.getElementById("{uid}"));</script>',
        ]
        self._static = "\n".join(parts)
        size = len(self._static.encode("utf-8"))
        if size > self.options.max_bytes:
            warnings.warn(
                f"explorer {self.title!r}: static form is {size / 1e6:.2f} MB for {len(frames)} frames, "
                f"over max_bytes={self.options.max_bytes}; use fewer values, a smaller dpi or colors",
                ExplorerSizeWarning,
                stacklevel=2,
            )
        return self._static

    def snapshot_html(self) -> str:
        """The default figure alone, for front ends that show HTML but not widgets."""
        frame = self.frame()
        caption = html.escape(f"Static snapshot at {self._values_text(frame.params)}. "
                              f"Run the notebook to move the parameters.")
        return (f'<div class="dl-explorer-snapshot"><style>{_asset("explorer.css")}</style>'
                f'<figure class="dl-explorer-figure">{frame.img_tag()}<figcaption>{caption}</figcaption>'
                f"</figure></div>")
