"""Walking a real model (Keras or PyTorch) into a :class:`CostTable`."""
from __future__ import annotations

import math
import sys
from typing import Any

from .table import CONVENTIONS, CostTable, LayerCost, _check_convention

# --------------------------------------------------------------------------------------
# 5. Walking a real model (Keras or PyTorch).
# --------------------------------------------------------------------------------------


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def _is_keras_model(model: Any) -> bool:
    return hasattr(model, "layers") and hasattr(model, "count_params") and not _is_torch_module(model)


def _conv_kind(k: tuple[int, int], groups: int, c_in: int, out_hw: tuple[int, int]) -> str:
    if groups == c_in and groups > 1:
        return "depthwise"
    if groups > 1:
        return "grouped"
    if tuple(k) == (1, 1):
        # A 1x1 conv on a 1x1 map is a fully connected layer written as a conv
        # (keras.applications MobileNet's classifier "conv_preds").
        return "fc" if tuple(out_hw) == (1, 1) else "pointwise"
    return "conv"


def _is_statistic(variable: Any) -> bool:
    """A state variable that gradient descent does not learn (BatchNorm moving mean/variance...)."""
    name = str(getattr(variable, "path", getattr(variable, "name", ""))).lower()
    return any(word in name for word in ("moving", "running", "count", "seed_generator"))


def _walk_keras(model: Any, rows: list[LayerCost]) -> None:
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        if hasattr(layer, "layers"):  # a nested model
            _walk_keras(layer, rows)
            continue
        try:
            in_shape = tuple(layer.input.shape[1:])
            out_shape = tuple(layer.output.shape[1:])
        except (AttributeError, ValueError) as err:
            raise ValueError(f"layer {layer.name!r} has no known input/output shape; build the model "
                             f"on an Input of fixed size first") from err
        source = getattr(getattr(layer.input, "_keras_history", None), "operation", None)
        if type(source).__name__ == "ZeroPadding2D":
            in_shape = tuple(source.input.shape[1:])  # report the size before explicit padding
        n_weights = sum(int(math.prod(v.shape)) for v in layer.weights)
        row = LayerCost(layer.name, "other", in_shape, out_shape)
        if cls in ("Conv2D", "DepthwiseConv2D"):
            kernel = tuple(layer.kernel.shape)  # (kh, kw, C_in/groups, C_out) or (kh, kw, C_in, mult)
            h, w, c_out = out_shape
            c_in = in_shape[-1]
            if cls == "DepthwiseConv2D":
                groups, c_out = c_in, c_in * kernel[3]
                per_output = kernel[0] * kernel[1]
            else:
                groups = getattr(layer, "groups", 1)
                per_output = kernel[0] * kernel[1] * kernel[2]
            row.kind = _conv_kind(kernel[:2], groups, c_in, (h, w))
            row.macs = h * w * c_out * per_output
            row.weights = n_weights
            row.stride = int(layer.strides[0])
            if row.kind == "depthwise":
                row.kernel = (kernel[0], kernel[1], c_out)
            elif row.kind == "fc":
                row.kernel = (c_in, c_out)
            else:
                row.kernel = (kernel[0], kernel[1], kernel[2], c_out)
        elif cls == "Dense":
            n_in, n_out = layer.kernel.shape
            row.kind, row.kernel = "fc", (int(n_in), int(n_out))
            row.macs = int(math.prod(out_shape[:-1])) * int(n_in) * int(n_out)
            row.weights = n_weights
        else:
            if cls == "BatchNormalization":
                row.kind = "bn"
            # by role, not by the current `trainable` flag, so freezing a model does not change its count
            stats = sum(int(math.prod(v.shape)) for v in layer.weights if _is_statistic(v))
            row.extra_trainable, row.non_trainable = n_weights - stats, stats
        rows.append(row)


def _walk_torch(model: Any, input_shape: tuple[int, ...]) -> list[LayerCost]:
    import torch
    from torch import nn

    if len(input_shape) == 3:
        input_shape = (1, *input_shape)
    if len(input_shape) != 4:
        raise ValueError(f"input_shape for a PyTorch model is (C, H, W) or (N, C, H, W), got {input_shape!r}")
    names = {m: n for n, m in model.named_modules()}
    rows: list[LayerCost] = []
    padded: dict[tuple, tuple] = {}  # output shape of a padding module -> its input shape

    def hwc(t: Any) -> tuple:
        # shapes per image and channels last, as Keras reports them: (H, W, C)
        return (*t.shape[2:], t.shape[1]) if t.dim() == 4 else tuple(t.shape[1:])

    def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
        x = inputs[0]
        in_shape, out_shape = hwc(x), hwc(output)
        if "Pad" in type(module).__name__:  # nn.ZeroPad2d, TFSamePad: report sizes before padding
            padded[out_shape] = in_shape
            return
        in_shape = padded.pop(in_shape, in_shape)
        own = sum(p.numel() for p in module.parameters(recurse=False))
        buffers = sum(b.numel() for n, b in module.named_buffers(recurse=False) if n != "num_batches_tracked")
        row = LayerCost(names[module] or type(module).__name__, "other", tuple(in_shape), tuple(out_shape))
        if isinstance(module, nn.Conv2d):
            c_out, c_per_group, kh, kw = module.weight.shape
            h, w = output.shape[2:]
            row.kind = _conv_kind((kh, kw), module.groups, module.in_channels, (h, w))
            row.macs = int(h * w * c_out * c_per_group * kh * kw)
            row.weights, row.stride = own, module.stride[0]
            row.kernel = {"depthwise": (kh, kw, c_out), "fc": (module.in_channels, c_out)}.get(
                row.kind, (kh, kw, c_per_group, c_out))
        elif isinstance(module, nn.Linear):
            row.kind, row.kernel = "fc", (module.in_features, module.out_features)
            row.macs = int(math.prod(output.shape[1:-1])) * module.in_features * module.out_features
            row.weights = own
        else:
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                row.kind = "bn"
            row.extra_trainable, row.non_trainable = own, buffers
        if row.macs or row.weights or row.extra_trainable or row.non_trainable or row.kind != "other":
            rows.append(row)

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(input_shape))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return rows


def profile(model: Any, input_shape: tuple[int, ...] | None = None) -> CostTable:
    """Walk a Keras model or a PyTorch module and return its per-layer :class:`CostTable`.

    Keras: the model must be built on an ``Input`` of fixed size (``input_shape``, as
    (H, W, C), is then optional and only checked). PyTorch: ``input_shape`` is (C, H, W)
    and one forward pass on zeros, in eval mode, records every leaf module.
    """
    if _is_torch_module(model):
        if input_shape is None:
            raise ValueError("profiling a PyTorch module needs input_shape=(C, H, W), e.g. (3, 224, 224)")
        return CostTable(_walk_torch(model, tuple(input_shape)), title=f"{type(model).__name__} (PyTorch walk)")
    if _is_keras_model(model):
        if input_shape is not None:
            have = tuple(model.inputs[0].shape[1:])
            if tuple(input_shape) != have:
                raise ValueError(f"this Keras model was built for input {have}, not {tuple(input_shape)}; "
                                 f"rebuild it for that size")
        rows: list[LayerCost] = []
        _walk_keras(model, rows)
        return CostTable(rows, title=f"{model.name} (Keras walk)")
    raise ValueError(f"expected a Keras model or a torch.nn.Module, got {type(model).__name__}")


def count_macs(model: Any, input_shape: tuple[int, ...] | None = None) -> int:
    """Multiply-adds of the conv and FC layers of a Keras model or PyTorch module (one image)."""
    return profile(model, input_shape).macs


def count_params(model: Any, convention: str = "weights", input_shape: tuple[int, ...] | None = None) -> int:
    """Parameters under ``convention`` (``"weights"``, ``"trainable"`` or ``"total"``, see module doc).

    For a PyTorch module no forward pass is needed: parameters and buffers are summed directly.
    """
    _check_convention(convention)
    if _is_torch_module(model):
        import torch.nn as nn

        total = 0
        for m in model.modules():
            own = sum(p.numel() for p in m.parameters(recurse=False))
            is_compute = isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))
            if convention == "weights":
                total += own if is_compute else 0
            else:
                total += own
                if convention == "total":
                    total += sum(b.numel() for n, b in m.named_buffers(recurse=False)
                                 if n != "num_batches_tracked")
        return int(total)
    return profile(model, input_shape).params(convention)


def compare_tables(a: CostTable, b: CostTable) -> list[str]:
    """Differences between two tables' compute rows (kind, MACs, weights, shapes), in order; [] if equal."""
    ra, rb = a.compute_rows(), b.compute_rows()
    problems = []
    if len(ra) != len(rb):
        problems.append(f"{len(ra)} compute layers vs {len(rb)}")
    def key(r: LayerCost) -> tuple:
        if r.kind == "fc":  # a Linear layer vs a 1x1 conv on a 1x1 map: compare channels only
            return r.kind, r.macs, r.weights, r.in_shape[-1], r.out_shape[-1]
        return r.kind, r.macs, r.weights, tuple(r.in_shape), tuple(r.out_shape)

    for x, y in zip(ra, rb):
        if key(x) != key(y):
            problems.append(f"{x.name} vs {y.name}: {key(x)} vs {key(y)}")
    for conv in CONVENTIONS:
        if a.params(conv) != b.params(conv):
            problems.append(f"params ({conv}): {a.params(conv):,} vs {b.params(conv):,}")
    return problems


