"""Whole-network cost tables from architecture tables and formulas alone (no framework)."""
from __future__ import annotations

from typing import Any

from ..models import MOBILENET_V1_BLOCKS, MOBILENET_V1_FIRST_CONV, scaled_channels
from .formulas import conv2d_cost, dense_cost
from .table import CostTable, LayerCost

# --------------------------------------------------------------------------------------
# 4. MobileNet v1 by formula, straight from Table 1 (no framework involved).
# --------------------------------------------------------------------------------------


def _conv_rows(name: str, h: int, w: int, c_in: int, c_out: int, k: int, stride: int,
               padding: Any, groups: int, bias: bool, bn: bool) -> tuple[list[LayerCost], int, int]:
    cost = conv2d_cost(h, w, c_in, c_out, k, stride, padding, groups, bias)
    ho, wo, _ = cost.out_shape
    if groups == 1:
        kind = "pointwise" if k == 1 else "conv"
        kernel = (k, k, c_in, c_out)
    elif groups == c_in:
        kind, kernel = "depthwise", (k, k, c_out)
    else:
        kind, kernel = "grouped", (k, k, c_in // groups, c_out)
    rows = [LayerCost(name, kind, (h, w, c_in), (ho, wo, c_out), cost.macs, cost.params,
                      kernel=kernel, stride=stride)]
    if bn:
        rows.append(LayerCost(f"{name}_bn", "bn", (ho, wo, c_out), (ho, wo, c_out),
                              extra_trainable=2 * c_out, non_trainable=2 * c_out))
    return rows, ho, wo


def mobilenet_v1_table(alpha: float = 1.0, resolution: int = 224, include_top: bool = True,
                       classes: int = 1000, separable: bool = True) -> CostTable:
    """MobileNet v1's costs from Table 1 and the formulas alone, layer by layer.

    Layer names follow ``keras.applications.MobileNet``. Padding follows it too: the first
    conv is TensorFlow ``"same"``, the stride-2 depthwise convs pad one row and column at the
    bottom/right only. ``separable=False`` replaces every depthwise-separable block by one
    full 3x3 convolution ("Conv MobileNet", Table 4 of the paper).
    """
    stride, c = MOBILENET_V1_FIRST_CONV
    c = scaled_channels(c, alpha)
    rows, h, w = _conv_rows("conv1", resolution, resolution, 3, c, 3, stride, "same", 1, False, True)
    for i, (stride, n) in enumerate(MOBILENET_V1_BLOCKS, start=1):
        n = scaled_channels(n, alpha)
        pad = "same" if stride == 1 else (0, 1)
        if separable:
            dw, h, w = _conv_rows(f"conv_dw_{i}", h, w, c, c, 3, stride, pad, c, False, True)
            pw, h, w = _conv_rows(f"conv_pw_{i}", h, w, c, n, 1, 1, "valid", 1, False, True)
            rows += dw + pw
        else:
            full, h, w = _conv_rows(f"conv_full_{i}", h, w, c, n, 3, stride, pad, 1, False, True)
            rows += full
        c = n
    if include_top:
        fc = dense_cost(c, classes)
        rows.append(LayerCost("conv_preds", "fc", (1, 1, c), (1, 1, classes), fc.macs, fc.params,
                              kernel=(c, classes)))
    kind = "" if separable else " (full convolutions)"
    return CostTable(rows, title=f"MobileNet v1 {alpha}@{resolution}{kind} by formula")




# --------------------------------------------------------------------------------------
# MobileNet v2 (Sandler et al. 2018, Table 2) and ShuffleNet v1 (Zhang et al. 2017, Table 1)
# --------------------------------------------------------------------------------------


def mobilenet_v2_table(alpha: float = 1.0, resolution: int = 224, include_top: bool = True,
                       classes: int = 1000) -> CostTable:
    """MobileNet v2's costs from its spec table and the formulas alone, layer by layer.

    Layer names follow ``keras.applications.MobileNetV2``; stride-2 layers pad like
    TensorFlow's "same", so output sizes are ceil(size / 2).
    """
    from ..models.specs import (MOBILENET_V2_FIRST_CONV, make_divisible, mobilenet_v2_blocks,
                                mobilenet_v2_last_channels)

    blocks = mobilenet_v2_blocks(alpha)   # checks alpha
    stride, c = MOBILENET_V2_FIRST_CONV
    c = make_divisible(c * alpha, 8)
    rows, h, w = _conv_rows("Conv1", resolution, resolution, 3, c, 3, stride, "same", 1, False, True)
    for i, (t, c_in, c_out, s) in enumerate(blocks):
        prefix = f"block_{i}_" if i else "expanded_conv_"
        if i:  # block 0 has no expansion layer
            r, h, w = _conv_rows(f"{prefix}expand", h, w, c_in, t * c_in, 1, 1, "valid", 1, False, True)
            rows += r
        r, h, w = _conv_rows(f"{prefix}depthwise", h, w, t * c_in, t * c_in, 3, s, "same", t * c_in, False, True)
        rows += r
        r, h, w = _conv_rows(f"{prefix}project", h, w, t * c_in, c_out, 1, 1, "valid", 1, False, True)
        rows += r
        c = c_out
    last = mobilenet_v2_last_channels(alpha)
    r, h, w = _conv_rows("Conv_1", h, w, c, last, 1, 1, "valid", 1, False, True)
    rows += r
    if include_top:
        fc = dense_cost(last, classes)
        rows.append(LayerCost("predictions", "fc", (last,), (classes,), fc.macs, fc.params, kernel=(last, classes)))
    return CostTable(rows, title=f"MobileNet v2 {alpha}@{resolution} by formula")


def shufflenet_v1_table(groups: int = 3, scale: float = 1.0, resolution: int = 224,
                        include_top: bool = True, classes: int = 1000) -> CostTable:
    """ShuffleNet v1's costs from Table 1 and the formulas alone, layer by layer."""
    from ..models.specs import SHUFFLENET_V1_FIRST_CONV, shufflenet_v1_units

    stride, c = SHUFFLENET_V1_FIRST_CONV
    rows, h, w = _conv_rows("conv1", resolution, resolution, 3, c, 3, stride, "same", 1, False, True)
    h, w = -(-h // 2), -(-w // 2)  # max pool 3x3 / 2, "same"
    for i, (c_in, c_mid, c_out, s, first_groups) in enumerate(shufflenet_v1_units(groups, scale)):
        branch = c_out - c_in if s == 2 else c_out
        r, h, w = _conv_rows(f"unit{i + 1}_gconv1", h, w, c_in, c_mid, 1, 1, "valid", first_groups, False, True)
        rows += r
        r, h, w = _conv_rows(f"unit{i + 1}_dwconv", h, w, c_mid, c_mid, 3, s, "same", c_mid, False, True)
        rows += r
        r, h, w = _conv_rows(f"unit{i + 1}_gconv2", h, w, c_mid, branch, 1, 1, "valid", groups, False, True)
        rows += r
        c = c_out
    if include_top:
        fc = dense_cost(c, classes)
        rows.append(LayerCost("fc", "fc", (c,), (classes,), fc.macs, fc.params, kernel=(c, classes)))
    return CostTable(rows, title=f"ShuffleNet v1 {scale:g}x (g = {groups})@{resolution} by formula")
