"""Models written out block by block, in Keras and in PyTorch.

This package file holds only plain-Python architecture tables, so importing it never
imports TensorFlow or PyTorch. The framework code is imported on use::

    from course_utils.models import keras_models   # imports TensorFlow/Keras
    from course_utils.models import torch_models   # imports PyTorch

Both build MobileNet v1 from the same table, :data:`MOBILENET_V1_BLOCKS`.
"""
from __future__ import annotations

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


def scaled_channels(channels: int, alpha: float) -> int:
    """Width multiplier: ``int(channels * alpha)``, the rounding Keras and TF-slim use."""
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha!r}")
    return int(channels * alpha)


__all__ = ["MOBILENET_V1_FIRST_CONV", "MOBILENET_V1_BLOCKS", "MOBILENET_V1_ALPHAS",
           "MOBILENET_V1_RESOLUTIONS", "scaled_channels"]
