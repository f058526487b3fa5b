"""PyTorch pieces shared by the course's models: TensorFlow-style padding and pooling, and
loading Keras weights into a PyTorch model layer by layer.

TensorFlow's ``padding="same"`` at stride 2 on an even input pads one row/column at the
bottom/right only; PyTorch's ``padding=1`` pads one on *every* side, which shifts the
sampling grid by one pixel. The modules here pad like TensorFlow, so Keras weights give the
same outputs in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BN_EPSILON = 1e-3   # as Keras
BN_MOMENTUM = 0.01  # PyTorch's momentum is 1 - Keras' momentum (0.99)


def tf_same_pads(n: int, k: int, s: int) -> tuple[int, int]:
    """(before, after) padding of TensorFlow's "same": total = max((ceil(n/s) - 1) s + k - n, 0)."""
    if n < 1 or k < 1 or s < 1:   # no isinstance: under torch.export the size may be a SymInt
        raise ValueError(f"n, k and s (size, kernel, stride) must be positive, got {n!r}, {k!r}, {s!r}")
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


class TFSamePad(nn.Module):
    """Zero padding that reproduces TensorFlow's ``padding="same"`` for any input size
    (the odd extra pixel goes at the end)."""

    def __init__(self, kernel_size: int, stride: int, value: float = 0.0):
        super().__init__()
        self.k, self.s, self.value = kernel_size, stride, value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = tf_same_pads(x.shape[-2], self.k, self.s)
        left, right = tf_same_pads(x.shape[-1], self.k, self.s)
        return F.pad(x, (left, right, top, bottom), value=self.value)


class TFSameMaxPool(nn.Module):
    """``MaxPooling2D(k, s, padding="same")``: pads with -inf, so padding never wins."""

    def __init__(self, kernel_size: int = 3, stride: int = 2):
        super().__init__()
        self.pad, self.k, self.s = TFSamePad(kernel_size, stride, value=-math.inf), kernel_size, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(self.pad(x), self.k, self.s)


class TFSameAvgPool(nn.Module):
    """``AveragePooling2D(k, s, padding="same")``: averages over the real pixels only."""

    def __init__(self, kernel_size: int = 3, stride: int = 2):
        super().__init__()
        self.pad, self.k, self.s = TFSamePad(kernel_size, stride), kernel_size, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ones = torch.ones_like(x[:1, :1])
        count = F.avg_pool2d(self.pad(ones), self.k, self.s)  # share of each window that is real
        return F.avg_pool2d(self.pad(x), self.k, self.s) / count


class Add(nn.Module):
    """``x + y`` (a residual connection) as a module: (N, C, H, W) twice -> (N, C, H, W).

    A module rather than a ``+`` in ``forward``, so forward hooks, profilers and ``print(model)``
    see it (``cost.layer_times`` times it like any layer); no parameters, the same result."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x + y


class Concat(nn.Module):
    """``torch.cat(tensors, dim)`` as a module (``dim=1``: along the channels of NCHW tensors),
    for the same reason as :class:`Add`."""

    def __init__(self, dim: int = 1):
        super().__init__()
        self.dim = dim

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return torch.cat(tensors, self.dim)


def bn(channels: int) -> nn.BatchNorm2d:
    """BatchNorm with Keras' epsilon and momentum."""
    return nn.BatchNorm2d(channels, eps=BN_EPSILON, momentum=BN_MOMENTUM)


def _weighted_modules(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.Linear))]


@torch.no_grad()
def load_keras_weights(model: nn.Module, keras_model) -> nn.Module:
    """Copy a Keras model's weights into a PyTorch model whose layers come in the same order.

    ``keras_model``: a Keras model, or its weights as plain arrays,
    ``keras_models.weights_as_arrays(model)`` (then this process needs no TensorFlow).

    Kernels go from Keras' (kh, kw, in, out) to PyTorch's (out, in, kh, kw); depthwise
    kernels from (kh, kw, C, 1) to (C, 1, kh, kw); Dense or a 1x1 conv on a 1x1 map to
    Linear; BatchNorm gamma, beta, moving mean and variance to weight, bias, running_mean,
    running_var. Raises a ValueError naming the first layer that does not fit.
    """
    if hasattr(keras_model, "layers"):
        src = [(layer.name, type(layer).__name__, layer.get_weights()) for layer in keras_model.layers if layer.weights]
    else:
        src = list(keras_model)
    dst = _weighted_modules(model)
    if len(src) != len(dst):
        raise ValueError(f"Keras model has {len(src)} layers with weights, PyTorch model {len(dst)}")
    for (k_name, kind, arrays), t_layer in zip(src, dst):
        w = [torch.from_numpy(np.asarray(v)) for v in arrays]
        if kind == "BatchNormalization" and isinstance(t_layer, nn.BatchNorm2d):
            if len(w) != 4 or any(tuple(v.shape) != (t_layer.num_features,) for v in w):
                raise ValueError(f"{k_name}: BatchNormalization expects 4 arrays of shape ({t_layer.num_features},) "
                                 f"(gamma, beta, moving mean, moving variance), got {[tuple(v.shape) for v in w]}")
            for target, value in zip((t_layer.weight, t_layer.bias, t_layer.running_mean, t_layer.running_var), w):
                target.copy_(value)
            continue
        if kind == "DepthwiseConv2D" and isinstance(t_layer, nn.Conv2d):
            kh, kw, c, mult = w[0].shape
            kernel = w[0].reshape(kh, kw, c * mult).permute(2, 0, 1).unsqueeze(1)
        elif kind in ("Conv2D", "Dense") and isinstance(t_layer, (nn.Conv2d, nn.Linear)):
            kernel = w[0]
            if isinstance(t_layer, nn.Linear):  # (1, 1, in, out) or (in, out) -> (out, in)
                kernel = kernel.reshape(-1, kernel.shape[-1]).T
            else:  # grouped convs too: Keras (kh, kw, in/groups, out) -> (out, in/groups, kh, kw)
                kernel = kernel.permute(3, 2, 0, 1)
        else:
            raise ValueError(f"cannot load Keras layer {k_name} ({kind}) into {type(t_layer).__name__}")
        if tuple(kernel.shape) != tuple(t_layer.weight.shape):
            raise ValueError(f"{k_name}: kernel {tuple(kernel.shape)} does not fit {tuple(t_layer.weight.shape)}")
        t_layer.weight.copy_(kernel)
        if len(w) > 1:
            t_layer.bias.copy_(w[1])
    return model


__all__ = ["Add", "BN_EPSILON", "BN_MOMENTUM", "Concat", "TFSameAvgPool", "TFSameMaxPool", "TFSamePad", "bn",
           "load_keras_weights", "tf_same_pads"]
