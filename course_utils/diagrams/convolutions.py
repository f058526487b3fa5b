"""Convolutions drawn as boxes: standard vs depthwise vs pointwise, and the MobileNet blocks.

Every square of a drawing is a matplotlib patch whose ``gid`` says what it is ("input",
"kernel", "output", "layer"), so a test can count them: a standard convolution with ``M``
input and ``N`` output channels draws ``M`` input slices, ``N`` kernels of ``M`` slices each
(``N * M`` kernel squares) and ``N`` output slices. Colours follow the input channels, so a
depthwise kernel visibly touches one channel and a standard or pointwise kernel all of them
(Howard et al. 2017, Figure 2, redrawn).
"""
from __future__ import annotations

from ..plotting import draw_inverted_residual

KINDS = ("standard", "depthwise", "pointwise")
MAX_CHANNELS = 12  # more slices than this stop being readable
OUTPUT_COLOUR = "#bdbdbd"


def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _stack(ax, x: float, y: float, side: float, colours, gid: str, step: float) -> float:
    """Squares of ``side`` drawn back to front, each shifted by ``step`` up and right: a tensor
    of ``len(colours)`` channels seen from the front. Returns the x of its right edge."""
    from matplotlib.patches import Rectangle

    for i, colour in reversed(list(enumerate(colours))):
        square = Rectangle((x + i * step, y + i * step), side, side, facecolor=colour,
                           edgecolor="black", lw=0.6)
        square.set_gid(gid)
        ax.add_patch(square)
    return x + side + step * (len(colours) - 1)


def _row(ax, x: float, y: float, side: float, colours, gid: str) -> None:
    """A kernel: one square per input channel it reads, side by side."""
    from matplotlib.patches import Rectangle

    for i, colour in enumerate(colours):
        square = Rectangle((x + i * side, y), side, side, facecolor=colour, edgecolor="black", lw=0.6)
        square.set_gid(gid)
        ax.add_patch(square)


def _check(kind: str, c_in: int, c_out: int, k: int) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for name, value in (("c_in", c_in), ("c_out", c_out)):
        if not (isinstance(value, int) and 1 <= value <= MAX_CHANNELS):
            raise ValueError(f"{name} must be an int from 1 to {MAX_CHANNELS}, got {value!r}")
    if not (isinstance(k, int) and k >= 1 and k % 2 == 1):
        raise ValueError(f"k must be an odd int >= 1 (the kernel's side), got {k!r}")


def draw_convolution(kind: str = "standard", c_in: int = 3, c_out: int = 4, k: int = 3, ax=None):
    """Draw one convolution: input slices, the kernels (one column each) and the output slices.

    ``kind``: "standard" (``c_out`` kernels of k x k x ``c_in``), "depthwise" (``c_in`` kernels
    of k x k x 1; the output has ``c_in`` channels, ``c_out`` is ignored) or "pointwise"
    (``c_out`` kernels of 1 x 1 x ``c_in``; ``k`` is ignored). Channels 1..12. The title gives
    the MACs per output position. Returns the matplotlib Axes.
    """
    _check(kind, c_in, c_out, k)
    import matplotlib.pyplot as plt

    ax = _new_axes(ax, (4.2, 3.6))
    colours = [plt.cm.tab10(i % 10) for i in range(c_in)]
    side = 0.45 if kind == "pointwise" else 0.3 + 0.1 * k   # a 1x1 kernel is drawn smallest
    kernels, n_out = (c_in, c_in) if kind == "depthwise" else (c_out, c_out)
    width = side * (1 if kind == "depthwise" else c_in)        # a kernel's row of slices
    height = kernels * (side + 0.3)
    y_tensor = height / 2 - 1.2
    x_kernel = _stack(ax, 0, y_tensor, 2.4, colours, "input", 0.3) + 1.0
    for j in range(kernels):
        _row(ax, x_kernel, height - (j + 1) * (side + 0.3), side,
             [colours[j]] if kind == "depthwise" else colours, "kernel")
    out_colours = colours if kind == "depthwise" else [OUTPUT_COLOUR] * n_out
    x_out = x_kernel + width + 1.0
    right = _stack(ax, x_out, y_tensor, 2.4, out_colours, "output", 0.3)
    shape = {"standard": f"{k}×{k}×{c_in}", "depthwise": f"{k}×{k}×1", "pointwise": f"1×1×{c_in}"}[kind]
    macs = {"standard": f"{k}·{k}·{c_in}·{c_out}", "depthwise": f"{k}·{k}·{c_in}",
            "pointwise": f"{c_in}·{c_out}"}[kind]
    low = min(y_tensor, 0) - 0.3
    ax.text(1.2, low, f"input\n{c_in} channels", ha="center", va="top", fontsize=8)
    ax.text(x_kernel + width / 2, low, f"{kernels} kernels\n{shape}", ha="center", va="top", fontsize=8)
    ax.text(x_out + 1.2, low, f"output\n{n_out} channels", ha="center", va="top", fontsize=8)
    ax.set_title(f"{kind}: {macs} MACs per output position", fontsize=9)
    ax.set_xlim(-0.3, right + 0.3)
    ax.set_ylim(low - 1.0, max(height, y_tensor + 2.4 + 0.3 * c_in) + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_convolution_kinds(c_in: int = 3, c_out: int = 4, k: int = 3, axes=None):
    """Standard, depthwise and pointwise convolution side by side (three Axes, returned)."""
    import matplotlib.pyplot as plt

    _check("standard", c_in, c_out, k)
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.0))
    if len(axes) != 3:
        raise ValueError(f"need three axes, got {len(axes)}")
    for kind, ax in zip(KINDS, axes):
        draw_convolution(kind, c_in, c_out, k, ax=ax)
    return axes


def _flow(ax, y: float, labels, colours, x0: float = 0.0) -> float:
    """A row of labelled boxes joined by arrows; returns the x where the row ends."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    x = x0
    for i, (label, colour) in enumerate(zip(labels, colours)):
        box = FancyBboxPatch((x, y - 0.35), 1.7, 0.7, boxstyle="round,pad=0.05",
                             facecolor=colour, edgecolor="black", lw=0.8)
        box.set_gid("layer")
        ax.add_patch(box)
        ax.text(x + 0.85, y, label, ha="center", va="center", fontsize=8)
        if i < len(labels) - 1:
            ax.add_patch(FancyArrowPatch((x + 1.75, y), (x + 2.2, y), arrowstyle="-|>", mutation_scale=10))
        x += 2.25
    return x


def draw_separable_block(c_in: int = 32, c_out: int = 64, stride: int = 1, activation: str = "ReLU6",
                         ax=None):
    """MobileNet v1's block under a standard layer (Howard et al. 2017, Figure 3): top row
    3x3 conv -> BN -> act; bottom row 3x3 depthwise (carries the stride) -> BN -> act -> 1x1
    conv (``c_in`` -> ``c_out``) -> BN -> act. Nine boxes with gid "layer". Returns the Axes."""
    if min(c_in, c_out) < 1 or stride not in (1, 2):
        raise ValueError(f"need c_in, c_out >= 1 and stride 1 or 2, got {c_in}, {c_out}, {stride}")
    ax = _new_axes(ax, (11, 2.6))
    conv, bn, act = "#9ecae1", "#e0e0e0", "#fdd0a2"
    _flow(ax, 1.6, [f"3×3 conv\n{c_in}→{c_out}, s{stride}", "BatchNorm", activation], [conv, bn, act])
    _flow(ax, 0.0, [f"3×3 depthwise\n{c_in} ch, s{stride}", "BatchNorm", activation,
                    f"1×1 conv\n{c_in}→{c_out}", "BatchNorm", activation],
          ["#a1d99b", bn, act, conv, bn, act])
    ax.text(-0.3, 1.6, "standard", ha="right", va="center", fontsize=9)
    ax.text(-0.3, 0.0, "depthwise\nseparable", ha="right", va="center", fontsize=9)
    ax.set(xlim=(-2.2, 13.6), ylim=(-0.7, 2.3))
    ax.set_title(f"A standard 3×3 layer and the MobileNet v1 block that replaces it ({c_in} → {c_out} channels)",
                 fontsize=9)
    ax.axis("off")
    return ax


__all__ = ["draw_convolution", "draw_convolution_kinds", "draw_inverted_residual", "draw_separable_block"]
