"""The arithmetic ceiling of this CPU, and how fast the course's data comes."""
from __future__ import annotations

from ..data.handpose import BACKGROUNDS, make_hands
from ..timing import time_calls
from . import Row, benchmark


@benchmark("matmul")
def matmul_bench() -> list[Row]:
    """The compute ceiling at 1 and 2 threads: nominal peak and every engine's float32 1024x1024 matmul."""
    from ..cost.roofline import measure_ceiling

    rows: list[Row] = []
    for threads in (1, 2):
        c = measure_ceiling(threads, elsewhere=True)
        if c.nominal:
            rows.append((f"{threads} thread(s): nominal peak ({c.unit.name}, {c.clock_ghz:.2f} GHz)", c.nominal, "GFLOP/s"))
        rows += [(f"{threads} thread(s): {e} matmul, best of 7", best, "GFLOP/s") for e, (_, best) in c.matmuls.items()]
        rows.append((f"{threads} thread(s): ceiling (the largest of these)", c.value, "GFLOP/s"))
    return rows


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
