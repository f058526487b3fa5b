"""Lesson 01's HOG + linear SVM sliding-window detector, retrained for hands (lesson 09's baseline).

:class:`HogHandDetector` is :class:`course_utils.classical.detect.HogFaceDetector` with hand
data: positives are the training scenes' hands (each box squared around its centre, cropped,
resized to the window, and mirrored), negatives random windows that do not touch a hand, then
rounds of hard-negative mining on the same scenes. It finds one class ("hand") with square
windows: a hand twice as tall as wide can overlap its best square by at most IoU 0.5.
The scene is upsampled by ``upsample`` first, so hands smaller than the window are seen.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..classical.detect import HogFaceDetector
from ..classical.windows import random_windows, resize_all, to_gray
from .boxes import check_boxes


def square_crops(gray: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """The square around each box's centre (side = the longer box side), clipped to the image."""
    out = []
    for x0, y0, x1, y1 in boxes:
        side, cx, cy = max(x1 - x0, y1 - y0), (x0 + x1) / 2, (y0 + y1) / 2
        a, b = int(max(0, round(cx - side / 2))), int(max(0, round(cy - side / 2)))
        crop = gray[b:int(round(cy + side / 2)), a:int(round(cx + side / 2))]
        if min(crop.shape) >= 4:
            out.append(crop)
    return out


@dataclass
class HogHandDetector(HogFaceDetector):
    window: int = 32
    pixels_per_cell: int = 4
    cells_per_block: int = 2
    upsample: float = 2.0
    n_random: int = 4000
    n_jitter: int = 0
    mining_rounds: int = 2
    threshold: float = -0.5       # low: mAP needs the whole ranking, not one operating point

    def _gray(self, image) -> np.ndarray:
        g = to_gray(image)
        if self.upsample != 1:
            g = cv2.resize(g, None, fx=self.upsample, fy=self.upsample, interpolation=cv2.INTER_LINEAR)
        return g

    def fit(self, scenes) -> "HogHandDetector":
        """Train on a :class:`course_utils.data.scenes.Scenes` (its hands and its backgrounds)."""
        from sklearn.svm import LinearSVC

        rng = np.random.default_rng(self.seed)
        grays = [self._gray(img) for img in scenes.images]
        boxes = [check_boxes(b) * self.upsample for b in scenes.boxes]
        crops = [c for g, b in zip(grays, boxes) for c in square_crops(g, b)]
        if not crops:
            raise ValueError("the training scenes have no hands: nothing to learn a hand from")
        pos = resize_all([cv2.resize(c, (self.window, self.window), interpolation=cv2.INTER_AREA) for c in crops],
                         self.window)
        pos = np.concatenate([pos, pos[:, :, ::-1]])
        per_scene = max(1, self.n_random // len(grays))
        neg = np.concatenate([random_windows(g, per_scene, self.window, rng, exclude=b if len(b) else None)
                              for g, b in zip(grays, boxes)])
        X_pos, X_neg = self.features(pos), self.features(neg)
        self.history = []
        for round_ in range(self.mining_rounds + 1):
            X = np.concatenate([X_pos, X_neg])
            y = np.r_[np.ones(len(X_pos)), np.zeros(len(X_neg))]
            self.svm_ = LinearSVC(C=self.C, max_iter=20000, random_state=self.seed).fit(X, y)
            if round_ == self.mining_rounds:
                break
            hard = np.concatenate([self._scan_features(g, b if len(b) else None) for g, b in zip(grays, boxes)])
            if len(hard) > self.max_hard_per_round:
                hard = hard[rng.choice(len(hard), self.max_hard_per_round, replace=False)]
            self.history.append(len(hard))
            X_neg = np.concatenate([X_neg, hard])
        self.n_train_ = (len(X_pos), len(X_neg))
        return self

    def detect_hands(self, image, nms_iou: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
        """``(boxes (n, 4) in the scene's pixels, scores (n,))`` after NMS, best first."""
        boxes, scores = self.detect(self._gray(image), nms_iou=nms_iou)
        h, w = np.shape(image)[:2]
        # a pyramid level's size is rounded, so its last window can end a pixel past the image
        boxes = np.clip(np.asarray(boxes, float).reshape(-1, 4) / self.upsample, 0, [w, h, w, h])
        return boxes, np.asarray(scores, float)
