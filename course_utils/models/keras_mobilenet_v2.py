"""MobileNet v2 in Keras, built from the paper's Table 2 rows (``specs.MOBILENET_V2_BLOCKS``).

Layer structure and names are those of ``keras.applications.MobileNetV2``, so parameter
counts are equal at every alpha and weights copy across layer by layer
(``keras_models.copy_weights``). Sandler et al. (2018), arXiv:1801.04381.
"""
from __future__ import annotations

import keras
from keras import layers

from . import check_builder_arguments
from .specs import MOBILENET_V2_FIRST_CONV, make_divisible, mobilenet_v2_blocks, mobilenet_v2_last_channels

BN = dict(epsilon=1e-3, momentum=0.999)  # keras.applications MobileNetV2's BatchNorm settings


def _tf_same_pad(size: int, k: int = 3) -> tuple[int, int]:
    """(before, after) zeros that make a stride-2 "valid" conv equal TensorFlow's "same"."""
    return (k // 2 - (1 - size % 2), k // 2)


def inverted_residual(x, t: int, c_out: int, stride: int, block_id: int):
    """Expand (1x1, t x channels, ReLU6) -> depthwise 3x3 (ReLU6) -> project (1x1, *linear*).

    Input (H, W, C_in) -> output (H / stride, W / stride, C_out). The skip connection is
    added only when the shapes agree (stride 1 and C_in == C_out). Block 0 has t = 1 and no
    expansion layer.
    """
    c_in = x.shape[-1]
    inputs, prefix = x, f"block_{block_id}_" if block_id else "expanded_conv_"
    if t != 1 or block_id:
        # pw: expand the narrow input into a wide space where ReLU6 loses little
        x = layers.Conv2D(t * c_in, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(**BN, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    if stride == 2:
        pads = (_tf_same_pad(x.shape[1]), _tf_same_pad(x.shape[2]))
        x = layers.ZeroPadding2D(pads, name=f"{prefix}pad")(x)
    # dw: one 3x3 filter per channel, carries the stride
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(**BN, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    # pw-linear: back to a narrow bottleneck, no ReLU (it would destroy information there)
    x = layers.Conv2D(c_out, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(**BN, name=f"{prefix}project_BN")(x)
    if stride == 1 and c_in == c_out:
        x = layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def mobilenet_v2(alpha: float = 1.0, input_shape: tuple[int, int, int] = (224, 224, 3),
                 include_top: bool = True, classes: int = 1000, dropout: float = 0.0,
                 pooling: str | None = None, classifier_activation: str | None = "softmax") -> keras.Model:
    """MobileNet v2 at width ``alpha``; the resolution is ``input_shape`` (H, W, 3).

    Equal to ``keras.applications.MobileNetV2(weights=None, alpha=alpha, ...)``. The top is
    global average pooling -> (dropout, if > 0; keras.applications has none) -> Dense.
    ``pooling`` ("avg", "max" or None) applies only without the top.
    """
    check_builder_arguments(input_shape, classes, dropout, pooling)
    blocks = mobilenet_v2_blocks(alpha)  # validates alpha
    inputs = keras.Input(shape=input_shape)
    stride, filters = MOBILENET_V2_FIRST_CONV
    x = layers.Conv2D(make_divisible(filters * alpha, 8), 3, strides=stride, padding="same",
                      use_bias=False, name="Conv1")(inputs)
    x = layers.BatchNormalization(**BN, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (t, _, c_out, s) in enumerate(blocks):
        x = inverted_residual(x, t, c_out, s, block_id)
    x = layers.Conv2D(mobilenet_v2_last_channels(alpha), 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(**BN, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    return keras.Model(inputs, x, name=f"mobilenetv2_{alpha:0.2f}_{input_shape[0]}")


__all__ = ["inverted_residual", "mobilenet_v2"]
