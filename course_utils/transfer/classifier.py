"""Keras pieces of the hand-pose classifier: data on every background, prediction, assembly.

* :func:`hands_all_backgrounds`: generated hands on each background kind, with their kind
  (optionally only on the training or the held-out photos, :data:`PHOTO_SPLIT`);
  :func:`hands_on_heldout_photos`: hands on photos no training image shows;
* :func:`assemble` / :func:`unfreeze_last`: backbone + head as one model taking [0, 255]
  pixels, and the last stages made trainable (the strategies of lesson 07 use them);
* :func:`keras_twin`: the Keras copy of the finished classifier, which is fine-tuned in
  PyTorch (:mod:`.finetune`), so it can be saved as ``.keras`` and exported to TFLite.

The first finished-classifier recipe lived here: a head on the frozen backbone's cached
features, then its last two stages fine-tuned, in Keras at 96 px. It reached 84.5% on the
held-out hands in 170 s, short of lesson 07's 97% in 2 minutes, and was replaced by
:mod:`.finetune` (98.0% after 72-89 s of training).
"""
from __future__ import annotations

import re

import numpy as np

from ..data.validate import check_count

from ..data.handpose import BACKGROUNDS, CLASSES, make_hands
from ..data.scenes import BACKGROUND_SPLIT, SPLITS


# Lesson 09's split of the bundled photos (alternate names): training photos and photos that no
# training image shows, so a "held-out background" really was never seen.
PHOTO_SPLIT: dict[str, tuple[str, ...]] = {split: BACKGROUND_SPLIT[split]["photo"] for split in SPLITS}
PHOTO_CHOICES = ("all", *SPLITS)


def _photo_names(photos: str) -> tuple[str, ...] | None:
    if photos not in PHOTO_CHOICES:
        raise ValueError(f"photos must be one of {PHOTO_CHOICES}, got {photos!r}")
    return None if photos == "all" else PHOTO_SPLIT[photos]


def hands_all_backgrounds(per_background: int, size: int, seed: int,
                          photos: str = "all") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``per_background`` hands on each of BACKGROUNDS: ``(images, labels, background index)``.

    ``photos``: which bundled photos the ``"photo"`` backgrounds are cropped from: ``"all"``
    (the default, as lessons 06 and 08 use it), ``"train"`` or ``"test"`` (:data:`PHOTO_SPLIT`).
    """
    names = _photo_names(photos)
    parts = [make_hands(per_background, size, bg, seed=seed * 100 + i, photos=names if bg == "photo" else None)
             for i, bg in enumerate(BACKGROUNDS)]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    kinds = np.repeat(np.arange(len(BACKGROUNDS)), per_background)
    return images, labels, kinds


def hands_on_heldout_photos(n: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` hands on crops of the held-out photos (``PHOTO_SPLIT["test"]``): ``(images, labels)``,
    uint8 ``(n, size, size, 3)`` and int64 ``(n,)``. A model trained with ``photos="train"`` never saw them."""
    images, labels, _ = make_hands(n, size, "photo", seed=seed, photos=PHOTO_SPLIT["test"])
    return images, labels


def predict(model, images: np.ndarray, batch: int = 32) -> np.ndarray:
    """Softmax probabilities ``(N, classes)`` for uint8 or float images in [0, 255].

    Small batches: each eager call holds every layer's activations at once, and at batch 128
    a kernel's peak memory rose by 0.2 GiB per call for no gain in speed.
    """
    check_count(batch, "batch")
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0 or images.dtype.kind not in "uif":
        raise ValueError(f"images must be a non-empty batch (N, H, W, C) of numbers in [0, 255], "
                         f"got shape {images.shape}, dtype {images.dtype}")
    return np.concatenate([np.asarray(model(images[i:i + batch].astype(np.float32), training=False))
                           for i in range(0, len(images), batch)])


def _stage(name: str) -> int:
    """The stage number in a layer name: conv3 / bn3 / pool3 (course CNN), conv_dw_12 (MobileNet); 0 if none."""
    m = re.match(r"(?:conv_dw_|conv_pw_|conv_pad_|conv|bn|relu|pool)(\d+)", name)
    return int(m.group(1)) if m else 0


def unfreeze_last(backbone, stages: int) -> None:
    """Make the last ``stages`` stages of ``backbone`` trainable (BatchNorm stays in inference mode)."""
    import keras

    numbers = sorted({_stage(layer.name) for layer in backbone.layers} - {0})
    if isinstance(stages, bool) or not isinstance(stages, (int, np.integer)) or not 0 <= stages <= len(numbers):
        raise ValueError(f"stages must be in 0..{len(numbers)}, got {stages!r}")
    first = numbers[-stages] if stages else numbers[-1] + 1
    backbone.trainable = True
    for layer in backbone.layers:
        layer.trainable = _stage(layer.name) >= first and not isinstance(layer, keras.layers.BatchNormalization)


def assemble(backbone, head, size: int):
    """One functional model: [0, 255] input -> Rescaling -> backbone -> GAP -> head's Dropout/Dense."""
    import keras

    inputs = keras.Input(shape=(size, size, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(inputs)
    x = backbone(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.2, name="head_dropout")(x)
    dense = keras.layers.Dense(head.get_layer("probs").units, activation="softmax", name="probs")
    out = dense(x)
    dense.set_weights(head.get_layer("probs").get_weights())
    return keras.Model(inputs, out, name="handpose_classifier")


def keras_twin(torch_model, size: int, classes: tuple[str, ...] = CLASSES):
    """The Keras copy of a classifier fine-tuned in PyTorch (:mod:`.finetune`): the same
    layers and weights in one functional model shaped like :func:`assemble`'s, taking
    ``(N, size, size, 3)`` float32 in [0, 255] and returning softmax probabilities, so the
    finished classifier can go where Keras models go (``model.save``, TFLite in lesson 08).

    See :func:`keras_twin_from_state` for the same from NumPy arrays (no PyTorch needed).
    """
    state = {k: v.detach().cpu().numpy() for k, v in torch_model.state_dict().items()}
    return keras_twin_from_state(state, size, classes)


def keras_twin_from_state(state: dict[str, np.ndarray], size: int, classes: tuple[str, ...] = CLASSES):
    """:func:`keras_twin` from the PyTorch classifier's state dict as NumPy arrays, so a
    TensorFlow-only kernel can build it from what a child process sent back.

    Kernels go back from PyTorch's ``(out, in, kh, kw)`` to Keras' ``(kh, kw, in, out)``,
    BatchNorm's weight, bias, running mean and variance to gamma, beta, moving mean and
    variance, Linear's ``(classes, 256)`` to Dense's ``(256, classes)``.
    """
    import keras

    from .backbones import vanilla_cnn

    wanted = [f"backbone.{4 * i}.weight" for i in range(4)] + ["head.1.weight", "head.1.bias"] + \
        [f"backbone.{4 * i + 1}.{n}" for i in range(4) for n in ("weight", "bias", "running_mean", "running_var")]
    missing = [k for k in wanted if k not in state]
    if missing or np.shape(state["head.1.weight"]) != (len(classes), 256):
        raise ValueError(f"not a fine-tuned course-CNN classifier for {len(classes)} classes "
                         f"(missing {missing or 'nothing'}; head {np.shape(state.get('head.1.weight', np.empty(0)))})")
    backbone = vanilla_cnn(size)
    for i in range(4):
        conv, bn = f"backbone.{4 * i}", f"backbone.{4 * i + 1}"
        backbone.get_layer(f"conv{i + 1}").set_weights([np.asarray(state[f"{conv}.weight"]).transpose(2, 3, 1, 0)])
        backbone.get_layer(f"bn{i + 1}").set_weights(
            [state[f"{bn}.{name}"] for name in ("weight", "bias", "running_mean", "running_var")])
    inputs = keras.Input(shape=(size, size, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(inputs)
    x = backbone(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.2, name="head_dropout")(x)
    dense = keras.layers.Dense(len(classes), activation="softmax", name="probs")
    out = dense(x)
    dense.set_weights([np.asarray(state["head.1.weight"]).T, state["head.1.bias"]])
    return keras.Model(inputs, out, name="handpose_classifier")
