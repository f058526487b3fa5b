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


