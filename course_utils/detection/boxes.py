"""Boxes, IoU, the SSD box code and non-maximum suppression, in NumPy (lesson 09).

Boxes are ``(x0, y0, x1, y1)`` in pixels (or in [0, 1] image fractions for anchors),
float, one row per box. Everything here checks its input: a box with x1 <= x0, a NaN or an
infinite coordinate, a NaN score, raises ``ValueError`` saying which row is wrong.
"""
from __future__ import annotations

import numpy as np

# SSD and the TF Object Detection API divide the offsets by these "variances" (the config's
# y_scale, x_scale = 10 and height_scale, width_scale = 5), so both parts of the code are ~1.
CENTRE_SCALE = 10.0
SIZE_SCALE = 5.0


def check_boxes(boxes, name: str = "boxes", image_size: float | None = None) -> np.ndarray:
    """``boxes`` as float64 (n, 4); ``ValueError`` for a wrong shape, NaN/inf, zero or negative
    area, or (with ``image_size``) a box reaching outside the ``image_size`` square."""
    b = np.asarray(boxes, dtype=np.float64)
    if b.size == 0:
        return b.reshape(0, 4)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"{name} must have shape (n, 4) as (x0, y0, x1, y1), got {b.shape}")
    bad = ~np.isfinite(b).all(axis=1)
    if bad.any():
        raise ValueError(f"{name} row {int(np.argmax(bad))} has a NaN or infinite coordinate: {b[bad][0]}")
    flat = (b[:, 2] <= b[:, 0]) | (b[:, 3] <= b[:, 1])
    if flat.any():
        raise ValueError(f"{name} row {int(np.argmax(flat))} has zero or negative area (need x1 > x0 "
                         f"and y1 > y0): {b[flat][0]}")
    if image_size is not None:
        out = (b[:, :2] < 0).any(axis=1) | (b[:, 2:] > image_size).any(axis=1)
        if out.any():
            raise ValueError(f"{name} row {int(np.argmax(out))} reaches outside the {image_size} x "
                             f"{image_size} image: {b[out][0]}")
    return b


def check_scores(scores, n: int, name: str = "scores") -> np.ndarray:
    """``scores`` as float64 (n,); ``ValueError`` for a wrong length or a NaN."""
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(s) != n:
        raise ValueError(f"{name} must have one value per box ({n}), got {len(s)}")
    if np.isnan(s).any():
        raise ValueError(f"{name}[{int(np.argmax(np.isnan(s)))}] is NaN: a detector that outputs NaN "
                         f"has diverged; check the loss and the learning rate")
    return s


def area(b: np.ndarray) -> np.ndarray:
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def iou_matrix(a, b) -> np.ndarray:
    """IoU of every box of ``a`` (n, 4) with every box of ``b`` (m, 4): (n, m)."""
    a, b = check_boxes(a, "a"), check_boxes(b, "b")
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def to_centre(b: np.ndarray) -> np.ndarray:
    """(x0, y0, x1, y1) -> (cx, cy, w, h)."""
    return np.c_[(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]]


def encode(boxes, anchors) -> np.ndarray:
    """The SSD code of ``boxes`` relative to their ``anchors`` (both (n, 4)): (n, 4) as
    (10 dx / w_a, 10 dy / h_a, 5 log(w / w_a), 5 log(h / h_a))."""
    g, a = to_centre(check_boxes(boxes)), to_centre(check_boxes(anchors, "anchors"))
    return np.c_[CENTRE_SCALE * (g[:, :2] - a[:, :2]) / a[:, 2:], SIZE_SCALE * np.log(g[:, 2:] / a[:, 2:])]


def decode(codes, anchors) -> np.ndarray:
    """Inverse of :func:`encode`: (n, 4) codes and anchors -> (n, 4) boxes (x0, y0, x1, y1)."""
    c, a = np.asarray(codes, dtype=np.float64), to_centre(check_boxes(anchors, "anchors"))
    centre = a[:, :2] + c[:, :2] / CENTRE_SCALE * a[:, 2:]
    size = a[:, 2:] * np.exp(np.clip(c[:, 2:] / SIZE_SCALE, -10, 10))  # clip: no overflow from a wild code
    return np.c_[centre - size / 2, centre + size / 2]


def nms(boxes, scores, iou_threshold: float = 0.5, max_out: int | None = None) -> np.ndarray:
    """Greedy non-maximum suppression: indices of the kept boxes, best score first.

    Take the best remaining box, drop every box that overlaps it by more than
    ``iou_threshold``, repeat. Ties in score keep the lower index first.
    """
    b = check_boxes(boxes)
    s = check_scores(scores, len(b))
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold}")
    order = np.argsort(-s, kind="stable")
    keep = []
    while len(order) and (max_out is None or len(keep) < max_out):
        best, order = order[0], order[1:]
        keep.append(int(best))
        if len(order):
            order = order[iou_matrix(b[best:best + 1], b[order])[0] <= iou_threshold]
    return np.array(keep, dtype=np.int64)
