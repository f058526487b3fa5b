"""PyTorch and onnxruntime runs for lesson 08's TensorFlow kernel, called through
:func:`course_utils.frameworks.in_child`.

The lesson's kernel holds TensorFlow (Keras, the TFLite converter) and never imports PyTorch:
each function here runs in a fresh child process and returns plain data only (NumPy arrays,
numbers, :class:`~.measure.Measurement` rows), which the kernel unpickles without PyTorch.

>>> from course_utils import in_child
>>> in_child("course_utils.deploy.torch_runs:classifier_to_onnx", "/tmp/out/handpose.pt",
...          "/tmp/out", images, labels, peak_gflops=150.0, frameworks=("torch",))  # doctest: +SKIP
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .measure import file_kb, measure, softmax


def classifier_to_onnx(classifier: str | os.PathLike, folder: str | os.PathLike, images: np.ndarray,
                       labels: np.ndarray, *, peak_gflops: float, repeat: int = 30) -> dict:
    """Load lesson 07's saved classifier (``handpose.pt``), export it to ``folder/handpose.onnx``
    (one self-contained file), and measure PyTorch eager and onnxruntime on the same images.

    ``images``: ``(N, S, S, 3)`` in [0, 255] (uint8 or float32), ``S`` the classifier's input
    side; ``labels``: ``(N,)``. Both runtimes take these NHWC images and transpose them to the
    module's NCHW. Agreement and max difference are against PyTorch eager.

    Returns ``rows`` (two :class:`~.measure.Measurement`), ``probabilities`` (PyTorch's,
    ``(N, classes)``), ``state`` (the state dict as NumPy arrays, for
    :func:`course_utils.transfer.classifier.keras_twin_from_state`), ``size``, ``classes``,
    ``macs`` and ``onnx`` (the file's path).
    """
    import torch

    from ..cost import count_macs
    from ..transfer.finetune import load_classifier
    from .onnx_export import OnnxRunner, export_onnx

    model, size, classes = load_classifier(classifier)
    x = np.asarray(images, dtype=np.float32)
    if x.ndim != 4 or x.shape[1:] != (size, size, 3) or len(x) == 0:
        raise ValueError(f"images must be (N, {size}, {size}, 3) in [0, 255] for this classifier, got {x.shape}")
    if np.shape(labels) != (len(x),):
        raise ValueError(f"need one label per image: {len(x)} images, labels of shape {np.shape(labels)}")

    def eager(t: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return torch.softmax(model(torch.from_numpy(np.ascontiguousarray(t.transpose(0, 3, 1, 2)))), 1).numpy()

    reference = eager(x)
    path = export_onnx(model, Path(folder) / "handpose.onnx", (3, size, size))
    session = OnnxRunner(path)
    macs = count_macs(model, (3, size, size))
    common = dict(macs=macs, peak_gflops=peak_gflops, images=x, labels=np.asarray(labels), reference=reference,
                  repeat=repeat)
    rows = [measure("torch eager", "float32", eager, size_kb=file_kb(classifier), **common),
            measure("onnxruntime", "float32", lambda t: softmax(session(t.transpose(0, 3, 1, 2))),
                    size_kb=file_kb(path), **common)]
    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    return {"rows": rows, "probabilities": reference, "state": state, "size": int(size), "classes": tuple(classes),
            "macs": int(macs), "onnx": str(path)}


__all__ = ["classifier_to_onnx"]
