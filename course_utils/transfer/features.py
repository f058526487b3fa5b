"""Run a frozen backbone once, keep its features: every head trained afterwards is fast.

A frozen backbone gives the same output for the same image every epoch, so computing it
once and training the head on the stored features costs one forward pass per image instead
of one per image per epoch (for a 256-number head, training is then milliseconds).
"""
from __future__ import annotations

import contextlib

import numpy as np


@contextlib.contextmanager
def quiet_tensorflow_logs():
    """Keep TensorFlow's C++ log lines out of a notebook during ``fit`` (Keras' input pipeline
    prints a harmless "NodeDef mentions attribute use_unbounded_threadpool" error line per call).

    Descriptor 2 goes to /dev/null for the block; Python exceptions still propagate.
    """
    from ..frameworks import _stderr_silenced

    with _stderr_silenced():
        yield


def extract_features(backbone, images: np.ndarray, batch: int = 64, pool: bool = True,
                     progress: bool | None = None) -> np.ndarray:
    """Backbone outputs for uint8 ``images`` ``(N, H, W, 3)`` in [0, 255].

    Scales to [-1, 1] (the backbone's convention), runs in inference mode, batch by batch.
    Returns ``(N, C)`` float32 (global-average pooled) with ``pool``, else ``(N, h, w, C)``.
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (N, H, W, 3), got shape {images.shape}")
    if images.shape[1:3] != tuple(backbone.input_shape[1:3]):
        raise ValueError(f"images are {images.shape[1:3]}, the backbone expects {backbone.input_shape[1:3]}")

    def run(x):  # eager: a tf.function per call would be retraced for every backbone (and warn)
        y = backbone(tf.cast(x, tf.float32) / 127.5 - 1.0, training=False)
        return tf.reduce_mean(y, axis=(1, 2)) if pool else y

    starts = range(0, len(images), batch)
    if progress or (progress is None and len(images) >= 2000):
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="features", unit="batch")
    return np.concatenate([run(images[i:i + batch]).numpy() for i in starts]).astype(np.float32)


def train_head_on_features(features: np.ndarray, labels: np.ndarray, classes: int = 3, *,
                           dropout: float = 0.2, epochs: int = 200, seed: int = 0,
                           val_features=None, val_labels=None, patience: int = 20, verbose: int = 0):
    """Train Dropout -> Dense(classes, softmax) on pooled features ``(N, C)``; return (model, history).

    With ``val_*`` given, early stopping on validation loss keeps the best weights.
    """
    import keras

    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"features must be (N, C) with one label each, got {features.shape} and {len(labels)} labels")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=features.shape[1:])
    x = keras.layers.Dropout(dropout, name="head_dropout")(inputs)
    out = keras.layers.Dense(classes, activation="softmax", name="probs")(x)
    head = keras.Model(inputs, out, name="head")
    head.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"],
                 steps_per_execution=32)
    callbacks, val = [], None
    if val_features is not None:
        val = (val_features, val_labels)
        callbacks.append(keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True))
    with quiet_tensorflow_logs():
        history = head.fit(features, labels, batch_size=64, epochs=epochs, validation_data=val,
                           callbacks=callbacks, verbose=verbose, shuffle=True)
    return head, history.history
