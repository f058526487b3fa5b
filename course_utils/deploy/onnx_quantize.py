"""Static int8 quantization of an ``.onnx`` file with onnxruntime (used by lesson 09's detector).

``onnxruntime.quantization.quantize_static`` runs the float model on a few real inputs (the
calibration set, fed by a ``CalibrationDataReader``), records the range of every activation
(MinMax), and stores int8 weights (one scale per output channel with ``per_channel``) and a
uint8 scale and zero point per activation. In the QDQ format each quantized tensor is written
as a QuantizeLinear / DequantizeLinear pair that onnxruntime fuses into int8 kernels; in the
QOperator format the graph uses the int8 operators (QLinearConv, ...) directly. The same
file runs in onnxruntime on a phone or in onnxruntime-web.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path

import numpy as np

from ..data.atomic import atomic_path, target_path
from ..frameworks import _stderr_silenced

FORMATS = ("qdq", "qoperator")


def _reader(name: str, samples: np.ndarray):
    """A ``CalibrationDataReader`` that hands onnxruntime one sample ``(1, ...)`` per call."""
    from onnxruntime.quantization import CalibrationDataReader

    class ArrayReader(CalibrationDataReader):
        def __init__(self):
            self.rest = iter(range(len(samples)))

        def get_next(self):
            i = next(self.rest, None)
            return None if i is None else {name: samples[i:i + 1]}

        def rewind(self):
            self.rest = iter(range(len(samples)))

    return ArrayReader()


def quantize_onnx(float_path: str | os.PathLike, path: str | os.PathLike, calibration: np.ndarray, *,
                  fmt: str = "qdq", per_channel: bool = True) -> Path:
    """Write an int8 copy of the float ``.onnx`` at ``float_path`` to ``path``, calibrated on
    ``calibration`` (float ``(N, *input)``, N >= 1, exactly as the model takes its input).

    ``fmt``: "qdq" or "qoperator"; ``per_channel``: one weight scale per output channel.
    Written atomically (:mod:`course_utils.data.atomic`); returns the path.
    """
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    float_path = Path(float_path)
    if not float_path.is_file():
        raise ValueError(f"no float .onnx file at {float_path}")
    try:
        first = ort.InferenceSession(str(float_path), providers=["CPUExecutionProvider"]).get_inputs()[0]
    except Exception as err:   # onnxruntime's InvalidProtobuf, Fail, ...
        raise ValueError(f"{float_path} is not an ONNX model I can load: {type(err).__name__}") from None
    x = np.asarray(calibration)
    fixed = [d if isinstance(d, int) else None for d in first.shape[1:]]
    if x.ndim != len(first.shape) or len(x) == 0 or x.dtype.kind != "f" or not np.isfinite(x).all() or \
            any(d is not None and d != n for d, n in zip(fixed, x.shape[1:])):
        want = ", ".join("?" if d is None else str(d) for d in fixed)
        raise ValueError(f"calibration must be finite floats of shape (N >= 1, {want}), the model's input; "
                         f"got shape {x.shape}, dtype {x.dtype}")
    target = target_path(path, create_parent=True)
    if target.resolve() == float_path.resolve():
        raise ValueError(f"path must differ from float_path ({float_path}): the float file is read while writing")
    was_disabled = logging.getLogger().disabled
    with atomic_path(target, "quantizing", suffix=".onnx") as tmp:
        logging.getLogger().disabled = True   # "consider pre-processing" and other advice
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                    _stderr_silenced():
                quantize_static(str(float_path), str(tmp), _reader(first.name, x.astype(np.float32)),
                                quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                                per_channel=per_channel, weight_type=QuantType.QInt8,
                                activation_type=QuantType.QUInt8, calibrate_method=CalibrationMethod.MinMax)
        finally:
            logging.getLogger().disabled = was_disabled
    return target


__all__ = ["FORMATS", "quantize_onnx"]
