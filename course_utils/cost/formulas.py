"""The papers' cost formulas and single-layer costs (no framework involved).

One MAC = one multiplication + one addition (2 FLOPs).
"""
from __future__ import annotations

import numbers

from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------------------
# 1. The paper's formulas (equations 2, 4, 5, 6 of the MobileNet paper), as written there.
#    D_K: kernel size, M: input channels, N: output channels, D_F: output feature map size.
# --------------------------------------------------------------------------------------


def standard_conv_macs(dk: int, m: int, n: int, df: int) -> int:
    """Eq. (2): a standard DK x DK convolution, M -> N channels, on a DF x DF output."""
    return dk * dk * m * n * df * df


def depthwise_conv_macs(dk: int, m: int, df: int) -> int:
    """Eq. (4): one DK x DK filter per input channel (M channels in, M out)."""
    return dk * dk * m * df * df


def pointwise_conv_macs(m: int, n: int, df: int) -> int:
    """The 1 x 1 convolution that mixes the M channels into N."""
    return m * n * df * df


def separable_conv_macs(dk: int, m: int, n: int, df: int) -> int:
    """Eq. (5): depthwise + pointwise."""
    return depthwise_conv_macs(dk, m, df) + pointwise_conv_macs(m, n, df)


def separable_ratio(n: int, dk: int) -> float:
    """Eq. (6): separable cost / standard cost = 1/N + 1/DK^2 (independent of M and DF)."""
    if n <= 0 or dk <= 0:
        raise ValueError(f"n and dk must be positive, got n={n!r}, dk={dk!r}")
    return 1 / n + 1 / dk**2


# --------------------------------------------------------------------------------------
# 2. Layer costs with the output size computed (any padding, stride, groups, bias).
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """MACs and parameters of one layer (or a sum of layers); ``out_shape`` is (H, W, C)."""

    macs: int
    params: int
    out_shape: tuple[int, ...] | None = None

    def __add__(self, other: "Cost") -> "Cost":
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(self.macs + other.macs, self.params + other.params,
                    other.out_shape if other.out_shape is not None else self.out_shape)

    def __str__(self) -> str:
        shape = f", output {'x'.join(map(str, self.out_shape))}" if self.out_shape else ""
        return f"{self.macs:,} MACs, {self.params:,} params{shape}"


def _is_int(n) -> bool:
    """An int or NumPy int, never a bool (True is not a channel count)."""
    return isinstance(n, numbers.Integral) and not isinstance(n, bool)


def conv_output_size(size: int, k: int, stride: int = 1, padding: Any = "same") -> int:
    """Output length of a convolution along one axis.

    ``padding``: ``"same"`` (TensorFlow: ``ceil(size / stride)``), ``"valid"`` (no padding),
    an int ``p`` (``p`` zeros on both sides, PyTorch's ``padding=p``) or a pair
    ``(before, after)`` (e.g. ``(0, 1)``: Keras MobileNet's stride-2 ``ZeroPadding2D``).
    """
    if not all(_is_int(n) and n > 0 for n in (size, k, stride)):
        raise ValueError(f"size, k and stride must be positive ints, got {size}, {k}, {stride}")
    if padding == "same":
        return -(-size // stride)
    if padding == "valid":
        before = after = 0
    elif isinstance(padding, int):
        before = after = padding
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        before, after = padding
    else:
        raise ValueError(f"padding must be 'same', 'valid', an int or a (before, after) pair; got {padding!r}")
    out = (size + before + after - k) // stride + 1
    if out <= 0:
        raise ValueError(f"a {k}x{k} kernel does not fit an input of size {size} with padding {padding!r}")
    return out


def conv2d_cost(h_in: int, w_in: int, c_in: int, c_out: int, k: int = 3, stride: int = 1,
                padding: Any = "same", groups: int = 1, bias: bool = False) -> Cost:
    """A 2-D convolution: MACs = H_out * W_out * k * k * (C_in / groups) * C_out.

    ``groups=1`` is a standard conv, ``groups=c_in`` (with ``c_out`` a multiple of it) a
    depthwise conv, anything between a grouped conv (ShuffleNet, ResNeXt).
    Parameters = k * k * (C_in / groups) * C_out (+ C_out biases).
    """
    if not (_is_int(c_in) and _is_int(c_out) and c_in > 0 and c_out > 0):
        raise ValueError(f"c_in and c_out must be positive ints (channel counts), got c_in={c_in!r}, c_out={c_out!r}")
    if not _is_int(groups) or groups <= 0 or c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide c_in and c_out; got c_in={c_in}, c_out={c_out}, groups={groups}")
    h_out = conv_output_size(h_in, k, stride, padding)
    w_out = conv_output_size(w_in, k, stride, padding)
    weights = k * k * (c_in // groups) * c_out
    return Cost(macs=h_out * w_out * weights, params=weights + (c_out if bias else 0),
                out_shape=(h_out, w_out, c_out))


def depthwise_conv_cost(h_in: int, w_in: int, c_in: int, k: int = 3, stride: int = 1,
                        padding: Any = "same", depth_multiplier: int = 1, bias: bool = False) -> Cost:
    """A depthwise conv: one k x k filter per input channel (``depth_multiplier`` of them)."""
    return conv2d_cost(h_in, w_in, c_in, c_in * depth_multiplier, k, stride, padding,
                       groups=c_in, bias=bias)


def pointwise_conv_cost(h_in: int, w_in: int, c_in: int, c_out: int, bias: bool = False) -> Cost:
    """A 1 x 1 convolution: a matrix multiply of the C_in channels at every pixel."""
    return conv2d_cost(h_in, w_in, c_in, c_out, k=1, stride=1, padding="valid", bias=bias)


def depthwise_separable_cost(h_in: int, w_in: int, c_in: int, c_out: int, k: int = 3,
                             stride: int = 1, padding: Any = "same", bias: bool = False) -> Cost:
    """Depthwise k x k (carries the stride) followed by pointwise 1 x 1: eq. (5)."""
    dw = depthwise_conv_cost(h_in, w_in, c_in, k, stride, padding, bias=bias)
    h, w, _ = dw.out_shape
    return dw + pointwise_conv_cost(h, w, c_in, c_out, bias=bias)


def dense_cost(n_in: int, n_out: int, bias: bool = True) -> Cost:
    """A fully connected layer: n_in * n_out MACs, n_in * n_out (+ n_out) parameters."""
    if not (_is_int(n_in) and _is_int(n_out) and n_in > 0 and n_out > 0):
        raise ValueError(f"n_in and n_out must be positive ints (unit counts), got {n_in!r}, {n_out!r}")
    return Cost(macs=n_in * n_out, params=n_in * n_out + (n_out if bias else 0), out_shape=(n_out,))


