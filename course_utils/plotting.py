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


def draw_inverted_residual(c_in: int = 24, t: int = 6, c_out: int = 24, stride: int = 1, ax=None):
    """Draw MobileNet v2's inverted residual block; each tensor's width is proportional to its channels.

    Narrow bottleneck -> 1x1 expand (ReLU6) -> wide -> 3x3 depthwise (ReLU6) -> wide -> 1x1
    project (linear) -> narrow bottleneck; the skip connection appears only when
    ``stride == 1 and c_in == c_out``. Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    if min(c_in, t, c_out) < 1 or stride not in (1, 2):
        raise ValueError(f"need c_in, t, c_out >= 1 and stride 1 or 2, got {c_in}, {t}, {c_out}, {stride}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    hidden = t * c_in
    tensors = [(f"input\n{c_in} ch", c_in, "#9ecae1"), (f"expanded\n{hidden} ch", hidden, "#fdae6b"),
               (f"after depthwise\n{hidden} ch" + ("\n(H/2 x W/2)" if stride == 2 else ""), hidden, "#fdae6b"),
               (f"output\n{c_out} ch", c_out, "#9ecae1")]
    ops = ["1x1 conv\nBN, ReLU6", f"3x3 depthwise\nstride {stride}\nBN, ReLU6", "1x1 conv\nBN, linear"]
    scale = 2.4 / max(hidden, c_in, c_out)
    xs = [0, 3, 6, 9]
    for x, (label, c, colour) in zip(xs, tensors):
        h = max(0.15, c * scale)
        ax.add_patch(Rectangle((x - 0.35, -h / 2), 0.7, h, facecolor=colour, edgecolor="black"))
        ax.text(x, -1.45, label, ha="center", va="top", fontsize=8)
    for x0, x1, op in zip(xs, xs[1:], ops):
        ax.add_patch(FancyArrowPatch((x0 + 0.4, 0), (x1 - 0.4, 0), arrowstyle="-|>", mutation_scale=12))
        ax.text((x0 + x1) / 2, 0.12, op, ha="center", va="bottom", fontsize=8)
    if stride == 1 and c_in == c_out:
        ax.add_patch(FancyArrowPatch((0, 1.35), (9, 1.35), connectionstyle="arc3,rad=-0.15",
                                     arrowstyle="-|>", mutation_scale=12, linestyle="--"))
        ax.text(4.5, 2.3, "skip connection: output = input + block(input)", ha="center", fontsize=8)
    ax.set(xlim=(-1, 10), ylim=(-2.4, 2.7),
           title=f"Inverted residual block (t = {t}, {c_in} -> {c_out} channels, stride {stride})")
    ax.axis("off")
    return ax
