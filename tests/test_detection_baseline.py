"""Lesson 09's baseline (HOG + SVM for hands) and the SSDLite's ONNX export."""
import numpy as np
import pytest

from course_utils.data.scenes import make_scenes
from course_utils.detection.hog_baseline import HogHandDetector, square_crops


def test_square_crops_are_square_and_centred():
    gray = np.arange(100 * 100, dtype=float).reshape(100, 100)
    (crop,) = square_crops(gray, np.array([[40, 30, 50, 70]]))
    assert crop.shape == (40, 40) and crop[0, 0] == gray[30, 25]


def test_hog_hand_detector_trains_and_detects_inside_the_image():
    scenes = make_scenes(12, size=96, seed=4, hand_sizes=(32, 48))
    det = HogHandDetector(n_random=300, mining_rounds=1, max_hard_per_round=2000).fit(scenes)
    assert det.n_train_[0] == 2 * scenes.n_hands
    boxes, scores = det.detect_hands(scenes.images[0])
    assert boxes.shape == (len(scores), 4) and (np.diff(scores) <= 0).all()
    assert (boxes >= 0).all() and (boxes <= 96).all()


def test_hog_hand_detector_needs_hands():
    with pytest.raises(ValueError, match="no hands"):
        HogHandDetector().fit(make_scenes(2, size=96, seed=0, max_hands=0, hand_sizes=(32, 48)))


def test_small_ssdlite_exports_to_onnx_with_the_same_outputs(tmp_path):
    pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    import onnxruntime as ort

    from course_utils.deploy.onnx_export import export_onnx
    from course_utils.detection.train import build

    torch.manual_seed(0)
    model, anchors = build()
    model.eval()
    path = export_onnx(model, tmp_path / "ssdlite.onnx", (3, 128, 128))
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 128, 128)).astype(np.float32)
    with torch.no_grad():
        codes, logits = (t.numpy() for t in model(torch.from_numpy(x)))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    o_codes, o_logits = sess.run(None, {sess.get_inputs()[0].name: x})
    assert o_codes.shape == codes.shape == (1, len(anchors), 4)
    np.testing.assert_allclose(o_codes, codes, atol=1e-4)
    np.testing.assert_allclose(o_logits, logits, atol=1e-4)
