"""An honest compute ceiling for "% of peak": one that no kernel can exceed, on any machine.

A share of the peak needs a denominator that is really an upper bound. Two go into it:

* the **nominal peak** of the vector unit: cores x clock x float32 FLOP per cycle. The FLOP per
  cycle come from the widest SIMD extension *and* the core that executes it (:func:`vector_unit`):
  AVX-512 is two 512-bit FMA pipes (64 FLOP/cycle) on recent Intel server cores and on AMD Zen 5,
  but Zen 4 executes each 512-bit instruction as two 256-bit halves ("double-pumped": 32), and
  Intel parts with a single 512-bit FMA port also reach only 32. Where the core cannot be told
  from ``/proc/cpuinfo`` the larger figure is taken, so the nominal peak stays an upper bound.
  The clock is the highest one the system reports (a virtual machine may report only its base
  clock, while the cores boost higher);
* the **best matmul of every installed engine** (:func:`engine_matmuls`): NumPy's BLAS, PyTorch,
  TensorFlow and onnxruntime each pick their own kernels (OpenBLAS may be pinned to AVX2 kernels
  while XNNPACK uses AVX-512), so one library's matmul is not the machine's ceiling.

:class:`Ceiling` is the larger of the two (measured by :func:`course_utils.cost.roofline.measure_ceiling`). Its :meth:`Ceiling.share` refuses a speed above it:
that would mean the ceiling is wrong (a boost clock nobody reported, or an engine missing from
the comparison), and a share above 100 % is never printed.
"""
from __future__ import annotations

import importlib.util
import platform
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..timing import time_calls

ENGINES = ("numpy", "torch", "tensorflow", "onnxruntime")


@dataclass(frozen=True)
class VectorUnit:
    """The widest vector unit of a core: ``name``, float32 ``flops_per_cycle`` and why (``basis``)."""

    name: str
    flops_per_cycle: int
    basis: str


def vector_unit(flags: Iterable[str], vendor: str = "", family: int | None = None, model: int | None = None,
                machine: str | None = None) -> VectorUnit:
    """float32 FLOP per cycle and core, from the CPU flags and who made the core (an upper bound).

    ``vendor``: ``/proc/cpuinfo``'s vendor_id (GenuineIntel, AuthenticAMD); ``family`` and ``model``
    its "cpu family" and "model" numbers; ``machine``: ``platform.machine()`` (default: this one).
    """
    flags, machine = set(flags), (machine or platform.machine()).lower()
    amd = vendor == "AuthenticAMD"
    if "avx512f" in flags:
        if amd and family == 0x19:   # Zen 4: 512-bit instructions run as two 256-bit halves
            return VectorUnit("AVX-512 (Zen 4, double-pumped)", 32, "2 FMA pipes x 8 float32 lanes x 2 FLOP")
        return VectorUnit("AVX-512", 64, "2 FMA pipes x 16 float32 lanes x 2 FLOP (parts with one 512-bit "
                                         "FMA port reach half: this is the upper bound)")
    if "avx2" in flags and "fma" in flags:
        if amd and family == 0x17 and (model or 0) < 0x30:   # Zen 1/Zen+: 256-bit ops as two 128-bit halves
            return VectorUnit("AVX2 (Zen 1, double-pumped)", 16, "2 FMA pipes x 4 float32 lanes x 2 FLOP")
        return VectorUnit("AVX2 + FMA", 32, "2 FMA pipes x 8 float32 lanes x 2 FLOP")
    if "avx" in flags:
        return VectorUnit("AVX", 16, "one 8-lane multiply and one 8-lane add per cycle")
    if machine in ("aarch64", "arm64") or "asimd" in flags:
        return VectorUnit("NEON / SVE", 32, "up to 4 FMA pipes x 4 float32 lanes x 2 FLOP (Apple M-series; "
                                            "Neoverse cores have 2 to 4: the upper bound)")
    if "sse2" in flags:
        return VectorUnit("SSE2", 8, "one 4-lane multiply and one 4-lane add per cycle")
    return VectorUnit("scalar", 2, "one multiply and one add per cycle")


def clock_ghz(cpuinfo_mhz: float | None, model_name: str = "",
              cpufreq: str | Path = "/sys/devices/system/cpu") -> float | None:
    """The highest clock the system reports, in GHz: ``cpuinfo_max_freq`` of any CPU (cpufreq),
    the "cpu MHz" of ``/proc/cpuinfo``, or the "@ 2.10GHz" of the model name; ``None`` if none."""
    found = [cpuinfo_mhz / 1e3] if cpuinfo_mhz else []
    for path in Path(cpufreq).glob("cpu[0-9]*/cpufreq/cpuinfo_max_freq"):
        try:
            found.append(int(path.read_text()) / 1e6)   # kHz
        except (OSError, ValueError):
            continue
    m = re.search(r"@\s*([\d.]+)\s*GHz", model_name)
    if m:
        found.append(float(m.group(1)))
    return max(found) if found else None


def _onnx_matmul(n: int, threads: int):
    """An onnxruntime session holding one float32 ``n x n`` MatMul, and its two inputs."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    io = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [n, n]) for name in "abc"]
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul", io[:2], io[2:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = min(model.ir_version, 9)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _matmul_call(engine: str, n: int, threads: int):
    """A no-argument callable doing one float32 ``n x n`` matmul in ``engine``."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    if engine == "numpy":
        return lambda: a @ b
    if engine == "torch":
        import torch

        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        return lambda: torch.mm(ta, tb)
    if engine == "tensorflow":
        import tensorflow as tf

        ta, tb = tf.constant(a), tf.constant(b)
        return lambda: tf.linalg.matmul(ta, tb).numpy()
    session = _onnx_matmul(n, threads)
    return lambda: session.run(["c"], {"a": a, "b": b})


def available_engines(load: bool = False) -> tuple[str, ...]:
    """The matmul engines this process can time: installed and, unless ``load``, already imported
    (a kernel that holds one framework should not pay 0.5 GiB for the other). NumPy and
    onnxruntime are light and always count when installed."""
    def usable(name):
        if importlib.util.find_spec(name) is None:
            return False
        return load or name in ("numpy", "onnxruntime") or name in sys.modules
    return tuple(e for e in ENGINES if usable(e))


def engine_matmuls(engines: Sequence[str] | None = None, n: int = 1024, threads: int = 1,
                   repeat: int = 7) -> dict[str, tuple[float, float]]:
    """{engine: (median, best) GFLOP/s} of a float32 ``n x n`` matmul (2 n^3 FLOPs) in each engine,
    limited to ``threads`` threads (TensorFlow's pools are sized once, before its first op: it runs
    as its process configured it, which can only raise the ceiling). ``engines``: default
    :func:`available_engines`."""
    from threadpoolctl import threadpool_limits

    engines = available_engines() if engines is None else tuple(engines)
    bad = [e for e in engines if e not in ENGINES]
    if bad or min(n, threads, repeat) < 1:
        raise ValueError(f"engines must be among {ENGINES}, n, threads and repeat >= 1; got {bad}, {n}, {threads}, {repeat}")
    out = {}
    for engine in engines:
        with threadpool_limits(threads), _torch_threads(threads):
            t = time_calls(_matmul_call(engine, n, threads), repeat=repeat, warmup=2)
        out[engine] = (2 * n**3 / t.median / 1e9, 2 * n**3 / t.best / 1e9)
    return out


class _torch_threads:
    """Limit PyTorch's intra-op pool while timing (only if PyTorch is already imported)."""

    def __init__(self, threads):
        self.threads, self.saved = threads, None

    def __enter__(self):
        if "torch" in sys.modules:
            torch = sys.modules["torch"]
            self.saved = torch.get_num_threads()
            torch.set_num_threads(self.threads)

    def __exit__(self, *exc):
        if self.saved is not None:
            sys.modules["torch"].set_num_threads(self.saved)


@dataclass(frozen=True)
class Ceiling:
    """The larger of the nominal peak (``None`` without ``/proc/cpuinfo``) and every engine's best matmul."""

    threads: int
    unit: VectorUnit
    clock_ghz: float | None
    nominal: float | None
    matmuls: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """GFLOP/s: the ceiling every share divides by."""
        return max([self.nominal or 0.0] + [best for _, best in self.matmuls.values()])

    @property
    def source(self) -> str:
        best = max(self.matmuls, key=lambda e: self.matmuls[e][1], default=None)
        if self.nominal is not None and (best is None or self.nominal >= self.matmuls[best][1]):
            return "nominal peak"
        return f"{best} matmul (faster than the nominal peak: the clock reported is below the real one)"

    def share(self, gflops: float) -> float:
        """``gflops`` as a fraction of the ceiling; a speed above it raises (never a share > 100 %)."""
        if not 0 <= gflops <= self.value * (1 + 1e-9):
            raise ValueError(f"{gflops:.1f} GFLOP/s is above the ceiling of {self.value:.1f} GFLOP/s ({self}): "
                             "the clock or an engine is missing from the ceiling")
        return gflops / self.value

    def __str__(self) -> str:
        nominal = (f"nominal {self.nominal:.0f} GFLOP/s = {self.threads} core{'s' if self.threads > 1 else ''} x "
                   f"{self.clock_ghz:.2f} GHz x {self.unit.flops_per_cycle} FLOP/cycle ({self.unit.name})"
                   if self.nominal is not None else "no nominal peak (no /proc/cpuinfo)")
        engines = ", ".join(f"{e} {best:.0f}" for e, (_, best) in self.matmuls.items())
        return f"ceiling {self.value:.0f} GFLOP/s from the {self.source.split(' (')[0]}; {nominal}; best matmuls: {engines}"


__all__ = ["Ceiling", "ENGINES", "VectorUnit", "available_engines", "clock_ghz", "engine_matmuls",
           "vector_unit"]
