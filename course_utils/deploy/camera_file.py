"""A fake camera: frames written as a ``.y4m`` video that Chromium plays as its webcam.

Chromium started with ``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE.y4m``
offers that video, looped, as the camera to ``getUserMedia``. The browser tests feed the page generated
hands of known classes this way, and :func:`read_y4m` gives Python the same frames the browser decodes.

A ``.y4m`` stores 4:2:0 YUV (one colour sample per 2x2 pixels, BT.601 limited range). To keep the colours of
every pixel, :func:`write_y4m` scales each frame up ``scale`` times with nearest neighbours first (so each
2x2 colour sample covers one original pixel), and :func:`read_y4m` averages the blocks back down.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..data.atomic import write_bytes
from ..data.validate import check_count, check_images

# BT.601 limited range (what libyuv, and so Chromium, assumes for I420): RGB in 0..255 -> Y 16..235, U/V 16..240
_TO_YUV = np.array([[0.25679, 0.50413, 0.09791], [-0.14822, -0.29099, 0.43922], [0.43922, -0.36779, -0.07143]])
_OFFSET = np.array([16.0, 128.0, 128.0])


def rgb_to_yuv420(frame: np.ndarray) -> bytes:
    """One uint8 RGB frame ``(H, W, 3)``, H and W even -> the I420 planes Y (H x W), U and V (H/2 x W/2)."""
    yuv = frame.astype(np.float64) @ _TO_YUV.T + _OFFSET
    h, w = frame.shape[:2]
    chroma = yuv[..., 1:].reshape(h // 2, 2, w // 2, 2, 2).mean(axis=(1, 3))
    planes = [yuv[..., 0], chroma[..., 0], chroma[..., 1]]
    return b"".join(np.clip(np.rint(p), 0, 255).astype(np.uint8).tobytes() for p in planes)


def yuv420_to_rgb(data: bytes, height: int, width: int) -> np.ndarray:
    """The inverse of :func:`rgb_to_yuv420` (chroma repeated over each 2x2 block) -> uint8 ``(H, W, 3)``."""
    n = height * width
    plane = np.frombuffer(data, np.uint8)
    y = plane[:n].reshape(height, width).astype(np.float64)
    u = plane[n:n + n // 4].reshape(height // 2, width // 2).repeat(2, 0).repeat(2, 1)
    v = plane[n + n // 4:n + n // 2].reshape(height // 2, width // 2).repeat(2, 0).repeat(2, 1)
    yuv = np.stack([y, u, v], -1) - _OFFSET
    return np.clip(np.rint(yuv @ np.linalg.inv(_TO_YUV).T), 0, 255).astype(np.uint8)


def write_y4m(path: str | os.PathLike, frames: np.ndarray, *, fps: int = 10, scale: int = 2) -> Path:
    """Write uint8 RGB frames ``(N, H, W, 3)`` as a ``.y4m`` video (each frame scaled up ``scale`` times).

    ``scale`` must be even (4:2:0 halves the colour resolution). Written atomically. Returns the path.
    """
    frames = check_images(frames, name="frames")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 RGB (N, H, W, 3), got {frames.dtype}")
    check_count(fps, "fps"), check_count(scale, "scale")
    if scale % 2:
        raise ValueError(f"scale must be even (4:2:0 video keeps one colour per 2x2 pixels), got {scale}")
    big = frames.repeat(scale, 1).repeat(scale, 2)
    h, w = big.shape[1:3]
    header = f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode()
    body = b"".join(b"FRAME\n" + rgb_to_yuv420(f) for f in big)
    return write_bytes(path, header + body, "writing")


def read_y4m(path: str | os.PathLike, *, scale: int = 2) -> np.ndarray:
    """The frames of a :func:`write_y4m` file as the browser decodes them, scaled back down: uint8 ``(N, H, W, 3)``."""
    data = Path(path).read_bytes()
    end = data.find(b"\n")
    fields = data[:end].split()
    if end < 0 or fields[:1] != [b"YUV4MPEG2"]:
        raise ValueError(f"{path} is not a .y4m video (it must start with 'YUV4MPEG2')")
    tags = {f[:1]: f[1:] for f in fields[1:]}
    w, h = int(tags[b"W"]), int(tags[b"H"])
    size, frames, pos = h * w * 3 // 2, [], end + 1
    while pos < len(data):
        pos = data.index(b"\n", pos) + 1          # "FRAME\n"
        rgb = yuv420_to_rgb(data[pos:pos + size], h, w)
        frames.append(rgb.reshape(h // scale, scale, w // scale, scale, 3).mean(axis=(1, 3)).round().astype(np.uint8))
        pos += size
    return np.stack(frames)


__all__ = ["read_y4m", "rgb_to_yuv420", "write_y4m", "yuv420_to_rgb"]
