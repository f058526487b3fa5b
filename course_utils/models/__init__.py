"""Models written out block by block, in Keras and in PyTorch.

This package file holds only plain-Python architecture tables, so importing it never
imports TensorFlow or PyTorch. The framework code is imported on use::

    from course_utils.models import keras_models   # imports TensorFlow/Keras
    from course_utils.models import torch_models   # imports PyTorch

Both build MobileNet v1 from the same table, :data:`MOBILENET_V1_BLOCKS` (below), and
MobileNet v2 and ShuffleNet v1 from the tables in :mod:`.specs` (re-exported here).
"""
from __future__ import annotations

import math
import numbers

# MobileNet v1, Table 1 of Howard et al. (2017), read top to bottom.
# The first layer is a full 3x3 convolution, stride 2, with 32 output channels.
MOBILENET_V1_FIRST_CONV = (2, 32)  # (stride, out_channels)

# Then 13 depthwise-separable blocks: a 3x3 depthwise conv with this stride, followed by a
# 1x1 pointwise conv with this many output channels. "5x" in the paper's table is the
# five (1, 512) rows.
MOBILENET_V1_BLOCKS: tuple[tuple[int, int], ...] = (
    (1, 64),
    (2, 128),
    (1, 128),
    (2, 256),
    (1, 256),
    (2, 512),
    (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),
    (2, 1024),
    # Table 1 of the paper prints "Conv dw / s2" here, but its own input sizes (7x7 before
    # and after) and every released implementation use stride 1.
    (1, 1024),
)

# The four width multipliers and four resolutions of the released checkpoints.
MOBILENET_V1_ALPHAS = (1.0, 0.75, 0.5, 0.25)
MOBILENET_V1_RESOLUTIONS = (224, 192, 160, 128)


# The narrowest layer is the first conv (32 channels): below 1/32 it would get 0 channels.
MIN_ALPHA = 1 / min([MOBILENET_V1_FIRST_CONV[1]] + [n for _, n in MOBILENET_V1_BLOCKS])


# Widest multiplier accepted: the papers stop at 1.4; 4x already means 16x the MACs.
MAX_ALPHA = 4.0


def check_positive_number(value, name: str, maximum: float | None = None) -> float:
    """``value`` as a float if it is a finite real number > 0 (and <= ``maximum``), else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum} (wider than the papers by far), got {value!r}")
    return float(value)


def check_alpha(alpha) -> float:
    """``alpha`` as a float, if it is a width multiplier that keeps >= 1 channel in every
    layer (``MIN_ALPHA <= alpha <= MAX_ALPHA``); a ValueError saying so otherwise."""
    check_positive_number(alpha, "alpha", MAX_ALPHA)
    if alpha < MIN_ALPHA:
        raise ValueError(f"alpha must be >= {MIN_ALPHA} (1/32) so that every layer keeps at least "
                         f"one channel (the first has int(32 * alpha)), got {alpha!r}")
    return float(alpha)


def check_positive_int(value, name: str) -> int:
    """``value`` as an int >= 1 (e.g. the number of classes), or a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_input_shape(input_shape, minimum: int = 32) -> tuple[int, int, int]:
    """``input_shape`` as ``(H, W, 3)`` of ints ``>= minimum`` (fixed sizes), or a ValueError."""
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    if (len(shape) != 3 or shape[-1] != 3 or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                                                      for n in shape) or min(shape[:2]) < minimum):
        raise ValueError(f"input_shape must be (H, W, 3) with integers H, W >= {minimum}, got {input_shape!r}")
    return tuple(int(n) for n in shape)


def check_dropout(rate) -> float:
    """A dropout rate in [0, 1) (1 would drop everything), or a ValueError."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"dropout must be in [0, 1), got {rate!r}")
    return float(rate)


POOLINGS = (None, "avg", "max")


def check_builder_arguments(input_shape, classes, dropout, pooling=None) -> None:
    """The arguments every builder shares (Keras and PyTorch, v1, v2 and ShuffleNet), checked:
    a fixed ``(H, W, 3)`` of at least 32 pixels, ``classes >= 1``, a dropout in [0, 1), a pooling."""
    check_input_shape(input_shape)
    check_positive_int(classes, "classes")
    check_dropout(dropout)
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}")


def scaled_channels(channels: int, alpha: float) -> int:
    """Width multiplier: ``int(channels * alpha)``, the rounding Keras and TF-slim use.

    Raises a ValueError rather than return 0 channels (which Keras and PyTorch reject
    later with a less helpful message).
    """
    check_positive_number(alpha, "alpha")
    scaled = int(channels * alpha)
    if scaled < 1:
        raise ValueError(f"alpha={alpha!r} leaves a {channels}-channel layer with 0 channels; "
                         f"use alpha >= {1 / channels}")
    return scaled


from .specs import (MOBILENET_V2_ALPHAS, MOBILENET_V2_BLOCKS, MOBILENET_V2_RESOLUTIONS,  # noqa: E402
                    SHUFFLENET_V1_GROUPS, SHUFFLENET_V1_STAGE2_CHANNELS, make_divisible)

__all__ = ["MOBILENET_V2_ALPHAS", "MOBILENET_V2_BLOCKS", "MOBILENET_V2_RESOLUTIONS", "SHUFFLENET_V1_GROUPS",
           "SHUFFLENET_V1_STAGE2_CHANNELS", "make_divisible",
           "MOBILENET_V1_FIRST_CONV", "MOBILENET_V1_BLOCKS", "MOBILENET_V1_ALPHAS",
           "MOBILENET_V1_RESOLUTIONS", "MIN_ALPHA", "MAX_ALPHA", "scaled_channels", "check_alpha",
           "check_positive_int", "check_positive_number", "check_input_shape", "check_dropout",
           "check_builder_arguments", "POOLINGS"]
