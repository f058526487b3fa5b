"""Per-layer cost rows and tables: the same rows whether they come from a formula or a model walk."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from .formulas import Cost

CONVENTIONS = ("weights", "trainable", "total")
KINDS = ("conv", "grouped", "depthwise", "pointwise", "fc", "bn", "other")

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


def conv_kind(kernel_size: tuple[int, ...], groups: int, c_in: int, out_spatial: tuple[int, ...]) -> str:
    """The :data:`KINDS` name of a convolution with spatial ``kernel_size`` and ``groups`` on ``c_in`` channels.

    A 1x1 conv whose output is a single position is a fully connected layer written as a conv
    (keras.applications MobileNet's classifier "conv_preds", squeeze-and-excitation blocks).
    """
    if groups == c_in and groups > 1:
        return "depthwise"
    if groups > 1:
        return "grouped"
    if all(k == 1 for k in kernel_size):
        return "fc" if all(s == 1 for s in out_spatial) else "pointwise"
    return "conv"


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
        _check_convention(convention)
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
            if r.kind not in names:
                raise ValueError(f"row {r.name!r} has kind {r.kind!r}; body_table expects one of {tuple(names)}")
            kind = f"{names[r.kind]} / s{r.stride}"
            shape = " x ".join(map(str, r.kernel)) + (" dw" if r.kind == "depthwise" else "")
            lines.append((kind, shape, " x ".join(map(str, r.in_shape))))
        widths = [max(len(x[i]) for x in lines + [("Type / Stride", "Filter Shape", "")]) for i in range(3)]
        out = [f"{'Type / Stride':<{widths[0]}}  {'Filter Shape':<{widths[1]}}  Input Size"]
        out += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in lines]
        return "\n".join(out)


