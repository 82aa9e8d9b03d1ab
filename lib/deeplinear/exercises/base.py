"""What every exercise checker returns: :class:`CheckResult` (and helpers the checkers share).

The helpers ``random_networks`` (random small networks for the test cases) and
``call_safely`` (call the reader's function and turn an exception into a message) are
private to the checkers and not part of the public interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

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


