"""The two classifier heads of lesson 07, built on any backbone and counted exactly.

* ``"gap"``:     GlobalAveragePooling2D -> Dropout -> Dense(classes, softmax).
  Parameters: ``(C + 1) * classes`` for a ``C``-channel feature map, at any resolution
  (3,075 for MobileNet v1 1.0: C = 1024).
* ``"flatten"``: Flatten -> Dense(256, relu) -> Dense(classes, softmax).
  Parameters: ``(H * W * C + 1) * 256 + 257 * classes``: they grow with the input area
  (at 224x224, VGG16's 7x7x512 map alone feeds 6.4 million weights into Dense(256)).

:func:`head_params` is the formula; :func:`attach_head` builds the model so a test can check
the formula against Keras' own count. :data:`KERAS_BACKBONES` names the keras.applications
builders used for the published totals (VGG16, MobileNet v1, MobileNet v2).
"""
from __future__ import annotations

import numbers

from ..models import check_dropout, check_positive_int

HEADS = ("gap", "flatten")
HIDDEN = 256
KERAS_BACKBONES = {"vgg16": "VGG16", "mobilenet_v1": "MobileNet", "mobilenet_v2": "MobileNetV2",
                   "resnet50": "ResNet50"}


def head_params(kind: str, feature_shape: tuple[int, int, int], classes: int = 3,
                hidden: int = HIDDEN) -> int:
    """Trainable parameters of a head on an ``(H, W, C)`` feature map (weights + biases)."""
    if kind not in HEADS:
        raise ValueError(f"head kind must be one of {HEADS}, got {kind!r}")
    if len(feature_shape) != 3 or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0
                                          for n in feature_shape):
        raise ValueError(f"feature_shape must be (H, W, C) positive ints, got {feature_shape!r}")
    h, w, c = (int(n) for n in feature_shape)
    classes, hidden = check_positive_int(classes, "classes"), check_positive_int(hidden, "hidden")
    if kind == "gap":
        return (c + 1) * classes
    return (h * w * c + 1) * hidden + (hidden + 1) * classes


def head_layers(kind: str, classes: int = 3, dropout: float = 0.2, hidden: int = HIDDEN) -> list:
    """The head's Keras layers, in order (call them one after the other on a feature map)."""
    from keras import layers

    if kind not in HEADS:
        raise ValueError(f"head kind must be one of {HEADS}, got {kind!r}")
    check_positive_int(classes, "classes")
    check_positive_int(hidden, "hidden")
    check_dropout(dropout)
    if kind == "gap":
        return [layers.GlobalAveragePooling2D(name="gap"), layers.Dropout(dropout, name="head_dropout"),
                layers.Dense(classes, activation="softmax", name="probs")]
    return [layers.Flatten(name="flatten"), layers.Dense(hidden, activation="relu", name="fc256"),
            layers.Dense(classes, activation="softmax", name="probs")]


def attach_head(backbone, kind: str = "gap", classes: int = 3, dropout: float = 0.2,
                freeze: bool = True, rescale: bool = False):
    """``backbone`` (a Keras model, image -> feature map) + a head, as one functional model.

    ``freeze`` marks the backbone not trainable (its BatchNorm layers then run in inference
    mode too). ``rescale`` puts a Rescaling layer first, so the model takes [0, 255] pixels
    (the backbone expects [-1, 1]).
    """
    import keras

    if not isinstance(backbone, keras.Model):
        raise ValueError(f"backbone must be a Keras model (image -> feature map), got {type(backbone).__name__}")
    backbone.trainable = not freeze
    inputs = keras.Input(shape=backbone.input_shape[1:])
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_minus1_1")(inputs) if rescale else inputs
    x = backbone(x, training=False) if freeze else backbone(x)
    for layer in head_layers(kind, classes, dropout):
        x = layer(x)
    return keras.Model(inputs, x, name=f"{backbone.name}_{kind}_head")


def keras_application(name: str, size: int = 224):
    """A randomly initialised keras.applications backbone without its top (for counting)."""
    import keras

    if name not in KERAS_BACKBONES:
        raise ValueError(f"backbone must be one of {sorted(KERAS_BACKBONES)}, got {name!r}")
    builder = getattr(keras.applications, KERAS_BACKBONES[name])
    return builder(input_shape=(size, size, 3), include_top=False, weights=None)


def trainable_count(model) -> int:
    """Keras' trainable parameter count of ``model`` (frozen layers excluded)."""
    return int(sum(int(w.numpy().size) for w in model.trainable_weights))
