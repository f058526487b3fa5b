"""What the detector buys the game: find the hand, crop it, then classify the crop (lesson 09).

The game of lesson 08 classifies the whole camera frame. A hand that fills a small part of the
frame shrinks to a few pixels when the frame is resized to the classifier's input; a detector
can cut the hand out first. :func:`crop_experiment` measures a classifier on the test scenes
with exactly one hand, three ways: the whole frame resized, the square crop around the
detector's top box, and the square crop around the true box (the best a detector could do).
:func:`time_paths` times the crop path (detector + crop + classifier) against the classifier alone.
"""
from __future__ import annotations

from collections.abc import Callable
from itertools import cycle

import numpy as np

from ..data.folders import resize
from ..data.validate import check_count, check_images
from ..timing import Timing, time_calls
from .boxes import check_boxes, iou_matrix

# A side of the crop is the box's longer side x (1 + 2 x MARGIN). Chosen on training scenes (113 with one hand,
# seed 1; true boxes; three classifiers at 48 px): 0.56-0.62 right with no margin, 0.62-0.65 at 0.1, 0.51-0.52 at
# 0.25, 0.40-0.43 at 0.4 (a generated hand fills about 0.69 of its frame's side, but the arm crosses the frame).
MARGIN = 0.1


def square_box(box, height: int, width: int, margin: float = MARGIN) -> tuple[int, int, int, int]:
    """The square ``(x0, y0, x1, y1)`` around ``box``'s centre, side = its longer side x (1 + 2 ``margin``)
    (at most the image's shorter side), moved inside the ``height`` x ``width`` image rather than cut."""
    if not (isinstance(margin, (int, float)) and 0 <= margin <= 2):
        raise ValueError(f"margin must be a number from 0 to 2 (a share of the box's side), got {margin!r}")
    x0, y0, x1, y1 = check_boxes(np.asarray(box, dtype=np.float64).reshape(1, -1), "box")[0]
    side = int(min(height, width, max(1, round(max(x1 - x0, y1 - y0) * (1 + 2 * margin)))))
    a = min(max(int(round((x0 + x1 - side) / 2)), 0), width - side)
    b = min(max(int(round((y0 + y1 - side) / 2)), 0), height - side)
    return a, b, a + side, b + side


def crop_square(image: np.ndarray, box, size: int, margin: float = MARGIN) -> np.ndarray:
    """uint8 ``(size, size, 3)``: the :func:`square_box` of ``box`` cut from ``image`` and resized."""
    image = check_images(image, batch=False)
    a, b, c, d = square_box(box, image.shape[0], image.shape[1], margin)
    return resize(np.ascontiguousarray(image[b:d, a:c]), check_count(size, "size"))


def train_pose_classifier(size: int = 48, per_background: int = 60, seed: int = 0, threads: int = 1):
    """The course's PyTorch classifier at ``size`` px: the frozen course backbone (lesson 07) and a head
    trained (:func:`~course_utils.transfer.torch_classifier.train_torch_head`) on ``per_background``
    generated hands of each of the four backgrounds, a fifth of them held out for early stopping.
    The head trains on ``threads`` threads (one: on 2 busy cores a second thread made it 16 times slower)."""
    import torch

    from ..data.handpose import BACKGROUNDS, make_hands
    from ..transfer.torch_classifier import handpose_module, torch_course_backbone, torch_features, train_torch_head

    sets = [make_hands(check_count(per_background, "per_background", minimum=3), check_count(size, "size"), bg,
                       seed=4 * seed + k)[:2] for k, bg in enumerate(BACKGROUNDS)]
    order = np.random.default_rng(seed).permutation(len(BACKGROUNDS) * per_background)
    x, y = np.concatenate([s[0] for s in sets])[order], np.concatenate([s[1] for s in sets])[order]
    n_val = len(x) // 5
    backbone = torch_course_backbone()
    f = torch_features(backbone, x)
    saved = torch.get_num_threads()
    torch.set_num_threads(check_count(threads, "threads"))
    try:
        head, _ = train_torch_head(f[n_val:], y[n_val:], f[:n_val], y[:n_val], seed=seed)
    finally:
        torch.set_num_threads(saved)
    return handpose_module(backbone, head).eval()


def crop_experiment(scenes, detect_one: Callable, classify: Callable, size: int = 48,
                    margin: float = MARGIN) -> dict:
    """Accuracy of ``classify`` (uint8 ``(N, size, size, 3)`` -> scores ``(N, classes)``) on the scenes
    with exactly one hand: ``whole`` frame resized, ``detected`` crop of the top box of ``detect_one``
    (one uint8 scene -> ``(boxes, scores, labels)``, best first; the whole frame when it finds nothing),
    ``ground_truth`` crop. Also the detector's own class of its top box, the IoU of that box with the
    true one (median), how many scenes had no detection, and ``n``."""
    idx = [i for i, b in enumerate(scenes.boxes) if len(b) == 1]
    if not idx:
        raise ValueError("no scene with exactly one hand: make more scenes (0 to 3 hands each)")
    images, (h, w) = scenes.images[idx], scenes.images.shape[1:3]
    truth = np.stack([scenes.boxes[i][0] for i in idx])
    y = np.array([scenes.labels[i][0] for i in idx])
    found = [detect_one(im) for im in images]
    top = [np.asarray(b[0], float) if len(b) else np.array([0.0, 0.0, w, h]) for b, _, _ in found]
    views = {"whole": np.stack([resize(im, size) for im in images]),
             "detected": np.stack([crop_square(im, b, size, margin) for im, b in zip(images, top)]),
             "ground_truth": np.stack([crop_square(im, b, size, margin) for im, b in zip(images, truth)])}
    out = {k: float(np.mean(np.asarray(classify(v)).argmax(1) == y)) for k, v in views.items()}
    out["detector_class"] = float(np.mean([len(lab) > 0 and lab[0] == t for (_, _, lab), t in zip(found, y)]))
    out["median_iou"] = float(np.median([iou_matrix(b[None], t[None])[0, 0] for b, t in zip(top, truth)]))
    out.update(no_detection=sum(len(b) == 0 for b, _, _ in found), n=len(idx))
    return out


def time_paths(frames: np.ndarray, detect_one: Callable, classify: Callable, size: int = 48,
               margin: float = MARGIN, repeat: int = 20) -> dict[str, Timing]:
    """Seconds per frame of the ``crop`` path (``detect_one``, crop of the top box, ``classify`` at batch 1)
    and of the ``whole`` path (resize the frame, ``classify``), each call on the next of ``frames``."""
    frames = check_images(frames)
    full = np.array([0.0, 0.0, frames.shape[2], frames.shape[1]])

    def crop_path(it=cycle(frames)):
        image = next(it)
        boxes = detect_one(image)[0]
        return classify(crop_square(image, boxes[0] if len(boxes) else full, size, margin)[None])

    def whole_path(it=cycle(frames)):
        return classify(resize(next(it), size)[None])

    return {"crop": time_calls(crop_path, repeat), "whole": time_calls(whole_path, repeat)}


__all__ = ["MARGIN", "crop_experiment", "crop_square", "square_box", "time_paths", "train_pose_classifier"]
