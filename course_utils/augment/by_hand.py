"""Augmentation by hand with NumPy and OpenCV: every step a few lines, every draw from one ``rng``.

Each augmenter has the signature ``aug(image, rng) -> image``: ``image`` is one uint8 picture
(gray, RGB or RGBA, any size; see :func:`~course_utils.augment.preprocess.as_rgb_uint8`),
the result is ``(H, W, 3)`` uint8 of the same size, and ``rng`` is a
``numpy.random.Generator``, the only source of randomness. The same seed therefore gives
the same pictures in any process. :func:`augment_batch` applies a list of them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import cv2
import numpy as np

from ..data.validate import check_count
from ..seeding import check_seed
from .preprocess import as_rgb_uint8

Augmenter = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _start(image, rng) -> np.ndarray:
    """Every augmenter's first line: ``rng`` must be a NumPy Generator; the image as RGB uint8."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return as_rgb_uint8(image)


def check_range(pair, name: str, minimum: float = 0.0, strict: bool = False) -> tuple[float, float]:
    """``(low, high)`` of finite numbers with ``minimum <= low <= high`` (``strict``: ``minimum < low``)."""
    try:
        low, high = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair of numbers, got {pair!r}") from None
    ok = np.isfinite([low, high]).all() and low <= high and (low > minimum if strict else low >= minimum)
    if not ok:
        raise ValueError(f"{name} must be a (low, high) pair of finite numbers with {minimum:g} "
                         f"{'<' if strict else '<='} low <= high, got {pair!r}")
    return low, high


def hflip(image: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """Mirror left-right with probability ``p``."""
    image = _start(image, rng)
    return np.ascontiguousarray(image[:, ::-1]) if rng.random() < p else image.copy()


def _warp(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    # reflect the border: a constant fill would paint black corners the network could learn
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def rotate(image: np.ndarray, rng: np.random.Generator, degrees: float = 15.0) -> np.ndarray:
    """Rotate about the centre by an angle drawn uniformly from ``[-degrees, degrees]``."""
    image = _start(image, rng)
    check_range((0, degrees), "(0, degrees)")
    h, w = image.shape[:2]
    angle = rng.uniform(-degrees, degrees)
    return _warp(image, cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0))


def affine(image: np.ndarray, rng: np.random.Generator, scale=(0.9, 1.1), translate: float = 0.1,
           shear_degrees: float = 8.0) -> np.ndarray:
    """Random scale, shear and shift (a fraction ``translate`` of the size) about the centre."""
    image = _start(image, rng)
    scale = check_range(scale, "scale", 0.0, strict=True)
    check_range((0, translate), "(0, translate)")
    check_range((0, shear_degrees), "(0, shear_degrees)")
    h, w = image.shape[:2]
    s = rng.uniform(*scale)
    sh = np.tan(np.radians(rng.uniform(-shear_degrees, shear_degrees)))
    tx, ty = rng.uniform(-translate, translate, size=2) * (w, h)
    a = np.array([[s, s * sh], [0.0, s]])
    c = np.array([(w - 1) / 2, (h - 1) / 2])
    offset = c - a @ c + (tx, ty)   # keep the centre fixed, then shift
    return _warp(image, np.hstack([a, offset[:, None]]).astype(np.float32))


def brightness_contrast(image: np.ndarray, rng: np.random.Generator, brightness: float = 0.25,
                        contrast: float = 0.25) -> np.ndarray:
    """Multiply by ``1 ± brightness``, then stretch about the mean gray by ``1 ± contrast``."""
    x = _start(image, rng).astype(np.float32)
    check_range((0, brightness), "(0, brightness)")
    check_range((0, contrast), "(0, contrast)")
    x *= rng.uniform(1 - brightness, 1 + brightness)
    mean = x.mean()
    x = (x - mean) * rng.uniform(1 - contrast, 1 + contrast) + mean
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def colour_jitter(image: np.ndarray, rng: np.random.Generator, gain: float = 0.2,
                  hue_degrees: float = 10.0) -> np.ndarray:
    """Per-channel gains ``1 ± gain`` (white balance) and a hue rotation of ``± hue_degrees``."""
    check_range((0, gain), "(0, gain)")
    check_range((0, hue_degrees), "(0, hue_degrees)")
    x = _start(image, rng).astype(np.float32) * rng.uniform(1 - gain, 1 + gain, size=3)
    hsv = cv2.cvtColor(np.clip(x + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
    shift = int(round(rng.uniform(-hue_degrees, hue_degrees) / 2))  # OpenCV's hue runs 0..179
    hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + shift) % 180).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def gaussian_blur(image: np.ndarray, rng: np.random.Generator, sigma=(0.1, 1.5)) -> np.ndarray:
    """Gaussian blur with a standard deviation drawn from ``sigma`` (pixels)."""
    image = _start(image, rng)
    return cv2.GaussianBlur(image, (0, 0), rng.uniform(*check_range(sigma, "sigma", 0.0, strict=True)))


def gaussian_noise(image: np.ndarray, rng: np.random.Generator, std=(0.0, 12.0)) -> np.ndarray:
    """Add zero-mean Gaussian noise whose standard deviation (grey levels) is drawn from ``std``."""
    x = _start(image, rng).astype(np.float32)
    x += rng.normal(0.0, rng.uniform(*check_range(std, "std")), size=x.shape).astype(np.float32)
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def random_erasing(image: np.ndarray, rng: np.random.Generator, p: float = 0.5,
                   area=(0.02, 0.25), aspect=(0.3, 3.3)) -> np.ndarray:
    """Random erasing (Zhong et al. 2017; cutout with random size): with probability ``p``,
    fill one rectangle with uniform random colours.

    Draw order (what makes it reproducible): ``rng.random()`` against ``p``; then up to 10
    tries of ``rng.uniform(*area)`` (fraction of the image) and ``exp(rng.uniform(log
    aspect))`` (height / width), giving ``eh = round(sqrt(a * r))``, ``ew = round(sqrt(a / r))``
    pixels; the first try with ``1 <= eh < H`` and ``1 <= ew < W`` draws ``top =
    rng.integers(0, H - eh + 1)``, ``left = rng.integers(0, W - ew + 1)`` and the fill
    ``rng.integers(0, 256, (eh, ew, 3), dtype=uint8)``. No fitting try: the image is unchanged.
    """
    out = _start(image, rng).copy()
    area, aspect = check_range(area, "area", 0.0, strict=True), check_range(aspect, "aspect", 0.0, strict=True)
    if rng.random() >= p:
        return out
    h, w = out.shape[:2]
    log_aspect = np.log(aspect)
    for _ in range(10):
        a = rng.uniform(*area) * h * w
        r = np.exp(rng.uniform(*log_aspect))
        eh, ew = int(round(np.sqrt(a * r))), int(round(np.sqrt(a / r)))
        if 1 <= eh < h and 1 <= ew < w:
            top, left = int(rng.integers(0, h - eh + 1)), int(rng.integers(0, w - ew + 1))
            out[top:top + eh, left:left + ew] = rng.integers(0, 256, (eh, ew, 3), dtype=np.uint8)
            return out
    return out


def clutter(size: int, rng: np.random.Generator) -> np.ndarray:
    """A synthetic cluttered background ``(size, size, 3)`` uint8: smooth colour noise plus
    random lines and discs. Built from random numbers only (no photo or texture), so a network
    trained on it has never seen the backgrounds it is tested on."""
    check_count(size, "size")
    k = int(rng.integers(2, 9))
    low = rng.integers(0, 256, (k, k, 3)).astype(np.uint8)
    img = cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(3, 12))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        p1, p2 = (tuple(int(v) for v in rng.integers(0, size, 2)) for _ in range(2))
        if rng.random() < 0.5:
            cv2.line(img, p1, p2, colour, int(rng.integers(1, max(2, size // 12))))
        else:
            cv2.circle(img, p1, int(rng.integers(2, max(3, size // 5))), colour, -1)
    return img


def photo_crop(size: int, rng: np.random.Generator) -> np.ndarray:
    """A random crop ``(size, size, 3)`` uint8 of one of the held-out photos
    (:data:`~course_utils.data.bundled.BACKGROUND_PHOTOS`, never the hand-pose test photos):
    a square of 15–75 % of the photo's shorter side, maybe mirrored, colour-tinted by 0.7–1.2."""
    from ..data.bundled import BACKGROUND_PHOTOS

    src = _background_photo(sorted(BACKGROUND_PHOTOS)[int(rng.integers(len(BACKGROUND_PHOTOS)))])
    h0, w0 = src.shape[:2]
    side = int(min(h0, w0) * rng.uniform(0.15, 0.75))
    y, x = int(rng.integers(0, h0 - side + 1)), int(rng.integers(0, w0 - side + 1))
    crop = cv2.resize(src[y:y + side, x:x + side], (size, size), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.clip(crop * rng.uniform(0.7, 1.2, 3), 0, 255).astype(np.uint8)


@lru_cache(maxsize=None)
def _background_photo(name: str) -> np.ndarray:
    from ..data.bundled import background_photo

    img = background_photo(name)
    img.setflags(write=False)  # a shared, read-only cache
    return img


SOURCES = {"clutter": clutter, "photos": photo_crop}


def replace_background(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                       p: float = 1.0, source: str = "clutter") -> np.ndarray:
    """With probability ``p``, keep the pixels where ``mask`` (bool ``(H, W)``) is True and put a
    new background elsewhere; otherwise return the image unchanged.

    ``source``: ``"clutter"`` (:func:`clutter`, random shapes) or ``"photos"`` (:func:`photo_crop`,
    crops of photos the test sets never use).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown background source {source!r}; expected one of {tuple(SOURCES)}")
    image = as_rgb_uint8(image)
    mask = np.asarray(mask, bool)
    if mask.shape != image.shape[:2] or image.shape[0] != image.shape[1]:
        raise ValueError(f"expected a square image and a bool mask of its size, got {image.shape} and {mask.shape}")
    if rng.random() >= p:
        return image.copy()
    return np.where(mask[..., None], image, SOURCES[source](image.shape[0], rng))


# The common recipe, the same ideas in every library (see course_utils.augment.libraries).
RECIPE: tuple[Augmenter, ...] = (hflip, rotate, brightness_contrast, gaussian_blur, gaussian_noise, random_erasing)


def augment_batch(images, steps: Sequence[Augmenter] = RECIPE, seed: int = 0) -> np.ndarray:
    """Apply ``steps`` in order to every image, all drawing from ``default_rng(seed)``.

    ``images``: ``(N, H, W[, C])`` uint8 or a list of same-size images; returns ``(N, H, W, 3)`` uint8.
    """
    if isinstance(images, np.ndarray) and (images.ndim not in (3, 4) or (images.ndim == 3 and images.shape[-1] in (3, 4))):
        raise ValueError(f"images must be a batch (N, H, W[, C]) or a list of images, got shape {images.shape}: "
                         "for one (H, W, C) image pass images[None]")
    rng = np.random.default_rng(check_seed(seed))
    out = []
    for image in images:
        image = as_rgb_uint8(image)
        for step in steps:
            image = step(image, rng)
        out.append(image)
    if not out:
        raise ValueError("expected at least one image, got an empty batch")
    return np.stack(out)
