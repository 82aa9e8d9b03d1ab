"""Input checks shared by the whole library.

Every public function validates what it is given and raises an error that names the
argument and echoes the bad value, so that a reader who mistypes a shape in a live cell
learns what went wrong instead of receiving a NaN or a broadcasting error.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

__all__ = [
    "as_weights",
    "as_matrix",
    "as_widths",
    "as_depth",
    "as_positive",
    "as_real",
    "widths_of",
    "check_sigma",
    "as_int",
    "as_rng",
    "as_time_span",
]


def _short(value: object) -> str:
    """A short repr of a value for an error message."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def as_matrix(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a finite 2-D float array or raise naming ``name``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real matrix, got {_short(value)}") from exc
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got an array of shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} has a non-finite entry {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        )
    return arr


def as_weights(weights: object, name: str = "weights") -> list[np.ndarray]:
    """Validate a list ``[W_1, ..., W_h]`` with ``W_i`` of shape ``(d_i, d_{i-1})``.

    Raises
    ------
    TypeError
        If ``weights`` is not a sequence of matrices.
    ValueError
        If the list is empty, an entry is not finite, or consecutive shapes do not chain.
    """
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        raise TypeError(f"{name} must be a list [W_1, ..., W_h] of matrices, got a single array of shape {weights.shape}")
    if not isinstance(weights, Sequence) or isinstance(weights, (str, bytes)):
        raise TypeError(f"{name} must be a list [W_1, ..., W_h] of matrices, got {_short(weights)}")
    if len(weights) < 1:
        raise ValueError(f"{name} must hold at least one matrix (depth h >= 1), got an empty list")
    mats = [as_matrix(w, f"{name}[{i}] (W_{i + 1})") for i, w in enumerate(weights)]
    for i in range(1, len(mats)):
        if mats[i].shape[1] != mats[i - 1].shape[0]:
            raise ValueError(
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
        raise TypeError(f"{name} must be a sequence of integers (d_0, ..., d_h), got {_short(widths)}")
    out = []
    for i, d in enumerate(widths):
        if isinstance(d, bool) or not isinstance(d, (Integral, np.integer)):
            if isinstance(d, (Real, np.floating)) and float(d).is_integer() and not isinstance(d, bool):
                d = int(d)
            else:
                raise TypeError(f"{name}[{i}] must be an integer, got {_short(d)}")
        if int(d) < 1:
            raise ValueError(f"{name}[{i}] must be a positive integer, got {int(d)}")
        out.append(int(d))
    if len(out) < 2:
        raise ValueError(f"{name} must have at least two entries (depth h >= 1), got {_short(widths)}")
    return tuple(out)


def as_depth(h: object, name: str = "h") -> int:
    """Validate a depth ``h >= 1``."""
    if isinstance(h, bool) or not isinstance(h, (Integral, np.integer)):
        raise TypeError(f"{name} (the depth) must be an integer, got {_short(h)}")
    if int(h) < 1:
        raise ValueError(f"{name} (the depth) must be >= 1, got {int(h)}")
    return int(h)


def as_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Validate a finite positive (or non-negative) real number."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {_short(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {v}")
    return v


def as_real(value: object, name: str) -> float:
    """Validate a finite real number (anything ``float`` accepts, e.g. a numpy scalar)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number, got {_short(value)}") from exc
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def check_sigma(Sigma: object, widths: Sequence[int], name: str = "Sigma") -> np.ndarray:
    """Validate a target ``Sigma`` of shape ``(d_h, d_0)`` for the given widths."""
    S = as_matrix(Sigma, name)
    expected = (widths[-1], widths[0])
    if S.shape != expected:
        raise ValueError(
            f"{name} has shape {S.shape} but the network maps R^{widths[0]} to R^{widths[-1]}, "
            f"so {name} must have shape {expected}"
        )
    return S


def as_int(value: object, name: str, *, minimum: int | None = None) -> int:
    """Validate an integer (``bool`` rejected), optionally ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        if isinstance(value, (Real, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {_short(value)}")
    if minimum is not None and int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {int(value)}")
    return int(value)


def as_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Validate an explicit random generator.

    Accepts a ``numpy.random.Generator`` or an integer seed (turned into
    ``numpy.random.default_rng(seed)``); never falls back to global random state.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (Integral, np.integer)) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy Generator such as np.random.default_rng(0) (or a non-negative "
        f"integer seed), got {_short(rng)}"
    )


def as_time_span(t_span: object, name: str = "t_span") -> tuple[float, float]:
    """Validate a time span ``(t0, t1)`` with finite ``t0 < t1``; a number ``T`` means ``(0, T)``."""
    if isinstance(t_span, (Real, np.floating, np.integer)) and not isinstance(t_span, bool):
        t_span = (0.0, float(t_span))
    try:
        t0, t1 = (float(v) for v in t_span)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a pair (t0, t1) of real numbers, got {_short(t_span)}") from exc
    if not (np.isfinite(t0) and np.isfinite(t1)):
        raise ValueError(f"{name} must be finite, got {_short(t_span)}")
    if not t1 > t0:
        raise ValueError(f"{name} = {_short(t_span)} must satisfy t0 < t1 (a positive duration)")
    return t0, t1


def frozen_array(value: object, dtype: type = float) -> np.ndarray:
    """A read-only copy, for the arrays held by the library's frozen result objects."""
    a = np.array(value, dtype=dtype, copy=True)
    a.setflags(write=False)
    return a


def as_positive_values(values: object, name: str = "singular_values") -> np.ndarray:
    """A non-empty 1-D array of positive finite numbers."""
    try:
        s = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers, got {values!r:.80}") from exc
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"{name} must be a non-empty 1-D list of positive finite numbers, got {values!r:.80}")
    return s
