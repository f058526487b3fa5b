"""What a convolution costs: multiply-adds (MACs) and parameters, by formula and by walking a model.

Conventions (the papers' conventions, stated once):

* **MACs** are the multiply-adds of convolution and fully connected layers only -- the
  "Mult-Adds" of the MobileNet paper. BatchNorm, ReLU, pooling, padding, softmax and
  biases cost nothing here. One MAC = one multiplication + one addition (2 FLOPs).
* **Parameters** come in three conventions (``count_params(model, convention=...)``):

  - ``"weights"``: every parameter of the convolution and fully connected layers (their
    kernels *and* biases), no BatchNorm. This is the papers' count: MobileNet v1 1.0 has
    3,206,976 conv weights + 1,024,000 FC weights + 1,000 FC biases = 4,231,976 ("4.2M").
  - ``"trainable"``: ``"weights"`` plus every other learnable parameter (BatchNorm gamma
    and beta). Counted by role, so freezing layers does not change it. Equals Keras'
    trainable count of an unfrozen model and PyTorch's ``sum(p.numel() for p in model.parameters())``.
  - ``"total"``: ``"trainable"`` plus state that is not learned by gradient descent
    (BatchNorm moving mean and variance). Equals Keras' ``model.count_params()`` and, in
    PyTorch, parameters + buffers (``num_batches_tracked`` excluded).

Importing this module imports neither TensorFlow nor PyTorch: :func:`profile` recognises a
model by its type and imports the framework's helpers only then.
"""
from __future__ import annotations

import html
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from .models import MOBILENET_V1_BLOCKS, MOBILENET_V1_FIRST_CONV, scaled_channels

CONVENTIONS = ("weights", "trainable", "total")
KINDS = ("conv", "grouped", "depthwise", "pointwise", "fc", "bn", "other")

# --------------------------------------------------------------------------------------
# 1. The paper's formulas (equations 2, 4, 5, 6 of the MobileNet paper), as written there.
#    D_K: kernel size, M: input channels, N: output channels, D_F: output feature map size.
# --------------------------------------------------------------------------------------


def standard_conv_macs(dk: int, m: int, n: int, df: int) -> int:
    """Eq. (2): a standard DK x DK convolution, M -> N channels, on a DF x DF output."""
    return dk * dk * m * n * df * df


def depthwise_conv_macs(dk: int, m: int, df: int) -> int:
    """Eq. (4): one DK x DK filter per input channel (M channels in, M out)."""
    return dk * dk * m * df * df


def pointwise_conv_macs(m: int, n: int, df: int) -> int:
    """The 1 x 1 convolution that mixes the M channels into N."""
    return m * n * df * df


def separable_conv_macs(dk: int, m: int, n: int, df: int) -> int:
    """Eq. (5): depthwise + pointwise."""
    return depthwise_conv_macs(dk, m, df) + pointwise_conv_macs(m, n, df)


def separable_ratio(n: int, dk: int) -> float:
    """Eq. (6): separable cost / standard cost = 1/N + 1/DK^2 (independent of M and DF)."""
    if n <= 0 or dk <= 0:
        raise ValueError(f"n and dk must be positive, got n={n!r}, dk={dk!r}")
    return 1 / n + 1 / dk**2


# --------------------------------------------------------------------------------------
# 2. Layer costs with the output size computed (any padding, stride, groups, bias).
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """MACs and parameters of one layer (or a sum of layers); ``out_shape`` is (H, W, C)."""

    macs: int
    params: int
    out_shape: tuple[int, ...] | None = None

    def __add__(self, other: "Cost") -> "Cost":
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(self.macs + other.macs, self.params + other.params,
                    other.out_shape if other.out_shape is not None else self.out_shape)

    def __str__(self) -> str:
        shape = f", output {'x'.join(map(str, self.out_shape))}" if self.out_shape else ""
        return f"{self.macs:,} MACs, {self.params:,} params{shape}"


def conv_output_size(size: int, k: int, stride: int = 1, padding: Any = "same") -> int:
    """Output length of a convolution along one axis.

    ``padding``: ``"same"`` (TensorFlow: ``ceil(size / stride)``), ``"valid"`` (no padding),
    an int ``p`` (``p`` zeros on both sides, PyTorch's ``padding=p``) or a pair
    ``(before, after)`` (e.g. ``(0, 1)``: Keras MobileNet's stride-2 ``ZeroPadding2D``).
    """
    if size <= 0 or k <= 0 or stride <= 0:
        raise ValueError(f"size, k and stride must be positive, got {size}, {k}, {stride}")
    if padding == "same":
        return -(-size // stride)
    if padding == "valid":
        before = after = 0
    elif isinstance(padding, int):
        before = after = padding
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        before, after = padding
    else:
        raise ValueError(f"padding must be 'same', 'valid', an int or a (before, after) pair; got {padding!r}")
    out = (size + before + after - k) // stride + 1
    if out <= 0:
        raise ValueError(f"a {k}x{k} kernel does not fit an input of size {size} with padding {padding!r}")
    return out


def conv2d_cost(h_in: int, w_in: int, c_in: int, c_out: int, k: int = 3, stride: int = 1,
                padding: Any = "same", groups: int = 1, bias: bool = False) -> Cost:
    """A 2-D convolution: MACs = H_out * W_out * k * k * (C_in / groups) * C_out.

    ``groups=1`` is a standard conv, ``groups=c_in`` (with ``c_out`` a multiple of it) a
    depthwise conv, anything between a grouped conv (ShuffleNet, ResNeXt).
    Parameters = k * k * (C_in / groups) * C_out (+ C_out biases).
    """
    if groups <= 0 or c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide c_in and c_out; got c_in={c_in}, c_out={c_out}, groups={groups}")
    h_out = conv_output_size(h_in, k, stride, padding)
    w_out = conv_output_size(w_in, k, stride, padding)
    weights = k * k * (c_in // groups) * c_out
    return Cost(macs=h_out * w_out * weights, params=weights + (c_out if bias else 0),
                out_shape=(h_out, w_out, c_out))


def depthwise_conv_cost(h_in: int, w_in: int, c_in: int, k: int = 3, stride: int = 1,
                        padding: Any = "same", depth_multiplier: int = 1, bias: bool = False) -> Cost:
    """A depthwise conv: one k x k filter per input channel (``depth_multiplier`` of them)."""
    return conv2d_cost(h_in, w_in, c_in, c_in * depth_multiplier, k, stride, padding,
                       groups=c_in, bias=bias)


def pointwise_conv_cost(h_in: int, w_in: int, c_in: int, c_out: int, bias: bool = False) -> Cost:
    """A 1 x 1 convolution: a matrix multiply of the C_in channels at every pixel."""
    return conv2d_cost(h_in, w_in, c_in, c_out, k=1, stride=1, padding="valid", bias=bias)


def depthwise_separable_cost(h_in: int, w_in: int, c_in: int, c_out: int, k: int = 3,
                             stride: int = 1, padding: Any = "same", bias: bool = False) -> Cost:
    """Depthwise k x k (carries the stride) followed by pointwise 1 x 1: eq. (5)."""
    dw = depthwise_conv_cost(h_in, w_in, c_in, k, stride, padding, bias=bias)
    h, w, _ = dw.out_shape
    return dw + pointwise_conv_cost(h, w, c_in, c_out, bias=bias)


def dense_cost(n_in: int, n_out: int, bias: bool = True) -> Cost:
    """A fully connected layer: n_in * n_out MACs, n_in * n_out (+ n_out) parameters."""
    return Cost(macs=n_in * n_out, params=n_in * n_out + (n_out if bias else 0), out_shape=(n_out,))


# --------------------------------------------------------------------------------------
# 3. Per-layer tables: the same rows whether they come from a formula or a model walk.
# --------------------------------------------------------------------------------------


@dataclass
class LayerCost:
    """One row of a cost table.

    ``weights``: conv/FC kernel and bias parameters; ``extra_trainable``: other learnable
    parameters (BatchNorm gamma, beta); ``non_trainable``: moving statistics and buffers.
    ``kernel``: (k, k, C_in/groups, C_out) for convs, (k, k, C) for depthwise, (n_in, n_out) for FC.
    """

    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    macs: int = 0
    weights: int = 0
    extra_trainable: int = 0
    non_trainable: int = 0
    kernel: tuple[int, ...] = ()
    stride: int = 1

    def params(self, convention: str = "weights") -> int:
        _check_convention(convention)
        n = self.weights
        if convention in ("trainable", "total"):
            n += self.extra_trainable
        if convention == "total":
            n += self.non_trainable
        return n


def _check_convention(convention: str) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


@dataclass
class CostTable:
    """Rows of :class:`LayerCost` with totals; prints as a text table, shows as HTML in Jupyter."""

    rows: list[LayerCost] = field(default_factory=list)
    title: str = ""

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    def params(self, convention: str = "weights") -> int:
        return sum(r.params(convention) for r in self.rows)

    def by_kind(self, convention: str = "weights") -> dict[str, Cost]:
        """Total MACs and parameters per kind of layer (conv, depthwise, pointwise, fc, ...)."""
        totals: dict[str, Cost] = {}
        for r in self.rows:
            totals[r.kind] = totals.get(r.kind, Cost(0, 0)) + Cost(r.macs, r.params(convention))
        return totals

    def shares(self, convention: str = "weights") -> dict[str, tuple[float, float]]:
        """Percent of MACs and of parameters per kind, like Table 2 of the MobileNet paper."""
        total_m, total_p = self.macs, self.params(convention)
        return {k: (100 * c.macs / total_m if total_m else 0.0,
                    100 * c.params / total_p if total_p else 0.0)
                for k, c in self.by_kind(convention).items() if c.macs or c.params}

    def compute_rows(self) -> list[LayerCost]:
        """The rows that do arithmetic (convs and FC layers)."""
        return [r for r in self.rows if r.macs]

    def _lines(self, convention: str) -> tuple[list[str], list[list[str]], list[str]]:
        head = ["layer", "kind", "input", "output", "kernel", "MACs", f"params ({convention})"]
        body = [[r.name, r.kind, _shape(r.in_shape), _shape(r.out_shape), _shape(r.kernel),
                 f"{r.macs:,}", f"{r.params(convention):,}"]
                for r in self.rows if r.macs or r.params(convention)]
        foot = ["total", "", "", "", "", f"{self.macs:,}", f"{self.params(convention):,}"]
        return head, body, foot

    def to_string(self, convention: str = "weights") -> str:
        head, body, foot = self._lines(convention)
        widths = [max(len(row[i]) for row in [head, *body, foot]) for i in range(len(head))]
        right = {5, 6}

        def fmt(row: list[str]) -> str:
            return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                             for i, (c, w) in enumerate(zip(row, widths))).rstrip()

        rule = "-" * len(fmt(head))
        lines = ([self.title] if self.title else []) + [fmt(head), rule, *map(fmt, body), rule, fmt(foot)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_string()

    def _repr_html_(self) -> str:
        head, body, foot = self._lines("weights")
        cell = lambda tag, c, i: f'<{tag} style="text-align:{"right" if i >= 5 else "left"}">{html.escape(c)}</{tag}>'  # noqa: E731
        rows = ["<tr>" + "".join(cell("th", c, i) for i, c in enumerate(head)) + "</tr>"]
        rows += ["<tr>" + "".join(cell("td", c, i) for i, c in enumerate(r)) + "</tr>" for r in body]
        rows += ["<tr>" + "".join(cell("th", c, i) for i, c in enumerate(foot)) + "</tr>"]
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}{''.join(rows)}</table>"

    def body_table(self) -> str:
        """The compute layers as the paper's Table 1: Type / Stride, Filter Shape, Input Size."""
        names = {"conv": "Conv", "grouped": "Conv grouped", "depthwise": "Conv dw",
                 "pointwise": "Conv", "fc": "FC"}
        lines = []
        for r in self.compute_rows():
            kind = f"{names[r.kind]} / s{r.stride}"
            shape = " x ".join(map(str, r.kernel)) + (" dw" if r.kind == "depthwise" else "")
            lines.append((kind, shape, " x ".join(map(str, r.in_shape))))
        widths = [max(len(x[i]) for x in lines + [("Type / Stride", "Filter Shape", "")]) for i in range(3)]
        out = [f"{'Type / Stride':<{widths[0]}}  {'Filter Shape':<{widths[1]}}  Input Size"]
        out += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in lines]
        return "\n".join(out)


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


__all__ = ["CONVENTIONS", "Cost", "CostTable", "LayerCost", "compare_tables", "conv2d_cost",
           "conv_output_size", "count_macs", "count_params", "dense_cost", "depthwise_conv_cost",
           "depthwise_conv_macs", "depthwise_separable_cost", "mobilenet_v1_table", "pointwise_conv_cost",
           "pointwise_conv_macs", "profile", "separable_conv_macs", "separable_ratio", "standard_conv_macs"]
