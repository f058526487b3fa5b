"""The benchmark networks of ShuffleNet V2's guidelines (Ma et al. 2018, arXiv:1807.11164), in PyTorch.

* G1 ("equal channel width minimises memory access cost"): ``blocks`` blocks of two 1x1
  convolutions, c1 -> c2 then c2 -> c1 (:func:`conv1x1_stack`);
* G4 ("element-wise operations are non-negligible"): ResNet's bottleneck unit (He et al. 2016),
  1x1 -> 3x3 -> 1x1, with its ReLUs and its shortcut each optional (:class:`Bottleneck`).

No biases and no BatchNorm: at inference BatchNorm folds into the convolution before it, so the
convolutions are the arithmetic and the ReLUs and adds are the element-wise work under test.
"""
from __future__ import annotations

import torch
from torch import nn

from . import check_positive_int


def conv1x1_stack(c1: int, c2: int, blocks: int = 10) -> nn.Sequential:
    """(N, c1, H, W) -> (N, c1, H, W): ``blocks`` x [1x1 conv c1 -> c2, 1x1 conv c2 -> c1], no bias."""
    for value, name in ((c1, "c1"), (c2, "c2"), (blocks, "blocks")):
        check_positive_int(value, name)
    layers: list[nn.Module] = []
    for _ in range(blocks):
        layers += [nn.Conv2d(c1, c2, 1, bias=False), nn.Conv2d(c2, c1, 1, bias=False)]
    return nn.Sequential(*layers)


class Bottleneck(nn.Module):
    """(N, c, H, W) -> (N, c, H, W): 1x1 c -> c/4, ReLU, 3x3 c/4 -> c/4, ReLU, 1x1 c/4 -> c,
    + input (``shortcut``), ReLU; every ReLU present only when ``relu``. In place, as torchvision's."""

    def __init__(self, c: int, relu: bool = True, shortcut: bool = True, reduction: int = 4):
        super().__init__()
        check_positive_int(c, "c")
        check_positive_int(reduction, "reduction")
        if c % reduction:
            raise ValueError(f"c ({c}) must be divisible by reduction ({reduction})")
        mid = c // reduction
        self.conv1 = nn.Conv2d(c, mid, 1, bias=False)
        self.conv2 = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.conv3 = nn.Conv2d(mid, c, 1, bias=False)
        self.relu, self.shortcut = bool(relu), bool(shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        y = torch.relu_(y) if self.relu else y
        y = self.conv2(y)
        y = torch.relu_(y) if self.relu else y
        y = self.conv3(y)
        if self.shortcut:
            y += x
        return torch.relu_(y) if self.relu else y


def bottleneck_stack(c: int, units: int = 10, relu: bool = True, shortcut: bool = True) -> nn.Sequential:
    """``units`` :class:`Bottleneck` units of width ``c`` in a row."""
    check_positive_int(units, "units")
    return nn.Sequential(*(Bottleneck(c, relu, shortcut) for _ in range(units)))


__all__ = ["Bottleneck", "bottleneck_stack", "conv1x1_stack"]
