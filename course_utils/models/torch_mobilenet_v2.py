"""MobileNet v2 in PyTorch, built from the paper's Table 2 rows (``specs.MOBILENET_V2_BLOCKS``).

Same layers, in the same order, as the Keras builder and ``keras.applications.MobileNetV2``
(so ``torch_layers.load_keras_weights`` converts its weights), and the same parameter count
as ``torchvision.models.mobilenet_v2``. ``tf_padding=True`` pads like TensorFlow at stride 2;
``False`` pads symmetrically, as torchvision does. Sandler et al. (2018), arXiv:1801.04381.
"""
from __future__ import annotations

import torch
from torch import nn

from . import check_builder_arguments, check_dropout
from .specs import MOBILENET_V2_FIRST_CONV, make_divisible, mobilenet_v2_blocks, mobilenet_v2_last_channels
from .torch_layers import Add, TFSamePad, bn


def _padded_conv(c_in: int, c_out: int, stride: int, groups: int, tf_padding: bool) -> list[nn.Module]:
    """A 3x3 conv with "same" output size: TensorFlow's padding, or PyTorch's symmetric one."""
    if tf_padding:
        return [TFSamePad(3, stride), nn.Conv2d(c_in, c_out, 3, stride, 0, groups=groups, bias=False)]
    return [nn.Conv2d(c_in, c_out, 3, stride, 1, groups=groups, bias=False)]


class InvertedResidual(nn.Module):
    """(N, C_in, H, W) -> (N, C_out, H / stride, W / stride).

    pw: 1x1 expand to t * C_in, BN, ReLU6 (absent when t = 1) -> dw: 3x3 depthwise, BN,
    ReLU6 -> pw-linear: 1x1 project to C_out, BN, no activation. Adds the input when
    stride is 1 and C_in == C_out.
    """

    def __init__(self, c_in: int, c_out: int, stride: int, t: int, tf_padding: bool = True):
        super().__init__()
        hidden = c_in * t
        layers: list[nn.Module] = []
        if t != 1:
            layers += [nn.Conv2d(c_in, hidden, 1, bias=False), bn(hidden), nn.ReLU6(inplace=True)]  # pw
        layers += [*_padded_conv(hidden, hidden, stride, hidden, tf_padding), bn(hidden),
                   nn.ReLU6(inplace=True)]  # dw
        layers += [nn.Conv2d(hidden, c_out, 1, bias=False), bn(c_out)]  # pw-linear
        self.conv = nn.Sequential(*layers)
        self.use_residual = stride == 1 and c_in == c_out
        if self.use_residual:
            self.add = Add()   # x + conv(x), as a module that hooks and profilers see

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.add(x, self.conv(x)) if self.use_residual else self.conv(x)


class MobileNetV2(nn.Module):
    """``features`` (conv 3x3, 17 inverted residuals, conv 1x1) -> average pool -> dropout -> Linear.

    ``forward`` returns logits (apply softmax yourself), as is usual in PyTorch.
    """

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000, dropout: float = 0.0,
                 include_top: bool = True, tf_padding: bool = True):
        super().__init__()
        check_dropout(dropout)
        blocks = mobilenet_v2_blocks(alpha)  # validates alpha
        stride, c = MOBILENET_V2_FIRST_CONV
        c = make_divisible(c * alpha, 8)
        features: list[nn.Module] = [nn.Sequential(*_padded_conv(3, c, stride, 1, tf_padding), bn(c),
                                                   nn.ReLU6(inplace=True))]
        for t, c_in, c_out, s in blocks:
            features.append(InvertedResidual(c_in, c_out, s, t, tf_padding))
        last = mobilenet_v2_last_channels(alpha)
        features.append(nn.Sequential(nn.Conv2d(blocks[-1][2], last, 1, bias=False), bn(last), nn.ReLU6(inplace=True)))
        self.features = nn.Sequential(*features)
        self.include_top, self.out_channels = include_top, last
        if include_top:
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.dropout = nn.Dropout(dropout)
            self.classifier = nn.Linear(last, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        if not self.include_top:
            return x
        return self.classifier(self.dropout(torch.flatten(self.pool(x), 1)))


def mobilenet_v2(alpha: float = 1.0, input_shape: tuple[int, int, int] = (224, 224, 3),
                 include_top: bool = True, classes: int = 1000, dropout: float = 0.0,
                 tf_padding: bool = True) -> MobileNetV2:
    """MobileNet v2 at width ``alpha``, with the Keras builder's arguments (NCHW input of any size;
    ``input_shape`` is only checked, as (H, W, 3))."""
    check_builder_arguments(input_shape, classes, dropout)
    return MobileNetV2(alpha, classes, dropout, include_top, tf_padding)


__all__ = ["InvertedResidual", "MobileNetV2", "mobilenet_v2"]
