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
((6, 64, 64, 3), dtype('uint8'), ('rock', 'paper', 'scissors'))
"""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np


CLASSES: tuple[str, ...] = ("rock", "paper", "scissors")
BACKGROUNDS: tuple[str, ...] = ("plain", "color", "texture", "photo")
MIN_SIZE = 32

# Realistic human skin tones (sRGB), light to dark; a hand's tone is drawn between two
# neighbours of this list, then jittered a little.
SKIN_TONES = np.array([
    (255, 224, 196), (241, 206, 180), (234, 192, 160), (224, 172, 135), (210, 160, 120),
    (198, 134, 96), (170, 112, 78), (141, 85, 54), (115, 70, 45), (92, 56, 38), (70, 44, 32),
], dtype=np.float32)

# The hand model, in palm widths, palm centre at the origin, fingers towards -y (up),
# forearm towards +y. Finger order from the thumb side: index, middle, ring, little.
_FINGER_X = np.array([-0.36, -0.12, 0.12, 0.35])
_FINGER_Y = np.array([-0.46, -0.50, -0.47, -0.40])
_FINGER_LEN = np.array([0.88, 0.98, 0.92, 0.72])
_FINGER_W = np.array([0.215, 0.225, 0.21, 0.185])
_SEGMENTS = np.array([0.44, 0.31, 0.25])      # share of each phalanx, base to tip
_THUMB_LEN = np.array([0.42, 0.33, 0.28])     # metacarpal, proximal, distal
_SHIFT = 4                                    # OpenCV sub-pixel bits
_ONE = 1 << _SHIFT


def _check_args(n: int, size: int, background: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int (number of images), got {n!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_SIZE:
        raise ValueError(f"size must be an int >= {MIN_SIZE} (pixels per side), got {size!r}")
    if background not in BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}; expected one of {BACKGROUNDS}")


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


def _background(kind: str, w: int, rng: np.random.Generator) -> np.ndarray:
    """A (w, w, 3) float32 background in [0, 255]."""
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

    name = sorted(PHOTOS)[int(rng.integers(len(PHOTOS)))]
    return np.ascontiguousarray(_random_crop(_bundled("photo", name), w, rng))


# ----------------------------------------------------------------------------- the hand
def _ray(start: np.ndarray, angle_deg: float, length: float) -> np.ndarray:
    """End point of a segment from ``start`` at ``angle`` from "up" (clockwise positive)."""
    a = np.deg2rad(angle_deg)
    return start + length * np.array([np.sin(a), -np.cos(a)])


def _chain(base: np.ndarray, angles, lengths) -> list[np.ndarray]:
    pts = [base]
    for ang, ln in zip(angles, lengths):
        pts.append(_ray(pts[-1], ang, ln))
    return pts


def _hand_parts(label: int, rng: np.random.Generator) -> dict:
    """The pose in model coordinates: capsules (polylines with a width) and polygons."""
    lengths = _FINGER_LEN * rng.uniform(0.88, 1.12) * rng.uniform(0.93, 1.07, size=4)
    widths = _FINGER_W * rng.uniform(0.9, 1.12)
    spread = rng.uniform(3.0, 11.0)                 # degrees between neighbouring fingers
    tilt = rng.uniform(-6, 6)
    bend = rng.uniform(-3, 3, size=(4, 3))
    fingers, curled = [], []
    extended = {0: (), 1: (0, 1, 2, 3), 2: (0, 1)}[label]
    for i in range(4):
        base = np.array([_FINGER_X[i], _FINGER_Y[i]])
        if i in extended:
            if label == 2:  # scissors: index and middle in a V
                ang = tilt + (-1 if i == 0 else 1) * rng.uniform(9, 18)
            else:
                ang = tilt + (i - 1.5) * spread
            angs = ang + np.cumsum(bend[i])             # joints bend a few degrees
            pts = _chain(base + np.array([0, 0.06]), angs, lengths[i] * _SEGMENTS * 1.02)
            fingers.append((pts, widths[i]))
        else:
            # curled: the folded middle and distal phalanges lie over the top of the palm
            top = base + np.array([0, -0.13 * rng.uniform(0.8, 1.2)])
            bottom = base + np.array([0, 0.36 * rng.uniform(0.85, 1.1)])
            curled.append((top, bottom, widths[i] * 1.12))
    # thumb: from the base of the palm on the -x side
    t_base = np.array([-0.36, 0.28])
    if label == 1:
        a0 = rng.uniform(-62, -42)
        thumb = _chain(t_base, (a0, a0 + rng.uniform(0, 12), a0 + rng.uniform(5, 20)),
                       _THUMB_LEN * rng.uniform(0.9, 1.1))
    else:
        # folded across the curled fingers (rock) or across ring and little (scissors)
        a0 = rng.uniform(-40, -20)
        reach = rng.uniform(0.85, 1.05) if label == 0 else rng.uniform(1.0, 1.2)
        thumb = _chain(t_base, (a0, rng.uniform(55, 75), rng.uniform(80, 100)),
                       _THUMB_LEN * np.array([0.9, 1.0, 0.95]) * reach)
    return {"fingers": fingers, "curled": curled, "thumb": thumb,
            "thumb_w": rng.uniform(0.25, 0.29)}


def _superellipse(a: float, b: float, p: float = 3.2, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.stack([a * np.sign(c) * np.abs(c) ** (2 / p), b * np.sign(s) * np.abs(s) ** (2 / p)], 1)


_PALM = _superellipse(0.52, 0.54)
_THENAR = _superellipse(0.25, 0.33, p=2.0, n=24) + np.array([-0.3, 0.18])
_FOREARM = np.array([[-0.36, 0.3], [0.36, 0.3], [0.5, 6.0], [-0.5, 6.0]])


def _render_hand(label: int, w: int, rng: np.random.Generator):
    """Draw one hand on a (w, w) canvas. Returns (tone uint8, skin RGB, shading scale)."""
    parts = _hand_parts(label, rng)
    scale = w * rng.uniform(0.2, 0.27)                     # palm width in pixels
    theta = np.deg2rad(rng.choice([0.0, 90.0, -90.0, 180.0], p=[0.55, 0.175, 0.175, 0.1])
                       + rng.uniform(-35, 35))
    mirror = 1.0 if rng.random() < 0.5 else -1.0
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    lin = scale * rot @ np.diag([mirror, 1.0])

    # place the hand: its extremities (finger and thumb tips, palm) inside the frame
    keys = [_PALM, np.array(parts["thumb"])]
    keys += [np.array(f[0]) for f in parts["fingers"]]
    keys += [np.array([c[0] for c in parts["curled"]]).reshape(-1, 2)]
    keys = np.concatenate(keys) @ lin.T
    lo, hi = keys.min(0), keys.max(0)
    margin = 0.04 * w
    low, high = margin - lo, w - margin - hi
    centre = np.where(low <= high, rng.uniform(np.minimum(low, high), np.maximum(low, high)),
                      (low + high) / 2)

    def px(pts) -> np.ndarray:
        return np.round((np.asarray(pts, dtype=np.float64) @ lin.T + centre) * _ONE).astype(np.int32)

    tone = np.zeros((w, w), np.uint8)
    edge, fill = 150, 255
    ow = max(1, int(round(scale * 0.035)))                   # outline width in pixels
    aa = cv2.LINE_AA

    def poly(pts):
        p = px(pts)
        cv2.fillPoly(tone, [p], fill, aa, _SHIFT)
        cv2.polylines(tone, [p], True, edge, ow, aa, _SHIFT)

    def capsule(pts, width, creases=True):
        p = px(pts)
        t = max(2, int(round(width * scale)))
        for a, b in zip(p[:-1], p[1:]):
            cv2.line(tone, tuple(a), tuple(b), edge, t + 2 * ow, aa, _SHIFT)
        for a, b in zip(p[:-1], p[1:]):
            cv2.line(tone, tuple(a), tuple(b), fill, t, aa, _SHIFT)
        if creases:  # joint creases: short dark lines across the finger
            pts = np.asarray(pts, dtype=np.float64)
            for j in range(1, len(pts) - 1):
                d = pts[j + 1] - pts[j - 1]
                nrm = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9) * width * 0.3
                q = px([pts[j] - nrm, pts[j] + nrm])
                cv2.line(tone, tuple(q[0]), tuple(q[1]), 190, max(1, ow), aa, _SHIFT)

    poly(_FOREARM * np.array([rng.uniform(0.9, 1.1), 1.0]))
    poly(_PALM)
    poly(_THENAR)
    for pts, width in parts["fingers"]:
        capsule(pts, width)
    for top, bottom, width in sorted(parts["curled"], key=lambda c: c[0][1]):
        capsule([top, bottom], width, creases=False)
        mid = (top + bottom) / 2 + np.array([0, 0.05])
        q = px([mid - [width * 0.32, 0], mid + [width * 0.32, 0]])
        cv2.line(tone, tuple(q[0]), tuple(q[1]), 190, max(1, ow), aa, _SHIFT)
    capsule(parts["thumb"][1:], parts["thumb_w"] * 0.9)
    capsule(parts["thumb"][:2], parts["thumb_w"], creases=False)
    return tone, scale


def _skin(rng: np.random.Generator) -> np.ndarray:
    i = int(rng.integers(len(SKIN_TONES) - 1))
    t = rng.random()
    base = SKIN_TONES[i] * (1 - t) + SKIN_TONES[i + 1] * t
    return np.clip(base * rng.uniform(0.95, 1.05) + rng.uniform(-6, 6, size=3), 0, 255)


def _one_image(label: int, size: int, background: str, rng: np.random.Generator) -> np.ndarray:
    # The hand is drawn at twice the output size (smooth edges after INTER_AREA); the
    # background, shadow and compositing are done at the output size (4x fewer pixels).
    w = 2 * size if size <= 160 else size
    tone, scale = _render_hand(label, w, rng)
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
    bg = _background(background, size, rng)
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
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def make_hands(n: int, size: int = 64, background: str = "plain", seed: int = 0, *,
               progress: bool | None = None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Generate ``n`` hand-pose images: ``(images, labels, class_names)``.

    ``images`` is uint8 ``(n, size, size, 3)`` RGB, ``labels`` int64 ``(n,)`` indexing
    ``class_names == CLASSES`` (rock, paper, scissors). Classes are balanced: their counts
    differ by at most 1 (when ``n`` is not a multiple of 3, the first classes get one more)
    and their order is shuffled. The same ``seed`` gives byte-identical output; no global
    random state is read or changed. ``progress`` shows a ``tqdm`` bar (default: only
    for 5,000 images or more, which take several seconds).
    """
    _check_args(n, size, background)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES)).astype(np.int64)
    images = np.empty((n, size, size, 3), np.uint8)
    steps = range(n)
    if progress or (progress is None and n >= 5000):
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=f"hands {size}x{size} {background}", unit="img")
    for i in steps:
        images[i] = _one_image(int(labels[i]), int(size), background, rng)
    return images, labels, CLASSES


def write_folder(root: str | os.PathLike, n: int, size: int = 64, background: str = "plain",
                 seed: int = 0) -> Path:
    """Write ``make_hands(n, size, background, seed)`` as PNGs: ``root/<class>/0000.png``.

    The layout is the class-per-folder one of the Rock-Paper-Scissors zips, Keras'
    ``image_dataset_from_directory`` and torchvision's ``ImageFolder``. Files are numbered
    per class. The folder is written next to ``root`` under a temporary name and renamed
    at the end, so ``root`` never holds half a dataset. ``root`` must not exist yet.
    Returns ``root`` as a ``Path``.
    """
    _check_args(n, size, background)
    root = Path(root)
    if root.exists():
        raise ValueError(f"{root} already exists; write_folder expects a new folder path")
    root.parent.mkdir(parents=True, exist_ok=True)
    images, labels, names = make_hands(n, size, background, seed)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        for c, name in enumerate(names):
            folder = tmp / name
            folder.mkdir()
            for j, img in enumerate(images[labels == c]):
                if not cv2.imwrite(str(folder / f"{j:04d}.png"), img[..., ::-1]):
                    raise OSError(f"could not write {folder / f'{j:04d}.png'}")
        tmp.rename(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
