"""Lesson 08: one model in five runtimes, batch 1, against the compute ceiling of this CPU.

MobileNet v1 alpha 0.5 @128 (random weights, 1000 classes): Keras eager and tf.function,
TensorFlow Lite (XNNPACK) float32 and full-integer int8, PyTorch eager, onnxruntime. Each row
is the median of 50 batch-1 calls; "% of ceiling" divides the achieved GFLOP/s (2 x MACs / latency)
by the ceiling of this machine (:class:`~course_utils.cost.ceiling.Ceiling`: the larger of the
nominal peak and the best matmul of NumPy, PyTorch, TensorFlow and onnxruntime), measured in the
same run. Then the target figure, measured more carefully
(:func:`~course_utils.deploy.measure.paired_peak_share`): TensorFlow Lite float32's best call and
median call against the ceiling for the same number of threads, one and two. Last, TensorFlow
Lite float32 on MobileNet v1 1.0 @224: the largest variant, for comparison.
"""
from __future__ import annotations

import tempfile

import numpy as np

from . import Row, benchmark

ALPHA, RESOLUTION, REPEAT = 0.5, 128, 50


@benchmark("deploy")
def deploy_bench() -> list[Row]:
    """MobileNet v1 0.5@128 batch 1: Keras, TFLite float32/int8, torch, onnxruntime; % of the ceiling
    (and TFLite float32 on v1 1.0@224)."""
    from ..frameworks import import_frameworks

    import_frameworks("torch", "tensorflow", seed=0)
    from ..cost import count_macs
    from ..deploy.measure import machine_ceiling, paired_peak_share
    from ..deploy.runtimes import keras_and_tflite, tflite_mobilenet_v1, torch_and_onnx
    from ..deploy.tflite import TFLiteRunner
    from ..models.keras_models import mobilenet_v1

    ceilings = {t: machine_ceiling(t) for t in (1, 2)}   # this process holds all four engines
    peak = ceilings[2].value
    model = mobilenet_v1(ALPHA, (RESOLUTION, RESOLUTION, 3))
    macs = count_macs(model)
    images = np.random.default_rng(0).uniform(-1, 1, (8, RESOLUTION, RESOLUTION, 3)).astype(np.float32)
    rows: list[Row] = [(f"ceiling, {t} thread(s): {c.source.split(' (')[0]}", c.value, "GFLOP/s")
                       for t, c in ceilings.items()]
    with tempfile.TemporaryDirectory() as folder:
        measured, paths = keras_and_tflite(model, folder, images, macs=macs, peak_gflops=peak,
                                           quantizations=("float32", "int8"), repeat=REPEAT, compiled=True)
        # before torch: its OpenMP threads keep spinning after a call and would slow the rounds
        paired = [paired_peak_share(TFLiteRunner(paths["float32"], num_threads=t), images[:1], macs=macs,
                                    threads=t, repeat=REPEAT, engines=tuple(ceilings[t].matmuls)) for t in (1, 2)]
        measured += torch_and_onnx("mobilenet_v1", ALPHA, RESOLUTION, folder, peak_gflops=peak, repeat=REPEAT)
    for m in measured:
        name = f"{m.runtime} {m.variant}"
        rows += [(f"{name} b1 median", m.latency.median, "ms"), (f"{name} b1 p90", m.latency.p90, "ms"),
                 (f"{name} achieved", m.gflops, "GFLOP/s")]
        rows += [] if m.integer else [(f"{name} share of ceiling", 100 * m.peak_share, "%")]   # int8: no float ceiling
    best = max((m for m in measured if not m.integer), key=lambda m: m.gflops)
    rows.append((f"best: {best.runtime} {best.variant}, share of the ceiling", 100 * best.peak_share, "%"))
    for share in paired:
        n = f"{share.threads} thread{'s' if share.threads > 1 else ''}"
        rows += [(f"tflite float32, {n}: best call over the ceiling (target >= 70)", 100 * share.best, "%"),
                 (f"tflite float32, {n}: median call over the ceiling, median of 5 rounds", 100 * share.typical, "%"),
                 (f"tflite float32, {n}: median call over the ceiling, lowest round", 100 * min(share.shares), "%")]
    # the same runtime on the largest variant: more work per layer, closer to the ceiling (lesson 08's sweep)
    with tempfile.TemporaryDirectory() as folder:
        big = tflite_mobilenet_v1(1.0, 224, folder, peak_gflops=peak, quantizations=("float32",), repeat=REPEAT)
    rows += [("tflite float32 MobileNet v1 1.0@224 b1 median", big["float32"].latency.median, "ms"),
             ("tflite float32 MobileNet v1 1.0@224 share of ceiling", 100 * big["float32"].peak_share, "%")]
    return rows
