"""ShuffleNet v1 in PyTorch, the same layers in the same order as ``keras_shufflenet``.

Zhang et al. (2017), arXiv:1707.01083, Table 1. Pooling pads like TensorFlow's "same"
(``tf_padding=True``), so Keras weights give the same outputs after
``torch_layers.load_keras_weights``.
"""
from __future__ import annotations

import torch
from torch import nn

from . import check_builder_arguments
from .specs import SHUFFLENET_V1_FIRST_CONV, shufflenet_v1_units
from .torch_layers import Add, Concat, TFSameAvgPool, TFSameMaxPool, TFSamePad, bn


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H, W): reshape to (N, g, C/g, H, W), swap g and C/g, flatten back."""
    n, c, h, w = x.shape
    if c % groups:
        raise ValueError(f"channels ({c}) must be divisible by groups ({groups})")
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class ChannelShuffle(nn.Module):
    """:func:`channel_shuffle` with ``groups`` as a module (no parameters), so hooks and profilers see it."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)


class ShuffleUnit(nn.Module):
    """(N, C_in, H, W) -> (N, C_out, H / stride, W / stride)."""

    def __init__(self, c_in: int, c_mid: int, c_out: int, stride: int, groups: int, first_groups: int,
                 tf_padding: bool = True):
        super().__init__()
        branch_out = c_out - c_in if stride == 2 else c_out
        self.first_groups, self.stride = first_groups, stride
        # pw (grouped): the bottleneck; shuffled before the depthwise conv
        self.gconv1 = nn.Sequential(nn.Conv2d(c_in, c_mid, 1, groups=first_groups, bias=False), bn(c_mid),
                                    nn.ReLU(inplace=True))
        pad = [TFSamePad(3, stride)] if tf_padding else []
        # dw: carries the stride, no ReLU after it (as the paper's Figure 2)
        self.dwconv = nn.Sequential(*pad, nn.Conv2d(c_mid, c_mid, 3, stride, 0 if tf_padding else 1,
                                                    groups=c_mid, bias=False), bn(c_mid))
        # pw-linear (grouped)
        self.gconv2 = nn.Sequential(nn.Conv2d(c_mid, branch_out, 1, groups=groups, bias=False), bn(branch_out))
        self.shortcut = (TFSameAvgPool(3, 2) if tf_padding else nn.AvgPool2d(3, 2, 1)) if stride == 2 else None
        # the functional steps as modules (no parameters), so hooks and profilers see them
        self.shuffle = ChannelShuffle(first_groups) if first_groups > 1 else None
        self.merge = Add() if stride == 1 else Concat(1)   # residual add, or concat with the pooled input
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.gconv1(x)
        if self.shuffle is not None:
            y = self.shuffle(y)
        y = self.gconv2(self.dwconv(y))
        return self.relu(self.merge(x if self.shortcut is None else self.shortcut(x), y))


class ShuffleNetV1(nn.Module):
    """conv1 3x3/2 -> maxpool 3x3/2 -> 16 ShuffleNet units -> average pool -> Linear (logits)."""

    def __init__(self, groups: int = 3, scale: float = 1.0, num_classes: int = 1000, dropout: float = 0.0,
                 include_top: bool = True, tf_padding: bool = True):
        super().__init__()
        units = shufflenet_v1_units(groups, scale)
        stride, c = SHUFFLENET_V1_FIRST_CONV
        pad = [TFSamePad(3, stride)] if tf_padding else []
        first = nn.Sequential(*pad, nn.Conv2d(3, c, 3, stride, 0 if tf_padding else 1, bias=False), bn(c),
                              nn.ReLU(inplace=True), TFSameMaxPool(3, 2) if tf_padding else nn.MaxPool2d(3, 2, 1))
        self.features = nn.Sequential(first, *(ShuffleUnit(*u[:4], groups, u[4], tf_padding) for u in units))
        self.include_top, self.out_channels = include_top, units[-1][2]
        if include_top:
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.dropout = nn.Dropout(dropout)
            self.classifier = nn.Linear(self.out_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        if not self.include_top:
            return x
        return self.classifier(self.dropout(torch.flatten(self.pool(x), 1)))


def shufflenet_v1(groups: int = 3, scale: float = 1.0, input_shape: tuple[int, int, int] = (224, 224, 3),
                  include_top: bool = True, classes: int = 1000, dropout: float = 0.0,
                  tf_padding: bool = True) -> ShuffleNetV1:
    """ShuffleNet v1 with the Keras builder's arguments (``input_shape`` (H, W, 3) is only checked)."""
    check_builder_arguments(input_shape, classes, dropout)
    return ShuffleNetV1(groups, scale, classes, dropout, include_top, tf_padding)


__all__ = ["ChannelShuffle", "ShuffleNetV1", "ShuffleUnit", "channel_shuffle", "shufflenet_v1"]
