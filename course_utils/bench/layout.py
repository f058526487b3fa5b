"""Lesson 05's "why MACs are not milliseconds": ratios measured side by side in one run.

* ``layout``: MobileNet v2 1.0 at batch 32, PyTorch ``channels_last`` against ``contiguous_format``
  (course builder) and Keras channels_first against channels_last (``keras.applications``), with a lone
  3x3 depthwise layer in both PyTorch layouts, each with glibc's default allocator and then a steady one
  (in a child process); a ratio below 1 means the layout named first in it is the faster.
* ``guidelines``: ShuffleNet V2's G1 (1x1 conv stacks at equal MACs, 1:12 against 1:1) and G4 (ResNet
  bottlenecks without ReLU and shortcut, against with), batch 1, and lesson 05's per-layer sum against
  the whole MobileNet v2 at batch 1; all with glibc's allocator steadied (no page faults per call).
"""
from __future__ import annotations

from . import Row, benchmark

REPEAT = 7


@benchmark("layout")
def layout_bench() -> list[Row]:
    """MobileNet v2 b32: PyTorch channels_last / contiguous, Keras channels_first / channels_last (median of 7)."""
    from ..frameworks import import_frameworks, in_child

    # a child process: torch_layouts steadies glibc's allocator, which must not leak into other benchmarks
    t = in_child("course_utils.cost.layouts:torch_layouts", frameworks=("torch",), batch=32, repeat=REPEAT)
    import_frameworks("tensorflow", seed=0)
    from ..cost.layouts import keras_layouts

    rows: list[Row] = []
    for allocator in ("default", "steady"):
        for name in ("network", "depthwise"):
            if name not in t[allocator]:
                continue
            (contiguous, _), (last, _) = t[allocator][name]["contiguous"], t[allocator][name]["channels_last"]
            label = f"torch {'MobileNet v2' if name == 'network' else '3x3 dw 144x56x56'} b32 {allocator}"
            rows += [(f"{label} contiguous", 1e3 * contiguous.median, "ms"),
                     (f"{label} channels_last", 1e3 * last.median, "ms"),
                     (f"{label} CL / contiguous", last.median / contiguous.median, "x")]
    for layout, counts in t["onednn"].items():
        rows.append((f"torch oneDNN activation reorders a forward, {layout}",
                     counts.get("reorder (activations)", (0, 0.0))[0], "calls"))
    k = keras_layouts(batch=32, repeat=REPEAT)
    for layout, measured in k.items():
        if isinstance(measured, str):
            print(f"  keras {layout}: {measured}")
        else:
            rows.append((f"keras MobileNet v2 b32 {layout}", 1e3 * measured[0].median, "ms"))
    if not any(isinstance(v, str) for v in k.values()):
        ratio = k["channels_first"][0].median / k["channels_last"][0].median
        rows.append(("keras channels_first / channels_last", ratio, "x"))
    return rows


@benchmark("guidelines")
def guidelines_bench() -> list[Row]:
    """ShuffleNet V2 G1 (1:12 / 1:1) and G4 (no ReLU, no shortcut / both) b1; v2 per-layer sum / network."""
    from ..frameworks import in_child

    # child processes: both steady glibc's allocator, which must not leak into the other benchmarks
    out = in_child("course_utils.cost.guidelines:time_guidelines", frameworks=("torch",), repeat=2 * REPEAT)
    g1 = out.pop("G1")
    rows: list[Row] = [(f"G1 {r.name} b1", 1e3 * r.timing.median, "ms") for r in g1]
    rows.append((f"G1 {g1[-1].name.split()[0]} / {g1[0].name.split()[0]} (equal MACs)",
                 g1[-1].timing.median / g1[0].timing.median, "x"))
    for key, g4 in out.items():
        rows += [(f"{key} {r.name} b1", 1e3 * r.timing.median, "ms") for r in g4]
        rows.append((f"{key} neither / ReLU and shortcut (equal MACs)",
                     g4[-1].timing.median / g4[0].timing.median, "x"))
    study = in_child("course_utils.cost.layer_times:layer_study", {"v2": ("mobilenet_v2", (1.0,))},
                     frameworks=("torch",), repeat=REPEAT)
    (default, faults), net = study["default"]["v2"], study["layers"]["v2"]
    rows += [("MobileNet v2 b1 whole network, default allocator", 1e3 * default.median, "ms"),
             ("MobileNet v2 b1 page faults per call, default allocator", faults, "faults"),
             ("MobileNet v2 b1 whole network, steady allocator", 1e3 * net.whole.median, "ms"),
             ("MobileNet v2 b1 sum of layers timed alone", 1e3 * net.layer_sum, "ms"),
             ("MobileNet v2 b1 sum of layers / whole network", net.layer_sum / net.whole.median, "x")]
    return rows
