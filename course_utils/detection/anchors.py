"""SSD anchors (default boxes), as the TF Object Detection API's ``ssd_anchor_generator`` lays them.

Feature map ``k`` of ``L`` (finest first) gets the scale
``s_k = min_scale + (max_scale - min_scale) k / (L - 1)`` (a fraction of the image side);
each cell gets one box per aspect ratio ``r`` (width ``s_k sqrt(r)``, height ``s_k / sqrt(r)``)
plus one square box of the scale ``sqrt(s_k s_{k+1})`` between this map's and the next's.
With ``reduce_lowest`` (the API's default) the finest map gets only three boxes: a square
of scale 0.1 and the ratios 2 and 1/2 at ``s_0``. Liu et al. (2016), Section 2.2.
"""
from __future__ import annotations

import numpy as np


def anchors_per_location(n_ratios: int, layer: int, reduce_lowest: bool = True) -> int:
    return 3 if (reduce_lowest and layer == 0) else n_ratios + 1


def layer_boxes(k: int, scales: np.ndarray, ratios, reduce_lowest: bool) -> list[tuple[float, float]]:
    """The (width, height) of the anchors of one cell of map ``k`` (fractions of the image)."""
    if reduce_lowest and k == 0:
        pairs = [(0.1, 1.0), (scales[0], 2.0), (scales[0], 0.5)]
    else:
        pairs = [(scales[k], r) for r in ratios] + [(float(np.sqrt(scales[k] * scales[k + 1])), 1.0)]
    return [(s * np.sqrt(r), s / np.sqrt(r)) for s, r in pairs]


def ssd_anchors(feature_sizes, min_scale: float = 0.2, max_scale: float = 0.95,
                aspect_ratios=(1.0, 2.0, 0.5, 3.0, 1 / 3), reduce_lowest: bool = True) -> np.ndarray:
    """All anchors, (n, 4) as (x0, y0, x1, y1) in image fractions, in the order the heads
    output them: map by map, row by row, column by column, box by box.

    ``feature_sizes``: the side of each (square) feature map, finest first, e.g.
    ``(20, 10, 5, 3, 2, 1)`` for a 320 input. Boxes are not clipped to the image.
    """
    sizes = [int(s) for s in feature_sizes]
    if not sizes or any(s < 1 for s in sizes):
        raise ValueError(f"feature_sizes must be positive ints, finest first, got {feature_sizes!r}")
    if not 0 < min_scale <= max_scale:
        raise ValueError(f"need 0 < min_scale <= max_scale, got {min_scale}, {max_scale}")
    n = len(sizes)
    scales = np.array([min_scale + (max_scale - min_scale) * k / max(n - 1, 1) for k in range(n)] + [1.0])
    out = []
    for k, side in enumerate(sizes):
        wh = np.array(layer_boxes(k, scales, aspect_ratios, reduce_lowest))     # (a, 2)
        centres = (np.arange(side) + 0.5) / side
        cy, cx = np.meshgrid(centres, centres, indexing="ij")
        c = np.stack([cx.ravel(), cy.ravel()], axis=1)                           # (side*side, 2)
        c = np.repeat(c, len(wh), axis=0)
        half = np.tile(wh, (side * side, 1)) / 2
        out.append(np.c_[c - half, c + half])
    return np.concatenate(out)
