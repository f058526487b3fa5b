"""The 2-D hand model behind :mod:`course_utils.data.handpose`: parts, poses, drawing.

A hand is a palm, a thumb, four fingers of three rounded segments (capsules), a thenar
pad, a wrist and forearm, all in *palm widths* with the palm centre at the origin, the
fingers towards -y (up) and the forearm towards +y. A pose says which fingers are
extended (:data:`EXTENDED`); the others are curled over the palm.

:func:`upright_pose` draws a pose without random rotation, mirroring or placement and
returns probe points where each finger lies *when extended*, so a test can check from
the pixels which fingers a pose really raises.
"""
from __future__ import annotations

import cv2
import numpy as np

FINGERS: tuple[str, ...] = ("thumb", "index", "middle", "ring", "little")
# Which fingers each pose extends (the rest are curled over the palm).
EXTENDED: dict[str, tuple[str, ...]] = {
    "paper": FINGERS,
    "rock": (),
    "scissors": ("index", "middle"),
}

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


def _ray(start: np.ndarray, angle_deg: float, length: float) -> np.ndarray:
    """End point of a segment from ``start`` at ``angle`` from "up" (clockwise positive)."""
    a = np.deg2rad(angle_deg)
    return start + length * np.array([np.sin(a), -np.cos(a)])


def _chain(base: np.ndarray, angles, lengths) -> list[np.ndarray]:
    pts = [base]
    for ang, ln in zip(angles, lengths):
        pts.append(_ray(pts[-1], ang, ln))
    return pts


def _hand_parts(pose: str, rng: np.random.Generator, upright: bool = False) -> dict:
    """The pose in model coordinates: capsules (polylines with a width) and polygons.

    ``upright`` draws the same random numbers (so the stream stays aligned) but uses fixed
    angles: no tilt, no joint bend, a narrow spread, for :func:`upright_pose`.
    """
    lengths = _FINGER_LEN * rng.uniform(0.88, 1.12) * rng.uniform(0.93, 1.07, size=4)
    widths = _FINGER_W * rng.uniform(0.9, 1.12)
    spread = rng.uniform(3.0, 11.0)                 # degrees between neighbouring fingers
    tilt = rng.uniform(-6, 6)
    bend = rng.uniform(-3, 3, size=(4, 3))
    if upright:  # fingers apart, straight up: each one stays over its own base
        spread, tilt, bend = 4.0, 0.0, np.zeros((4, 3))
    fingers, curled = [], []
    extended = EXTENDED[pose]
    for i, finger in enumerate(FINGERS[1:]):
        base = np.array([_FINGER_X[i], _FINGER_Y[i]])
        if finger in extended:
            if pose == "scissors":  # index and middle in a V
                v = rng.uniform(9, 18)
                ang = tilt + (-1 if i == 0 else 1) * (3.0 if upright else v)
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
    if "thumb" in extended:
        a0 = rng.uniform(-62, -42)
        bends = (rng.uniform(0, 12), rng.uniform(5, 20))
        if upright:
            a0, bends = -52.0, (6.0, 12.0)
        thumb = _chain(t_base, (a0, a0 + bends[0], a0 + bends[1]),
                       _THUMB_LEN * rng.uniform(0.9, 1.1))
    else:
        # folded across the curled fingers (rock) or across ring and little (scissors)
        a0 = rng.uniform(-40, -20)
        reach = rng.uniform(0.85, 1.05) if pose == "rock" else rng.uniform(1.0, 1.2)
        angles = (a0, rng.uniform(55, 75), rng.uniform(80, 100))
        if upright:
            angles = (-30.0, 65.0, 90.0)
        thumb = _chain(t_base, angles, _THUMB_LEN * np.array([0.9, 1.0, 0.95]) * reach)
    return {"fingers": fingers, "curled": curled, "thumb": thumb,
            "thumb_w": rng.uniform(0.25, 0.29)}


def _superellipse(a: float, b: float, p: float = 3.2, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.stack([a * np.sign(c) * np.abs(c) ** (2 / p), b * np.sign(s) * np.abs(s) ** (2 / p)], 1)


_PALM = _superellipse(0.52, 0.54)
_THENAR = _superellipse(0.25, 0.33, p=2.0, n=24) + np.array([-0.3, 0.18])
_FOREARM = np.array([[-0.36, 0.3], [0.36, 0.3], [0.5, 6.0], [-0.5, 6.0]])


def _render_hand(pose: str, w: int, rng: np.random.Generator, upright: bool = False):
    """Draw one hand on a (w, w) canvas: ``(tone, scale)``.

    ``tone`` is uint8: 0 background, 150 outlines, 190 creases, 255 skin; ``scale`` is the
    palm width in pixels. ``upright`` fixes the placement (see :func:`upright_pose`).
    """
    parts = _hand_parts(pose, rng, upright)
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
    if upright:  # fixed placement: the probes of upright_pose know where each finger is
        scale, lin = w * _UPRIGHT_SCALE, w * _UPRIGHT_SCALE * np.eye(2)
        centre = w * _UPRIGHT_CENTRE

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


# upright_pose: palm width as a share of the canvas, palm centre as (x, y) shares of it
_UPRIGHT_SCALE = 0.25
_UPRIGHT_CENTRE = np.array([0.5, 0.62])
# Probe points (model coordinates) that an extended finger covers and a curled one never
# reaches: 0.44 palm widths above each finger's base (curled fingers end at most 0.33
# above it, the shortest extended little finger 0.54), and for the thumb a point beside
# the palm on its extended path (a folded thumb stays right of x = -0.77).
_PROBES = {"thumb": np.array([-0.9, -0.2])}
_PROBES.update({f: np.array([_FINGER_X[i], _FINGER_Y[i] - 0.44])
                for i, f in enumerate(FINGERS[1:])})


def upright_pose(pose: str, size: int = 256, seed: int = 0) -> tuple[np.ndarray, dict]:
    """Draw ``pose`` upright and centred: ``(mask, probes)``.

    ``mask`` is bool ``(size, size)``, True on the hand (outline included, anti-aliased
    fringe excluded); ``probes``
    maps each finger name to the ``(row, col)`` pixel it covers when extended. Finger
    lengths and widths still vary with ``seed``; angles and placement are fixed.
    """
    if pose not in EXTENDED:
        raise ValueError(f"unknown pose {pose!r}; expected one of {sorted(EXTENDED)}")
    tone, _ = _render_hand(pose, int(size), np.random.default_rng(seed), upright=True)
    probes = {}
    for finger, point in _PROBES.items():
        x, y = point * size * _UPRIGHT_SCALE + size * _UPRIGHT_CENTRE
        probes[finger] = (int(round(y)), int(round(x)))
    return tone >= 150, probes
