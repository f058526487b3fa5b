"""ShuffleNet v1 in Keras, built from Table 1 of Zhang et al. (2017), arXiv:1707.01083.

A ShuffleNet unit: 1x1 *group* conv (bottleneck) -> BN -> ReLU -> channel shuffle ->
3x3 depthwise conv (carries the stride) -> BN -> 1x1 group conv -> BN; then add the input
and ReLU (stride 1) or concatenate the 3x3 average-pooled input and ReLU (stride 2).
"""
from __future__ import annotations

import keras
from keras import layers

from . import check_builder_arguments
from .specs import SHUFFLENET_V1_FIRST_CONV, shufflenet_v1_units

BN = dict(epsilon=1e-3, momentum=0.99)


def channel_shuffle(x, groups: int, name: str):
    """(H, W, C) -> (H, W, C) with the channels of each group dealt out across all groups.

    Reshape to (H, W, g, C/g), swap the last two axes, reshape back: channel j of group i
    moves to position j * g + i, so the next group conv sees every group.
    """
    h, w, c = x.shape[1:]
    x = layers.Reshape((h, w, groups, c // groups), name=f"{name}_split")(x)
    x = layers.Permute((1, 2, 4, 3), name=f"{name}_transpose")(x)
    return layers.Reshape((h, w, c), name=f"{name}_merge")(x)


def shufflenet_unit(x, c_mid: int, c_out: int, stride: int, groups: int, first_groups: int, name: str):
    """(H, W, C_in) -> (H / stride, W / stride, C_out); see the module docstring."""
    c_in = x.shape[-1]
    branch_out = c_out - c_in if stride == 2 else c_out
    y = layers.Conv2D(c_mid, 1, groups=first_groups, use_bias=False, name=f"{name}_gconv1")(x)
    y = layers.BatchNormalization(**BN, name=f"{name}_gconv1_bn")(y)
    y = layers.ReLU(name=f"{name}_gconv1_relu")(y)
    if first_groups > 1:
        y = channel_shuffle(y, first_groups, f"{name}_shuffle")
    y = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_dwconv")(y)
    y = layers.BatchNormalization(**BN, name=f"{name}_dwconv_bn")(y)
    y = layers.Conv2D(branch_out, 1, groups=groups, use_bias=False, name=f"{name}_gconv2")(y)
    y = layers.BatchNormalization(**BN, name=f"{name}_gconv2_bn")(y)
    if stride == 2:
        shortcut = layers.AveragePooling2D(3, 2, padding="same", name=f"{name}_avgpool")(x)
        y = layers.Concatenate(name=f"{name}_concat")([shortcut, y])
    else:
        y = layers.Add(name=f"{name}_add")([x, y])
    return layers.ReLU(name=f"{name}_relu")(y)


def shufflenet_v1(groups: int = 3, scale: float = 1.0, input_shape: tuple[int, int, int] = (224, 224, 3),
                  include_top: bool = True, classes: int = 1000, dropout: float = 0.0,
                  pooling: str | None = None, classifier_activation: str | None = "softmax") -> keras.Model:
    """ShuffleNet v1 ``scale``x with ``groups`` groups (1, 2, 3, 4 or 8: Table 1's columns)."""
    check_builder_arguments(input_shape, classes, dropout, pooling)
    units = shufflenet_v1_units(groups, scale)  # validates groups and scale
    inputs = keras.Input(shape=input_shape)
    stride, c = SHUFFLENET_V1_FIRST_CONV
    x = layers.Conv2D(c, 3, strides=stride, padding="same", use_bias=False, name="conv1")(inputs)
    x = layers.BatchNormalization(**BN, name="conv1_bn")(x)
    x = layers.ReLU(name="conv1_relu")(x)
    x = layers.MaxPooling2D(3, 2, padding="same", name="maxpool")(x)
    stage, unit = 2, 0
    for c_in, c_mid, c_out, s, first_groups in units:
        if s == 2 and unit:
            stage, unit = stage + 1, 0
        unit += 1
        x = shufflenet_unit(x, c_mid, c_out, s, groups, first_groups, f"stage{stage}_unit{unit}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="fc")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="global_pool")(x)
    return keras.Model(inputs, x, name=f"shufflenet_v1_g{groups}_{scale:g}x_{input_shape[0]}")


__all__ = ["channel_shuffle", "shufflenet_unit", "shufflenet_v1"]
