"""Lesson 06's experiment: augmentation must buy accuracy on photo backgrounds (fixed seeds, small)."""
import numpy as np
import pytest

from course_utils.augment import experiment

# A configuration small enough for `make test` (about 10 s on a quiet machine, 23 s on a busy one).
# Measured with it (seed 0, one thread, deterministic): control plain 0.88 / texture 0.347 / photo 0.353;
# "background" plain 0.64 / texture 0.447 / photo 0.293. So background replacement buys about 10 points on
# textured backgrounds and nothing on photos, as the lecture reports at its larger size.
N_TRAIN, N_TEST, SIZE, EPOCHS, SEED = 400, 150, 32, 12, 0


@pytest.fixture(scope="module")
def splits():
    return experiment.make_splits(N_TRAIN, N_TEST, SIZE, seed=SEED)


def test_background_replacement_helps_on_textures_but_not_on_photos(splits):
    control = experiment.train(splits, "control", seed=SEED, epochs=EPOCHS)
    augmented = experiment.train(splits, "background", seed=SEED, epochs=EPOCHS)
    acc = (control.accuracy, augmented.accuracy)
    assert control.accuracy["plain"] >= 0.80, acc          # measured 0.88: the control learnt the task
    # measured gain on textures +0.100; floor half of it (a broken mask or policy gives about 0)
    assert augmented.accuracy["texture"] - control.accuracy["texture"] >= 0.05, acc
    # the lesson's honest negative: synthetic clutter does not carry over to photos (measured 0.293 vs 0.353);
    # if this starts failing, the notebook's conclusion has to change with it
    assert augmented.accuracy["photo"] < control.accuracy["photo"] + 0.05, acc


def test_runs_are_deterministic_and_policies_validated(splits):
    small = experiment.Splits(splits.train[:60], splits.train_labels[:60], splits.train_masks[:60],
                              {bg: (x[:30], y[:30]) for bg, (x, y) in splits.test.items()})
    a, b = (experiment.train(small, "photometric", seed=3, epochs=1) for _ in range(2))
    assert a.accuracy == b.accuracy and a.history == b.history
    with pytest.raises(ValueError, match="expected one of"):
        experiment.train(small, "mixup")
    with pytest.raises(ValueError, match="callables"):
        experiment.train(small, (np.flipud,) + ("blur",))


def test_confusion_counts():
    m = experiment.confusion(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]))
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
