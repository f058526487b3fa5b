"""MobileNet v1 in Keras, written block by block against Table 1 of the paper.

Also re-exports ``mobilenet_v2`` and ``shufflenet_v1`` (built in ``keras_mobilenet_v2`` and
``keras_shufflenet`` from the tables in ``specs``).

The layer structure and names are those of ``keras.applications.MobileNet``, so parameter
counts are equal and weights copy across layer by layer (:func:`copy_weights`).
"""
from __future__ import annotations


import keras
from keras import layers

from . import (MOBILENET_V1_BLOCKS, MOBILENET_V1_FIRST_CONV, POOLINGS, check_alpha, check_builder_arguments,  # noqa: F401
               scaled_channels)
from .keras_mobilenet_v2 import inverted_residual, mobilenet_v2
from .keras_shufflenet import channel_shuffle, shufflenet_unit, shufflenet_v1


BN_EPSILON = 1e-3  # keras.applications MobileNet: BatchNormalization defaults
BN_MOMENTUM = 0.99


def conv_bn_relu(x, filters: int, stride: int, name: str = "conv1"):
    """The first layer: a full 3x3 convolution, BatchNorm, ReLU6."""
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_relu")(x)


def depthwise_separable_block(x, filters: int, stride: int, block_id: int):
    """3x3 depthwise conv (carries the stride) -> BN -> ReLU6 -> 1x1 pointwise conv -> BN -> ReLU6.

    At stride 2 the input is padded by one row at the bottom and one column at the right,
    then convolved with "valid" padding: this is TensorFlow's "same" padding for an even
    input size, written out explicitly (as keras.applications does).
    """
    if stride == 1:
        padding = "same"
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(3, strides=stride, padding=padding, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def full_conv_block(x, filters: int, stride: int, block_id: int):
    """The "Conv MobileNet" of the paper's Table 4: one full 3x3 conv instead of dw + pw."""
    if stride == 1:
        padding = "same"
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
        padding = "valid"
    x = layers.Conv2D(filters, 3, strides=stride, padding=padding, use_bias=False,
                      name=f"conv_full_{block_id}")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"conv_full_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_full_{block_id}_relu")(x)


def _check_arguments(alpha, input_shape, classes, dropout, pooling) -> None:
    """Refuse what Keras would build wrongly (pooling="mean" silently gave the feature map)
    or reject deep inside a layer (alpha=0.01 gave a conv with filters=0)."""
    check_alpha(alpha)
    check_builder_arguments(input_shape, classes, dropout, pooling)


def mobilenet_v1(alpha: float = 1.0, input_shape: tuple[int, int, int] = (224, 224, 3),
                 include_top: bool = True, classes: int = 1000, dropout: float = 1e-3,
                 pooling: str | None = None, separable: bool = True,
                 classifier_activation: str | None = "softmax") -> keras.Model:
    """MobileNet v1 with width multiplier ``alpha``; the resolution is ``input_shape``.

    Same layers as ``keras.applications.MobileNet(weights=None, alpha=alpha, ...)``.
    The top is global average pooling -> dropout -> a 1x1 conv with bias on the 1x1 map (the
    fully connected layer) -> softmax. ``separable=False`` builds the paper's full-convolution
    baseline instead. ``pooling`` (None, "avg" or "max") applies without the top, as in
    keras.applications. Bad arguments raise a ValueError saying what was expected.
    """
    _check_arguments(alpha, input_shape, classes, dropout, pooling)
    inputs = keras.Input(shape=input_shape)
    stride, filters = MOBILENET_V1_FIRST_CONV
    x = conv_bn_relu(inputs, scaled_channels(filters, alpha), stride)
    block = depthwise_separable_block if separable else full_conv_block
    for block_id, (stride, filters) in enumerate(MOBILENET_V1_BLOCKS, start=1):
        x = block(x, scaled_channels(filters, alpha), stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)  # the FC layer
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    kind = "" if separable else "_fullconv"
    return keras.Model(inputs, x, name=f"mobilenet_v1_{alpha:0.2f}_{input_shape[0]}{kind}")


def layers_with_weights(model: keras.Model) -> list:
    return [layer for layer in model.layers if layer.weights]


def weights_as_arrays(model: keras.Model) -> list[tuple[str, str, list]]:
    """``(layer name, layer class, [NumPy arrays])`` for each layer with weights, in order.

    Plain data that pickles, so a process without TensorFlow can load them, e.g. into the
    PyTorch port (:func:`course_utils.models.torch_layers.load_keras_weights`).
    """
    return [(layer.name, type(layer).__name__, layer.get_weights()) for layer in layers_with_weights(model)]


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copy weights layer by layer, in order (layer types and weight shapes must match)."""
    src, dst = layers_with_weights(source), layers_with_weights(target)
    if len(src) != len(dst):
        raise ValueError(f"source has {len(src)} layers with weights, target {len(dst)}")
    for a, b in zip(src, dst):
        shapes_a = [tuple(w.shape) for w in a.weights]
        shapes_b = [tuple(w.shape) for w in b.weights]
        if type(a).__name__ != type(b).__name__ or shapes_a != shapes_b:
            raise ValueError(f"layer {a.name} ({type(a).__name__} {shapes_a}) does not match "
                             f"{b.name} ({type(b).__name__} {shapes_b})")
        b.set_weights(a.get_weights())


def randomize_batchnorm(model: keras.Model, seed: int = 0) -> None:
    """Give every BatchNorm non-trivial statistics (fresh ones are 0/1, which hides bugs)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n).astype("float32"),
                               rng.normal(0, 0.1, n).astype("float32"),
                               rng.normal(0, 0.1, n).astype("float32"),
                               rng.uniform(0.5, 1.5, n).astype("float32")])


__all__ = ["channel_shuffle", "inverted_residual", "mobilenet_v2", "shufflenet_unit", "shufflenet_v1",
           "mobilenet_v1", "copy_weights", "weights_as_arrays", "randomize_batchnorm", "depthwise_separable_block",
           "conv_bn_relu", "full_conv_block"]
