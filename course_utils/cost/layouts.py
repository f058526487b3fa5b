"""Memory layout: the same network in NCHW and NHWC, in PyTorch and Keras, and what oneDNN does about it.

A depthwise convolution applies one 3x3 filter per channel. Stored channels-last (NHWC), the
channels of a pixel sit next to each other, so one vector instruction works on 16 channels at
once (AVX-512, float32). Stored NCHW, neighbouring floats are neighbouring *pixels* of one
channel; oneDNN, the library under both frameworks' CPU convolutions, then copies ("reorders")
the input into its blocked layout (channels in blocks of 16, ``aBcd16b``) before the layer and
the output back after it. :func:`onednn_primitives` counts those copies from oneDNN's own log.

* :func:`torch_layouts`: course MobileNet v2 with ``contiguous_format`` vs ``channels_last``
  (model and input), a lone depthwise and 1x1 layer in both, oneDNN's primitives per forward, and
  the page faults per call, with glibc's allocator as it is and then steadied;
* :func:`keras_layouts`: ``keras.applications.MobileNetV2`` built channels_last (Keras' default)
  and channels_first; an error is returned as its first line, a finding rather than a crash.

Frameworks are imported inside the functions. Run :func:`torch_layouts` in a child process
(:func:`course_utils.frameworks.in_child`): it redirects file descriptor 1 while oneDNN logs.
"""
from __future__ import annotations

import copy
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable

import numpy as np

from ..timing import Timing, steady_allocator, time_interleaved

_ACTIVATION_TAG = re.compile(r"a(?:[bB]cd|cdb)(?:\d+b)?")   # abcd (NCHW), acdb (NHWC), aBcd16b (blocked)


def onednn_primitives(lines: Iterable[str]) -> dict[str, tuple[int, float]]:
    """{primitive: (count, total ms)} of oneDNN's verbose log lines (``onednn_verbose,...,exec,...``).

    Reorders are split in two: ``"reorder (activations)"`` when both memory formats are layouts of a
    4-D feature map (``abcd``, ``acdb``, ``aBcd16b``...), ``"reorder (weights)"`` otherwise. Other
    lines (info, create) are skipped; an exec line without a time raises ``ValueError``.
    """
    out: dict[str, tuple[int, float]] = {}
    for line in lines:
        fields = line.strip().split(",")
        if not line.startswith("onednn_verbose") or "exec" not in fields[:4] or len(fields) < 8:
            continue
        kind = fields[fields.index("exec") + 2]
        if kind == "reorder":
            tags = re.findall(r"(?:src|dst):f32:[^:]*:blocked:([^:]+):", line)
            moved = len(tags) == 2 and all(_ACTIVATION_TAG.fullmatch(t) for t in tags)
            kind = f"reorder ({'activations' if moved else 'weights'})"
        try:
            ms = float(fields[-1])
        except ValueError:
            raise ValueError(f"expected an execution time (ms) at the end of a oneDNN exec line, "
                             f"got {line!r}") from None
        n, total = out.get(kind, (0, 0.0))
        out[kind] = (n + 1, total + ms)
    return out


def onednn_log(fn: Callable[[], object]) -> list[str]:
    """The lines oneDNN prints (to file descriptor 1) while ``fn()`` runs under PyTorch's verbose mode."""
    import torch

    sys.stdout.flush()
    with tempfile.TemporaryFile() as f:
        saved = os.dup(1)
        os.dup2(f.fileno(), 1)
        try:
            with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
                fn()
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        f.seek(0)
        return [line for line in f.read().decode(errors="replace").splitlines() if line.startswith("onednn_verbose")]


def torch_layouts(batch: int = 32, size: int = 224, repeat: int = 5, seed: int = 0,
                  lone: tuple[int, int, int] = (144, 56, 56)) -> dict:
    """Course MobileNet v2 1.0 and a lone 3x3 depthwise and 1x1 layer (``lone`` = (C, H, W) of its input;
    default: block 2's depthwise input, 144 x 56 x 56; the 1x1 maps C -> 24) in PyTorch, NCHW
    ``contiguous_format`` vs ``channels_last``, batch ``batch``, eval and inference mode.

    Returns ``{"default" | "steady": {"network" | "depthwise" | "1x1": {layout: (Timing, page faults per
    call)}}, "onednn": {layout: onednn_primitives of one forward of the network}}``, layouts
    ``"contiguous"`` and ``"channels_last"``: first timed with glibc's allocator as it is (what a user
    gets), then after :func:`~course_utils.timing.steady_allocator` (``"steady"``: empty if it could not
    be set), which keeps freed memory for reuse, so no call pays page faults for fresh buffers.
    """
    import torch

    from ..models.torch_models import mobilenet_v2

    if min(batch, size, repeat) < 1 or len(lone) != 3 or min(lone) < 1:
        raise ValueError(f"batch, size and repeat must be >= 1 and lone a (C, H, W) of positive sizes, "
                         f"got {batch}, {size}, {repeat}, {lone!r}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    c = lone[0]
    nets = {"network": (mobilenet_v2(1.0).eval(), rng.uniform(-1, 1, (batch, 3, size, size))),
            "depthwise": (torch.nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False).eval(),
                          rng.standard_normal((batch, *lone))),
            "1x1": (torch.nn.Conv2d(c, 24, 1, bias=False).eval(), rng.standard_normal((batch, *lone)))}
    calls, logs = {}, {}
    for name, (module, x) in nets.items():
        x = torch.from_numpy(x.astype(np.float32))
        for layout, fmt in (("contiguous", torch.contiguous_format), ("channels_last", torch.channels_last)):
            # the switch, on a copy (.to() changes a module in place): model and input
            m, xi = copy.deepcopy(module).to(memory_format=fmt), x.contiguous(memory_format=fmt)
            calls[(name, layout)] = (lambda m=m, xi=xi: m(xi))
            if name == "network":
                with torch.inference_mode():
                    m(xi)
                    logs[layout] = onednn_primitives(onednn_log(lambda m=m, xi=xi: m(xi)))
    out: dict = {"onednn": logs}
    for allocator in ("default", "steady"):
        if allocator == "steady" and not steady_allocator():
            out["steady"] = {}
            break
        with torch.inference_mode():
            timed = dict(zip(calls, time_interleaved(list(calls.values()), repeat)))
        out[allocator] = {name: {layout: timed[(name, layout)] for layout in ("contiguous", "channels_last")}
                          for name in nets}
    return out


def keras_layouts(batch: int = 32, size: int = 224, repeat: int = 5,
                  seed: int = 0) -> dict[str, tuple[Timing, float] | str]:
    """``keras.applications.MobileNetV2(weights=None)`` built channels_last (NHWC, Keras' default) and
    channels_first (NCHW), one ``tf.function`` each, batch ``batch``: {layout: (Timing, page faults per
    call)}, or the first line of the error (``"TypeName: message"``) for a layout TensorFlow's CPU
    kernels refuse."""
    import keras
    import tensorflow as tf

    if min(batch, size, repeat) < 1:
        raise ValueError(f"batch, size and repeat must be >= 1, got {batch}, {size}, {repeat}")
    x = np.random.default_rng(seed).uniform(-1, 1, (batch, size, size, 3)).astype(np.float32)
    saved, calls, out = keras.config.image_data_format(), {}, {}
    for layout, data in (("channels_last", x), ("channels_first", x.transpose(0, 3, 1, 2).copy())):
        try:
            keras.config.set_image_data_format(layout)
            model = keras.applications.MobileNetV2(weights=None, input_shape=data.shape[1:])
            f = tf.function(lambda t, model=model: model(t, training=False))
            t = tf.constant(data)
            f(t).numpy()   # traces, and raises here if a kernel refuses the layout
            calls[layout] = lambda f=f, t=t: f(t).numpy()
        except Exception as err:   # noqa: BLE001 -- the refusal is the finding
            out[layout] = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
        finally:
            keras.config.set_image_data_format(saved)
    out.update(dict(zip(calls, time_interleaved(list(calls.values()), repeat))) if calls else {})
    return {layout: out[layout] for layout in ("channels_last", "channels_first")}


__all__ = ["keras_layouts", "onednn_log", "onednn_primitives", "torch_layouts"]
