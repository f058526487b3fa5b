"""What a deployed model costs and what it still gets right: size, batch-1 latency, GFLOP/s,
share of the measured peak, accuracy, and agreement with the model it came from.

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

from ..cost.latency import numpy_matmul_peak
from ..timing import time_calls


def measured_peak_gflops(sizes: tuple[int, ...] = (512, 1024, 2048), repeat: int = 5) -> float:
    """The machine's practical float32 ceiling: the best NumPy matmul GFLOP/s over ``sizes``."""
    return max(numpy_matmul_peak(n, repeat=repeat) for n in sizes)


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
    if np.shape(image)[0] != 1:
        raise ValueError(f"batch-1 latency needs one image with a batch axis of 1, got shape {np.shape(image)}")
    t = time_calls(lambda: fn(image), repeat=repeat, number=1, warmup=warmup)
    return Latency(tuple(1e3 * s for s in t.times))


def gflops(macs: int, ms: float) -> float:
    """GFLOP/s of ``macs`` multiply-adds (2 FLOPs each) done in ``ms`` milliseconds."""
    return 2 * macs / (ms / 1e3) / 1e9


@dataclass(frozen=True)
class PeakShare:
    """A runtime's achieved GFLOP/s over the machine's matmul GFLOP/s, measured round by round.

    Each round times the matmul, then the model, so a round that the machine's other work slows
    slows both. Two honest summaries, each comparing like with like:

    * ``typical``: the median over rounds of (median model GFLOP/s / median matmul GFLOP/s);
    * ``ceiling``: the model's best GFLOP/s over the matmul's best, over all calls of all rounds
      (what each reaches when nothing else runs: the usual microbenchmark convention).
    """

    threads: int
    peaks: tuple[tuple[float, float], ...]     # (median, best) matmul GFLOP/s of each round
    achieved: tuple[tuple[float, float], ...]  # (median, best) model GFLOP/s: 2 x MACs / latency

    @property
    def shares(self) -> tuple[float, ...]:
        """Each round's median over median."""
        return tuple(a[0] / p[0] for a, p in zip(self.achieved, self.peaks))

    @property
    def typical(self) -> float:
        return float(np.median(self.shares))

    @property
    def ceiling(self) -> float:
        return max(a[1] for a in self.achieved) / max(p[1] for p in self.peaks)

    def __str__(self) -> str:
        lo, hi = 100 * min(self.shares), 100 * max(self.shares)
        return (f"{100 * self.typical:.0f}% of the peak, median over rounds ({lo:.0f}-{hi:.0f}%); best over best "
                f"{100 * self.ceiling:.0f}% ({max(a[1] for a in self.achieved):.0f} of "
                f"{max(p[1] for p in self.peaks):.0f} GFLOP/s), {self.threads} thread{'s' if self.threads > 1 else ''}")


def paired_peak_share(fn: Callable[[np.ndarray], object], image: np.ndarray, *, macs: int, threads: int,
                      rounds: int = 5, repeat: int = 50, matmul_n: int = 1024) -> PeakShare:
    """Share of the peak of ``fn`` on one ``(1, ...)`` image, in ``rounds`` alternating rounds.

    Each round times a float32 ``matmul_n`` x ``matmul_n`` NumPy matmul (7 calls), then ``fn``
    (``repeat`` batch-1 calls), with the BLAS and OpenMP pools limited to ``threads`` threads.
    ``fn`` must use ``threads`` threads too (e.g. ``TFLiteRunner(path, num_threads=threads)``,
    whose pool is its own) for a fair ratio. See :class:`PeakShare` for the two summaries.
    """
    from threadpoolctl import threadpool_limits

    from ..cost.roofline import matmul_speed

    if min(macs, threads, rounds, repeat, matmul_n) < 1:
        raise ValueError(f"macs, threads, rounds, repeat and matmul_n must be >= 1, got {macs}, {threads}, "
                         f"{rounds}, {repeat}, {matmul_n}")
    peaks, achieved = [], []
    with threadpool_limits(threads):
        for _ in range(rounds):
            t = matmul_speed(matmul_n, repeat=7)
            peaks.append((2 * matmul_n**3 / t.median / 1e9, 2 * matmul_n**3 / t.best / 1e9))
            lat = batch1_latency(fn, image, repeat)
            achieved.append((gflops(macs, lat.median), gflops(macs, min(lat.times_ms))))
    return PeakShare(threads, tuple(peaks), tuple(achieved))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(N, classes)`` logits (ONNX files of torch modules return logits)."""
    logits = np.asarray(logits)
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
    return float((probabilities.argmax(1) == labels).mean())


@dataclass
class Measurement:
    """One runtime/variant of one model: size, latency, speed, and quality."""

    runtime: str                  # "keras eager", "tflite", "torch eager", "onnxruntime" ...
    variant: str                  # "float32", "float16", "dynamic", "int8"
    size_kb: float                # the deployable file (or the float32 weights for eager)
    latency: Latency
    macs: int                     # per image
    peak_gflops: float
    accuracy: float | None = None
    agreement: float | None = None   # top-1 agreement with the source model
    max_diff: float | None = None    # max |probability difference| against the source model
    extra: dict = field(default_factory=dict)

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s at the median latency (1 MAC = 2 FLOPs)."""
        return gflops(self.macs, self.latency.median)

    @property
    def peak_share(self) -> float:
        return self.gflops / self.peak_gflops

    def row(self) -> dict:
        return {"runtime": self.runtime, "variant": self.variant, "KB": self.size_kb,
                "median ms": self.latency.median, "p90 ms": self.latency.p90, "GFLOP/s": self.gflops,
                "% peak": 100 * self.peak_share, "accuracy": self.accuracy,
                "top-1 agree": self.agreement, "max diff": self.max_diff}


def table(measurements: list[Measurement]) -> str:
    """A fixed-width text table of :meth:`Measurement.row` (missing values shown as "-")."""
    if not measurements:
        raise ValueError("table needs at least one Measurement")
    rows = [m.row() for m in measurements]
    fmt = {"KB": "{:.0f}", "median ms": "{:.2f}", "p90 ms": "{:.2f}", "GFLOP/s": "{:.1f}", "% peak": "{:.0f}",
           "accuracy": "{:.3f}", "top-1 agree": "{:.3f}", "max diff": "{:.2g}"}
    cells = [[fmt.get(k, "{}").format(v) if v is not None else "-" for k, v in r.items()] for r in rows]
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
           "measure", "measured_peak_gflops", "paired_peak_share", "softmax", "table"]
