"""``make bench``: performance figures for this machine, printed, never asserted.

Each topic registers a function with :func:`benchmark`; the function returns a list of
``(label, value, unit)`` rows. Run all with ``python -m course_utils.bench`` or a subset
with ``python -m course_utils.bench matmul handpose``.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import numpy as np

Row = tuple[str, float, str]
REGISTRY: dict[str, Callable[[], list[Row]]] = {}


def benchmark(name: str):
    """Register ``fn`` as the benchmark called ``name``."""
    def register(fn: Callable[[], list[Row]]):
        REGISTRY[name] = fn
        return fn
    return register


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall time in seconds of ``number`` calls of ``fn``, over ``repeat`` tries.

    The minimum is the least noisy estimate of what the code costs on an otherwise
    idle machine (other processes only ever add time).
    """
    fn()  # warm-up: first calls pay for allocation, JIT and cache misses
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


@benchmark("matmul")
def matmul_peak(n: int = 2048) -> list[Row]:
    """float32 matrix multiply in NumPy: the practical arithmetic ceiling of this CPU."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    seconds = best_of(lambda: a @ b, repeat=5)
    return [(f"numpy float32 matmul {n}x{n}", 2 * n**3 / seconds / 1e9, "GFLOP/s")]


def _load_topic_benchmarks() -> None:
    # Topic modules register their benchmarks on import; import those that exist.
    import importlib

    for module in ("handpose", "hog", "haar", "cost_bench"):
        try:
            importlib.import_module(f"course_utils.{module}")
        except ModuleNotFoundError as err:
            if err.name != f"course_utils.{module}":
                raise


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _load_topic_benchmarks()
    names = argv or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; expected some of {sorted(REGISTRY)}")
        return 2
    print(f"Small & Fast benchmarks · {os.cpu_count()} CPU cores")
    for name in names:
        for label, value, unit in REGISTRY[name]():
            print(f"  {name:<10} {label:<52} {value:>10.1f} {unit}")
    return 0


if __name__ == "__main__":
    # Run through the imported module, not this __main__ copy: topic modules register
    # their benchmarks in `course_utils.bench.REGISTRY`.
    from course_utils.bench import main as _main

    sys.exit(_main())
