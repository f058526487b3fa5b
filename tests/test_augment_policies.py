"""Lesson 06's newer arms: TrivialAugmentWide and CutMix as policies, test-time preprocessing,
paired gains with a t interval, and the experiment on pretrained features (in a child process)."""
import numpy as np
import pytest

from course_utils.augment import compare, experiment, policies, test_time


def numbered(n=6, size=16):
    """Picture i filled with the value 10 * (i + 1): which picture a pixel came from is readable."""
    return np.stack([np.full((size, size, 3), 10 * (i + 1), np.uint8) for i in range(n)])


def test_cutmix_labels_are_the_exact_pixel_shares():
    images, labels = numbered(), np.array([0, 1, 2, 0, 1, 2])
    for seed in range(20):
        mixed, soft = policies.cutmix(images, labels, 3, np.random.default_rng(seed))
        assert mixed.shape == images.shape and mixed.dtype == np.uint8 and soft.shape == (6, 3)
        np.testing.assert_allclose(soft.sum(1), 1.0, atol=1e-6)
        for i in range(6):
            own = np.mean(mixed[i] == images[i, 0, 0, 0])          # share of picture i still its own
            values = set(np.unique(mixed[i])) - {images[i, 0, 0, 0]}
            partner = int(values.pop()) // 10 - 1 if values else i
            expected = np.zeros(3)
            expected[labels[i]] += own
            expected[labels[partner]] += 1 - own
            np.testing.assert_allclose(soft[i], expected, atol=1e-6)


def test_cutmix_is_seeded_and_checks_its_input():
    images, labels = numbered(), np.array([0, 1, 2, 0, 1, 2])
    a = policies.cutmix(images, labels, 3, np.random.default_rng(4))
    b = policies.cutmix(images, labels, 3, np.random.default_rng(4))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ValueError, match="alpha"):
        policies.cutmix(images, labels, 3, np.random.default_rng(0), alpha=0)
    with pytest.raises(ValueError):
        policies.cutmix(images, np.array([0, 1, 5, 0, 1, 2]), 3, np.random.default_rng(0))
    with pytest.raises(ValueError):
        policies.cutmix(images.astype(np.float32), labels, 3, np.random.default_rng(0))


def test_trivial_augment_is_seeded_by_rng_and_leaves_torch_alone():
    import torch

    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    outs = [policies.trivial_augment(image, np.random.default_rng(s)) for s in (1, 1, 2, 3, 4, 5)]
    assert all(o.shape == image.shape and o.dtype == np.uint8 for o in outs)
    assert np.array_equal(outs[0], outs[1])
    assert sum(not np.array_equal(outs[0], o) for o in outs[2:]) >= 3   # other seeds, other pictures
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    policies.trivial_augment(image, np.random.default_rng(1))
    assert torch.equal(torch.rand(3), expected)                     # the global generator was not moved
    with pytest.raises(ValueError, match="Generator"):
        policies.trivial_augment(image, 7)


def test_batch_steps_are_skipped_per_picture_and_named_in_errors():
    images = numbered(4)
    masks = np.ones(images.shape[:3], bool)
    out = experiment.apply_policy(images, masks, ("cutmix",), np.random.default_rng(0))
    assert np.array_equal(out, images)
    assert {"trivialaugment", "cutmix"} <= set(experiment.POLICIES)
    with pytest.raises(ValueError, match="cutmix"):
        experiment.apply_policy(images, masks, ("mixup",), np.random.default_rng(0))


@pytest.mark.parametrize("policy", ["cutmix", "trivialaugment"])
def test_new_policies_train_deterministically(policy):
    splits = experiment.make_splits(60, 15, 32, seed=0)
    a, b = (experiment.train(splits, policy, seed=1, epochs=1) for _ in range(2))
    assert a.accuracy == b.accuracy and a.history == b.history
    assert set(a.accuracy) == set(splits.test)


def test_grey_world_removes_a_colour_cast_and_clahe_keeps_shape():
    rng = np.random.default_rng(0)
    grey = rng.integers(60, 180, (3, 24, 24, 1)).repeat(3, axis=3).astype(np.float32)
    cast = np.clip(grey * np.array([1.3, 1.0, 0.7]), 0, 255).astype(np.uint8)
    fixed = test_time.grey_world(cast).astype(float)
    means = fixed.mean(axis=(1, 2))
    assert np.all(means.max(1) - means.min(1) < 1.5)          # the mean colour is grey again
    assert np.all((cast.mean(axis=(1, 2)).max(1) - cast.mean(axis=(1, 2)).min(1)) > 40)
    dark = (rng.integers(0, 40, (2, 32, 32, 3))).astype(np.uint8)
    out = test_time.clahe(dark)
    assert out.shape == dark.shape and out.dtype == np.uint8
    assert out.std() > dark.std()                                # local contrast went up
    assert np.array_equal(test_time.TEST_TIME["none"](dark), dark)
    with pytest.raises(ValueError):
        test_time.clahe(dark.astype(np.float32))
    with pytest.raises(ValueError, match="clip"):
        test_time.clahe(dark, clip=-1)
    with pytest.raises(ValueError, match="tiles"):
        test_time.clahe(dark, tiles=0)


def test_paired_interval_is_students_t():
    g = compare.paired_interval([0.1, 0.2, 0.3])
    half = 4.302652729911275 * 0.1 / np.sqrt(3)                  # t(0.975, 2) * sd / sqrt(n)
    assert g.mean == pytest.approx(0.2) and g.low == pytest.approx(0.2 - half) and g.high == pytest.approx(0.2 + half)
    assert g.excludes_zero is False and compare.paired_interval([0.1, 0.11, 0.12]).excludes_zero
    one = compare.paired_interval([0.05])
    assert np.isnan(one.low) and not one.excludes_zero and "n/a" in compare.format_gain(one)
    for bad in ([], [np.nan], [[0.1, 0.2]]):
        with pytest.raises(ValueError, match="differences"):
            compare.paired_interval(bad)
    with pytest.raises(ValueError, match="confidence"):
        compare.paired_interval([0.1, 0.2], confidence=95)


def test_paired_gains_pair_by_seed_and_refuse_unpaired_runs():
    run = lambda p, s, a: experiment.Run(p, s, [], {"photo": a}, {})
    runs = [run("control", 0, 0.30), run("control", 1, 0.40), run("photos", 1, 0.45), run("photos", 0, 0.40)]
    g = compare.paired_gains(runs)["photos"]["photo"]
    assert g.per_seed == pytest.approx((0.10, 0.05)) and g.mean == pytest.approx(0.075)
    with pytest.raises(ValueError, match="lacks"):
        compare.paired_gains(runs + [run("photos", 2, 0.5)])
    with pytest.raises(ValueError, match="baseline"):
        compare.paired_gains(runs, baseline="none")


def test_pretrained_arm_runs_every_policy_and_seed_on_the_same_splits():
    from course_utils.frameworks import in_child

    runs = in_child("course_utils.transfer.augmentation_arm:pretrained_runs", 30, 9, 48, seeds=(0, 1),
                    policies=("control", "photos"), copies=1, epochs=2, frameworks=("tensorflow",))
    assert [(r.policy, r.seed) for r in runs] == [("control", 0), ("control", 1), ("photos", 0), ("photos", 1)]
    for r in runs:
        assert set(r.accuracy) == set(experiment.BACKGROUNDS)
        assert all(a in {k / 9 for k in range(10)} for a in r.accuracy.values())   # 9 test hands a background
