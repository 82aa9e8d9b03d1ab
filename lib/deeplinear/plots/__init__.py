"""Figures of the book. One module per topic; every public name is re-exported here.

All figures use the colour-blind-safe Okabe-Ito palette (:data:`OKABE_ITO`) and return the
matplotlib ``Figure`` so that chapters can caption them and tests can inspect them.
"""

from importlib import import_module as _import_module

from .style import *  # noqa: F403
from .network import *  # noqa: F403
from .landscape import *  # noqa: F403

_MODULES = ("style", "network", "landscape")
__all__ = sorted({name for m in _MODULES for name in _import_module(f".{m}", __name__).__all__})
