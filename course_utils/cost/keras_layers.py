"""MACs of one call of a Keras layer that does arithmetic (convolutions, Dense, matmul).

Shapes here are per sample (no batch axis) and channels last, e.g. (H, W, C). Each function
returns the compute rows of one call with ``macs``, ``kind`` and ``kernel`` filled in; the
walker (:mod:`.walk_keras`) adds the parameters. Keras is imported inside the functions, so
importing this module stays light.
"""
from __future__ import annotations

import math
from typing import Any

from .table import LayerCost, conv_kind

Shape = tuple[int, ...]
KERNEL_NAMES = ("kernel", "depthwise_kernel", "pointwise_kernel")


def _channels_last(shape: Shape, layer: Any) -> Shape:
    """(C, *spatial) -> (*spatial, C) for a ``data_format="channels_first"`` layer."""
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return (*shape[1:], shape[0])
    return shape


def _depthwise_kernel(layer: Any) -> Any:
    """The (*k, C_in, multiplier) kernel (``kernel`` of DepthwiseConv*, ``depthwise_kernel`` of SeparableConv*)."""
    kernel = getattr(layer, "depthwise_kernel", None)
    return kernel if kernel is not None else layer.kernel


def _kernel_row(name: str, kind: str, in_shape: Shape, out_shape: Shape, macs: int,
                k: Shape, c_per_group: int, c_out: int, stride: int) -> LayerCost:
    """A conv row; ``kernel`` is (*k, C_out) for depthwise, (C_in, C_out) for fc, else (*k, C_in/groups, C_out)."""
    kernel = {"depthwise": (*k, c_out), "fc": (c_per_group, c_out)}.get(kind, (*k, c_per_group, c_out))
    return LayerCost(name, kind, in_shape, out_shape, macs=int(macs), kernel=tuple(int(x) for x in kernel),
                     stride=int(stride))


def conv_rows(layer: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost]:
    """Conv1D/2D/3D with ``groups``: kernel (*k, C_in/groups, C_out).

    MACs = output positions x C_out x prod(k) x C_in/groups = prod(out_shape) x prod(kernel[:-1]).
    """
    *k, c_per_group, c_out = layer.kernel.shape
    groups = in_shape[-1] // c_per_group
    kind = conv_kind(tuple(k), groups, in_shape[-1], out_shape[:-1])
    macs = math.prod(out_shape) * math.prod(k) * c_per_group
    return [_kernel_row(layer.name, kind, in_shape, out_shape, macs, tuple(k), c_per_group, c_out,
                        layer.strides[0])]


def depthwise_rows(layer: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost]:
    """DepthwiseConv1D/2D: kernel (*k, C_in, multiplier), C_out = C_in x multiplier.

    MACs = output positions x C_out x prod(k) = prod(out_shape) x prod(k): the multiplier is
    already in C_out, so it must not be applied a second time.
    """
    *k, c_in, _ = _depthwise_kernel(layer).shape
    macs = math.prod(out_shape) * math.prod(k)
    kind = conv_kind(tuple(k), c_in, c_in, out_shape[:-1])
    return [_kernel_row(layer.name, kind, in_shape, out_shape, macs, tuple(k), 1, out_shape[-1],
                        layer.strides[0])]


def separable_rows(layer: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost]:
    """SeparableConv1D/2D = a depthwise conv (C_in -> C_in x mult) then a 1x1 conv (-> C_out).

    Depthwise MACs = positions x C_in x mult x prod(k); pointwise MACs = positions x C_in x mult x C_out.
    Two rows (name_dw, name_pw), like the papers' tables.
    """
    *k, c_in, mult = _depthwise_kernel(layer).shape
    spatial, c_mid = out_shape[:-1], c_in * mult
    positions = math.prod(spatial)
    dw = _kernel_row(f"{layer.name}_dw", conv_kind(tuple(k), c_in, c_in, spatial), in_shape, (*spatial, c_mid),
                     positions * c_mid * math.prod(k), tuple(k), 1, c_mid, layer.strides[0])
    ones = (1,) * len(k)
    pw = _kernel_row(f"{layer.name}_pw", conv_kind(ones, 1, c_mid, spatial), (*spatial, c_mid), out_shape,
                     positions * c_mid * out_shape[-1], ones, c_mid, out_shape[-1], 1)
    return [dw, pw]


def transposed_rows(layer: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost]:
    """Conv1D/2D/3DTranspose: kernel (*k, C_out, C_in).

    Every input value is multiplied by every kernel tap of every output channel:
    MACs = input positions x C_in x C_out x prod(k) = prod(in_shape) x prod(kernel[:-1]).
    """
    *k, c_out, c_in = layer.kernel.shape
    kind = conv_kind(tuple(k), 1, c_in, out_shape[:-1])
    macs = math.prod(in_shape) * math.prod(k) * c_out
    return [_kernel_row(layer.name, kind, in_shape, out_shape, macs, tuple(k), c_in, c_out, layer.strides[0])]


def dense_rows(layer: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost]:
    """Dense on an input of any rank (..., n_in): MACs = prod(leading dims) x n_in x n_out."""
    n_in, n_out = (int(d) for d in layer.kernel.shape)
    macs = math.prod(in_shape[:-1]) * n_in * n_out
    return [LayerCost(layer.name, "fc", in_shape, out_shape, macs=macs, kernel=(n_in, n_out))]


def matmul_rows(op: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost]:
    """``keras.ops.matmul`` in a functional graph: MACs = prod(output) x contracted size (in_shape[-1])."""
    k = in_shape[-1] if len(in_shape) else 1
    return [LayerCost(op.name, "fc", in_shape, out_shape, macs=math.prod(out_shape) * k)]


def _counters() -> list[tuple[tuple[type, ...], Any]]:
    """(layer classes, row function) pairs; the order matters only for readability (no class overlaps)."""
    import keras

    L = keras.layers
    return [((L.SeparableConv1D, L.SeparableConv2D), separable_rows),
            ((L.DepthwiseConv1D, L.DepthwiseConv2D), depthwise_rows),
            ((L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose), transposed_rows),
            ((L.Conv1D, L.Conv2D, L.Conv3D), conv_rows),
            ((L.Dense,), dense_rows)]


def compute_rows(op: Any, in_shape: Shape, out_shape: Shape) -> list[LayerCost] | None:
    """The compute rows of one call of ``op`` (a layer or a Keras op), or None if it does no MACs.

    Raises ValueError for an op we cannot count (EinsumDense, ``keras.ops.einsum``) and for a
    compute layer whose shapes are not fully known.
    """
    import keras

    if type(op).__name__ == "Einsum" or isinstance(op, keras.layers.EinsumDense):
        raise ValueError(f"cannot count the MACs of {op.name!r} ({type(op).__name__}): einsum is not supported; "
                         f"write it as Dense/matmul layers to count it")
    for classes, rows in _counters():
        if isinstance(op, classes):
            break
    else:
        if type(op).__name__ != "Matmul":
            return None
        rows = matmul_rows
    if any(d is None for d in (*in_shape, *out_shape)):
        raise ValueError(f"layer {op.name!r} ({type(op).__name__}) has input {in_shape} and output {out_shape}; "
                         f"build the model on a keras.Input of fixed size to count its MACs")
    in_shape, out_shape = _channels_last(in_shape, op), _channels_last(out_shape, op)
    return rows(op, tuple(int(d) for d in in_shape), tuple(int(d) for d in out_shape))


def owns_kernel(layer: Any) -> Any:
    """The first variable of ``layer`` (or its sublayers) that looks like a kernel (rank >= 2), else None."""
    for v in getattr(layer, "weights", []):
        if str(v.path).split("/")[-1] in KERNEL_NAMES and len(v.shape) >= 2:
            return v
    return None
