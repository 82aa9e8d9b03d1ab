"""Input checks shared by the whole library.

Every public function validates what it is given and raises an error that names the
argument and echoes the bad value, so that a reader who mistypes a shape in a live cell
learns what went wrong instead of receiving a NaN or a broadcasting error. The errors are
the library's own (:mod:`deeplinear.errors`): :class:`InvalidArgumentError` (a
``ValueError``) for a bad value or shape, :class:`ArgumentTypeError` (a ``TypeError``) for a
bad type (complex numbers, strings, ``None``, a float where an index is needed), and
:class:`NonFiniteResultError` (a ``FloatingPointError``) when finite inputs overflow inside a
computation (:func:`finite_result`). Checks run once, at the public boundary, never inside an
integrator's right-hand side.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

from .errors import ArgumentTypeError, InvalidArgumentError, NonFiniteResultError

__all__ = [
    "as_weights",
    "as_matrix",
    "as_real_array",
    "as_vector",
    "as_widths",
    "as_depth",
    "as_positive",
    "as_real",
    "widths_of",
    "check_sigma",
    "as_int",
    "as_index",
    "as_seeds",
    "as_rng",
    "as_time_span",
    "finite_result",
]


#: Floats up to 2**53 hold integers exactly; a larger float is no count or width.
_EXACT = 2.0**53


def _short(value: object) -> str:
    """A short repr of a value for an error message."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _is_number(value: object) -> bool:
    """A real number: Python or numpy int or float (``bool`` and complex excluded)."""
    return isinstance(value, (Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))


def as_real_array(value: object, name: str, *, ndim: int | None = None, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a finite real float array or raise naming ``name``.

    Complex input is rejected (never cast with a ``ComplexWarning``), as are strings, ``None``
    and ragged nesting; ``ndim`` fixes the number of dimensions; an empty array is rejected
    unless ``allow_empty``.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be a real array, got {_short(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"{name} must be a real array, got {_short(value)}") from exc
    if raw.dtype.kind == "c" or (raw.dtype == object and any(isinstance(v, complex) for v in raw.flat)):
        raise ArgumentTypeError(f"{name} must be real, got a complex array {_short(value)}")
    if raw.dtype.kind in "USVMm":
        raise ArgumentTypeError(f"{name} must be a real array, got {_short(value)}")
    try:
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"{name} must be a real array, got {_short(value)}") from exc
    if ndim is not None and arr.ndim != ndim:
        kind = {0: "a number", 1: "1-D", 2: "2-D"}.get(ndim, f"{ndim}-D")
        raise InvalidArgumentError(f"{name} must be {kind}, got an array of shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise InvalidArgumentError(f"{name} must not be empty, got an array of shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = f" at index {tuple(int(i) for i in bad)}" if arr.ndim else ""
        raise InvalidArgumentError(f"{name} has a non-finite entry {arr[tuple(bad)]}{where}; expected finite numbers")
    return arr


def as_matrix(value: object, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a finite, real, non-empty 2-D float array or raise naming ``name``."""
    return as_real_array(value, name, ndim=2, allow_empty=allow_empty)


def as_vector(value: object, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a finite, real, non-empty 1-D float array or raise naming ``name``."""
    return as_real_array(value, name, ndim=1, allow_empty=allow_empty)


def as_weights(weights: object, name: str = "weights") -> list[np.ndarray]:
    """Validate a list ``[W_1, ..., W_h]`` with ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    ArgumentTypeError
        If ``weights`` is not a sequence of real matrices.
    InvalidArgumentError
        If the list is empty, a layer is empty (a zero width), an entry is not finite, or
        consecutive shapes do not chain.
    """
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        raise ArgumentTypeError(f"{name} must be a list [W_1, ..., W_h] of matrices, got a single array of shape {weights.shape}")
    if not isinstance(weights, Sequence) or isinstance(weights, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be a list [W_1, ..., W_h] of matrices, got {_short(weights)}")
    if len(weights) < 1:
        raise InvalidArgumentError(f"{name} must hold at least one matrix (depth h >= 1), got an empty list")
    mats = []
    for i, w in enumerate(weights):
        label = f"{name}[{i}] (W_{i + 1})"
        m = as_matrix(w, label, allow_empty=True)
        if m.size == 0:
            raise InvalidArgumentError(
                f"{label} has shape {m.shape}: every layer needs at least one row and one column "
                f"(widths d_i >= 1)"
            )
        mats.append(m)
    for i in range(1, len(mats)):
        if mats[i].shape[1] != mats[i - 1].shape[0]:
            raise InvalidArgumentError(
                f"{name}: W_{i + 1} has shape {mats[i].shape} but W_{i} has shape {mats[i - 1].shape}; "
                f"W_{i + 1} must have {mats[i - 1].shape[0]} columns"
            )
    return mats


def widths_of(weights: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The widths ``(d_0, ..., d_h)`` of validated weights."""
    return (int(weights[0].shape[1]),) + tuple(int(w.shape[0]) for w in weights)


def as_widths(widths: object, name: str = "widths") -> tuple[int, ...]:
    """Validate widths ``(d_0, ..., d_h)``: at least two positive integers (depth ``h >= 1``)."""
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
        raise ArgumentTypeError(f"{name} must be a sequence of integers (d_0, ..., d_h), got {_short(widths)}")
    if isinstance(widths, np.ndarray) and widths.ndim != 1:
        raise InvalidArgumentError(f"{name} must be a flat sequence of integers (d_0, ..., d_h), got shape {widths.shape}")
    out = []
    for i, d in enumerate(widths):
        if not _is_number(d) or (not isinstance(d, (Integral, np.integer)) and not (abs(float(d)) <= _EXACT and float(d).is_integer())):
            raise ArgumentTypeError(f"{name}[{i}] must be an integer, got {_short(d)}")
        if int(d) < 1:
            raise InvalidArgumentError(f"{name}[{i}] must be a positive integer, got {int(d)}")
        out.append(int(d))
    if len(out) < 2:
        raise InvalidArgumentError(f"{name} must have at least two entries (depth h >= 1), got {_short(widths)}")
    return tuple(out)


def as_depth(h: object, name: str = "h") -> int:
    """Validate a depth ``h >= 1`` (a Python or numpy integer)."""
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, (Integral, np.integer)):
        raise ArgumentTypeError(f"{name} (the depth) must be an integer, got {_short(h)}")
    if int(h) < 1:
        raise InvalidArgumentError(f"{name} (the depth) must be >= 1, got {int(h)}")
    return int(h)


def as_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Validate a finite positive (or non-negative) real number (Python or numpy int or float)."""
    if not _is_number(value):
        raise ArgumentTypeError(f"{name} must be a real number, got {_short(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise InvalidArgumentError(f"{name} must be finite, got {v}")
    if v < 0 or (v == 0 and not allow_zero):
        raise InvalidArgumentError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {v}")
    return v


def as_real(value: object, name: str) -> float:
    """Validate a finite real number: a Python or numpy int or float, or a 0-d real array."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if not _is_number(value):
        raise ArgumentTypeError(f"{name} must be a real number, got {_short(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise InvalidArgumentError(f"{name} must be finite, got {v}")
    return v


def check_sigma(Sigma: object, widths: Sequence[int], name: str = "Sigma") -> np.ndarray:
    """Validate a target ``Sigma`` of shape ``(d_h, d_0)`` for the given widths."""
    S = as_matrix(Sigma, name, allow_empty=True)
    expected = (widths[-1], widths[0])
    if S.shape != expected:
        raise InvalidArgumentError(
            f"{name} has shape {S.shape} but the network maps R^{widths[0]} to R^{widths[-1]}, "
            f"so {name} must have shape {expected}"
        )
    return S


def as_int(value: object, name: str, *, minimum: int | None = None) -> int:
    """Validate an integer count (``bool`` rejected; a float equal to an integer accepted).

    For an index into a list or a matrix use :func:`as_index`, which rejects every float.
    """
    if not _is_number(value):
        raise ArgumentTypeError(f"{name} must be an integer, got {_short(value)}")
    if not isinstance(value, (Integral, np.integer)):
        if not (abs(float(value)) <= _EXACT and float(value).is_integer()):
            raise ArgumentTypeError(f"{name} must be an integer, got {_short(value)}")
        value = int(value)
    if minimum is not None and int(value) < minimum:
        raise InvalidArgumentError(f"{name} must be an integer >= {minimum}, got {int(value)}")
    return int(value)


def as_index(value: object, name: str, low: int, high: int) -> int:
    """Validate an index ``low <= value <= high``: a Python or numpy integer, never a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Integral, np.integer)):
        raise ArgumentTypeError(f"{name} must be an integer index in [{low}, {high}], got {_short(value)}")
    if not low <= int(value) <= high:
        raise InvalidArgumentError(f"{name} must be an integer index in [{low}, {high}], got {int(value)}")
    return int(value)


def as_seeds(seeds: object, name: str = "seeds") -> tuple[int, ...]:
    """A non-empty sequence (or range) of non-negative integer seeds, as a tuple of ints."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Sequence, range, np.ndarray)):
        raise ArgumentTypeError(f"{name} must be a sequence of non-negative integer seeds such as (0, 1, 2), got {_short(seeds)}")
    out = tuple(as_int(x, f"{name}[{i}]", minimum=0) for i, x in enumerate(seeds))
    if not out:
        raise InvalidArgumentError(f"{name} must name at least one seed, got {_short(seeds)}")
    return out


def as_items(value: object, name: str, what: str = "items", *, allow_empty: bool = False) -> list:
    """A sequence (list, tuple, range or 1-D array; non-empty unless ``allow_empty``) as a list, or an error naming ``name``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, range, np.ndarray)) or (
            isinstance(value, np.ndarray) and value.ndim != 1):
        raise ArgumentTypeError(f"{name} must be a sequence of {what}, got {_short(value)}")
    out = list(value)
    if not out and not allow_empty:
        raise InvalidArgumentError(f"{name} must not be empty, got {_short(value)}")
    return out


def as_depths(depths: object, name: str = "depths") -> tuple[int, ...]:
    """A non-empty sequence of depths (integers ``>= 1``), as a tuple of ints."""
    hs = tuple(as_depth(h, f"{name}[{i}]")
               for i, h in enumerate(as_items(depths, name, "depths (integers >= 1)", allow_empty=True)))
    if not hs:
        raise InvalidArgumentError(f"{name} must name at least one depth, got {_short(depths)}")
    return hs


def as_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Validate an explicit random generator.

    Accepts a ``numpy.random.Generator`` or an integer seed (turned into
    ``numpy.random.default_rng(seed)``); never falls back to global random state.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (Integral, np.integer)) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise ArgumentTypeError(
        f"{name} must be a numpy Generator such as np.random.default_rng(0) (or a non-negative "
        f"integer seed), got {_short(rng)}"
    )


def as_time_span(t_span: object, name: str = "t_span") -> tuple[float, float]:
    """Validate a time span ``(t0, t1)`` with finite ``t0 < t1``; a number ``T`` means ``(0, T)``."""
    if _is_number(t_span):
        t_span = (0.0, t_span)
    if isinstance(t_span, (str, bytes)) or not isinstance(t_span, (Sequence, np.ndarray)) or len(t_span) != 2:
        raise ArgumentTypeError(f"{name} must be a pair (t0, t1) of real numbers, got {_short(t_span)}")
    t0, t1 = (as_real(v, name) for v in t_span)
    if not t1 > t0:
        raise InvalidArgumentError(f"{name} = {_short(t_span)} must satisfy t0 < t1 (a positive duration)")
    return t0, t1


def finite_result(value, function: str, argument: str):
    """Return ``value`` if every entry is finite, else raise :class:`NonFiniteResultError`.

    ``value`` is a number, an array or a list of arrays; the message names the public
    ``function`` and the ``argument`` whose size made the computation overflow. Call it once
    on a public function's answer, never inside an integrator's right-hand side.
    """
    parts = value if isinstance(value, (list, tuple)) else [value]
    with np.errstate(all="ignore"):
        ok = all(bool(np.all(np.isfinite(np.asarray(p, dtype=float)))) for p in parts)
    if not ok:
        raise NonFiniteResultError(
            f"{function}: the result overflowed to inf or NaN although the inputs are finite; "
            f"{argument} is too large for floating point (entries of order 1e150 and beyond "
            f"overflow in products)"
        )
    return value


def frozen_array(value: object, dtype: type = float) -> np.ndarray:
    """A read-only copy, for the arrays held by the library's frozen result objects."""
    a = np.array(value, dtype=dtype, copy=True)
    a.setflags(write=False)
    return a


def as_positive_values(values: object, name: str = "singular_values") -> np.ndarray:
    """A non-empty 1-D array of positive finite numbers."""
    if values is None or isinstance(values, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be a sequence of numbers, got {_short(values)}")
    if np.iscomplexobj(values):
        raise ArgumentTypeError(f"{name} must be real, got a complex array {_short(values)}")
    try:
        s = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"{name} must be a sequence of numbers, got {_short(values)}") from exc
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise InvalidArgumentError(f"{name} must be a non-empty 1-D list of positive finite numbers, got {_short(values)}")
    return s
