"""Bring your own data: load any class-per-folder image directory, hand it to Keras or PyTorch.

The layout is the one of Keras' ``image_dataset_from_directory`` and of torchvision's
``ImageFolder``::

    root/
      paper/     0001.png  0002.jpg ...
      rock/      ...
      scissors/  ...

Class names are the sub-folder names in sorted order (label 0 is the first, as in
ImageFolder and Keras, and as in :data:`course_utils.data.handpose.CLASSES`), or the
order you pass as ``classes=``. Files are read in sorted order. A wrapper folder of the
same name is looked through (``load_folder("rps")`` works for ``rps/rps/rock/...``).
Hidden files (``.DS_Store``...) and ``__MACOSX`` are ignored; files that cannot be read
(not an image, truncated, a decompression bomb...) are skipped with a warning naming them.

Layouts that would invent classes are refused with a message saying which folder to
pass: dataset splits (``root/train``, ``root/test``; the RPS download's ``rps`` and
``rps-test-set``) and class folders that hold sub-folders instead of images
(``root/rock/{day,night}``). :func:`split_folders` returns the split folders of a
download, e.g. ``split_folders(fetch("rps"))`` -> ``{"train": .../rps, "test": .../rps-test-set}``.

Frameworks are imported only inside :func:`to_keras_dataset` and :func:`to_torch_dataset`.
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import cv2
import numpy as np

from .reading import IMAGE_SUFFIXES, read_image  # noqa: F401 (re-exported)

# Folder names that name a dataset split, not a class: "train", "test", "rps-test-set"...
_SPLIT = re.compile(r"(?:^|[-_. ])(?P<split>train|training|test|testing|val|valid|validation|"
                    r"eval|dev)(?:[-_. ]|$)", re.IGNORECASE)
_SPLIT_KIND = {"train": "train", "training": "train", "test": "test", "testing": "test",
               "eval": "test", "val": "val", "valid": "val", "validation": "val", "dev": "val"}
_SPLIT_WORDS = {"train": "the training set", "test": "the test set", "val": "the validation set"}


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


def _loose_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file() and _visible(p)]


def _files(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        out += [Path(dirpath) / f for f in filenames if not f.startswith(".")]
    return sorted(out, key=lambda p: p.relative_to(folder).as_posix())


def find_class_root(root: str | os.PathLike) -> Path:
    """``root``, or the same-named wrapper folder inside it that holds the class folders.

    Descends while ``root`` holds exactly one sub-folder *of the same name* and no files
    (``rps/rps/rock`` -> ``rps/rps``): a zip extracted into a folder named after it. A
    single sub-folder with another name may be a class (``root/rock/{day,night}``), so
    it is not looked through; :func:`load_folder` then says what to pass.
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
        if (len(subs) == 1 and not _loose_files(root) and _subdirs(subs[0])
                and subs[0].name.lower() == root.name.lower()):
            root = subs[0]
        else:
            break
    return root


def _split_kind(name: str) -> str | None:
    match = _SPLIT.search(name)
    return _SPLIT_KIND[match.group("split").lower()] if match else None


def split_folders(root: str | os.PathLike) -> dict[str, Path]:
    """The split folders of a downloaded dataset: ``{"train": path, "test": path, ...}``.

    A split folder is a sub-folder of ``root`` that itself holds class folders. Its kind
    comes from its name (``train``, ``test``, ``val``... anywhere in it, so the RPS
    download's ``rps-test-set`` is the test set); the one folder without such a name is
    the training set (RPS's ``rps``). Raises ``ValueError`` if that is ambiguous.
    """
    root = Path(root).expanduser()
    splits: dict[str, Path] = {}
    unnamed = []
    for sub in _subdirs(root):
        if not any(_subdirs(sub)):
            continue  # not a folder of class folders
        kind = _split_kind(sub.name)
        if kind is None:
            unnamed.append(sub)
        elif kind in splits:
            raise ValueError(f"{root} holds two {kind} splits, {splits[kind].name!r} and "
                             f"{sub.name!r}; pass the one you want to load_folder()")
        else:
            splits[kind] = sub
    if len(unnamed) == 1 and "train" not in splits:
        splits["train"] = unnamed[0]
    elif unnamed:
        raise ValueError(f"{root}: cannot tell which of {[p.name for p in unnamed]} is which "
                         "split; expected names containing train / test / val")
    if not splits:
        raise ValueError(f"{root} holds no split folders; expected root/<split>/<class>/<images>")
    return {k: splits[k] for k in ("train", "val", "test") if k in splits}


def _check_layout(base: Path, names: tuple[str, ...]) -> None:
    """Refuse layouts where the class folders are really splits or hold sub-folders."""
    if any(_split_kind(n) for n in names):
        try:
            hint = " and ".join(f"{base}/{p.name!r} for {_SPLIT_WORDS[k]}"
                                for k, p in split_folders(base).items())
        except ValueError:
            hint = "one of them"
        raise ValueError(f"{base} holds dataset splits {list(names)}, not class folders: "
                         f"pass {hint} (split_folders() returns them), or classes=[...] "
                         "if these really are class names")
    for name in names:
        folder = base / name
        subs = _subdirs(folder)
        if subs and not _loose_files(folder):
            raise ValueError(f"class folder {folder} holds sub-folders "
                             f"{[p.name for p in subs]} rather than images, so {base} is not "
                             f"a folder of classes: if those are the classes, pass "
                             f"{base}/{name!r}")


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
    ``classes`` picks and orders the class folders to load (default: all, sorted by name,
    the order of ``handpose.CLASSES``). Order is deterministic: classes in order, files
    sorted by path within each class. ``progress`` shows a progress bar (default: when
    there are more than 500 files).

    Raises ``FileNotFoundError`` for a missing folder, ``ValueError`` for a folder without
    class sub-folders, split folders or nested class folders (the message says which
    folder to pass), a missing requested class, or a class folder with no readable image.
    Files that cannot be read are skipped with a warning naming them.
    """
    hw = _size_hw(size)
    base = find_class_root(root)
    available = [p.name for p in _subdirs(base)]
    if not available:
        raise ValueError(f"{base} has no class sub-folders; expected root/<class_name>/<image "
                         "files> (e.g. root/rock/0001.png)")
    if classes is None:
        names = tuple(available)
        _check_layout(base, names)
    else:
        names = tuple(str(c) for c in classes)
        missing = [c for c in names if c not in available]
        if missing or not names or len(set(names)) != len(names):
            raise ValueError(f"classes {list(names)!r} must be distinct names of sub-folders of "
                             f"{base}; missing {missing}, available {available}")
        _check_layout(base, tuple(n for n in names if not _split_kind(n)))
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
                except ValueError as err:
                    skipped.append((path, err))
                    continue
                images.append(resize(img, hw))
                labels.append(c)
                count += 1
            if count == 0:
                raise ValueError(f"class folder {base / names[c]} has no readable images; "
                                 f"expected image files ({', '.join(IMAGE_SUFFIXES)})"
                                 + _skipped_text(skipped, "; unreadable"))
    finally:
        if bar is not None:
            bar.close()
    if skipped:
        warnings.warn(f"load_folder skipped {len(skipped)} file(s) that could not be read"
                      + _skipped_text(skipped, ""), stacklevel=2)
    return np.stack(images), np.asarray(labels, dtype=np.int64), names


def _skipped_text(skipped: list, lead: str) -> str:
    """``lead: path (reason), ...`` for at most 10 skipped files, or '' if none."""
    if not skipped:
        return ""
    shown = ", ".join(f"{p} ({type(e.__cause__ or e).__name__})" for p, e in skipped[:10])
    return f"{lead}: {shown}" + (" ..." if len(skipped) > 10 else "")


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
