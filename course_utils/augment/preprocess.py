"""Getting an image ready for a network: input checks, resize/crop, normalisation conventions.

Every augmenter of the course accepts what a learner is likely to hold: a uint8 image of
any size, ``(H, W)`` grayscale, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA.
:func:`as_rgb_uint8` turns all of them into ``(H, W, 3)`` uint8 RGB (gray is repeated,
alpha is dropped) and rejects the rest with a ``ValueError`` that says what was expected.

Normalisation conventions (:data:`CONVENTIONS`):

* ``"imagenet"``: ``(x / 255 - mean) / std`` per channel with the ImageNet statistics,
  what ``torchvision.transforms.Normalize`` is given for torchvision's pretrained models;
* ``"minus1_1"``: ``x / 127.5 - 1``, what ``keras.applications.mobilenet.preprocess_input``
  (and ``mobilenet_v2``) do;
* ``"unit"``: ``x / 255``, i.e. ``[0, 1]`` (``ToTensor`` / ``ToDtype(scale=True)`` alone).
"""
from __future__ import annotations

import numbers

import cv2
import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
CONVENTIONS: tuple[str, ...] = ("imagenet", "minus1_1", "unit")


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)`` uint8 -> ``(H, W, 3)`` uint8 RGB.

    Gray is repeated on the three channels and an alpha channel is dropped. Anything
    else (other dtypes, a batch, a channels-first array) raises ``ValueError``.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image (values 0..255), got dtype {image.dtype}")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ValueError("expected one image of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) "
                         f"(channels last), got shape {image.shape}")
    if min(image.shape[:2]) < 1:
        raise ValueError(f"expected an image with at least one pixel, got shape {image.shape}")
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def as_rgb_batch(images) -> np.ndarray:
    """A batch ``(N, H, W[, C])`` or a list of same-size images -> ``(N, H, W, 3)`` uint8.

    Note: an ``(N, H, W)`` array is read as N gray images.
    """
    out = [as_rgb_uint8(im) for im in images]
    if not out:
        raise ValueError("expected at least one image, got an empty batch")
    if len({im.shape for im in out}) != 1:
        raise ValueError(f"images in a batch must share one size, got {sorted({im.shape for im in out})}")
    return np.stack(out)


def normalize(image: np.ndarray, convention: str) -> np.ndarray:
    """uint8 ``(..., H, W, 3)`` -> float32 of the same shape, in the given convention."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; expected one of {CONVENTIONS}")
    x = np.asarray(image)
    if x.dtype != np.uint8 or x.ndim < 3 or x.shape[-1] != 3:
        raise ValueError(f"expected uint8 RGB with channels last (..., 3), got {x.dtype} {x.shape}")
    x = x.astype(np.float32)
    if convention == "imagenet":
        return (x / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    if convention == "minus1_1":
        return x / 127.5 - 1.0
    return x / 255.0


def denormalize(x: np.ndarray, convention: str) -> np.ndarray:
    """Inverse of :func:`normalize`, back to uint8 (rounded and clipped)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; expected one of {CONVENTIONS}")
    x = np.asarray(x)
    if x.dtype.kind not in "uif" or x.ndim < 3 or x.shape[-1] != 3:
        raise ValueError(f"expected normalized numbers (..., H, W, 3), got {x.dtype} {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("expected finite values to denormalize, got NaN or inf (a diverged network's output?)")
    x = x.astype(np.float32)
    if convention == "imagenet":
        x = (x * IMAGENET_STD + IMAGENET_MEAN) * 255.0
    elif convention == "minus1_1":
        x = (x + 1.0) * 127.5
    else:
        x = x * 255.0
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _check_size(size) -> int:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be a positive number of pixels (an int), got {size!r}")
    return int(size)


def resize_shorter(image: np.ndarray, size: int) -> np.ndarray:
    """Resize so that the shorter side is ``size`` px, keeping the aspect ratio (INTER_AREA
    when shrinking, which averages instead of skipping pixels; bilinear when enlarging)."""
    image = as_rgb_uint8(image)
    _check_size(size)
    h, w = image.shape[:2]
    scale = size / min(h, w)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))  # cv2 wants (width, height)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, new, interpolation=interp)


def center_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central ``size x size`` square (the image must be at least that large)."""
    image = as_rgb_uint8(image)
    h, w = image.shape[:2]
    if not 1 <= size <= min(h, w):
        raise ValueError(f"crop size must be between 1 and the shorter side {min(h, w)}, got {size}")
    top, left = (h - size) // 2, (w - size) // 2
    return image[top:top + size, left:left + size]


def letterbox(image: np.ndarray, size: int, fill: int = 114) -> np.ndarray:
    """Fit the whole image in ``size x size`` keeping its aspect ratio, padding with ``fill``."""
    image = as_rgb_uint8(image)
    _check_size(size)
    if isinstance(fill, bool) or not isinstance(fill, numbers.Integral) or not 0 <= fill <= 255:
        raise ValueError(f"fill must be a grey level, an int in 0..255, got {fill!r}")
    h, w = image.shape[:2]
    scale = size / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.full((size, size, 3), fill, np.uint8)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    out[top:top + new_h, left:left + new_w] = small
    return out


def colour_spaces(image: np.ndarray) -> dict[str, np.ndarray]:
    """The image in RGB, BGR (OpenCV's order), gray, HSV and Lab, all uint8 as OpenCV returns them."""
    rgb = as_rgb_uint8(image)
    return {"RGB": rgb, "BGR": rgb[..., ::-1].copy(), "gray": cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY),
            "HSV": cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV), "Lab": cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)}
