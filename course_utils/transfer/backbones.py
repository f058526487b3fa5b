"""Backbones compared at the training resolution: parameters, MACs, megabytes, checkpoint, fps.

Each backbone is the convolutional part only (no top), built with random weights so the
table is the same with or without a network: the cost of a network does not depend on
its weights. Which *pretrained* weights exist here is a separate question
(:func:`pretrained_status`).

A training checkpoint holds more than the weights: Adam keeps two running averages
(first and second moments) per trainable parameter, so weights + optimiser state is about
``total + 2 * trainable`` numbers, ~3x the weights (plus a few bytes of step counters).
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

BACKBONES = ("vanilla_cnn", "vgg16", "resnet50", "mobilenet_v1", "mobilenet_v1_0.25", "mobilenet_v2", "shufflenet_v1")
BYTES = 4  # float32


def vanilla_cnn(size: int = 96):
    """The course CNN: four 3x3 conv + BN + ReLU + 2x2 max-pool stages (32-64-128-256 channels).

    ``(N, size, size, 3)`` -> ``(N, size/16, size/16, 256)``. The course's pretrained backbone
    (:mod:`.backbone`) and the plain-CNN baseline of the comparison.
    """
    import keras
    from keras import layers

    inputs = keras.Input((size, size, 3))
    x = inputs
    for i, filters in enumerate((32, 64, 128, 256)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.ReLU(name=f"relu{i + 1}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    return keras.Model(inputs, x, name="vanilla_cnn")


def build_backbone(name: str, size: int = 96):
    """Randomly initialised backbone ``name`` (one of BACKBONES) at ``size`` x ``size``."""
    import keras

    from ..models import keras_models

    shape = (size, size, 3)
    if name == "vanilla_cnn":
        return vanilla_cnn(size)
    if name in ("vgg16", "resnet50", "mobilenet_v2"):
        builder = {"vgg16": keras.applications.VGG16, "resnet50": keras.applications.ResNet50,
                   "mobilenet_v2": keras.applications.MobileNetV2}[name]
        return builder(input_shape=shape, include_top=False, weights=None)
    if name == "mobilenet_v1":
        return keras_models.mobilenet_v1(1.0, shape, include_top=False)
    if name == "mobilenet_v1_0.25":
        return keras_models.mobilenet_v1(0.25, shape, include_top=False)
    if name == "shufflenet_v1":
        return keras_models.shufflenet_v1(3, 1.0, shape, include_top=False)
    raise ValueError(f"backbone must be one of {BACKBONES}, got {name!r}")


def pretrained_status(name: str) -> str:
    """Which pretrained weights this backbone can start from right now, or why none."""
    from ..modes import offline_mode

    if name == "vanilla_cnn":
        return "course (shipped: the course CNN)"
    if name == "shufflenet_v1":
        return "none in keras.applications (torchvision has ShuffleNet v2)"
    return "needs ImageNet weights: offline" if offline_mode() else "ImageNet (download)"


def checkpoint_numbers(model) -> dict[str, int]:
    """Numbers stored: weights (all), Adam moments (2 per trainable parameter)."""
    trainable = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    return {"weights": int(model.count_params()), "adam_moments": 2 * trainable}


def measured_checkpoint_bytes(model) -> tuple[int, int]:
    """Sizes on disk of ``model``: ``(weights only, .keras checkpoint with Adam's state)``.

    Adam's two moment slots per trainable weight are created by ``optimizer.build``, exactly as
    its first step would (without paying for tracing a training step), then saved with the model.
    """
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(tmp, "weights.weights.h5")
        model.save_weights(plain)
        out = keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(model.output))
        net = keras.Model(model.input, out)
        net.compile(keras.optimizers.Adam(), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        net.optimizer.build(net.trainable_variables)
        full = os.path.join(tmp, "checkpoint.keras")
        net.save(full)  # weights + optimizer variables (+ a small config)
        return os.path.getsize(plain), os.path.getsize(full)


def images_per_second(model, batch: int, repeat: int = 3) -> float:
    """Median inference throughput of ``model`` at ``batch`` (tf.function, random input)."""
    import tensorflow as tf

    from ..timing import time_calls

    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch, *model.input_shape[1:])).astype("float32"))
    f = tf.function(lambda t: model(t, training=False))
    # every model and batch size traces its own function once, by design; TensorFlow's
    # "excessive retracing" warning counts traces across functions and would print for each
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        return batch / time_calls(lambda: f(x).numpy(), repeat=repeat, warmup=1).median
    finally:
        logger.setLevel(level)


def compare_backbones(size: int = 96, names=BACKBONES, repeat: int = 3, fps: bool = True,
                      skip_fps=()) -> list[dict]:
    """One row per backbone: params, MACs, MB, checkpoint MB (Adam), fps at batch 1 and 32."""
    import keras

    from ..cost import count_macs
    from ..frameworks import release_memory

    rows = []
    for name in names:
        model = build_backbone(name, size)
        n = checkpoint_numbers(model)
        row = {"backbone": name, "params": n["weights"], "MACs": count_macs(model),
               "MB": n["weights"] * BYTES / 1e6, "checkpoint MB": (n["weights"] + n["adam_moments"]) * BYTES / 1e6,
               "feature map": tuple(model.output_shape[1:]), "weights": pretrained_status(name)}
        for batch in (1, 32):
            row[f"fps@{batch}"] = (images_per_second(model, batch, repeat)
                                   if fps and name not in skip_fps else float("nan"))
        rows.append(row)
        del model
        keras.backend.clear_session()
    release_memory()  # VGG16 and ResNet50 alone are 150 MB of weights: give the pages back
    return rows
