"""Lesson 05: MobileNet v2 and ShuffleNet latency, the course's builders beside the references.

The from-scratch builders must cost what the reference implementations cost: each row pair
is measured in one run, interleaved, and the ratio printed (ours / reference).
"""
from __future__ import annotations

import numpy as np

from ..timing import time_calls
from . import Row, benchmark

REPEAT = 15


def _keras_latency(model, batch: int) -> float:
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch, *model.inputs[0].shape[1:])).astype("float32"))
    f = tf.function(lambda t: model(t, training=False))  # one graph: no eager overhead, no retracing
    return time_calls(lambda: f(x).numpy(), repeat=REPEAT, warmup=2).median


def _torch_latency(model, batch: int, size: int) -> float:
    import torch

    x = torch.randn(batch, 3, size, size)
    model.eval()

    def call():
        with torch.inference_mode():
            return model(x)

    return time_calls(call, repeat=REPEAT, warmup=2).median


@benchmark("mobilenet_v2")
def mobilenet_v2_bench() -> list[Row]:
    """MobileNet v2 1.0@224 latency, ours vs keras.applications and torchvision (median of 15)."""
    from ..frameworks import import_frameworks

    mods = import_frameworks("torch", "tensorflow")
    import keras
    import torchvision

    from ..models import keras_models, torch_models

    mods["torch"].manual_seed(0)
    rows: list[Row] = []
    for batch in (1, 32):
        ours_k = _keras_latency(keras_models.mobilenet_v2(1.0), batch)
        ref_k = _keras_latency(keras.applications.MobileNetV2(weights=None), batch)
        ours_t = _torch_latency(torch_models.mobilenet_v2(1.0), batch, 224)
        ours_sym = _torch_latency(torch_models.mobilenet_v2(1.0, tf_padding=False), batch, 224)
        ref_t = _torch_latency(torchvision.models.mobilenet_v2(weights=None), batch, 224)
        rows += [(f"keras ours b{batch}", 1e3 * ours_k, "ms"), (f"keras.applications b{batch}", 1e3 * ref_k, "ms"),
                 (f"keras ours / reference b{batch}", ours_k / ref_k, "x"),
                 (f"torch ours (TF padding) b{batch}", 1e3 * ours_t, "ms"),
                 (f"torch ours (symmetric padding) b{batch}", 1e3 * ours_sym, "ms"),
                 (f"torchvision b{batch}", 1e3 * ref_t, "ms"),
                 (f"torch ours (TF padding) / torchvision b{batch}", ours_t / ref_t, "x"),
                 (f"torch ours (symmetric) / torchvision b{batch}", ours_sym / ref_t, "x")]
        keras.backend.clear_session()
    return rows


@benchmark("shufflenet")
def shufflenet_bench() -> list[Row]:
    """ShuffleNet v1 1x (g = 3) @224 latency in both frameworks (no reference implementation ships)."""
    from ..frameworks import import_frameworks

    import_frameworks("torch", "tensorflow")
    import keras

    from ..models import keras_models, torch_models

    rows: list[Row] = []
    for batch in (1, 32):
        rows.append((f"keras shufflenet_v1 g3 b{batch}", 1e3 * _keras_latency(keras_models.shufflenet_v1(3), batch), "ms"))
        rows.append((f"torch shufflenet_v1 g3 b{batch}", 1e3 * _torch_latency(torch_models.shufflenet_v1(3), batch, 224), "ms"))
        keras.backend.clear_session()
    return rows
