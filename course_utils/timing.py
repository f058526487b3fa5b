"""Timing helpers for notebooks and ``make bench``: best-of and median-and-spread.

Notebooks report the median and spread over repeats (what a learner will typically see);
benchmarks that compare implementations may use the best (the least noisy estimate of the
code's own cost: other processes only ever add time).
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
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


def minor_faults() -> int:
    """Minor page faults of this process so far (``getrusage``): each is a page of memory the kernel
    maps on first touch, e.g. of a freshly allocated output buffer. 0 where ``resource`` is missing."""
    try:
        import resource
    except ImportError:   # Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_interleaved(calls: Sequence[Callable[[], object]], repeat: int = 5,
                     warmup: int = 1) -> list[tuple[Timing, float]]:
    """Time several callables in rounds, one call of each per round, so a busy moment on the machine
    hits them all alike: ``warmup`` untimed rounds, then ``repeat`` timed ones. Returns, per callable,
    its :class:`Timing` (seconds per call) and its minor page faults per timed call."""
    if repeat < 1 or warmup < 0:
        raise ValueError(f"repeat must be >= 1 and warmup >= 0, got {repeat}, {warmup}")
    for _ in range(warmup):
        for fn in calls:
            fn()
    times: list[list[float]] = [[] for _ in calls]
    faults = [0] * len(calls)
    for _ in range(repeat):
        for i, fn in enumerate(calls):
            before = minor_faults()
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
            faults[i] += minor_faults() - before
    return [(Timing(tuple(t)), f / repeat) for t, f in zip(times, faults)]


def steady_allocator(limit: int = 2**30) -> bool:
    """Make glibc's ``malloc`` keep freed memory for reuse (``mallopt``: no ``mmap`` and no trimming
    below ``limit`` bytes), so a call that allocates a fresh output pays no page faults. For timing the
    layers themselves; irreversible for this process (run it in a child). True if set (Linux, glibc)."""
    import ctypes
    import sys as _sys

    if not _sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:   # musl and friends
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, limit)) and bool(libc.mallopt(m_trim_threshold, limit))


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall time in seconds of ``number`` calls of ``fn``, over ``repeat`` tries."""
    return time_calls(fn, repeat, number).best


__all__ = ["Timing", "best_of", "minor_faults", "steady_allocator", "time_calls", "time_interleaved"]
