"""PyTorch -> ONNX (one self-contained file) and onnxruntime, optionally in a child process.

``torch.onnx.export(..., dynamo=True, external_data=False)`` traces the module with
``torch.export`` and writes the graph *and* its weights into one ``.onnx`` file (large models
would otherwise put their weights in a side file). onnxruntime runs it on its CPU execution
provider. A notebook that holds TensorFlow runs this in a child process
(:func:`course_utils.frameworks.in_child`), so it never holds PyTorch and onnxruntime too.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from ..frameworks import _stderr_silenced


def export_onnx(module, path: str | os.PathLike, input_shape: tuple[int, ...]) -> Path:
    """Export a torch module (eval mode) for inputs ``(1, *input_shape)`` to a single ``.onnx`` file.

    ``input_shape`` is one sample's shape without the batch axis, e.g. ``(3, 128, 128)``.
    Written atomically: a temporary file in the same folder, then ``os.replace``.
    """
    import torch

    if len(input_shape) != 3 or not all(isinstance(n, int) and n > 0 for n in input_shape):
        raise ValueError(f"input_shape must be (C, H, W) positive integers, got {input_shape!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".onnx")
    os.close(fd)
    module.eval()
    x = torch.zeros(1, *input_shape)
    try:
        # the exporter prints progress lines and logs a triton warning: keep them out of notebooks
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), _stderr_silenced():
            torch.onnx.export(module, (x,), tmp, dynamo=True, external_data=False, verbose=False)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


class OnnxRunner:
    """An ``.onnx`` file in an onnxruntime session: ``runner(x)`` maps float32 NCHW ``(N, C, H, W)``
    to the outputs ``(N, ...)``; a file traced at batch 1 is called once per image."""

    def __init__(self, path: str | os.PathLike, num_threads: int | None = None):
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise ValueError(f"no .onnx file at {self.path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads or os.cpu_count()
        options.log_severity_level = 3   # errors only
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        first = self.session.get_inputs()[0]
        self.input_name = first.name
        # export_onnx traces one sample, so the file's batch axis is fixed at 1 (what a phone runs)
        self.batch_one = first.shape[0] == 1

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if self.batch_one and len(x) != 1:   # one call per image, like TFLiteRunner
            return np.concatenate([self(x[i:i + 1]) for i in range(len(x))]) if len(x) else x
        return self.session.run(None, {self.input_name: x})[0]


__all__ = ["OnnxRunner", "export_onnx"]
