"""Walking a Keras functional or sequential model (nested models included) into cost rows.

The walk follows the model's graph of *calls* (Keras 3 nodes), not its list of layers: a
layer called twice costs its MACs twice, a multi-input layer (Add, Concatenate...) reads its
shapes from its own call, and a nested model is walked through its own graph, once per call.
Parameters are counted once per variable, by the role it was created with.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

from .keras_layers import compute_rows, owns_kernel
from .table import LayerCost

PADDING_LAYERS = ("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")


def _graph(model: Any) -> Any:
    """The Keras ``Function`` holding ``model``'s call graph (a Sequential keeps one in ``_functional``)."""
    if hasattr(model, "_nodes_by_depth"):
        return model
    functional = getattr(model, "_functional", None)
    if functional is None:
        raise ValueError(f"model {model.name!r} ({type(model).__name__}) has no graph of layer calls to walk: "
                         f"expected a functional or sequential model built on a keras.Input of fixed size")
    return functional


def _is_graph_model(op: Any) -> bool:
    return hasattr(op, "_nodes_by_depth") or getattr(op, "_functional", None) is not None


def _call_nodes(graph: Any) -> Iterator[Any]:
    """The graph's call nodes from inputs to outputs (the order Keras runs them), input nodes skipped."""
    by_depth = graph._nodes_by_depth
    for depth in sorted(by_depth, reverse=True):
        for node in by_depth[depth]:
            if node.operation is not None and not node.is_input:
                yield node


def _per_sample(tensor: Any) -> tuple:
    """A symbolic tensor's shape without the batch axis."""
    return tuple(tensor.shape[1:])


def _shape_before_padding(tensor: Any) -> tuple:
    """The shape of ``tensor``, or of the input of the ZeroPadding layer that made it.

    The papers' tables give a layer's input size before explicit padding (224, not 225).
    """
    history = getattr(tensor, "_keras_history", None)
    op = getattr(history, "operation", None)
    if type(op).__name__ in PADDING_LAYERS:
        source = op._inbound_nodes[history.node_index].input_tensors[0]
        return _per_sample(source)
    return _per_sample(tensor)


def _learned_ids(op: Any) -> set[int]:
    """ids of the variables ``op`` (and its sublayers) created as trainable.

    Keras files each variable at creation in ``_trainable_variables`` or
    ``_non_trainable_variables``; ``layer.trainable = False`` later flips ``v.trainable`` but
    not these lists, so freezing does not change the count (BN moving statistics and
    Normalization mean/variance/count are created non-trainable).
    """
    layers = op._flatten_layers(include_self=True) if hasattr(op, "_flatten_layers") else [op]
    ids = set()
    for layer in layers:
        created = getattr(layer, "_trainable_variables", None)
        if created is None:
            created = [v for v in getattr(layer, "weights", []) if v.trainable]
        ids.update(id(v) for v in created)
    return ids


def _split_params(op: Any, seen: set[int]) -> tuple[list[Any], list[Any]]:
    """(learned, statistics) variables of ``op`` not counted yet; marks them as counted."""
    fresh = [v for v in getattr(op, "weights", []) if id(v) not in seen]
    seen.update(id(v) for v in fresh)
    learned_ids = _learned_ids(op) if fresh else set()
    return [v for v in fresh if id(v) in learned_ids], [v for v in fresh if id(v) not in learned_ids]


def _size(variables: list[Any]) -> int:
    return sum(int(math.prod(v.shape)) for v in variables)


def _node_rows(node: Any, seen: set[int]) -> list[LayerCost]:
    """The rows of one call node: compute rows carry MACs and kernel/bias; other layers one param row."""
    op = node.operation
    inputs = node.input_tensors
    in_shape = _shape_before_padding(inputs[0]) if inputs else ()
    raw_in = _per_sample(inputs[0]) if inputs else ()
    out_shape = _per_sample(node.outputs[0]) if node.outputs else ()
    rows = compute_rows(op, raw_in, out_shape)
    learned, stats = _split_params(op, seen)
    if rows is None:
        kernel = owns_kernel(op)
        if kernel is not None:
            raise ValueError(f"cannot count the MACs of layer {op.name!r} ({type(op).__name__}): it owns a kernel "
                             f"{kernel.path!r} of shape {tuple(kernel.shape)} but is not a layer type we know "
                             f"(Conv*, Conv*Transpose, DepthwiseConv*, SeparableConv*, Dense, or a nested "
                             f"functional/sequential model)")
        kind = "bn" if type(op).__name__ == "BatchNormalization" else "other"
        return [LayerCost(op.name, kind, in_shape, out_shape, extra_trainable=_size(learned),
                          non_trainable=_size(stats))]
    rows[0].in_shape = in_shape
    # a separable conv's depthwise kernel goes on its depthwise row; everything else on the last row
    for v in learned:
        is_dw = str(v.path).split("/")[-1] == "depthwise_kernel"
        (rows[0] if is_dw else rows[-1]).weights += int(math.prod(v.shape))
    rows[-1].non_trainable += _size(stats)
    return rows


def walk_keras(model: Any, rows: list[LayerCost] | None = None, seen: set[int] | None = None) -> list[LayerCost]:
    """Rows of every call in ``model``'s graph, nested models walked in place (once per call)."""
    rows = [] if rows is None else rows
    seen = set() if seen is None else seen
    for node in _call_nodes(_graph(model)):
        if _is_graph_model(node.operation):
            walk_keras(node.operation, rows, seen)
        else:
            rows.extend(_node_rows(node, seen))
    return rows
