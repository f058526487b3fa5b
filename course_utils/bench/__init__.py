"""``make bench``: performance figures for this machine, printed, never asserted.

A benchmark is a function returning ``(label, value, unit)`` rows, registered with
:func:`benchmark` in one of this package's modules (``bench/cost.py``, ``bench/classical.py``
...). Topic modules never import this package; this package imports them. :func:`discover`
imports every module of the package, so a new benchmark file runs without being listed
anywhere. Run all with ``python -m course_utils.bench``, or some with
``python -m course_utils.bench conv hog`` (``--list`` names them).
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Callable

from ..timing import best_of  # noqa: F401  (re-exported for benchmark modules)

Row = tuple[str, float, str]
REGISTRY: dict[str, Callable[[], list[Row]]] = {}


def benchmark(name: str):
    """Register the decorated function as the benchmark called ``name`` (names are unique)."""
    def register(fn: Callable[[], list[Row]]):
        if name in REGISTRY and REGISTRY[name] is not fn:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = fn
        return fn
    return register


def discover() -> dict[str, Callable[[], list[Row]]]:
    """Import every module of ``course_utils.bench`` (each registers its benchmarks)."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    discover()
    if argv == ["--list"]:
        for name, fn in REGISTRY.items():
            print(f"{name:<12} {(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    names = argv or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; expected some of {sorted(REGISTRY)}")
        return 2
    print(f"Small & Fast benchmarks · {os.cpu_count()} CPU cores · {', '.join(names)}")
    for name in names:
        for label, value, unit in REGISTRY[name]():
            digits = 2 if unit == "x" else 1  # ratios need the second decimal (1.05 vs 1.14)
            print(f"  {name:<10} {label:<60} {value:>10.{digits}f} {unit}", flush=True)
    return 0


__all__ = ["REGISTRY", "Row", "benchmark", "best_of", "discover", "main"]
