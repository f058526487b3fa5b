"""Lesson 07: the backbones' fps, and the finished hand-pose classifier (training time, accuracy)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from . import Row, benchmark


@benchmark("transfer")
def transfer_bench() -> list[Row]:
    """Lesson 07's backbones at its resolution (48 px): images per second at batch 1 and 32."""
    from ..frameworks import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras

    from ..transfer import backbones

    rows: list[Row] = []
    for name in backbones.BACKBONES:
        model = backbones.build_backbone(name, 48)
        for batch in (1, 32):
            rows.append((f"{name} @48 batch {batch} (median of 5)",
                         backbones.images_per_second(model, batch, repeat=5), "img/s"))
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
