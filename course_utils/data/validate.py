"""One check for image batches and one for labels, shared by lessons 06-08's code.

Augmentation, transfer learning and deployment all take the same two things: uint8 images
``(N, H, W, C)`` in 0..255 and integer labels ``(N,)`` in ``0..classes-1``. A wrong dtype is
the common slip (float images in [0, 1] look like almost-black uint8 images to a network
trained on 0..255), so it is refused with a message that says how to convert, never taken
silently. Plumbing-light: NumPy only.
"""
from __future__ import annotations

import numbers

import numpy as np


def check_images(images, *, name: str = "images", channels: tuple[int, ...] = (3,), batch: bool = True,
                 allow_empty: bool = False, min_size: int = 1) -> np.ndarray:
    """``images`` as a uint8 array ``(N, H, W, C)`` (``batch=False``: ``(H, W, C)``), or a ValueError.

    ``channels``: the allowed ``C``; ``allow_empty``: whether ``N = 0`` is fine; ``min_size``:
    the smallest ``H`` and ``W``. The array itself is returned (no copy).
    """
    shape_text = "(N, H, W, C)" if batch else "(H, W, C)"
    if not isinstance(images, np.ndarray):
        raise ValueError(f"{name} must be a NumPy uint8 array {shape_text}, got {type(images).__name__}")
    if images.dtype != np.uint8:
        hint = (" (floats in [0, 1]? convert with (x * 255).round().astype(np.uint8))"
                if images.dtype.kind == "f" else "")
        raise ValueError(f"{name} must be uint8 (values 0..255), got dtype {images.dtype}{hint}")
    if images.ndim != (4 if batch else 3) or images.shape[-1] not in channels:
        what = "a batch " if batch else "one image "
        raise ValueError(f"{name} must be {what}{shape_text} with C in {channels} (channels last), "
                         f"got shape {images.shape}")
    if batch and len(images) == 0 and not allow_empty:
        raise ValueError(f"{name} must hold at least one image, got an empty batch {images.shape}")
    if min(images.shape[-3:-1]) < min_size:
        raise ValueError(f"{name} must be at least {min_size}x{min_size} pixels, got shape {images.shape}")
    return images


def check_labels(labels, *, n: int | None = None, classes: int | None = None, name: str = "labels",
                 min_classes: int = 1) -> np.ndarray:
    """``labels`` as an int64 array ``(N,)`` of class indices, or a ValueError.

    ``n``: the number of images they label; ``classes``: indices must be in ``0..classes-1``
    (else only ``>= 0``); ``min_classes``: how many distinct classes must occur (2 for training
    a classifier). Floats are accepted only if they are whole numbers.
    """
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise ValueError(f"{name} must be a 1-D array of class indices, got {type(labels).__name__}")
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.dtype.kind not in "uif" or arr.dtype == bool:
        raise ValueError(f"{name} must be a 1-D array of integer class indices, got shape {arr.shape}, dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
        raise ValueError(f"{name} must be whole class indices 0, 1, 2, ...; got non-integer values "
                         f"(e.g. {arr[~(arr == np.round(arr))][:3].tolist()})")
    if n is not None and len(arr) != n:
        raise ValueError(f"expected one label per image: {n} images, got {len(arr)} {name}")
    arr = arr.astype(np.int64)
    top = f"0..{classes - 1}" if classes is not None else ">= 0"
    if len(arr) and (arr.min() < 0 or (classes is not None and arr.max() >= classes)):
        raise ValueError(f"{name} must be class indices in {top}, got values from {arr.min()} to {arr.max()}")
    if len(arr) == 0 and min_classes > 0:
        raise ValueError(f"{name} must hold at least one label, got none")
    if len(np.unique(arr)) < min_classes:
        raise ValueError(f"{name} must contain at least {min_classes} different classes to train a "
                         f"classifier, got {sorted(set(arr.tolist()))}")
    return arr


def check_count(value, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int in ``minimum..maximum`` (NumPy ints too, never bool), or a ValueError."""
    top = "" if maximum is None else f" and <= {maximum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum \
            or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an int >= {minimum}{top}, got {value!r}")
    return int(value)


__all__ = ["check_count", "check_images", "check_labels"]
