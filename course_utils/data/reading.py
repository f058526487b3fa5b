"""Read one image file of any common format as uint8 RGB (used by :mod:`.folders`).

Conversion rules, the same for every file so that pixel values mean the same thing:

* grayscale is repeated into three channels; palettes are expanded;
* alpha (RGBA, LA, transparent palettes) is composited onto white;
* 16-bit images (PNG/TIFF modes ``I;16*`` and ``I``) map the full 16-bit range onto
  8 bits by a fixed rule, ``round(v / 257)`` (65535 -> 255, 257 -> 1, 300 -> 1), never by
  the image's own maximum, so a dark 16-bit image stays dark;
* anything Pillow cannot decode, including a ``DecompressionBombError`` (an image with
  more pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` allows), is a ``ValueError`` naming the
  file, so that a loader can skip it.
"""
from __future__ import annotations

import os

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I")


def _sixteen_to_eight(arr: np.ndarray) -> np.ndarray:
    """16-bit values to uint8 by the fixed rule ``round(v / 257)``, clipped to [0, 255]."""
    return np.clip(np.rint(arr.astype(np.float64) / 257.0), 0, 255).astype(np.uint8)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """One image file as uint8 RGB ``(H, W, 3)`` (see the module docstring for the rules).

    Raises ``ValueError`` naming ``path`` if the file cannot be read as an image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                img = Image.alpha_composite(white, rgba)
            if img.mode in _SIXTEEN_BIT:
                gray = _sixteen_to_eight(np.asarray(img))
                return np.repeat(gray[..., None], 3, -1)
            return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError, EOFError) as err:
        raise ValueError(f"{path} is not a readable image ({type(err).__name__}: {err})") from err
