"""What every exercise checker returns, and the helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CheckResult"]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of an exercise check: ``passed`` and a message for the reader."""

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


