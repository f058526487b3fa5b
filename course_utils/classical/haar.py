"""Viola-Jones from scratch: integral image, Haar-like features, discrete AdaBoost with
decision stumps, an attentional cascade; plus helpers for OpenCV's shipped cascades.

Feature coordinates use scikit-image's format (``skimage.feature.haar_like_feature_coord``):
a feature is a list of rectangles ``[(r0, c0), (r1, c1)]`` (corners *inclusive*), and its
value is ``sum(rectangles 1, 3, ...) - sum(rectangles 0, 2, ...)``: for 'type-2-x' right
minus left, for 'type-3-x' middle minus the two sides, for 'type-4' the anti-diagonal pair
(top-right + bottom-left) minus the diagonal pair (top-left + bottom-right).

Equal to scikit-image on the integral image of the window itself (``r = c = 0``). Note that
``skimage.feature.haar_like_feature(ii, r, c, ...)`` with ``r, c > 0`` crops the integral
image without re-basing it, so the sum of everything above/left of the window leaks into
rectangles on the window's top/left edge; :func:`haar_features` here gives the true sums.

"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


FEATURE_TYPES = ("type-2-x", "type-2-y", "type-3-x", "type-3-y", "type-4")


# ------------------------------------------------------------------ integral image

def integral_image(image) -> np.ndarray:
    """``S[m, n] = sum(image[:m+1, :n+1])``: the summed-area table (float64 or int64).

    Works on one image (H, W) or a stack (N, H, W).
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) image or an (N, H, W) stack, got shape {image.shape}")
    dtype = np.float64 if image.dtype.kind == "f" else np.int64
    return image.astype(dtype).cumsum(axis=-2).cumsum(axis=-1)


def rect_sum(ii: np.ndarray, r0: int, c0: int, r1: int, c1: int):
    """Sum of ``image[r0:r1+1, c0:c1+1]`` from its integral image: 4 look-ups, O(1).

    ``D - B - C + A`` with A above-left of the rectangle, B above, C left, D its last pixel.
    """
    total = ii[..., r1, c1]
    if r0 > 0:
        total = total - ii[..., r0 - 1, c1]
    if c0 > 0:
        total = total - ii[..., r1, c0 - 1]
    if r0 > 0 and c0 > 0:
        total = total + ii[..., r0 - 1, c0 - 1]
    return total


def haar_feature(ii: np.ndarray, feature, r: int = 0, c: int = 0):
    """Value of one Haar-like feature (scikit-image coordinates) in the window at ``(r, c)``."""
    value = 0
    for i, ((r0, c0), (r1, c1)) in enumerate(feature):
        s = rect_sum(ii, r + r0, c + c0, r + r1, c + c1)
        value = value + s if i % 2 else value - s
    return value


# ------------------------------------------------------------- feature coordinates

def _rects(feature_type: str, y: int, x: int, dy: int, dx: int) -> list:
    """The rectangles of one feature in scikit-image's order (see the module docstring)."""
    def rect(r, c):
        return [(y + r * dy, x + c * dx), (y + (r + 1) * dy - 1, x + (c + 1) * dx - 1)]

    if feature_type == "type-2-x":
        return [rect(0, 0), rect(0, 1)]
    if feature_type == "type-2-y":
        return [rect(0, 0), rect(1, 0)]
    if feature_type == "type-3-x":
        return [rect(0, 0), rect(0, 1), rect(0, 2)]
    if feature_type == "type-3-y":
        return [rect(0, 0), rect(1, 0), rect(2, 0)]
    if feature_type == "type-4":  # skimage's order: top-left, top-right, bottom-right, bottom-left
        return [rect(0, 0), rect(0, 1), rect(1, 1), rect(1, 0)]
    raise ValueError(f"feature_type must be one of {FEATURE_TYPES}, got {feature_type!r}")


_GRID = {"type-2-x": (1, 2), "type-2-y": (2, 1), "type-3-x": (1, 3), "type-3-y": (3, 1), "type-4": (2, 2)}


def feature_coords(width: int, height: int, feature_types=FEATURE_TYPES, step: int = 1,
                   min_size: int = 1) -> tuple[list, np.ndarray]:
    """``(coords, types)`` of the Haar-like features of a ``width`` x ``height`` window.

    With ``step=1, min_size=1`` this is exactly ``skimage.feature.haar_like_feature_coord``
    (same features, same order). ``step`` > 1 keeps positions and rectangle sizes that are
    multiples of ``step`` (plus ``min_size``), to get a few thousand features instead of
    hundreds of thousands.
    """
    if isinstance(feature_types, str):
        feature_types = [feature_types]
    coords, types = [], []
    for ft in feature_types:
        if ft not in _GRID:
            raise ValueError(f"feature_type must be one of {FEATURE_TYPES}, got {ft!r}")
        ny, nx = _GRID[ft]
        for y in range(0, height, step):
            for x in range(0, width, step):
                for dy in range(max(1, min_size), height + 1, step):
                    for dx in range(max(1, min_size), width + 1, step):
                        if y + ny * dy <= height and x + nx * dx <= width:
                            coords.append(_rects(ft, y, x, dy, dx))
                            types.append(ft)
    return coords, np.array(types, dtype=object)


def _as_table(coords) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates as arrays: corners ``(n, 4, 4)`` = (r0, c0, r1, c1) per rectangle, and
    signs ``(n, 4)`` (+1 odd rectangles, -1 even ones, 0 for missing ones)."""
    n = len(coords)
    corners = np.zeros((n, 4, 4), dtype=np.int64)
    signs = np.zeros((n, 4), dtype=np.int64)
    for i, feature in enumerate(coords):
        for j, ((r0, c0), (r1, c1)) in enumerate(feature):
            corners[i, j] = (r0, c0, r1, c1)
            signs[i, j] = 1 if j % 2 else -1
    return corners, signs


def _padded_integral(images: np.ndarray) -> np.ndarray:
    """Integral images with a zero row and column in front: ``P[i, j] = sum(image[:i, :j])``,
    so every rectangle sum is the same 4 look-ups, with no special case at the border."""
    return np.pad(integral_image(images), [(0, 0)] * (images.ndim - 2) + [(1, 0), (1, 0)])


def _features_from_integral(P: np.ndarray, corners: np.ndarray, signs: np.ndarray,
                            rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Features ``(n_windows, n_features)`` of the windows with top-left ``(rows, cols)`` in
    one padded integral image ``P``."""
    r = rows[:, None, None]
    c = cols[:, None, None]
    r0, c0, r1, c1 = (corners[..., 0] + r, corners[..., 1] + c,
                      corners[..., 2] + r + 1, corners[..., 3] + c + 1)
    sums = P[r1, c1] - P[r0, c1] - P[r1, c0] + P[r0, c0]  # (n_windows, n_features, 4)
    return (sums * signs).sum(axis=-1)


def _window_stats(image: np.ndarray, rows, cols, height: int, width: int):
    """Mean and standard deviation of each window, from integral images of I and I^2."""
    image = np.asarray(image, dtype=np.float64)
    P, P2 = _padded_integral(image), _padded_integral(image**2)
    whole = np.array([[[0, 0, height - 1, width - 1]]])  # one feature: the whole window
    n = height * width
    mean = _features_from_integral(P, whole, np.ones((1, 1)), rows, cols)[:, 0] / n
    mean_sq = _features_from_integral(P2, whole, np.ones((1, 1)), rows, cols)[:, 0] / n
    std = np.sqrt(np.maximum(mean_sq - mean**2, 0.0))
    return mean, std


def haar_features(images, coords, r: int = 0, c: int = 0, normalize: bool = False,
                  window=None) -> np.ndarray:
    """Haar-like features of the window at ``(r, c)`` of each image: ``(n_images, n_features)``.

    ``images``: one image (H, W) or a stack (N, H, W) (not integral images: we build them).
    ``normalize=True`` gives the features of the window scaled to zero mean and unit
    variance (Viola-Jones' lighting correction) without touching the pixels:
    ``f((w - m) / s) = (f(w) - m * sum(sign * area)) / s``. ``window`` = (height, width)
    of the window for that (default: the image size minus ``r``, ``c``).
    """
    images = np.asarray(images)
    single = images.ndim == 2
    stack = images[None] if single else images
    corners, signs = _as_table(coords)
    height, width = window or (stack.shape[1] - r, stack.shape[2] - c)
    rows, cols = np.array([r]), np.array([c])
    out = np.stack([_features_from_integral(P, corners, signs, rows, cols)[0]
                    for P in _padded_integral(stack)])
    if normalize:
        areas = (corners[..., 2] - corners[..., 0] + 1) * (corners[..., 3] - corners[..., 1] + 1)
        signed_area = (areas * signs).sum(axis=-1)
        stats = [_window_stats(img, rows, cols, height, width) for img in stack]
        mean = np.array([m[0] for m, _ in stats])[:, None]
        std = np.array([s[0] for _, s in stats])[:, None]
        out = (out - mean * signed_area) / np.maximum(std, 1e-3)
    return out[0] if single else out


def scan_features(image, coords, window=(25, 25), step: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, features)`` of every window of ``image`` (stride ``step``), normalised
    like ``haar_features(..., normalize=True)``, from ONE pair of integral images."""
    image = np.asarray(image, dtype=np.float64)
    height, width = window
    rows, cols = np.meshgrid(np.arange(0, image.shape[0] - height + 1, step),
                             np.arange(0, image.shape[1] - width + 1, step), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    corners, signs = _as_table(coords)
    raw = _features_from_integral(_padded_integral(image), corners, signs, rows, cols)
    areas = (corners[..., 2] - corners[..., 0] + 1) * (corners[..., 3] - corners[..., 1] + 1)
    mean, std = _window_stats(image, rows, cols, height, width)
    features = (raw - mean[:, None] * (areas * signs).sum(axis=-1)) / np.maximum(std, 1e-3)[:, None]
    return np.c_[rows, cols], features


# ------------------------------------------------------------------------ AdaBoost

@dataclass
class Stump:
    """``h(x) = 1 if polarity * x[feature] < polarity * threshold else 0`` (Viola-Jones)."""
    feature: int
    threshold: float
    polarity: int
    alpha: float
    error: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        x = X[:, self.feature]
        return (self.polarity * x < self.polarity * self.threshold).astype(np.int64)


def best_stump(X: np.ndarray, y: np.ndarray, w: np.ndarray, order: np.ndarray | None = None) -> Stump:
    """The decision stump with the lowest weighted error over all features and thresholds.

    One pass per feature over the samples sorted by that feature's value: the error of
    "faces below the threshold" is (face weight above) + (non-face weight below); of
    "faces above" the complement. Thresholds sit halfway between consecutive values.
    """
    order = np.argsort(X, axis=0, kind="stable") if order is None else order
    xs = np.take_along_axis(X, order, axis=0)  # (n_samples, n_features), sorted per feature
    wy = (w * y)[order]  # face weight, in that order
    wn = (w * (1 - y))[order]  # non-face weight
    pos_below = np.cumsum(wy, axis=0) - wy  # strictly below sample i
    neg_below = np.cumsum(wn, axis=0) - wn
    total_pos, total_neg = wy.sum(axis=0), wn.sum(axis=0)
    err_faces_below = neg_below + (total_pos - pos_below)  # polarity +1: x < t -> face
    err_faces_above = pos_below + (total_neg - neg_below)  # polarity -1: x > t -> face
    # a threshold at sample i only makes sense if x_i differs from x_{i-1}
    valid = np.ones_like(xs, dtype=bool)
    valid[1:] = xs[1:] != xs[:-1]
    err_faces_below[~valid] = np.inf
    err_faces_above[~valid] = np.inf
    best = []
    for polarity, err in ((1, err_faces_below), (-1, err_faces_above)):
        i, j = np.unravel_index(np.argmin(err), err.shape)
        best.append((err[i, j], polarity, i, j))
    error, polarity, i, j = min(best, key=lambda t: t[0])
    # halfway between the two sorted neighbours (below the smallest value when i == 0)
    threshold = xs[0, j] - 1.0 if i == 0 else (xs[i, j] + xs[i - 1, j]) / 2
    return Stump(int(j), float(threshold), int(polarity), 0.0, float(error))


def reweight(w: np.ndarray, correct: np.ndarray, error: float) -> tuple[np.ndarray, float]:
    """One AdaBoost re-weighting (Viola-Jones form): returns ``(new weights, alpha)``.

    ``beta = error / (1 - error)``; correctly classified samples are multiplied by beta
    (so they weigh less), then the weights are normalised to sum to 1;
    ``alpha = log(1 / beta)`` is the stump's vote.
    """
    error = float(np.clip(error, 1e-10, 1 - 1e-10))
    beta = error / (1 - error)
    w = w * np.where(correct, beta, 1.0)
    return w / w.sum(), float(np.log(1 / beta))


@dataclass
class AdaBoost:
    """Discrete AdaBoost over decision stumps (Viola & Jones 2001, table 1). Labels 0/1."""
    n_rounds: int = 50
    stumps: list = field(default_factory=list)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "AdaBoost":
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("labels must be 0 (non-face) and 1 (face), with both present")
        n_pos, n_neg = y.sum(), (1 - y).sum()
        w = np.where(y == 1, 1 / (2 * n_pos), 1 / (2 * n_neg))  # each class weighs 1/2
        order = np.argsort(X, axis=0, kind="stable")
        self.stumps = []
        for _ in range(self.n_rounds):
            w = w / w.sum()
            stump = best_stump(X, y, w, order)
            correct = stump.predict(X) == y
            w, stump.alpha = reweight(w, correct, stump.error)
            self.stumps.append(stump)
        return self

    def decision_function(self, X: np.ndarray, n: int | None = None) -> np.ndarray:
        """``sum(alpha_t h_t(x)) - 0.5 sum(alpha_t)`` over the first ``n`` stumps (> 0: face)."""
        stumps = self.stumps[:n]
        votes = sum(s.alpha * s.predict(X) for s in stumps)
        return votes - 0.5 * sum(s.alpha for s in stumps)

    def predict(self, X: np.ndarray, n: int | None = None) -> np.ndarray:
        return (self.decision_function(X, n) >= 0).astype(np.int64)

    def staged_accuracy(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Accuracy after 1, 2, ..., n_rounds stumps."""
        return np.array([(self.predict(X, n) == y).mean() for n in range(1, len(self.stumps) + 1)])


# ------------------------------------------------------------------------- cascade

@dataclass
class Cascade:
    """An attentional cascade: stage ``k`` uses stumps ``[bounds[k-1], bounds[k])`` of an
    :class:`AdaBoost` model, with a threshold lowered until the stage keeps a fraction
    ``detection_rate`` of the training faces. A window is rejected at the first stage it fails.
    """
    boost: AdaBoost
    bounds: tuple[int, ...] = (2, 5, 10, 20, 40)
    detection_rate: float = 0.99
    thresholds: list = field(default_factory=list)

    def stage_scores(self, X: np.ndarray, k: int) -> np.ndarray:
        start = 0 if k == 0 else self.bounds[k - 1]
        stumps = self.boost.stumps[start:self.bounds[k]]
        return sum(s.alpha * s.predict(X) for s in stumps)

    def fit(self, X_faces: np.ndarray) -> "Cascade":
        if self.bounds[-1] > len(self.boost.stumps):
            raise ValueError(f"the cascade needs {self.bounds[-1]} stumps, the model has "
                             f"{len(self.boost.stumps)}")
        self.thresholds = []
        alive = np.ones(len(X_faces), dtype=bool)
        for k in range(len(self.bounds)):
            scores = self.stage_scores(X_faces[alive], k)
            t = np.quantile(scores, 1 - self.detection_rate, method="lower")
            self.thresholds.append(float(t))
            alive[np.flatnonzero(alive)[scores < t]] = False
        return self

    def run(self, X: np.ndarray) -> tuple[np.ndarray, list[int], int]:
        """``(accepted, survivors per stage, stump evaluations)`` for windows ``X``.

        ``survivors[k]`` counts the windows still alive *after* stage k; evaluations count
        each stump applied to each window that reached its stage.
        """
        alive = np.ones(len(X), dtype=bool)
        survivors, evaluations, start = [], 0, 0
        for k, end in enumerate(self.bounds):
            idx = np.flatnonzero(alive)
            evaluations += len(idx) * (end - start)
            alive[idx[self.stage_scores(X[idx], k) < self.thresholds[k]]] = False
            survivors.append(int(alive.sum()))
            start = end
        return alive, survivors, evaluations

    def scan(self, image, coords, window=(25, 25), step: int = 2) -> dict:
        """Run the cascade on every window of ``image`` (one scale), computing each stage's
        features only for the windows still alive, from one pair of integral images.

        Returns a dict: ``positions`` (row, col) of accepted windows, ``windows`` scanned,
        ``survivors`` per stage, stump ``evaluations``.
        """
        image = np.asarray(image, dtype=np.float64)
        height, width = window
        rows, cols = np.meshgrid(np.arange(0, image.shape[0] - height + 1, step),
                                 np.arange(0, image.shape[1] - width + 1, step), indexing="ij")
        rows, cols = rows.ravel(), cols.ravel()
        P = _padded_integral(image)
        mean, std = _window_stats(image, rows, cols, height, width)
        corners, signs = _as_table(coords)
        areas = (corners[..., 2] - corners[..., 0] + 1) * (corners[..., 3] - corners[..., 1] + 1)
        signed_area = (areas * signs).sum(axis=-1)
        alive = np.ones(len(rows), dtype=bool)
        survivors, evaluations, start = [], 0, 0
        for k, end in enumerate(self.bounds):
            idx = np.flatnonzero(alive)
            score = np.zeros(len(idx))
            for s in self.boost.stumps[start:end]:
                f = s.feature
                raw = _features_from_integral(P, corners[f:f + 1], signs[f:f + 1], rows[idx], cols[idx])[:, 0]
                x = (raw - mean[idx] * signed_area[f]) / np.maximum(std[idx], 1e-3)
                score += s.alpha * (s.polarity * x < s.polarity * s.threshold)
            evaluations += len(idx) * (end - start)
            alive[idx[score < self.thresholds[k]]] = False
            survivors.append(int(alive.sum()))
            start = end
        return {"positions": np.c_[rows[alive], cols[alive]], "windows": len(rows),
                "survivors": survivors, "evaluations": evaluations}


# --------------------------------------------------------------- OpenCV cascades

def opencv_detect(image, cascade: str = "frontalface_default", scale_factor: float = 1.1,
                  min_neighbors: int = 5, min_size=(30, 30)) -> np.ndarray:
    """``cv2.CascadeClassifier(...).detectMultiScale`` as ``(x0, y0, x1, y1)`` boxes."""
    import cv2

    from ..data.bundled import haar_cascade_path

    image = np.asarray(image)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    classifier = cv2.CascadeClassifier(str(haar_cascade_path(cascade)))
    rects = classifier.detectMultiScale(gray, scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                        minSize=tuple(min_size))
    rects = np.asarray(rects, dtype=np.float64).reshape(-1, 4)
    return np.c_[rects[:, :2], rects[:, :2] + rects[:, 2:]]


def opencv_cascade_stages(cascade: str = "frontalface_default") -> list[int]:
    """Number of weak classifiers in each stage of one of OpenCV's shipped cascades (read
    from its XML file)."""
    import xml.etree.ElementTree as ET

    from ..data.bundled import haar_cascade_path

    root = ET.parse(haar_cascade_path(cascade)).getroot()
    stages = root.find("cascade/stages")
    if stages is None:
        raise ValueError(f"{cascade!r} is not in OpenCV's new cascade format")
    return [len(stage.find("weakClassifiers")) for stage in stages]
