"""The finished hand-pose classifier: course backbone + GAP/Dropout/Dense head, in Keras.

Recipe (:func:`train_handpose_classifier`): generate hands on all four background kinds,
run the frozen course backbone over them *once* (cached features), train the small head on
the features with early stopping, then, in full mode, fine-tune the last blocks briefly
with the head in place. The result is one plain functional Keras model taking
``(N, size, size, 3)`` float32 RGB in [0, 255] (a Rescaling layer inside maps to [-1, 1])
and returning softmax probabilities over :data:`~course_utils.data.handpose.CLASSES`.
It exports to TFLite as it is (lesson 08 does).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from ..data.handpose import BACKGROUNDS, CLASSES, make_hands


@dataclass
class HandposeClassifier:
    model: "keras.Model"        # noqa: F821  (N, size, size, 3) float32 in [0, 255] -> (N, 3) softmax
    size: int                   # input side in pixels
    classes: tuple[str, ...]    # == course_utils.data.handpose.CLASSES
    test_images: np.ndarray     # (M, size, size, 3) uint8, held-out generated hands, all four backgrounds
    test_labels: np.ndarray     # (M,) int
    accuracy: float             # on the held-out set
    seconds: float              # training wall time (features + head + fine-tuning; not data generation)
    test_backgrounds: np.ndarray = field(default_factory=lambda: np.array([]))  # (M,) background index
    history: dict = field(default_factory=dict)  # Keras training histories: "head", "finetune"

    def per_background(self) -> dict[str, float]:
        """Held-out accuracy on each background kind."""
        pred = predict(self.model, self.test_images).argmax(1)
        return {bg: float(np.mean(pred[self.test_backgrounds == i] == self.test_labels[self.test_backgrounds == i]))
                for i, bg in enumerate(BACKGROUNDS)}


@dataclass(frozen=True)
class Plan:
    per_background: int      # training images per background kind
    test_per_background: int
    finetune_epochs: int     # 0: frozen backbone + head only
    finetune_stages: int     # how many of the last stages fine-tuning unfreezes


FULL = Plan(per_background=600, test_per_background=150, finetune_epochs=4, finetune_stages=2)
FAST = Plan(per_background=120, test_per_background=45, finetune_epochs=0, finetune_stages=0)


def hands_all_backgrounds(per_background: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``per_background`` hands on each of BACKGROUNDS: ``(images, labels, background index)``."""
    parts = [make_hands(per_background, size, bg, seed=seed * 100 + i) for i, bg in enumerate(BACKGROUNDS)]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    kinds = np.repeat(np.arange(len(BACKGROUNDS)), per_background)
    return images, labels, kinds


def predict(model, images: np.ndarray, batch: int = 128) -> np.ndarray:
    """Softmax probabilities ``(N, classes)`` for uint8 or float images in [0, 255]."""
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
    if not 0 <= stages <= len(numbers):
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


def train_handpose_classifier(*, size: int = 96, seed: int = 0, fast: bool | None = None,
                              verbose: int = 0) -> HandposeClassifier:
    """Train the finished hand-pose classifier (course backbone + GAP/Dropout/Dense head).

    ``fast=None`` reads ``course_utils.modes.fast_mode()``; fast mode trains a smaller
    version (fewer hands, no fine-tuning) in about 20 s. Held-out hands come from other
    seeds than the training hands, on all four backgrounds.
    """
    from ..frameworks import import_tensorflow_quietly
    from ..modes import fast_mode
    from .backbone import course_backbone
    from .features import extract_features, quiet_tensorflow_logs, train_head_on_features

    if isinstance(size, bool) or not isinstance(size, int) or size < 32 or size % 32:
        raise ValueError(f"size must be a multiple of 32 and >= 32, got {size!r}")
    plan = FAST if (fast_mode() if fast is None else fast) else FULL
    import_tensorflow_quietly()
    import keras

    x, y, _ = hands_all_backgrounds(plan.per_background, size, seed)
    xv, yv, _ = hands_all_backgrounds(max(plan.per_background // 6, 15), size, seed + 7)
    x_test, y_test, k_test = hands_all_backgrounds(plan.test_per_background, size, seed + 1000)
    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    backbone = course_backbone("course", size)
    head, h_head = train_head_on_features(extract_features(backbone, x), y, seed=seed,
                                          val_features=extract_features(backbone, xv), val_labels=yv,
                                          verbose=verbose)
    model = assemble(backbone, head, size)
    history = {"head": h_head}
    if plan.finetune_epochs:
        unfreeze_last(backbone, plan.finetune_stages)
        model.compile(keras.optimizers.Adam(3e-4), "sparse_categorical_crossentropy", metrics=["accuracy"])
        stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
        with quiet_tensorflow_logs():
            history["finetune"] = model.fit(x.astype(np.float32), y, batch_size=32, epochs=plan.finetune_epochs,
                                            validation_data=(xv.astype(np.float32), yv), callbacks=[stop],
                                            verbose=verbose, shuffle=True).history
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(predict(model, x_test).argmax(1) == y_test))
    return HandposeClassifier(model, size, CLASSES, x_test, y_test, accuracy, seconds, k_test, history)


def keras_twin(torch_model, size: int, classes: tuple[str, ...] = CLASSES):
    """The Keras copy of a classifier fine-tuned in PyTorch (:mod:`.finetune`): the same
    layers and weights in one functional model shaped like :func:`assemble`'s, taking
    ``(N, size, size, 3)`` float32 in [0, 255] and returning softmax probabilities, so the
    finished classifier can go where Keras models go (``model.save``, TFLite in lesson 08).

    Kernels go back from PyTorch's ``(out, in, kh, kw)`` to Keras' ``(kh, kw, in, out)``,
    BatchNorm's weight, bias, running mean and variance to gamma, beta, moving mean and
    variance, Linear's ``(classes, 256)`` to Dense's ``(256, classes)``.
    """
    import keras

    from .backbones import vanilla_cnn

    state = {k: v.detach().cpu().numpy() for k, v in torch_model.state_dict().items()}
    wanted = [f"backbone.{4 * i}.weight" for i in range(4)] + ["head.1.weight", "head.1.bias"]
    missing = [k for k in wanted if k not in state]
    if missing or state["head.1.weight"].shape != (len(classes), 256):
        raise ValueError(f"not a fine-tuned course-CNN classifier for {len(classes)} classes "
                         f"(missing {missing or 'nothing'}; head {state.get('head.1.weight', np.empty(0)).shape})")
    backbone = vanilla_cnn(size)
    for i in range(4):
        conv, bn = f"backbone.{4 * i}", f"backbone.{4 * i + 1}"
        backbone.get_layer(f"conv{i + 1}").set_weights([state[f"{conv}.weight"].transpose(2, 3, 1, 0)])
        backbone.get_layer(f"bn{i + 1}").set_weights(
            [state[f"{bn}.{name}"] for name in ("weight", "bias", "running_mean", "running_var")])
    inputs = keras.Input(shape=(size, size, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(inputs)
    x = backbone(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.2, name="head_dropout")(x)
    dense = keras.layers.Dense(len(classes), activation="softmax", name="probs")
    out = dense(x)
    dense.set_weights([state["head.1.weight"].T, state["head.1.bias"]])
    return keras.Model(inputs, out, name="handpose_classifier")
