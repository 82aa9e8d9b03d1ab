"""Private: the events of :func:`deeplinear.flow.gradient_flow` (parsing the ``events`` argument and
building the event functions on the flat state).

The functions receive the flow's functions object ``fns`` (attributes ``packer``, ``loss_of`` and
``loss_and_gnorm2``), so this module imports nothing from :mod:`deeplinear.flow`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ArgumentTypeError, InvalidArgumentError
from ._validation import as_positive
from .trajectory import Event


def _parse_events(events: object) -> list[tuple[str, dict]]:
    """Normalise ``events`` to a list of (kind, options); kind is a built-in name or 'custom'."""
    if events is None:
        return []
    if isinstance(events, str) or isinstance(events, Event) or callable(events):
        events = (events,)
    if isinstance(events, Mapping):
        items = list(events.items())
    elif isinstance(events, Sequence):
        items = []
        for e in events:
            if isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], str) and isinstance(e[1], Mapping):
                items.append(e)
            else:
                items.append((e, {}))
    else:
        raise ArgumentTypeError(f"events must be a name, an Event, a callable, or a sequence/dict of them, got {events!r:.80}")
    out = []
    for key, opts in items:
        if opts is None:
            opts = {}
        if not isinstance(opts, Mapping):
            raise ArgumentTypeError(f"options for event {key!r} must be a dict, got {opts!r:.80}")
        if isinstance(key, str):
            allowed = {"convergence": {"loss_tol", "grad_tol"}, "plateau": {"threshold"}, "blowup": {"bound"}}
            if key not in allowed:
                raise InvalidArgumentError(f"unknown event name {key!r}; built-in events are {sorted(allowed)} (or pass an Event or a callable)")
            unknown = set(opts) - allowed[key]
            if unknown:
                raise InvalidArgumentError(f"event {key!r} does not take options {sorted(unknown)}; it takes {sorted(allowed[key])}")
            out.append((key, dict(opts)))
        elif isinstance(key, Event):
            out.append(("custom", {"event": key}))
        elif callable(key):
            name = getattr(key, "__name__", "event")
            out.append(("custom", {"event": Event(name, key, bool(getattr(key, "terminal", False)), float(getattr(key, "direction", 0.0)))}))
        else:
            raise ArgumentTypeError(f"event {key!r:.60} is neither a built-in name, an Event nor a callable")
    return out


@dataclass
class _EventSet:
    """The ``solve_ivp`` event functions with their recorded names and kinds."""

    functions: list = field(default_factory=list)
    names: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    initial_records: dict = field(default_factory=dict)  # events that already hold at t0
    immediate_stop: tuple[str, str] | None = None  # (status, message) when t0 already converged

    def add(self, function: Callable, name: str, kind: str, terminal: bool, direction: float) -> None:
        function.terminal, function.direction = terminal, direction
        self.functions.append(function)
        self.names.append(name)
        self.kinds.append(kind)


def _add_convergence(evset: _EventSet, opts: dict, fns: Any, t0: float, y0: np.ndarray) -> None:
    loss_tol = as_positive(opts.get("loss_tol", 1e-12), "loss_tol", allow_zero=True)
    grad_tol = opts.get("grad_tol")
    grad_tol = None if grad_tol is None else as_positive(grad_tol, "grad_tol")

    def conv(t, y, loss_tol=loss_tol, grad_tol=grad_tol):
        if grad_tol is None:
            return fns.loss_of(y) - loss_tol
        L, g2 = fns.loss_and_gnorm2(t, y)
        return min(L - loss_tol, np.sqrt(g2) - grad_tol)

    evset.add(conv, "convergence", "convergence", True, -1.0)
    if conv(t0, y0) <= 0:
        evset.initial_records.setdefault("convergence", []).append(t0)
        evset.immediate_stop = ("converged", f"converged at t = {t0:g}: the initial point already meets the convergence criterion")


def _add_plateau(evset: _EventSet, opts: dict, fns: Any, t0: float, y0: np.ndarray) -> None:
    thr = as_positive(opts.get("threshold", 0.1), "threshold")

    def plat(t, y, thr=thr):
        L, g2 = fns.loss_and_gnorm2(t, y)
        return g2 - thr * L

    evset.add(lambda t, y, f=plat: f(t, y), "plateau_entry", "plateau", False, -1.0)
    evset.add(lambda t, y, f=plat: f(t, y), "plateau_exit", "plateau", False, 1.0)
    if plat(t0, y0) < 0:
        evset.initial_records.setdefault("plateau_entry", []).append(t0)


def _add_blowup(evset: _EventSet, opts: dict, fns: Any, t0: float, y0: np.ndarray) -> None:
    bound = as_positive(opts.get("bound", 1e6), "bound")

    def blow(t, y, bound=bound):
        norm = max(float(np.linalg.norm(w)) for w in fns.packer.unpack(y))
        # past an overflow the root finder must still see the sign change, not nan
        return bound - norm if np.isfinite(norm) else -bound

    evset.add(blow, "blowup", "blowup", True, -1.0)
    if blow(t0, y0) <= 0:
        raise InvalidArgumentError(f"the initial weights already exceed the blow-up bound {bound:g}")


def _add_custom(evset: _EventSet, opts: dict, fns: Any, t0: float, y0: np.ndarray) -> None:
    ev: Event = opts["event"]

    def custom(t, y, ev=ev):
        return float(ev.function(t, [w.copy() for w in fns.packer.unpack(y)]))

    evset.add(custom, ev.name, "custom", bool(ev.terminal), float(ev.direction))


_EVENT_BUILDERS = {"convergence": _add_convergence, "plateau": _add_plateau, "blowup": _add_blowup, "custom": _add_custom}


def _build_events(parsed: list[tuple[str, dict]], fns: Any, t0: float, y0: np.ndarray) -> _EventSet:
    """The ``solve_ivp`` events of the parsed ``events`` argument, in the order given."""
    evset = _EventSet()
    for kind, opts in parsed:
        _EVENT_BUILDERS[kind](evset, opts, fns, t0, y0)
    return evset

