"""A stand-in for "a learner's hand on a webcam": generated hands re-rendered the way a real camera sees a real room.

Lesson 07's classifier has only ever seen the generator's hands: a random skin tone from :data:`SKIN_TONES
<course_utils.data.handpose.SKIN_TONES>`, neutral white balance, the hand a fifth to a quarter of the frame, one
of four background kinds. One learner in front of one webcam is different, and the same in every frame: one skin
tone under one lamp's colour, one room behind the hand, the hand close to the lens, a soft focus. :func:`learner_hands`
takes the generator's poses and masks (:func:`~course_utils.data.handpose.make_hands` with ``return_masks``) and
re-renders them under a :class:`CameraStyle`, so that CI can test "teach it your hand" without a person: the frames
go into a ``.y4m`` (:mod:`.camera_file`), Chromium plays it as its camera, and the capture widget records it.

The default style was chosen to be *unlike* the training distribution (a warm tungsten cast, the hand zoomed in, a
workshop photo that no training background uses, blur and sensor noise); how far unlike is measured, not assumed:
lesson 08 prints the classifier's accuracy on these frames before and after teaching.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..data.validate import check_count
from ..seeding import check_seed


@dataclass(frozen=True)
class CameraStyle:
    """How one learner's camera sees their hand (every field the same in every frame).

    ``tone``: the skin's RGB under white light; ``cast``: the lamp's gain per channel (R, G, B: > 1 warmer);
    ``zoom``: how much closer the hand is than in the generator (a centre crop, 1.0 = none); ``blur``: the
    defocus, Gaussian sigma in output pixels; ``noise``: the sensor's noise, standard deviation in 0..255;
    ``contrast``: < 1 flattens the image towards its mean (a cheap webcam's auto-exposure); ``room``: a photo of
    :data:`course_utils.data.bundled.BACKGROUND_PHOTOS` behind the hand (never a training background).
    """
    tone: tuple[float, float, float] = (176.0, 120.0, 92.0)
    cast: tuple[float, float, float] = (1.18, 0.96, 0.66)
    zoom: float = 1.3
    blur: float = 1.1
    noise: float = 7.0
    contrast: float = 0.75
    room: str = "motorcycle_left"
    defocus: float = 4.0
    dim: float = 0.7


LEARNER = CameraStyle()


def _check_style(style: CameraStyle) -> None:
    from ..data.bundled import BACKGROUND_PHOTOS

    if not isinstance(style, CameraStyle):
        raise ValueError(f"style must be a CameraStyle, got {type(style).__name__}")
    for name in ("tone", "cast"):
        value = np.asarray(getattr(style, name), dtype=float)
        if value.shape != (3,) or not np.isfinite(value).all() or (value < 0).any():
            raise ValueError(f"style.{name} must be three finite numbers >= 0 (R, G, B), got {getattr(style, name)!r}")
    if not 1.0 <= style.zoom <= 2.0:
        raise ValueError(f"style.zoom must be in 1.0..2.0 (a centre crop; more cuts fingers off), got {style.zoom!r}")
    for name in ("blur", "noise"):
        if not 0 <= getattr(style, name) <= 10:
            raise ValueError(f"style.{name} must be in 0..10, got {getattr(style, name)!r}")
    if not 0 < style.contrast <= 1:
        raise ValueError(f"style.contrast must be in (0, 1], got {style.contrast!r}")
    if style.room not in BACKGROUND_PHOTOS:
        raise ValueError(f"style.room must be one of {sorted(BACKGROUND_PHOTOS)}, got {style.room!r}")


@lru_cache(maxsize=4)
def _photo(name: str, defocus: float) -> np.ndarray:
    """The room's photo, out of focus (the camera focuses on the near hand), read once per process."""
    from ..data.bundled import background_photo

    photo = background_photo(name).astype(np.float32)
    if defocus > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), defocus)
    photo.setflags(write=False)
    return photo


def _room(name: str, defocus: float, side: int, rng: np.random.Generator) -> np.ndarray:
    """The learner's room: one fixed square of the photo, shifted by a few pixels (a hand-held laptop)."""
    photo = _photo(name, defocus)
    h, w = photo.shape[:2]
    crop = int(min(h, w) * 0.8)
    dy, dx = rng.integers(-6, 7, size=2)
    y0 = int(np.clip((h - crop) // 2 + dy, 0, h - crop))
    x0 = int(np.clip((w - crop) // 2 + dx, 0, w - crop))
    return cv2.resize(photo[y0:y0 + crop, x0:x0 + crop], (side, side), interpolation=cv2.INTER_AREA)


def learner_hands(n: int, size: int = 48, seed: int = 0, *, style: CameraStyle = LEARNER,
                  labels=None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` frames of one learner's hand: uint8 ``(n, size, size, 3)`` RGB and int64 labels ``(n,)``.

    The poses (and so the labels, indexing :data:`~course_utils.data.handpose.CLASSES`) are those of
    ``make_hands(n, 2 * size, "plain", seed)``; the hand's shading and mask are kept, everything else (skin,
    light, room, framing, focus, noise) comes from ``style``. ``labels``: the classes wanted, in order (one per
    frame; e.g. a run of rock, then of paper); each frame is then drawn from its own seed. Deterministic.
    """
    from ..data.handpose import CLASSES, make_hands

    check_count(n, "n")
    check_count(size, "size", minimum=16, maximum=512)
    check_seed(seed)
    _check_style(style)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (n,) or labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= len(CLASSES):
            raise ValueError(f"labels must be {n} class indices in 0..{len(CLASSES) - 1}, got {labels!r}")
    big = 2 * size
    rng = np.random.default_rng(seed)
    if labels is None:
        images, wanted, _, masks = make_hands(n, big, "plain", seed, return_masks=True)
    else:   # the pose of frame i from seed + i: a hand of the wanted class among three generated ones
        images, masks, wanted = np.empty((n, big, big, 3), np.uint8), np.empty((n, big, big), bool), labels.astype(np.int64)
        for i, k in enumerate(wanted):
            imgs, ys, _, ms = make_hands(3, big, "plain", seed * 7919 + i, return_masks=True)
            j = int(np.flatnonzero(ys == k)[0])
            images[i], masks[i] = imgs[j], ms[j]
    tone = np.asarray(style.tone, np.float32) * np.asarray(style.cast, np.float32)
    out = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        alpha = cv2.GaussianBlur(masks[i].astype(np.float32), (0, 0), 1.0)[..., None]
        gray = images[i].astype(np.float32).mean(-1, keepdims=True)
        shade = gray / max(float(gray[masks[i]].mean()), 1.0) if masks[i].any() else np.ones_like(gray)
        room = _room(style.room, style.defocus, big, rng) * np.asarray(style.cast, np.float32) * style.dim
        frame = alpha * np.clip(shade, 0.4, 1.4) * tone + (1 - alpha) * room
        side = int(round(big / style.zoom))
        top = (big - side) // 2
        frame = cv2.resize(frame[top:top + side, top:top + side], (size, size), interpolation=cv2.INTER_AREA)
        if style.blur > 0:
            frame = cv2.GaussianBlur(frame, (0, 0), style.blur)
        frame = frame.mean() + style.contrast * (frame - frame.mean())
        frame += rng.normal(0, style.noise, frame.shape).astype(np.float32)
        out[i] = np.clip(frame + 0.5, 0, 255).astype(np.uint8)
    return out, np.asarray(wanted, np.int64)


__all__ = ["LEARNER", "CameraStyle", "learner_hands"]
