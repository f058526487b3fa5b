"""What a deployed model costs and what it still gets right: size, batch-1 latency, GFLOP/s,
share of the machine's ceiling, accuracy, and agreement with the model it came from.

The ceiling is :class:`course_utils.cost.ceiling.Ceiling`: the larger of the nominal peak of the
vector unit and the best matmul of every installed engine, so no share can exceed 100 %.

Everything here takes plain callables ``images -> probabilities`` (NumPy in, NumPy out), so a
Keras model, a ``.tflite`` interpreter, a torch module and an onnxruntime session are measured
by the same code.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cost.ceiling import Ceiling
from ..timing import time_calls


def machine_ceiling(threads: int | None = None, engines=None, repeat: int = 7, elsewhere: bool = False) -> Ceiling:
    """This machine's ceiling for work on ``threads`` threads (default: every usable core): the nominal
    peak and the engines' best matmuls (:func:`course_utils.cost.roofline.measure_ceiling`)."""
    from ..cost.roofline import measure_ceiling

    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return measure_ceiling(threads, engines, repeat=repeat, elsewhere=elsewhere)


def file_kb(path: str | os.PathLike) -> float:
    """Size of a file in KB (1 KB = 1024 bytes)."""
    return Path(path).stat().st_size / 1024


@dataclass(frozen=True)
class Latency:
    """Batch-1 latency over repeats, in milliseconds: median, 90th percentile, min and max."""

    times_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return float(np.median(self.times_ms))

    @property
    def p90(self) -> float:
        return float(np.percentile(self.times_ms, 90))

    def __str__(self) -> str:
        return (f"{self.median:.2f} ms (p90 {self.p90:.2f}, min {min(self.times_ms):.2f}, "
                f"max {max(self.times_ms):.2f}, {len(self.times_ms)} repeats)")


def batch1_latency(fn: Callable[[np.ndarray], object], image: np.ndarray, repeat: int = 30,
                   warmup: int = 3) -> Latency:
    """Time ``fn(image)`` ``repeat`` times (one call each, after ``warmup`` calls).

    ``image``: one input with its batch axis, e.g. ``(1, H, W, 3)``.
    """
    if np.ndim(image) < 1 or np.shape(image)[0] != 1:
        raise ValueError(f"batch-1 latency needs one image with a batch axis of 1, got shape {np.shape(image)}")
    t = time_calls(lambda: fn(image), repeat=repeat, number=1, warmup=warmup)
    return Latency(tuple(1e3 * s for s in t.times))


def gflops(macs: int, ms: float) -> float:
    """GFLOP/s of ``macs`` multiply-adds (2 FLOPs each) done in ``ms`` milliseconds."""
    if not 0 < ms < float("inf"):
        raise ValueError(f"ms must be a finite time > 0, got {ms!r}")
    return 2 * macs / (ms / 1e3) / 1e9


@dataclass(frozen=True)
class PeakShare:
    """A runtime's achieved GFLOP/s as a share of the machine's :class:`~course_utils.cost.ceiling.Ceiling`,
    timed in rounds on ``ceiling.threads`` threads. Two summaries:

    * ``typical``: the median over rounds of each round's median GFLOP/s, over the ceiling;
    * ``best``: the best call of all rounds over the ceiling (what the runtime reaches when nothing
      else runs: the usual microbenchmark convention).

    Both are at most 1: a speed above the ceiling raises (the ceiling would be wrong).
    """

    ceiling: Ceiling
    achieved: tuple[tuple[float, float], ...]  # (median, best) model GFLOP/s per round: 2 x MACs / latency

    @property
    def threads(self) -> int:
        return self.ceiling.threads

    @property
    def shares(self) -> tuple[float, ...]:
        """Each round's median over the ceiling."""
        return tuple(self.ceiling.share(a[0]) for a in self.achieved)

    @property
    def typical(self) -> float:
        return float(np.median(self.shares))

    @property
    def best(self) -> float:
        return self.ceiling.share(max(a[1] for a in self.achieved))

    def __str__(self) -> str:
        lo, hi = 100 * min(self.shares), 100 * max(self.shares)
        return (f"{100 * self.typical:.0f}% of the ceiling, median over rounds ({lo:.0f}-{hi:.0f}%); best call "
                f"{100 * self.best:.0f}% ({max(a[1] for a in self.achieved):.0f} of {self.ceiling.value:.0f} GFLOP/s), "
                f"{self.threads} thread{'s' if self.threads > 1 else ''}")


def paired_peak_share(fn: Callable[[np.ndarray], object], image: np.ndarray, *, macs: int, threads: int,
                      rounds: int = 5, repeat: int = 50, engines=None, ceiling: Ceiling | None = None) -> PeakShare:
    """Share of the ceiling of ``fn`` on one ``(1, ...)`` image, in ``rounds`` rounds of ``repeat`` calls.

    The ceiling (:func:`machine_ceiling` on ``threads`` threads, unless given) is measured before
    the rounds and again after them, and the faster of each engine's two matmuls counts, so a
    moment of load on the machine cannot lower it. The rounds run with the BLAS and OpenMP pools
    limited to ``threads``; ``fn`` must use ``threads`` threads too (e.g.
    ``TFLiteRunner(path, num_threads=threads)``, whose pool is its own).
    """
    if min(macs, threads, rounds, repeat) < 1:
        raise ValueError(f"macs, threads, rounds and repeat must be >= 1, got {macs}, {threads}, {rounds}, {repeat}")
    from threadpoolctl import threadpool_limits

    before = ceiling or machine_ceiling(threads, engines)
    achieved = []
    with threadpool_limits(threads):   # NumPy's BLAS and OpenMP pools, as the ceiling's matmuls had
        for _ in range(rounds):
            lat = batch1_latency(fn, image, repeat)
            achieved.append((gflops(macs, lat.median), gflops(macs, min(lat.times_ms))))
    after = ceiling or machine_ceiling(threads, engines)
    merged = {e: max(before.matmuls[e], after.matmuls.get(e, (0.0, 0.0)), key=lambda t: t[1]) for e in before.matmuls}
    return PeakShare(Ceiling(threads, before.unit, before.clock_ghz, before.nominal, merged), tuple(achieved))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(N, classes)`` logits (ONNX files of torch modules return logits)."""
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"softmax expects (N, classes) logits, got shape {logits.shape}")
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def agreement(reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Top-1 agreement (fraction of rows with the same argmax) and max abs difference of two
    ``(N, classes)`` output arrays."""
    reference, other = np.asarray(reference, np.float64), np.asarray(other, np.float64)
    if reference.shape != other.shape or reference.ndim != 2:
        raise ValueError(f"expected two (N, classes) arrays of one shape, got {reference.shape} and {other.shape}")
    same = reference.argmax(1) == other.argmax(1)
    return float(same.mean()), float(np.abs(reference - other).max())


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows of ``(N, classes)`` whose argmax equals ``labels`` ``(N,)``."""
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    if probabilities.ndim != 2 or labels.shape != probabilities.shape[:1]:
        raise ValueError(f"expected (N, classes) and (N,), got {probabilities.shape} and {labels.shape}")
    if len(labels) == 0:
        raise ValueError("accuracy needs at least one row, got none")
    return float((probabilities.argmax(1) == labels).mean())


INT8_VARIANTS = ("int8", "dynamic")


@dataclass
class Measurement:
    """One runtime/variant of one model: size, latency, speed, and quality."""

    runtime: str                  # "keras eager", "tflite", "torch eager", "onnxruntime" ...
    variant: str                  # "float32", "float16", "dynamic", "int8"
    size_kb: float                # the deployable file (or the float32 weights for eager)
    latency: Latency
    macs: int                     # per image
    peak_gflops: float            # the ceiling (Ceiling.value) it is a share of
    accuracy: float | None = None
    agreement: float | None = None   # top-1 agreement with the source model
    max_diff: float | None = None    # max |probability difference| against the source model
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not 0 < self.peak_gflops < float("inf"):
            raise ValueError(f"peak_gflops (the ceiling) must be finite GFLOP/s > 0, got {self.peak_gflops!r}")

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s at the median latency (1 MAC = 2 FLOPs)."""
        return gflops(self.macs, self.latency.median)

    @property
    def integer(self) -> bool:
        """Whether the runtime multiplies in int8 (full-integer and dynamic-range quantization): a
        float32 ceiling does not bound it (VNNI or AMX do several int8 multiply-adds per float32 lane)."""
        return self.variant in INT8_VARIANTS

    @property
    def peak_share(self) -> float:
        """Achieved GFLOP/s over the float32 ceiling; a speed above it raises (the ceiling is wrong), and
        so does an int8 variant (its ceiling is another one)."""
        if self.integer:
            raise ValueError(f"{self.runtime} {self.variant} computes in int8: a float32 ceiling does not apply")
        if self.gflops > self.peak_gflops * (1 + 1e-9):
            raise ValueError(f"{self.runtime} {self.variant}: {self.gflops:.1f} GFLOP/s is above the ceiling of "
                             f"{self.peak_gflops:.1f} GFLOP/s; measure the ceiling with every engine")
        return self.gflops / self.peak_gflops

    def row(self) -> dict:
        try:
            share = 100 * self.peak_share
        except ValueError:   # never printed as a share over 100 %, nor as a share of the wrong ceiling
            share = "n/a (int8)" if self.integer else "above the ceiling"
        return {"runtime": self.runtime, "variant": self.variant, "KB": self.size_kb,
                "median ms": self.latency.median, "p90 ms": self.latency.p90, "GFLOP/s": self.gflops,
                "% ceiling": share, "accuracy": self.accuracy,
                "top-1 agree": self.agreement, "max diff": self.max_diff}


def table(measurements: list[Measurement]) -> str:
    """A fixed-width text table of :meth:`Measurement.row` (missing values shown as "-")."""
    if not measurements:
        raise ValueError("table needs at least one Measurement")
    rows = [m.row() for m in measurements]
    fmt = {"KB": "{:.0f}", "median ms": "{:.2f}", "p90 ms": "{:.2f}", "GFLOP/s": "{:.1f}", "% ceiling": "{:.0f}",
           "accuracy": "{:.3f}", "top-1 agree": "{:.3f}", "max diff": "{:.2g}"}
    cells = [[fmt.get(k, "{}").format(v) if isinstance(v, (int, float)) else (v or "-") for k, v in r.items()]
             for r in rows]
    heads = list(rows[0])
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths)) for cell in cells]
    return "\n".join(lines)


def measure(runtime: str, variant: str, fn: Callable[[np.ndarray], np.ndarray], *, size_kb: float, macs: int,
            peak_gflops: float, images: np.ndarray | None = None, labels: np.ndarray | None = None,
            reference: np.ndarray | None = None, repeat: int = 30) -> Measurement:
    """Measure one runtime: batch-1 latency on ``images[:1]``, and, given ``labels`` /
    ``reference`` (the source model's ``(N, classes)`` outputs on ``images``), accuracy and
    agreement. ``fn`` maps ``(N, ...)`` inputs to ``(N, classes)`` outputs."""
    if images is None or len(images) == 0:
        raise ValueError("measure needs at least one input image (N >= 1)")
    latency = batch1_latency(fn, images[:1], repeat=repeat)
    out = np.asarray(fn(images)) if labels is not None or reference is not None else None
    acc = accuracy(out, labels) if labels is not None else None
    agree, diff = agreement(reference, out) if reference is not None else (None, None)
    return Measurement(runtime, variant, size_kb, latency, macs, peak_gflops, acc, agree, diff)


__all__ = ["Latency", "Measurement", "PeakShare", "accuracy", "agreement", "batch1_latency", "file_kb", "gflops",
           "machine_ceiling", "measure", "paired_peak_share", "softmax", "table"]
