"""Test-time preprocessing: change the test pictures, not the network (lesson 06, §5).

Both take uint8 pictures ``(N, S, S, 3)`` (RGB) and return the same shape and dtype:

* :func:`clahe`: CLAHE (Zuiderveld 1994) on the lightness channel of CIELAB, colours kept:
  local contrast is evened out, so a hand is as distinct on a dark photo as on a bright one;
* :func:`grey_world`: grey-world colour constancy (Buchsbaum 1980): each channel is scaled so
  that the picture's mean colour becomes grey, removing a global colour cast.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..data.validate import check_images


def clahe(images: np.ndarray, clip: float = 2.0, tiles: int = 4) -> np.ndarray:
    """CLAHE on L of L*a*b* for every picture; ``clip``: contrast limit, ``tiles``: grid side."""
    images = check_images(images)
    if not (isinstance(clip, (int, float)) and np.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be a finite number > 0, got {clip!r}")
    if isinstance(tiles, bool) or not isinstance(tiles, (int, np.integer)) or tiles < 1:
        raise ValueError(f"tiles must be an int >= 1, got {tiles!r}")
    op = cv2.createCLAHE(clipLimit=float(clip), tileGridSize=(int(tiles), int(tiles)))
    out = np.empty_like(images)
    for i, image in enumerate(images):
        lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
        lab[..., 0] = op.apply(lab[..., 0])
        out[i] = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    return out


def grey_world(images: np.ndarray) -> np.ndarray:
    """Scale R, G and B of each picture by ``mean grey / mean of the channel`` (clipped to 0..255)."""
    images = check_images(images)
    x = images.astype(np.float32)
    means = x.mean(axis=(1, 2), keepdims=True)                       # (N, 1, 1, 3)
    gains = means.mean(axis=3, keepdims=True) / np.maximum(means, 1.0)
    return np.clip(x * gains + 0.5, 0, 255).astype(np.uint8)


TEST_TIME = {"none": lambda images: images, "CLAHE": clahe, "grey world": grey_world}
