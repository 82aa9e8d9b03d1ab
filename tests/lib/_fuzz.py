"""The fuzz harness: mutate one argument of a valid call at a time and judge the outcome.

Not a test module (``test_fuzz.py`` runs it). A *case* is ``(qualname, argument, mutation)``;
:func:`run_case` makes the call under a per-call timeout and returns ``None`` when the library
behaved (a finite answer, or an error of the library's own classes) or a short description of
what went wrong: ``"silent non-finite ..."``, ``"hang ..."``, ``"foreign exception ..."``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import os
import select
import signal
import warnings
from collections.abc import Callable, Mapping
from numbers import Number

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import deeplinear as dl  # noqa: E402

SUBPACKAGES = ("plots", "exercises", "explore")


# --------------------------------------------------------------------------- the public surface


def public_functions() -> dict[str, Callable]:
    """Every function listed in a module's ``__all__``, by ``"<module path>.<name>"``."""
    out = {}
    modules = [f"deeplinear.{m}" for m in dl._MODULES]
    for sub in SUBPACKAGES:
        pkg = importlib.import_module(f"deeplinear.{sub}")
        import pkgutil

        modules += [f"deeplinear.{sub}.{i.name}" for i in pkgutil.iter_modules(pkg.__path__) if not i.name.startswith("_")]
    for name in modules:
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", []):
            obj = getattr(module, public)
            if inspect.isfunction(obj):
                out[f"{name.removeprefix('deeplinear.')}.{public}"] = obj
    return out


# --------------------------------------------------------------------------- mutations


class _Junk:
    """An object of no type the library knows."""

    def __repr__(self) -> str:
        return "<junk>"


def _array_mutations(a: np.ndarray) -> dict[str, object]:
    a = np.asarray(a, dtype=float)
    out = {"none": None, "string": "abc", "junk": _Junk()}
    if a.size:
        flat = a.copy().reshape(-1)
        for label, v in (("nan", np.nan), ("inf", np.inf), ("huge", 1e200), ("neg_huge", -1e200)):
            b = flat.copy()
            b[0] = v
            out[label] = b.reshape(a.shape)
        out["complex"] = a + 1j
        out["list"] = a.tolist()
    out["empty"] = np.zeros((0,) * max(a.ndim, 1))
    out["zero_d"] = np.array(1.0)
    out["wrong_shape"] = np.ones(a.shape[:-1] + (a.shape[-1] + 1,)) if a.ndim else np.ones(3)
    out["int_array"] = np.ones(a.shape, dtype=int)
    return out


def _number_mutations(x: float) -> dict[str, object]:
    out = {
        "none": None, "string": "abc", "junk": _Junk(), "nan": math.nan, "inf": math.inf, "neg_inf": -math.inf,
        "zero": 0.0, "negative": -1.0, "huge": 1e200, "neg_huge": -1e200, "complex": complex(x, 1.0),
        "np_complex": np.complex128(x + 1j), "list": [x], "array_1d": np.array([x, x]), "bool": True,
    }
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        out.update(float_for_int=float(x) + 0.5, np_int=np.int64(x), zero_int=0, negative_int=-1)
    else:
        out.update(np_float=np.float64(x), int=int(round(x)) or 1)
    return out


def _sequence_mutations(seq) -> dict[str, object]:
    out = {"none": None, "string": "abc", "junk": _Junk(), "empty": [], "nested": [list(seq)]}
    if len(seq):
        first = seq[0]
        if isinstance(first, np.ndarray):
            for label, v in (("nan", np.nan), ("inf", np.inf), ("huge", 1e200)):
                b = np.array(first, dtype=float)
                b.reshape(-1)[0] = v
                out[label] = [b, *seq[1:]]
            out["complex"] = [np.asarray(first) + 1j, *seq[1:]]
            out["zero_size"] = [np.zeros((0, 0)), *seq[1:]]
            out["zero_d"] = [np.array(1.0), *seq[1:]]
            out["wrong_shape"] = [np.ones((np.shape(first)[0] + 1, 1)), *seq[1:]]
            out["lists"] = [np.asarray(w).tolist() for w in seq]
            out["duplicated"] = [*seq, *seq]
        elif isinstance(first, (Number, np.number)) and not isinstance(first, bool):
            for label, v in (("nan", math.nan), ("inf", math.inf), ("huge", 1e200), ("negative", -1), ("zero", 0),
                             ("float", 1.5), ("complex", 1 + 1j), ("string_entry", "a")):
                out[label] = [v, *seq[1:]]
            out["reversed"] = list(seq)[::-1]
            out["duplicated"] = [*seq, *seq]
            out["np_int"] = [np.int64(v) if float(v).is_integer() else v for v in seq]
    return out


def _time_span_mutations(ts) -> dict[str, object]:
    a, b = ts
    return {
        "none": None, "string": "abc", "reversed": (b, a), "zero_length": (a, a), "nan": (a, math.nan),
        "inf": (a, math.inf), "huge": (a, 1e200), "long": (a, 1e6), "negative": (-1.0, a), "three": (a, b, b),
        "complex": (a, b + 1j),
    }


def _callable_mutations(fn) -> dict[str, object]:
    def raises(*a, **k):
        raise RuntimeError("boom")

    return {
        "none": None, "string": "abc", "number": 1.0,
        "returns_nan": lambda *a, **k: math.nan, "returns_inf": lambda *a, **k: math.inf,
        "returns_nan_array": lambda *a, **k: np.full((3, 3), np.nan), "returns_string": lambda *a, **k: "abc",
        "returns_list_of_strings": lambda *a, **k: ["a", "b"], "returns_duplicates": lambda *a, **k: [(1,), (1,)],
        "returns_complex": lambda *a, **k: np.ones((2, 2)) + 1j, "raises": raises, "no_arguments": lambda: 1.0,
    }


def mutations_of(value: object) -> dict[str, object]:
    """The mutation classes that apply to an argument, by label (one argument at a time)."""
    if isinstance(value, bool):
        return {"none": None, "string": "abc", "nan": math.nan}
    if isinstance(value, str):
        return {"none": None, "other_string": "nonsense", "int": 1, "empty": ""}
    if isinstance(value, np.random.Generator):
        return {"none": None, "string": "abc", "negative": -1, "float": 1.5}
    if callable(value) and not isinstance(value, type):
        return _callable_mutations(value)
    if isinstance(value, np.ndarray):
        return _array_mutations(value)
    if isinstance(value, (Number, np.number)):
        return _number_mutations(value)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value) and value[0] < value[1]:
        return {**_sequence_mutations(value), **_time_span_mutations(value)}
    if isinstance(value, (list, tuple, range)):
        return _sequence_mutations(list(value))
    if value is None:
        return {"string": "abc", "junk": _Junk(), "nan": math.nan}
    # a result object (a figure's input)
    return {"none": None, "string": "abc", "junk": _Junk(), "number": 1.0, "list_of_it": [value, value]}


# --------------------------------------------------------------------------- judging a call


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so no ``except Exception`` in the library eats it."""


def _alarm(signum, frame):
    raise Hang()


def non_finite_in(value: object, path: str = "result", depth: int = 0, skip: frozenset = frozenset()) -> str | None:
    """Where a NaN or inf hides in a returned value (numbers, arrays, sequences, dataclasses).

    Paths in ``skip`` (``"result.field"``) are not looked into (documented non-finite fields).
    """
    if path in skip:
        return None
    if depth > 6 or isinstance(value, (str, bytes, Figure, type)) or value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (Number, np.number)):
        if isinstance(value, (complex, np.complexfloating)):
            return f"{path} is complex ({value})"
        return None if math.isfinite(float(value)) else f"{path} = {value}"
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return f"{path} is a complex array"
        if value.dtype.kind in "fiu" and not np.all(np.isfinite(value)):
            return f"{path} has non-finite entries"
        if value.dtype == object:
            for i, v in enumerate(value.flat):
                hit = non_finite_in(v, f"{path}.flat[{i}]", depth + 1, skip)
                if hit:
                    return hit
        return None
    if isinstance(value, Mapping):
        for k, v in list(value.items())[:200]:
            hit = non_finite_in(v, f"{path}[{k!r}]", depth + 1, skip)
            if hit:
                return hit
        return None
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value[:500]):
            hit = non_finite_in(v, f"{path}[{i}]", depth + 1, skip)
            if hit:
                return hit
        if hasattr(value, "_fields"):
            return None
        return None
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            hit = non_finite_in(getattr(value, f.name, None), f"{path}.{f.name}", depth + 1, skip)
            if hit:
                return hit
    return None


def call(fn: Callable, kwargs: dict, timeout: float):
    """Call ``fn(*kwargs["_args"], **rest)`` under a timeout, ComplexWarning raised as an error."""
    args = kwargs.get("_args", ())
    rest = {k: v for k, v in kwargs.items() if k != "_args"}
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return fn(*args, **rest)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        plt.close("all")


def raised_in(exc: BaseException) -> str:
    """``module.py:function`` of the innermost frame of the library in the traceback."""
    where = "?"
    tb = exc.__traceback__
    while tb is not None:
        path = tb.tb_frame.f_code.co_filename
        if "/deeplinear/" in path:
            where = f"{path.split('/deeplinear/', 1)[1]}:{tb.tb_frame.f_code.co_name}"
        tb = tb.tb_next
    return where


def judge(qualname: str, fn: Callable, kwargs: dict, timeout: float, documented_nonfinite: frozenset,
          *, valid: bool = False) -> str | None:
    """None when the call behaved, else what went wrong (a ``valid`` call must not raise at all)."""
    try:
        out = call(fn, kwargs, timeout)
    except Hang:
        return f"hang (no answer within {timeout:g} s)"
    except dl.DeepLinearError as exc:
        return f"the valid call raised {type(exc).__name__}: {exc}" if valid else None
    except Exception as exc:  # noqa: BLE001  (the point: which exceptions escape)
        return f"foreign exception {type(exc).__name__} (in {raised_in(exc)}): {str(exc)[:160]}"
    if qualname.startswith("exercises.") and not isinstance(out, dl.exercises.CheckResult):
        return f"checker returned {type(out).__name__}, not a CheckResult"
    if qualname in documented_nonfinite:
        return None
    skip = frozenset(k.split(":", 1)[1] for k in documented_nonfinite if k.startswith(qualname + ":"))
    where = non_finite_in(out, skip=skip)
    return f"silent non-finite result: {where}" if where else None


def isolated(thunk: Callable[[], str | None], timeout: float) -> str | None:
    """Run ``thunk`` in a forked child and return its answer; kill the child after ``timeout``.

    The alarm of :func:`call` cannot stop a long computation inside compiled code (an SVD of a
    matrix with entries 1e200, an allocation of 1e9 floats): the fork can.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into pytest
        os.close(read_end)
        try:
            answer = thunk() or ""
        except BaseException as exc:  # noqa: BLE001
            answer = f"harness error {type(exc).__name__}: {exc}"
        os.write(write_end, answer.encode()[:4000] or b"\0")
        os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], timeout + 2.0)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            return f"hang (no answer within {timeout:g} s, stuck in compiled code)"
        data = os.read(read_end, 4000)
        return None if data in (b"\0", b"") else data.decode()
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)


def cases(valid: Mapping[str, Callable[[], dict]]) -> list[tuple[str, str, str]]:
    """Every (qualname, argument, mutation) of the table, in a fixed order."""
    out = []
    for qualname, make in valid.items():
        kwargs = make()
        for arg, value in kwargs.items():
            if arg == "_args":
                for i, v in enumerate(value):
                    out += [(qualname, f"_args[{i}]", m) for m in mutations_of(v)]
            else:
                out += [(qualname, arg, m) for m in mutations_of(value)]
    return out


def mutated(kwargs: dict, arg: str, mutation: str) -> dict:
    """The valid call's arguments with ``arg`` replaced by its ``mutation``."""
    kwargs = dict(kwargs)
    if arg.startswith("_args["):
        i = int(arg[6:-1])
        args = list(kwargs["_args"])
        args[i] = mutations_of(args[i])[mutation]
        kwargs["_args"] = tuple(args)
    else:
        kwargs[arg] = mutations_of(kwargs[arg])[mutation]
    return kwargs
