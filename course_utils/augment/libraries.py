"""One augmentation recipe in four libraries: OpenCV/NumPy by hand, torchvision v2, imgaug, Keras.

The recipe (:data:`RECIPE_TEXT`): horizontal flip (p = 0.5), rotation up to ±15°, brightness
and contrast ±25 %, Gaussian blur (σ 0.1–1.5 px), Gaussian noise, random erasing (p = 0.5).
Each library's version differs in details (noise level, fill of the erased box, border
mode) that the docstrings name. :func:`augment_with` runs one of them on a uint8 batch
``(N, H, W, 3)`` and returns uint8 ``(N, H, W, 3)``; the same seed gives the same batch.

Keras runs in a child process (:mod:`course_utils.augment.keras_worker`), so a notebook can
show it without loading TensorFlow beside PyTorch (a kernel with both peaks near 1.5 GiB).
"""
from __future__ import annotations

import numpy as np

from . import by_hand
from ..seeding import check_seed
from .preprocess import as_rgb_batch

LIBRARIES: tuple[str, ...] = ("opencv", "torchvision", "imgaug", "keras")
RECIPE_TEXT = "flip p=0.5 · rotate ±15° · brightness/contrast ±25% · blur σ 0.1–1.5 · noise · random erasing p=0.5"
NOISE_STD = 8.0  # grey levels (of 255): torchvision's and Keras' noise layers take a fixed std


def _check_library(library: str) -> None:
    if library not in LIBRARIES:
        raise ValueError(f"unknown library {library!r}; expected one of {LIBRARIES}")


def torchvision_pipeline():
    """``transforms.v2.Compose`` for one uint8 ``(3, H, W)`` tensor (or ``tv_tensors.Image``).

    Erasing fills with normal noise (``value="random"``); Gaussian noise is fixed at
    ``NOISE_STD`` and clipped. Boxes passed beside the image move with it.
    """
    import torch
    from torchvision.transforms import v2

    return v2.Compose([
        v2.RandomHorizontalFlip(0.5),
        v2.RandomRotation(15),
        v2.ColorJitter(brightness=0.25, contrast=0.25),
        v2.GaussianBlur(5, sigma=(0.1, 1.5)),
        v2.ToDtype(torch.float32, scale=True),
        v2.RandomErasing(p=0.5, scale=(0.02, 0.25), value=0.5),
        v2.GaussianNoise(sigma=NOISE_STD / 255, clip=True),
        v2.ToDtype(torch.uint8, scale=True),
    ])


def imgaug_pipeline(seed: int = 0):
    """The recipe as an imgaug ``Sequential`` (imported through the NumPy 2 shim)."""
    from ..imgaug_shim import import_imgaug

    ia, iaa = import_imgaug()
    ia.seed(seed)  # nested augmenters take their random streams from the global seed when built
    return iaa.Sequential([
        iaa.Fliplr(0.5),
        iaa.Affine(rotate=(-15, 15), mode="reflect"),
        iaa.Multiply((0.75, 1.25)),
        iaa.LinearContrast((0.75, 1.25)),
        iaa.GaussianBlur(sigma=(0.1, 1.5)),
        iaa.AdditiveGaussianNoise(scale=(0, 12)),
        iaa.Sometimes(0.5, iaa.Cutout(nb_iterations=1, size=(0.15, 0.5), squared=False,
                                      fill_mode="constant", cval=(0, 255), fill_per_channel=True)),
    ])


def _torchvision(batch: np.ndarray, seed: int) -> np.ndarray:
    import torch

    pipe = torchvision_pipeline()
    torch.manual_seed(seed)  # v2 transforms draw from torch's global generator
    x = torch.from_numpy(batch).permute(0, 3, 1, 2)
    # One thread, as in a DataLoader worker (PyTorch sets each worker to one): on one small
    # image, a second thread only adds hand-over costs, which explode on a busy machine.
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # one call per image: called on a batch tensor, v2 draws ONE set of parameters for all
        return np.stack([pipe(img).permute(1, 2, 0).numpy() for img in x])
    finally:
        torch.set_num_threads(saved)


def augment_with(library: str, images, seed: int = 0) -> np.ndarray:
    """Augment a batch with ``library``'s version of the recipe: ``(N, H, W[, C])`` -> ``(N, H, W, 3)`` uint8."""
    _check_library(library)
    seed = check_seed(seed)
    batch = as_rgb_batch(images)
    if library == "torchvision" and min(batch.shape[1:3]) < 3:
        raise ValueError(f"torchvision's recipe (a 5x5 blur with reflected borders) needs images of at least "
                         f"3x3 pixels, got {batch.shape[1]}x{batch.shape[2]}")
    if library == "opencv":
        return by_hand.augment_batch(batch, by_hand.RECIPE, seed)
    if library == "torchvision":
        return _torchvision(batch, seed)
    if library == "imgaug":
        return imgaug_pipeline(seed)(images=batch)
    return augment_seeds("keras", batch, (seed,))[0]


def augment_seeds(library: str, images, seeds) -> list[np.ndarray]:
    """:func:`augment_with` once per seed; Keras does all seeds in one child process."""
    _check_library(library)
    seeds = [check_seed(s) for s in seeds]
    if library != "keras":
        return [augment_with(library, images, seed=s) for s in seeds]
    from .keras_worker import run_in_child

    return list(run_in_child("augment", as_rgb_batch(images), seeds=tuple(seeds))["images"])


def check_box(box, shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` of finite numbers with ``0 <= x0 < x1 <= W`` and ``0 <= y0 < y1 <= H``."""
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be four numbers (x0, y0, x1, y1), got {box!r}") from None
    h, w = shape[:2]
    if not (np.isfinite([x0, y0, x1, y1]).all() and 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f"box must be (x0, y0, x1, y1) inside the {w}x{h} image with x0 < x1 and y0 < y1, got {box!r}")
    return x0, y0, x1, y1


def boxes_torchvision(image: np.ndarray, box: tuple[float, float, float, float], seed: int = 0):
    """Flip + rotate + scale an image and its ``(x0, y0, x1, y1)`` box with torchvision v2.

    Returns ``(image uint8 (H, W, 3), box as a float array (4,))``: the box is a
    ``tv_tensors.BoundingBoxes``, so the geometric transforms move it with the pixels.
    """
    import torch
    from torchvision import tv_tensors
    from torchvision.transforms import v2

    image = by_hand.as_rgb_uint8(image)
    box = check_box(box, image.shape)
    img = tv_tensors.Image(torch.from_numpy(image).permute(2, 0, 1))
    boxes = tv_tensors.BoundingBoxes([list(box)], format="XYXY", canvas_size=img.shape[-2:])
    torch.manual_seed(seed)
    geo = v2.Compose([v2.RandomHorizontalFlip(0.5), v2.RandomAffine(degrees=20, scale=(0.8, 1.1))])
    out, out_boxes = geo(img, boxes)
    return out.permute(1, 2, 0).numpy(), out_boxes[0].numpy().astype(float)


def boxes_imgaug(image: np.ndarray, box: tuple[float, float, float, float], seed: int = 0):
    """The same with imgaug's ``BoundingBoxesOnImage`` (the box of the rotated corners)."""
    from ..imgaug_shim import import_imgaug

    ia, iaa = import_imgaug()
    image = by_hand.as_rgb_uint8(image)
    box = check_box(box, image.shape)
    bbs = ia.BoundingBoxesOnImage([ia.BoundingBox(*box)], shape=image.shape)
    aug = iaa.Sequential([iaa.Fliplr(0.5), iaa.Affine(rotate=(-20, 20), scale=(0.8, 1.1))], seed=seed)
    out, out_bbs = aug(image=image, bounding_boxes=bbs)
    b = out_bbs.bounding_boxes[0]
    return out, np.array([b.x1, b.y1, b.x2, b.y2], float)
