"""Lesson 09's int8 detector: deploy.onnx_quantize.quantize_onnx and detection.onnx_detect on a briefly
trained SSDLite (the course CNN frozen, one epoch on 48 training scenes), exported to ONNX once."""
from __future__ import annotations

import os

import numpy as np
import pytest

from course_utils.data.scenes import make_scenes

pytestmark = pytest.mark.slow
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

# Floors from runs over training seeds 0-4 of this fixture (one epoch, 48 scenes; QDQ per channel, 16 calibration
# scenes, 16 compared test scenes), measured here (/tmp script, 2026-12-06): max |logit difference| 0.46-1.02
# (ceiling 1.5), top-class agreement over all anchors 0.960-0.969 (floor 0.93), over the foreground anchors
# 0.937-0.953 (floor 0.90), int8 / float file size 0.309 on every seed (ceiling 0.35); QOperator against QDQ
# agreed on every anchor (1.0000) on every seed (floor 0.99).
MAX_LOGIT_DIFF, FOREGROUND_FLOOR, ALL_FLOOR, SIZE_RATIO = 1.5, 0.90, 0.93, 0.35


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from course_utils.frameworks import import_frameworks

    import_frameworks("torch", seed=0)
    from course_utils.deploy.onnx_export import export_onnx
    from course_utils.detection.train import COURSE, fit

    seed = int(os.environ.get("QUANTIZE_TEST_SEED", "0"))   # floor runs vary it; the test uses 0
    run = fit(make_scenes(48, 128, "train", seed=1), COURSE, seed=seed, epochs=1)
    path = export_onnx(run["model"], tmp_path_factory.mktemp("onnx") / "ssdlite.onnx", (3, 128, 128))
    return run, path, make_scenes(16, 128, "test", seed=2)


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_int8_file_is_smaller_per_channel_and_agrees_with_float(exported, tmp_path):
    from course_utils.data.atomic import file_mode
    from course_utils.deploy.onnx_quantize import quantize_onnx
    from course_utils.detection.onnx_detect import compare_sessions
    from course_utils.detection.train import to_array

    run, path, test = exported
    calib = to_array(make_scenes(16, 128, "train", seed=3).images)
    q = quantize_onnx(path, tmp_path / "int8.onnx", calib)
    assert q == tmp_path / "int8.onnx" and sorted(p.name for p in tmp_path.iterdir()) == ["int8.onnx"]   # no temporaries
    assert q.stat().st_mode & 0o777 == file_mode()
    assert q.stat().st_size < SIZE_RATIO * path.stat().st_size
    graph = onnx.load(str(q)).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("QuantizeLinear") > 0 and ops.count("DequantizeLinear") > ops.count("QuantizeLinear")
    inits = {i.name: i for i in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    # every conv's weight comes through DequantizeLinear of an int8 tensor with one scale per output channel
    producer = {o: n for n in graph.node for o in n.output}
    for conv in convs:
        dq = producer[conv.input[1]]
        assert dq.op_type == "DequantizeLinear"
        w, scale = inits[dq.input[0]], inits[dq.input[1]]
        assert w.data_type == onnx.TensorProto.INT8 and list(scale.dims) == [w.dims[0]]
    cmp = compare_sessions(_session(path), _session(q), test.images)
    assert 0 < cmp["max_logit_diff"] < MAX_LOGIT_DIFF and cmp["max_code_diff"] > 0
    assert cmp["top_class_agreement"] >= ALL_FLOOR and cmp["foreground"] > 0
    assert cmp["foreground_agreement"] >= FOREGROUND_FLOOR
    # QOperator: the same arithmetic in int8 operators, so the same outputs as QDQ to within a step
    qo = quantize_onnx(path, tmp_path / "int8_qop.onnx", calib, fmt="qoperator")
    assert "QLinearConv" in {n.op_type for n in onnx.load(str(qo)).graph.node}
    assert compare_sessions(_session(q), _session(qo), test.images)["top_class_agreement"] >= 0.99


def test_detect_session_equals_the_pytorch_detect(exported):
    from course_utils.detection.onnx_detect import detect_session, session_outputs
    from course_utils.detection.train import detect

    run, path, test = exported
    codes, logits = session_outputs(_session(path), test.images[:3])
    assert codes.shape == (3, len(run["anchors"]), 4) and logits.shape == (3, len(run["anchors"]), 4)
    ours = detect_session(_session(path), run["anchors"], test.images[:4], score_threshold=0.3)
    theirs = detect(run["model"], run["anchors"], test.images[:4], score_threshold=0.3)
    for (b0, s0, l0), (b1, s1, l1) in zip(ours, theirs):
        assert np.array_equal(l0, l1) and np.allclose(s0, s1, atol=1e-4) and np.allclose(b0, b1, atol=1e-3)


def test_bad_input_gets_clear_errors(exported, tmp_path):
    from course_utils.deploy.onnx_quantize import quantize_onnx
    from course_utils.detection.onnx_detect import session_outputs
    from course_utils.detection.train import to_array

    _, path, test = exported
    good = to_array(test.images[:2])
    with pytest.raises(ValueError, match=r"calibration must be .*\(N >= 1, 3, 128, 128\).*got shape \(2, 3, 64, 64\)"):
        quantize_onnx(path, tmp_path / "q.onnx", good[:, :, :64, :64])
    with pytest.raises(ValueError, match="calibration must be finite floats"):
        quantize_onnx(path, tmp_path / "q.onnx", good[:0])
    with pytest.raises(ValueError, match="calibration must be finite floats"):
        quantize_onnx(path, tmp_path / "q.onnx", np.where(good > 0, np.nan, good))
    with pytest.raises(ValueError, match="fmt must be one of"):
        quantize_onnx(path, tmp_path / "q.onnx", good, fmt="int4")
    with pytest.raises(ValueError, match="no float .onnx file"):
        quantize_onnx(tmp_path / "missing.onnx", tmp_path / "q.onnx", good)
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an ONNX model"):
        quantize_onnx(tmp_path / "junk.onnx", tmp_path / "q.onnx", good)
    with pytest.raises(ValueError, match="path must differ from float_path"):
        quantize_onnx(path, path, good)
    assert not (tmp_path / "q.onnx").exists()
    with pytest.raises(ValueError, match="uint8"):
        session_outputs(_session(path), test.images.astype(np.float32))
