"""Issue 26: the probes of ``probes-05-08.md`` for augment/ and data.handpose (ids A, L, E, H).

Bad inputs end in the course's ValueError naming what was expected; the silent wrong results
(uninitialised images, a one-image "batch", label -1 counted in the last row) are refused.
Parameter ids are the probe ids (see ``tests/PROBES_05_08.md``).
"""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.augment import by_hand, denoise, experiment, libraries, preprocess, segment
from course_utils.data import handpose
from course_utils.data.validate import check_images, check_labels

NAN = float("nan")
IMG = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
RNG = np.random.default_rng


REFUSED = [
    ("A07", lambda: preprocess.normalize(np.uint8(5), "unit"), r"expected uint8 RGB with channels last"),
    ("A09", lambda: preprocess.denormalize(np.full((2, 2, 3), NAN), "unit"), "expected finite values"),
    ("A10", lambda: preprocess.denormalize([["a"]], "unit"), "expected normalized numbers"),
    ("A11", lambda: preprocess.resize_shorter(IMG, NAN), "size must be a positive number of pixels"),
    ("A15", lambda: preprocess.letterbox(IMG, 0), "size must be a positive number of pixels"),
    ("A16", lambda: preprocess.letterbox(IMG, -5), "size must be a positive number of pixels"),
    ("A17", lambda: preprocess.letterbox(IMG, 16, fill=300), r"fill must be a grey level, an int in 0..255"),
    ("A18", lambda: preprocess.letterbox(IMG, 16.5), "size must be a positive number of pixels"),
    ("A21", lambda: by_hand.hflip(IMG, rng=0), "rng must be a numpy.random.Generator"),
    ("A22", lambda: by_hand.rotate(IMG, RNG(0), degrees=NAN), "degrees"),
    ("A23", lambda: by_hand.gaussian_blur(IMG, RNG(0), sigma=(0, 0)), r"sigma must be a \(low, high\) pair .* 0 < low"),
    ("A24", lambda: by_hand.gaussian_blur(IMG, RNG(0), sigma=(-2, -1)), "sigma must be"),
    ("A25", lambda: by_hand.gaussian_noise(IMG, RNG(0), std=(-5, -1)), r"std must be .* 0 <= low <= high"),
    ("A26", lambda: by_hand.random_erasing(IMG, RNG(0), p=1, aspect=(0, 1)), "aspect must be"),
    ("A28", lambda: by_hand.clutter(0, RNG(0)), "size must be an int >= 1"),
    ("A30", lambda: by_hand.augment_batch(np.zeros((32, 32, 3), np.uint8)), r"for one \(H, W, C\) image pass images\[None\]"),
    ("A32", lambda: by_hand.augment_batch(IMG[None], seed=-1), "seed must be a non-negative int"),
    ("A37", lambda: by_hand.affine(IMG, RNG(0), scale=(0, 0)), "scale must be"),
    ("A39", lambda: segment.box_of(np.ones((4, 4, 2), bool)), r"expected one 2-D mask \(H, W\)"),
    ("A40", lambda: segment.grabcut(np.full((32, 32, 3), 100, np.uint8), rect=(0, 0, 32, 32)), "covers the whole 32x32 image"),
    ("A42", lambda: segment.grabcut_scores(np.zeros((3, 32, 32, 3), np.uint8), np.ones((2, 32, 32), bool)),
     "one mask per image, got 3 images and 2 masks"),
    ("A43", lambda: denoise.add_noise(IMG, sigma=NAN), "expected sigma >= 0"),
    ("A44", lambda: denoise.psnr_ssim(IMG[:1, :1], IMG[:1, :1]), r"at least 7x7 pixels \(SSIM's window\)"),
    ("A45", lambda: denoise.psnr_ssim(IMG[:8, :8], IMG[:9, :9]), "two images of one shape"),
    ("A46", lambda: denoise.denoise_table({"a": IMG[:4, :4]}, repeat=1), "at least 7x7 pixels"),
    ("A48", lambda: experiment.apply_policy(IMG[None], np.ones((1, 32, 32), bool), "Photometric", RNG(0)), "unknown policy 'Photometric'"),
    ("A49", lambda: experiment.apply_policy(np.full((3, 32, 32, 3), 7, np.uint8), np.ones((2, 32, 32), bool), "background", RNG(0)),
     "one mask per image, got 3 images and 2 masks"),
    ("A50", lambda: experiment.confusion([-1, 0], [0, 0], 3), r"labels must be class indices in 0..2, got values from -1"),
    ("A51", lambda: experiment.confusion([5], [0], 3), r"labels must be class indices in 0..2"),
    ("A52", lambda: experiment.confusion([0, 1, 2], [0, 1], 3), "one label per image: 3 images, got 2 predictions"),
    ("A53", lambda: experiment.default_workers(per_run_gib=0), "per_run_gib must be a finite number of GiB > 0"),
    ("A54", lambda: experiment.default_workers(limit_gib=NAN), "limit_gib must be a finite number"),
    ("L05", lambda: libraries.boxes_torchvision(IMG, box=(20, 20, 5, 5)), r"x0 < x1 and y0 < y1"),
    ("L06", lambda: libraries.boxes_torchvision(IMG, box=(NAN, 0, 5, 5)), r"box must be \(x0, y0, x1, y1\) inside"),
    ("L07", lambda: libraries.boxes_imgaug(IMG, (0, 0, 1000, 1000)), "inside the 32x32 image"),
    ("L08", lambda: libraries.augment_seeds("opencv", IMG[None], seeds=[-1]), "seed must be a non-negative int"),
    ("L09", lambda: libraries.augment_with("imgaug", IMG[None], seed=-1), "seed must be a non-negative int"),
    ("L01", lambda: libraries.augment_with("torchvision", np.zeros((2, 1, 1, 3), np.uint8)), "at least 3x3 pixels"),
    ("E01", lambda: experiment.small_cnn(width=0), "width must be an int >= 1"),
    ("H03", lambda: handpose.make_hands(1, 64, seed=-1), "seed must be a non-negative int"),
    ("H04", lambda: handpose.make_hands(1, 64, seed=1.5), "seed must be a non-negative int"),
    ("H05", lambda: handpose.make_hands(1, size=10000), "size must be at most 1024"),
]


@pytest.mark.parametrize("probe, call, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_augment_refuses_with_the_courses_message(probe, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_e02_e03_predict_needs_a_non_empty_uint8_batch():
    model = experiment.small_cnn()
    with pytest.raises(ValueError, match="at least one image"):
        experiment.predict(model, np.zeros((0, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"must be a batch \(N, H, W, C\)"):
        experiment.predict(model, IMG)
    assert experiment.predict(model, IMG[None]).shape == (1,)


def test_a49_fixed_policy_copies_every_image_and_changes_nothing_else():
    images = np.full((3, 32, 32, 3), 7, np.uint8)
    out = experiment.apply_policy(images, np.ones((3, 32, 32), bool), "background", RNG(0))
    assert (out == 7).all()   # a full mask keeps every pixel: no uninitialised memory anywhere


def test_valid_calls_keep_their_results():
    # the draws are the same as before the checks (the checks draw nothing)
    assert by_hand.augment_batch(np.stack([IMG, IMG]), seed=3).shape == (2, 32, 32, 3)
    assert by_hand.augment_batch([IMG], seed=np.int64(3)).shape == (1, 32, 32, 3)
    gray_batch = np.zeros((2, 8, 8), np.uint8)   # (N, H, W) gray images are still a batch
    assert by_hand.augment_batch(gray_batch).shape == (2, 8, 8, 3)
    assert preprocess.letterbox(IMG, np.int64(16)).shape == (16, 16, 3)
    assert experiment.confusion(np.array([0, 2]), np.array([0.0, 2.0]), 3).tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert -1 <= denoise.psnr_ssim(IMG[:7, :7], IMG[1:8, 1:8])[1] < 1
    assert libraries.check_box((0, 0, 32, 32), IMG.shape) == (0.0, 0.0, 32.0, 32.0)
    assert handpose.make_hands(1, 32, seed=np.int64(2))[0].shape == (1, 32, 32, 3)
    assert np.array_equal(by_hand.rotate(IMG, RNG(0), degrees=0), IMG)   # a zero range is a range
    assert by_hand.clutter(1, RNG(0)).shape == (1, 1, 3)   # A29 stays OK


def test_psnr_ssim_equal_scikit_image_on_the_0_255_range():
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    a, b = IMG[:16, :16], np.clip(IMG[:16, :16].astype(int) + 9, 0, 255).astype(np.uint8)
    assert denoise.psnr_ssim(a, b) == (peak_signal_noise_ratio(a, b, data_range=255),
                                       structural_similarity(a, b, channel_axis=-1, data_range=255))


def test_denoise_table_times_are_positive_milliseconds_in_order():
    rows = denoise.denoise_table({"a": IMG[:16, :16]}, repeat=1)
    assert [r["method"] for r in rows] == list(denoise.DENOISERS)
    assert all(0 < r["ms_min"] <= r["ms"] <= r["ms_max"] for r in rows)


def test_shared_image_and_label_checks():
    from course_utils.data.validate import check_count

    assert check_count(5, "n", maximum=5) == 5 and check_count(np.int64(0), "n", minimum=0) == 0
    with pytest.raises(ValueError, match=r"n must be an int >= 1 and <= 5, got 6"):
        check_count(6, "n", maximum=5)
    with pytest.raises(ValueError, match=r"uint8 \(values 0..255\), got dtype float64 \(floats in \[0, 1\]\?"):
        check_images(IMG[None] / 255.0)
    with pytest.raises(ValueError, match=r"batch \(N, H, W, C\) with C in \(3,\)"):
        check_images(IMG)
    with pytest.raises(ValueError, match="NumPy uint8 array"):
        check_images([[1, 2]])
    with pytest.raises(ValueError, match="at least 16x16 pixels"):
        check_images(np.zeros((1, 8, 8, 3), np.uint8), min_size=16)
    assert check_images(np.zeros((0, 8, 8, 3), np.uint8), allow_empty=True).shape[0] == 0
    with pytest.raises(ValueError, match=r"whole class indices .* \(e.g. \[0.7"):
        check_labels(np.array([0.7, 1.9]))
    with pytest.raises(ValueError, match="at least 2 different classes"):
        check_labels(np.zeros(4, int), min_classes=2)
    with pytest.raises(ValueError, match="1-D array of integer class indices"):
        check_labels(np.array([True, False]))
    assert check_labels(np.array([2.0, 0.0]), classes=3).dtype == np.int64



def test_random_erasing_never_draws_a_box_that_does_not_fit():
    # areas near the whole image with a tall aspect never fit: ten tries, then the image unchanged
    for seed in range(20):
        out = by_hand.random_erasing(IMG, RNG(seed), p=1.0, area=(0.9, 1.0), aspect=(2.0, 3.0))
        assert np.array_equal(out, IMG)
    erased = [not np.array_equal(by_hand.random_erasing(IMG, RNG(s), p=1.0), IMG) for s in range(20)]
    assert all(erased)   # with the defaults a box always fits a 32x32 image


def test_imagenet_statistics_are_torchvisions():
    import torchvision

    published = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.transforms()   # no download: metadata
    assert np.allclose(preprocess.IMAGENET_MEAN, published.mean) and np.allclose(preprocess.IMAGENET_STD, published.std)
    pixel = np.array([[[255, 128, 0]]], np.uint8)
    want = (np.array([1.0, 128 / 255, 0.0]) - np.array(published.mean)) / np.array(published.std)
    assert np.allclose(preprocess.normalize(pixel, "imagenet")[0, 0], want, atol=1e-6)
