"""An honest roofline: a compute ceiling no measurement exceeds, and a measured memory bandwidth.

The roofline model (Williams, Waterman & Patterson 2009) bounds the speed of a kernel by
``min(peak, intensity x bandwidth)``. Both roofs here come from this machine:

* the **nominal peak** is cores x clock x FLOP per cycle, read from ``/proc/cpuinfo``; the
  FLOP per cycle follow from the widest SIMD extension and the core that runs it
  (:func:`course_utils.cost.ceiling.vector_unit`: Zen 4's AVX-512 is double-pumped, for one);
* the **ceiling** used for "% of peak" is :class:`course_utils.cost.ceiling.Ceiling`: the larger
  of that nominal peak and the best matmul of every installed engine. A speed above it is an
  error, never a share above 100 % (:meth:`Roofline.percent`);
* the **bandwidth** is measured: a large NumPy copy and scale, median over repeats.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..timing import Timing, time_calls
from .ceiling import Ceiling, VectorUnit, clock_ghz, engine_matmuls, vector_unit

BYTES = 4  # float32


@dataclass(frozen=True)
class CpuInfo:
    """What ``/proc/cpuinfo`` says: physical ``cores``, clock in ``mhz``, ISA ``flags``, ``model``
    name, and who made the core (``vendor`` id, ``family`` and ``model_number``)."""

    cores: int
    mhz: float
    flags: frozenset[str]
    model: str = ""
    vendor: str = ""
    family: int | None = None
    model_number: int | None = None

    @property
    def unit(self) -> VectorUnit:
        """The widest vector unit of these cores (:func:`course_utils.cost.ceiling.vector_unit`)."""
        return vector_unit(self.flags, self.vendor, self.family, self.model_number)

    @property
    def flops_per_cycle(self) -> int:
        """float32 FLOP per cycle per core of :attr:`unit`."""
        return self.unit.flops_per_cycle

    @property
    def nominal_peak(self) -> float:
        """cores x GHz x FLOP/cycle, in GFLOP/s (at the clock ``/proc/cpuinfo`` reports)."""
        return self.cores * self.mhz / 1e3 * self.flops_per_cycle


def flops_per_cycle(flags: Iterable[str], vendor: str = "", family: int | None = None,
                    model: int | None = None) -> int:
    """float32 FLOP per cycle and core for a set of CPU flags and a core (an upper bound)."""
    return vector_unit(flags, vendor, family, model).flops_per_cycle


def parse_cpuinfo(text: str) -> CpuInfo:
    """Read ``/proc/cpuinfo`` text: physical cores (distinct physical id / core id pairs, or
    processors when those are missing), the mean "cpu MHz", the flags of the first CPU."""
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    cpus = [dict(_fields(b)) for b in blocks]
    cpus = [c for c in cpus if "processor" in c]
    if not cpus or not all("cpu MHz" in c for c in cpus):
        raise ValueError("expected /proc/cpuinfo text with 'processor' and 'cpu MHz' lines per CPU")
    cores = {(c.get("physical id"), c.get("core id", c["processor"])) for c in cpus}
    try:
        mhz = float(np.mean([float(c["cpu MHz"]) for c in cpus]))
    except ValueError:
        raise ValueError("expected a number on every 'cpu MHz' line of /proc/cpuinfo") from None
    first = cpus[0]
    return CpuInfo(len(cores), mhz, frozenset(first.get("flags", first.get("Features", "")).split()),
                   first.get("model name", ""), first.get("vendor_id", ""), _int(first.get("cpu family")),
                   _int(first.get("model")))


def _int(text: str | None) -> int | None:
    try:
        return int(text, 0) if text is not None else None
    except ValueError:
        return None


def _fields(block: str):
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            yield key.strip(), value.strip()


def read_cpuinfo(path: str | Path = "/proc/cpuinfo") -> CpuInfo | None:
    """:func:`parse_cpuinfo` of this machine, limited to the CPUs this process may use;
    ``None`` where there is no readable ``/proc/cpuinfo`` (macOS, Windows)."""
    try:
        info = parse_cpuinfo(Path(path).read_text())
    except (OSError, ValueError):
        return None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else info.cores
    return CpuInfo(min(info.cores, usable), info.mhz, info.flags, info.model, info.vendor, info.family,
                   info.model_number)


def last_level_cache(root: str | Path = "/sys/devices/system/cpu/cpu0/cache") -> int | None:
    """Size in bytes of the largest cache level Linux reports for CPU 0 (e.g. "32768K"), or None."""
    sizes = {}
    for index in Path(root).glob("index*"):
        try:
            level = int((index / "level").read_text())
            text = (index / "size").read_text().strip()
        except (OSError, ValueError):
            continue
        unit = {"K": 2**10, "M": 2**20}.get(text[-1:], 1)
        sizes[level] = int(text.rstrip("KM")) * unit
    return sizes[max(sizes)] if sizes else None


def attainable(intensity, peak: float, bandwidth: float):
    """Roofline bound in GFLOP/s: ``min(peak, intensity x bandwidth)``.

    ``intensity`` (FLOP per byte; a number or an array of shape (n,)) must be > 0, ``peak``
    in GFLOP/s and ``bandwidth`` in GB/s must be > 0. Returns a float or an array of shape (n,).
    """
    try:
        ai = np.asarray(intensity, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"intensity must be numbers (FLOP/byte), got {intensity!r}") from None
    if ai.size == 0:
        raise ValueError("attainable needs at least one intensity, got an empty array")
    if np.any(~np.isfinite(ai)) or np.any(ai <= 0):
        raise ValueError(f"intensity must be finite FLOP/byte > 0, got {intensity!r}")
    if not (peak > 0 and bandwidth > 0):
        raise ValueError(f"peak (GFLOP/s) and bandwidth (GB/s) must be > 0, got {peak!r}, {bandwidth!r}")
    bound = np.minimum(peak, ai * bandwidth)
    return float(bound) if bound.ndim == 0 else bound


@dataclass(frozen=True)
class Roofline:
    """Compute ceiling (GFLOP/s) and bandwidth (GB/s); ``ceiling_from`` names what set the ceiling.

    Build it with :meth:`from_speeds`, which takes the ceiling as the largest of the nominal
    peak and every measured speed: :meth:`percent` can then never exceed 100.
    """

    ceiling: float
    bandwidth: float
    ceiling_from: str
    speeds: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_speeds(cls, bandwidth: float, speeds: Mapping[str, float]) -> Roofline:
        """``speeds``: {name: GFLOP/s}, e.g. the nominal peak, matmuls and every timed layer."""
        if not speeds or any(not (0 < v < float("inf")) for v in speeds.values()):
            raise ValueError(f"speeds must be a non-empty {{name: finite GFLOP/s > 0}} mapping, got {speeds!r}")
        if not 0 < bandwidth < float("inf"):
            raise ValueError(f"bandwidth must be finite GB/s > 0, got {bandwidth!r}")
        name = max(speeds, key=speeds.get)
        return cls(speeds[name], bandwidth, name, dict(speeds))

    @classmethod
    def from_ceiling(cls, bandwidth: float, ceiling: Ceiling) -> Roofline:
        """The roofline under a measured :class:`~course_utils.cost.ceiling.Ceiling` (nominal peak and
        every engine's best matmul); a layer faster than it gets no percentage (:meth:`percent_text`)."""
        speeds = {f"{e} matmul": best for e, (_, best) in ceiling.matmuls.items()}
        if ceiling.nominal:
            speeds["nominal peak"] = ceiling.nominal
        return cls.from_speeds(bandwidth, speeds)

    @property
    def ridge(self) -> float:
        """Arithmetic intensity (FLOP/byte) where the two roofs meet."""
        return self.ceiling / self.bandwidth

    def attainable(self, intensity):
        """:func:`attainable` under this roofline."""
        return attainable(intensity, self.ceiling, self.bandwidth)

    def percent(self, gflops: float) -> float:
        """``gflops`` as a percentage of the ceiling; a speed above the ceiling is an error
        (it should have been among the ``speeds`` the ceiling was built from)."""
        if not 0 <= gflops <= self.ceiling * (1 + 1e-9):
            raise ValueError(f"{gflops!r} GFLOP/s is outside 0..{self.ceiling:.1f}: "
                             "build the Roofline from every measured speed")
        return 100 * gflops / self.ceiling

    def percent_text(self, gflops: float) -> str:
        """``"67%"``, or ``"above ceiling"`` for a speed no share can describe (a convolution done with
        fewer multiplies than counted, e.g. Winograd): never a share above 100 %."""
        return f"{self.percent(gflops):.0f}%" if gflops <= self.ceiling else "above ceiling"


def measure_bandwidth(megabytes: int = 256, repeat: int = 7) -> dict[str, Timing]:
    """Time a NumPy float32 copy and scale (``b = 3 * a``) of ``megabytes`` MB, far larger than
    the caches. Returns {"copy": Timing, "scale": Timing}; each moves 2 x ``megabytes`` MB per call
    (read one array, write the other): GB/s = :func:`gb_per_s` of the timing."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (megabytes, repeat)):
        raise ValueError(f"megabytes and repeat must be whole numbers, got {megabytes!r}, {repeat!r}")
    if megabytes < 1 or repeat < 1:
        raise ValueError(f"megabytes and repeat must be >= 1, got {megabytes}, {repeat}")
    n = megabytes * 2**20 // BYTES
    src = np.ones(n, dtype=np.float32)
    dst = np.empty_like(src)
    return {"copy": time_calls(lambda: np.copyto(dst, src), repeat=repeat),
            "scale": time_calls(lambda: np.multiply(src, np.float32(3), out=dst), repeat=repeat)}


def gb_per_s(timing: Timing, megabytes: int = 256) -> tuple[float, float, float]:
    """(median, lowest, highest) GB/s of a :func:`measure_bandwidth` timing."""
    moved = 2 * megabytes * 2**20 / 1e9
    return moved / timing.median, moved / timing.worst, moved / timing.best


def matmul_speed(n: int = 2048, repeat: int = 5, framework: str = "numpy") -> Timing:
    """Seconds per float32 ``n x n`` matrix multiply (2 n^3 FLOPs) in NumPy's BLAS or PyTorch."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n, repeat)):
        raise ValueError(f"n and repeat must be whole numbers, got {n!r}, {repeat!r}")
    if n < 1 or framework not in ("numpy", "torch"):
        raise ValueError(f"need n >= 1 and framework 'numpy' or 'torch', got {n}, {framework!r}")
    if framework == "torch":
        import torch

        a, b = torch.randn(n, n), torch.randn(n, n)
        with torch.inference_mode():
            return time_calls(lambda: a @ b, repeat=repeat)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    return time_calls(lambda: a @ b, repeat=repeat)


def measure_ceiling(threads: int = 1, engines: Sequence[str] | None = None, n: int = 1024,
                    repeat: int = 7, elsewhere: bool = False) -> Ceiling:
    """This machine's :class:`Ceiling` for work on ``threads`` threads (cores = min(threads, usable cores)).

    ``engines``: default, those this process holds (:func:`~course_utils.cost.ceiling.available_engines`);
    ``elsewhere=True`` also times every other installed framework, in one child process, so a
    kernel that holds one framework still gets all four engines without importing the other.
    """
    from .ceiling import ENGINES, available_engines

    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    cpu = read_cpuinfo()
    here = available_engines() if engines is None else tuple(engines)
    matmuls = engine_matmuls(here, n=n, threads=threads, repeat=repeat)
    others = tuple(e for e in available_engines(load=True) if e not in here and e in ENGINES) if elsewhere else ()
    if others:
        from ..frameworks import in_child

        loads = tuple(f for f in ("torch", "tensorflow") if f in others)
        matmuls |= in_child("course_utils.cost.ceiling:engine_matmuls", others, n=n, threads=threads,
                            repeat=repeat, frameworks=loads, timeout=300)
    if cpu is None:
        return Ceiling(threads, vector_unit(()), None, None, matmuls)
    ghz = clock_ghz(cpu.mhz, cpu.model)
    nominal = min(threads, cpu.cores) * ghz * cpu.unit.flops_per_cycle
    return Ceiling(threads, cpu.unit, ghz, nominal, matmuls)


__all__ = ["CpuInfo", "Roofline", "measure_ceiling", "attainable", "flops_per_cycle", "gb_per_s", "last_level_cache", "matmul_speed",
           "measure_bandwidth", "parse_cpuinfo", "read_cpuinfo"]
