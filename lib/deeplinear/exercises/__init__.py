"""Checkers for the book's code exercises.

Every checker is reached as ``dl.exercises.check_<name>(reader_function)`` (after
``import deeplinear as dl``): it takes the reader's function, calls it on a few random
inputs, compares the answer with the library's, and returns a :class:`CheckResult` that
says what is right or, for the first case that is wrong, what was expected. Most checkers
also take a keyword ``seed`` that fixes their random cases. A checker never raises because
of the reader's code: an exception inside it is reported as the result, so a chapter can
call the checker on the unfinished stub and still build. One module per topic; new modules
are picked up automatically (each declares ``__all__``), and their names are re-exported
here.

.. rubric:: Examples

>>> result = dl.exercises.check_ray_loss(lambda a, sigma, h: 0.5 * (sigma - a**h) ** 2)
>>> result.passed
True
>>> def stub(a, sigma, h):
...     raise NotImplementedError("fill in")
>>> print(dl.exercises.check_ray_loss(stub))
Not yet: your function raised NotImplementedError: fill in
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
