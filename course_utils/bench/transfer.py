"""Lesson 07: the finished hand-pose classifier (training time, accuracy) and the backbones' fps."""
from __future__ import annotations

import tempfile
from pathlib import Path

from . import Row, benchmark


@benchmark("transfer")
def transfer_bench() -> list[Row]:
    """Hand-pose classifier: training seconds and held-out accuracy (full recipe); backbone fps at 96 px."""
    from ..frameworks import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras

    from ..transfer import backbones
    from ..transfer.classifier import train_handpose_classifier

    clf = train_handpose_classifier(size=96, seed=0, fast=False)
    rows: list[Row] = [("hand-pose classifier training (features + head + fine-tune)", clf.seconds, "s"),
                       ("hand-pose classifier held-out accuracy (4 backgrounds)", 100 * clf.accuracy, "%")]
    rows += [(f"  accuracy on {bg}", 100 * a, "%") for bg, a in clf.per_background().items()]
    keras.backend.clear_session()
    for name in backbones.BACKBONES:
        model = backbones.build_backbone(name, 96)
        for batch in (1, 32):
            rows.append((f"{name} @96 batch {batch} (median of 3)",
                         backbones.images_per_second(model, batch, repeat=3), "img/s"))
        del model
        keras.backend.clear_session()
    return rows


@benchmark("classifier")
def classifier_bench() -> list[Row]:
    """Finished hand-pose classifier in PyTorch (48 px, fine-tuned end to end) vs the same recipe from scratch."""
    from ..frameworks import import_frameworks

    torch = import_frameworks("torch", seed=0)["torch"]
    from ..data.handpose import CLASSES
    from ..timing import time_calls
    from ..transfer import finetune
    from ..transfer.torch_classifier import to_nchw

    plan = finetune.FINETUNE_FULL
    rows: list[Row] = []
    for weights, name in (("course", "fine-tuned"), (None, "from scratch")):
        result = finetune.train_finished_classifier(plan, weights=weights, seed=0)
        rows += [(f"hand pose 48 px, {name}: training (budget 120 s)", result["seconds"], "s"),
                 (f"hand pose 48 px, {name}: held out ({len(result['predictions'])} hands)",
                  100 * result["accuracy"], "%")]
        rows += [(f"  on {bg}", 100 * a, "%") for bg, a in result["per_background"].items()]
        if weights == "course":  # saved, reloaded, and timed on one image as a learner would use it
            with tempfile.TemporaryDirectory() as folder:
                path = finetune.save_classifier(result["model"], Path(folder) / "handpose.pt", size=plan.size,
                                                classes=CLASSES)
                rows.append(("hand pose 48 px, fine-tuned: saved file", path.stat().st_size / 1024, "KB"))
                model, _, _ = finetune.load_classifier(path)
            one = to_nchw(result["test"][0][:1], scaled=False)
            with torch.inference_mode():
                t = time_calls(lambda: model(one), repeat=50, warmup=5)
            rows.append((f"hand pose 48 px, {name}: one image (median of 50)", 1e3 * t.median, "ms"))
    return rows
