"""One model, several runtimes, one table: Keras and TensorFlow Lite; PyTorch and onnxruntime.

:func:`keras_and_tflite` converts a Keras model to every TensorFlow Lite precision and measures
each beside the Keras model itself; :func:`torch_and_onnx` does the same for a torch module and
its ONNX export (call it through :func:`course_utils.frameworks.in_child` to keep PyTorch out
of a TensorFlow kernel). Both return :class:`~.measure.Measurement` lists.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .measure import Measurement, file_kb, measure, softmax
from .tflite import QUANTIZATIONS, TFLiteRunner, convert_keras


def _batched(fn, batch: int = 32):
    """``fn`` applied ``batch`` images at a time: one eager call on hundreds of images holds every
    layer's activations for all of them at once (a kernel's peak rose by 1 GiB on 600 hands)."""
    def call(x: np.ndarray) -> np.ndarray:
        return np.concatenate([fn(x[i:i + batch]) for i in range(0, len(x), batch)])

    return call


def keras_and_tflite(model, folder: str | os.PathLike, images: np.ndarray, *, macs: int, peak_gflops: float,
                     labels: np.ndarray | None = None, representative: np.ndarray | None = None,
                     quantizations: tuple[str, ...] = QUANTIZATIONS, repeat: int = 30, compiled: bool = False,
                     paths: dict[str, Path] | None = None) -> tuple[list[Measurement], dict[str, Path]]:
    """Measure ``model`` (Keras eager; with ``compiled`` also a ``tf.function``) and its
    ``.tflite`` conversions on ``images`` ``(N, H, W, 3)`` in the model's input range.

    Agreement and max difference are against the Keras model's outputs on ``images``;
    accuracy needs ``labels`` ``(N,)``. ``representative`` (default: ``images``) calibrates int8.
    ``paths`` (``{quantization: .tflite path}``) reuses files converted before instead of
    converting into ``folder``. Returns the measurements and the ``.tflite`` paths.
    """
    import tensorflow as tf

    x = np.asarray(images, dtype=np.float32)
    eager = _batched(lambda t: model(t, training=False).numpy())
    reference = eager(x)
    keras_kb = 4 * model.count_params() / 1024   # float32 weights, what the eager model holds
    common = dict(macs=macs, peak_gflops=peak_gflops, images=x, labels=labels, reference=reference, repeat=repeat)
    rows = [measure("keras eager", "float32", eager, size_kb=keras_kb, **common)]
    if compiled:
        graph = tf.function(lambda t: model(t, training=False))
        rows.append(measure("keras tf.function", "float32", _batched(lambda t: graph(t).numpy()), size_kb=keras_kb,
                            **common))
    if paths is None:
        paths = convert_keras(model, folder, quantizations, representative if representative is not None else x)
    for q, path in paths.items():
        rows.append(measure("tflite", q, TFLiteRunner(path), size_kb=file_kb(path), **common))
    return rows, paths


def tflite_mobilenet_v1(alpha: float, resolution: int, folder: str | os.PathLike, *, peak_gflops: float,
                        quantizations: tuple[str, ...] = ("float32", "int8"), repeat: int = 30,
                        seed: int = 0) -> dict[str, Measurement]:
    """Build the course's Keras MobileNet v1 at width ``alpha`` and ``resolution`` (random weights,
    seeded), convert it to each of ``quantizations`` in ``folder`` (int8 calibrated on 4 random
    inputs), and time every file at batch 1. Returns ``{quantization: Measurement}``.

    The converter's memory stays with the process that converts: a notebook calls this through
    :func:`course_utils.frameworks.in_child` (``frameworks=("tensorflow",)``) to keep its kernel small.
    """
    from ..cost import count_macs
    from ..models.keras_models import mobilenet_v1

    net = mobilenet_v1(alpha, (resolution, resolution, 3))
    x = np.random.default_rng(seed).uniform(-1, 1, (4, resolution, resolution, 3)).astype(np.float32)
    macs = count_macs(net)
    paths = convert_keras(net, folder, quantizations, representative=x, name=f"mobilenet_v1_{alpha}_{resolution}")
    return {q: measure("tflite", q, TFLiteRunner(p), size_kb=file_kb(p), macs=macs, peak_gflops=peak_gflops,
                       images=x, repeat=repeat) for q, p in paths.items()}


def _torch_module(kind: str, alpha: float, num_classes: int, seed: int):
    import torch

    from ..models import torch_models

    torch.manual_seed(seed)
    # the two builders name the class count differently (v1 as torchvision, v2 as the Keras builder it mirrors)
    builders = {"mobilenet_v1": lambda: torch_models.mobilenet_v1(alpha, num_classes=num_classes),
                "mobilenet_v2": lambda: torch_models.mobilenet_v2(alpha, classes=num_classes)}
    if kind not in builders:
        raise ValueError(f"kind must be one of {tuple(builders)}, got {kind!r}")
    return builders[kind]().eval()


def torch_and_onnx(kind: str, alpha: float, resolution: int, folder: str | os.PathLike, *, peak_gflops: float,
                   num_classes: int = 1000, n_check: int = 8, repeat: int = 30, seed: int = 0) -> list[Measurement]:
    """Build the course's torch ``kind`` ("mobilenet_v1" / "mobilenet_v2") at width ``alpha``
    (random weights, seeded), export it to ONNX in ``folder``, and measure torch eager and
    onnxruntime at batch 1, agreement on ``n_check`` random inputs ``(n_check, 3, R, R)``."""
    import torch

    from ..cost import count_macs
    from .onnx_export import OnnxRunner, export_onnx

    module = _torch_module(kind, alpha, num_classes, seed)
    shape = (3, resolution, resolution)
    macs = count_macs(module, shape)
    x = np.random.default_rng(seed).uniform(-1, 1, (n_check, *shape)).astype(np.float32)

    def eager(t):
        with torch.inference_mode():
            return torch.softmax(module(torch.from_numpy(t)), 1).numpy()

    reference = eager(x)
    path = export_onnx(module, Path(folder) / f"{kind}_{alpha}_{resolution}.onnx", shape)
    session = OnnxRunner(path)

    torch_kb = 4 * sum(p.numel() for p in module.state_dict().values()) / 1024
    common = dict(macs=macs, peak_gflops=peak_gflops, images=x, reference=reference, repeat=repeat)
    rows = [measure("torch eager", "float32", eager, size_kb=torch_kb, **common),
            measure("onnxruntime", "float32", lambda t: softmax(session(t)), size_kb=file_kb(path), **common)]
    for r in rows:
        r.extra.update(model=f"{kind} {alpha}@{resolution}")
    return rows


__all__ = ["keras_and_tflite", "tflite_mobilenet_v1", "torch_and_onnx"]
