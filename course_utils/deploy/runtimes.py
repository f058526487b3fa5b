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

from .measure import Measurement, file_kb, measure
from .tflite import QUANTIZATIONS, TFLiteRunner, convert_keras


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
    reference = model(x, training=False).numpy()
    keras_kb = 4 * model.count_params() / 1024   # float32 weights, what the eager model holds
    common = dict(macs=macs, peak_gflops=peak_gflops, images=x, labels=labels, reference=reference, repeat=repeat)
    rows = [measure("keras eager", "float32", lambda t: model(t, training=False).numpy(), size_kb=keras_kb, **common)]
    if compiled:
        graph = tf.function(lambda t: model(t, training=False))
        rows.append(measure("keras tf.function", "float32", lambda t: graph(t).numpy(), size_kb=keras_kb, **common))
    if paths is None:
        paths = convert_keras(model, folder, quantizations, representative if representative is not None else x)
    for q, path in paths.items():
        rows.append(measure("tflite", q, TFLiteRunner(path), size_kb=file_kb(path), **common))
    return rows, paths


def _torch_module(kind: str, alpha: float, num_classes: int, seed: int):
    import torch

    from ..models import torch_models

    torch.manual_seed(seed)
    builders = {"mobilenet_v1": torch_models.mobilenet_v1, "mobilenet_v2": torch_models.mobilenet_v2}
    if kind not in builders:
        raise ValueError(f"kind must be one of {tuple(builders)}, got {kind!r}")
    return builders[kind](alpha, num_classes=num_classes).eval()


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

    def onnx(t):
        logits = session(t)
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    torch_kb = 4 * sum(p.numel() for p in module.state_dict().values()) / 1024
    common = dict(macs=macs, peak_gflops=peak_gflops, images=x, reference=reference, repeat=repeat)
    rows = [measure("torch eager", "float32", eager, size_kb=torch_kb, **common),
            measure("onnxruntime", "float32", onnx, size_kb=file_kb(path), **common)]
    for r in rows:
        r.extra.update(model=f"{kind} {alpha}@{resolution}")
    return rows


__all__ = ["keras_and_tflite", "torch_and_onnx"]
