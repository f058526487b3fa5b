"""The finished hand-pose classifier's recipe in PyTorch: the shipped weights read without
TensorFlow, end-to-end fine-tuning, and what transfer buys over training from scratch.

Measured on the 2-core machine (seed 0): the full recipe (48 px, 800 hands per background,
8 epochs) reaches 98.0% on 600 held-out hands in 85 s of training (plain 100%, colour 99.3%,
texture 98.0%, photo 94.7%); from scratch, the same recipe reaches 92.3%. The fast plan
(150 hands per background, 3 epochs, one thread) reaches 0.575 fine-tuned against 0.360 from
scratch (seed 1: 0.650 against 0.355); chance is 0.333. (With two threads the sums run in
another order and seed 0 gives 0.605 against 0.355: the tests pin one thread.) `make bench BENCH=classifier` prints the
full-recipe figures.
"""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from course_utils.data.handpose import CLASSES
from course_utils.transfer import finetune as ft
from course_utils.transfer import torch_classifier as tc
from course_utils.transfer.classifier import hands_all_backgrounds

FAST_FINETUNED_FLOOR = 0.52   # measured 0.575 and 0.650 (seeds 0, 1; one thread)
FAST_GAIN_FLOOR = 0.15        # measured +0.215 and +0.295


def test_shipped_weights_read_without_keras_equal_the_keras_copy(frameworks):
    torch, _ = frameworks
    from course_utils.models.torch_layers import load_keras_weights
    from course_utils.transfer.backbone import course_backbone

    reference = load_keras_weights(tc.torch_course_cnn(), course_backbone("course")).eval()
    from_file = tc.torch_course_backbone()
    ref_state, state = reference.state_dict(), from_file.state_dict()
    assert ref_state.keys() == state.keys()
    for name, value in ref_state.items():
        assert torch.equal(state[name], value), name
    x = tc.to_nchw(hands_all_backgrounds(2, 48, 3)[0])
    with torch.inference_mode():
        assert torch.equal(from_file(x), reference(x))


def test_weights_reader_says_what_is_wrong(tmp_path, monkeypatch):
    import course_utils.transfer as transfer

    monkeypatch.setattr(transfer, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="make pretrain"):
        tc.course_weights_as_arrays()
    with h5py.File(tmp_path / "course_cnn_gestures.weights.h5", "w") as f:
        f.create_group("layers/dense/vars").attrs["name"] = "probs"
    with pytest.raises(ValueError, match=r"no weights for \['conv1'.*not a course-CNN weights file"):
        tc.course_weights_as_arrays()


def test_finetune_checks_its_arguments():
    x, y = np.zeros((4, 48, 48, 3), np.uint8), np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match="weights must be 'course' or None"):
        ft.finetune_handpose(x, y, x, y, weights="imagenet")
    with pytest.raises(ValueError, match="need as many labels as images"):
        ft.finetune_handpose(x, y[:3], x, y)
    with pytest.raises(ValueError, match="need as many labels as images"):
        ft.finetune_handpose(x, y, x[:0], y[:0])


def test_finetune_repeats_exactly_with_the_same_seed(frameworks):
    plan = ft.FinetunePlan(per_background=12, val_per_background=6, test_per_background=6, epochs=2)
    first = ft.train_finished_classifier(plan, seed=2, threads=1)
    again = ft.train_finished_classifier(plan, seed=2, threads=1)
    assert first["history"]["loss"] == again["history"]["loss"]
    assert np.array_equal(first["predictions"], again["predictions"])
    assert len(first["history"]["val_accuracy"]) == 2 and first["best_epoch"] in (0, 1)


@pytest.mark.slow
def test_fine_tuning_beats_scratch_at_small_data_in_fast_mode(frameworks):
    plan = ft.FINETUNE_FAST
    x, y, _ = hands_all_backgrounds(plan.per_background, plan.size, 0)
    xv, yv, _ = hands_all_backgrounds(plan.val_per_background, plan.size, 7)
    xt, yt, _ = hands_all_backgrounds(plan.test_per_background, plan.size, 1000)
    # one thread: the suite runs two workers on two cores (two threads each would fight)
    tuned = ft.finetune_handpose(x, y, xv, yv, plan=plan, weights="course", seed=0, threads=1)
    scratch = ft.finetune_handpose(x, y, xv, yv, plan=plan, weights=None, seed=0, threads=1)
    probs = tc.predict_torch(tuned["model"], xt)
    tuned_acc = float(np.mean(probs.argmax(1) == yt))
    scratch_acc = float(np.mean(tc.predict_torch(scratch["model"], xt).argmax(1) == yt))
    print(f"MEASURED fine-tuned {tuned_acc:.3f} scratch {scratch_acc:.3f} "
          f"({tuned['seconds']:.1f} s, {scratch['seconds']:.1f} s)")
    assert tuned_acc >= FAST_FINETUNED_FLOOR
    assert tuned_acc - scratch_acc >= FAST_GAIN_FLOOR
    # the model takes uint8 hands and gives class probabilities
    assert probs.shape == (len(xt), 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
    # the kept weights are the best validation epoch's
    history = tuned["history"]
    assert tuned["best_epoch"] == int(np.argmax(history["val_accuracy"]))
    assert len(history["loss"]) == len(history["seconds"]) <= plan.epochs


def test_saved_classifier_reloads_with_the_same_outputs(frameworks, tmp_path):
    torch, _ = frameworks
    plan = ft.FinetunePlan(per_background=6, val_per_background=3, test_per_background=3, epochs=1)
    trained = ft.train_finished_classifier(plan, seed=3, threads=1)
    path = ft.save_classifier(trained["model"], tmp_path / "hands.pt", size=plan.size, classes=CLASSES)
    model, size, classes = ft.load_classifier(path)
    assert (size, classes) == (plan.size, CLASSES)
    xt = trained["test"][0]
    assert np.array_equal(tc.predict_torch(model, xt), tc.predict_torch(trained["model"], xt))
    assert [p.name for p in tmp_path.iterdir()] == ["hands.pt"]  # no temporary file left


def test_loading_anything_else_is_a_clear_error(tmp_path):
    import torch

    with pytest.raises(FileNotFoundError, match="no classifier file"):
        ft.load_classifier(tmp_path / "missing.pt")
    (tmp_path / "text.pt").write_text("not a model")
    with pytest.raises(ValueError, match="not a saved hand-pose classifier"):
        ft.load_classifier(tmp_path / "text.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="expected format"):
        ft.load_classifier(tmp_path / "other.pt")


def test_a_failed_save_leaves_no_file(tmp_path):
    class Broken:
        def state_dict(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        ft.save_classifier(Broken(), tmp_path / "hands.pt", size=48, classes=("a",))
    assert list(tmp_path.iterdir()) == []


def test_keras_twin_gives_the_pytorch_classifiers_outputs(frameworks):
    _, keras = frameworks
    from course_utils.transfer.classifier import keras_twin, predict

    plan = ft.FinetunePlan(per_background=6, val_per_background=3, test_per_background=4, epochs=1)
    trained = ft.train_finished_classifier(plan, seed=4, threads=1)
    twin = keras_twin(trained["model"], plan.size)
    xt = trained["test"][0]
    reference = tc.predict_torch(trained["model"], xt)
    assert np.allclose(predict(twin, xt), reference, atol=1e-5)
    assert [type(layer).__name__ for layer in twin.layers][:2] == ["InputLayer", "Rescaling"]
    with pytest.raises(ValueError, match="not a fine-tuned course-CNN classifier for 4 classes"):
        keras_twin(trained["model"], plan.size, classes=("a", "b", "c", "d"))
    keras.backend.clear_session()


def test_lesson_runs_return_plain_data(frameworks, tmp_path):
    # what lesson 07's TensorFlow kernel gets back from its PyTorch child must unpickle without
    # PyTorch: numbers, lists and NumPy arrays only (in_child itself is tested in test_in_child.py)
    from conftest import assert_no_torch_objects

    from course_utils.transfer import torch_runs

    plan = ft.FinetunePlan(epochs=1)
    x, y, _ = hands_all_backgrounds(12, 48, 0)
    xv, yv, _ = hands_all_backgrounds(3, 48, 7)
    xt, yt, _ = hands_all_backgrounds(6, 48, 1000)
    run = torch_runs.finetune_run(x, y, xv, yv, xt, yt, tmp_path, plan=plan, threads=1)
    frozen = torch_runs.frozen_head_run(x, y, xv, yv, xt, yt)
    for result in (run, frozen):
        assert_no_torch_objects(result)
    assert run["plan"]["epochs"] == 1 and len(run["history"]["loss"]) == 1 and run["best_epoch"] == 0
    assert run["predictions"].shape == (24,) and run["accuracy"] == pytest.approx(np.mean(run["predictions"] == yt))
    assert run["reload_max_diff"] == 0.0 and run["one"].shape == (3,) and run["one"].sum() == pytest.approx(1, abs=1e-5)
    assert run["path"] == str(tmp_path / "handpose.pt") and run["kb"] > 1000   # 389,856 float32 weights
    assert 0 < run["latency_ms"]["p10"] <= run["latency_ms"]["median"] <= run["latency_ms"]["p90"]
    assert [p.name for p in tmp_path.iterdir()] == ["handpose.pt"]
    _, _, names = ft.load_classifier(tmp_path / "handpose.pt")
    assert names == CLASSES
    assert set(frozen) == {"accuracy", "seconds", "history", "predictions"} and frozen["predictions"].shape == (24,)


def test_lesson_run_arguments_are_checked(tmp_path):
    from course_utils.transfer.torch_runs import finetune_run

    x, y = np.zeros((3, 48, 48, 3), np.uint8), np.arange(3)
    with pytest.raises(FileNotFoundError, match="existing folder"):
        finetune_run(x, y, x, y, x, y, tmp_path / "missing")
    with pytest.raises(ValueError, match=r"\(N, 48, 48, 3\)"):
        finetune_run(np.zeros((3, 64, 64, 3), np.uint8), y, x, y, x, y, tmp_path)
    with pytest.raises(ValueError, match="plan must be one of"):
        finetune_run(x, y, x, y, x, y, tmp_path, plan="huge")


@pytest.mark.slow
@pytest.mark.skipif(__import__("course_utils").fast_mode(),
                    reason="the full recipe trains for ~90 s: run `COURSE_FAST=0 pytest tests/test_transfer_torch.py -k full_recipe`")
def test_full_recipe_meets_the_97_percent_target(frameworks):
    # lesson 07's target: at least 97% of 600 held-out hands (all four backgrounds) in at most 2 minutes here
    result = ft.train_finished_classifier(ft.FINETUNE_FULL, seed=0)
    print(f"MEASURED full recipe {result['accuracy']:.3f} in {result['seconds']:.1f} s", result["per_background"])
    assert len(result["predictions"]) == 600
    assert result["accuracy"] >= 0.97            # measured 0.980
    assert min(result["per_background"].values()) >= 0.92   # measured: photo 0.947
