"""The course backbone's source task: eight *other* hand gestures, none of them rock, paper or scissors.

ImageNet-pretrained backbones transfer well partly because ImageNet is full of things that
look like the target's (hands holding objects, textures, clutter) without containing its
classes. Our offline analogue: the procedural hand model of :mod:`course_utils.data.handpose`
drawing eight gestures it never uses for the lesson (:data:`GESTURES`: which fingers are
extended), on the same four background kinds. The target classes (rock: no finger, paper:
all five, scissors: index + middle) are *not* among them, so the head still has to learn
them from the target data; the backbone only brings "where are the fingers, which are up".

The drawing is the hand-pose generator's own: while :func:`make_gestures` runs, the gesture
names are registered in its pose table and its class list, and restored afterwards (also
on error), so ``make_hands`` is unchanged outside the call.
"""
from __future__ import annotations

import contextlib

import numpy as np

# which fingers each gesture extends (the others are curled over the palm)
GESTURES: dict[str, tuple[str, ...]] = {
    "call": ("thumb", "little"),
    "four": ("index", "middle", "ring", "little"),
    "gun": ("thumb", "index"),
    "horns": ("index", "little"),
    "index": ("index",),
    "little": ("little",),
    "three": ("index", "middle", "ring"),
    "thumb": ("thumb",),
}
GESTURE_NAMES: tuple[str, ...] = tuple(sorted(GESTURES))


@contextlib.contextmanager
def _gesture_poses():
    """Temporarily make the hand-pose generator draw GESTURES instead of its three classes."""
    from ..data import handdraw, handpose

    saved = handpose.CLASSES
    handdraw.EXTENDED.update(GESTURES)
    handpose.CLASSES = GESTURE_NAMES
    try:
        yield handpose
    finally:
        handpose.CLASSES = saved
        for name in GESTURES:
            handdraw.EXTENDED.pop(name, None)


def make_gestures(n: int, size: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` gesture images ``(n, size, size, 3)`` uint8 and labels ``(n,)`` into GESTURE_NAMES.

    Backgrounds cycle through the four kinds (plain, color, texture, photo), a quarter each;
    each quarter is drawn from its own seed; classes are balanced within each quarter and the
    whole set is shuffled (seeded).
    """
    from ..data.handpose import BACKGROUNDS

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < len(BACKGROUNDS):
        raise ValueError(f"n must be an int >= {len(BACKGROUNDS)} (one per background kind), got {n!r}")
    counts = [n // len(BACKGROUNDS) + (i < n % len(BACKGROUNDS)) for i in range(len(BACKGROUNDS))]
    images, labels = [], []
    with _gesture_poses() as handpose:
        for i, (bg, count) in enumerate(zip(BACKGROUNDS, counts)):
            x, y, _ = handpose.make_hands(count, size, bg, seed=1000 * seed + i)
            images.append(x)
            labels.append(y)
    order = np.random.default_rng(seed).permutation(n)
    return np.concatenate(images)[order], np.concatenate(labels)[order]
