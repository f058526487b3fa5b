"""Architecture tables of MobileNet v2 and ShuffleNet v1, as the papers print them.

Plain Python (no framework): the Keras and PyTorch builders and the formula-based cost
tables all read these rows, so the three cannot drift apart.
"""
from __future__ import annotations

import math
import numbers

from . import MAX_ALPHA, check_alpha, check_positive_number

# MobileNet v2, Table 2 of Sandler et al. (2018), arXiv:1801.04381. After the first
# conv2d 3x3 (32 channels, stride 2), each row is a sequence of n inverted-residual blocks
# (bottlenecks): expansion factor t, c output channels, n repeats, stride s of the first.
MOBILENET_V2_FIRST_CONV = (2, 32)  # (stride, out_channels)
MOBILENET_V2_BLOCKS: tuple[tuple[int, int, int, int], ...] = (
    # t,   c,  n, s
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
MOBILENET_V2_LAST_CONV = 1280  # conv2d 1x1 before the pooling; widened only for alpha > 1
MOBILENET_V2_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
MOBILENET_V2_RESOLUTIONS = (224, 192, 160, 128, 96)


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``v`` channels to the nearest multiple of ``divisor``, never below 90% of ``v``.

    The TF-slim rule every MobileNet v2 implementation shares (keras.applications,
    torchvision): hardware likes channel counts that are multiples of 8.
    """
    if isinstance(divisor, bool) or not isinstance(divisor, numbers.Integral) or divisor <= 0:
        raise ValueError(f"divisor must be a positive int, got {divisor!r}")
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v <= 0:
        raise ValueError(f"v and divisor must be positive, got v={v!r}, divisor={divisor!r}")
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:  # rounding down must not remove more than 10% of the channels
        new_v += divisor
    return new_v


def mobilenet_v2_blocks(alpha: float = 1.0) -> list[tuple[int, int, int, int]]:
    """One ``(t, c_in, c_out, stride)`` per inverted-residual block at width ``alpha``.

    Output channels are ``make_divisible(int(c * alpha), 8)`` as in keras.applications
    (which truncates before rounding); the first block has no expansion (t = 1).
    """
    check_alpha(alpha)
    c_in = make_divisible(MOBILENET_V2_FIRST_CONV[1] * alpha, 8)
    blocks = []
    for t, c, n, s in MOBILENET_V2_BLOCKS:
        c_out = make_divisible(int(c * alpha), 8)
        for i in range(n):
            blocks.append((t, c_in, c_out, s if i == 0 else 1))
            c_in = c_out
    return blocks


def mobilenet_v2_last_channels(alpha: float) -> int:
    """The final 1x1 conv's width: 1280, widened (never narrowed) for alpha > 1."""
    return make_divisible(MOBILENET_V2_LAST_CONV * alpha, 8) if alpha > 1.0 else MOBILENET_V2_LAST_CONV


# ShuffleNet v1, Table 1 of Zhang et al. (2017), arXiv:1707.01083: Conv1 3x3/2 (24 channels),
# MaxPool 3x3/2, then three stages of ShuffleNet units whose first unit has stride 2.
SHUFFLENET_V1_FIRST_CONV = (2, 24)
SHUFFLENET_V1_REPEATS = (4, 8, 4)  # units per stage (Stage2, Stage3, Stage4), first with stride 2
SHUFFLENET_V1_STAGE2_CHANNELS = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}  # doubled each stage
SHUFFLENET_V1_GROUPS = tuple(SHUFFLENET_V1_STAGE2_CHANNELS)
SHUFFLENET_V1_BOTTLENECK_RATIO = 4  # bottleneck channels = unit output channels / 4


def shufflenet_v1_units(groups: int = 3, scale: float = 1.0) -> list[tuple[int, int, int, int, int]]:
    """One ``(c_in, c_mid, c_out, stride, first_groups)`` per ShuffleNet unit.

    ``c_out`` is the unit's output; at stride 2 the residual branch makes ``c_out - c_in``
    channels, concatenated with the average-pooled input. The first 1x1 conv of Stage 2 is
    not grouped (``first_groups = 1``): its 24 input channels are too few (paper, Sec. 3.3).
    """
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups not in SHUFFLENET_V1_STAGE2_CHANNELS:
        raise ValueError(f"groups must be one of {SHUFFLENET_V1_GROUPS} (Table 1), got {groups!r}")
    groups = int(groups)
    check_positive_number(scale, "scale", MAX_ALPHA)
    c_in = SHUFFLENET_V1_FIRST_CONV[1]
    units = []
    for stage, repeats in enumerate(SHUFFLENET_V1_REPEATS):
        # channels must split into `groups` equal groups, in the bottleneck too
        step = groups * SHUFFLENET_V1_BOTTLENECK_RATIO
        c_out = max(step, int(round(SHUFFLENET_V1_STAGE2_CHANNELS[groups] * scale * 2**stage / step)) * step) \
            if scale != 1.0 else SHUFFLENET_V1_STAGE2_CHANNELS[groups] * 2**stage
        for i in range(repeats):
            first_groups = 1 if stage == 0 and i == 0 else groups
            units.append((c_in, c_out // SHUFFLENET_V1_BOTTLENECK_RATIO, c_out, 2 if i == 0 else 1, first_groups))
            c_in = c_out
    for c_in, _, c_out, stride, _ in units:   # a stride-2 unit's branch makes c_out - c_in channels
        if stride == 2 and c_out <= c_in:
            raise ValueError(f"scale={scale!r} is too small for groups={groups}: a stage would have {c_out} "
                             f"channels, not more than the {c_in} before it, leaving its first unit's branch "
                             f"{c_out - c_in} channels; use a larger scale (0.25 works for every group)")
    return units


__all__ = ["MOBILENET_V2_ALPHAS", "MOBILENET_V2_BLOCKS", "MOBILENET_V2_FIRST_CONV", "MOBILENET_V2_LAST_CONV",
           "MOBILENET_V2_RESOLUTIONS", "SHUFFLENET_V1_FIRST_CONV", "SHUFFLENET_V1_GROUPS",
           "SHUFFLENET_V1_REPEATS", "SHUFFLENET_V1_STAGE2_CHANNELS", "make_divisible",
           "mobilenet_v2_blocks", "mobilenet_v2_last_channels", "shufflenet_v1_units"]
