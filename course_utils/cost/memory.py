"""Activation memory: the largest set of tensors that must be held at once during inference.

The idea of Table 3 of Sandler et al. (2018), arXiv:1801.04381, counted from a cost table's
rows (a formula table or a model walk, see :func:`course_utils.cost.profile`).

Counting rule (the course's, stated once): a layer reads its input and writes its output,
so both are held at the same time; a step needs ``entries(input) + entries(output)`` float
entries (batch 1; weights not counted). Only the layers that own a kernel (conv, grouped,
depthwise, pointwise, fc) are counted: BatchNorm and activations can run in place.

``group`` merges consecutive rows into one step whose inner tensors are *streamed*, never
held whole: the memory-efficient inference of MobileNet v2's inverted residual block
(Sec. 5.1 of the paper), where only the block's input and output (the narrow bottlenecks)
are materialised.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass

from .table import CostTable

COUNTED = ("conv", "grouped", "depthwise", "pointwise", "fc")


@dataclass(frozen=True)
class MemoryStep:
    """One step of inference: ``name``, the entries it reads and writes, their sum."""

    name: str
    in_entries: int
    out_entries: int

    @property
    def entries(self) -> int:
        return self.in_entries + self.out_entries


def entries(shape: tuple[int, ...]) -> int:
    """Number of float entries of a tensor of ``shape`` (batch excluded)."""
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise ValueError(f"a shape has non-negative int sizes (a fixed-size model: build it on an Input of "
                         f"fixed size to count its memory), got {shape!r}")
    return math.prod(shape)


def mobilenet_v2_block(name: str) -> str:
    """The inverted-residual block a Keras MobileNet v2 layer belongs to ("block_3", "expanded_conv"),
    or the layer's own name outside the blocks: a ``group`` for :func:`memory_steps`."""
    m = re.match(r"(block_\d+|expanded_conv)_", name)
    return m.group(1) if m else name


def memory_steps(table: CostTable, group: Callable[[str], str] | None = None) -> list[MemoryStep]:
    """The input + output entries of every counted layer, in order.

    With ``group`` (layer name -> step name), consecutive counted layers of the same step
    become one step: the first layer's input plus the last layer's output.
    """
    rows = [r for r in table.rows if r.kind in COUNTED]
    if not rows:
        raise ValueError("the table has no conv or fc rows to count")
    steps: list[tuple[str, list]] = []
    for r in rows:
        key = group(r.name) if group else r.name
        if steps and group and steps[-1][0] == key:
            steps[-1][1].append(r)
        else:
            steps.append((key, [r]))
    return [MemoryStep(key, entries(rs[0].in_shape), entries(rs[-1].out_shape)) for key, rs in steps]


def peak_memory(table: CostTable, group: Callable[[str], str] | None = None) -> MemoryStep:
    """The step of :func:`memory_steps` that holds the most entries (the first, on a tie)."""
    return max(memory_steps(table, group), key=lambda s: s.entries)


def first_layer_trick(group: Callable[[str], str], first: str, into: str) -> Callable[[str], str]:
    """``group`` with layer ``first`` streamed into step ``into``: the paper's first-layer trick
    (Table 3's caption, Sec. 5.1), so the stem's output is never held whole."""
    return lambda name: into if name == first else group(name)


def shufflenet_unit(name: str) -> str:
    """The ShuffleNet unit a layer belongs to ("unit7"), or the layer's own name: a ``group``."""
    m = re.match(r"(unit\d+)_", name)
    return m.group(1) if m else name


def kb16(shape: tuple[int, ...]) -> float:
    """Kilobytes (1,000 bytes) of a tensor of ``shape`` at 16 bits an entry: Table 3's unit."""
    return entries(shape) * 2 / 1000


def table3_rows(table: CostTable, group: Callable[[str], str] | None = None) -> dict[int, tuple[int, float]]:
    """Table 3's rule, row by row: ``{spatial size: (channels, Kb at 16 bits)}`` of the largest tensor
    materialised at each resolution, largest size first.

    A tensor is materialised when it is the output of a step of :func:`memory_steps` (with ``group``,
    a step's inner tensors are streamed); a vector (an FC layer's input or output) counts as 1x1.
    The network's input image is not counted.
    """
    rows = [r for r in table.rows if r.kind in COUNTED]
    if not rows:
        raise ValueError("the table has no conv or fc rows to count")
    shapes = []
    for i, r in enumerate(rows):
        last_of_step = i + 1 == len(rows) or not group or group(rows[i + 1].name) != group(r.name)
        if last_of_step:
            shapes.append(tuple(r.out_shape))
        if r.kind == "fc":
            shapes.append(tuple(r.in_shape))
    best: dict[int, tuple[int, float]] = {}
    for shape in shapes:
        size, channels = (1, shape[-1]) if len(shape) == 1 else (shape[-2], shape[-1])
        if size not in best or channels > best[size][0]:
            best[size] = (channels, kb16((size, size, channels)))
    return dict(sorted(best.items(), reverse=True))


__all__ = ["COUNTED", "MemoryStep", "entries", "first_layer_trick", "kb16", "memory_steps", "mobilenet_v2_block",
           "peak_memory", "shufflenet_unit", "table3_rows"]
