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

The learning half (AdaBoost, the cascade) lives in :mod:`.boost` and the shared window
arithmetic in :mod:`.integral`; both are re-exported here (``haar.AdaBoost``, ...).
"""
from __future__ import annotations

import numbers

import numpy as np

from .boost import AdaBoost, Cascade, NotFittedError, Stump, best_stump, reweight  # noqa: F401 (re-exported)
from .integral import (_as_table, _features_from_integral, _padded_integral,  # noqa: F401
                       _window_stats, integral_image, signed_areas, window_grid)

FEATURE_TYPES = ("type-2-x", "type-2-y", "type-3-x", "type-3-y", "type-4")


# ------------------------------------------------------------------ integral image

def _check_rect(ii: np.ndarray, r0, c0, r1, c1) -> None:
    """Negative indices would silently wrap around to the other side of the image (and an
    inverted rectangle gives a wrong sum): refuse them with a message that says why."""
    n_rows, n_cols = np.shape(ii)[-2:]
    corners = (r0, c0, r1, c1)
    ints = all(isinstance(v, numbers.Integral) for v in corners)
    if not (ints and 0 <= r0 <= r1 < n_rows and 0 <= c0 <= c1 < n_cols):
        raise ValueError(f"expected integer corners 0 <= r0 <= r1 < {n_rows} and "
                         f"0 <= c0 <= c1 < {n_cols} (inclusive, inside the {n_rows}x{n_cols} "
                         f"integral image), got (r0, c0, r1, c1) = {corners}")


def rect_sum(ii: np.ndarray, r0: int, c0: int, r1: int, c1: int):
    """Sum of ``image[r0:r1+1, c0:c1+1]`` from its integral image: 4 look-ups, O(1).

    ``D - B - C + A`` with A above-left of the rectangle, B above, C left, D its last pixel.
    Corners are inclusive: ``0 <= r0 <= r1 < H`` and ``0 <= c0 <= c1 < W``, else ValueError.
    """
    _check_rect(ii, r0, c0, r1, c1)
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
        signed_area = signed_areas(corners, signs)
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
    rows, cols = window_grid(image.shape, window, step)
    corners, signs = _as_table(coords)
    raw = _features_from_integral(_padded_integral(image), corners, signs, rows, cols)
    mean, std = _window_stats(image, rows, cols, height, width)
    features = (raw - mean[:, None] * signed_areas(corners, signs)) / np.maximum(std, 1e-3)[:, None]
    return np.c_[rows, cols], features


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
