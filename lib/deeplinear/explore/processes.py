"""Drawing a static explorer's missing frames in forked worker processes.

The book's build draws every grid point of every explorer; the grid is cut into contiguous
chunks (neighbouring grid points share the cached ``prepare`` result), one per process.

``PROCESSES_ENV_VAR`` is the constant ``"DEEPLINEAR_EXPLORER_PROCESSES"``: the name of the
environment variable that sets the number of processes (default: the usable CPUs; ``1``:
this process only, where side effects of ``plot_fn`` are then visible). A value that is not
a positive integer makes drawing the frames raise a :class:`ValueError`. Fewer than 8
missing frames are always drawn in this process, and if a worker fails the frames are drawn
here so that the error is reported where it happened.

.. rubric:: Examples

>>> dl.explore.processes.PROCESSES_ENV_VAR
'DEEPLINEAR_EXPLORER_PROCESSES'
"""

from __future__ import annotations

import os
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .options import ExplorerFrame
from ..errors import InvalidArgumentError

if TYPE_CHECKING:
    from .core import ExplorerBase

__all__ = ["PROCESSES_ENV_VAR"]

PROCESSES_ENV_VAR = "DEEPLINEAR_EXPLORER_PROCESSES"
"""How many processes draw a static explorer's frames (default: the usable CPUs; ``1``: this
process only). Grids of fewer than ``_PARALLEL_MIN_FRAMES`` missing frames are drawn here."""

_PARALLEL_MIN_FRAMES = 8


_FORKED_EXPLORER: ExplorerBase | None = None  # inherited by the forked workers, never pickled


def _worker_count() -> int:
    raw = os.environ.get(PROCESSES_ENV_VAR, "").strip()
    if not raw:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise InvalidArgumentError(f"{PROCESSES_ENV_VAR} must be a positive integer, got {raw!r}")
    return n


def _render_chunk(keys: list[tuple[int, ...]]) -> list[dict[str, Any]]:
    assert _FORKED_EXPLORER is not None
    out = []
    for key in keys:
        frame = _FORKED_EXPLORER._render(key)
        fields = {f: getattr(frame, f) for f in frame.__dataclass_fields__}
        fields["params"] = dict(frame.params)  # a mappingproxy does not pickle
        out.append(fields)
    return out


def _render_in_processes(explorer: ExplorerBase, keys: list[tuple[int, ...]]) -> list[ExplorerFrame]:
    """Draw ``keys`` in forked worker processes, in contiguous chunks (neighbouring grid points
    share the cached ``prepare`` result); ``[]`` when one process should do it, so the caller
    draws them itself (also when a worker fails: the error then shows in this process)."""
    global _FORKED_EXPLORER
    import multiprocessing

    n = min(_worker_count(), len(keys) // (_PARALLEL_MIN_FRAMES // 2))
    if n < 2 or len(keys) < _PARALLEL_MIN_FRAMES or "fork" not in multiprocessing.get_all_start_methods():
        return []
    size = -(-len(keys) // n)
    chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
    _FORKED_EXPLORER = explorer
    try:
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            results = pool.map(_render_chunk, chunks)
    except Exception:  # noqa: BLE001 - fall back to drawing here, where an error is reported properly
        return []
    finally:
        _FORKED_EXPLORER = None
    return [ExplorerFrame(**dict(fields, params=MappingProxyType(fields["params"])))
            for chunk in results for fields in chunk]
