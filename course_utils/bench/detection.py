"""Lesson 09: frames/s of the small SSDLite (PyTorch, ONNX Runtime) and of HOG + SVM for hands,
both on 128 x 128 scenes, batch 1. The SSDLite has random weights (speed does not depend on
them) and its post-processing (softmax, decode, NMS) is timed with it."""
from __future__ import annotations

import tempfile

from ..data.scenes import make_scenes
from ..detection.hog_baseline import HogHandDetector
from . import Row, benchmark, best_of


@benchmark("detection")
def detection_bench() -> list[Row]:
    """Small SSDLite (PyTorch, ONNX Runtime) and HOG+SVM hands, 128x128, batch 1, frames/s."""
    import onnxruntime as ort

    from ..deploy.onnx_export import export_onnx
    from ..detection import train

    scenes = make_scenes(40, size=128, seed=0)
    image = scenes.images[:1]
    model, anchors = train.build()
    model.eval()
    rows: list[Row] = []
    seconds = best_of(lambda: train.detect(model, anchors, image), repeat=20)
    rows.append(("SSDLite MobileNetV2 0.35, 128x128, PyTorch eager + NMS", 1 / seconds, "frames/s"))
    with tempfile.TemporaryDirectory() as folder:
        path = export_onnx(model, f"{folder}/ssdlite.onnx", (3, 128, 128))
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        x = train.to_tensor(image).numpy()
        name = sess.get_inputs()[0].name
        run = lambda: train.postprocess(*(o[0] for o in sess.run(None, {name: x})), anchors, 128)  # noqa: E731
        rows.append(("SSDLite MobileNetV2 0.35, 128x128, ONNX Runtime + NMS", 1 / best_of(run, repeat=20),
                     "frames/s"))
    hog = HogHandDetector().fit(scenes)
    rows.append(("HOG+SVM hands, 128x128 (upsampled 2x, all pyramid levels)",
                 1 / best_of(lambda: hog.detect_hands(scenes.images[0]), repeat=5), "frames/s"))
    return rows
