"""Measured cost: latency of standard vs depthwise-separable convolutions, and MobileNet throughput.

The frameworks are imported inside the functions, so importing this module stays light.
``make bench`` runs them through ``course_utils.bench.cost``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..timing import Timing, best_of, time_calls
from .formulas import conv2d_cost

BYTES = 4  # float32


@dataclass
class LayerTiming:
    """One measured layer: ``seconds`` per call for the whole batch (the median of ``timing``)."""

    name: str
    framework: str
    batch: int
    macs: int          # per image
    bytes_moved: int   # per image: input + output + weights (read once), float32
    seconds: float
    timing: Timing | None = None   # every repeat, for the spread

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s (1 MAC = 2 FLOPs)."""
        return 2 * self.macs * self.batch / self.seconds / 1e9

    @property
    def intensity(self) -> float:
        """Arithmetic intensity: FLOPs per byte moved (batch 1, weights read once)."""
        return 2 * self.macs / self.bytes_moved

    @property
    def ms(self) -> float:
        return 1e3 * self.seconds


def _layer_specs(size: int, c_in: int, c_out: int, k: int) -> dict[str, tuple[int, int]]:
    """MACs and bytes per image of the three layers (stride 1, "same" padding)."""
    specs = {}
    for name, (ci, co, kk, groups) in {"standard": (c_in, c_out, k, 1),
                                       "depthwise": (c_in, c_in, k, c_in),
                                       "pointwise": (c_in, c_out, 1, 1)}.items():
        c = conv2d_cost(size, size, ci, co, kk, groups=groups)
        moved = BYTES * (size * size * ci + size * size * co + c.params)
        specs[name] = (c.macs, moved)
    dw, pw = specs["depthwise"], specs["pointwise"]
    specs["separable"] = (dw[0] + pw[0], dw[1] + pw[1])
    return specs


def _torch_layers(size, c_in, c_out, k, batch):
    import torch
    from torch import nn

    torch.manual_seed(0)
    x = torch.randn(batch, c_in, size, size)
    std = nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False).eval()
    dw = nn.Conv2d(c_in, c_in, k, padding=k // 2, groups=c_in, bias=False).eval()
    pw = nn.Conv2d(c_in, c_out, 1, bias=False).eval()

    def run(f):
        def call():
            with torch.inference_mode():
                return f(x)
        return call

    return {"standard": run(std), "depthwise": run(dw), "pointwise": run(pw),
            "separable": run(lambda t: pw(dw(t)))}


def _tf_layers(size, c_in, c_out, k, batch):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((batch, size, size, c_in), dtype=np.float32))
    w_std = tf.constant(rng.standard_normal((k, k, c_in, c_out), dtype=np.float32))
    w_dw = tf.constant(rng.standard_normal((k, k, c_in, 1), dtype=np.float32))
    w_pw = tf.constant(rng.standard_normal((1, 1, c_in, c_out), dtype=np.float32))
    std = tf.function(lambda t: tf.nn.conv2d(t, w_std, 1, "SAME"))
    dw = tf.function(lambda t: tf.nn.depthwise_conv2d(t, w_dw, [1, 1, 1, 1], "SAME"))
    pw = tf.function(lambda t: tf.nn.conv2d(t, w_pw, 1, "SAME"))
    sep = tf.function(lambda t: tf.nn.conv2d(tf.nn.depthwise_conv2d(t, w_dw, [1, 1, 1, 1], "SAME"),
                                             w_pw, 1, "SAME"))
    # .numpy() waits for the result, so the timing covers the whole computation
    return {name: (lambda f=f: f(x).numpy()) for name, f in
            {"standard": std, "depthwise": dw, "pointwise": pw, "separable": sep}.items()}


def time_conv_layers(framework: str = "torch", batch: int = 1, size: int = 28, c_in: int = 256,
                     c_out: int = 256, k: int = 3, repeat: int = 10) -> list[LayerTiming]:
    """Latency of a standard k x k conv, its depthwise and pointwise parts, and the two chained
    (the depthwise-separable replacement), stride 1, float32: the median of ``repeat`` timings,
    with all of them in ``LayerTiming.timing`` for the spread."""
    if framework not in ("torch", "tensorflow"):
        raise ValueError(f"framework must be 'torch' or 'tensorflow', got {framework!r}")
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    build = _torch_layers if framework == "torch" else _tf_layers
    fns = build(size, c_in, c_out, k, batch)
    specs = _layer_specs(size, c_in, c_out, k)
    names = ("standard", "depthwise", "pointwise", "separable")
    # several calls per timing when a call is short, so timer resolution does not matter
    number = {n: max(1, int(0.02 / max(best_of(fns[n], repeat=1), 1e-6))) for n in names}
    times: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(repeat):  # interleaved, so a busy moment on the machine hits every layer alike
        for n in names:
            times[n].append(time_calls(fns[n], repeat=1, number=number[n], warmup=0).best)
    return [LayerTiming(n, framework, batch, *specs[n], Timing(tuple(times[n])).median, Timing(tuple(times[n])))
            for n in names]


def time_conv_layer_batches(framework: str = "torch", batches: tuple[int, ...] = (1, 32),
                            **layer) -> list[LayerTiming]:
    """:func:`time_conv_layers` at each batch size in ``batches``, in one process (``layer``:
    its other arguments). Run through :func:`course_utils.frameworks.in_child`, each framework
    is timed in a fresh process of its own, with one framework import for all batches."""
    return [t for b in batches for t in time_conv_layers(framework, batch=b, **layer)]


def keras_runner(model, size: int = 224):
    """``run(x)``: a Keras model's inference on NHWC ``x`` (N, size, size, 3), as NumPy.

    One ``tf.function`` with a fixed image size and any batch, so each batch size is traced
    once; ``.numpy()`` waits for the result, so a timing covers the whole computation.
    """
    import tensorflow as tf

    f = tf.function(lambda t: model(t, training=False),
                    input_signature=[tf.TensorSpec((None, size, size, 3))])
    return lambda x: f(x).numpy()


def torch_runner(model):
    """``run(x)``: a PyTorch model's inference on NCHW ``x`` (N, 3, H, W), as NumPy.

    Eval mode (BatchNorm uses its running statistics) and ``inference_mode`` (no autograd
    bookkeeping): what a deployed model pays for, nothing more.
    """
    import torch

    model.eval()

    def run(x):
        with torch.inference_mode():
            return model(x).numpy()
    return run


def time_networks(framework: str, builds: dict[str, tuple[str, tuple]], batches: tuple[int, ...] = (1, 32),
                  repeat: int = 5, size: int = 224, seed: int = 0) -> dict[tuple[str, int], Timing]:
    """Seconds per batch of course models in one framework: ``{(name, batch): Timing}``.

    ``builds``: ``{name: (builder, args)}``, a builder of ``course_utils.models.keras_models``
    or ``torch_models`` (same names in both), e.g. ``{"MobileNet v2 1.0": ("mobilenet_v2", (1.0,))}``.
    Random weights, inference mode (:func:`keras_runner`, :func:`torch_runner`), one untimed
    call, then ``repeat`` timed ones. The input of batch ``b`` is drawn from
    ``default_rng([seed, b])``, so both frameworks see the same images. Meant to run in a fresh
    process per framework (:func:`course_utils.frameworks.in_child`): each framework alone, as
    an application would run it.
    """
    if framework not in ("torch", "tensorflow"):
        raise ValueError(f"framework must be 'torch' or 'tensorflow', got {framework!r}")
    if repeat < 1 or not batches or min(batches) < 1:
        raise ValueError(f"repeat and every batch must be >= 1, got repeat={repeat}, batches={batches}")
    if framework == "torch":
        import torch

        from ..models import torch_models as models
        to_input = lambda x: torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()  # noqa: E731
        runner = torch_runner
    else:
        import keras
        import tensorflow as tf

        from ..models import keras_models as models
        to_input = tf.constant
        runner = lambda m: keras_runner(m, size)  # noqa: E731
    timings = {}
    for name, (builder, args) in builds.items():
        run = runner(getattr(models, builder)(*args))
        for b in batches:
            x = to_input(np.random.default_rng([seed, b]).uniform(-1, 1, (b, size, size, 3)).astype(np.float32))
            timings[(name, b)] = time_calls(lambda: run(x), repeat=repeat)
        if framework == "tensorflow":
            keras.backend.clear_session()
    return timings


def keras_images_per_second(model, batch: int = 32, repeat: int = 3) -> float:
    """Inference throughput of a Keras model on random images (compiled with tf.function)."""
    import tensorflow as tf

    shape = tuple(model.inputs[0].shape[1:])
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch, *shape)).astype(np.float32))
    f = tf.function(lambda t: model(t, training=False))
    seconds = best_of(lambda: f(x).numpy(), repeat=repeat)
    return batch / seconds


def keras_timing(model, batch: int = 32, repeat: int = 5) -> Timing:
    """Seconds per batch of ``batch`` random images through a Keras model (tf.function), every
    repeat kept: images/s = ``batch / timing.median`` (spread: ``best`` and ``worst``)."""
    import tensorflow as tf

    if batch < 1 or repeat < 1:
        raise ValueError(f"batch and repeat must be >= 1, got {batch}, {repeat}")
    shape = tuple(model.inputs[0].shape[1:])
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch, *shape)).astype(np.float32))
    f = tf.function(lambda t: model(t, training=False))
    # two untimed calls: the first traces the graph, the second still pays for first-touch allocations
    return time_calls(lambda: f(x).numpy(), repeat=repeat, warmup=2)


__all__ = ["LayerTiming", "keras_images_per_second", "keras_runner", "keras_timing",
           "time_conv_layer_batches", "time_conv_layers", "time_networks", "torch_runner"]
