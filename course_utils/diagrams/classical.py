"""Diagrams of the classical detectors (lessons 01 and 02), drawn with matplotlib patches.

* :func:`draw_hog_layout` - a detection window cut into cells, one orientation histogram per
  cell, and two overlapping blocks of cells one block stride apart (Dalal & Triggs 2005).
* :func:`draw_cascade` - the attentional cascade (Viola & Jones 2001): stages in a row, each
  passing its survivors on and rejecting the rest, with window counts taken from arguments.

Each function takes an optional ``ax`` and returns the ``Axes`` it drew on. Patches carry a
``gid`` ("cell", "bar", "block", "stage", "pass", "reject") so tests can count them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def draw_hog_layout(n_cells=(5, 5), cell_px: int = 5, cells_per_block: int = 2, block_stride: int = 1,
                    orientations: int = 9, histograms=None, ax=None):
    """Draw a HOG window: a grid of cells, a histogram in each, and two overlapping blocks.

    Parameters
    ----------
    n_cells : (rows, cols) of cells in the window, e.g. ``(5, 5)`` for a 25x25 face at 5-px cells.
    cell_px : cell side in pixels (only used in the labels).
    cells_per_block : block side in cells (square blocks, as in Dalal & Triggs' 2x2).
    block_stride : cells between neighbouring blocks (1 = blocks overlap by all but one cell column).
    orientations : histogram bins per cell.
    histograms : optional array ``(rows, cols, orientations)`` to draw (e.g. ``hog.cell_histograms``
        of a real window); default: a fixed made-up pattern.

    Returns
    -------
    The matplotlib ``Axes``. It holds ``rows * cols`` cell rectangles, ``rows * cols * orientations``
    bars and two block outlines (one if only one block fits).
    """
    from matplotlib.patches import Rectangle

    rows, cols = (_positive_int(n, "n_cells") for n in n_cells)
    b = _positive_int(cells_per_block, "cells_per_block")
    stride = _positive_int(block_stride, "block_stride")
    orientations = _positive_int(orientations, "orientations")
    _positive_int(cell_px, "cell_px")
    if b > min(rows, cols):
        raise ValueError(f"a block of {b}x{b} cells does not fit in {rows}x{cols} cells")
    if histograms is None:  # a made-up pattern: each cell prefers one direction
        k = np.arange(orientations)
        pref = (np.add.outer(np.arange(rows), 2 * np.arange(cols)) % orientations)[..., None]
        histograms = 0.2 + np.exp(-0.5 * ((k - pref) % orientations) ** 2)
    histograms = np.asarray(histograms, dtype=float)
    if histograms.shape != (rows, cols, orientations):
        raise ValueError(f"histograms must have shape {(rows, cols, orientations)}, got {histograms.shape}")
    ax = _axes(ax, (1.1 * cols + 2.5, 1.1 * rows + 0.8))
    top = histograms.max() or 1.0
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor="#f4f4f4", edgecolor="grey", gid="cell"))
            width = 0.8 / orientations
            for o, h in enumerate(histograms[r, c]):
                ax.add_patch(Rectangle((c + 0.1 + o * width, r + 0.9), width * 0.85, -0.75 * h / top,
                                       facecolor="#3182bd", gid="bar"))
    n_blocks = ((rows - b) // stride + 1, (cols - b) // stride + 1)
    origins = [(0, 0)] + ([(0, stride)] if n_blocks[1] > 1 else [])
    for (r0, c0), colour, style in zip(origins, ("#d62728", "#ff7f0e"), ("-", "--")):
        ax.add_patch(Rectangle((c0 + 0.04, r0 + 0.04), b - 0.08, b - 0.08, fill=False, edgecolor=colour,
                               lw=2.5, ls=style, gid="block"))
    ax.text(cols + 0.15, 0.5, f"block 1 ({b}x{b} cells)", color="#d62728", va="center", fontsize=9)
    if len(origins) > 1:
        ax.text(cols + 0.15, 1.2, f"block 2: {stride} cell(s) right", color="#ff7f0e", va="center", fontsize=9)
    ax.text(cols + 0.15, 2.0, f"{n_blocks[0]}x{n_blocks[1]} blocks\nx {b * b} cells x {orientations} bins\n"
            f"= {n_blocks[0] * n_blocks[1] * b * b * orientations} numbers", va="top", fontsize=9)
    ax.set(xlim=(-0.1, cols + 2.4), ylim=(rows + 0.1, -0.1), aspect="equal",
           title=f"HOG layout: {rows}x{cols} cells of {cell_px}x{cell_px} px, one {orientations}-bin "
                 f"histogram each")
    ax.axis("off")
    return ax


def draw_cascade(stage_stumps: Sequence[int], windows: Sequence[int], ax=None):
    """Draw an attentional cascade with the number of windows passed on and rejected by each stage.

    Parameters
    ----------
    stage_stumps : weak classifiers (stumps) in each stage, length ``n_stages``, e.g. ``(2, 3, 5, 10, 20)``.
    windows : window counts, length ``n_stages + 1``: ``windows[0]`` enter stage 1, ``windows[k]``
        survive stage ``k``; non-increasing, non-negative ints.

    Returns
    -------
    The matplotlib ``Axes``: ``n_stages`` stage boxes, ``n_stages`` "pass" arrows (the last one to
    "accepted") and ``n_stages`` "reject" arrows.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    stumps = [_positive_int(s, "stage_stumps") for s in stage_stumps]
    if not stumps:
        raise ValueError("stage_stumps must list at least one stage")
    counts = [int(w) for w in windows]
    if len(counts) != len(stumps) + 1:
        raise ValueError(f"windows needs {len(stumps) + 1} counts (entering stage 1, then after each of "
                         f"{len(stumps)} stages), got {len(counts)}")
    if any(w < 0 for w in counts) or any(a < b for a, b in zip(counts, counts[1:])):
        raise ValueError(f"windows must be non-negative and never grow from stage to stage, got {counts}")
    n = len(stumps)
    ax = _axes(ax, (2.1 * n + 3.0, 3.2))
    ax.text(-1.4, 0, f"{counts[0]:,}\nwindows", ha="right", va="center", fontsize=9)
    for k, s in enumerate(stumps):
        x = 2.0 * k
        ax.add_patch(FancyBboxPatch((x - 0.55, -0.4), 1.1, 0.8, boxstyle="round,pad=0.05",
                                    facecolor="#c6dbef", edgecolor="black", gid="stage"))
        ax.text(x, 0, f"stage {k + 1}\n{s} stump{'s' * (s > 1)}", ha="center", va="center", fontsize=8)
        start = (x - 1.45, 0) if k else (-1.35, 0)
        if k:  # the arrow into this stage carries the previous stage's survivors
            ax.text(x - 1.0, 0.12, f"{counts[k]:,}", ha="center", va="bottom", fontsize=8)
        ax.add_patch(FancyArrowPatch(start, (x - 0.62, 0), arrowstyle="-|>", mutation_scale=11,
                                     gid="pass" if k else "input"))
        ax.add_patch(FancyArrowPatch((x, -0.47), (x, -1.25), arrowstyle="-|>", mutation_scale=11,
                                     color="#d62728", gid="reject"))
        ax.text(x + 0.08, -1.05, f"rejected\n{counts[k] - counts[k + 1]:,}", color="#d62728",
                ha="left", va="center", fontsize=8)
    end = 2.0 * (n - 1)
    ax.add_patch(FancyArrowPatch((end + 0.62, 0), (end + 1.45, 0), arrowstyle="-|>", mutation_scale=11,
                                 color="#2ca02c", gid="pass"))
    ax.text(end + 1.55, 0, f"accepted\n{counts[-1]:,}", color="#2ca02c", va="center", fontsize=9)
    ax.set(xlim=(-2.6, end + 2.6), ylim=(-1.7, 0.9), title="Attentional cascade: every stage may reject a window")
    ax.axis("off")
    return ax


__all__ = ["draw_cascade", "draw_hog_layout"]
