"""deploy.teach.teach_run end to end on a tiny run: the course backbone with a fresh head, a few stand-in frames."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.deploy.teach import TeachPlan, teach_run
from course_utils.deploy.your_hand import learner_hands

pytestmark = pytest.mark.slow


def test_teach_run_measures_before_and_after_and_saves_the_taught_model(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    from course_utils.data.handpose import CLASSES, make_hands
    from course_utils.transfer.finetune import load_classifier, save_classifier
    from course_utils.transfer.torch_classifier import handpose_module, predict_torch, torch_course_backbone

    torch.manual_seed(0)
    model = handpose_module(torch_course_backbone(), nn.Sequential(nn.Dropout(0.2), nn.Linear(256, 3)))
    path = save_classifier(model, tmp_path / "handpose.pt", size=48, classes=CLASSES)
    x, y = learner_hands(12, 48, seed=1, labels=np.repeat([0, 1, 2], 4))
    xg, yg, _ = make_hands(6, 48, "plain", seed=2)
    out = teach_run(path, x[:9], y[:9], xg, yg, x[9:], y[9:], tmp_path, plan=TeachPlan(epochs=1, batch=8),
                    seeds=(0, 1), threads=1)
    assert out["confusion_before"].sum() == 3 and [c.sum() for c in out["confusion_after"]] == [3, 3]
    assert out["before"] == np.trace(out["confusion_before"]) / 3 and len(out["after"]) == len(out["seconds"]) == 2
    assert (out["frames"], out["generated"], out["seeds"]) == (9, 6, [0, 1])
    taught, size, classes = load_classifier(out["path"])
    assert (size, classes) == (48, CLASSES)
    assert not np.allclose(predict_torch(taught, x), predict_torch(load_classifier(path)[0], x))   # it learned
    with pytest.raises(ValueError, match="seeds"):
        teach_run(path, x, y, xg, yg, x, y, tmp_path, seeds=())
    with pytest.raises(ValueError, match="same shape"):
        teach_run(path, x[:, :32, :32], y, xg, yg, x, y, tmp_path, plan=TeachPlan(epochs=1))
