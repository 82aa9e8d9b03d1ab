"""The library's exceptions: one base class, each subclass also the matching built-in.

Every error that ``deeplinear`` raises on purpose is a :class:`DeepLinearError`, so a caller
can catch all of them at once; each subclass also derives from the built-in exception a
caller would otherwise expect, so ``except ValueError`` (or ``TypeError``,
``FloatingPointError``, ``RuntimeError``) keeps working:

=================================  ======================  =====================================
class                              also a                  raised when
=================================  ======================  =====================================
:class:`InvalidArgumentError`      ``ValueError``          an argument has the right type but a
                                                           wrong value, shape or size
:class:`ArgumentTypeError`         ``TypeError``           an argument has the wrong type (a
                                                           string, ``None``, a complex number,
                                                           a float where an index is needed)
:class:`NonFiniteResultError`      ``FloatingPointError``  finite inputs overflow (or lose all
                                                           meaning) inside a computation
:class:`ConvergenceError`          ``RuntimeError``        an iterative solver or root finder
                                                           does not converge
=================================  ======================  =====================================

Every message names the argument, echoes the bad value or shape and says what was expected.

Examples
--------
>>> try:
...     dl.loss([np.array([[1.0]])], np.array([[np.nan]]))
... except dl.DeepLinearError as exc:
...     print(type(exc).__name__, isinstance(exc, ValueError))
InvalidArgumentError True
"""

from __future__ import annotations

__all__ = [
    "DeepLinearError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "NonFiniteResultError",
    "ConvergenceError",
]


class DeepLinearError(Exception):
    """Base class of every exception the library raises on purpose.

    Examples
    --------
    >>> issubclass(dl.InvalidArgumentError, dl.DeepLinearError)
    True
    """


class InvalidArgumentError(DeepLinearError, ValueError):
    """An argument has an acceptable type but a wrong value, shape or size (a ``ValueError``).

    Examples
    --------
    >>> try:
    ...     dl.end_to_end([np.zeros((0, 0))])
    ... except ValueError as exc:
    ...     print(type(exc).__name__)
    InvalidArgumentError
    """


class ArgumentTypeError(DeepLinearError, TypeError):
    """An argument has the wrong type (a ``TypeError``): a string, None, complex, a float index.

    Examples
    --------
    >>> try:
    ...     dl.partial_product([np.eye(2), np.eye(2)], 1.5, 0)
    ... except TypeError as exc:
    ...     print(type(exc).__name__)
    ArgumentTypeError
    """


class NonFiniteResultError(DeepLinearError, FloatingPointError):
    """Finite inputs gave a non-finite (overflowed or NaN) result inside a computation.

    The message names the function and the argument whose size caused it. A subclass of
    ``FloatingPointError`` (itself an ``ArithmeticError``).

    Examples
    --------
    >>> try:
    ...     dl.imbalance([np.array([[1e200]]), np.array([[1e200]])])
    ... except FloatingPointError as exc:
    ...     print(type(exc).__name__)
    NonFiniteResultError
    """


class ConvergenceError(DeepLinearError, RuntimeError):
    """An iterative solver, root finder or integration did not converge (a ``RuntimeError``).

    Examples
    --------
    >>> issubclass(dl.ConvergenceError, RuntimeError)
    True
    """
