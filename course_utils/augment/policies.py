"""Two policies learners use today, beside the course's by-hand ones (lesson 06, §5).

* :func:`trivial_augment`: torchvision's ``TrivialAugmentWide`` (Müller & Hutter 2021): one
  operation drawn uniformly from 14 (identity, shear, translate, rotate, brightness, colour,
  contrast, sharpness, posterize, solarize, autocontrast, equalize...), at a strength drawn
  uniformly too. No search, no tuning. An ``aug(image, rng)`` step like :mod:`.by_hand`'s.
* :func:`cutmix`: CutMix (Yun et al. 2019) on a *batch*: a box cut from another picture of the
  batch is pasted in, and the labels are mixed in proportion to the pixels each picture keeps.
  Written out in NumPy, so every draw comes from one ``numpy.random.Generator``.
"""
from __future__ import annotations

import numpy as np

from ..data.validate import check_count, check_images, check_labels
from .by_hand import _start


def trivial_augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """torchvision v2 ``TrivialAugmentWide`` on one uint8 picture ``(H, W, 3)`` -> ``(H, W, 3)`` uint8.

    torchvision draws from PyTorch's global generator; the draw is made reproducible by seeding a
    forked copy of it from ``rng`` (one 63-bit seed per picture), so the global state is untouched.
    """
    import torch
    from torchvision.transforms import v2

    image = _start(image, rng)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**63 - 1)))
        out = v2.TrivialAugmentWide()(torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1))
    return out.permute(1, 2, 0).numpy().copy()


def cutmix(images: np.ndarray, labels: np.ndarray, classes: int, rng: np.random.Generator,
           alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """CutMix a batch: uint8 ``(N, S, S, 3)`` and int labels ``(N,)`` -> images and soft labels ``(N, classes)``.

    One mixing ratio for the batch, ``lam ~ Beta(alpha, alpha)``; a box of about ``(1 - lam)`` of
    the area, centred uniformly and clipped at the border, is copied from the batch shuffled. The
    label weights are the exact pixel shares after clipping: picture ``i`` keeps ``1 - box/S**2``
    of its own label and gets ``box/S**2`` of its partner's.
    """
    images = check_images(images)
    classes = check_count(classes, "classes", minimum=2)
    labels = check_labels(labels, n=len(images), classes=classes)
    if not (isinstance(alpha, (int, float)) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
    n, h, w = images.shape[:3]
    lam = rng.beta(alpha, alpha)
    cut_h, cut_w = int(h * np.sqrt(1 - lam)), int(w * np.sqrt(1 - lam))
    cy, cx = rng.integers(h), rng.integers(w)
    y0, y1 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, h)
    x0, x1 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, w)
    partner = rng.permutation(n)
    out = images.copy()
    out[:, y0:y1, x0:x1] = images[partner, y0:y1, x0:x1]
    share = (y1 - y0) * (x1 - x0) / (h * w)          # of each picture, now its partner's
    onehot = np.eye(classes, dtype=np.float32)
    soft = (1 - share) * onehot[labels] + share * onehot[labels[partner]]
    return out, soft.astype(np.float32)
