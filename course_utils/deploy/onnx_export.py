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
from pathlib import Path

import numpy as np

from ..data.atomic import atomic_path, target_path
from ..frameworks import _stderr_silenced


def export_onnx(module, path: str | os.PathLike, input_shape: tuple[int, ...]) -> Path:
    """Export a torch module (eval mode) for inputs ``(1, *input_shape)`` to a single ``.onnx`` file.

    ``input_shape`` is one sample's shape without the batch axis, e.g. ``(3, 128, 128)``; the
    module is run on it once first, so a shape that does not fit is a ValueError before any export.
    Written atomically (:func:`course_utils.data.atomic.atomic_path`): a temporary
    ``.<name>.exporting-<pid>-*.onnx`` in the same folder, then ``os.replace``; a killed export's
    temporary is removed by the next export to that path.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if len(input_shape) != 3 or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in input_shape):
        raise ValueError(f"input_shape must be (C, H, W) positive integers, got {input_shape!r}")
    target = target_path(path, create_parent=True)
    module.eval()
    x = torch.zeros(1, *input_shape)
    try:
        with torch.no_grad():
            module(x)
    except Exception as err:
        raise ValueError(f"the module cannot run on an input of shape (1, {', '.join(map(str, input_shape))}) "
                         f"(input_shape must fit it): {type(err).__name__}: {str(err).splitlines()[0]}") from None
    # the temporary is made just before the export writes it (a minutes-long trace comes first)
    with atomic_path(target, "exporting", suffix=".onnx") as tmp:
        try:
            # the exporter prints progress lines and logs a triton warning: keep them out of notebooks
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), _stderr_silenced():
                torch.onnx.export(module, (x,), str(tmp), dynamo=True, external_data=False, verbose=False)
        except Exception as err:
            if isinstance(err, (OSError, MemoryError)):
                raise
            raise ValueError(f"torch.onnx could not export this module (ONNX export traces it with torch.export, "
                             f"which refuses e.g. Python control flow that depends on the input's values): "
                             f"{type(err).__name__}: {str(err).splitlines()[0]}") from None
        _strip_debug_info(tmp)
    return target


def _strip_debug_info(path: Path) -> None:
    """Remove what the dynamo exporter records per node for debugging (its Python stack trace and name scope, in
    ``metadata_props``, and doc strings): they name the exporting machine's folders, in a file that may ship to a
    web page, and add about a fifth to a small model's file. The computation is untouched."""
    import onnx

    model = onnx.load(str(path))

    def clean(nodes) -> None:
        for node in nodes:
            del node.metadata_props[:]
            node.doc_string = ""
            for attr in node.attribute:   # control-flow subgraphs (If, Loop, Scan)
                for graph in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                    clean(graph.node)

    clean(model.graph.node)
    for function in model.functions:
        clean(function.node)
    onnx.save(model, str(path))


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
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as err:   # onnxruntime's InvalidProtobuf, InvalidArgument, Fail, ...
            raise ValueError(f"{self.path} is not an ONNX model I can load (empty, damaged or another format): "
                             f"{type(err).__name__}") from None
        first = self.session.get_inputs()[0]
        self.input_name = first.name
        self.input_shape = tuple(first.shape)   # ints, or names for dynamic axes
        # export_onnx traces one sample, so the file's batch axis is fixed at 1 (what a phone runs)
        self.batch_one = first.shape[0] == 1

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        fixed = [d if isinstance(d, int) else None for d in self.input_shape[1:]]
        if x.ndim != len(self.input_shape) or x.dtype.kind not in "uif" or \
                any(d is not None and d != n for d, n in zip(fixed, x.shape[1:])):
            want = ", ".join("?" if d is None else str(d) for d in fixed)
            raise ValueError(f"expected numbers of shape (N, {want}) for {self.path.name}, "
                             f"got shape {x.shape}, dtype {x.dtype}")
        x = x.astype(np.float32)
        if len(x) == 0:
            out = self.session.get_outputs()[0].shape[1:]
            if not all(isinstance(d, int) for d in out):
                raise ValueError("expected at least one input (N >= 1): this file's output size is not fixed")
            return np.zeros((0, *out), np.float32)
        if self.batch_one and len(x) != 1:   # one call per image, like TFLiteRunner
            return np.concatenate([self(x[i:i + 1]) for i in range(len(x))])
        return self.session.run(None, {self.input_name: x})[0]


__all__ = ["OnnxRunner", "export_onnx"]
