r"""deeplinear: gradient flows of deep linear networks, from the network perspective.

``import deeplinear as dl`` gives the mathematics; three subpackages hold the rest:

==========================  ===============================================================
``dl.<function>``           the mathematics of the survey: the network view, losses and
                            gradients, flows and descent, invariants, initialisations, modes
                            and closed forms, critical values and fibres, curvature, saddles,
                            stable and unstable sets, data, and the numerical studies of the book
``dl.<module>.<function>``  the extensions of Part IV, "Beyond the survey", by module:
                            ``sensing``, ``lazy_rich``, ``lambda_balanced``, ``diagonal``,
                            ``weight_decay``, ``resnet``, ``convolution``
``dl.plots``                figures of computed results (matplotlib)
``dl.exercises``            checkers of the book's code exercises
``dl.explore``              explorers: live widgets and precomputed static frames
==========================  ===============================================================

**Conventions.** Depth ``h`` is the number of weight matrices; widths
``d = (d_0, ..., d_h)``; ``W_i`` has shape ``(d_i, d_{i-1})``; weights are a list
``[W_1, ..., W_h]``; the end-to-end map is ``W_h ... W_1``; the loss is
``1/2 ||Sigma - W_h ... W_1||_F^2``; the adjacency matrix is ``A = blk_1(W_1, ..., W_h)`` and
the target ``E = blk_h(Sigma)``.

**Signatures.** The point evaluated or started from comes first (``weights``, ``A``, a
``subset``, a time ``t``, an initial value ``u0``), then the problem (``Sigma`` or ``E``, or
one singular value ``sigma``), then the architecture (``widths`` or ``h``), then options by
keyword. The same names everywhere: ``weights``, ``A``, ``Sigma``, ``E``, ``widths``, ``h``,
``t_span``, ``t_eval``, ``eta``, ``rng``. Results are frozen objects with fields named in
words; their types live in the module that makes them (``dl.quotient.CriticalValues``).

The top level re-exports the *functions* (and the exceptions) of the survey's modules, one
concept per module; ``dl.<module>`` reaches everything else a module makes public, and all of
an extension module (``dl.weight_decay.regularised_loss``), which keeps the top level small.

.. rubric:: Examples

>>> weights = [np.array([[1.0]]), np.array([[2.0]])]
>>> dl.loss(weights, np.array([[3.0]]))
0.5
"""

from importlib import import_module as _import_module
from inspect import isclass as _isclass
from inspect import isfunction as _isfunction

__version__ = "0.1.0"

#: The modules of the mathematics, each one concept (CONTRIBUTING.md).
_MODULES = (
    "errors", "network", "objective", "losses", "trajectory", "flow", "adjacency_flow", "product_flow", "descent",
    "large_steps",
    "invariants", "init", "data", "modes", "unbalanced", "aligned", "incremental", "sensing", "curves", "rates",
    "lazy_rich", "lambda_balanced", "diagonal",
    "quotient", "critical", "fibres", "curvature", "classification", "orbits", "manifolds", "escape",
    "escape_times", "rays", "scalar", "weight_decay", "resnet", "convolution",
)


#: Part IV's modules: imported (``dl.sensing``, ...) but not re-exported at the top level.
_EXTENSIONS = ("sensing", "lazy_rich", "lambda_balanced", "diagonal", "weight_decay", "resnet", "convolution")


def _exported(obj: object) -> bool:
    """Functions and exceptions reach the top level; result types stay in their module."""
    return _isfunction(obj) or (_isclass(obj) and issubclass(obj, Exception))


__all__: list[str] = []
for _name in _MODULES:
    _module = _import_module(f".{_name}", __name__)
    for _public in () if _name in _EXTENSIONS else _module.__all__:
        _obj = getattr(_module, _public)
        if _exported(_obj):
            globals()[_public] = _obj
            __all__.append(_public)
__all__.sort()

from . import exercises, explore, plots  # noqa: E402, F401  (the three layers above the mathematics)

del _name, _module, _public, _obj
