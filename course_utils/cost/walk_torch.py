"""Walking a PyTorch module into cost rows: one forward pass on zeros, counted at the function level.

A ``TorchFunctionMode`` sees every conv/linear/matmul call (from ``nn.Conv2d`` or from a custom
``forward`` alike) exactly once: while the mode handles a call it is switched off, so the
function's own internals are not seen again. Forward pre/post hooks on every module keep a
stack of the modules being run, and each call is attributed to the innermost one. A module
called twice gets two rows (MACs per call), its parameters on the first. PyTorch is imported
inside the functions, so importing this module stays light.
"""
from __future__ import annotations

import numbers

from dataclasses import dataclass, field
from typing import Any

from .table import LayerCost
from .torch_ops import COUNTED, OpCost, op_cost

@dataclass
class _Call:
    """One call of a module: its input/output tensors' shapes and the counted ops run directly in it."""

    module: Any
    inputs: tuple
    output: Any = None
    ops: list[OpCost] = field(default_factory=list)


def _op_counter(stack: list[_Call], used: set[int]) -> Any:
    """A ``TorchFunctionMode`` recording each counted call's cost in the innermost running module's call."""
    import torch
    from torch.overrides import TorchFunctionMode

    class OpCounter(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)   # the mode is off in here: func's internals are not seen twice
            name = getattr(func, "__name__", "")
            if name in COUNTED and stack:
                cost = op_cost(name, args, kwargs, out)
                used.update(id(t) for t in cost.operands if isinstance(t, torch.Tensor))
                stack[-1].ops.append(cost)
            return out

    return OpCounter()


def _first_tensor(value: Any) -> Any:
    """The first tensor in a tensor / tuple / list / dict output, or None."""
    import torch

    if isinstance(value, torch.Tensor):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    for item in items:
        found = _first_tensor(item)
        if found is not None:
            return found
    return None


def _shape(t: Any, channels_last: bool) -> tuple[int, ...]:
    """Per-sample shape; (C, *spatial) -> (*spatial, C) when ``channels_last``, as Keras reports it."""
    if t is None:
        return ()
    shape = tuple(int(d) for d in t.shape[1:])
    return (*shape[1:], shape[0]) if channels_last and len(shape) >= 2 else shape


def _record_calls(model: Any, example: tuple) -> tuple[list[_Call], set[int]]:
    """Run ``model(*example)`` once; return its module calls in call order and the ids of multiplied tensors."""
    import torch

    calls: list[_Call] = []
    stack: list[_Call] = []
    used: set[int] = set()

    def pre(module: Any, inputs: tuple) -> None:
        stack.append(_Call(module, inputs))
        calls.append(stack[-1])

    def post(module: Any, inputs: tuple, output: Any) -> None:
        stack.pop().output = output

    handles = [h for m in model.modules()
               for h in (m.register_forward_pre_hook(pre), m.register_forward_hook(post))]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad(), _op_counter(stack, used):
            model(*example)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return calls, used


def _check_weights_used(calls: list[_Call], used: set[int], names: dict) -> None:
    """Raise for a module that ran and owns a >= 2-D weight that no counted op multiplied by."""
    from torch import nn

    lookups = (nn.Embedding, nn.EmbeddingBag)   # weights read by index: no multiply-adds
    for module in dict.fromkeys(c.module for c in calls):
        if isinstance(module, lookups):
            continue
        weights = [(n, p) for n, p in module.named_parameters(recurse=False) if p.dim() >= 2]
        if weights and not any(id(p) in used for _, p in weights):
            name, p = weights[0]
            raise ValueError(f"cannot count the MACs of module {names[module] or '(root)'!r} ({type(module).__name__}): "
                             f"its {tuple(p.shape)} parameter {name!r} was not used by conv/linear/matmul calls "
                             f"(F.conv*, F.conv_transpose*, F.linear, matmul/@, mm, bmm, addmm); "
                             f"einsum and fused kernels are not counted")


def _own_counts(module: Any, used: set[int]) -> tuple[int, int, int]:
    """(weights, other learned, buffers) of ``module``'s own tensors; weights = those a counted op used."""
    params = list(module.parameters(recurse=False))
    weights = sum(p.numel() for p in params if id(p) in used)
    other = sum(p.numel() for p in params) - weights
    buffers = sum(b.numel() for n, b in module.named_buffers(recurse=False) if n != "num_batches_tracked")
    return int(weights), int(other), int(buffers)


def _call_row(call: _Call, name: str, padded: dict, counts: tuple[int, int, int]) -> LayerCost | None:
    """The row of one module call (None when it has nothing to report)."""
    from torch import nn

    module, ops = call.module, call.ops
    is_conv = bool(ops) and ops[0].kind != "fc"
    x, y = _first_tensor(call.inputs), _first_tensor(call.output)
    image = x is not None and x.dim() == 4
    in_shape, out_shape = _shape(x, is_conv or (image and not ops)), _shape(y, is_conv or (image and not ops))
    if "Pad" in type(module).__name__:   # nn.ZeroPad2d, TF-style same padding: report sizes before padding
        padded[out_shape] = in_shape
        return None
    if ops:
        in_shape = padded.pop(in_shape, in_shape)
    kind = ops[0].kind if ops else ("bn" if isinstance(module, nn.modules.batchnorm._BatchNorm) else "other")
    weights, other, buffers = counts
    row = LayerCost(name or type(module).__name__, kind, in_shape, out_shape, macs=sum(op.macs for op in ops),
                    weights=weights, extra_trainable=other, non_trainable=buffers,
                    kernel=ops[0].kernel if ops else (), stride=ops[0].stride if ops else 1)
    return row if (row.macs or weights or other or buffers or kind != "other") else None


def walk_torch(model: Any, input_shape: tuple, dtype: Any = None) -> list[LayerCost]:
    """Rows of every module call of ``model`` on zeros of ``input_shape`` (one sample, no batch axis).

    ``input_shape`` may be a tuple of shapes for a model with several inputs.
    """
    import torch

    shapes = input_shape if input_shape and isinstance(input_shape[0], (tuple, list)) else (input_shape,)
    for shape in shapes:
        if not shape or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in shape):
            raise ValueError(f"input_shape must be one sample's fixed shape of positive ints, e.g. (3, 224, 224), "
                             f"got {input_shape!r}")
    example = tuple(torch.zeros((1, *shape), dtype=dtype) for shape in shapes)
    try:
        calls, used = _record_calls(model, example)
    except (RuntimeError, TypeError, IndexError) as err:
        raise ValueError(f"the module cannot run on zeros of shape (1, {', '.join(map(str, shapes[0]))}) "
                         f"(dtype {example[0].dtype}): input_shape (and dtype) must fit it. "
                         f"{type(err).__name__}: {str(err).splitlines()[0]}") from None

    names = {m: n for n, m in model.named_modules()}
    _check_weights_used(calls, used, names)
    rows, padded, counted = [], {}, set()
    for call in calls:
        first = call.module not in counted
        counted.add(call.module)
        counts = _own_counts(call.module, used) if first else (0, 0, 0)
        row = _call_row(call, names.get(call.module, ""), padded, counts)
        if row is not None:
            rows.append(row)
    for module, name in names.items():   # modules that never ran still own parameters
        if module not in counted:
            weights, other, buffers = _own_counts(module, used)
            if weights or other or buffers:
                rows.append(LayerCost(name, "other", (), (), weights=weights, extra_trainable=other,
                                      non_trainable=buffers))
    return rows
