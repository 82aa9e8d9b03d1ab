"""Figures of the book. One module per topic; every public name is re-exported here.

All figures use the colour-blind-safe Okabe-Ito palette (:data:`OKABE_ITO`) and return the
matplotlib ``Figure`` so that chapters can caption them and tests can inspect them. A new
topic is a new module in this folder with an ``__all__``; it is picked up automatically.
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
