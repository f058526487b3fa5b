"""Lesson 06's experiment: augmentation must buy accuracy on photo backgrounds (fixed seeds, small)."""
import numpy as np
import pytest

from course_utils.augment import experiment

# A configuration small enough for `make test` (~10 s): FLOOR_NOTE
N_TRAIN, N_TEST, SIZE, EPOCHS, SEED = 600, 150, 32, 8, 0


@pytest.fixture(scope="module")
def splits():
    return experiment.make_splits(N_TRAIN, N_TEST, SIZE, seed=SEED)


def test_background_replacement_beats_the_control_on_photos(splits):
    control = experiment.train(splits, "control", seed=SEED, epochs=EPOCHS)
    augmented = experiment.train(splits, "background+photometric", seed=SEED, epochs=EPOCHS)
    gain = augmented.accuracy["photo"] - control.accuracy["photo"]
    assert gain >= GAIN_FLOOR, (control.accuracy, augmented.accuracy)
    assert control.accuracy["plain"] >= PLAIN_FLOOR   # the control did learn the task itself


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
