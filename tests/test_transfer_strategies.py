"""Lesson 07's fair strategy experiment: equal step budgets, warm-started fine-tuning, a slower
backbone, and the split of the bundled photos into training and held-out backgrounds."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.data import bundled, handpose
from course_utils.data.handpose import make_hands
from course_utils.transfer import strategies
from course_utils.transfer.classifier import PHOTO_SPLIT, hands_all_backgrounds, hands_on_heldout_photos


def test_photo_split_is_disjoint_and_covers_every_photo():
    train, test = set(PHOTO_SPLIT["train"]), set(PHOTO_SPLIT["test"])
    assert train and test and not train & test
    assert train | test == set(bundled.PHOTOS)


def test_default_backgrounds_are_unchanged_and_only_photos_move():
    default = hands_all_backgrounds(2, 48, 3)
    assert all(np.array_equal(a, b) for a, b in zip(default, hands_all_backgrounds(2, 48, 3, photos="all")))
    assert np.array_equal(make_hands(4, 48, "photo", seed=5)[0],
                          make_hands(4, 48, "photo", seed=5, photos=tuple(bundled.PHOTOS))[0])
    train = hands_all_backgrounds(2, 48, 3, photos="train")
    photo = default[2] == 3
    assert np.array_equal(default[0][~photo], train[0][~photo]) and np.array_equal(default[1], train[1])
    with pytest.raises(ValueError, match="photos must be one of"):
        hands_all_backgrounds(2, 48, 3, photos="held-out")
    with pytest.raises(ValueError, match="photos must be None or a non-empty sequence"):
        make_hands(2, 48, "photo", photos=("lena",))


@pytest.mark.parametrize("split", ["train", "test"])
def test_photo_backgrounds_come_only_from_their_half(monkeypatch, split):
    seen = []
    real = handpose._bundled

    def spy(kind, name):
        seen.append((kind, name))
        return real(kind, name)

    monkeypatch.setattr(handpose, "_bundled", spy)
    if split == "train":
        hands_all_backgrounds(20, 48, 0, photos="train")
    else:
        hands_on_heldout_photos(20, 48, 0)
    photos = {name for kind, name in seen if kind == "photo"}
    assert photos and photos <= set(PHOTO_SPLIT[split])


def test_batch_indices_are_full_balanced_and_seeded():
    rows = strategies.batch_indices(30, 7, 32, seed=1)
    assert rows.shape == (7, 30)
    assert all(sorted(r) == list(range(30)) for r in rows)   # N <= batch: every step sees every image
    rows = strategies.batch_indices(100, 10, 32, seed=1)
    assert rows.shape == (10, 32) and np.bincount(rows.ravel(), minlength=100).max() - \
        np.bincount(rows.ravel(), minlength=100).min() <= 1
    assert np.array_equal(rows, strategies.batch_indices(100, 10, 32, seed=1))
    assert not np.array_equal(rows, strategies.batch_indices(100, 10, 32, seed=2))


@pytest.fixture(scope="module")
def tiny():
    """12 training hands (4 a class), 12 test hands, 6 on held-out photos, at 48 px."""
    (x, y, _), (xt, yt, _) = hands_all_backgrounds(3, 48, 0, photos="train"), hands_all_backgrounds(3, 48, 9)
    return x, y, xt, yt, *hands_on_heldout_photos(6, 48, 1)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", strategies.STRATEGIES)
def test_every_strategy_takes_the_budget_and_fine_tuning_starts_from_the_trained_head(
        frameworks, tiny, monkeypatch, strategy):
    calls = []
    real = strategies.fit_steps

    def spy(model, groups, x, y, batches):
        before = [np.array(w) for w in model.get_layer("probs").get_weights()]
        taken = real(model, groups, x, y, batches)
        assert taken == len(batches) and all(int(opt.iterations) == len(batches) for _, opt in groups)
        calls.append({"lrs": [float(opt.learning_rate.numpy()) for _, opt in groups],
                      "sizes": [len(vs) for vs, _ in groups], "steps": taken, "before": before,
                      "after": [np.array(w) for w in model.get_layer("probs").get_weights()]})
        return taken

    monkeypatch.setattr(strategies, "fit_steps", spy)
    x, y, xt, yt, xh, yh = tiny
    result = strategies.run_strategy(strategy, x, y, xt, yt, steps=7, seed=0, x_heldout=xh, y_heldout=yh)
    assert result.steps == 7 == sum(c["steps"] for c in calls)
    assert 0 <= result.accuracy <= 1 and 0 <= result.heldout <= 1 and result.per_class == 4
    if strategy == "frozen":
        # a second copy of the untouched backbone gives the same features up to rounding (9.9e-09 with
        # TensorFlow's oneDNN off, make portability's avx512-server; 0.0 elsewhere); fine-tuning drifts by 0.03 or more
        assert [c["steps"] for c in calls] == [7] and 0.0 <= result.drift < 1e-6
    elif strategy == "scratch":
        assert [c["steps"] for c in calls] == [7] and np.isnan(result.drift)
    else:
        head, tune = calls
        assert (head["steps"], tune["steps"]) == (3, 4)
        assert head["lrs"] == pytest.approx([strategies.HEAD_LR])
        # phase 2 starts from the phase-1 head, weight for weight
        assert all(np.array_equal(a, b) for a, b in zip(tune["before"], head["after"]))
        backbone_lr, head_lr = tune["lrs"]
        assert tune["sizes"][1] == 2 and tune["sizes"][0] > 0          # (kernel, bias) vs the backbone's
        assert backbone_lr == pytest.approx(strategies.BACKBONE_LR_RATIO * head_lr) and backbone_lr < head_lr
        assert result.drift > 0 and not np.isnan(result.start_accuracy)
        # last_blocks trains conv3 and conv4 only (one kernel each); full trains all four
        assert tune["sizes"][0] == (2 if strategy == "last_blocks" else 4)


def test_summary_is_mean_and_seed_range():
    rows = [strategies.Result("frozen", 10, s, 5, a, np.nan, 1.0, np.nan, 0.0, 1.0) for s, a in enumerate((0.5, 0.7, 0.6))]
    assert strategies.summarise(rows) == {("frozen", 10): (pytest.approx(0.6), 0.5, 0.7, 3)}


def test_scratch_batchnorm_follows_a_short_budget(frameworks):
    # with Keras' momentum 0.99 the moving statistics lagged the weights: 1.00 training accuracy in
    # training mode, 0.37 in inference mode after 200 steps at 10 images a class
    _, keras = frameworks
    backbone, _ = strategies._scratch_model(48, 3)
    norms = [layer for layer in backbone.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 4 and all(layer.momentum == 0.9 for layer in norms)
