"""deeplinear: the library behind the book on gradient flows of deep linear networks.

Conventions (used everywhere in the book): depth ``h`` is the number of weight matrices;
widths ``d = (d_0, ..., d_h)``; ``W_i`` has shape ``(d_i, d_{i-1})``; weights are passed as a
list ``[W_1, ..., W_h]``; the end-to-end map is ``W_h ... W_1``; the loss is
``1/2 ||Sigma - W_h ... W_1||_F^2``; the adjacency matrix is ``A = blk_1(W_1, ..., W_h)``
and the target ``E = blk_h(Sigma)``.

Each module holds one concept and declares its public names in ``__all__``; this package
re-exports all of them, so chapters write ``import deeplinear as dl`` and ``dl.<name>``.
Figures live in ``deeplinear.plots`` and explorers in ``deeplinear.explore`` (both also
re-exported).
"""

from importlib import import_module as _import_module

from .classification import *  # noqa: F403
from .critical import *  # noqa: F403
from .curvature import *  # noqa: F403
from .data import *  # noqa: F403
from .descent import *  # noqa: F403
from .escape import *  # noqa: F403
from .exercises import *  # noqa: F403
from .explore import *  # noqa: F403
from .fibres import *  # noqa: F403
from .flow import *  # noqa: F403
from .init import *  # noqa: F403
from .invariants import *  # noqa: F403
from .losses import *  # noqa: F403
from .modes import *  # noqa: F403
from .network import *  # noqa: F403
from .objective import *  # noqa: F403
from .orbits import *  # noqa: F403
from .plots import *  # noqa: F403
from .product_flow import *  # noqa: F403
from .rays import *  # noqa: F403
from .scalar import *  # noqa: F403
from .trajectory import *  # noqa: F403

__version__ = "0.1.0"

# Some functions share their module's name (``explore``), so the modules are looked up by
# import rather than as attributes of the package.
_MODULES = ("classification", "critical", "curvature", "data", "descent", "escape", "exercises", "explore",
            "fibres", "flow", "init", "invariants", "losses", "modes", "network", "objective", "orbits", "plots",
            "product_flow", "rays", "scalar", "trajectory")
__all__ = sorted({name for m in _MODULES for name in _import_module(f".{m}", __name__).__all__})
