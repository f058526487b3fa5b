"""A small hand-pose classifier trained here, for tests and for when lesson 07's is not at hand.

Lesson 07 (``course_utils.transfer.finetune``) trains the course's real classifier from a
pretrained backbone. Deployment code must not care which model it gets,
so the tests use this one: a four-layer CNN that trains in seconds on generated hands.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data.handpose import BACKGROUNDS, CLASSES, make_hands
from ..frameworks import _stderr_silenced, import_tensorflow_quietly


@dataclass
class SmallClassifier:
    """A trained classifier and its test set: the model takes (N, size, size, 3)
    float32 RGB in [0, 255] and returns (N, 3) softmax probabilities."""

    model: object
    size: int
    classes: tuple[str, ...]
    test_images: np.ndarray   # (M, size, size, 3) uint8
    test_labels: np.ndarray   # (M,) int
    accuracy: float
    seconds: float


def hands(n: int, size: int, seed: int, backgrounds: tuple[str, ...] = BACKGROUNDS) -> tuple[np.ndarray, np.ndarray]:
    """``n`` generated hands split evenly over ``backgrounds``: uint8 (n, size, size, 3), labels (n,)."""
    parts = [make_hands(n // len(backgrounds), size, b, seed=seed + i) for i, b in enumerate(backgrounds)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def small_cnn(size: int = 48, width: int = 16, seed: int = 0):
    """Conv(3x3, s2) x 3 with BatchNorm and ReLU6, global average pooling, Dense(3, softmax).

    BatchNorm momentum is 0.9, not Keras' 0.99: a model trained for only a hundred steps
    would otherwise be evaluated with moving statistics still close to their initial values.
    """
    import_tensorflow_quietly()
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    for i, c in enumerate((width, 2 * width, 4 * width)):
        x = layers.Conv2D(c, 3, strides=2, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.ReLU(6.0)(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(len(CLASSES), activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"small_cnn_{size}")


def train_small_classifier(size: int = 48, n_train: int = 1200, n_test: int = 200, epochs: int = 8,
                           seed: int = 0, backgrounds: tuple[str, ...] = ("plain", "color")) -> SmallClassifier:
    """Train :func:`small_cnn` on ``n_train`` generated hands on ``backgrounds``; test on ``n_test`` others."""
    if min(size, n_train, n_test, epochs) < 1:
        raise ValueError("size, n_train, n_test and epochs must be >= 1")
    start = time.perf_counter()
    x, y = hands(n_train, size, seed, backgrounds)
    xt, yt = hands(n_test, size, seed + 1000, backgrounds)
    model = small_cnn(size, seed=seed)   # imports TensorFlow and Keras
    import keras

    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    with _stderr_silenced():   # tf.data's C++ start-up warnings
        model.fit(x.astype(np.float32), y, epochs=epochs, batch_size=32, verbose=0, shuffle=True)
        acc = float((np.asarray(model(xt.astype(np.float32), training=False)).argmax(1) == yt).mean())
    return SmallClassifier(model, size, CLASSES, xt, yt, acc, time.perf_counter() - start)


__all__ = ["SmallClassifier", "hands", "small_cnn", "train_small_classifier"]
