"""Timing helpers for notebooks and ``make bench``: best-of and median-and-spread.

Notebooks report the median and spread over repeats (what a learner will typically see);
benchmarks that compare implementations may use the best (the least noisy estimate of the
code's own cost: other processes only ever add time).
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per call over ``repeats``: median, spread (min and max) and the raw list."""

    times: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def worst(self) -> float:
        return max(self.times)

    def __str__(self) -> str:
        ms = [1e3 * t for t in (self.median, self.best, self.worst)]
        return f"{ms[0]:.3g} ms (min {ms[1]:.3g}, max {ms[2]:.3g}, {len(self.times)} repeats)"


def time_calls(fn: Callable[[], object], repeat: int = 5, number: int = 1, warmup: int = 1) -> Timing:
    """Time ``number`` calls of ``fn``, ``repeat`` times, after ``warmup`` untimed calls.

    Returns a :class:`Timing` of seconds per call. ``repeat`` and ``number`` must be >= 1.
    """
    if repeat < 1 or number < 1 or warmup < 0:
        raise ValueError(f"repeat and number must be >= 1 and warmup >= 0, got {repeat}, {number}, {warmup}")
    for _ in range(warmup):  # first calls pay for allocation, JIT and cache misses
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return Timing(tuple(times))


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall time in seconds of ``number`` calls of ``fn``, over ``repeat`` tries."""
    return time_calls(fn, repeat, number).best


__all__ = ["Timing", "best_of", "time_calls"]
