"""The arithmetic ceiling of this CPU, and how fast the course's data comes."""
from __future__ import annotations

from ..cost.latency import numpy_matmul_peak
from ..data.handpose import BACKGROUNDS, make_hands
from ..timing import time_calls
from . import Row, benchmark


@benchmark("matmul")
def matmul_bench() -> list[Row]:
    """float32 matrix multiply in NumPy: the practical arithmetic ceiling of this CPU."""
    return [("numpy float32 matmul 2048x2048", numpy_matmul_peak(2048), "GFLOP/s")]


@benchmark("handpose")
def handpose_bench() -> list[Row]:
    """Images per second of make_hands at 64x64 for each background."""
    rows: list[Row] = []
    for background in BACKGROUNDS:
        make_hands(3, 64, background, seed=1)  # warm-up: loads the bundled images
        n = 600
        t = time_calls(lambda: make_hands(n, 64, background, seed=0), repeat=3, warmup=0)
        rows.append((f"make_hands 64x64 {background} (median of 3)", n / t.median, "img/s"))
    return rows
