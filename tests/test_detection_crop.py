"""Lesson 09, what the detector buys the game: detection.crop on hand-made scenes with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.data.scenes import Scenes
from course_utils.detection import crop


def test_square_box_centres_grows_and_stays_inside():
    # longer side 40 (y), margin 0.1 a side -> side 48; centre (20, 40) -> x0 = -4, moved inside to 0
    assert crop.square_box([10, 20, 30, 60], 128, 128, 0.1) == (0, 16, 48, 64)
    assert crop.square_box([50, 50, 70, 60], 128, 128, 0.0) == (50, 45, 70, 65)   # 20 wide, 10 tall
    assert crop.square_box([100, 100, 128, 128], 128, 128, 0.5) == (72, 72, 128, 128)   # side 56, moved in
    assert crop.square_box([0, 0, 128, 100], 128, 128, 0.25) == (0, 0, 128, 128)   # capped at the image
    assert crop.square_box([0, 0, 90, 10], 64, 96, 0.0) == (13, 0, 77, 64)   # non-square image: shorter side, centred
    with pytest.raises(ValueError, match="margin must be a number from 0 to 2"):
        crop.square_box([0, 0, 10, 10], 128, 128, -0.1)
    with pytest.raises(ValueError, match="zero or negative area"):
        crop.square_box([10, 10, 10, 20], 128, 128)


def test_crop_square_shape_and_content():
    image = np.zeros((128, 128, 3), np.uint8)
    image[40:60, 40:60] = (255, 0, 0)
    out = crop.crop_square(image, [40, 40, 60, 60], 48, margin=0.0)
    assert out.shape == (48, 48, 3) and out.dtype == np.uint8 and (out == (255, 0, 0)).all()
    with pytest.raises(ValueError, match="uint8"):
        crop.crop_square(image.astype(np.float32), [40, 40, 60, 60], 48)
    with pytest.raises(ValueError, match="size"):
        crop.crop_square(image, [40, 40, 60, 60], 0)


def _patch_scenes(n: int = 12, seed: int = 0) -> Scenes:
    """Grey 128-px scenes, one 16-px square of pure red, green or blue each (its class), one scene with two."""
    rng = np.random.default_rng(seed)
    images = np.full((n, 128, 128, 3), 128, np.uint8)
    boxes, labels = [], []
    for i in range(n):
        x, y, c = int(rng.integers(0, 112)), int(rng.integers(0, 112)), i % 3
        images[i, y:y + 16, x:x + 16] = np.eye(3, dtype=np.uint8)[c] * 255
        boxes.append(np.array([[x, y, x + 16, y + 16]], np.float32))
        labels.append(np.array([c]))
    boxes[0], labels[0] = np.array([[0, 0, 16, 16], [100, 100, 116, 116]], np.float32), np.array([0, 1])
    return Scenes(images, tuple(boxes), tuple(labels), ("plain",) * n)


def _colour_classifier(images: np.ndarray) -> np.ndarray:
    """Scores (N, 3): the share of pure-colour pixels of each channel; a class needs 30% of the image,
    else class 0 wins (a stand-in for a classifier that needs the hand large in its input)."""
    x = images.astype(int)
    pure = np.stack([(x[..., c] > 200) & (x.sum(-1) < 300) for c in range(3)], 1).mean(axis=(2, 3))
    return np.where(pure >= 0.3, pure, 0) + np.array([1e-3, 0, 0])


def test_crop_experiment_counts_what_each_view_gets_right():
    scenes = _patch_scenes()
    truth = {i: (scenes.boxes[i][0], scenes.labels[i][0]) for i in range(len(scenes))}
    index = {scenes.images[i].tobytes(): i for i in range(len(scenes))}

    def oracle(image):   # the true box and class
        b, c = truth[index[image.tobytes()]]
        return b[None].astype(float), np.array([0.9]), np.array([c])

    out = crop.crop_experiment(scenes, oracle, _colour_classifier)
    y = np.array([scenes.labels[i][0] for i in range(1, 12)])
    assert out["n"] == 11 and out["no_detection"] == 0 and out["median_iou"] == 1.0
    assert out["detected"] == out["ground_truth"] == out["detector_class"] == 1.0
    assert out["whole"] == pytest.approx(np.mean(y == 0))   # the patch is 1.6% of the frame: always class 0
    blind = crop.crop_experiment(scenes, lambda im: (np.zeros((0, 4)), np.zeros(0), np.zeros(0, int)),
                                 _colour_classifier)
    assert blind["detected"] == blind["whole"] and blind["no_detection"] == 11 and blind["detector_class"] == 0.0
    assert blind["median_iou"] == pytest.approx(256 / 128 ** 2)   # the whole frame against a 16 x 16 box
    with pytest.raises(ValueError, match="no scene with exactly one hand"):
        crop.crop_experiment(Scenes(scenes.images[:1], scenes.boxes[:1], scenes.labels[:1], ("plain",)),
                             oracle, _colour_classifier)


def test_time_paths_calls_each_path_on_the_next_frame():
    scenes = _patch_scenes(4)
    seen = []

    def detect_one(image):
        seen.append(int(image[..., 0].sum()))
        return np.array([[0.0, 0.0, 16.0, 16.0]]), np.array([0.5]), np.array([0])

    calls = []
    out = crop.time_paths(scenes.images, detect_one, lambda x: calls.append(x.shape) or np.zeros((1, 3)), repeat=5)
    assert set(out) == {"crop", "whole"} and all(len(t.times) == 5 for t in out.values())
    assert seen == [int(im[..., 0].sum()) for im in scenes.images[[0, 1, 2, 3, 0, 1]]]   # warm-up + 5, cycling
    assert calls == [(1, 48, 48, 3)] * 12 and out["crop"].median > 0


@pytest.mark.slow
def test_train_pose_classifier_learns_generated_hands():
    torch = pytest.importorskip("torch")
    from course_utils.data.handpose import BACKGROUNDS, make_hands
    from course_utils.transfer.torch_classifier import predict_torch

    threads = torch.get_num_threads()
    model = crop.train_pose_classifier(48, 30, seed=0)
    assert torch.get_num_threads() == threads   # restored
    x = np.concatenate([make_hands(15, 48, bg, seed=50)[0] for bg in BACKGROUNDS])
    y = np.concatenate([make_hands(15, 48, bg, seed=50)[1] for bg in BACKGROUNDS])
    p = predict_torch(model, x)
    assert p.shape == (60, 3) and np.allclose(p.sum(1), 1, atol=1e-5)
    # held-out accuracy over seeds 0-4 of this call, measured here (1 or 2 threads alike): 0.650-0.783;
    # floor 0.5, 0.15 below the lowest (chance is 0.33)
    assert np.mean(p.argmax(1) == y) >= 0.5
    with pytest.raises(ValueError, match="per_background"):
        crop.train_pose_classifier(48, 2)
