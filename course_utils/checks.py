"""Self-checks for exercises: a clear pass, or a hint, and never a raw traceback.

Each check prints one line and returns a :class:`Result`:

* ``✅ name: passed (3 cases)``
* ``⏳ name: not attempted yet ...`` when the learner's function still raises ``NotImplementedError``
* ``❌ name: ... Hint: ...`` for a wrong value, a wrong type or shape, or any exception

Instructors grading with nbgrader can set ``COURSE_CHECKS_RAISE=1``: a failed check then
raises ``AssertionError`` (after printing), so the autograder counts it.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

PASS, TODO, FAIL = "✅", "⏳", "❌"


@dataclass
class Result:
    name: str
    status: str  # "passed", "not attempted", "failed"
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        # The check already printed its line; don't echo the Result object under it.
        pass


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, np.generic):
        value = value.item()  # show 30, not np.int64(30)
    if isinstance(value, np.ndarray):
        text = f"array(shape={value.shape}, dtype={value.dtype})"
        if value.size <= 8:
            text = f"array({np.array2string(value, precision=4, separator=', ')})"
        return text
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """Return ``None`` when ``got`` matches ``expected``, else a sentence saying how it differs."""
    if isinstance(expected, (np.ndarray, list, tuple)) and not isinstance(expected, str):
        expected_arr = np.asarray(expected)
        if expected_arr.dtype != object:
            try:
                got_arr = np.asarray(got, dtype=float if expected_arr.dtype.kind in "fc" else None)
            except (TypeError, ValueError):
                return f"expected an array-like, got {type(got).__name__}"
            if got_arr.shape != expected_arr.shape:
                return f"expected shape {expected_arr.shape}, got shape {got_arr.shape}"
            if expected_arr.dtype.kind in "biuf" and got_arr.dtype.kind in "biuf":
                if np.allclose(got_arr, expected_arr, rtol=rtol, atol=atol):
                    return None
                worst = np.unravel_index(np.argmax(np.abs(got_arr - expected_arr)), got_arr.shape)
                return (f"values differ; largest difference at index {tuple(int(i) for i in worst)}: "
                        f"expected {expected_arr[worst]!r}, got {got_arr[worst]!r}")
            return None if np.array_equal(got_arr, expected_arr) else f"expected {_short(expected)}, got {_short(got)}"
    if isinstance(expected, float) or (isinstance(expected, (int, np.integer)) and isinstance(got, float)):
        try:
            ok = bool(np.isclose(float(got), float(expected), rtol=rtol, atol=atol))
        except (TypeError, ValueError):
            return f"expected a number, got {type(got).__name__}"
        return None if ok else f"expected {_short(expected)}, got {_short(got)}"
    try:
        equal = bool(got == expected)
    except Exception:  # e.g. comparing an array to a scalar: ambiguous truth value
        equal = False
    return None if equal else f"expected {_short(expected)}, got {_short(got)}"


def _report(result: Result) -> Result:
    icon = {"passed": PASS, "not attempted": TODO, "failed": FAIL}[result.status]
    print(f"{icon} {result.name}: {result.message}")
    if not result.passed and os.environ.get("COURSE_CHECKS_RAISE", "") == "1":
        raise AssertionError(f"{result.name}: {result.message}")
    return result


def check_function(fn: Callable, cases: Iterable[tuple[tuple, Any]], *, name: str | None = None,
                   hint: str = "", rtol: float = 1e-6, atol: float = 1e-8) -> Result:
    """Call ``fn(*args)`` for each ``(args, expected)`` case and report the first mismatch."""
    name = name or getattr(fn, "__name__", "exercise")
    cases = list(cases)
    hint_text = f" Hint: {hint}" if hint else ""
    if not callable(fn):
        return _report(Result(name, "failed", f"expected a function, got {type(fn).__name__}.{hint_text}"))
    for i, (args, expected) in enumerate(cases, start=1):
        try:
            got = fn(*args)
        except NotImplementedError:
            return _report(Result(name, "not attempted",
                                  "not attempted yet: replace `raise NotImplementedError()` with your code."))
        except Exception as err:  # the learner's bug: explain it, don't dump a traceback
            return _report(Result(name, "failed",
                                  f"case {i} raised {type(err).__name__}: {err}.{hint_text}"))
        problem = compare(got, expected, rtol=rtol, atol=atol)
        if problem:
            return _report(Result(name, "failed", f"case {i}: {problem}.{hint_text}"))
    return _report(Result(name, "passed", f"passed ({len(cases)} case{'s' * (len(cases) != 1)})."))


def check_value(got: Any, expected: Any, *, name: str, hint: str = "",
                rtol: float = 1e-6, atol: float = 1e-8) -> Result:
    """Compare one value the learner computed (not a function) with the expected one."""
    if got is NotImplemented or got is Ellipsis or got is None:
        return _report(Result(name, "not attempted", "not attempted yet: fill in the value above."))
    problem = compare(got, expected, rtol=rtol, atol=atol)
    hint_text = f" Hint: {hint}" if hint else ""
    if problem:
        return _report(Result(name, "failed", f"{problem}.{hint_text}"))
    return _report(Result(name, "passed", "passed."))


def check_predicate(fn: Callable[[], Any], *, name: str, hint: str = "") -> Result:
    """Run ``fn()``; it passes if it returns truthy. For checks that need custom logic.

    ``fn`` may raise ``AssertionError("what is wrong")`` to explain a failure.
    """
    hint_text = f" Hint: {hint}" if hint else ""
    try:
        ok = fn()
    except NotImplementedError:
        return _report(Result(name, "not attempted",
                              "not attempted yet: replace `raise NotImplementedError()` with your code."))
    except AssertionError as err:
        return _report(Result(name, "failed", f"{err or 'check failed'}.{hint_text}"))
    except Exception as err:
        return _report(Result(name, "failed", f"raised {type(err).__name__}: {err}.{hint_text}"))
    if not ok:
        return _report(Result(name, "failed", f"check failed.{hint_text}"))
    return _report(Result(name, "passed", "passed."))
