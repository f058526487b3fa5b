"""The recipe as Keras preprocessing layers, run in a child process.

Why a child process: the lesson's kernel already holds PyTorch; loading TensorFlow beside it
would roughly double its memory (Binder gives about 2 GB). :func:`run_in_child` writes the
batch to a temporary ``.npz``, runs ``python -m course_utils.augment.keras_worker`` and reads
the answer back; TensorFlow's start-up log lines stay in the child's captured stderr.

Modes: ``"augment"`` returns ``{"images": uint8 (S, N, H, W, 3)}``, one batch per seed in ``seeds``; ``"throughput"`` returns, for
each image size, images/s of the layers called on a batch and of a ``tf.data`` pipeline
mapping them per image with ``num_parallel_calls=AUTOTUNE``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

NOISE_STD = 8.0  # the same fixed noise level as torchvision's pipeline (course_utils.augment.libraries)


def keras_pipeline(seed: int = 0):
    """``keras.Sequential`` of preprocessing layers: float ``(N, H, W, 3)`` in [0, 255] -> floats in [0, 1].

    It rescales to [0, 1] first (``GaussianNoise`` accepts a standard deviation of at most 1).
    Call it with ``training=True``: ``GaussianNoise`` is active only in training.
    """
    import keras
    from keras import layers

    return keras.Sequential([
        layers.Rescaling(1 / 255),
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(15 / 360, fill_mode="reflect", seed=seed + 1),   # factor: fraction of 2π
        layers.RandomBrightness(0.25, value_range=(0, 1), seed=seed + 2),
        layers.RandomContrast(0.25, value_range=(0, 1), seed=seed + 3),
        layers.RandomGaussianBlur(factor=1.0, kernel_size=5, sigma=(0.1, 1.5), value_range=(0, 1), seed=seed + 4),
        layers.GaussianNoise(NOISE_STD / 255, seed=seed + 5),
        layers.RandomErasing(factor=0.5, scale=(0.02, 0.25), value_range=(0, 1), seed=seed + 6),
    ])


def _augment(images: np.ndarray, seed: int) -> np.ndarray:
    pipe = keras_pipeline(seed)
    out = np.asarray(pipe(images.astype("float32"), training=True)) * 255
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _throughput(images: np.ndarray, sizes: np.ndarray, repeat: int, seed: int) -> np.ndarray:
    """Rows (size, then img/s of layers on the batch and of a tf.data map, each as median, slowest, fastest of
    ``repeat`` timed calls) measured on resized copies of ``images``."""
    import tensorflow as tf

    from ..timing import time_calls

    rows = []
    for size in sizes:
        x = tf.image.resize(tf.constant(images, tf.float32), (int(size), int(size)))
        pipe = keras_pipeline(seed)
        batched = tf.function(lambda t: pipe(t, training=True))
        t_batch = time_calls(lambda: batched(x).numpy(), repeat=repeat, warmup=1)
        one = tf.function(lambda t: pipe(t[None], training=True)[0])
        ds = tf.data.Dataset.from_tensor_slices(x).map(one, num_parallel_calls=tf.data.AUTOTUNE).batch(len(images))
        t_map = time_calls(lambda: [b.numpy() for b in ds], repeat=repeat, warmup=1)
        rate = [len(images) / t for t in (t_batch.median, t_batch.worst, t_batch.best, t_map.median, t_map.worst, t_map.best)]
        rows.append((float(size), *rate))
    return np.array(rows)


def main(argv: list[str]) -> None:
    """``python -m course_utils.augment.keras_worker IN.npz OUT.npz``."""
    src, dst = argv
    data = np.load(src)
    from ..frameworks import import_tensorflow_quietly

    import_tensorflow_quietly()
    seeds = [int(s) for s in data["seeds"]]
    if str(data["mode"]) == "augment":
        np.savez(dst, images=np.stack([_augment(data["images"], s) for s in seeds]))
    else:
        np.savez(dst, rows=_throughput(data["images"], data["sizes"], int(data["repeat"]), seeds[0]))


def run_in_child(mode: str, images: np.ndarray, seeds=(0,), sizes=(128, 224), repeat: int = 3,
                 timeout: float = 600) -> dict[str, np.ndarray]:
    """Run the Keras pipeline on uint8 ``images`` (N, H, W, 3) in a fresh Python process.

    Each seed builds a fresh pipeline (its layers seeded ``seed``, ``seed + 1``, ...).
    """
    if mode not in ("augment", "throughput"):
        raise ValueError(f"mode must be 'augment' or 'throughput', got {mode!r}")
    with tempfile.TemporaryDirectory(prefix="keras-aug-") as tmp:
        src, dst = Path(tmp, "in.npz"), Path(tmp, "out.npz")
        np.savez(src, images=np.asarray(images), seeds=np.asarray(seeds, dtype=np.int64), mode=mode, sizes=np.asarray(sizes), repeat=repeat)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        r = subprocess.run([sys.executable, "-m", "course_utils.augment.keras_worker", str(src), str(dst)],
                           capture_output=True, text=True, timeout=timeout, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"the Keras worker failed (exit {r.returncode}):\n{r.stderr[-2000:]}")
        with np.load(dst) as out:
            return {k: out[k] for k in out.files}


if __name__ == "__main__":
    main(sys.argv[1:])
