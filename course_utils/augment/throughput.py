"""Images per second of each library's version of the recipe, and where augmentation should run.

:func:`library_throughput` times :func:`~course_utils.augment.libraries.augment_with` on a
batch of photos resized to each size (Keras in its child process, timed there without its
start-up); :func:`dataloader_throughput` times the torchvision pipeline inside a PyTorch
``DataLoader`` with 0 and more worker processes.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..timing import time_calls
from .libraries import LIBRARIES, _check_library, augment_with


def photo_batch(n: int, size: int) -> np.ndarray:
    """``n`` crops of scikit-image's bundled photos, resized to ``size x size``: uint8 ``(n, size, size, 3)``."""
    from ..data.bundled import PHOTOS, photo

    if n < 1 or size < 8:
        raise ValueError(f"expected n >= 1 images of size >= 8 px, got n={n}, size={size}")
    names = sorted(PHOTOS)
    out = []
    for i in range(n):
        im = photo(names[i % len(names)])
        h, w = im.shape[:2]
        s = min(h, w)
        top, left = (h - s) // 2, (w - s) // 2
        out.append(cv2.resize(im[top:top + s, left:left + s], (size, size), interpolation=cv2.INTER_AREA))
    return np.stack(out)


def library_throughput(libraries=LIBRARIES, sizes=(128, 224), n: int = 32, repeat: int = 3) -> list[dict]:
    """Rows ``{"library", "size", "img_s", "img_s_min", "img_s_max", "how"}`` (median over ``repeat``).

    Keras is called once per size on the whole batch (its layers batch), and also as a
    ``tf.data`` map with parallel calls (``library == "keras (tf.data map)"`` rows).
    """
    rows = []
    for library in libraries:
        _check_library(library)
        if library == "keras":
            from .keras_worker import run_in_child

            got = run_in_child("throughput", photo_batch(n, max(sizes)), sizes=sizes, repeat=repeat)["rows"]
            for size, *rates in got:   # median, slowest, fastest: for the batch, then for the tf.data map
                for name, (median, low, high), how in (
                        ("keras", rates[:3], "layers on a batch"),
                        ("keras (tf.data map)", rates[3:], "per image, num_parallel_calls=AUTOTUNE")):
                    rows.append({"library": name, "size": int(size), "img_s": float(median), "img_s_min": float(low),
                                 "img_s_max": float(high), "how": how})
            continue
        for size in sizes:
            batch = photo_batch(n, size)
            t = time_calls(lambda: augment_with(library, batch, seed=0), repeat=repeat, warmup=1)
            how = {"opencv": "per image (NumPy/OpenCV)", "torchvision": "per image (v2 on tensors)",
                   "imgaug": "batch call (loops inside)"}[library]
            rows.append({"library": library, "size": size, "img_s": n / t.median, "img_s_min": n / t.worst,
                         "img_s_max": n / t.best, "how": how})
    return rows


class _AugmentedPhotos:
    """A map-style dataset: photo ``i`` through the torchvision pipeline (what a Dataset's __getitem__ does)."""

    def __init__(self, images: np.ndarray):
        from .libraries import torchvision_pipeline

        self.images, self.pipe = images, torchvision_pipeline()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        import torch

        return self.pipe(torch.from_numpy(self.images[i]).permute(2, 0, 1))


def dataloader_throughput(size: int = 128, n: int = 128, workers=(0, 2), batch: int = 32, repeat: int = 3) -> dict[int, float]:
    """Images/s of one pass over ``n`` augmented photos through a ``DataLoader`` per worker count.

    With 0 workers the main process augments; with k > 0 the worker processes do (started
    once, in the untimed warm-up pass).
    """
    import torch

    ds = _AugmentedPhotos(photo_batch(n, size))
    out = {}
    saved = torch.get_num_threads()
    torch.set_num_threads(1)   # the main process like a worker: one thread (see libraries._torchvision)
    try:
        for k in workers:
            # persistent workers: started once (in the warm-up pass), not on every pass
            loader = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=k, persistent_workers=k > 0)
            t = time_calls(lambda: [b.shape for b in loader], repeat=repeat, warmup=1)
            out[k] = n / t.median
    finally:
        torch.set_num_threads(saved)
    return out
