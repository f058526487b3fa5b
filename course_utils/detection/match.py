"""Matching anchors to ground truth, as SSD trains (Liu et al. 2016, Section 2.2).

Every anchor takes the ground-truth box it overlaps most; it is a positive (that box's class)
when the IoU is at least ``threshold``, background otherwise. Then every ground-truth box
also claims its best anchor, whatever the IoU ("force match"), so that no hand goes
untrained because it fell between anchors.
"""
from __future__ import annotations

import numpy as np

from .boxes import check_boxes, encode, iou_matrix


def match(anchors, boxes, labels, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, box_index)`` of every anchor.

    ``classes`` int64 (n_anchors,): 0 for background, ``labels[j] + 1`` for an anchor matched
    to box ``j``; ``box_index`` (n_anchors,): the matched box, -1 for background.
    ``boxes`` (m, 4) in the anchors' units; ``labels`` (m,) ints >= 0. No boxes: all background.
    """
    anchors = check_boxes(anchors, "anchors")
    boxes = check_boxes(boxes, "boxes")
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(labels) != len(boxes):
        raise ValueError(f"need one label per box: {len(boxes)} boxes, {len(labels)} labels")
    if (labels < 0).any():
        raise ValueError(f"labels must be >= 0 (0 is the first class, not background), got {labels}")
    index = np.full(len(anchors), -1, dtype=np.int64)
    if len(boxes):
        iou = iou_matrix(anchors, boxes)                      # (n_anchors, m)
        best = iou.argmax(axis=1)
        positive = iou[np.arange(len(anchors)), best] >= threshold
        index[positive] = best[positive]
        index[iou.argmax(axis=0)] = np.arange(len(boxes))     # force match: every box has an anchor
    classes = np.zeros(len(anchors), dtype=np.int64)
    classes[index >= 0] = labels[index[index >= 0]] + 1
    return classes, index


def targets(anchors, boxes, labels, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Training targets of one image: ``(classes (n,), codes (n, 4))``; codes of background
    anchors are 0 (the loss ignores them)."""
    classes, index = match(anchors, boxes, labels, threshold)
    codes = np.zeros((len(classes), 4))
    pos = index >= 0
    if pos.any():
        codes[pos] = encode(check_boxes(boxes)[index[pos]], np.asarray(anchors, dtype=np.float64)[pos])
    return classes, codes
