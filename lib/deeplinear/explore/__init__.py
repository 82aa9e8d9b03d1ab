r"""Interactive explorers that recompute in a live kernel and still respond in the static book.

One call, :func:`explorer`, turns a plotting function of a few parameters into an explorer::

    import deeplinear as dl

    def plot_loss(sigma, depth, scale, fig):          # draws into the Figure it is given
        ax = fig.add_subplot()
        ...
        ax.set_title(f"Loss along the flow, depth {depth}")

    dl.explore.explorer(
        plot_loss,
        sigma=(0.5, 3.0, 0.5),                        # Range: start, stop, step (default: middle)
        depth=dl.explore.Choice([2, 3, 4]),           # Choice (default: first entry)
        scale=dl.explore.LogRange(1e-3, 1e-1, 5, default=1e-2),
        options=dl.explore.ExplorerOptions(figsize=(6.4, 4.0)),
    )

The explorer is displayed when it is the last expression of a cell (or by ``display(ex)``).

Two forms, one call
-------------------
*Live* (a running kernel: Jupyter, JupyterHub, Binder, Colab, VS Code). ipywidgets controls
(a selection slider per range, a dropdown per choice, a play button linked to the slider of a
:class:`Time` parameter) and an HTML image of the figure, which is drawn at the default values
before any interaction. Moving a control recomputes and redraws; frames already drawn are kept,
so coming back to a value is instant. The sliders move on the same grid as the static form, so
both forms show the same figures. ``continuous_update`` is switched off when the default frame
took longer than 50 ms to draw (override it with :class:`ExplorerOptions`).

*Static* (the built HTML page, no kernel). Every grid point is drawn once, at build time, into
a palette PNG embedded in the page as a ``data:`` URI; native ``<input type="range">`` and
``<select>`` controls with labels and value read-outs, plus a play/pause button for time, switch
the visible ``<img>`` with a few lines of our own JavaScript (``assets/explorer.js``, inlined in
the page). Nothing is requested over the network, no widget state is stored, and no widget
JavaScript is needed. The default frame is the first image and the only one not ``hidden``, so
it shows on load (and without JavaScript). Every frame has alt text that names what it shows
and the parameter values; by default ``"<figure title>, for a = 1, n = 2. Axes: horizontal x,
vertical y."`` (mathtext turned into plain words), or the ``alt=`` template or function.
Arrow keys move a focused slider or drop-down, Space/Enter play and pause. The root element
has the class ``dl-explorer`` (the browser tests look for it).

How the form is chosen
----------------------
By :attr:`ExplorerOptions.mode` (``"auto"`` by default). In ``"auto"`` the static form is used
when the environment variable ``DEEPLINEAR_BUILD`` is ``1`` (or ``true``/``yes``/``on``) in
the kernel, which the book's build exports; otherwise the live form is used. The constant
``BUILD_ENV_VAR`` holds that variable's name, ``"DEEPLINEAR_BUILD"``, and
:func:`static_build_requested` reads it. The static form's
MIME bundle holds only ``text/html`` and ``text/plain``, so myst-nb picks the HTML with its
default priorities: no ``_config.yml`` setting is needed for it. The live form's bundle holds
the widget view, a ``text/html`` snapshot of the default figure (class
``dl-explorer-snapshot``, for front ends without widgets) and ``text/plain``. A book built
*without* ``DEEPLINEAR_BUILD=1`` therefore shows either that snapshot (when ``_config.yml`` sets
``nb_mime_priority_overrides: [[html, text/html, 0], [dirhtml, text/html, 0]]``) or the
ipywidgets with their stored state (which do not recompute): a degraded page, never a broken
build. The browser tests fail on a snapshot, so the omission is caught.

Why not a custom MIME type rendered by myst-nb: it would need a renderer plugin registered in
the Sphinx process (an entry point of myst-nb) and would do what ``text/html`` already does,
while the environment variable also keeps widget state and the widget scripts out of the page.
Why not ``FuncAnimation.to_jshtml``: one slider only, and it loads Font Awesome from a CDN.

The plotting contract
---------------------
``plot_fn(**params)`` is called with one keyword argument per parameter (fixed ones included).

* If ``plot_fn`` has a parameter named ``fig``, the explorer passes a cleared
  :class:`matplotlib.figure.Figure` of size ``options.figsize`` (one figure per explorer, reused,
  which saves creating a figure per frame) and ``plot_fn`` draws into it and returns ``None``
  (or a Figure, which is then used).
* Otherwise ``plot_fn`` must return a :class:`~matplotlib.figure.Figure`. Figures made with
  ``pyplot`` are closed after drawing, so none leaks into the cell's output.
* With ``prepare=``, an expensive computation is shared: ``prepare(**some_params)`` is called
  with the parameters named in its own signature and cached on their values, and
  ``plot_fn(prepared, **params)`` receives its result first. Typically ``prepare`` integrates a
  flow and ``plot_fn`` draws it up to time ``t`` (a :class:`Time` parameter), so scrubbing
  through time never re-integrates.
* An exception raised by ``plot_fn`` or ``prepare`` (a diverging flow, an undefined quantity)
  becomes an *error frame*: a figure saying what failed and for which values, with matching alt
  text; the other frames are unaffected. ``options.on_error="raise"`` re-raises instead (for
  debugging). Warnings raised while drawing are recorded on the frame
  (:attr:`ExplorerFrame.warnings`) and not printed, because the book's build treats output on
  stderr as an error. Returning something other than a Figure is a programming error and raises
  :class:`TypeError`.
* Keep axis limits fixed across frames (``ax.set_ylim``), so that switching frames compares like
  with like. Labels of parameters are plain text; write ``σ`` rather than ``$\sigma$``.

Parameters and validation
-------------------------
``(start, stop, step)`` or ``(start, stop, step, default)`` is a :class:`Range`; a list is a
:class:`Choice`; :class:`LogRange`, :class:`Time` and :class:`Fixed` are explicit. A spec is
validated when it is built, and the error echoes the bad value: a :class:`ValueError` for an
empty, reversed or non-finite range, a non-positive step or ``LogRange`` bound, an empty list of
choices, duplicate or non-finite choices, or a default that is not a grid point; a
:class:`TypeError` for a bound, count or default that is not a number, or choices that are not a
list. A spec object's message starts with its class and names the argument
(``Range: step must be positive, got 0.0``); a shorthand's names the parameter
(``parameter 'sigma': step must be positive, got 0.0``). :func:`explorer` then checks the
whole: two time parameters, parameters that ``plot_fn`` does not accept or requires but was
not given, and a grid larger than ``options.max_frames``.
:meth:`Explorer.frames` draws every grid point (default first) so a test can sweep them all;
:meth:`Explorer.failures` lists the error frames. Frames not drawn yet are drawn in forked
worker processes, one contiguous chunk of the grid each (``DEEPLINEAR_EXPLORER_PROCESSES``,
whose name is :data:`deeplinear.explore.processes.PROCESSES_ENV_VAR`; default the usable CPUs; ``1`` draws everything in the calling process, where side effects of
``plot_fn`` are then visible); if a worker fails, the frames are drawn in the calling process
so that the error is reported there.

Size and speed trade-off
------------------------
A frame of 6.4 x 4 inches at 100 dpi (640 x 400 px) of a line plot is 15-45 kB as a
full-colour PNG but 6-16 kB as a 256-colour palette PNG, with no visible difference
(matplotlib figures have few distinct colours; the palette only coarsens anti-aliased edges,
and the background colour is kept exact). Palette PNG encodes in about 5-8 ms and the browser
switches frames in a few milliseconds. Lossy WebP is about as small but blurs thin lines and
text; SVG is sharp at any zoom but larger (over 2 MB for the benchmark's 54 frames) and slower.
Hence the defaults ``image_format="png"``, ``colors=256``, ``dpi=100``: about 10-20 kB of
base64 per frame, so the 2 MB page budget per explorer holds ~100 frames; ``max_frames=150``
is a hard limit and ``max_bytes=2_000_000`` a warning (which fails the book's build, since it
goes to stderr). Use ``colors=None`` for smooth colour maps (``imshow``), and a coarser grid
rather than a smaller figure when the budget is tight. A frame costs what ``plot_fn`` computes
plus 60-100 ms of matplotlib drawing and encoding on this project's 2-core machine, so keep
explorers to 20-50 frames: the whole book's explorers should stay under a minute of a cold
build. Measured numbers: ``benchmarks/results/explore.md``.

Modules
-------
``parameters`` (the specs and their validation), ``options`` (:class:`ExplorerOptions`,
:class:`ExplorerFrame`, the build switch), ``figures`` (images and alt text of figures),
``core`` (the grid and the drawing of one frame), ``live`` (the ipywidgets form), ``static``
(the HTML form) with ``processes`` (its frames drawn in worker processes), and ``display``
(:class:`Explorer`, which joins both forms, and :func:`explorer`). Every public name is
re-exported here.

.. rubric:: Examples

A tiny explorer of two parameters (6 frames); nothing is drawn until a frame is asked for:

>>> def plot(a, n, fig):
...     ax = fig.add_subplot()
...     x = np.linspace(0, 1, 20)
...     ax.plot(x, a * x**n)
...     ax.set_ylim(0, 2)
>>> ex = dl.explore.explorer(plot, a=(1.0, 2.0, 0.5), n=dl.explore.Choice([1, 2]))
>>> ex.n_frames, ex.default_params
(6, {'a': 1.5, 'n': 1})
>>> dl.explore.BUILD_ENV_VAR
'DEEPLINEAR_BUILD'
"""

from .display import Explorer, explorer
from .options import BUILD_ENV_VAR, ExplorerFrame, ExplorerOptions, ExplorerSizeWarning, static_build_requested
from .parameters import Choice, ExplorerParameter, Fixed, LogRange, Range, Time

__all__ = [
    "explorer",
    "Explorer",
    "ExplorerOptions",
    "ExplorerFrame",
    "ExplorerParameter",
    "ExplorerSizeWarning",
    "Range",
    "LogRange",
    "Choice",
    "Time",
    "Fixed",
    "BUILD_ENV_VAR",
    "static_build_requested",
]
