"""Integral images and the window arithmetic behind Haar-like features, shared by
:mod:`.haar` (features) and :mod:`.boost` (the cascade's scan).

A feature is stored as a table: corners ``(n, 4, 4)`` = (r0, c0, r1, c1) of up to four
rectangles (inclusive corners) and signs ``(n, 4)``. A window is given by its top-left
``(row, col)`` and its size ``(height, width)``: rows go with the height, columns with the width.
"""
from __future__ import annotations

import numpy as np


def integral_image(image) -> np.ndarray:
    """``S[m, n] = sum(image[:m+1, :n+1])``: the summed-area table (float64 or int64).

    Works on one image (H, W) or a stack (N, H, W).
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) image or an (N, H, W) stack, got shape {image.shape}")
    dtype = np.float64 if image.dtype.kind == "f" else np.int64
    return image.astype(dtype).cumsum(axis=-2).cumsum(axis=-1)


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


def signed_areas(corners: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """``sum(sign * area)`` of each feature: what a window's mean contributes to it."""
    areas = (corners[..., 2] - corners[..., 0] + 1) * (corners[..., 3] - corners[..., 1] + 1)
    return (areas * signs).sum(axis=-1)


def window_grid(image_shape, window, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-left ``(rows, cols)`` of every ``window`` = (height, width) position, stride
    ``step``, row by row."""
    height, width = window
    rows, cols = np.meshgrid(np.arange(0, image_shape[0] - height + 1, step),
                             np.arange(0, image_shape[1] - width + 1, step), indexing="ij")
    return rows.ravel(), cols.ravel()
