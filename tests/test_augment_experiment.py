"""Lesson 06's experiment: augmentation must buy accuracy on photo backgrounds (fixed seeds, small).

Its control run also proves what the generated hand-pose task is for: learnable by a small CNN,
not by a linear model on raw pixels, and shifted by the background (the CNN falls to chance).
"""
import numpy as np
import pytest

from course_utils.augment import experiment

# The smallest configuration where the gain on photos stands clear of seed noise (about 45 s of CPU
# time: 19 s for the control, 25 s with the photo backgrounds). Measured (seed 0, one thread per run, deterministic):
#   control plain 0.960 / color 0.420 / texture 0.360 / photo 0.373
#   photos  plain 0.840 / color 0.587 / texture 0.427 / photo 0.460
# At the lecture's size (1,500 images, 15 epochs) seeds 1 and 2 gave +0.133 and +0.087 on photos.
N_TRAIN, N_TEST, SIZE, EPOCHS, SEED = 1200, 150, 32, 15, 0


@pytest.fixture(scope="module")
def splits():
    return experiment.make_splits(N_TRAIN, N_TEST, SIZE, seed=SEED)


@pytest.fixture(scope="module")
def control(splits):
    """The small CNN trained on plain backgrounds only (no augmentation)."""
    return experiment.train(splits, "control", seed=SEED, epochs=EPOCHS)


@pytest.mark.slow
def test_hands_are_learnable_by_a_small_cnn_not_by_a_linear_model_and_shift_with_background(splits, control):
    from sklearn.linear_model import RidgeClassifier

    def flat(x):
        return x.reshape(len(x), -1).astype(np.float32) / 255

    x_plain, y_plain = splits.test["plain"]
    linear = RidgeClassifier(alpha=100.0).fit(flat(splits.train), splits.train_labels).score(flat(x_plain), y_plain)
    acc = control.accuracy
    print(f"MEASURED CNN {acc}, linear model on raw pixels {linear:.3f}")
    # the floor the hand-pose test had at 3,000 images (measured there 0.983); here measured 0.960
    # (144 of 150, deterministic: one thread, fixed seeds), so it holds with one image to spare
    assert acc["plain"] >= 0.95, acc
    assert linear <= acc["plain"] - 0.30, (linear, acc)   # measured: linear 0.453 vs CNN 0.960
    # the same CNN on the backgrounds it never saw: near chance (1/3), the shift is real
    assert acc["photo"] <= 0.42 and acc["texture"] <= acc["plain"] - 0.20, acc  # measured 0.373, 0.360


@pytest.mark.slow
def test_held_out_photo_backgrounds_buy_accuracy_on_photo_backgrounds(splits, control):
    # one process: under make test the other core is busy with another module anyway
    augmented = experiment.train(splits, "photos", seed=SEED, epochs=EPOCHS)
    acc = (control.accuracy, augmented.accuracy)
    # measured gain on photos +0.087, on textures +0.067; floors about half (a broken mask or a policy
    # that never replaces the background gives about 0)
    assert augmented.accuracy["photo"] - control.accuracy["photo"] >= 0.04, acc
    assert augmented.accuracy["texture"] - control.accuracy["texture"] >= 0.03, acc


def test_runs_are_deterministic_and_policies_validated(splits):
    small = experiment.Splits(splits.train[:60], splits.train_labels[:60], splits.train_masks[:60],
                              {bg: (x[:30], y[:30]) for bg, (x, y) in splits.test.items()})
    a, b = (experiment.train(small, "photometric", seed=3, epochs=1) for _ in range(2))
    assert a.accuracy == b.accuracy and a.history == b.history
    # a run in a worker process gives exactly what it gives here
    [c] = experiment.train_many(small, [("photometric", 3)], workers=2, epochs=1)
    assert c.accuracy == a.accuracy and c.history == a.history
    with pytest.raises(ValueError, match="expected one of"):
        experiment.train(small, "mixup")
    with pytest.raises(ValueError, match="callables"):
        experiment.train(small, (np.flipud,) + ("blur",))
    with pytest.raises(ValueError, match="workers must be"):
        experiment.train_many(small, [("control", 0)], workers=0)


def test_confusion_counts():
    m = experiment.confusion(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]))
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_default_workers_fit_the_memory_and_the_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(experiment.os, "cpu_count", lambda: 2)
    assert experiment.default_workers(limit_gib=2.0) == 1      # Binder: the kernel and one run
    assert experiment.default_workers(limit_gib=24.0) == 2     # this machine: one run per core
    monkeypatch.setattr(experiment.os, "cpu_count", lambda: 8)
    assert experiment.default_workers(limit_gib=3.0) == 2      # memory, not cores, is the limit
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       25165824 kB\nMemFree:        1 kB\n")
    limited, unlimited = tmp_path / "memory.max", tmp_path / "unlimited"
    limited.write_text("2147483648\n")
    unlimited.write_text("max\n")
    assert experiment._memory_limit_gib(str(meminfo), (str(limited),)) == 2.0
    assert experiment._memory_limit_gib(str(meminfo), (str(unlimited), str(tmp_path / "absent"))) == 24.0
