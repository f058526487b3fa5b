"""Lessons 03 and 04: standard vs depthwise-separable convolutions, MobileNet throughput."""
from __future__ import annotations

from ..cost.latency import keras_images_per_second, time_conv_layers
from . import Row, benchmark


@benchmark("conv")
def conv_bench() -> list[Row]:
    """Standard 3x3 conv vs depthwise, pointwise and both chained, 28x28x256 -> 256, torch b1."""
    import torch  # noqa: F401  (torch before TensorFlow, always)

    rows = time_conv_layers("torch", batch=1, size=28, c_in=256, c_out=256, k=3, repeat=20)
    by = {r.name: r for r in rows}
    out: list[Row] = []
    for r in rows:
        out.append((f"torch b1 {r.name} (28x28x256 -> 256) latency", 1e6 * r.seconds, "µs"))
        out.append((f"torch b1 {r.name} achieved", r.gflops, "GFLOP/s"))
    out.append(("measured speed-up standard/separable", by["standard"].seconds / by["separable"].seconds, "x"))
    out.append(("theoretical speed-up (MACs)", by["standard"].macs / by["separable"].macs, "x"))
    return out


@benchmark("mobilenet")
def mobilenet_bench() -> list[Row]:
    """Images/s of the course's Keras MobileNet v1 (random weights), batch 32."""
    from ..frameworks import import_frameworks

    import_frameworks("torch", "tensorflow")
    import keras

    from ..models.keras_models import mobilenet_v1

    rows: list[Row] = []
    for alpha, res in ((1.0, 224), (0.25, 128)):
        model = mobilenet_v1(alpha, input_shape=(res, res, 3))
        rows.append((f"keras mobilenet_v1 {alpha}@{res} batch 32", keras_images_per_second(model, 32), "img/s"))
        keras.backend.clear_session()
    return rows
