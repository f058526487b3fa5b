"""Procedural rock / paper / scissors hand poses: the course's embedded image dataset.

Every image is drawn from a small 2-D hand model (palm, thumb, four fingers of three
rounded segments, wrist and forearm entering from an image edge) with OpenCV, at twice
the output resolution, then shrunk with ``INTER_AREA`` for smooth edges. What varies:
skin tone, hand size, finger lengths, widths and spread, left/right hand, rotation,
position, lighting (a gradient across the scene and rounded shading per finger), a soft
drop shadow, blur and sensor noise.

Backgrounds (``background=``):

* ``"plain"``   near-uniform light neutral, like studio shots of real hands;
* ``"color"``   random solid colours or two-colour gradients;
* ``"texture"`` random crops of scikit-image's bundled textures (brick, grass, gravel...);
* ``"photo"``   random crops of scikit-image's bundled photos (astronaut, coffee...).

The last two exist for the domain-shift lesson: train on ``"plain"``, test on these.

>>> images, labels, names = make_hands(6, size=64, seed=0)
>>> images.shape, images.dtype, names
((6, 64, 64, 3), dtype('uint8'), ('paper', 'rock', 'scissors'))

Label ``k`` is ``CLASSES[k]``, in alphabetical order, so the labels agree with
:func:`course_utils.data.folders.load_folder` on a folder written by :func:`write_folder`.
``make_hands(..., return_masks=True)`` also returns the true foreground mask of every
hand (for scoring segmentation, e.g. GrabCut). The hand model itself (parts, which
fingers each pose extends, drawing) lives in :mod:`course_utils.data.handdraw`.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .handdraw import EXTENDED, FINGERS, _render_hand, upright_pose  # noqa: F401 (re-exported)
from ..seeding import check_seed
from .atomic import folder_mode
from .scratch import remove_stale, scratch_pattern, scratch_prefix

# Alphabetical, like the folder order of torchvision's ImageFolder and Keras'
# image_dataset_from_directory: label k means the same pose here and in load_folder().
CLASSES: tuple[str, ...] = ("paper", "rock", "scissors")
BACKGROUNDS: tuple[str, ...] = ("plain", "color", "texture", "photo")
MIN_SIZE = 32
MAX_SIZE = 1024   # 0.4 s per hand here; 10000 px took minutes per hand (drawing is quadratic)

# Realistic human skin tones (sRGB), light to dark; a hand's tone is drawn between two
# neighbours of this list, then jittered a little.
SKIN_TONES = np.array([
    (255, 224, 196), (241, 206, 180), (234, 192, 160), (224, 172, 135), (210, 160, 120),
    (198, 134, 96), (170, 112, 78), (141, 85, 54), (115, 70, 45), (92, 56, 38), (70, 44, 32),
], dtype=np.float32)


def _check_args(n: int, size: int, background: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int (number of images), got {n!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_SIZE:
        raise ValueError(f"size must be an int >= {MIN_SIZE} (pixels per side), got {size!r}")
    if size > MAX_SIZE:
        raise ValueError(f"size must be at most {MAX_SIZE} pixels per side (drawing time grows with its "
                         f"square: 0.4 s per hand at 1024), got {size!r}; resize afterwards if you need more")
    if background not in BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}; expected one of {BACKGROUNDS}")


def _check_photos(photos) -> tuple[str, ...] | None:
    """``None`` (every bundled photo) or a non-empty tuple of names from ``bundled.PHOTOS``."""
    if photos is None:
        return None
    from .bundled import PHOTOS

    if isinstance(photos, str) or not photos or any(p not in PHOTOS for p in photos):
        raise ValueError(f"photos must be None or a non-empty sequence of names from {sorted(PHOTOS)}, got {photos!r}")
    return tuple(photos)


# ----------------------------------------------------------------------------- backgrounds
@lru_cache(maxsize=None)
def _bundled(kind: str, name: str) -> np.ndarray:
    """A bundled photo (RGB) or texture (grayscale) as float32, loaded once per process.

    A read-only cache of files on disk: it never changes what :func:`make_hands` returns.
    """
    from . import bundled

    img = bundled.photo(name) if kind == "photo" else bundled.texture(name)
    out = img.astype(np.float32)
    out.setflags(write=False)
    return out


def _gradient(w: int, rng: np.random.Generator) -> np.ndarray:
    """A (w, w) ramp in [-0.5, 0.5] along a random direction."""
    a = rng.uniform(0, 2 * np.pi)
    t = np.linspace(-0.5, 0.5, w, dtype=np.float32)
    return np.cos(a) * t[None, :] + np.sin(a) * t[:, None]


def _random_crop(src: np.ndarray, w: int, rng: np.random.Generator) -> np.ndarray:
    h0, w0 = src.shape[:2]
    side = int(min(h0, w0) * rng.uniform(0.25, 0.75))
    y = int(rng.integers(0, h0 - side + 1))
    x = int(rng.integers(0, w0 - side + 1))
    crop = cv2.resize(src[y:y + side, x:x + side], (w, w), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return crop


def _background(kind: str, w: int, rng: np.random.Generator, photos: tuple[str, ...] | None = None) -> np.ndarray:
    """A (w, w, 3) float32 background in [0, 255]; ``photos``: the photo names to draw from (default all)."""
    if kind == "plain":
        level = rng.uniform(195, 250)
        tint = rng.uniform(-7, 7, size=3)
        ramp = _gradient(w, rng) * rng.uniform(0, 25)
        return np.clip(level + tint[None, None, :] + ramp[..., None], 0, 255).astype(np.float32)
    if kind == "color":
        c1 = rng.uniform(0, 255, size=3)
        c2 = c1 if rng.random() < 0.5 else rng.uniform(0, 255, size=3)
        t = _gradient(w, rng)[..., None] + 0.5
        return (c1 * (1 - t) + c2 * t).astype(np.float32)
    if kind == "texture":
        from .bundled import TEXTURES

        name = sorted(TEXTURES)[int(rng.integers(len(TEXTURES)))]
        gray = _random_crop(_bundled("texture", name), w, rng)
        tint = rng.uniform(0.6, 1.1, size=3).astype(np.float32)
        return np.clip(gray[..., None] * tint, 0, 255)
    from .bundled import PHOTOS

    names = sorted(PHOTOS) if photos is None else sorted(photos)
    name = names[int(rng.integers(len(names)))]
    return np.ascontiguousarray(_random_crop(_bundled("photo", name), w, rng))



def _skin(rng: np.random.Generator) -> np.ndarray:
    i = int(rng.integers(len(SKIN_TONES) - 1))
    t = rng.random()
    base = SKIN_TONES[i] * (1 - t) + SKIN_TONES[i + 1] * t
    return np.clip(base * rng.uniform(0.95, 1.05) + rng.uniform(-6, 6, size=3), 0, 255)


def _one_image(label: int, size: int, background: str,
               rng: np.random.Generator, photos: tuple[str, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One picture of pose ``CLASSES[label]`` and its foreground mask (bool, hand = True)."""
    # The hand is drawn at twice the output size (smooth edges after INTER_AREA); the
    # background, shadow and compositing are done at the output size (4x fewer pixels).
    w = 2 * size if size <= 160 else size
    tone, scale = _render_hand(CLASSES[label], w, rng)
    tonef = tone.astype(np.float32)
    mask = np.minimum(tonef * (1 / 150.0), 1.0)
    # rounded shading: each part is brightest along its middle (outlines separate parts)
    inner = (tone > 230).astype(np.uint8)
    dist = cv2.distanceTransform(inner, cv2.DIST_L2, 3)
    roundness = np.sqrt(np.minimum(dist * (1 / (0.09 * scale)), 1.0))
    shade = (0.72 + 0.28 * roundness) * np.maximum(tonef, 150.0) * (1 / 255.0)
    if w != size:
        mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA)
        shade = cv2.resize(shade, (size, size), interpolation=cv2.INTER_AREA)
        scale *= size / w
    shade = cv2.GaussianBlur(shade, (0, 0), max(0.5, scale * 0.02))
    bg = _background(background, size, rng, photos)
    hand = shade[..., None] * _skin(rng).astype(np.float32)
    # soft drop shadow on the background
    dx, dy = rng.uniform(-0.12, 0.12, size=2) * scale
    shadow = cv2.warpAffine(mask, np.float32([[1, 0, dx], [0, 1, dy]]), (size, size))
    shadow = cv2.GaussianBlur(shadow, (0, 0), scale * rng.uniform(0.05, 0.15))
    shadow *= rng.uniform(0.15, 0.4)
    m3 = mask[..., None]
    img = bg * (1.0 - shadow)[..., None] * (1.0 - m3) + hand * m3
    # scene lighting: brighter on one side
    img *= (1.0 + rng.uniform(0.0, 0.35) * _gradient(size, rng))[..., None]
    sigma = rng.uniform(0.0, 0.8) * min(size, 96) / 64
    if sigma > 0.25:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img += rng.normal(0.0, rng.uniform(1.0, 6.0), size=img.shape).astype(np.float32)
    # the true foreground: pixels that are at least half hand (alpha >= 0.5)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), mask >= 0.5


def make_hands(n: int, size: int = 64, background: str = "plain", seed: int = 0, *,
               progress: bool | None = None, return_masks: bool = False,
               photos: tuple[str, ...] | None = None) -> tuple:
    """Generate ``n`` hand-pose images: ``(images, labels, class_names)``.

    ``images`` is uint8 ``(n, size, size, 3)`` RGB, ``labels`` int64 ``(n,)`` indexing
    ``class_names == CLASSES`` (paper, rock, scissors: alphabetical, as ``load_folder``
    numbers class folders). With ``return_masks`` a fourth item is the bool
    ``(n, size, size)`` foreground mask of each hand (True where the drawn hand covers at
    least half the pixel); asking for it does not change the images. Classes are balanced: their counts
    differ by at most 1 (when ``n`` is not a multiple of 3, the first classes get one more)
    and their order is shuffled. The same ``seed`` gives byte-identical output; no global
    random state is read or changed. ``progress`` shows a ``tqdm`` bar (default: only
    for 5,000 images or more, which take several seconds). ``photos``: the bundled photos a
    ``"photo"`` background is cropped from (default: all of ``bundled.PHOTOS``; lesson 07 holds
    some out, see ``transfer.classifier.PHOTO_SPLIT``).
    """
    _check_args(n, size, background)
    photos = _check_photos(photos)
    rng = np.random.default_rng(check_seed(seed))
    labels = rng.permutation(np.arange(n) % len(CLASSES)).astype(np.int64)
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.empty((n, size, size), bool)
    steps = range(n)
    if progress or (progress is None and n >= 5000):
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=f"hands {size}x{size} {background}", unit="img")
    for i in steps:
        images[i], masks[i] = _one_image(int(labels[i]), int(size), background, rng, photos)
    return (images, labels, CLASSES, masks) if return_masks else (images, labels, CLASSES)


def write_folder(root: str | os.PathLike, n: int, size: int = 64, background: str = "plain",
                 seed: int = 0) -> Path:
    """Write ``make_hands(n, size, background, seed)`` as PNGs: ``root/<class>/0000.png``.

    The layout is the class-per-folder one of the Rock-Paper-Scissors zips, Keras'
    ``image_dataset_from_directory`` and torchvision's ``ImageFolder``. Files are numbered
    per class. The folder is written next to ``root`` under a temporary name and renamed
    at the end, so ``root`` never holds half a dataset. ``root`` must not exist yet; ``~``
    is expanded. The temporary folder is named ``.<root>.writing-<pid>-*``: one left by a
    killed process (its pid no longer runs) is removed by the next call for that ``root``.
    Returns ``root`` as a ``Path``.
    """
    _check_args(n, size, background)
    root = Path(root).expanduser()
    if root.exists():
        raise ValueError(f"{root} already exists; write_folder expects a new folder path")
    root.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(root.parent, [scratch_pattern("writing", root.name)], dead_pids_only=True)
    images, labels, names = make_hands(n, size, background, seed)
    tmp = Path(tempfile.mkdtemp(prefix=scratch_prefix(root.name, "writing"), dir=root.parent))
    try:
        for c, name in enumerate(names):
            folder = tmp / name
            folder.mkdir()
            for j, img in enumerate(images[labels == c]):
                if not cv2.imwrite(str(folder / f"{j:04d}.png"), img[..., ::-1]):
                    raise OSError(f"could not write {folder / f'{j:04d}.png'}")
        tmp.chmod(folder_mode())   # mkdtemp's 0700 would hide the dataset from the other users
        tmp.rename(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
