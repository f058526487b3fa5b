"""Sliding-window detection: image pyramid, boxes and IoU, non-maximum suppression,
hard-negative mining, and the HOG + linear SVM face detector of notebook 01.

Boxes are ``(x0, y0, x1, y1)`` in pixels of the original image (x = column, y = row),
``x1``/``y1`` exclusive, as float arrays of shape ``(n, 4)``.

The detector is trained on the 25x25 crops of ``lfw_subset`` (100 faces, 100 non-faces)
plus windows mined from bundled photos that contain no human face. To scan a whole image
fast it computes HOG once per pyramid level and reads every window's descriptor out of
that grid (the Dalal & Triggs trick), so the window stride is one HOG cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import bundled
from .hog import cell_histograms, gradients, histograms_from_gradients, normalize_blocks

# Photos (and textures) with no human face in them: sources of negative windows.
FACE_FREE = ("coffee", "rocket", "immunohistochemistry", "colorwheel",
             "brick", "grass", "gravel", "moon", "coins", "text", "page", "clock")
# Face-free photos kept out of training, to count false positives on unseen images.
HELD_OUT = ("chelsea", "hubble_deep_field")
# Around the astronaut's head (x0, y0, x1, y1), generously: windows overlapping it are never
# used as negatives; the rest of that photo is (the face itself is never trained on).
ASTRONAUT_HEAD = (130, 20, 320, 210)


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


def face_free_images(names=FACE_FREE) -> list[np.ndarray]:
    """Grayscale float images of the bundled photos and textures that contain no human face."""
    images = []
    for name in names:
        img = bundled.photo(name) if name in bundled.PHOTOS else bundled.texture(name)
        images.append(to_gray(img))
    return images


def training_scenes(include_astronaut: bool = True) -> list[tuple[np.ndarray, tuple | None]]:
    """Where negatives come from: every :data:`FACE_FREE` image, and (by default) the
    astronaut photo outside :data:`ASTRONAUT_HEAD`."""
    scenes = [(img, None) for img in face_free_images()]
    if include_astronaut:
        scenes.append((to_gray(bundled.photo("astronaut")), ASTRONAUT_HEAD))
    return scenes


# ------------------------------------------------------------------------ detector

@dataclass
class HogFaceDetector:
    """HOG + linear SVM face detector on 25x25 windows (notebook 01).

    ``fit()`` trains on ``lfw_subset`` (100 faces, mirrored and ``n_jitter`` times slightly
    warped; 100 non-faces) plus ``n_random`` random windows from the training scenes, then
    runs ``mining_rounds`` of hard-negative mining: scan the scenes, add every window the
    SVM scores above -1 (false positives and negatives inside the margin), retrain.
    """
    orientations: int = 9
    pixels_per_cell: int = 5
    cells_per_block: int = 2
    window: int = 25
    C: float = 0.1
    scale: float = 1.15
    threshold: float = 0.0
    n_random: int = 1000
    n_jitter: int = 4
    mining_rounds: int = 3
    max_hard_per_round: int = 20000
    seed: int = 0
    history: list = field(default_factory=list)

    def features(self, windows) -> np.ndarray:
        """HOG descriptors ``(n, d)`` of a stack of ``window`` x ``window`` crops.

        A crop has no neighbours, so ``hog(crop)`` sets the gradient of its border pixels to
        0, while a window inside a photo has real neighbours there. Trained on crops and run
        on photos, the SVM would learn "faces have empty borders". So we extend each crop
        by one pixel, extrapolating linearly, before taking gradients.
        """
        return np.stack([self._crop_descriptor(w) for w in np.asarray(windows, dtype=np.float64)])

    def _crop_descriptor(self, crop: np.ndarray) -> np.ndarray:
        padded = np.pad(crop, 1, mode="reflect", reflect_type="odd")  # 2*I[0] - I[1]
        g_row, g_col = gradients(padded)
        hist = histograms_from_gradients(g_row[1:-1, 1:-1], g_col[1:-1, 1:-1], self.orientations,
                                         (self.pixels_per_cell,) * 2)
        return normalize_blocks(hist, (self.cells_per_block,) * 2).ravel()

    def fit(self, scenes=None) -> "HogFaceDetector":
        """Train; ``scenes``: ``[(image, exclude_box or None), ...]`` to draw negatives from
        (default: :func:`training_scenes`)."""
        from sklearn.svm import LinearSVC

        rng = np.random.default_rng(self.seed)
        images, labels = bundled.lfw_subset()
        if self.window != images.shape[1]:
            images = resize_all(images, self.window)
        faces, non_faces = images[labels == 1], images[labels == 0]
        positives = np.concatenate([faces, faces[:, :, ::-1]])
        if self.n_jitter:
            positives = np.concatenate([positives] + [jitter(positives, rng) for _ in range(self.n_jitter)])
        if scenes is None:
            scenes = training_scenes()
        scenes = [(to_gray(img), None if box is None else as_boxes(box)) for img, box in scenes]
        negatives = [non_faces] + [random_windows(img, self.n_random // len(scenes), self.window,
                                                  rng, exclude=box) for img, box in scenes]
        X_pos = self.features(positives)
        X_neg = self.features(np.concatenate(negatives))
        self.history = []
        for round_ in range(self.mining_rounds + 1):
            X = np.concatenate([X_pos, X_neg])
            y = np.r_[np.ones(len(X_pos)), np.zeros(len(X_neg))]
            self.svm_ = LinearSVC(C=self.C, max_iter=20000, random_state=self.seed).fit(X, y)
            if round_ == self.mining_rounds:
                break
            hard = np.concatenate([self._scan_features(img, box) for img, box in scenes])
            if len(hard) > self.max_hard_per_round:
                hard = hard[rng.choice(len(hard), self.max_hard_per_round, replace=False)]
            self.history.append(len(hard))
            X_neg = np.concatenate([X_neg, hard])
        self.n_train_ = (len(X_pos), len(X_neg))
        return self

    def _level_blocks(self, level: np.ndarray) -> np.ndarray:
        hist = cell_histograms(level, self.orientations, (self.pixels_per_cell,) * 2)
        return normalize_blocks(hist, (self.cells_per_block,) * 2)

    def _window_blocks(self) -> int:
        return self.window // self.pixels_per_cell - self.cells_per_block + 1

    def _scan_features(self, image, exclude=None) -> np.ndarray:
        """Descriptors of the windows of every pyramid level that the current SVM scores
        above -1, i.e. the false positives and the negatives inside the margin (for mining).

        Windows that overlap the box ``exclude`` (x0, y0, x1, y1) are left out.
        """
        from numpy.lib.stride_tricks import sliding_window_view

        k, cell, feats = self._window_blocks(), self.pixels_per_cell, []
        for factor, level in pyramid(image, self.scale, (self.window, self.window)):
            blocks = self._level_blocks(level)
            view = sliding_window_view(blocks, (k, k), axis=(0, 1))  # (r, c, b, b, o, k, k)
            view = np.moveaxis(view, (5, 6), (2, 3))
            rows, cols = np.meshgrid(np.arange(view.shape[0]), np.arange(view.shape[1]),
                                     indexing="ij")
            view = view.reshape(-1, int(np.prod(view.shape[2:])))
            if exclude is not None:
                x0, y0 = cols.ravel() * cell * factor, rows.ravel() * cell * factor
                size = self.window * factor
                boxes = np.c_[x0, y0, x0 + size, y0 + size]
                view = view[iou_matrix(boxes, exclude).max(axis=1) == 0]
            if hasattr(self, "svm_"):  # keep only windows at or inside the margin
                view = view[view @ self.svm_.coef_[0] + self.svm_.intercept_[0] > -1]
            feats.append(view)
        return np.concatenate(feats)

    def score_level(self, level: np.ndarray) -> np.ndarray:
        """SVM score of every window of one pyramid level, on a grid of one cell's stride.

        ``scores[i, j]`` is the window whose top-left corner is at cell ``(i, j)``. The
        descriptor of that window is ``blocks[i:i+k, j:j+k]``, so the score is a sum of
        ``k*k`` shifted dot products: no window is ever copied.
        """
        k = self._window_blocks()
        blocks = self._level_blocks(level)
        weights = self.svm_.coef_.reshape(k, k, *blocks.shape[2:])
        n_r, n_c = blocks.shape[0] - k + 1, blocks.shape[1] - k + 1
        scores = np.full((n_r, n_c), float(self.svm_.intercept_[0]))
        for a in range(k):
            for b in range(k):
                scores += np.tensordot(blocks[a:a + n_r, b:b + n_c], weights[a, b], axes=3)
        return scores

    def detect(self, image, threshold: float | None = None, nms_iou: float = 0.3,
               min_face: float = 0, return_stats: bool = False):
        """Faces in ``image``: ``(boxes, scores)`` after NMS, best first.

        ``min_face``: skip pyramid levels whose window covers fewer pixels than this (the
        role of ``minSize`` in OpenCV's ``detectMultiScale``).
        With ``return_stats=True`` also a dict: windows scored, pyramid levels, and the
        number of windows above threshold before NMS.
        """
        if not hasattr(self, "svm_"):
            raise ValueError("call fit() before detect()")
        threshold = self.threshold if threshold is None else threshold
        gray, cell = to_gray(image), self.pixels_per_cell
        all_boxes, all_scores, n_windows, n_levels = [], [], 0, 0
        for factor, level in pyramid(gray, self.scale, (self.window, self.window)):
            if self.window * factor < min_face:
                continue
            scores = self.score_level(level)
            n_windows += scores.size
            n_levels += 1
            rows, cols = np.nonzero(scores > threshold)
            x0, y0 = cols * cell * factor, rows * cell * factor
            size = self.window * factor
            all_boxes.append(np.c_[x0, y0, x0 + size, y0 + size])
            all_scores.append(scores[rows, cols])
        boxes, scores = np.concatenate(all_boxes), np.concatenate(all_scores)
        keep = nms(boxes, scores, nms_iou)
        out = (boxes[keep], scores[keep])
        if return_stats:
            return (*out, {"windows": n_windows, "levels": n_levels, "above_threshold": len(scores)})
        return out


def opencv_people(image, win_stride=(8, 8), scale: float = 1.05, hit_threshold: float = 0.0):
    """OpenCV's Dalal-Triggs people detector (64x128 windows): ``(boxes, weights)``."""
    import cv2

    descriptor = cv2.HOGDescriptor()
    descriptor.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    image = np.asarray(image)
    rects, weights = descriptor.detectMultiScale(image, hitThreshold=hit_threshold,
                                                 winStride=win_stride, scale=scale)
    return xywh_to_xyxy(rects), np.asarray(weights, dtype=np.float64).ravel()


def test_frame(size=(480, 640)) -> np.ndarray:
    """A 640x480 RGB frame for speed measurements: the astronaut, resized to 480x480, centred."""
    import cv2

    h, w = size
    frame = np.full((h, w, 3), 128, dtype=np.uint8)
    side = min(h, w)
    photo = cv2.resize(bundled.photo("astronaut"), (side, side), interpolation=cv2.INTER_AREA)
    y, x = (h - side) // 2, (w - side) // 2
    frame[y:y + side, x:x + side] = photo
    return frame
