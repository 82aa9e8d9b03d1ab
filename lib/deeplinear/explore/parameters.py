"""Explorer parameter specs: :class:`Range`, :class:`LogRange`, :class:`Choice`, :class:`Time`,
:class:`Fixed`, the validated grid they expand to (:class:`ExplorerParameter`), and the
shorthands ``(start, stop, step[, default])`` and ``[choice, ...]``.

A spec is validated when it is built; :func:`deeplinear.explore.explorer` resolves each spec
(or shorthand) with the name of its parameter into an :class:`ExplorerParameter`, the grid of
values one control moves through.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar, Literal

import numpy as np
from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["ExplorerParameter", "Range", "LogRange", "Choice", "Time", "Fixed"]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _real(value: object, where: str, what: str) -> float:
    """A finite real number, or a ValueError/TypeError naming ``where`` and the argument."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.integer, np.floating)):
        raise ArgumentTypeError(f"{where}: {what} must be a real number, got {_short(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidArgumentError(f"{where}: {what} must be finite, got {v}")
    return v


def _count(value: object, where: str, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise ArgumentTypeError(f"{where}: {what} must be an integer, got {_short(value)}")
    if int(value) < minimum:
        raise InvalidArgumentError(f"{where}: {what} must be at least {minimum}, got {int(value)}")
    return int(value)


def _tidy(x: float) -> float:
    """Round away floating-point noise such as 0.30000000000000004."""
    return float(f"{x:.12g}")


def _number_labels(values: Sequence[Any], fmt: str | None, where: str) -> tuple[str, ...]:
    """Labels for numeric values: ``fmt`` if given, else the fewest digits that tell them apart."""
    if fmt is not None:
        try:
            labels = tuple(format(v, fmt) for v in values)
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"{where}: format {fmt!r} does not apply to {values[0]!r}") from exc
        return labels
    if all(isinstance(v, (int, np.integer)) for v in values):
        return tuple(str(int(v)) for v in values)
    for digits in range(3, 13):
        labels = tuple(f"{v:.{digits}g}" for v in values)
        if len(set(labels)) == len(labels):
            return labels
    return tuple(repr(v) for v in values)


def _grid_index(values: Sequence[float], default: float, tol: float) -> int | None:
    diffs = [abs(v - default) for v in values]
    i = int(np.argmin(diffs))
    return i if diffs[i] <= tol else None


def _off_grid(where: str, default: object, values: Sequence[Any], spec: str) -> InvalidArgumentError:
    if isinstance(default, (Real, np.floating)) and not isinstance(default, bool):
        near = sorted(values, key=lambda v: abs(v - float(default)))[:2]
        hint = f" (nearest grid values: {', '.join(repr(v) for v in sorted(near))})"
    else:
        hint = f" (choices: {', '.join(_short(v) for v in values[:8])}{', ...' if len(values) > 8 else ''})"
    return InvalidArgumentError(f"{where}: default {_short(default)} is not a value of {spec}{hint}")


@dataclass(frozen=True)
class ExplorerParameter:
    """A validated explorer parameter: the grid of values one control moves through.

    Not built directly: every spec's ``resolve(name)`` returns one, and an explorer keeps its
    controlled parameters in ``Explorer.parameters``. Besides the fields below it has the
    properties ``default`` (the default value) and ``size`` (the number of grid values), and the
    method ``index_of(value)``, the position of a grid value (a :class:`ValueError` naming the
    parameter if ``value`` is not on the grid).

    Attributes
    ----------
    name : str
        Keyword passed to ``plot_fn``.
    label : str
        Text of the control's label (defaults to ``name``).
    kind : {"range", "log", "choice", "time", "fixed"}
        Which spec produced it; ``"time"`` gets a play button, ``"choice"`` a drop-down,
        ``"fixed"`` no control at all.
    values : tuple
        The grid values, in control order.
    labels : tuple of str
        The text shown for each value (read-outs, options, alt text).
    default_index : int
        Position of the default value in ``values``.
    interval_ms : int
        Time between steps while playing (``"time"`` only).
    loop : bool
        Whether playing wraps around at the end (``"time"`` only).

    Examples
    --------
    >>> p = dl.explore.Range(1, 5, 2).resolve("n")
    >>> p.values, p.labels, p.default
    ((1, 3, 5), ('1', '3', '5'), 3)
    >>> p.size, p.index_of(5)
    (3, 2)
    """

    name: str
    label: str
    kind: Literal["range", "log", "choice", "time", "fixed"]
    values: tuple[Any, ...]
    labels: tuple[str, ...]
    default_index: int
    interval_ms: int = 0
    loop: bool = False

    @property
    def default(self) -> Any:
        """The default value."""
        return self.values[self.default_index]

    @property
    def size(self) -> int:
        """Number of grid values."""
        return len(self.values)

    def index_of(self, value: object) -> int:
        """Position of ``value`` in the grid, or a ValueError naming the parameter."""
        if self.kind in ("range", "log", "time") and isinstance(value, (Real, np.integer, np.floating)):
            scale = max(abs(v) for v in self.values) or 1.0
            i = _grid_index(self.values, float(value), 1e-9 * scale)
            if i is not None:
                return i
        else:
            for i, v in enumerate(self.values):
                if _same(v, value):
                    return i
        raise InvalidArgumentError(f"parameter {self.name!r}: {_short(value)} is not one of its grid values "
                         f"{list(self.labels)}")


def _same(a: object, b: object) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # e.g. comparing arrays of different shapes
        return False


_Grid = tuple[tuple[Any, ...], tuple[str, ...], int]  # values, labels, index of the default


class _GridSpec:
    """Validation when built, for the specs with a grid: ``_expand`` checks the arguments and
    computes the grid, once; errors start with the class name (``"Range: step must be
    positive, got 0.0"``), since a spec does not know the parameter it will be given to."""

    _kind: ClassVar[Literal["range", "log", "choice", "time"]]
    label: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_grid", self._expand(type(self).__name__))

    def _expand(self, where: str) -> _Grid:
        raise NotImplementedError

    def resolve(self, name: str) -> ExplorerParameter:
        """Expand to the :class:`ExplorerParameter` called ``name`` (validated when built)."""
        values, labels, index = self._grid  # type: ignore[attr-defined]
        return ExplorerParameter(name, self.label or name, self._kind, values, labels, index)


@dataclass(frozen=True)
class Range(_GridSpec):
    """Evenly spaced values ``start, start + step, ..., stop`` (``stop`` included if on the grid).

    Parameters
    ----------
    start, stop, step : float
        ``stop > start`` and ``step > 0``, all finite. Integers give integer values.
    default : float, optional
        A grid value; defaults to the middle of the grid.
    label : str, optional
        Control label; defaults to the parameter name.
    fmt : str, optional
        Format spec for the read-out, e.g. ``".2f"``; defaults to the fewest digits that
        tell neighbouring values apart.

    Raises
    ------
    ValueError
        When built with a non-finite bound, ``step <= 0``, ``stop <= start``, more than 100000
        values, a ``default`` that is not a grid value, or a ``fmt`` that does not apply; the
        message starts with ``Range:``, names the argument and echoes it.
    TypeError
        When a bound, the step or the default is not a real number.

    Notes
    -----
    The tuple ``(start, stop, step)`` (or ``(start, stop, step, default)``) means the same.

    Examples
    --------
    >>> p = dl.explore.Range(0.5, 2.0, 0.5).resolve("a")
    >>> p.values, p.default
    ((0.5, 1.0, 1.5, 2.0), 1.0)
    >>> dl.explore.Range(0, 1, 0)
    Traceback (most recent call last):
    ...
    deeplinear.errors.InvalidArgumentError: Range: step must be positive, got 0.0
    """

    start: float
    stop: float
    step: float
    default: float | None = None
    label: str | None = None
    fmt: str | None = None

    _kind = "range"

    def _expand(self, where: str) -> _Grid:
        start = _real(self.start, where, "start")
        stop = _real(self.stop, where, "stop")
        step = _real(self.step, where, "step")
        if step <= 0:
            raise InvalidArgumentError(f"{where}: step must be positive, got {step}")
        if not stop > start:
            raise InvalidArgumentError(
                f"{where}: empty range, stop ({stop}) must be greater than start ({start})"
            )
        n = int(math.floor((stop - start) / step + 1e-9)) + 1
        if n > 100_000:
            raise InvalidArgumentError(f"{where}: step {step} gives {n} values between {start} and {stop}")
        integral = all(isinstance(x, (Integral, np.integer)) and not isinstance(x, bool)
                       for x in (self.start, self.step))
        if integral:
            values: tuple[Any, ...] = tuple(int(self.start) + k * int(self.step) for k in range(n))
        else:
            values = tuple(_tidy(start + k * step) for k in range(n))
        if self.default is None:
            index = (n - 1) // 2
        else:
            default = _real(self.default, where, "default")
            found = _grid_index(values, default, 1e-6 * step)
            if found is None:
                raise _off_grid(where, self.default, values, f"Range(start={start:g}, stop={stop:g}, step={step:g})")
            index = found
        return values, _number_labels(values, self.fmt, where), index


@dataclass(frozen=True)
class LogRange(_GridSpec):
    """``num`` logarithmically spaced values from ``start`` to ``stop`` (both included).

    Parameters
    ----------
    start, stop : float
        ``0 < start < stop``, finite.
    num : int
        Number of values, at least 2.
    default : float, optional
        A grid value; defaults to the middle of the grid.
    label, fmt : str, optional
        As for :class:`Range`.

    Raises
    ------
    ValueError
        When built with a non-finite or non-positive ``start``, ``stop <= start``,
        ``num < 2``, or a ``default`` that is not a grid value; the message starts with
        ``LogRange:``, names the argument and echoes it.
    TypeError
        When a bound or the default is not a real number, or ``num`` is not an integer.

    Examples
    --------
    >>> p = dl.explore.LogRange(1e-3, 1e-1, 3).resolve("scale")
    >>> p.values, p.labels, p.default
    ((0.001, 0.01, 0.1), ('0.001', '0.01', '0.1'), 0.01)
    """

    start: float
    stop: float
    num: int
    default: float | None = None
    label: str | None = None
    fmt: str | None = None

    _kind = "log"

    def _expand(self, where: str) -> _Grid:
        start = _real(self.start, where, "start")
        stop = _real(self.stop, where, "stop")
        num = _count(self.num, where, "num", 2)
        if start <= 0:
            raise InvalidArgumentError(f"{where}: start must be positive on a log scale, got {start}")
        if not stop > start:
            raise InvalidArgumentError(
                f"{where}: empty range, stop ({stop}) must be greater than start ({start})"
            )
        values = tuple(_tidy(float(v)) for v in np.geomspace(start, stop, num))
        if self.default is None:
            index = (num - 1) // 2
        else:
            default = _real(self.default, where, "default")
            found = _grid_index(values, default, 1e-6 * abs(default)) if default > 0 else None
            if found is None:
                raise _off_grid(where, self.default, values, f"LogRange(start={start:g}, stop={stop:g}, num={num})")
            index = found
        return values, _number_labels(values, self.fmt, where), index


@dataclass(frozen=True)
class Choice(_GridSpec):
    """A list of values (numbers, strings, anything ``plot_fn`` accepts), shown as a drop-down.

    Parameters
    ----------
    values : sequence
        At least one value, no duplicates; numbers must be finite.
    default : optional
        One of ``values``; defaults to the first.
    label : str, optional
        Control label; defaults to the parameter name.
    labels : sequence of str, optional
        Text for each value; defaults to ``str(value)`` (numbers: fewest distinguishing digits).

    Raises
    ------
    ValueError
        When built with no values, duplicate or non-finite values, a number of ``labels``
        different from the number of values, labels that are not distinct, or a ``default``
        that is not one of ``values``; the message starts with ``Choice:`` and echoes the value.
    TypeError
        When ``values`` is not a list (or tuple, or array) of values, e.g. a string.

    Notes
    -----
    A plain list ``[2, 3, 4]`` means ``Choice((2, 3, 4))``.

    Examples
    --------
    >>> p = dl.explore.Choice(["relu", "linear"], label="activation").resolve("act")
    >>> p.kind, p.label, p.default
    ('choice', 'activation', 'relu')
    """

    values: tuple[Any, ...]
    default: Any = None
    label: str | None = None
    labels: tuple[str, ...] | None = None

    _kind = "choice"

    def _expand(self, where: str) -> _Grid:
        if isinstance(self.values, (str, bytes)) or not isinstance(self.values, (Sequence, np.ndarray)):
            raise ArgumentTypeError(f"{where}: values must be a list of values, got {_short(self.values)}")
        values = tuple(self.values)
        if not values:
            raise InvalidArgumentError(f"{where}: values must be a non-empty list of choices, got {_short(self.values)}")
        for v in values:
            if isinstance(v, (Real, np.floating)) and not isinstance(v, bool) and not math.isfinite(float(v)):
                raise InvalidArgumentError(f"{where}: choices must be finite, got {v}")
        for i, a in enumerate(values):
            for b in values[:i]:
                if _same(a, b):
                    raise InvalidArgumentError(f"{where}: duplicate choice {_short(a)}")
        if self.labels is not None:
            labels = tuple(str(s) for s in self.labels)
            if len(labels) != len(values):
                raise InvalidArgumentError(
                    f"{where}: {len(labels)} labels for {len(values)} choices"
                )
        elif all(isinstance(v, (Real, np.integer, np.floating)) and not isinstance(v, bool) for v in values):
            labels = _number_labels(values, None, where)
        else:
            labels = tuple(str(v) for v in values)
        if len(set(labels)) != len(labels):
            raise InvalidArgumentError(f"{where}: choice labels must be distinct, got {list(labels)}")
        if self.default is None:
            index = 0
        else:
            found = [i for i, v in enumerate(values) if _same(v, self.default)]
            if not found:
                raise _off_grid(where, self.default, values, "the choices")
            index = found[0]
        return values, labels, index


@dataclass(frozen=True)
class Time(_GridSpec):
    """Flow time: ``num`` evenly spaced instants, with a play/pause button and a scrub slider.

    Parameters
    ----------
    start, stop : float
        ``stop > start``, finite.
    num : int
        Number of instants (frames), at least 2.
    default : float, optional
        A grid instant; defaults to ``start``.
    label, fmt : str, optional
        As for :class:`Range`.
    interval_ms : int
        Milliseconds between frames while playing (10 to 10000).
    loop : bool
        Wrap around at the end instead of stopping.

    Raises
    ------
    ValueError
        When built with a non-finite bound, ``stop <= start``, ``num < 2``, ``interval_ms``
        outside 10 to 10000, or a ``default`` that is not a grid instant; the message starts
        with ``Time:``, names the argument and echoes it.
    TypeError
        When a bound or the default is not a real number, or ``num`` or ``interval_ms`` is not
        an integer.

    Notes
    -----
    An explorer has at most one time parameter. Pair it with ``prepare=`` so the trajectory
    is computed once per value of the other parameters, not once per instant.

    Examples
    --------
    >>> p = dl.explore.Time(0, 2, 5, interval_ms=100).resolve("t")
    >>> p.kind, p.values, p.interval_ms
    ('time', (0.0, 0.5, 1.0, 1.5, 2.0), 100)
    """

    start: float
    stop: float
    num: int
    default: float | None = None
    label: str | None = None
    fmt: str | None = None
    interval_ms: int = 150
    loop: bool = False

    _kind = "time"

    def _expand(self, where: str) -> _Grid:
        start = _real(self.start, where, "start")
        stop = _real(self.stop, where, "stop")
        num = _count(self.num, where, "num", 2)
        interval = _count(self.interval_ms, where, "interval_ms", 10)
        if interval > 10_000:
            raise InvalidArgumentError(f"{where}: interval_ms must be at most 10000, got {interval}")
        if not stop > start:
            raise InvalidArgumentError(
                f"{where}: empty time span, stop ({stop}) must be greater than start ({start})"
            )
        values = tuple(_tidy(float(v)) for v in np.linspace(start, stop, num))
        if self.default is None:
            index = 0
        else:
            default = _real(self.default, where, "default")
            found = _grid_index(values, default, 1e-6 * (stop - start) / (num - 1))
            if found is None:
                raise _off_grid(where, self.default, values, f"Time(start={start:g}, stop={stop:g}, num={num})")
            index = found
        return values, _number_labels(values, self.fmt, where), index

    def resolve(self, name: str) -> ExplorerParameter:
        """Expand to the :class:`ExplorerParameter` called ``name`` (validated when built)."""
        values, labels, index = self._grid  # type: ignore[attr-defined]
        return ExplorerParameter(name, self.label or name, "time", values, labels, index,
                                 interval_ms=int(self.interval_ms), loop=bool(self.loop))


@dataclass(frozen=True)
class Fixed:
    """A constant passed to ``plot_fn`` unchanged, with no control (e.g. a target ``Sigma``).

    Parameters
    ----------
    value : object
        The value passed to ``plot_fn`` at every frame; it is not validated.

    Examples
    --------
    >>> def plot(a, Sigma, fig):
    ...     fig.add_subplot().plot([0, 1], [0, a * Sigma[0, 0]])
    >>> ex = dl.explore.explorer(plot, a=[1, 2], Sigma=dl.explore.Fixed(np.eye(2)))
    >>> [p.name for p in ex.parameters], list(ex.fixed)
    (['a'], ['Sigma'])
    """

    value: Any

    def resolve(self, name: str) -> ExplorerParameter:
        """Wrap as a one-value :class:`ExplorerParameter` of kind ``"fixed"``."""
        return ExplorerParameter(name, name, "fixed", (self.value,), (_short(self.value),), 0)


Spec = Range | LogRange | Choice | Time | Fixed


def _named(name: str, cls: type[Range] | type[Choice], *args: Any) -> Range | Choice:
    """``cls(*args)`` for a shorthand, its validation errors naming the parameter, not the class."""
    try:
        return cls(*args)
    except (TypeError, ValueError) as exc:
        detail = str(exc).removeprefix(f"{cls.__name__}: ")
        raise type(exc)(f"parameter {name!r}: {detail}") from None


def _as_spec(name: str, spec: object) -> Spec:
    """Interpret the shorthands: (start, stop, step[, default]) tuples and lists."""
    if isinstance(spec, (Range, LogRange, Choice, Time, Fixed)):
        return spec
    if isinstance(spec, tuple):
        if len(spec) in (3, 4):
            return _named(name, Range, *spec)
        raise InvalidArgumentError(
            f"parameter {name!r}: a tuple means (start, stop, step) or (start, stop, step, default), "
            f"got {len(spec)} entries {_short(spec)}; use a list for choices"
        )
    if isinstance(spec, list):
        return _named(name, Choice, tuple(spec))
    if isinstance(spec, np.ndarray) and spec.ndim == 1:
        return _named(name, Choice, tuple(spec.tolist()))
    raise ArgumentTypeError(
        f"parameter {name!r}: expected (start, stop, step), a list of choices, LogRange, Time or "
        f"Fixed, got {_short(spec)}"
    )
