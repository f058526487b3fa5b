"""MobileNet v1 in PyTorch, written block by block against Table 1 of the paper.

Padding: TensorFlow's ``"same"`` at stride 2 on an even input pads one row/column at the
bottom/right only; PyTorch's ``padding=1`` pads one on *every* side, which shifts the
sampling grid by one pixel. With ``tf_padding=True`` (default) this model pads like
TensorFlow, so Keras weights give the same outputs (:func:`load_keras_weights`).

Also re-exports ``mobilenet_v2`` and ``shufflenet_v1`` (built in ``torch_mobilenet_v2`` and
``torch_shufflenet`` from the tables in ``specs``).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import (MOBILENET_V1_BLOCKS, MOBILENET_V1_FIRST_CONV, check_alpha, check_dropout,
               check_positive_int, scaled_channels)
# MobileNet v2 and ShuffleNet v1 live in their own modules, from the same kind of spec table;
# these re-exports keep `torch_models` the one place lessons import builders from.
from .torch_layers import BN_EPSILON, BN_MOMENTUM, Add, Concat, TFSamePad, load_keras_weights
from .torch_layers import bn as _bn
from .torch_mobilenet_v2 import InvertedResidual, MobileNetV2, mobilenet_v2
from .torch_shufflenet import ChannelShuffle, ShuffleNetV1, ShuffleUnit, channel_shuffle, shufflenet_v1

class ConvBNReLU(nn.Sequential):
    """The first layer: a full 3x3 conv (stride 2), BatchNorm, ReLU6."""

    def __init__(self, c_in: int, c_out: int, stride: int, tf_padding: bool = True):
        pad = [TFSamePad(3, stride)] if tf_padding else []
        super().__init__(*pad, nn.Conv2d(c_in, c_out, 3, stride, padding=0 if tf_padding else 1, bias=False),
                         _bn(c_out), nn.ReLU6(inplace=True))


def _stride2_padding(tf_padding: bool) -> tuple[list[nn.Module], int]:
    # keras.applications pads right/bottom by one, then uses a "valid" conv
    return ([nn.ZeroPad2d((0, 1, 0, 1))], 0) if tf_padding else ([], 1)


class DepthwiseSeparable(nn.Sequential):
    """3x3 depthwise conv (groups = channels, carries the stride) -> BN -> ReLU6
    -> 1x1 pointwise conv -> BN -> ReLU6."""

    def __init__(self, c_in: int, c_out: int, stride: int, tf_padding: bool = True):
        pad, p = _stride2_padding(tf_padding) if stride == 2 else ([], 1)
        super().__init__(*pad,
                         nn.Conv2d(c_in, c_in, 3, stride, padding=p, groups=c_in, bias=False),
                         _bn(c_in), nn.ReLU6(inplace=True),
                         nn.Conv2d(c_in, c_out, 1, bias=False),
                         _bn(c_out), nn.ReLU6(inplace=True))


class FullConvBlock(nn.Sequential):
    """The paper's "Conv MobileNet" block: one full 3x3 conv instead of dw + pw."""

    def __init__(self, c_in: int, c_out: int, stride: int, tf_padding: bool = True):
        pad, p = _stride2_padding(tf_padding) if stride == 2 else ([], 1)
        super().__init__(*pad, nn.Conv2d(c_in, c_out, 3, stride, padding=p, bias=False),
                         _bn(c_out), nn.ReLU6(inplace=True))


class MobileNetV1(nn.Module):
    """``features`` (first conv + 13 blocks) -> global average pool -> dropout -> Linear.

    ``forward`` returns logits (apply softmax yourself), as is usual in PyTorch.
    """

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000, dropout: float = 1e-3,
                 include_top: bool = True, tf_padding: bool = True, separable: bool = True):
        super().__init__()
        check_alpha(alpha)  # fail here, not with "0 channels" inside nn.Conv2d
        check_positive_int(num_classes, "num_classes")
        check_dropout(dropout)
        stride, c = MOBILENET_V1_FIRST_CONV
        c = scaled_channels(c, alpha)
        blocks: list[nn.Module] = [ConvBNReLU(3, c, stride, tf_padding)]
        block = DepthwiseSeparable if separable else FullConvBlock
        for stride, n in MOBILENET_V1_BLOCKS:
            n = scaled_channels(n, alpha)
            blocks.append(block(c, n, stride, tf_padding))
            c = n
        self.features = nn.Sequential(*blocks)
        self.include_top = include_top
        self.out_channels = c
        if include_top:
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.dropout = nn.Dropout(dropout)
            self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        if not self.include_top:
            return x
        x = torch.flatten(self.pool(x), 1)
        return self.classifier(self.dropout(x))


def mobilenet_v1(alpha: float = 1.0, num_classes: int = 1000, dropout: float = 1e-3,
                 include_top: bool = True, tf_padding: bool = True, separable: bool = True) -> MobileNetV1:
    """MobileNet v1 with width multiplier ``alpha`` (any input size, NCHW)."""
    return MobileNetV1(alpha, num_classes, dropout, include_top, tf_padding, separable)


def outputs_with_keras_weights(builder: str, weights: list, images, args: tuple = (),
                               variants: tuple[dict, ...] = ({},)) -> list:
    """Outputs of PyTorch models that carry a Keras model's weights, as NumPy arrays.

    For each ``variant`` (keyword arguments, e.g. ``{"tf_padding": False}``), build
    ``builder(*args, **variant)`` (``"mobilenet_v1"``, ``"mobilenet_v2"``, ...), load
    ``weights`` (``keras_models.weights_as_arrays(model)``), and run ``images``, NHWC float32
    ``(N, H, W, 3)``, in eval mode: one ``(N, classes)`` array per variant. Plain data in and
    out, so a kernel that holds only TensorFlow can call it through
    :func:`course_utils.frameworks.in_child`.
    """
    build = {"mobilenet_v1": mobilenet_v1, "mobilenet_v2": mobilenet_v2, "shufflenet_v1": shufflenet_v1}
    if builder not in build:
        raise ValueError(f"builder must be one of {sorted(build)}, got {builder!r}")
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected NHWC images (N, H, W, 3), got shape {images.shape}")
    nchw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    outputs = []
    for variant in variants:
        model = load_keras_weights(build[builder](*args, **variant).eval(), weights)
        with torch.no_grad():
            outputs.append(model(nchw).numpy())
    return outputs


__all__ = ["Add", "BN_EPSILON", "BN_MOMENTUM", "ChannelShuffle", "Concat", "InvertedResidual", "MobileNetV2",
           "ShuffleNetV1", "ShuffleUnit", "channel_shuffle", "mobilenet_v2", "shufflenet_v1",
           "MobileNetV1", "mobilenet_v1", "load_keras_weights", "TFSamePad", "DepthwiseSeparable",
           "ConvBNReLU", "FullConvBlock", "outputs_with_keras_weights"]
