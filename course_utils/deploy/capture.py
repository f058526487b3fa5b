"""Captured camera frames into the course's class-per-folder format: ``root/<class>/0000.png``.

The kernel's half of "teach it your hand": each frame the camera widget sends is checked (a known class, the
widget's size, RGB or RGBA bytes) and written as one PNG under its class, numbered after the frames already there,
so a second recording of the same gesture adds to the first. :func:`course_utils.data.folders.load_folder` reads
the folder back, as lesson 07 reads any class-per-folder data set.

Every PNG is written atomically (:func:`course_utils.data.atomic.atomic_path`): a hidden temporary
``.<name>.capturing-<pid>-*`` renamed when complete, so a killed kernel never leaves half an image that a loader
would read, and the next capture removes the temporaries of dead processes. Plain NumPy and OpenCV: no framework.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np

from ..data.atomic import atomic_path
from ..data.scratch import remove_stale, scratch_pattern
from ..data.validate import check_count, check_images, check_labels

KIND = "capturing"
_NUMBERED = re.compile(r"^(\d{4,})\.png$")


class CaptureFolder:
    """A class-per-folder image directory that grows one captured frame at a time.

    ``classes``: the gestures that may be recorded (default: paper, rock, scissors); ``size``: the side of every
    frame in pixels (what the widget sends). The folder is created on the first frame.
    """

    def __init__(self, root: str | os.PathLike, classes=None, size: int = 48):
        from ..data.handpose import CLASSES

        classes = CLASSES if classes is None else classes
        if isinstance(classes, str) or not classes or not all(isinstance(c, str) and c and "/" not in c
                                                              and not c.startswith(".") for c in classes) \
                or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be distinct folder names (non-empty, no '/', not hidden), got {classes!r}")
        self.root = Path(root).expanduser()
        if self.root.exists() and not self.root.is_dir():
            raise NotADirectoryError(f"{self.root} is a file; expected a folder (new or class-per-folder)")
        self.classes = tuple(classes)
        self.size = check_count(size, "size", minimum=16)

    def check_label(self, label: str) -> str:
        """``label`` if it names one of the classes, else a ValueError listing them."""
        if label not in self.classes:
            raise ValueError(f"unknown label {label!r}; expected one of {self.classes}")
        return label

    def frame(self, pixels) -> np.ndarray:
        """One frame as uint8 RGB ``(size, size, 3)``: an array ``(size, size, 3 or 4)`` or the flat RGBA/RGB bytes
        of a canvas. Anything else is a ValueError that says what was expected."""
        if isinstance(pixels, (bytes, bytearray, memoryview)):
            data = np.frombuffer(pixels, np.uint8)
            n = self.size * self.size
            if data.size not in (3 * n, 4 * n):
                raise ValueError(f"a frame must be {self.size}x{self.size} RGB or RGBA bytes ({3 * n} or {4 * n}), "
                                 f"got {data.size} bytes")
            return data.reshape(self.size, self.size, -1)[..., :3]
        image = check_images(pixels, name="frame", batch=False, channels=(3, 4))
        if image.shape[:2] != (self.size, self.size):
            raise ValueError(f"a frame must be {self.size}x{self.size} pixels, got shape {image.shape}")
        return image[..., :3]

    def count(self, label: str) -> int:
        """How many frames of ``label`` the folder holds."""
        folder = self.root / self.check_label(label)
        return sum(1 for p in folder.iterdir() if _NUMBERED.match(p.name)) if folder.is_dir() else 0

    def counts(self) -> dict[str, int]:
        """Frames per class, every class listed (0 where none yet)."""
        return {c: self.count(c) for c in self.classes}

    def add(self, label: str, pixels) -> Path:
        """Write one frame of ``label`` as the next ``root/<label>/NNNN.png``; returns its path."""
        image = self.frame(pixels)
        folder = self.root / self.check_label(label)
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale(folder, [scratch_pattern(KIND)], dead_pids_only=True)   # a killed capture's temporaries
        taken = [int(m.group(1)) for m in map(_NUMBERED.match, os.listdir(folder)) if m]
        path = folder / f"{max(taken, default=-1) + 1:04d}.png"
        with atomic_path(path, KIND, suffix=".png") as tmp:
            if not cv2.imwrite(str(tmp), np.ascontiguousarray(image[..., ::-1])):
                raise OSError(f"could not write {path}")
        return path


def save_frames(root: str | os.PathLike, frames: np.ndarray, labels, classes=None) -> dict[str, int]:
    """Write a batch of frames (uint8 ``(N, S, S, 3)``, labels indexing ``classes``) into ``root`` as the widget
    would, in order; returns the frames per class now in the folder. At least one frame is needed."""
    frames = check_images(frames, name="frames", channels=(3, 4))
    if frames.shape[1] != frames.shape[2]:
        raise ValueError(f"frames must be square (N, S, S, 3), got shape {frames.shape}")
    capture = CaptureFolder(root, classes, size=frames.shape[1])
    labels = check_labels(labels, n=len(frames), classes=len(capture.classes), min_classes=1)
    for frame, k in zip(frames, labels):
        capture.add(capture.classes[k], frame)
    return capture.counts()





class CaptureSession:
    """The kernel's half of the camera widget in capture mode: each frame the browser sends for a label is saved
    in a :class:`CaptureFolder`; the answer says how many of ``count`` frames that label now has. Problems
    (an unknown label, a frame of the wrong shape, a camera that fails) are messages, never tracebacks."""

    def __init__(self, root: str | os.PathLike, size: int = 48, count: int = 20, classes=None):
        self.folder = CaptureFolder(root, classes, size)
        self.size, self.target = self.folder.size, check_count(count, "count")

    def frame(self, label, pixels, target=None) -> dict:
        """Save one frame of ``label``; ``target``: the frames this recording asked for (default ``count``)."""
        target = target if isinstance(target, int) and not isinstance(target, bool) and target > 0 else self.target
        try:
            path = self.folder.add(label, pixels)
        except (ValueError, OSError) as err:
            return self._problem(str(err))
        saved = self.folder.count(label)
        return {"ok": True, "label": label, "saved": saved, "target": target, "counts": self.folder.counts(),
                "message": f"saved {label}: {saved} frames in the folder, this recording asked for {target} ({path.name})"}

    def camera_problem(self, kind: str, reason: str) -> dict:
        """What the widget says when the camera fails (``reason``: :data:`.camera_widget.REASONS`' text)."""
        return self._problem(f"{reason}. Upload photos of your hand instead, one gesture at a time.", camera=kind)

    def _problem(self, message: str, camera: str | None = None) -> dict:
        return {"ok": False, "message": f"⚠️ {message}", "camera": camera, "counts": self.folder.counts(),
                "target": self.target}
__all__ = ["CaptureFolder", "CaptureSession", "save_frames"]
