"""GrabCut (Rother, Kolmogorov & Blake 2004) on a generated hand, scored by IoU against its true mask.

GrabCut needs a hint: a rectangle that contains the object. :func:`grabcut` takes one (or
uses the image minus a ``margin`` on every side) and returns the foreground it finds;
:func:`iou` scores it against ``make_hands(..., return_masks=True)``'s mask.
"""
from __future__ import annotations

import cv2
import numpy as np

from .preprocess import as_rgb_uint8


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks of one shape (1.0 when both are empty)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if a.shape != b.shape:
        raise ValueError(f"masks must have one shape, got {a.shape} and {b.shape}")
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def box_of(mask: np.ndarray, pad: int = 2) -> tuple[int, int, int, int]:
    """The ``(x, y, w, h)`` box around a bool mask, grown by ``pad`` px and kept inside the image."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"expected one 2-D mask (H, W), got shape {mask.shape}")
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        raise ValueError("expected a mask with at least one True pixel")
    h, w = mask.shape
    x0, y0 = max(0, xs.min() - pad), max(0, ys.min() - pad)
    x1, y1 = min(w - 1, xs.max() + pad), min(h - 1, ys.max() + pad)
    return int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1)


def grabcut(image: np.ndarray, rect: tuple[int, int, int, int] | None = None, margin: int = 2,
            iterations: int = 5, seed: int = 0) -> np.ndarray:
    """Foreground mask (bool ``(H, W)``) of GrabCut started from ``rect`` = ``(x, y, w, h)``.

    Without ``rect`` the whole image minus ``margin`` pixels per side is the hint. GrabCut
    fits colour models with k-means, so OpenCV's random generator is seeded for repeatability.
    """
    image = as_rgb_uint8(image)
    h, w = image.shape[:2]
    if rect is None:
        rect = (margin, margin, w - 2 * margin, h - 2 * margin)
    x, y, rw, rh = rect
    if rw < 1 or rh < 1 or x < 0 or y < 0 or x + rw > w or y + rh > h:
        raise ValueError(f"rect (x, y, w, h) must lie inside the {w}x{h} image, got {rect}")
    if rw == w and rh == h:
        raise ValueError(f"rect {rect} covers the whole {w}x{h} image: GrabCut needs some pixels outside it "
                         "to learn the background's colours")
    cv2.setRNGSeed(seed)
    mask = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    # OpenCV works in BGR; the colour models do not care, but keep its convention
    cv2.grabCut(np.ascontiguousarray(image[..., ::-1]), mask, tuple(int(v) for v in rect), bgd, fgd,
                iterations, cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def grabcut_scores(images: np.ndarray, masks: np.ndarray, use_box: bool = True, iterations: int = 5) -> np.ndarray:
    """IoU of GrabCut's mask with the true mask for every image ``(N,)``.

    ``use_box``: start from the true mask's bounding box (a detector's output); otherwise from
    the whole image minus a 2-pixel margin (no hint at all).
    """
    if len(images) != len(masks):
        raise ValueError(f"expected one mask per image, got {len(images)} images and {len(masks)} masks")
    return np.array([iou(grabcut(im, box_of(m) if use_box else None, iterations=iterations), m)
                     for im, m in zip(images, masks)])
