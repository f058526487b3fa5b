"""Sliding-window detection: hard-negative mining and the HOG + linear SVM face detector of
notebook 01, and OpenCV's people detector. Boxes, IoU, NMS, the pyramid and the windows
live in :mod:`.windows` and are re-exported here (``detect.nms``, ``detect.pyramid``, ...).

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
from .boost import NotFittedError
from .hog import cell_histograms, gradients, histograms_from_gradients, normalize_blocks
from .windows import (area, as_boxes, iou, iou_matrix, jitter, nms, pyramid,  # noqa: F401 (re-exported)
                      random_windows, resize_all, sliding_windows, to_gray, xywh_to_xyxy)

# Photos (and textures) with no human face in them: sources of negative windows.
FACE_FREE = ("coffee", "rocket", "immunohistochemistry", "colorwheel",
             "brick", "grass", "gravel", "moon", "coins", "text", "page", "clock")
# Face-free photos kept out of training, to count false positives on unseen images.
HELD_OUT = ("chelsea", "hubble_deep_field")
# Around the astronaut's head (x0, y0, x1, y1), generously: windows overlapping it are never
# used as negatives; the rest of that photo is (the face itself is never trained on).
ASTRONAUT_HEAD = (130, 20, 320, 210)


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

def take_rows(arrays: list[np.ndarray], index: np.ndarray) -> np.ndarray:
    """``np.concatenate(arrays)[index]`` without building the concatenation.

    ``arrays``: 2-D arrays ``(n_k, D)`` of one dtype; ``index``: ints into their ``sum(n_k)``
    rows stacked in order. Hard-negative mining draws 20,000 rows from about 150,000 window
    descriptors (0.65 GB); concatenating them first would need that much again.
    """
    index = np.asarray(index)
    starts = np.cumsum([0] + [len(a) for a in arrays])
    if index.size and (index.min() < 0 or index.max() >= starts[-1]):
        raise IndexError(f"row index out of range for {starts[-1]} rows")
    which = np.searchsorted(starts, index, side="right") - 1
    out = np.empty((len(index), arrays[0].shape[1]), dtype=arrays[0].dtype)
    for k, a in enumerate(arrays):
        chosen = which == k
        out[chosen] = a[index[chosen] - starts[k]]
    return out


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
            if round_ == 0:  # the scenes' HOG blocks do not change between rounds: compute them once
                levels = [self._pyramid_blocks(img) for img, _ in scenes]
            scans = [self._scan_features(img, box, blocks) for (img, box), blocks in zip(scenes, levels)]
            total = sum(len(scan) for scan in scans)
            if total > self.max_hard_per_round:  # the same draw as concatenating first, without the copy
                hard = take_rows(scans, rng.choice(total, self.max_hard_per_round, replace=False))
            else:
                hard = np.concatenate(scans)
            del scans
            self.history.append(len(hard))
            X_neg = np.concatenate([X_neg, hard])
        self.n_train_ = (len(X_pos), len(X_neg))
        return self

    def _level_blocks(self, level: np.ndarray) -> np.ndarray:
        hist = cell_histograms(level, self.orientations, (self.pixels_per_cell,) * 2)
        return normalize_blocks(hist, (self.cells_per_block,) * 2)

    def _window_blocks(self) -> int:
        return self.window // self.pixels_per_cell - self.cells_per_block + 1

    def _pyramid_blocks(self, image) -> list[tuple[float, np.ndarray]]:
        """``(factor, normalised HOG blocks)`` of every pyramid level of ``image``."""
        return [(factor, self._level_blocks(level))
                for factor, level in pyramid(image, self.scale, (self.window, self.window))]

    def _scan_features(self, image, exclude=None, levels=None) -> np.ndarray:
        """Descriptors of the windows of every pyramid level that the current SVM scores
        above -1, i.e. the false positives and the negatives inside the margin (for mining).

        Windows that overlap the box ``exclude`` (x0, y0, x1, y1) are left out. ``levels``:
        the image's :meth:`_pyramid_blocks`, if already computed.
        """
        from numpy.lib.stride_tricks import sliding_window_view

        k, cell, feats = self._window_blocks(), self.pixels_per_cell, []
        for factor, blocks in (self._pyramid_blocks(image) if levels is None else levels):
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
        return np.concatenate(feats) if feats else np.empty((0, self._descriptor_length()))

    def _descriptor_length(self) -> int:
        return self._window_blocks() ** 2 * self.cells_per_block ** 2 * self.orientations

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "svm_"):
            raise NotFittedError(f"call fit() first: {what} needs the trained SVM")

    def score_level(self, level: np.ndarray) -> np.ndarray:
        """SVM score of every window of one pyramid level, on a grid of one cell's stride.

        ``scores[i, j]`` is the window whose top-left corner is at cell ``(i, j)``. The
        descriptor of that window is ``blocks[i:i+k, j:j+k]``, so the score is a sum of
        ``k*k`` shifted dot products: no window is ever copied.
        """
        self._check_fitted("score_level()")
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
        number of windows above threshold before NMS. An image smaller than the window
        (or with every level skipped by ``min_face``) has no windows: no detections.
        """
        self._check_fitted("detect()")
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
        # np.concatenate needs at least one array: start from an empty one
        boxes = np.concatenate([np.empty((0, 4))] + all_boxes)
        scores = np.concatenate([np.empty(0)] + all_scores)
        keep = nms(boxes, scores, nms_iou)
        out = (boxes[keep], scores[keep])
        if return_stats:
            return (*out, {"windows": n_windows, "levels": n_levels, "above_threshold": len(scores)})
        return out


PEOPLE_WINDOW = (64, 128)  # (width, height) of OpenCV's default people detector


def _people_image(image) -> np.ndarray | None:
    """The image as OpenCV's HOG wants it (C-contiguous uint8, gray or 3 channels), or
    None if it is smaller than one 64x128 window. Checked here because OpenCV does not:
    on a smaller image ``detectMultiScale`` corrupts memory and kills the kernel."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 4:
        image = image[..., :3]  # RGBA: drop alpha
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] == 3)):
        raise ValueError(f"expected a gray (H, W) or RGB (H, W, 3) image, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image (0..255), got dtype {image.dtype}; "
                         "convert with skimage.util.img_as_ubyte")
    width, height = PEOPLE_WINDOW
    if image.shape[0] < height or image.shape[1] < width:
        return None
    return np.ascontiguousarray(image)


def opencv_people(image, win_stride=(8, 8), scale: float = 1.05, hit_threshold: float = 0.0):
    """OpenCV's Dalal-Triggs people detector (64x128 windows): ``(boxes, weights)``.

    ``image``: uint8, gray (H, W) or RGB (H, W, 3). An image smaller than one window
    (narrower than 64 or lower than 128 pixels) cannot contain a person at this scale:
    no detections, ``(empty (0, 4), empty (0,))``.
    """
    import cv2

    image = _people_image(image)
    if image is None:
        return np.empty((0, 4)), np.empty(0)
    descriptor = cv2.HOGDescriptor()
    descriptor.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
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
