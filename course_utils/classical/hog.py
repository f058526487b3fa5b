"""Histogram of Oriented Gradients (Dalal & Triggs 2005), written out step by step.

The four steps are four small functions, so a notebook can show each one:

1. :func:`gradients`        centred differences ``[-1, 0, 1]`` along rows and columns;
2. :func:`cell_histograms`  each pixel votes its gradient magnitude into the orientation
                            bin of its (unsigned, 0-180 degree) gradient direction, per cell;
3. :func:`normalize_blocks` overlapping blocks of cells, each normalised (L2-Hys by default);
4. :func:`hog`              all of it, with the same parameters and output layout as
                            ``skimage.feature.hog`` for a grayscale image.

Equal to ``skimage.feature.hog`` (grayscale) to ``max |diff| < 1e-6`` (measured: about
1e-7; tested in ``tests/test_hog.py``): scikit-image adds each cell's votes in single
precision, we add them in double precision, so the last digits differ. Like scikit-image
(and unlike Dalal & Triggs or OpenCV) each pixel votes into exactly one orientation bin and
one cell: no interpolation between bins or cells, no Gaussian window.

"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


def _as_pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or any(int(v) != v or v < 1 for v in pair):
        raise ValueError(f"{name} must be a positive int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _as_gray(image) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {image.shape} "
                         "(convert colour images with skimage.color.rgb2gray first)")
    return image.astype(np.float64)


def gradients(image) -> tuple[np.ndarray, np.ndarray]:
    """``(g_row, g_col)``: centred differences ``I[r+1] - I[r-1]`` and ``I[c+1] - I[c-1]``.

    The one-pixel border has no centred difference and gets 0 (as in scikit-image).
    """
    image = _as_gray(image)
    g_row = np.zeros_like(image)
    g_col = np.zeros_like(image)
    g_row[1:-1, :] = image[2:, :] - image[:-2, :]
    g_col[:, 1:-1] = image[:, 2:] - image[:, :-2]
    return g_row, g_col


def magnitude_orientation(g_row: np.ndarray, g_col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient magnitude and *unsigned* orientation in degrees, in ``[0, 180)``."""
    magnitude = np.hypot(g_col, g_row)
    orientation = np.rad2deg(np.arctan2(g_row, g_col)) % 180
    return magnitude, orientation


def orientation_bin(orientation: np.ndarray, orientations: int = 9) -> np.ndarray:
    """Index of the bin ``[i*180/n, (i+1)*180/n)`` holding each angle (``-1`` for none).

    scikit-image compares against bin edges held in single precision, so we do too.
    """
    edges = np.array([np.float32(180.0 / orientations * i) for i in range(orientations + 1)],
                     dtype=np.float64)
    index = np.searchsorted(edges, orientation, side="right") - 1
    index[(orientation < edges[0]) | (orientation >= edges[-1])] = -1
    return index


def cell_histograms(image, orientations: int = 9, pixels_per_cell=(8, 8)) -> np.ndarray:
    """Per-cell orientation histograms, shape ``(n_cells_row, n_cells_col, orientations)``.

    Every pixel adds its gradient magnitude to the bin of its orientation in its cell;
    the sums are divided by the cell's pixel count (scikit-image does this too, so the
    ``eps`` of the block normalisation weighs the same for any cell size). Pixels beyond
    the last whole cell are ignored.
    """
    return histograms_from_gradients(*gradients(image), orientations, pixels_per_cell)


def histograms_from_gradients(g_row: np.ndarray, g_col: np.ndarray, orientations: int = 9,
                              pixels_per_cell=(8, 8)) -> np.ndarray:
    """:func:`cell_histograms` from gradients computed elsewhere."""
    c_row, c_col = _as_pair(pixels_per_cell, "pixels_per_cell")
    if orientations < 1:
        raise ValueError(f"orientations must be >= 1, got {orientations}")
    magnitude, orientation = magnitude_orientation(g_row, g_col)
    n_rows, n_cols = magnitude.shape[0] // c_row, magnitude.shape[1] // c_col
    # crop to whole cells and split the axes: (cell row, pixel row, cell col, pixel col)
    shape = (n_rows, c_row, n_cols, c_col)
    mag = magnitude[:n_rows * c_row, :n_cols * c_col].reshape(shape)
    bins = orientation_bin(orientation, orientations)[:n_rows * c_row, :n_cols * c_col].reshape(shape)
    hist = np.zeros((n_rows, n_cols, orientations))
    for o in range(orientations):
        hist[:, :, o] = np.where(bins == o, mag, 0.0).sum(axis=(1, 3))
    return hist / (c_row * c_col)  # the mean vote per pixel, as in scikit-image


def normalize_block(block: np.ndarray, method: str = "L2-Hys", eps: float = 1e-5) -> np.ndarray:
    """Normalise one block of cell histograms (any shape) as a single vector.

    ``L2-Hys`` = L2-normalise, clip every value at 0.2, L2-normalise again (Lowe's SIFT trick:
    one very strong edge cannot dominate the descriptor).
    """
    block = np.asarray(block, dtype=np.float64)
    if method == "L1":
        return block / (np.sum(np.abs(block)) + eps)
    if method == "L1-sqrt":
        return np.sqrt(block / (np.sum(np.abs(block)) + eps))
    if method == "L2":
        return block / np.sqrt(np.sum(block**2) + eps**2)
    if method == "L2-Hys":
        return l2hys_stages(block, eps=eps)[-1]
    raise ValueError(f"block_norm must be one of {BLOCK_NORMS}, got {method!r}")


def l2hys_stages(block: np.ndarray, clip: float = 0.2, eps: float = 1e-5):
    """The three stages of L2-Hys on one block, each the shape of ``block``.

    Returns ``(normalised, clipped, renormalised)``: divided by the L2 norm; every value
    clipped at ``clip``; divided by the L2 norm again. The last stage raises the clipped values
    back above ``clip`` (a block with one strong edge ends with a maximum well over 0.2).
    """
    if not clip > 0:
        raise ValueError(f"clip must be a positive number, got {clip!r}")
    block = np.asarray(block, dtype=np.float64)
    normalised = block / np.sqrt(np.sum(block**2) + eps**2)
    clipped = np.minimum(normalised, clip)
    return normalised, clipped, clipped / np.sqrt(np.sum(clipped**2) + eps**2)


def normalize_blocks(hist: np.ndarray, cells_per_block=(3, 3), method: str = "L2-Hys",
                     eps: float = 1e-5) -> np.ndarray:
    """All overlapping blocks (stride one cell), each normalised on its own.

    Returns shape ``(n_blocks_row, n_blocks_col, b_row, b_col, orientations)``: every cell
    appears in up to ``b_row * b_col`` blocks, each time with a different normalisation.
    """
    b_row, b_col = _as_pair(cells_per_block, "cells_per_block")
    n_blocks_row = hist.shape[0] - b_row + 1
    n_blocks_col = hist.shape[1] - b_col + 1
    if n_blocks_row <= 0 or n_blocks_col <= 0:
        raise ValueError(f"{hist.shape[0]}x{hist.shape[1]} cells are too few for blocks of "
                         f"{b_row}x{b_col} cells: use a larger image or smaller cells/blocks")
    if method not in BLOCK_NORMS:
        raise ValueError(f"block_norm must be one of {BLOCK_NORMS}, got {method!r}")
    # every block at once: a (n_blocks_row, n_blocks_col, b_row, b_col, orientations) view
    blocks = sliding_window_view(hist, (b_row, b_col), axis=(0, 1)).transpose(0, 1, 3, 4, 2)
    # normalize_block() applied to each block, vectorised over the blocks

    def total(values):
        return values.sum(axis=(2, 3, 4), keepdims=True)

    if method == "L1":
        return blocks / (total(np.abs(blocks)) + eps)
    if method == "L1-sqrt":
        return np.sqrt(blocks / (total(np.abs(blocks)) + eps))
    out = blocks / np.sqrt(total(blocks**2) + eps**2)
    if method == "L2-Hys":
        out = np.minimum(out, 0.2)
        out = out / np.sqrt(total(out**2) + eps**2)
    return out


def hog(image, orientations: int = 9, pixels_per_cell=(8, 8), cells_per_block=(3, 3),
        block_norm: str = "L2-Hys", transform_sqrt: bool = False,
        feature_vector: bool = True) -> np.ndarray:
    """HOG descriptor of a grayscale image; same signature and output as skimage's ``hog``."""
    image = _as_gray(image)
    if transform_sqrt:
        if (image < 0).any():
            raise ValueError("transform_sqrt needs a non-negative image")
        image = np.sqrt(image)
    hist = cell_histograms(image, orientations, pixels_per_cell)
    blocks = normalize_blocks(hist, cells_per_block, block_norm)
    return blocks.ravel() if feature_vector else blocks


def hog_features(images, **params) -> np.ndarray:
    """``(n_images, n_features)``: :func:`hog` of every image of a stack (same size each)."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"expected a stack of grayscale images (N, H, W), got shape {images.shape}")
    return np.stack([hog(img, **params) for img in images])


def feature_length(image_shape: tuple[int, int], orientations: int = 9, pixels_per_cell=(8, 8),
                   cells_per_block=(3, 3)) -> int:
    """Length of the HOG vector for an image of ``image_shape`` (without computing it)."""
    c_row, c_col = _as_pair(pixels_per_cell, "pixels_per_cell")
    b_row, b_col = _as_pair(cells_per_block, "cells_per_block")
    n_br = image_shape[0] // c_row - b_row + 1
    n_bc = image_shape[1] // c_col - b_col + 1
    return max(n_br, 0) * max(n_bc, 0) * b_row * b_col * orientations


def opencv_hog(image, orientations: int = 9, pixels_per_cell: int = 8, cells_per_block: int = 2,
               **kwargs) -> np.ndarray:
    """OpenCV's ``cv2.HOGDescriptor`` over the whole (uint8 grayscale) image, as a 1-D vector.

    The window is the image cropped to whole cells. OpenCV interpolates votes between
    orientation bins and neighbouring cells (trilinear) and weights each block with a
    Gaussian window, so its values differ from :func:`hog`; its block layout differs too
    (column-major block order, cells inside a block column-major).
    """
    import cv2

    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {image.shape}")
    if image.dtype != np.uint8:
        image = np.clip(np.round(image * (255 if image.max() <= 1 else 1)), 0, 255).astype(np.uint8)
    cell = int(pixels_per_cell)
    h, w = (image.shape[0] // cell) * cell, (image.shape[1] // cell) * cell
    block = cell * int(cells_per_block)
    descriptor = cv2.HOGDescriptor((w, h), (block, block), (cell, cell), (cell, cell),
                                   int(orientations), **kwargs)
    return descriptor.compute(np.ascontiguousarray(image[:h, :w])).ravel()


def opencv_blocks(descriptor: np.ndarray, image_shape: tuple[int, int], orientations: int = 9,
                  pixels_per_cell: int = 8, cells_per_block: int = 2) -> np.ndarray:
    """An :func:`opencv_hog` vector rearranged into :func:`hog`'s block layout
    ``(n_blocks_row, n_blocks_col, b, b, orientations)``.

    OpenCV walks the blocks column by column, and the cells inside a block column by
    column too; scikit-image walks both row by row.
    """
    b = int(cells_per_block)
    n_br = image_shape[0] // pixels_per_cell - b + 1
    n_bc = image_shape[1] // pixels_per_cell - b + 1
    blocks = np.asarray(descriptor).reshape(n_bc, n_br, b, b, orientations)
    return blocks.transpose(1, 0, 3, 2, 4)
