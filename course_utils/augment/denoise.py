"""Denoising with OpenCV, scored against the clean picture: PSNR, SSIM and time per image.

:data:`DENOISERS` maps a name to ``fn(uint8 RGB image) -> uint8 RGB image``: Gaussian blur,
median filter, bilateral filter (Tomasi & Manduchi 1998) and non-local means (Buades et al.
2005, ``cv2.fastNlMeansDenoisingColored``). :func:`denoise_table` adds Gaussian noise to
each picture with a fixed seed and returns one row per denoiser.
"""
from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ..timing import time_calls
from .preprocess import as_rgb_uint8

DENOISERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "noisy (no filter)": lambda im: im,
    "Gaussian 5x5": lambda im: cv2.GaussianBlur(im, (5, 5), 0),
    "median 5x5": lambda im: cv2.medianBlur(im, 5),
    "bilateral d=9": lambda im: cv2.bilateralFilter(im, 9, 75, 75),
    "non-local means h=15": lambda im: cv2.fastNlMeansDenoisingColored(im, None, 15, 15, 7, 21),
}


def add_noise(image: np.ndarray, sigma: float = 20.0, seed: int = 0, salt_pepper: float = 0.0) -> np.ndarray:
    """Gaussian noise of standard deviation ``sigma`` grey levels, and optionally a fraction
    ``salt_pepper`` of pixels set to 0 or 255 (what a median filter is good at)."""
    if not (np.isfinite([sigma, salt_pepper]).all() and sigma >= 0 and 0 <= salt_pepper <= 1):
        raise ValueError(f"expected sigma >= 0 and 0 <= salt_pepper <= 1, got {sigma} and {salt_pepper}")
    rng = np.random.default_rng(seed)
    x = as_rgb_uint8(image).astype(np.float32) + rng.normal(0, sigma, size=image.shape[:2] + (3,))
    if salt_pepper:
        hit = rng.random(x.shape[:2]) < salt_pepper
        x[hit] = rng.choice([0.0, 255.0], size=(int(hit.sum()), 1))
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def psnr_ssim(clean: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Peak signal-to-noise ratio (dB) and structural similarity of two uint8 RGB images."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    clean, other = as_rgb_uint8(clean), as_rgb_uint8(other)
    if clean.shape != other.shape or min(clean.shape[:2]) < 7:
        raise ValueError(f"expected two images of one shape, at least 7x7 pixels (SSIM's window), "
                         f"got {clean.shape} and {other.shape}")
    return (float(peak_signal_noise_ratio(clean, other, data_range=255)),
            float(structural_similarity(clean, other, channel_axis=-1, data_range=255)))


def denoise_table(images: dict[str, np.ndarray], sigma: float = 20.0, salt_pepper: float = 0.0,
                  repeat: int = 3, seed: int = 0) -> list[dict]:
    """One row per denoiser: mean PSNR (dB), mean SSIM over ``images`` and median ms per image.

    ``images`` maps a name to a clean uint8 picture; each gets its own fixed noise
    (``seed`` + its index). Rows: ``{"method", "psnr", "ssim", "ms", "ms_min", "ms_max"}``.
    """
    if not images:
        raise ValueError("expected at least one clean image, got none")
    clean = {k: as_rgb_uint8(v) for k, v in images.items()}
    noisy = {k: add_noise(v, sigma, seed + i, salt_pepper) for i, (k, v) in enumerate(clean.items())}
    rows = []
    for method, fn in DENOISERS.items():
        scores = [psnr_ssim(clean[k], fn(noisy[k])) for k in clean]
        t = time_calls(lambda: [fn(im) for im in noisy.values()], repeat=repeat, warmup=1)
        per = 1e3 / len(noisy)
        rows.append({"method": method, "psnr": float(np.mean([s[0] for s in scores])),
                     "ssim": float(np.mean([s[1] for s in scores])),
                     "ms": t.median * per, "ms_min": t.best * per, "ms_max": t.worst * per})
    return rows
