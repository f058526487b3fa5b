"""Figures used across the notebooks."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def show_images(images, titles: Sequence[str] | None = None, *, ncols: int = 8,
                size: float = 1.6, suptitle: str | None = None, cmap: str | None = None):
    """Show images in a grid and return the matplotlib figure.

    ``images``: a sequence of HxW or HxWx3/4 arrays, or one NxHxW(xC) array. uint8 images
    are shown as they are; float images must already lie in [0, 1].
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("show_images needs at least one image, got an empty sequence")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    for i, img in enumerate(images):
        img = np.asarray(img)
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] not in (1, 3, 4)):
            raise ValueError(f"image {i} has shape {img.shape}; expected HxW or HxWxC with C in 1, 3, 4")
    ncols = max(1, min(ncols, len(images)))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, img) in enumerate(zip(axes.flat, images)):
        img = np.asarray(img)
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        ax.imshow(img, cmap=cmap or ("gray" if img.ndim == 2 else None))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
