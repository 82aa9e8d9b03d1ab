"""Figures of the book: they draw results that the top level of the package computes.

The mathematics lives at the top level (``dl.gradient_flow``, ``dl.tolerance_study``,
``dl.critical_values``, ...); this subpackage only draws. A figure function takes the result
object a top-level function returns (or the few plain parameters it needs to compute one) and
returns a matplotlib ``Figure``, so that chapters can caption it and tests can inspect it.
Figures are made with ``matplotlib.figure.Figure`` directly, never through pyplot, so nothing
is displayed twice and nothing leaks when figures are made in loops. Names ending in
``_explorer_figure`` or ``_at`` take scalar parameters and an optional ``fig``: they are the
frames that :mod:`deeplinear.explore` redraws.

Every name is reached as ``dl.plots.<name>`` (after ``import deeplinear as dl``). The
package has one module per topic (``aligned``, ``critical``, ``data``, ``descent``, ``flow``,
``incremental``, ``invariants``, ``landscape``, ``network``, ``open_problems``, ``quotient``,
``rates``, ``scalar``, ``second_order``, ``stable_unstable``, ``style``); every name in a
module's ``__all__`` is re-exported here, and a new module with an ``__all__`` is picked up
automatically.

All figures use the colour-blind-safe Okabe-Ito palette ``OKABE_ITO`` (a tuple of eight hex
colours, Okabe and Ito 2008) and, for signed quantities such as weight matrices, the diverging
colour map ``DIVERGING_CMAP`` (blue negative, white zero, orange positive); both are defined
in :mod:`deeplinear.plots.style`.

.. rubric:: Examples

>>> import matplotlib.pyplot as plt
>>> fig = dl.plots.scalar_phase_portrait(1.0, (0.5, -0.2), t_max=5.0)
>>> len(fig.axes)
1
>>> plt.close(fig)
"""

from importlib import import_module as _import_module
from pkgutil import iter_modules as _iter_modules

__all__: list[str] = []
for _info in sorted(_iter_modules(__path__), key=lambda m: m.name):
    _module = _import_module(f".{_info.name}", __name__)
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
    __all__ += list(_module.__all__)
__all__ = sorted(set(__all__))
