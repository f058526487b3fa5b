"""Walking a real model (Keras or PyTorch) into a :class:`CostTable`: the entry points."""
from __future__ import annotations

import sys
from typing import Any

from .table import CONVENTIONS, CostTable, LayerCost, _check_convention

# The walkers live in walk_keras.py (+ keras_layers.py) and walk_torch.py (+ torch_ops.py);
# they import their framework, so they are imported here only when a model is walked.


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def _is_keras_model(model: Any) -> bool:
    return hasattr(model, "layers") and hasattr(model, "count_params") and not _is_torch_module(model)


def profile(model: Any, input_shape: tuple | None = None, dtype: Any = None) -> CostTable:
    """Walk a Keras model or a PyTorch module and return its per-layer :class:`CostTable`.

    Keras (functional or sequential, nested models included): the model must be built on an
    ``Input`` of fixed size (``input_shape``, as (H, W, C), is then optional and only checked);
    every call of a layer is a row. PyTorch: ``input_shape`` is one sample's shape without the
    batch axis, e.g. (C, H, W) (a tuple of shapes for several inputs; ``dtype`` e.g.
    ``torch.long`` for token ids); one forward pass on a batch of one zero sample, in eval
    mode, counts every conv/linear/matmul call and gives a row per module call.
    Raises ValueError for a layer or module with a kernel we do not know how to count.
    """
    if _is_torch_module(model):
        if input_shape is None:
            raise ValueError("profiling a PyTorch module needs input_shape=(C, H, W) (one sample, no batch axis), "
                             "e.g. (3, 224, 224)")
        from .walk_torch import walk_torch

        rows = walk_torch(model, tuple(input_shape), dtype=dtype)
        return CostTable(rows, title=f"{type(model).__name__} (PyTorch walk)")
    if _is_keras_model(model):
        if input_shape is not None:
            have = tuple(model.inputs[0].shape[1:])
            if tuple(input_shape) != have:
                raise ValueError(f"this Keras model was built for input {have}, not {tuple(input_shape)}; "
                                 f"rebuild it for that size")
        from .walk_keras import walk_keras

        return CostTable(walk_keras(model), title=f"{model.name} (Keras walk)")
    raise ValueError(f"expected a Keras model or a torch.nn.Module, got {type(model).__name__}")


def profile_builds(models_module: str, builds: list[tuple]) -> list[CostTable]:
    """Build models from ``course_utils.models.<models_module>`` and profile each one.

    ``models_module``: ``"keras_models"`` or ``"torch_models"``. ``builds``: one
    ``(builder name, args, kwargs, input_shape)`` per model, e.g.
    ``("mobilenet_v2", (1.0, (224, 224, 3)), {}, (3, 224, 224))``; ``input_shape`` is one
    sample's shape for PyTorch, ``None`` for Keras. Returns one :class:`CostTable` per build.
    Everything in and out is plain data, so a kernel that holds the *other* framework can
    run this through :func:`course_utils.frameworks.in_child`.
    """
    import importlib

    if models_module not in ("keras_models", "torch_models"):
        raise ValueError(f"models_module must be 'keras_models' or 'torch_models', got {models_module!r}")
    module = importlib.import_module(f"course_utils.models.{models_module}")
    tables = []
    for build in builds:
        if len(build) != 4:
            raise ValueError(f"each build is (builder, args, kwargs, input_shape), got {build!r}")
        name, args, kwargs, input_shape = build
        builder = getattr(module, name, None) if isinstance(name, str) else None
        if not callable(builder) or name.startswith("_") or not getattr(builder, "__module__", "").startswith(
                "course_utils.models"):
            raise ValueError(f"course_utils.models.{models_module} has no builder {name!r}")
        tables.append(profile(builder(*args, **kwargs), input_shape))
        if models_module == "keras_models":
            import keras

            keras.backend.clear_session()  # one model at a time in memory
    return tables


def count_macs(model: Any, input_shape: tuple | None = None) -> int:
    """Multiply-adds of the conv, FC and matmul calls of a Keras model or PyTorch module (one sample)."""
    return profile(model, input_shape).macs


def count_params(model: Any, convention: str = "weights", input_shape: tuple[int, ...] | None = None) -> int:
    """Parameters under ``convention`` (``"weights"``, ``"trainable"`` or ``"total"``, see module doc).

    For a PyTorch module without ``input_shape`` no forward pass is made: parameters and buffers
    are summed directly, and "weights" are the parameters of conv/linear modules. With
    ``input_shape`` the walk is used, and "weights" are the parameters that conv/linear/matmul
    calls multiplied by (functional ops in a custom ``forward`` included).
    """
    _check_convention(convention)
    if _is_torch_module(model) and input_shape is None:
        import torch.nn as nn

        total = 0
        for m in model.modules():
            own = sum(p.numel() for p in m.parameters(recurse=False))
            is_compute = isinstance(m, (nn.modules.conv._ConvNd, nn.Linear, nn.Bilinear))
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


