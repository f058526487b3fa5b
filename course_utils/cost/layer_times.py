"""Where a network's milliseconds go: every layer of a PyTorch model timed alone, bucketed by op kind.

MACs count only convolutions and fully connected layers; a CPU also spends time on BatchNorm,
activations, padding, shuffles, adds and pooling, and it runs each kind at its own speed. So:

1. :func:`op_kind` (a pure function) names the bucket of a layer from its type and shape;
   :func:`timed_units` walks a model top-down and keeps every module that has a bucket (a
   container such as ``nn.Sequential`` has none: we look inside it);
2. :func:`record_layers` runs the model once with forward hooks on those modules, keeping a
   copy of each one's input, its output shape, its MACs (output elements x weights per output:
   the course's convention, :mod:`course_utils.cost`) and the bytes it moves (float32 input +
   output + its own parameters and buffers);
3. :func:`time_layers` calls each module alone on its recorded input, in the network's order,
   ``repeat`` times (interleaved, so a busy moment hits every layer alike), and the whole
   network once per round: the per-layer sum includes one Python call and one timer read per
   layer, which the network's own run shares out differently;
4. :func:`layer_study` (lesson 05, in a child process) first times the whole networks as they
   run by default, then switches glibc's allocator to keep freed memory
   (:func:`~course_utils.timing.steady_allocator`): a fresh output buffer then costs no page
   faults, and the layers are timed for their own work.

The course's builders make their functional steps modules (``torch_layers.Add``, ``Concat``,
``torch_shufflenet.ChannelShuffle``), so nothing a forward pass computes goes untimed; only
``torch.flatten`` (a view, no copy) is left out. PyTorch is imported inside the functions.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..timing import Timing, steady_allocator, time_interleaved

BYTES = 4  # float32
KINDS = ("full 3×3 conv", "1×1 conv", "grouped 1×1 conv", "3×3 depthwise", "batch norm", "activation",
         "padding", "channel shuffle", "add / concat", "pooling", "classifier")
MAC_KINDS = ("full 3×3 conv", "1×1 conv", "grouped 1×1 conv", "3×3 depthwise", "classifier")
_BY_TYPE = {"BatchNorm2d": "batch norm", "ReLU": "activation", "ReLU6": "activation", "Hardtanh": "activation",
            "TFSamePad": "padding", "ZeroPad2d": "padding", "ConstantPad2d": "padding",
            "ChannelShuffle": "channel shuffle", "Add": "add / concat", "Concat": "add / concat",
            "MaxPool2d": "pooling", "AvgPool2d": "pooling", "AdaptiveAvgPool2d": "pooling",
            "TFSameMaxPool": "pooling", "TFSameAvgPool": "pooling", "Linear": "classifier", "Dropout": "classifier"}


def op_kind(type_name: str, *, leaf: bool = True, kernel: tuple[int, ...] = (), groups: int = 1,
            in_channels: int = 0) -> str | None:
    """The :data:`KINDS` bucket of a layer, or ``None`` for a container whose children hold the work.

    ``type_name``: the module's class name (``"Conv2d"``, ``"BatchNorm2d"``, ``"TFSameMaxPool"``...);
    ``leaf``: it has no child modules; for ``"Conv2d"`` also its spatial ``kernel`` (kh, kw),
    ``groups`` and ``in_channels``. A depthwise conv has ``groups == in_channels > 1``.
    Raises ``ValueError`` for a conv shape or a leaf type that fits no bucket.
    """
    if type_name == "Conv2d":
        if len(kernel) != 2 or min(kernel) < 1 or groups < 1 or in_channels < 1 or in_channels % groups:
            raise ValueError(f"a Conv2d needs kernel (kh, kw) >= 1 and groups dividing in_channels >= 1, "
                             f"got kernel={kernel!r}, groups={groups!r}, in_channels={in_channels!r}")
        kinds = {(1, (3, 3)): "full 3×3 conv", (1, (1, 1)): "1×1 conv",
                 ("grouped", (1, 1)): "grouped 1×1 conv", ("depthwise", (3, 3)): "3×3 depthwise"}
        shape = 1 if groups == 1 else "depthwise" if groups == in_channels else "grouped"
        if (shape, tuple(kernel)) not in kinds:
            raise ValueError(f"no bucket for a {kernel[0]}×{kernel[1]} conv with groups={groups} on {in_channels} "
                             f"channels: expected a full 3×3 or 1×1, a grouped 1×1 or a 3×3 depthwise conv")
        return kinds[(shape, tuple(kernel))]
    if type_name in _BY_TYPE:
        return _BY_TYPE[type_name]
    if not leaf:
        return None
    raise ValueError(f"no bucket for a {type_name!r} layer: expected Conv2d or one of {sorted(_BY_TYPE)} "
                     "(or a container whose children are)")


def module_kind(module: Any) -> str | None:
    """:func:`op_kind` of a ``torch.nn.Module``."""
    name = type(module).__name__
    if name == "Conv2d":
        return op_kind(name, kernel=tuple(module.kernel_size), groups=module.groups, in_channels=module.in_channels)
    return op_kind(name, leaf=not any(True for _ in module.children()))


def timed_units(model: Any) -> list[tuple[str, Any, str]]:
    """``(name, module, kind)`` of every module with a bucket, top-down in definition order; a
    module with a bucket is one unit (its children are not looked at)."""
    found: list[tuple[str, Any, str]] = []

    def visit(name: str, module: Any) -> None:
        kind = module_kind(module)
        if kind is not None:
            found.append((name or type(module).__name__, module, kind))
            return
        for child, sub in module.named_children():
            visit(f"{name}.{child}" if name else child, sub)

    visit("", model)
    return found


@dataclass(frozen=True)
class LayerTime:
    """One call of one unit: ``macs`` and ``bytes_moved`` for the whole batch; ``timing``: seconds
    per call alone (``None`` when only recorded)."""

    name: str
    kind: str
    macs: int
    bytes_moved: int
    out_shape: tuple[int, ...]
    timing: Timing | None = None


@dataclass(frozen=True)
class KindTotals:
    """One bucket's layers summed: ``seconds`` (sum of medians), ``best`` and ``worst`` (sums of the
    fastest and slowest repeats), MACs and bytes."""

    kind: str
    count: int
    macs: int
    bytes_moved: int
    seconds: float
    best: float
    worst: float

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s (2 FLOPs per MAC; 0 for kinds without MACs)."""
        return 2 * self.macs / self.seconds / 1e9 if self.seconds else 0.0

    @property
    def intensity(self) -> float:
        """FLOP per byte moved (0 for kinds without MACs)."""
        return 2 * self.macs / self.bytes_moved if self.bytes_moved else 0.0

    @property
    def gb_per_s(self) -> float:
        """Bytes moved per second, in GB/s."""
        return self.bytes_moved / self.seconds / 1e9 if self.seconds else 0.0


@dataclass(frozen=True)
class NetworkTimes:
    """Every unit's :class:`LayerTime` in call order, the ``whole`` network's timing (or ``None``), the
    batch, and the page faults per whole-network call."""

    layers: tuple[LayerTime, ...]
    whole: Timing | None
    batch: int
    faults: float = 0.0   # minor page faults per whole-network call while timed

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def by_kind(self) -> dict[str, KindTotals]:
        """{kind: :class:`KindTotals`} in :data:`KINDS` order, kinds present only."""
        out = {}
        for kind in KINDS:
            ls = [layer for layer in self.layers if layer.kind == kind]
            if ls:
                med, best, worst = ([getattr(layer.timing, a) if layer.timing else 0.0 for layer in ls]
                                    for a in ("median", "best", "worst"))
                out[kind] = KindTotals(kind, len(ls), sum(layer.macs for layer in ls),
                                       sum(layer.bytes_moved for layer in ls), sum(med), sum(best), sum(worst))
        return out

    @property
    def layer_sum(self) -> float:
        """Sum of every unit's median time alone, in seconds."""
        return sum(t.seconds for t in self.by_kind().values())


def record_layers(model: Any, x: Any) -> tuple[list[LayerTime], list[tuple[Any, tuple]]]:
    """Run ``model(x)`` once (eval, inference mode): each unit's :class:`LayerTime` (no timing) and
    ``(module, copy of its inputs)``, in call order. ``x``: an NCHW float32 tensor (N, C, H, W)."""
    import torch

    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"x must be an NCHW tensor (N, C, H, W), got {type(x).__name__} "
                         f"of shape {tuple(getattr(x, 'shape', ()))}")
    names = {m: (n, k) for n, m, k in timed_units(model)}
    calls: list[list] = []

    def pre(module, inputs):
        calls.append([module, tuple(t.clone() for t in inputs)])   # before an in-place op changes it

    def post(module, inputs, output):
        calls[-1].append(output)

    handles = [h for m in names for h in (m.register_forward_pre_hook(pre), m.register_forward_hook(post))]
    try:
        with torch.inference_mode():
            model.eval()(x)
    finally:
        for h in handles:
            h.remove()
    layers = [LayerTime(*names[m], _macs(m, out), _bytes(m, inputs, out), tuple(out.shape[1:]))
              for m, inputs, out in calls]
    return layers, [(m, inputs) for m, inputs, _ in calls]


def _macs(module: Any, out: Any) -> int:
    """Conv2d / Linear: each output element takes one weight row (in/groups x kh x kw, or in) of MACs."""
    weight = getattr(module, "weight", None)
    if type(module).__name__ in ("Conv2d", "Linear") and weight is not None:
        return out.numel() * weight[0].numel()
    return 0


def _bytes(module: Any, inputs: tuple, out: Any) -> int:
    own = sum(p.numel() for p in module.parameters()) + sum(
        b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked"))
    return BYTES * (sum(t.numel() for t in inputs) + out.numel() + own)


def time_layers(model: Any, x: Any, repeat: int = 5, warmup: int = 2) -> NetworkTimes:
    """Every unit of ``model`` timed alone on its recorded input, and the whole ``model(x)``: ``repeat``
    rounds, each the whole network once then every unit once in call order; seconds per call."""
    import torch

    if repeat < 1 or warmup < 0:
        raise ValueError(f"repeat must be >= 1 and warmup >= 0, got {repeat}, {warmup}")
    layers, calls = record_layers(model, x)
    runs = [lambda: model(x)] + [lambda m=m, a=a: m(*a) for m, a in calls]
    with torch.inference_mode():
        (whole, faults), *alone = time_interleaved(runs, repeat, warmup)
    timed = tuple(LayerTime(layer.name, layer.kind, layer.macs, layer.bytes_moved, layer.out_shape, t)
                  for layer, (t, _) in zip(layers, alone))
    return NetworkTimes(timed, whole, int(x.shape[0]), faults)


def _build(builds: Mapping[str, tuple[str, tuple]], batch: int, size: int, seed: int):
    """(images, {name: model}): course torch models with random weights, ``default_rng(seed)`` images."""
    import numpy as np
    import torch

    from ..models import torch_models

    if batch < 1 or size < 1:
        raise ValueError(f"batch and size must be >= 1, got {batch}, {size}")
    unknown = [b for b, _ in builds.values() if b not in ("mobilenet_v1", "mobilenet_v2", "shufflenet_v1")]
    if unknown:
        raise ValueError(f"builders must be mobilenet_v1, mobilenet_v2 or shufflenet_v1, got {unknown}")
    x = torch.from_numpy(np.random.default_rng(seed).uniform(-1, 1, (batch, 3, size, size)).astype(np.float32))
    models = {}
    for name, (builder, args) in builds.items():
        torch.manual_seed(seed)
        models[name] = getattr(torch_models, builder)(*args).eval()
    return x, models


def network_layers(builds: Mapping[str, tuple[str, tuple]], batch: int = 1, size: int = 224, repeat: int = 5,
                   seed: int = 0, timed: bool = True) -> dict[str, NetworkTimes]:
    """{name: :class:`NetworkTimes`} of course models, ``builds`` = {name: (builder, args)} of
    :mod:`course_utils.models.torch_models` (e.g. ``{"MobileNet v2 1.0": ("mobilenet_v2", (1.0,))}``),
    random weights, on ``default_rng(seed)`` images (batch, 3, size, size); ``timed=False`` only
    records (no timing). Plain data out, for :func:`course_utils.frameworks.in_child`."""
    x, models = _build(builds, batch, size, seed)
    return {name: time_layers(m, x, repeat) if timed else NetworkTimes(tuple(record_layers(m, x)[0]), None, batch)
            for name, m in models.items()}


def layer_study(builds: Mapping[str, tuple[str, tuple]], batch: int = 1, size: int = 224, repeat: int = 5,
                seed: int = 0) -> dict:
    """Lesson 05's measurement, in one process. Returns ``{"default": {name: (Timing, page faults per
    call)}`` of each whole network timed on its own under glibc's default allocator; ``"steady"``:
    whether :func:`~course_utils.timing.steady_allocator` then took effect; ``"layers"``:
    :func:`time_layers` of each network under it; ``"tiny"``: {layer: Timing} of a ReLU6, a BatchNorm
    and a 3x3 depthwise conv on a (1, 8, 2, 2) input (almost no work: the fixed cost of a call);
    ``"matmul"``: PyTorch's {engine: (median, best) GFLOP/s} for the ceiling, on ``"threads"`` threads."""
    import torch
    from torch import nn

    from .ceiling import engine_matmuls

    x, models = _build(builds, batch, size, seed)
    with torch.inference_mode():   # each network alone, as an application would run it
        default = {name: time_interleaved([lambda m=m: m(x)], repeat, 2)[0] for name, m in models.items()}
    steady = steady_allocator()
    threads = torch.get_num_threads()
    tiny, probes = torch.zeros(1, 8, 2, 2), {"ReLU6": nn.ReLU6(inplace=True), "BatchNorm2d": nn.BatchNorm2d(8).eval(),
                                            "3×3 depthwise": nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)}
    with torch.inference_mode():
        calls = time_interleaved([lambda m=m: m(tiny) for m in probes.values()], 4 * repeat, 2)
    return {"default": default, "steady": steady, "threads": threads,
            "layers": {name: time_layers(m, x, repeat) for name, m in models.items()},
            "tiny": {name: t for name, (t, _) in zip(probes, calls)},
            "matmul": engine_matmuls(("torch",), threads=threads, repeat=repeat)}


__all__ = ["BYTES", "KINDS", "KindTotals", "LayerTime", "MAC_KINDS", "NetworkTimes", "layer_study", "module_kind",
           "network_layers", "op_kind", "record_layers", "time_layers", "timed_units"]
