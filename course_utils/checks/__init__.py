"""Self-checks for exercises: a clear pass, or a hint, and never a raw traceback.

Each check prints one line and returns a :class:`Result`:

* ``✅ name: passed (3 cases)``
* ``⏳ name: not attempted yet ...`` when the learner's function still raises ``NotImplementedError``
* ``❌ name: ... Hint: ...`` for a wrong value, a wrong type or shape, any exception
  (``sys.exit()`` included), or code that runs longer than ``timeout`` seconds (10 by
  default, or ``COURSE_CHECKS_TIMEOUT``)

Instructors grading with nbgrader can set ``COURSE_CHECKS_RAISE=1``: a failed check then
raises ``AssertionError`` (after printing), so the autograder counts it.
"""
from __future__ import annotations

import os
import signal
import threading
import time
import traceback
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
    """A short repr for messages (never raises: the learner's object may have a broken repr)."""
    try:
        if isinstance(value, np.generic):
            value = value.item()  # show 30, not np.int64(30)
        if isinstance(value, np.ndarray):
            if value.size <= 8:
                return f"array({np.array2string(value, precision=4, separator=', ')})"
            return f"array(shape={value.shape}, dtype={value.dtype})"
        text = repr(value)
    except Exception:
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_text(value: Any) -> bool:  # float("3") works, but "3" is not a number
    return isinstance(value, (str, bytes, np.str_, np.bytes_))


def _compare_scalar(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """Numbers: integers exactly (a relative tolerance would let 568740353 pass for
    568740352), floats with ``rtol``/``atol``; NaN matches NaN."""
    if _is_text(got) or isinstance(got, (list, tuple, dict, set)):
        return f"expected a number, got {type(got).__name__}"
    try:
        value = complex(got) if isinstance(expected, complex) else float(got)
    except (TypeError, ValueError, OverflowError):
        return f"expected a number, got {type(got).__name__}"
    if isinstance(expected, (int, np.integer)):  # exactly: int == int, or float == int in Python
        ok = (int(got) if isinstance(got, (int, np.integer)) else value) == int(expected)
    else:
        ok = bool(np.isclose(value, expected, rtol=rtol, atol=atol, equal_nan=True))
    return None if ok else f"expected {_short(expected)}, got {_short(got)}"


def _compare_sequence(got: Any, expected: list | tuple, rtol: float, atol: float) -> str | None:
    """Lists and tuples element by element, so each element gets the scalar rules."""
    if _is_text(got) or not isinstance(got, (list, tuple, np.ndarray)):
        return f"expected a {type(expected).__name__} of {len(expected)} items, got {type(got).__name__}"
    n_got = 1 if isinstance(got, np.ndarray) and got.ndim == 0 else len(got)
    if n_got != len(expected):
        return f"expected {len(expected)} items, got {n_got}"
    for i, (g, e) in enumerate(zip(got, expected)):
        problem = compare(g, e, rtol=rtol, atol=atol)
        if problem:
            return f"element {i}: {problem}"
    return None


def _compare_array(got: Any, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    """Arrays: same shape; integer arrays exactly, float arrays with the tolerance, NaN == NaN."""
    try:
        got_arr = np.asarray(got)
    except Exception:  # e.g. an object whose __array__ raises
        return f"expected an array-like, got {type(got).__name__}"
    numeric = expected.dtype.kind in "biufc"
    if numeric and got_arr.dtype.kind in "USO" and got_arr.size:
        if got_arr.dtype.kind in "US" or any(_is_text(v) for v in got_arr.ravel()):
            return "expected a number, got str"  # np.asarray(["1"], dtype=float) would accept it
        got_arr = got_arr.astype(float)  # numbers in an object array (or a ValueError: caught)
    if got_arr.shape != expected.shape:
        return f"expected shape {expected.shape}, got shape {got_arr.shape}"
    if not (numeric and got_arr.dtype.kind in "biufc"):
        return None if np.array_equal(got_arr, expected) else f"expected {_short(expected)}, got {_short(got)}"
    close = (got_arr == expected if expected.dtype.kind in "biu"  # integers exactly
             else np.isclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=True))
    if np.all(close):
        return None
    diff = np.where(close, -1.0, np.nan_to_num(np.abs(got_arr - expected).astype(float), nan=np.inf))
    worst = np.unravel_index(np.argmax(diff), got_arr.shape)
    return (f"values differ; largest difference at index {tuple(int(i) for i in worst)}: "
            f"expected {expected[worst]!r}, got {got_arr[worst]!r}")


def compare(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """Return ``None`` when ``got`` matches ``expected``, else a sentence saying how it differs.

    Floats match within ``rtol``/``atol`` (NaN matches NaN), integers exactly, strings are
    never numbers, lists and tuples element by element, arrays by shape then values.
    """
    if getattr(got, "requires_grad", False) and hasattr(got, "detach"):  # NumPy can't read it
        return "got a torch tensor that requires grad; return `t.detach().numpy()` instead"
    try:
        if isinstance(expected, (list, tuple)):
            return _compare_sequence(got, expected, rtol, atol)
        if isinstance(expected, np.ndarray):
            if expected.dtype != object:
                return _compare_array(got, expected, rtol, atol)
            return _compare_sequence(got, list(expected), rtol, atol)
        if isinstance(expected, (int, float, complex, np.number)) and not isinstance(expected, bool):
            return _compare_scalar(got, expected, rtol, atol)
        equal = got == expected
        return None if bool(equal) else f"expected {_short(expected)}, got {_short(got)}"
    except Exception as err:  # a comparison that raises is the answer's problem, not a crash
        return f"expected {_short(expected)}, got {_short(got)} (comparing them raised {type(err).__name__})"


def _report(result: Result) -> Result:
    icon = {"passed": PASS, "not attempted": TODO, "failed": FAIL}[result.status]
    print(f"{icon} {result.name}: {result.message}")
    if not result.passed and os.environ.get("COURSE_CHECKS_RAISE", "") == "1":
        raise AssertionError(f"{result.name}: {result.message}")
    return result


# ----------------------------------------------------------- running the learner's code

DEFAULT_TIMEOUT = 10.0  # seconds; COURSE_CHECKS_TIMEOUT or timeout= changes it, 0 turns it off


class _TimedOut(BaseException):
    """Raised by the alarm inside the learner's code. A BaseException, so that the
    learner's ``except Exception:`` does not swallow it."""


@dataclass
class _Outcome:  # what one call of the learner's code did
    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False


def _timeout_seconds(timeout: float | None) -> float:  # None: from the environment
    if timeout is None:
        timeout = float(os.environ.get("COURSE_CHECKS_TIMEOUT", "") or DEFAULT_TIMEOUT)
    return max(float(timeout), 0.0)


def _capture(fn: Callable, args: tuple, outcome: _Outcome) -> None:
    """Call ``fn(*args)``, recording its value, its exception, or that the alarm stopped it."""
    try:
        outcome.value = fn(*args)
    except _TimedOut:
        outcome.timed_out = True
    except (Exception, SystemExit) as err:  # KeyboardInterrupt still stops the cell
        outcome.error = err


def _run_with_alarm(fn: Callable, args: tuple, seconds: float) -> _Outcome:
    """On the main thread (a Jupyter kernel runs cells there): SIGALRM interrupts the
    learner's code; the previous handler and any pending timer are restored afterwards."""
    def on_alarm(signum, frame):
        raise _TimedOut()

    outcome, started = _Outcome(), time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        _capture(fn, args, outcome)
    except _TimedOut:  # the alarm fired after fn returned, before we disarmed it
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # someone else's timer (e.g. pytest-timeout) keeps running
            left = max(old_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)
    return outcome


def _run_in_thread(fn: Callable, args: tuple, seconds: float) -> _Outcome:
    """Off the main thread no signal can interrupt the code: run it in a daemon thread and
    stop waiting after ``seconds`` (the thread is left to finish on its own)."""
    outcome = _Outcome()
    worker = threading.Thread(target=_capture, args=(fn, args, outcome), daemon=True)
    worker.start()
    worker.join(seconds)
    return _Outcome(timed_out=True) if worker.is_alive() else outcome


def _run(fn: Callable, args: tuple, timeout: float | None) -> _Outcome:
    """Call ``fn(*args)`` with a time limit; never raises for the learner's errors."""
    seconds = _timeout_seconds(timeout)
    if not seconds:
        _capture(fn, args, outcome := _Outcome())
        return outcome
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _run_with_alarm(fn, args, seconds)
    return _run_in_thread(fn, args, seconds)


def _describe(err: BaseException) -> str:
    """What went wrong, in one line: the exception's message, or for a bare ``assert`` the
    line of source that failed."""
    if isinstance(err, SystemExit):
        return f"called sys.exit() (exit code {err.code!r}); return a value instead"
    text = str(err)
    if not text and isinstance(err, AssertionError):
        frames = traceback.extract_tb(err.__traceback__)
        line = frames[-1].line if frames else ""
        text = f"`{line}` failed" if line.startswith("assert") else ""
    return text


def _truth_problem(value: Any) -> str | None:
    """Why a predicate's result is not clearly true (None if it is)."""
    if isinstance(value, np.ndarray) and value.size != 1:  # bool() would raise "ambiguous"
        return f"returned an array of {value.size} values instead of True/False; reduce it with .all() or .any()"
    try:
        return None if bool(value) else "check failed"
    except Exception as err:
        return f"returned {_short(value)}, which is neither True nor False ({type(err).__name__})"


def _call_failed(name: str, outcome: _Outcome, case: str, timeout: float | None,
                 hint_text: str) -> Result | None:
    """The reported Result of a call that did not return a value (None if it did).
    ``case`` is "case 2 " for check_function, "" for a predicate."""
    err = outcome.error
    if outcome.timed_out:
        text = f"{case}did not finish within {_timeout_seconds(timeout):g} s (an endless loop?)"
    elif isinstance(err, NotImplementedError):
        return _report(Result(name, "not attempted",
                              "not attempted yet: replace `raise NotImplementedError()` with your code."))
    elif err is None:
        return None
    elif isinstance(err, AssertionError) and not case:  # a predicate explaining its failure
        text = _describe(err) or "the check's assertion failed"
    else:  # the learner's bug: explain it, don't dump a traceback
        text = f"{case}raised {type(err).__name__}: {_describe(err)}"
    return _report(Result(name, "failed", f"{text}.{hint_text}"))


def check_function(fn: Callable, cases: Iterable[tuple[tuple, Any]], *, name: str | None = None,
                   hint: str = "", rtol: float = 1e-6, atol: float = 1e-8,
                   timeout: float | None = None) -> Result:
    """Call ``fn(*args)`` for each ``(args, expected)`` case and report the first mismatch.

    Each call may take ``timeout`` seconds (default :data:`DEFAULT_TIMEOUT`, or the
    environment variable ``COURSE_CHECKS_TIMEOUT``; 0 for no limit).
    """
    name = name or getattr(fn, "__name__", "exercise")
    cases = list(cases)
    hint_text = f" Hint: {hint}" if hint else ""
    if not callable(fn):
        return _report(Result(name, "failed", f"expected a function, got {type(fn).__name__}.{hint_text}"))
    for i, (args, expected) in enumerate(cases, start=1):
        outcome = _run(fn, tuple(args), timeout)
        failed = _call_failed(name, outcome, f"case {i} ", timeout, hint_text)
        if failed is not None:  # (a Result is falsy unless it passed)
            return failed
        problem = compare(outcome.value, expected, rtol=rtol, atol=atol)
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


def check_predicate(fn: Callable[[], Any], *, name: str, hint: str = "",
                    timeout: float | None = None) -> Result:
    """Run ``fn()``; it passes if it returns truthy. For checks that need custom logic.

    ``fn`` may raise ``AssertionError("what is wrong")`` to explain a failure; a bare
    ``assert`` is reported with its line of source. ``timeout`` as in :func:`check_function`.
    """
    hint_text = f" Hint: {hint}" if hint else ""
    outcome = _run(fn, (), timeout)
    failed = _call_failed(name, outcome, "", timeout, hint_text)
    if failed is not None:
        return failed
    problem = _truth_problem(outcome.value)
    if problem:
        return _report(Result(name, "failed", f"{problem}.{hint_text}"))
    return _report(Result(name, "passed", "passed."))



from .digest import answer_digest, check_digest  # noqa: E402  (they use the helpers above)
