"""The course backbone's *source task*: eight generated shapes on cluttered backgrounds.

Transfer learning needs a source task that is not the target task. Ours is "which shape is
this?" over eight glyphs (:data:`GLYPHS`), drawn with OpenCV in a random colour, size,
rotation and position, with shading, a soft shadow, blur and noise, on four kinds of
background made from scikit-image's bundled images (plain, colour gradient, texture crop,
photo crop). No hand appears in it: a backbone that learned it has learned edges, blobs,
bars and corners, which is what a hand-pose head can reuse.

>>> images, labels = make_glyphs(4, size=64, seed=0)
>>> images.shape, images.dtype, labels.shape
((4, 64, 64, 3), dtype('uint8'), (4,))

Plain NumPy and OpenCV; the same ``seed`` gives byte-identical images.
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

GLYPHS: tuple[str, ...] = ("bars", "cross", "crescent", "disc", "ring", "square", "star", "triangle")
GLYPH_BACKGROUNDS: tuple[str, ...] = ("plain", "color", "texture", "photo")


@lru_cache(maxsize=None)
def _sources() -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The bundled photos (RGB) and textures (grey), float32, loaded once (read-only)."""
    from ..data import bundled

    photos = tuple(bundled.photo(n).astype(np.float32) for n in sorted(bundled.PHOTOS))
    textures = tuple(bundled.texture(n).astype(np.float32) for n in sorted(bundled.TEXTURES))
    return photos, textures


def _crop(src: np.ndarray, w: int, rng: np.random.Generator) -> np.ndarray:
    h0, w0 = src.shape[:2]
    side = int(min(h0, w0) * rng.uniform(0.2, 0.8))
    y, x = int(rng.integers(0, h0 - side + 1)), int(rng.integers(0, w0 - side + 1))
    return cv2.resize(src[y:y + side, x:x + side], (w, w), interpolation=cv2.INTER_AREA)


def _background(kind: str, w: int, rng: np.random.Generator) -> np.ndarray:
    """A (w, w, 3) float32 background in [0, 255]."""
    t = np.linspace(0, 1, w, dtype=np.float32)
    a = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(a) * t[None, :] + np.sin(a) * t[:, None])[..., None]
    if kind == "plain":
        return np.clip(rng.uniform(180, 250) + 20 * ramp + rng.uniform(-8, 8, 3), 0, 255).astype(np.float32)
    if kind == "color":
        c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        return np.clip(c1 + (c2 - c1) * ramp / 1.5, 0, 255).astype(np.float32)
    photos, textures = _sources()
    if kind == "texture":
        grey = _crop(textures[int(rng.integers(len(textures)))], w, rng)
        return np.clip(grey[..., None] * rng.uniform(0.5, 1.1, 3), 0, 255).astype(np.float32)
    return _crop(photos[int(rng.integers(len(photos)))], w, rng)


def _points(glyph: str, rng: np.random.Generator) -> list[np.ndarray]:
    """Outline polygons of ``glyph`` in unit coordinates (radius ~1, centre at the origin)."""
    ang = lambda n, r, off=0.0: np.stack(  # noqa: E731  (n points on a circle of radius r)
        [r * np.cos(np.linspace(0, 2 * np.pi, n, endpoint=False) + off),
         r * np.sin(np.linspace(0, 2 * np.pi, n, endpoint=False) + off)], 1)
    if glyph == "disc":
        return [ang(48, 1.0) * [1.0, rng.uniform(0.75, 1.0)]]
    if glyph == "square":
        return [ang(4, 1.0, np.pi / 4) * [1.0, rng.uniform(0.7, 1.0)]]
    if glyph == "triangle":
        return [ang(3, 1.0, -np.pi / 2)]
    if glyph == "star":
        k = int(rng.integers(5, 7))
        r = np.where(np.arange(2 * k) % 2 == 0, 1.0, rng.uniform(0.35, 0.5))
        return [ang(2 * k, 1.0, -np.pi / 2) * r[:, None]]
    if glyph == "cross":
        s = rng.uniform(0.22, 0.35)
        return [np.array([[-1, -s], [1, -s], [1, s], [-1, s]]), np.array([[-s, -1], [s, -1], [s, 1], [-s, 1]])]
    if glyph == "bars":  # three parallel capsules, like fingers side by side
        return [np.array([[x - 0.15, -1], [x + 0.15, -1], [x + 0.15, 1], [x - 0.15, 1]])
                for x in (-0.55, 0.0, 0.55)]
    if glyph == "crescent":
        outer, inner = ang(48, 1.0), ang(48, 0.85) + [rng.uniform(0.35, 0.55), 0]
        return [outer, inner]  # the second polygon is cut out below
    if glyph == "ring":
        return [ang(48, 1.0), ang(48, rng.uniform(0.45, 0.65))]
    raise ValueError(f"unknown glyph {glyph!r}; expected one of {GLYPHS}")


def _mask(glyph: str, w: int, rng: np.random.Generator) -> np.ndarray:
    """A float32 (w, w) coverage mask of one randomly placed, rotated, scaled glyph."""
    polys = _points(glyph, rng)
    radius = w * rng.uniform(0.2, 0.38)
    theta = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    centre = w / 2 + rng.uniform(-0.15, 0.15, 2) * w
    to_px = [np.round((p @ rot.T * radius + centre) * 16).astype(np.int32) for p in polys]
    canvas = np.zeros((w, w), np.uint8)
    if glyph in ("ring", "crescent"):  # outer filled, inner cut out
        cv2.fillPoly(canvas, [to_px[0]], 255, cv2.LINE_AA, shift=4)
        cv2.fillPoly(canvas, [to_px[1]], 0, cv2.LINE_AA, shift=4)
    else:
        for p in to_px:
            cv2.fillPoly(canvas, [p], 255, cv2.LINE_AA, shift=4)
    return canvas.astype(np.float32) / 255.0


def _one(glyph: str, size: int, rng: np.random.Generator) -> np.ndarray:
    w = 2 * size  # draw at twice the size, shrink with INTER_AREA: smooth edges
    mask = cv2.resize(_mask(glyph, w, rng), (size, size), interpolation=cv2.INTER_AREA)
    bg = _background(GLYPH_BACKGROUNDS[int(rng.integers(len(GLYPH_BACKGROUNDS)))], size, rng)
    colour = rng.uniform(0, 255, 3).astype(np.float32)
    if abs(float(colour.mean() - bg.mean())) < 50:  # keep the glyph visible: flip a colour too close to its surround
        colour = 255.0 - colour
    shade = 1.0 + 0.25 * cv2.GaussianBlur(mask, (0, 0), size / 16) - 0.125
    shadow = cv2.GaussianBlur(np.roll(mask, (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), (0, 1)),
                              (0, 0), 2.0) * rng.uniform(0.1, 0.4)
    m = mask[..., None]
    img = bg * (1 - shadow[..., None]) * (1 - m) + colour * shade[..., None] * m
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.0))
    img += rng.normal(0, rng.uniform(1, 6), img.shape).astype(np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def make_glyphs(n: int, size: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` glyph images ``(n, size, size, 3)`` uint8 RGB and labels ``(n,)`` int64 into GLYPHS.

    Classes are balanced (counts differ by at most one) and shuffled.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int (number of images), got {n!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 32:
        raise ValueError(f"size must be an int >= 32 (pixels per side), got {size!r}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(GLYPHS)).astype(np.int64)
    images = np.empty((n, size, size, 3), np.uint8)
    for i, k in enumerate(labels):
        images[i] = _one(GLYPHS[k], int(size), rng)
    return images, labels
