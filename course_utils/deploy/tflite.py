"""Keras -> TensorFlow Lite in four precisions, and a runner on ai-edge-litert's interpreter.

The path that works with Keras 3 here: ``model.export(dir, format="tf_saved_model")``, then
``tf.lite.TFLiteConverter.from_saved_model`` (``from_concrete_functions`` gave NaN outputs).
The four variants (TensorFlow Lite post-training quantization guide):

* ``float32`` -- no quantization;
* ``float16`` -- weights stored as float16 (half the file), computed in float32 on a CPU;
* ``dynamic`` -- dynamic-range int8: weights int8, activations quantized on the fly;
* ``int8``    -- full-integer: weights *and* activations int8, scales calibrated on a
  representative dataset; uint8 input and output, as microcontrollers and NPUs want.

Files are written atomically (a temporary file in the same folder, then ``os.replace``), so an
interrupted conversion never leaves a half-written ``.tflite`` behind.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..data.atomic import scratch_tempdir, target_path, write_bytes
from ..frameworks import _stderr_silenced, import_tensorflow_quietly

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary ``.<name>.part-<pid>-*`` in the same folder and
    ``os.replace`` (:func:`course_utils.data.atomic.write_bytes`: the folder is created if needed,
    a killed write's temporary is removed by the next write, the file gets the user's umask)."""
    return write_bytes(path, data, "part", create_parent=True)


@contextlib.contextmanager
def _logger_level(name: str, level: int):
    logger = logging.getLogger(name)
    saved = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(saved)


@contextlib.contextmanager
def quiet_tensorflow(stdout: bool = False):
    """Keep TensorFlow's chatter out of a notebook for the duration of the block: C++ log lines
    written to descriptor 2 (e.g. tf.data's "NodeDef mentions attribute ..." during ``fit``),
    Python warnings, INFO records of the "tensorflow" logger, and with ``stdout`` printed lines.
    Exceptions still propagate."""
    with contextlib.ExitStack() as stack:
        if stdout:
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
        stack.enter_context(_stderr_silenced())
        stack.enter_context(_logger_level("tensorflow", logging.ERROR))   # "INFO:tensorflow:Assets written to ..."
        yield


def representative_images(images: np.ndarray, n: int = 100) -> list[np.ndarray]:
    """The first ``n`` images as float32 batches of one, ``(1, H, W, C)``, for int8 calibration."""
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0 or images.dtype.kind not in "uif":
        raise ValueError(f"representative images must be a non-empty (N, H, W, C) array of numbers, "
                         f"got shape {images.shape}, dtype {images.dtype}")
    if not np.isfinite(images).all():
        raise ValueError("representative images must be finite (no NaN or inf): they set the int8 scales")
    return [images[i:i + 1].astype(np.float32) for i in range(min(n, len(images)))]


def _converter(saved_model: Path, quantization: str, representative: list[np.ndarray] | None):
    tf = import_tensorflow_quietly()
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    if quantization != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif quantization == "int8":
        if not representative:
            raise ValueError("full-integer int8 needs representative images (a few dozen typical inputs)")
        converter.representative_dataset = lambda: ([x] for x in representative)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    return converter


def convert_keras(model, folder: str | os.PathLike, quantizations: Iterable[str] = QUANTIZATIONS,
                  representative: np.ndarray | None = None, name: str | None = None) -> dict[str, Path]:
    """Convert a Keras model to one ``.tflite`` file per quantization; return ``{quantization: path}``.

    ``model``: any Keras model with one fixed-size image input ``(N, H, W, C)`` float32.
    ``representative``: images ``(N, H, W, C)`` in the model's input range, needed for ``"int8"``.
    Files are named ``<name>_<quantization>.tflite`` (``name`` defaults to the model's name).
    """
    quantizations = tuple(quantizations)
    bad = [q for q in quantizations if q not in QUANTIZATIONS]
    if bad or not quantizations:
        raise ValueError(f"quantizations must be some of {QUANTIZATIONS}, got {quantizations!r}")
    _check_fixed_input(model)
    reps = representative_images(representative) if representative is not None else None
    if "int8" in quantizations and reps is None:
        raise ValueError("full-integer int8 needs representative images (a few dozen typical inputs)")
    name = model.name if name is None else name
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"name must be a plain file name (no folder part), got {name!r}")
    targets = {q: target_path(Path(folder) / f"{name}_{q}.tflite", create_parent=True) for q in quantizations}
    paths = {}
    # The SavedModel and TensorFlow's autograph files go to one $TMPDIR/.course-tflite.converting-<pid>-*
    # folder, removed at the end, or by the next conversion if this process is killed. The
    # exporter's and converter's chatter (Python warnings and C++ logs alike) stays out of notebooks.
    with scratch_tempdir("course-tflite", "converting", redirect_tempfile=True) as tmp, quiet_tensorflow(stdout=True):
        model.export(str(tmp / "saved_model"), format="tf_saved_model", verbose=False)
        for q in quantizations:
            data = _converter(tmp / "saved_model", q, reps).convert()
            paths[q] = write_atomic(targets[q], data)
    return paths


def _check_fixed_input(model) -> None:
    """A ValueError unless ``model`` is a Keras model with one image input of fixed size."""
    inputs = getattr(model, "inputs", None)
    if not callable(getattr(model, "export", None)) or not inputs:
        raise ValueError(f"model must be a built Keras model with one image input, got {type(model).__name__}")
    shape = tuple(inputs[0].shape)[1:]
    if len(inputs) != 1 or len(shape) != 3 or any(d is None for d in shape):
        raise ValueError(f"model must have one input of fixed size (H, W, C), got {shape}: build it on "
                         "keras.Input((H, W, C)) (TFLite runs one size; a dynamic one fails at run time)")


class TFLiteRunner:
    """A ``.tflite`` file on ai-edge-litert's interpreter (XNNPACK on CPU), called like a model.

    ``runner(images)`` takes float32 ``(N, H, W, C)`` in the Keras model's input range and
    returns float32 ``(N, classes)``: a uint8/int8 input is quantized with the file's own scale
    and zero point and the output dequantized, so every variant compares with the Keras model.
    The interpreter is built for batch 1 (what a phone runs); larger N loops.
    """

    def __init__(self, path: str | os.PathLike, num_threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        if not self.path.is_file():
            raise ValueError(f"no .tflite file at {self.path}")
        if num_threads is not None and (isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1):
            raise ValueError(f"num_threads must be a positive int or None (all cores), got {num_threads!r}")
        try:
            with _stderr_silenced():   # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
                self.interpreter = Interpreter(model_path=str(self.path), num_threads=num_threads or os.cpu_count())
                self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise ValueError(f"{self.path} is not a TensorFlow Lite model I can run (empty, damaged, another "
                             f"format, or a dynamic input size): {str(err).splitlines()[0]}") from None
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    @property
    def input_dtype(self) -> np.dtype:
        return np.dtype(self.input["dtype"])

    def quantize(self, images: np.ndarray) -> np.ndarray:
        """float images -> the interpreter's input dtype (identity for float inputs)."""
        x = np.asarray(images, dtype=np.float32)
        if self.input_dtype == np.float32:
            return x
        scale, zero = self.input["quantization"]
        info = np.iinfo(self.input_dtype)
        return np.clip(np.round(x / scale + zero), info.min, info.max).astype(self.input_dtype)

    def invoke(self, x: np.ndarray) -> np.ndarray:
        """One already-quantized batch-1 input ``(1, H, W, C)`` -> the raw output (no dequantization)."""
        self.interpreter.set_tensor(self.input["index"], x)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output["index"])

    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        expected = tuple(self.input["shape"][1:])
        if images.ndim != 4 or images.shape[1:] != expected or images.dtype.kind not in "uif":
            raise ValueError(f"images must be (N, {', '.join(map(str, expected))}) numbers, "
                             f"got shape {images.shape}, dtype {images.dtype}")
        if not np.isfinite(images).all():
            raise ValueError("images must be finite (no NaN or inf)")
        if len(images) == 0:
            return np.zeros((0, *self.output["shape"][1:]), np.float32)
        x = self.quantize(images)
        raw = np.concatenate([self.invoke(x[i:i + 1]) for i in range(len(x))])
        if np.dtype(self.output["dtype"]) == np.float32:
            return raw
        scale, zero = self.output["quantization"]
        return ((raw.astype(np.float32) - zero) * scale).astype(np.float32)


__all__ = ["QUANTIZATIONS", "TFLiteRunner", "convert_keras", "quiet_tensorflow", "representative_images", "write_atomic"]
