"""Scenes with boxes: 0-3 generated hands on one background, with exact ground truth (lesson 09).

Each hand is drawn by the hand-pose generator (:mod:`course_utils.data.handpose`) on its own
square patch, at a random side between ``hand_sizes[0]`` and ``hand_sizes[1]`` pixels, and
pasted through its foreground mask (the pixels that are at least half hand) onto a scene
background of one of the four kinds. The box of a hand is the tight box of the pasted mask,
so the ground truth is exact by construction: every pixel inside a box that belongs to the
hand was drawn there, and hands never overlap (a hand that would touch another is not
placed). Boxes are ``(x0, y0, x1, y1)`` in pixel edges: the hand covers columns
``x0 .. x1 - 1`` and rows ``y0 .. y1 - 1``.

Train and test backgrounds are split, as in lesson 07's held-out setting: the scikit-image
textures and photos are divided in two disjoint halves (``BACKGROUND_SPLIT``), so a test
scene never shows a texture or a photo that a training scene showed; plain and colour
backgrounds are drawn from the same distributions in both splits (with different seeds).

>>> s = make_scenes(4, size=128, seed=0)
>>> s.images.shape, len(s.boxes), s.class_names
((4, 128, 128, 3), 4, ('paper', 'rock', 'scissors'))
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeding import check_seed
from .bundled import PHOTOS, TEXTURES
from .handpose import BACKGROUNDS, CLASSES, _bundled, _gradient, _one_image, _random_crop

SPLITS = ("train", "test")
MAX_HANDS = 3
MIN_HAND = 32   # the hand generator's smallest patch (handpose.MIN_SIZE)
# Alternate names of each kind go to each split: disjoint, and both splits see every look.
BACKGROUND_SPLIT = {
    split: {"texture": tuple(sorted(TEXTURES))[i::2], "photo": tuple(sorted(PHOTOS))[i::2]}
    for i, split in enumerate(SPLITS)
}


@dataclass(frozen=True)
class Scenes:
    """``images`` uint8 (n, size, size, 3); ``boxes[i]`` float32 (k_i, 4) as (x0, y0, x1, y1);
    ``labels[i]`` int64 (k_i,) indexing ``class_names``; ``kinds[i]`` the background kind."""
    images: np.ndarray
    boxes: tuple
    labels: tuple
    kinds: tuple
    class_names: tuple = CLASSES

    def __len__(self) -> int:
        return len(self.images)

    @property
    def n_hands(self) -> int:
        return int(sum(len(b) for b in self.boxes))


def _check_scene_args(n, size, split, max_hands, hand_sizes, backgrounds) -> tuple[int, int]:
    for value, name in ((n, "n"), (size, "size"), (max_hands, "max_hands")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if n < 1:
        raise ValueError(f"n must be a positive number of scenes, got {n}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not 0 <= max_hands <= MAX_HANDS:
        raise ValueError(f"max_hands must be between 0 and {MAX_HANDS}, got {max_hands}")
    if not (isinstance(hand_sizes, (tuple, list)) and len(hand_sizes) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in hand_sizes)):
        raise ValueError(f"hand_sizes must be two ints (smallest, largest hand patch), got {hand_sizes!r}")
    lo, hi = int(hand_sizes[0]), int(hand_sizes[1])
    if lo < MIN_HAND or hi < lo:
        raise ValueError(f"hand_sizes must satisfy {MIN_HAND} <= smallest <= largest, got {hand_sizes!r}")
    if size < hi or size > 1024:
        raise ValueError(f"size must be at least the largest hand ({hi}) and at most 1024, got {size}")
    bad = [b for b in backgrounds if b not in BACKGROUNDS]
    if not backgrounds or bad:
        raise ValueError(f"backgrounds must be a non-empty subset of {BACKGROUNDS}, got {backgrounds!r}")
    return lo, hi


def _scene_background(kind: str, size: int, split: str, rng: np.random.Generator) -> np.ndarray:
    """A (size, size, 3) float32 background of ``kind``; textures and photos from ``split``'s half."""
    if kind == "plain":
        level, tint = rng.uniform(195, 250), rng.uniform(-7, 7, size=3)
        ramp = _gradient(size, rng) * rng.uniform(0, 25)
        return np.clip(level + tint + ramp[..., None], 0, 255).astype(np.float32)
    if kind == "color":
        c1 = rng.uniform(0, 255, size=3)
        c2 = c1 if rng.random() < 0.5 else rng.uniform(0, 255, size=3)
        t = _gradient(size, rng)[..., None] + 0.5
        return (c1 * (1 - t) + c2 * t).astype(np.float32)
    names = BACKGROUND_SPLIT[split][kind]
    name = names[int(rng.integers(len(names)))]
    crop = _random_crop(_bundled(kind, name), size, rng)
    if kind == "texture":
        return np.clip(crop[..., None] * rng.uniform(0.6, 1.1, size=3).astype(np.float32), 0, 255)
    return np.ascontiguousarray(crop)


def _place(size: int, box: tuple, taken: list, rng: np.random.Generator, tries: int = 30):
    """Offset (dx, dy) that moves ``box`` (x0, y0, x1, y1 in its patch) inside the scene
    without touching any box in ``taken``; ``None`` when ``tries`` random offsets all fail."""
    x0, y0, x1, y1 = box
    for _ in range(tries):
        dx, dy = int(rng.integers(-x0, size - x1 + 1)), int(rng.integers(-y0, size - y1 + 1))
        if all(x1 + dx <= b[0] or b[2] <= x0 + dx or y1 + dy <= b[1] or b[3] <= y0 + dy for b in taken):
            return dx, dy
    return None


def _one_scene(size, split, kind, max_hands, lo, hi, rng):
    scene = _scene_background(kind, size, split, rng)
    boxes, labels = [], []
    for _ in range(int(rng.integers(0, max_hands + 1))):
        label, side = int(rng.integers(len(CLASSES))), int(rng.integers(lo, hi + 1))
        hand, mask = _one_image(label, side, "plain", rng)
        rows, cols = np.nonzero(mask)
        box = (int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)
        offset = _place(size, box, boxes, rng)
        if offset is None:
            continue  # no room left without touching another hand
        dx, dy = offset
        scene[rows + dy, cols + dx] = hand[rows, cols]  # only hand pixels: the box is exact
        boxes.append((box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy))
        labels.append(label)
    image = np.clip(scene + 0.5, 0, 255).astype(np.uint8)
    return image, np.array(boxes, np.float32).reshape(-1, 4), np.array(labels, np.int64)


def make_scenes(n: int, size: int = 128, split: str = "train", seed: int = 0, *,
                max_hands: int = MAX_HANDS, hand_sizes: tuple[int, int] = (32, 72),
                backgrounds: tuple[str, ...] = BACKGROUNDS) -> Scenes:
    """``n`` scenes of ``size`` x ``size`` pixels with 0 to ``max_hands`` hands each.

    Background kinds cycle through ``backgrounds`` (scene ``i`` has ``backgrounds[i % len]``),
    so every kind is equally represented. The number of hands is uniform in 0..max_hands
    (fewer when a hand finds no room). ``split`` picks the half of the bundled textures and
    photos (see ``BACKGROUND_SPLIT``). The same arguments give byte-identical scenes; no
    global random state is read or changed. Returns a :class:`Scenes`.
    """
    lo, hi = _check_scene_args(n, size, split, max_hands, hand_sizes, tuple(backgrounds))
    rng = np.random.default_rng(check_seed(seed))
    images = np.empty((n, size, size, 3), np.uint8)
    boxes, labels, kinds = [], [], []
    for i in range(n):
        kind = backgrounds[i % len(backgrounds)]
        images[i], b, lab = _one_scene(int(size), split, kind, int(max_hands), lo, hi, rng)
        boxes.append(b)
        labels.append(lab)
        kinds.append(kind)
    return Scenes(images, tuple(boxes), tuple(labels), tuple(kinds))


__all__ = ["BACKGROUND_SPLIT", "MAX_HANDS", "SPLITS", "Scenes", "make_scenes"]
