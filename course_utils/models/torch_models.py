"""MobileNet v1 in PyTorch, written block by block against Table 1 of the paper.

Padding: TensorFlow's ``"same"`` at stride 2 on an even input pads one row/column at the
bottom/right only; PyTorch's ``padding=1`` pads one on *every* side, which shifts the
sampling grid by one pixel. With ``tf_padding=True`` (default) this model pads like
TensorFlow, so Keras weights give the same outputs (:func:`load_keras_weights`).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from . import (MOBILENET_V1_BLOCKS, MOBILENET_V1_FIRST_CONV, check_alpha, check_dropout,
               check_positive_int, scaled_channels)

BN_EPSILON = 1e-3   # as Keras
BN_MOMENTUM = 0.01  # PyTorch's momentum is 1 - Keras' momentum (0.99)


class TFSamePad(nn.Module):
    """Zero padding that reproduces TensorFlow's ``padding="same"`` for any input size.

    Total padding = max((ceil(n / s) - 1) * s + k - n, 0), the extra odd pixel at the end.
    """

    def __init__(self, kernel_size: int, stride: int):
        super().__init__()
        self.k, self.s = kernel_size, stride

    def _pads(self, n: int) -> tuple[int, int]:
        total = max((math.ceil(n / self.s) - 1) * self.s + self.k - n, 0)
        return total // 2, total - total // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = self._pads(x.shape[-2])
        left, right = self._pads(x.shape[-1])
        return F.pad(x, (left, right, top, bottom))


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPSILON, momentum=BN_MOMENTUM)


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


def _torch_layers(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.Linear))]


@torch.no_grad()
def load_keras_weights(model: nn.Module, keras_model) -> nn.Module:
    """Copy the weights of a Keras MobileNet (ours or keras.applications') into ``model``.

    Layers are matched in order. Kernels are transposed from Keras' (kh, kw, in, out) to
    PyTorch's (out, in, kh, kw); depthwise kernels from (kh, kw, C, 1) to (C, 1, kh, kw);
    the classifier's 1x1 conv becomes the Linear layer; BatchNorm gamma, beta, moving
    mean and variance go to weight, bias, running_mean, running_var.
    """
    src = [layer for layer in keras_model.layers if layer.weights]
    dst = _torch_layers(model)
    if len(src) != len(dst):
        raise ValueError(f"Keras model has {len(src)} layers with weights, PyTorch model {len(dst)}")
    for k_layer, t_layer in zip(src, dst):
        kind = type(k_layer).__name__
        w = [torch.from_numpy(v) for v in k_layer.get_weights()]
        if kind == "BatchNormalization" and isinstance(t_layer, nn.BatchNorm2d):
            for target, value in zip((t_layer.weight, t_layer.bias, t_layer.running_mean, t_layer.running_var), w):
                target.copy_(value)
        elif kind == "DepthwiseConv2D" and isinstance(t_layer, nn.Conv2d):
            kh, kw, c, mult = w[0].shape
            t_layer.weight.copy_(w[0].reshape(kh, kw, c * mult).permute(2, 0, 1).unsqueeze(1))
        elif kind in ("Conv2D", "Dense") and isinstance(t_layer, (nn.Conv2d, nn.Linear)):
            kernel = w[0]
            if isinstance(t_layer, nn.Linear):
                kernel = kernel.reshape(-1, kernel.shape[-1]).T  # (1, 1, in, out) or (in, out) -> (out, in)
            else:
                kernel = kernel.permute(3, 2, 0, 1)
            if tuple(kernel.shape) != tuple(t_layer.weight.shape):
                raise ValueError(f"{k_layer.name}: kernel {tuple(kernel.shape)} does not fit {tuple(t_layer.weight.shape)}")
            t_layer.weight.copy_(kernel)
            if len(w) > 1:
                t_layer.bias.copy_(w[1])
        else:
            raise ValueError(f"cannot load Keras layer {k_layer.name} ({kind}) into {type(t_layer).__name__}")
    return model


__all__ = ["MobileNetV1", "mobilenet_v1", "load_keras_weights", "TFSamePad", "DepthwiseSeparable",
           "ConvBNReLU", "FullConvBlock"]
