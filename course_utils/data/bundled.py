"""Real images that ship with the installed libraries: no network, ever.

* photos and textures bundled with scikit-image (``skimage.data``);
* ``lfw_subset``: 100 face and 100 non-face 25x25 crops from Labeled Faces in the Wild;
* OpenCV's Haar cascade files (OpenCV 4.x only: the 5.x wheel no longer ships them).

Only images that scikit-image stores inside its own package are listed here: others
(``eagle``, ``skin``, ``lily``...) are fetched from the web on first use, so they are not.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

# name -> what it shows. All are uint8 RGB (H, W, 3).
PHOTOS = {
    "astronaut": "Eileen Collins, one face, 512x512",
    "chelsea": "Chelsea the cat, 300x451",
    "coffee": "a cup of coffee, 400x600",
    "rocket": "a rocket on the launch pad, 427x640",
    "hubble_deep_field": "galaxies, 872x1000",
    "immunohistochemistry": "stained tissue, 512x512",
    "colorwheel": "a colour wheel, 370x371",
}
# Photos kept apart from PHOTOS (the hand-pose test backgrounds) for augmentation by
# background replacement (lesson 06): training on crops of the test photos would be a leak.
# name -> what it shows; background_photo() returns uint8 RGB (H, W, 3).
BACKGROUND_PHOTOS = {
    "motorcycle_left": "a motorcycle in a workshop (left view of a stereo pair), 500x741",
    "motorcycle_right": "the same scene from the right camera, 500x741",
    "retina": "a retina, fundus photograph, 1411x1411",
    "logo": "the scikit-image logo on white, 500x500",
}
# name -> what it shows. All are uint8 grayscale (H, W).
TEXTURES = {
    "brick": "a brick wall", "grass": "grass", "gravel": "gravel",
    "camera": "the cameraman (a classic test photo)", "moon": "the lunar surface",
    "coins": "coins on a table", "text": "printed text", "page": "a scanned page",
    "clock": "a clock, with motion blur",
}


def _load(name: str) -> np.ndarray:
    import skimage.data

    return getattr(skimage.data, name)()


def photo(name: str) -> np.ndarray:
    """One of :data:`PHOTOS` as a uint8 RGB array."""
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; expected one of {sorted(PHOTOS)}")
    img = _load(name)
    return img[..., :3] if img.ndim == 3 else np.stack([img] * 3, axis=-1)


def background_photo(name: str) -> np.ndarray:
    """One of :data:`BACKGROUND_PHOTOS` as a uint8 RGB array (the logo composited on white)."""
    if name not in BACKGROUND_PHOTOS:
        raise ValueError(f"unknown background photo {name!r}; expected one of {sorted(BACKGROUND_PHOTOS)}")
    if name.startswith("motorcycle_"):
        import skimage.data

        left, right, _ = skimage.data.stereo_motorcycle()
        return left if name.endswith("left") else right
    img = _load(name)
    if img.shape[-1] == 4:  # RGBA: put it on white, as a page would show it
        alpha = img[..., 3:].astype(np.float32) / 255
        img = (img[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    return img


def texture(name: str) -> np.ndarray:
    """One of :data:`TEXTURES` as a uint8 grayscale array."""
    if name not in TEXTURES:
        raise ValueError(f"unknown texture {name!r}; expected one of {sorted(TEXTURES)}")
    return _load(name)


def lfw_subset() -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)``: 200 float 25x25 grayscale crops in [0, 1]; label 1 = face.

    scikit-image stores the 100 faces first, then the 100 non-faces.
    """
    images = _load("lfw_subset")
    labels = np.r_[np.ones(100, dtype=np.int64), np.zeros(100, dtype=np.int64)]
    return images, labels


def haar_cascade_path(name: str = "frontalface_default") -> Path:
    """Path of one of OpenCV's shipped Haar cascades, e.g. ``"frontalface_default"``, ``"eye"``."""
    import cv2

    if not hasattr(cv2, "data"):
        raise RuntimeError("this OpenCV build ships no Haar cascades (OpenCV 5.x?); "
                           "the course pins opencv-python 4.14: run `make install`")
    folder = Path(cv2.data.haarcascades)
    path = folder / f"haarcascade_{name.removeprefix('haarcascade_').removesuffix('.xml')}.xml"
    if not path.exists():
        names = sorted(p.stem.removeprefix("haarcascade_") for p in folder.glob("haarcascade_*.xml"))
        raise ValueError(f"no Haar cascade named {name!r}; expected one of {names}")
    return path
