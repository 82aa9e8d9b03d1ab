"""What every exercise checker returns: :class:`CheckResult` (and helpers the checkers share).

The helpers ``random_networks`` (random small networks for the test cases), ``call_safely``
(call the reader's function and turn an exception into a message), ``answer_array`` (read the
reader's answer as a real array, or say why it is not one) and the decorator ``checker`` (every
checker answers any input with a :class:`CheckResult`, never a traceback) are private to the
checkers and not part of the public interface.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentTypeError

__all__ = ["CheckResult"]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of an exercise check: ``passed`` and a message for the reader.

    Every checker in :mod:`deeplinear.exercises` returns one. It is truthy exactly when the
    check passed, prints as ``"Correct: <message>"`` or ``"Not yet: <message>"``, and shows the
    same text in IPython and Jupyter.

    Attributes
    ----------
    passed : bool
        Whether the reader's function gave the right answer on every test case.
    message : str
        What was checked (on success) or, for the first case that is wrong, what was given and
        what was expected, often with a hint.

    Examples
    --------
    >>> result = dl.exercises.check_adjacency(dl.adjacency)
    >>> result.passed
    True
    >>> print(result)
    Correct: your adjacency matrix agrees with dl.adjacency on 6 random networks.
    >>> bool(dl.exercises.check_ray_loss(lambda a, sigma, h: (sigma - a**h) ** 2))
    False
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return ("Correct: " if self.passed else "Not yet: ") + self.message

    def _repr_pretty_(self, p, cycle) -> None:  # IPython display
        p.text(str(self))


def random_networks(rng: np.random.Generator, n: int) -> list[list[np.ndarray]]:
    nets = []
    for _ in range(n):
        h = int(rng.integers(1, 5))
        d = rng.integers(1, 5, size=h + 1)
        nets.append([rng.standard_normal((int(d[i + 1]), int(d[i]))) for i in range(h)])
    return nets


def call_safely(fn: Callable, *args):
    try:
        return fn(*args), None
    except Exception as exc:  # the reader's code: report, never propagate
        return None, f"your function raised {type(exc).__name__}: {exc}"




def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_complex(got: object) -> bool:
    if isinstance(got, (complex, np.complexfloating)):
        return True
    try:
        raw = np.asarray(got)
    except (TypeError, ValueError):  # ragged: look at the items
        return isinstance(got, (list, tuple)) and any(_is_complex(g) for g in got)
    return raw.dtype.kind == "c" or (raw.dtype == object and any(
        isinstance(v, (complex, np.complexfloating)) or (isinstance(v, (list, tuple, np.ndarray)) and _is_complex(v))
        for v in raw.flat))


def real_answer(got: object, what: str = "your answer", *, scalar: bool = False):
    """A reader's answer as a float array (``float`` if ``scalar``), rejecting complex values.

    A complex answer raises :class:`~deeplinear.errors.ArgumentTypeError` (a ``TypeError``)
    instead of being cast with a ``ComplexWarning`` that drops its imaginary part; anything else
    converts as ``np.asarray(got, dtype=float)`` (or ``float(got)``) does, errors included.
    """
    if _is_complex(got):
        raise ArgumentTypeError(f"{what} is complex ({_short(got)}); the answer is real")
    return float(got) if scalar else np.asarray(got, dtype=float)


def answer_array(got: object, what: str) -> tuple[np.ndarray | None, str]:
    """The reader's answer as a finite real float array, or ``(None, why it is not one)``."""
    if got is None:
        return None, f"{what} is None: did your function forget to return its result?"
    if isinstance(got, (str, bytes)):
        return None, f"{what} is the string {_short(got)}, not an array of numbers"
    try:
        raw = np.asarray(got)
        if raw.dtype.kind == "c" or (raw.dtype == object and any(isinstance(v, complex) for v in raw.flat)):
            return None, f"{what} is complex ({_short(got)}); the answer is real"
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        return None, f"{what} is {type(got).__name__} {_short(got)}, not an array of numbers"
    if not np.all(np.isfinite(arr)):
        return None, f"{what} has a non-finite entry (NaN or inf): {_short(got)}"
    return arr, ""


def checker(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Make a checker answer any input with a :class:`CheckResult` (never a traceback).

    A ``fn`` that is not callable is named; any error while checking the answer (an answer of
    a type the checker did not foresee) becomes the message instead of a traceback.
    """

    @functools.wraps(check)
    def wrapper(fn, *args, **kwargs) -> CheckResult:
        if not callable(fn):
            return CheckResult(False, f"pass your function itself, e.g. {check.__name__}(my_function), got {_short(fn)}")
        try:
            return check(fn, *args, **kwargs)
        except Exception as exc:  # an answer (or option) the checker could not read: report, never raise
            return CheckResult(False, f"your answer could not be checked: {type(exc).__name__}: {str(exc)[:200]}")

    return wrapper
