"""Budgets a phone app lives within: frames per second, app size, and energy per inference.

Energy uses published per-operation energies for a 45 nm process at 0.9 V (Horowitz 2014,
"Computing's energy problem (and what we can do about it)", ISSCC, Figure 1.1.9), with the
32-bit memory-access figures as tabulated from it by Han et al. 2015 (arXiv:1506.02626,
Table 1). Absolute joules on a modern phone differ (newer processes are cheaper); the
*ratios* -- DRAM access >> arithmetic, float32 >> int8 -- are the lesson.
"""
from __future__ import annotations

import math
import numbers

from dataclasses import dataclass

from ..data.validate import check_count

CAMERA_FPS = 30.0
# picojoules per operation (45 nm, 0.9 V; Horowitz 2014)
ENERGY_PJ = {
    "int8 add": 0.03, "int32 add": 0.1, "int8 mult": 0.2, "int32 mult": 3.1,
    "float16 add": 0.4, "float32 add": 0.9, "float16 mult": 1.1, "float32 mult": 3.7,
    "sram read 32 bit": 5.0,      # 8 KB on-chip SRAM (Han et al. 2015, Table 1)
    "dram read 32 bit": 640.0,    # off-chip DRAM (Han et al. 2015, Table 1)
}
# A MAC multiplies in the storage precision and accumulates: int8 products are summed in int32.
MAC_OPS = {"float32": ("float32 mult", "float32 add"), "int8": ("int8 mult", "int32 add")}
BYTES_PER_VALUE = {"float32": 4, "float16": 2, "int8": 1}


def _finite(x) -> bool:
    """A real number (NumPy ones too, never bool or str) that is not NaN or infinite."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def frame_budget(latency_ms: float, camera_fps: float = CAMERA_FPS) -> dict[str, float]:
    """Frames per second of a model taking ``latency_ms`` per frame, and the share of a camera's
    frame interval (``1000 / camera_fps`` ms) it uses: ``{"fps", "budget_ms", "budget_share"}``."""
    if not (_finite(latency_ms) and _finite(camera_fps) and latency_ms > 0 and camera_fps > 0):
        raise ValueError(f"latency_ms and camera_fps must be > 0 (finite numbers), got {latency_ms!r}, {camera_fps!r}")
    budget = 1e3 / camera_fps
    return {"fps": 1e3 / latency_ms, "budget_ms": budget, "budget_share": latency_ms / budget}


def model_bytes(params: int, precision: str = "float32") -> int:
    """Bytes to store ``params`` weights in ``precision`` ("float32", "float16" or "int8"),
    without the per-tensor scales and the graph a real file adds."""
    if precision not in BYTES_PER_VALUE:
        raise ValueError(f"precision must be one of {tuple(BYTES_PER_VALUE)}, got {precision!r}")
    check_count(params, "params", minimum=0)
    return params * BYTES_PER_VALUE[precision]


def app_share(model_kb: float, app_mb: float) -> float:
    """Share of an app download that is the model: ``model / (app + model)``, both in the same unit."""
    if not (_finite(model_kb) and _finite(app_mb)) or model_kb < 0 or app_mb < 0:
        raise ValueError(f"sizes must be >= 0, got model_kb={model_kb!r}, app_mb={app_mb!r}")
    model_mb = model_kb / 1024
    return model_mb / (app_mb + model_mb) if app_mb + model_mb > 0 else 0.0


@dataclass(frozen=True)
class Energy:
    """Energy of one inference in microjoules, split into arithmetic and memory traffic."""

    precision: str
    compute_uj: float
    weights_uj: float      # every weight read once from DRAM
    activations_uj: float  # every layer's input read and output written once, in SRAM

    @property
    def total_uj(self) -> float:
        return self.compute_uj + self.weights_uj + self.activations_uj


def energy_per_inference(macs: int, weights: int, activation_entries: int, precision: str = "float32") -> Energy:
    """Energy estimate of one inference from counts.

    ``macs``: multiply-adds; ``weights``: stored weights; ``activation_entries``: values read
    and written between layers (e.g. the sum of ``cost.memory.memory_steps`` entries).
    Memory energies are per 32-bit word, so int8 packs four values into one access.
    """
    if precision not in MAC_OPS:
        raise ValueError(f"precision must be one of {tuple(MAC_OPS)}, got {precision!r}")
    if not all(_finite(n) for n in (macs, weights, activation_entries)) or min(macs, weights, activation_entries) < 0:
        raise ValueError(f"macs, weights and activation_entries must be finite numbers >= 0, "
                         f"got {macs!r}, {weights!r}, {activation_entries!r}")
    mult, add = MAC_OPS[precision]
    words = BYTES_PER_VALUE[precision] / 4   # 32-bit words per value
    pj = {"compute": macs * (ENERGY_PJ[mult] + ENERGY_PJ[add]),
          "weights": weights * words * ENERGY_PJ["dram read 32 bit"],
          "activations": activation_entries * words * ENERGY_PJ["sram read 32 bit"]}
    return Energy(precision, pj["compute"] / 1e6, pj["weights"] / 1e6, pj["activations"] / 1e6)


__all__ = ["BYTES_PER_VALUE", "CAMERA_FPS", "ENERGY_PJ", "Energy", "MAC_OPS", "app_share", "energy_per_inference",
           "frame_budget", "model_bytes"]
