"""Small ipywidgets tools for notebooks 03 and 04 (imported on use; no TensorFlow or PyTorch).

Every widget here is a thin layer over a plain function that returns text, so the same
numbers print when a notebook runs headless (nbval, nbconvert) where no widget is shown.
"""
from __future__ import annotations

from . import cost


def conv_saving_report(k: int = 3, m: int = 512, n: int = 512, df: int = 14) -> str:
    """Standard vs depthwise-separable cost of one k x k layer, M -> N channels, DF x DF output."""
    std = cost.standard_conv_macs(k, m, n, df)
    sep = cost.separable_conv_macs(k, m, n, df)
    std_p, sep_p = k * k * m * n, k * k * m + m * n
    ratio = cost.separable_ratio(n, k)
    return (f"standard {k}x{k} conv : {std:>15,} MACs {std_p:>12,} params\n"
            f"depthwise separable  : {sep:>15,} MACs {sep_p:>12,} params\n"
            f"ratio 1/N + 1/Dk^2   : {ratio:.4f}  ->  {1 / ratio:.2f}x fewer MACs")


def conv_saving_calculator(k: int = 3, m: int = 512, n: int = 512, df: int = 14):
    """Sliders for kernel size, channels and feature size; prints :func:`conv_saving_report`."""
    import ipywidgets as w

    return w.interactive(lambda k, m, n, df: print(conv_saving_report(k, m, n, df)),
                         k=w.IntSlider(value=k, min=1, max=7, step=2, description="kernel Dk"),
                         m=w.IntSlider(value=m, min=8, max=1024, step=8, description="in M"),
                         n=w.IntSlider(value=n, min=8, max=1024, step=8, description="out N"),
                         df=w.IntSlider(value=df, min=1, max=112, description="size DF"))


def mobilenet_report(alpha: float = 1.0, resolution: int = 224) -> str:
    """MACs, parameters and float32 size of MobileNet v1 ``alpha``@``resolution`` (by formula)."""
    t = cost.mobilenet_v1_table(alpha, resolution)
    params = t.params("weights")
    return (f"MobileNet v1 {alpha}@{resolution}: {t.macs / 1e6:,.1f} M MACs, "
            f"{params / 1e6:.2f} M params (conv + FC), {4 * t.params('total') / 1e6:.1f} MB as float32 "
            f"(all {t.params('total'):,} values incl. BatchNorm)")


def mobilenet_explorer(points: dict | None = None, alpha: float = 1.0, resolution: int = 224):
    """Sliders for alpha and resolution: prints :func:`mobilenet_report` and marks the variant
    on an accuracy-vs-MACs plot of ``points`` ({(alpha, res): top1}, e.g. the published values)."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    def show(alpha: float, resolution: int) -> None:
        print(mobilenet_report(alpha, resolution))
        if not points:
            return
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        macs = {key: cost.mobilenet_v1_table(*key).macs / 1e6 for key in points}
        ax.scatter([macs[k] for k in points], list(points.values()), c="lightgray", label="published variants")
        here = cost.mobilenet_v1_table(alpha, resolution).macs / 1e6
        ax.axvline(here, color="C3", lw=1)
        if (alpha, resolution) in points:
            ax.scatter([here], [points[(alpha, resolution)]], c="C3", s=60, label=f"{alpha}@{resolution}")
        ax.set(xscale="log", xlabel="million MACs (log scale)", ylabel="ImageNet top-1 (%)",
               title=f"MobileNet v1 {alpha}@{resolution}")
        ticks = [10, 20, 50, 100, 200, 500]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
        ax.legend(loc="lower right")
        plt.show()

    return w.interactive(show,
                         alpha=w.SelectionSlider(options=[0.25, 0.5, 0.75, 1.0], value=alpha, description="alpha"),
                         resolution=w.SelectionSlider(options=[128, 160, 192, 224], value=resolution,
                                                      description="resolution"))


__all__ = ["conv_saving_report", "conv_saving_calculator", "mobilenet_report", "mobilenet_explorer"]
