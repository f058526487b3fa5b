"""MACs of one call of a PyTorch function that does arithmetic (conv, conv_transpose, linear, matmul).

Counting at the function level (``F.conv2d``, ``F.linear``, ``torch.matmul``, ``@``...) sees
the arithmetic of ``nn.Conv2d`` and of a custom ``forward`` alike. Shapes are the real
tensors' shapes, batch axis included (the walker feeds a batch of one).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .table import conv_kind

CONVS = {"conv1d", "conv2d", "conv3d"}
TRANSPOSED = {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}
# products: name -> (index of the left operand, index of the right operand) in the call's args
PRODUCTS = {"matmul": (0, 1), "__matmul__": (0, 1), "__rmatmul__": (1, 0), "mm": (0, 1), "bmm": (0, 1),
            "mv": (0, 1), "addmm": (1, 2), "baddbmm": (1, 2), "addmv": (1, 2)}
COUNTED = CONVS | TRANSPOSED | {"linear"} | set(PRODUCTS)


@dataclass
class OpCost:
    """One counted call: its MACs, kind, kernel shape and stride, and the tensors it multiplied by."""

    macs: int
    kind: str
    kernel: tuple[int, ...] = ()
    stride: int = 1
    operands: list[Any] = field(default_factory=list)   # weights and biases, to classify parameters


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _first(value: Any) -> int:
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def conv_cost(name: str, args: tuple, kwargs: dict, out: Any) -> OpCost:
    """conv{1,2,3}d(input, weight (C_out, C_in/groups, *k), bias, stride, padding, dilation, groups).

    MACs = prod(output) x C_in/groups x prod(k) = prod(output) x prod(weight.shape[1:]).
    """
    x, weight, bias = args[0], _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
    groups = int(_arg(args, kwargs, 6, "groups", 1))
    c_out, c_per_group, *k = weight.shape
    macs = out.numel() * c_per_group * math.prod(k)
    channel_axis = x.dim() - len(k) - 1            # 0 for an unbatched input
    kind = conv_kind(tuple(k), groups, int(x.shape[channel_axis]), tuple(out.shape[channel_axis + 1:]))
    kernel = {"depthwise": (*k, c_out), "fc": (c_per_group * groups, c_out)}.get(kind, (*k, c_per_group, c_out))
    return OpCost(int(macs), kind, tuple(int(d) for d in kernel), _first(_arg(args, kwargs, 3, "stride", 1)),
                  [weight, bias])


def transposed_cost(name: str, args: tuple, kwargs: dict, out: Any) -> OpCost:
    """conv_transpose{1,2,3}d(input, weight (C_in, C_out/groups, *k), bias, stride, padding, output_padding, groups).

    Each input value meets every tap of C_out/groups filters:
    MACs = input positions x C_in x C_out/groups x prod(k) = prod(input) x prod(weight.shape[1:]).
    """
    x, weight, bias = args[0], _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
    c_in, c_out_per_group, *k = weight.shape
    groups = int(_arg(args, kwargs, 6, "groups", 1))
    macs = x.numel() * c_out_per_group * math.prod(k)
    kind = "grouped" if groups > 1 else "conv"
    return OpCost(int(macs), kind, (*k, c_in // groups, c_out_per_group * groups),
                  _first(_arg(args, kwargs, 3, "stride", 1)), [weight, bias])


def linear_cost(name: str, args: tuple, kwargs: dict, out: Any) -> OpCost:
    """linear(input (..., n_in), weight (n_out, n_in), bias): MACs = prod(leading dims) x n_in x n_out."""
    x, weight, bias = args[0], _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
    n_out, n_in = weight.shape
    return OpCost(int(x.numel() // n_in * n_in * n_out), "fc", (int(n_in), int(n_out)), 1, [weight, bias])


def product_cost(name: str, args: tuple, kwargs: dict, out: Any) -> OpCost:
    """matmul/mm/bmm/mv and addmm/baddbmm/addmv: MACs = prod(product's output) x contracted size.

    The contracted size is the left operand's last dimension; the added term of addmm (args[0])
    costs no multiplication but is recorded as an operand (it is the layer's bias).
    """
    left, right = PRODUCTS[name]
    a, b = args[left], args[right]
    k = int(a.shape[-1])
    product_size = out.numel() if hasattr(out, "numel") else 1
    operands = [a, b] + ([args[0]] if left == 1 and name != "__rmatmul__" else [])
    shape = (k, int(b.shape[-1])) if b.dim() >= 2 else (k,)
    return OpCost(int(product_size * k), "fc", shape, 1, operands)


def op_cost(name: str, args: tuple, kwargs: dict, out: Any) -> OpCost:
    """The cost of one call of the counted function ``name`` (one of :data:`COUNTED`)."""
    if name in CONVS:
        return conv_cost(name, args, kwargs, out)
    if name in TRANSPOSED:
        return transposed_cost(name, args, kwargs, out)
    if name == "linear":
        return linear_cost(name, args, kwargs, out)
    return product_cost(name, args, kwargs, out)
