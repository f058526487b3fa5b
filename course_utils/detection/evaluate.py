"""Detection accuracy: COCO mAP with pycocotools, and average precision by hand to check it.

COCO's AP (Lin et al. 2014): for one class and one IoU threshold, sort all detections of all
images by score; a detection is a true positive when it overlaps a not-yet-matched ground-truth
box of its class by at least the threshold (it takes the one it overlaps most), a false positive
otherwise. Precision is made non-increasing from the right (the envelope) and read at the 101
recalls 0, 0.01, ..., 1; AP is their mean. mAP averages over classes; mAP@[.5:.95] also over the
IoU thresholds 0.50, 0.55, ..., 0.95. At most 100 detections per image count.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from .boxes import check_boxes, check_scores, iou_matrix


def _check(detections, boxes, labels):
    if not (len(detections) == len(boxes) == len(labels)):
        raise ValueError(f"need one entry per image: {len(detections)} detections, {len(boxes)} box sets, "
                         f"{len(labels)} label sets")
    for i, (b, s, lab) in enumerate(detections):
        check_scores(s, len(check_boxes(b, f"detections[{i}] boxes")), f"detections[{i}] scores")
        if len(lab) != len(s):
            raise ValueError(f"detections[{i}]: {len(s)} scores but {len(lab)} labels")


def coco_map(detections, boxes, labels, num_classes: int, agnostic: bool = False) -> dict:
    """``{"map": mAP@[.5:.95], "map50": mAP@0.5}`` by pycocotools' ``COCOeval``.

    ``detections[i]`` = ``(boxes (n, 4), scores (n,), labels (n,))`` of image ``i``;
    ``boxes[i]`` (k, 4) and ``labels[i]`` (k,) its ground truth, (x0, y0, x1, y1) in pixels.
    ``agnostic``: every class is "hand" (one category).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    _check(detections, boxes, labels)
    cat = (lambda c: 1) if agnostic else (lambda c: int(c) + 1)
    xywh = lambda b: [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]  # noqa: E731
    gt = {"images": [{"id": i} for i in range(len(boxes))],
          "categories": [{"id": c} for c in range(1, (1 if agnostic else num_classes) + 1)],
          "annotations": [{"image_id": i, "category_id": cat(c), "bbox": xywh(b),
                           "area": float((b[2] - b[0]) * (b[3] - b[1])), "iscrowd": 0}
                          for i, (bs, ls) in enumerate(zip(boxes, labels)) for b, c in zip(bs, ls)]}
    for k, a in enumerate(gt["annotations"]):
        a["id"] = k + 1   # COCO needs ids from 1
    dets = [{"image_id": i, "category_id": cat(c), "bbox": xywh(b), "score": float(s)}
            for i, (bs, ss, ls) in enumerate(detections) for b, s, c in zip(bs, ss, ls)]
    if not dets or not gt["annotations"]:
        return {"map": 0.0, "map50": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):   # COCOeval prints its progress
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {"map": float(ev.stats[0]), "map50": float(ev.stats[1])}


def average_precision(detections, boxes, iou_threshold: float = 0.5, max_dets: int = 100) -> float:
    """AP of one class by hand, as COCO computes it (101 recall points, envelope, greedy matching).

    ``detections[i]`` = ``(boxes (n, 4), scores (n,))``; ``boxes[i]`` the ground truth of image ``i``.
    """
    records, n_gt = [], sum(len(b) for b in boxes)
    for i, ((db, ds), gb) in enumerate(zip(detections, boxes)):
        db, gb = check_boxes(db), check_boxes(gb)
        ds = check_scores(ds, len(db))
        order = np.argsort(-ds, kind="mergesort")[:max_dets]
        taken = np.zeros(len(gb), bool)
        iou = iou_matrix(db[order], gb) if len(gb) and len(order) else np.zeros((len(order), 0))
        for row, d in enumerate(order):          # in score order, each takes its best free box
            free = np.where(taken, -1.0, iou[row]) if len(gb) else np.array([])
            hit = len(free) and free.max() >= iou_threshold
            if hit:
                taken[int(free.argmax())] = True
            records.append((ds[d], bool(hit)))
    if n_gt == 0:
        return 0.0
    records.sort(key=lambda r: -r[0])
    tp = np.cumsum([hit for _, hit in records])
    precision = tp / np.arange(1, len(records) + 1)
    recall = tp / n_gt
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    points = np.linspace(0, 1, 101)
    at = np.searchsorted(recall, points, side="left")     # first rank reaching each recall
    return float(np.mean([envelope[k] if k < len(envelope) else 0.0 for k in at]))
