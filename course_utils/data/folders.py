"""Bring your own data: load any class-per-folder image directory, hand it to Keras or PyTorch.

The layout is the one of the Rock-Paper-Scissors zips, of Keras'
``image_dataset_from_directory`` and of torchvision's ``ImageFolder``::

    root/
      rock/      0001.png  0002.jpg ...
      paper/     ...
      scissors/  ...

Class names are the sub-folder names in sorted order (label 0 is the first), files are
read in sorted order, sub-folders of a class folder are included. A single wrapper folder
is looked through: ``load_folder("rps")`` works when the zip was extracted as
``rps/rps/rock/...``. Hidden files (``.DS_Store``...) and ``__MACOSX`` are ignored;
other files that are not readable images are skipped with a warning naming them.

Frameworks are imported only inside :func:`to_keras_dataset` and :func:`to_torch_dataset`.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def _size_hw(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                       for s in size)):
        raise ValueError(f"size must be a positive int or a (height, width) pair of them, got {size!r}")
    return int(size[0]), int(size[1])


def _visible(p: Path) -> bool:
    return not p.name.startswith(".") and p.name != "__MACOSX"


def _subdirs(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and _visible(p)), key=lambda p: p.name)


def _files(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        out += [Path(dirpath) / f for f in filenames if not f.startswith(".")]
    return sorted(out, key=lambda p: p.relative_to(folder).as_posix())


def find_class_root(root: str | os.PathLike) -> Path:
    """``root``, or the folder inside it that holds the class folders.

    Looks through wrapper folders: while ``root`` holds exactly one sub-folder, no files,
    and that sub-folder itself holds folders, descend (``rps/rps/rock`` -> ``rps/rps``).
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"image folder {root} does not exist; expected a folder with "
                                "one sub-folder of images per class")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is a file; expected a folder with one sub-folder "
                                 "of images per class")
    for _ in range(3):
        subs = _subdirs(root)
        loose = [p for p in root.iterdir() if p.is_file() and _visible(p)]
        if len(subs) == 1 and not loose and _subdirs(subs[0]):
            root = subs[0]
        else:
            break
    return root


def read_image(path: str | os.PathLike) -> np.ndarray:
    """One image file as uint8 RGB ``(H, W, 3)``: grayscale is repeated, alpha is
    composited onto white, palettes are expanded. Raises ``ValueError`` if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                img = Image.alpha_composite(white, rgba)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(img, dtype=np.float64)
                scale = 255.0 / 65535.0 if arr.max() > 255 else 1.0
                return np.repeat(np.clip(arr * scale, 0, 255).astype(np.uint8)[..., None], 3, -1)
            return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(f"{path} is not a readable image ({type(err).__name__}: {err})") from err


def resize(image: np.ndarray, size) -> np.ndarray:
    """Resize an ``(H, W, 3)`` image to ``size`` (int or (height, width)): ``INTER_AREA``
    when shrinking, ``INTER_LINEAR`` when enlarging, unchanged when already that size."""
    h, w = _size_hw(size)
    if image.shape[:2] == (h, w):
        return image
    shrink = h * w < image.shape[0] * image.shape[1]
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def load_folder(root: str | os.PathLike, size=64, classes=None, *,
                progress: bool | None = None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Load a class-per-folder image directory: ``(images, labels, class_names)``.

    ``images`` is uint8 ``(N, H, W, 3)`` RGB resized to ``size`` (an int, or a
    ``(height, width)`` pair), ``labels`` int64 ``(N,)`` indexing ``class_names``.
    ``classes`` picks and orders the class folders to load (default: all, sorted by name).
    Order is deterministic: classes in order, files sorted by path within each class.
    ``progress`` shows a progress bar (default: when there are more than 500 files).

    Raises ``FileNotFoundError`` for a missing folder, ``ValueError`` for a folder without
    class sub-folders, a missing requested class, or a class folder with no readable image.
    Files that are not readable images are skipped with a warning naming them.
    """
    hw = _size_hw(size)
    base = find_class_root(root)
    available = [p.name for p in _subdirs(base)]
    if not available:
        raise ValueError(f"{base} has no class sub-folders; expected root/<class_name>/<image "
                         "files> (e.g. root/rock/0001.png)")
    if classes is None:
        names = tuple(available)
    else:
        names = tuple(str(c) for c in classes)
        missing = [c for c in names if c not in available]
        if missing or not names or len(set(names)) != len(names):
            raise ValueError(f"classes {list(names)!r} must be distinct names of sub-folders of "
                             f"{base}; missing {missing}, available {available}")
    per_class = [(c, _files(base / name)) for c, name in enumerate(names)]
    total = sum(len(f) for _, f in per_class)
    bar = None
    if progress or (progress is None and total > 500):
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=f"loading {base.name}", unit="img")
    images, labels, skipped = [], [], []
    try:
        for c, files in per_class:
            count = 0
            for path in files:
                if bar is not None:
                    bar.update(1)
                try:
                    img = read_image(path)
                except ValueError:
                    skipped.append(path)
                    continue
                images.append(resize(img, hw))
                labels.append(c)
                count += 1
            if count == 0:
                raise ValueError(f"class folder {base / names[c]} has no readable images; "
                                 f"expected image files ({', '.join(IMAGE_SUFFIXES)})")
    finally:
        if bar is not None:
            bar.close()
    if skipped:
        shown = ", ".join(str(p) for p in skipped[:10]) + (" ..." if len(skipped) > 10 else "")
        warnings.warn(f"load_folder skipped {len(skipped)} file(s) that are not readable "
                      f"images: {shown}", stacklevel=2)
    return np.stack(images), np.asarray(labels, dtype=np.int64), names


def _check_arrays(images: np.ndarray, labels: np.ndarray) -> None:
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (N, H, W, 3), got {images.dtype} {images.shape}")
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), got {labels.shape}")


def to_keras_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int = 32,
                     shuffle: bool = True, seed: int = 0):
    """A batched ``tf.data.Dataset`` of ``(float32 NHWC images in [0, 1], int64 labels)``.

    Shuffles (with ``seed``, reshuffled every epoch) when ``shuffle``; ready for
    ``model.fit(ds)``. Scaling is ``x / 255``, exactly as in :func:`to_torch_dataset`.
    """
    _check_arrays(images, labels)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, np.asarray(labels, dtype=np.int64)))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y),
                                  num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def to_torch_dataset(images: np.ndarray, labels: np.ndarray):
    """A ``torch.utils.data.TensorDataset`` of ``(float32 CHW image in [0, 1], int64 label)``.

    Wrap it in a ``DataLoader(ds, batch_size, shuffle=True)`` to train. The images are
    converted once (4 bytes per value: mind the memory for large folders).
    """
    _check_arrays(images, labels)
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64).copy())
    return torch.utils.data.TensorDataset(x.contiguous(), y)
