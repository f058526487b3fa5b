"""Two of ShuffleNet V2's guidelines (Ma et al. 2018, arXiv:1807.11164), measured on this CPU.

* **G1, equal channel widths minimise memory access.** A 1x1 convolution from c1 to c2 channels
  on an h x w map does B = hw c1 c2 MACs and touches MAC_mem = hw (c1 + c2) + c1 c2 floats (input,
  output, weights). At fixed B, MAC_mem is smallest when c1 = c2. The paper stacks 10 blocks of
  two 1x1 convolutions (c1 -> c2, then c2 -> c1) on a 56 x 56 input and varies c1:c2 at
  (about) fixed FLOPs. :func:`g1_channels` picks (c1, c2) with c1 x c2 *exactly* equal, so the MACs
  are identical across ratios and only the shape changes.
* **G4, element-wise operations are not free.** ResNet's bottleneck unit with its ReLUs and its
  shortcut (add) removed, separately and together: the MACs do not change.

The counts (:func:`g1_rows`, :func:`g4_rows`) are pure Python; :func:`time_guidelines` builds the
networks of :mod:`course_utils.models.torch_guidelines` and times them (PyTorch, imported on use).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..timing import Timing, steady_allocator, time_interleaved

G1_RATIOS = (1, 2, 6, 12)
G1_PRODUCT = 19600          # c1 x c2 of every configuration: 140 x 140 at 1:1
G4_VARIANTS = {"ReLU and shortcut": (True, True), "shortcut, no ReLU": (False, True),
               "ReLU, no shortcut": (True, False), "neither": (False, False)}


@dataclass(frozen=True)
class GuidelineRow:
    """One configuration: its ``name``, exact ``macs`` and memory access ``mem`` (floats touched)
    per image, ``elementwise`` ops per image, and its ``timing`` (seconds per call, or None)."""

    name: str
    macs: int
    mem: int
    elementwise: int = 0
    timing: Timing | None = None


def _positive(**values) -> None:
    bad = {k: v for k, v in values.items() if isinstance(v, bool) or not isinstance(v, int) or v < 1}
    if bad:
        raise ValueError(f"expected positive whole numbers, got {bad}")


def g1_channels(ratios=G1_RATIOS, product: int = G1_PRODUCT) -> list[tuple[int, int]]:
    """For each ratio r (c2 / c1 >= 1), the (c1, c2) with c1 x c2 == ``product`` exactly and c2 / c1
    nearest r (on a log scale). Raises ``ValueError`` for ratios below 1 or a product below 1."""
    _positive(product=product)
    if not ratios or any(not isinstance(r, (int, float)) or isinstance(r, bool) or not r >= 1 for r in ratios):
        raise ValueError(f"ratios must be numbers >= 1 (c2 / c1), got {ratios!r}")
    divisors = [d for d in range(1, math.isqrt(product) + 1) if product % d == 0]
    return [(c1, product // c1) for c1 in
            (min(divisors, key=lambda d: abs(math.log(product / d / d / r))) for r in ratios)]


def memory_access_cost(h: int, w: int, c1: int, c2: int) -> int:
    """Floats a 1x1 convolution c1 -> c2 on an h x w map touches: hw (c1 + c2) + c1 c2 (Ma et al. 2018, G1)."""
    _positive(h=h, w=w, c1=c1, c2=c2)
    return h * w * (c1 + c2) + c1 * c2


def g1_rows(size: int = 56, blocks: int = 10, ratios=G1_RATIOS, product: int = G1_PRODUCT) -> list[GuidelineRow]:
    """The G1 configurations ``"1:r (c1, c2)"``: ``blocks`` x (c1 -> c2, c2 -> c1) 1x1 convs on size x size."""
    _positive(size=size, blocks=blocks)
    rows = []
    for r, (c1, c2) in zip(ratios, g1_channels(ratios, product)):
        rows.append(GuidelineRow(f"1:{r:g} ({c1}, {c2})", 2 * blocks * size * size * c1 * c2,
                                 2 * blocks * memory_access_cost(size, size, c1, c2)))
    return rows


def g4_rows(c: int = 256, size: int = 56, units: int = 10) -> list[GuidelineRow]:
    """The G4 variants of ``units`` bottleneck units (c -> c/4 -> c/4 -> c, 3x3 in the middle) on size x size:
    equal MACs; ``elementwise`` counts the elements the ReLUs and adds process (3 ReLUs and 1 add a unit)."""
    _positive(c=c, size=size, units=units)
    if c % 4:
        raise ValueError(f"c must be divisible by 4 (the bottleneck is c / 4 wide), got {c}")
    hw, mid = size * size, c // 4
    macs = units * hw * (c * mid + 9 * mid * mid + mid * c)
    mem = units * (hw * (c + mid) + c * mid + hw * 2 * mid + 9 * mid * mid + hw * (mid + c) + mid * c)
    relu, add = units * hw * (2 * mid + c), units * hw * c
    return [GuidelineRow(name, macs, mem, relu * r + add * s) for name, (r, s) in G4_VARIANTS.items()]


def time_guidelines(repeat: int = 5, batch: int = 1, seed: int = 0, g1: dict | None = None,
                    g4: tuple[dict, ...] = ({"c": 64}, {"c": 256}),
                    steady: bool = True) -> dict[str, list[GuidelineRow]]:
    """{"G1": rows, "G4 c=64": rows, ...} with timings: batch ``batch``, eval and inference mode, random
    weights and inputs, the configurations of one experiment timed once per round (``repeat`` rounds,
    interleaved). ``g1``: keyword arguments of :func:`g1_rows` (size, blocks, ratios, product); ``g4``:
    one dict of :func:`g4_rows` arguments (c, size, units) per width. ``steady``: first
    :func:`~course_utils.timing.steady_allocator` (for this whole process: run it in a child), so a layer
    with a large output pays for its arithmetic and memory traffic, not for page faults."""
    import torch

    from ..models.torch_guidelines import bottleneck_stack, conv1x1_stack

    _positive(repeat=repeat, batch=batch)
    if steady:
        steady_allocator()
    g1 = dict(g1 or {})
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    size, blocks = g1.get("size", 56), g1.get("blocks", 10)
    pairs = g1_channels(g1.get("ratios", G1_RATIOS), g1.get("product", G1_PRODUCT))
    stacks = [(conv1x1_stack(c1, c2, blocks), (batch, c1, size, size)) for c1, c2 in pairs]
    experiments = {"G1": (g1_rows(**g1), stacks)}
    for kw in g4:
        c, size4, units = kw.get("c", 256), kw.get("size", 56), kw.get("units", 10)
        experiments[f"G4 c={c}"] = (g4_rows(**kw), [(bottleneck_stack(c, units, relu, short), (batch, c, size4, size4))
                                                   for relu, short in G4_VARIANTS.values()])
    out = {}
    with torch.inference_mode():
        for key, (rows, nets) in experiments.items():
            calls = [lambda m=m.eval(), x=torch.from_numpy(rng.standard_normal(shape).astype(np.float32)): m(x)
                     for m, shape in nets]
            out[key] = [replace(row, timing=t) for row, (t, _) in zip(rows, time_interleaved(calls, repeat))]
    return out


__all__ = ["G1_PRODUCT", "G1_RATIOS", "G4_VARIANTS", "GuidelineRow", "g1_channels", "g1_rows", "g4_rows",
           "memory_access_cost", "time_guidelines"]
