"""Checks against a salted hash of the answer: the learner's notebook never holds the answer.

An author computes ``answer_digest(answer, salt)`` once and writes the digest into a visible
check; ``check_digest`` compares the digest of what the learner's function returns.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from . import Result, _call_failed, _is_text, _report, _run, _short


def _canonical(value: Any, digits: int) -> str:
    """A text form of ``value`` that two equal answers share: floats to ``digits`` significant
    digits, integers exactly, sequences element by element, strings as they are."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, bool) or value is None or _is_text(value):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not np.isfinite(value):
            return repr(value)
        text = f"{value:.{digits}g}"
        return "0" if float(text) == 0 else text  # -0.0 and 0.0 are one answer
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v, digits) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted((_canonical(k, digits), _canonical(v, digits)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    raise TypeError(f"expected numbers, strings, sequences or dicts of them, got {type(value).__name__}")


def answer_digest(value: Any, salt: str, digits: int = 4) -> str:
    """The salted SHA-256 (first 16 hex digits) of ``value`` rounded to ``digits`` significant
    digits: an author stores this in a visible check instead of the answer itself.

    The salt (e.g. ``"05-ex4"``) makes one exercise's digest useless for looking up another's.
    Floats round to ``digits`` significant digits, so choose answers that are not close to a
    rounding boundary, or round them in the exercise (e.g. "to 3 decimals").
    """
    import hashlib

    if not isinstance(salt, str) or not salt:
        raise ValueError(f"expected a non-empty salt string, got {salt!r}")
    text = f"{salt}|{_canonical(value, int(digits))}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def check_digest(fn: Callable, cases: Iterable[tuple[tuple, str]], *, salt: str, digits: int = 4,
                 name: str | None = None, hint: str = "", timeout: float | None = None) -> Result:
    """Like :func:`check_function`, but each case's expected answer is only known by its
    :func:`answer_digest`: the learner's notebook never holds the answer.

    A mismatch says which case failed and what was returned, never what was expected.
    """
    name = name or getattr(fn, "__name__", "exercise")
    cases = list(cases)
    hint_text = f" Hint: {hint}" if hint else ""
    if not callable(fn):
        return _report(Result(name, "failed", f"expected a function, got {type(fn).__name__}.{hint_text}"))
    for i, (args, digest) in enumerate(cases, start=1):
        outcome = _run(fn, tuple(args), timeout)
        failed = _call_failed(name, outcome, f"case {i} ", timeout, hint_text)
        if failed is not None:
            return failed
        try:
            got = answer_digest(outcome.value, salt, digits)
        except TypeError as err:
            return _report(Result(name, "failed", f"case {i}: {err}.{hint_text}"))
        if got != digest:
            return _report(Result(name, "failed", f"case {i}: {_short(outcome.value)} is not the expected answer.{hint_text}"))
    return _report(Result(name, "passed", f"passed ({len(cases)} case{'s' * (len(cases) != 1)})."))
