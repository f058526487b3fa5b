"""Lesson 07: the finished hand-pose classifier (training time, accuracy) and the backbones' fps."""
from __future__ import annotations

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
