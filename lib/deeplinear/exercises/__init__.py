"""Checkers for the book's code exercises.

Each checker calls the reader's function on a few random inputs, compares the answer with
the library's, and returns a :class:`CheckResult` that says what is right or, for the first
case that is wrong, what was expected. A checker never raises because of the reader's code:
an exception inside it is reported as the result, so a chapter can call the checker on the
unfinished stub and still build. One module per topic; new modules are picked up
automatically (each declares ``__all__``).
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
