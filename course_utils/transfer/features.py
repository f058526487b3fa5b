"""Run a frozen backbone once, keep its features: every head trained afterwards is fast.

A frozen backbone gives the same output for the same image every epoch, so computing it
once and training the head on the stored features costs one forward pass per image instead
of one per image per epoch (for a 256-number head, training is then milliseconds).
"""
from __future__ import annotations

import contextlib

import numpy as np

from ..data.validate import check_count, check_images, check_labels
from ..models import check_dropout


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

    images = check_images(images)
    check_count(batch, "batch")
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


def _check_features(features, name: str, width: int | None = None) -> np.ndarray:
    """``features`` as a float32 ``(N, C)`` array of finite numbers with N >= 1 (and ``C == width``)."""
    if not isinstance(features, np.ndarray) or features.ndim != 2 or len(features) == 0 \
            or features.dtype.kind != "f" or (width is not None and features.shape[1] != width):
        shape = getattr(features, "shape", type(features).__name__)
        raise ValueError(f"{name} must be a non-empty float NumPy array (N, {width or 'C'}), got {shape}")
    if not np.isfinite(features).all():
        raise ValueError(f"{name} must be finite: NaN or inf found")
    return features.astype(np.float32, copy=False)


def train_head_on_features(features: np.ndarray, labels: np.ndarray, classes: int = 3, *,
                           dropout: float = 0.2, epochs: int = 200, seed: int = 0,
                           val_features=None, val_labels=None, patience: int = 20,
                           epochs_per_round: int = 10, verbose: int = 0):
    """Train Dropout -> Dense(classes, softmax) on pooled features ``(N, C)``; return (model, history).

    With ``val_*`` given, early stopping on validation loss keeps the best weights.

    Keras' ``fit`` spends about 0.1 s per epoch whatever the data (callbacks, a new iterator,
    the validation pass): for a head of a few hundred numbers that is far more than the
    arithmetic. So one Keras epoch here is a *round* of ``epochs_per_round`` passes over the
    features (shuffled together), and validation is checked once per round. ``epochs`` and
    ``patience`` count passes, rounded up to whole rounds. ``history`` has one entry per round
    and an ``"epoch"`` list: the passes done by the end of each round.
    """
    import keras

    features = _check_features(features, "features")
    classes = check_count(classes, "classes", minimum=2)
    labels = check_labels(labels, n=len(features), classes=classes)
    if (val_features is None) != (val_labels is None):
        raise ValueError("give both val_features and val_labels, or neither")
    if val_features is not None:
        val_features = _check_features(val_features, "val_features", features.shape[1])
        val_labels = check_labels(val_labels, n=len(val_features), classes=classes, name="val_labels")
    check_dropout(dropout)
    check_count(epochs, "epochs")
    check_count(patience, "patience")
    if isinstance(epochs_per_round, bool) or not isinstance(epochs_per_round, int) or epochs_per_round < 1:
        raise ValueError(f"epochs_per_round must be a positive integer, got {epochs_per_round!r}")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=features.shape[1:])
    x = keras.layers.Dropout(dropout, name="head_dropout")(inputs)
    out = keras.layers.Dense(classes, activation="softmax", name="probs")(x)
    head = keras.Model(inputs, out, name="head")
    head.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"],
                 steps_per_execution=32)
    rounds = -(-epochs // epochs_per_round)
    callbacks, val = [], None
    if val_features is not None:
        val = (val_features, val_labels)
        callbacks.append(keras.callbacks.EarlyStopping(patience=-(-patience // epochs_per_round),
                                                       restore_best_weights=True))
    repeated = (np.tile(features, (epochs_per_round, 1)), np.tile(labels, epochs_per_round))
    with quiet_tensorflow_logs():
        history = head.fit(*repeated, batch_size=min(64, len(features)), epochs=rounds, validation_data=val,
                           callbacks=callbacks, verbose=verbose, shuffle=True).history
    history["epoch"] = [epochs_per_round * (i + 1) for i in range(len(history["loss"]))]
    return head, history
