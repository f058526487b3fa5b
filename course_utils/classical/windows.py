"""Sliding-window machinery: boxes and IoU, non-maximum suppression, the image pyramid,
windows, and the crops (random, jittered, resized) that detectors train on.

Boxes are ``(x0, y0, x1, y1)`` in pixels of the original image (x = column, y = row),
``x1``/``y1`` exclusive, as float arrays of shape ``(n, 4)``. Re-exported by :mod:`.detect`.
"""
from __future__ import annotations

import numpy as np


# --------------------------------------------------------------------------- boxes

def as_boxes(boxes) -> np.ndarray:
    """``boxes`` as a float ``(n, 4)`` array of ``(x0, y0, x1, y1)``."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any():
        raise ValueError("boxes must be (x0, y0, x1, y1) with x1 >= x0 and y1 >= y0")
    return boxes


def xywh_to_xyxy(rects) -> np.ndarray:
    """OpenCV's ``(x, y, w, h)`` rectangles as ``(x0, y0, x1, y1)`` boxes."""
    rects = np.asarray(rects, dtype=np.float64).reshape(-1, 4)
    return np.c_[rects[:, :2], rects[:, :2] + rects[:, 2:]]


def area(boxes) -> np.ndarray:
    boxes = as_boxes(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def iou_matrix(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of every box of ``boxes_a`` with every box of ``boxes_b``."""
    a, b = as_boxes(boxes_a), as_boxes(boxes_b)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou(box_a, box_b) -> float:
    """Intersection over union of two boxes."""
    return float(iou_matrix(box_a, box_b)[0, 0])


def nms(boxes, scores, iou_threshold: float = 0.3) -> np.ndarray:
    """Greedy non-maximum suppression; returns the indices kept, best score first.

    Take the best-scoring box, drop every remaining box that overlaps it by more than
    ``iou_threshold`` (IoU), repeat with the best of what is left.
    """
    boxes = as_boxes(boxes)
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if len(scores) != len(boxes):
        raise ValueError(f"got {len(boxes)} boxes but {len(scores)} scores")
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        overlap = iou_matrix(boxes[best], boxes[rest])[0]
        order = rest[overlap <= iou_threshold]
    return np.array(keep, dtype=np.int64)


# ---------------------------------------------------------------- pyramid and windows

def to_gray(image) -> np.ndarray:
    """A float grayscale image in [0, 1] from uint8 RGB, uint8 gray or float gray input."""
    image = np.asarray(image)
    if image.ndim == 3:
        from skimage.color import rgb2gray

        return rgb2gray(image[..., :3])
    if image.ndim != 2:
        raise ValueError(f"expected an HxW or HxWx3 image, got shape {image.shape}")
    return image / 255.0 if image.dtype == np.uint8 else image.astype(np.float64)


def pyramid(image, scale: float = 1.2, min_size=(25, 25), max_levels: int = 50):
    """Yield ``(factor, level)``: the image shrunk by ``factor`` = 1, scale, scale^2, ...

    Stops before a level gets smaller than ``min_size`` (rows, cols). A window of ``w``
    pixels at a level covers ``w * factor`` pixels of the original image.
    """
    import cv2

    if scale <= 1:
        raise ValueError(f"scale must be > 1, got {scale}")
    image = np.asarray(image, dtype=np.float32)
    factor = 1.0
    for _ in range(max_levels):
        h, w = round(image.shape[0] / factor), round(image.shape[1] / factor)
        if h < min_size[0] or w < min_size[1]:
            return
        level = image if factor == 1.0 else cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        yield factor, level.astype(np.float64)
        factor *= scale


def sliding_windows(image, window=(25, 25), step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, windows)``: top-left ``(row, col)`` of each window and the windows.

    ``windows`` is a read-only view ``(n, h, w)`` into ``image``: no copy is made.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    view = sliding_window_view(np.asarray(image), tuple(window))[::step, ::step]
    rows, cols = np.meshgrid(np.arange(view.shape[0]) * step, np.arange(view.shape[1]) * step,
                             indexing="ij")
    return np.c_[rows.ravel(), cols.ravel()], view.reshape(-1, *window)


def random_windows(image, n: int, window: int = 25, rng=None, exclude=None) -> np.ndarray:
    """``n`` random square crops of ``window`` px from a grayscale image, at random scales.

    ``exclude``: a box ``(x0, y0, x1, y1)``; crops overlapping it are not taken.
    """
    import cv2

    rng = np.random.default_rng(rng)
    image = np.asarray(image, dtype=np.float32)
    crops = []
    for _ in range(100 * n):
        if len(crops) == n:
            break
        size = int(rng.integers(window, max(window + 1, min(image.shape[:2]) // 2)))
        y = int(rng.integers(0, image.shape[0] - size + 1))
        x = int(rng.integers(0, image.shape[1] - size + 1))
        if exclude is not None and iou_matrix([x, y, x + size, y + size], exclude).max() > 0:
            continue
        crop = image[y:y + size, x:x + size]
        crops.append(cv2.resize(crop, (window, window), interpolation=cv2.INTER_AREA))
    return np.array(crops, dtype=np.float64)


def jitter(crops, rng=None, shift: float = 1.5, scale: float = 0.08, degrees: float = 8.0) -> np.ndarray:
    """Each crop slightly shifted, scaled and rotated at random (edges reflected)."""
    import cv2

    rng = np.random.default_rng(rng)
    crops = np.asarray(crops, dtype=np.float32)
    h, w = crops.shape[1:3]
    out = np.empty_like(crops)
    for i, crop in enumerate(crops):
        m = cv2.getRotationMatrix2D((w / 2 - 0.5, h / 2 - 0.5), rng.uniform(-degrees, degrees),
                                    1 + rng.uniform(-scale, scale))
        m[:, 2] += rng.uniform(-shift, shift, size=2)
        out[i] = cv2.warpAffine(crop, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return out.astype(np.float64)


def resize_all(crops, size: int) -> np.ndarray:
    """Every crop of a stack resized to ``size`` x ``size`` (area interpolation)."""
    import cv2

    return np.array([cv2.resize(np.asarray(c, dtype=np.float32), (size, size),
                                interpolation=cv2.INTER_AREA) for c in crops], dtype=np.float64)
