"""PyTorch runs for a TensorFlow kernel: lesson 07 calls these through :func:`course_utils.in_child`.

A notebook that has imported TensorFlow should not import PyTorch too (the two together
need 1.2-1.8 GiB, and with ``triton`` installed TensorFlow-before-torch can crash). So each
function here runs in a fresh child process and returns only plain data (numbers, lists,
NumPy arrays): never a ``torch.nn.Module``, which the kernel could not unpickle without
importing PyTorch.

>>> from course_utils import in_child
>>> in_child("course_utils.transfer.torch_runs:finetune_run", x, y, xv, yv, xt, yt, "/tmp/out",
...          plan="fast", frameworks=("torch",))  # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

PLANS = ("fast", "full")


def _plan(name: str):
    from .finetune import FINETUNE_FAST, FINETUNE_FULL

    if name not in PLANS:
        raise ValueError(f"plan must be one of {PLANS}, got {name!r}")
    return FINETUNE_FAST if name == "fast" else FINETUNE_FULL


def _latency_ms(model, image: np.ndarray, repeat: int = 50) -> dict:
    """Batch-1 latency of ``model`` on one uint8 image: median, p10 and p90 in milliseconds."""
    import torch

    from .torch_classifier import to_nchw

    x = to_nchw(image[None], scaled=False)
    times = []
    with torch.inference_mode():
        for i in range(repeat + 5):
            start = time.perf_counter()
            model(x)
            if i >= 5:  # the first calls allocate buffers: warm-up, not counted
                times.append(1e3 * (time.perf_counter() - start))
    p10, median, p90 = np.percentile(times, [10, 50, 90])
    return {"median": float(median), "p10": float(p10), "p90": float(p90), "repeat": repeat}


def finetune_run(x, y, x_val, y_val, x_test, y_test, out_dir, *, plan="full", classes=None,
                 weights: str | None = "course", seed: int = 0, threads: int | None = None) -> dict:
    """Fine-tune the course CNN end to end (:func:`.finetune.finetune_handpose`), save the
    result as ``out_dir/handpose.pt``, reload it, and time one image.

    Images are uint8 ``(N, S, S, 3)`` with ``S == plan.size``; labels int ``(N,)``. ``plan``:
    ``"fast"``, ``"full"`` or a :class:`.finetune.FinetunePlan`. ``classes``: the class names
    saved with the model (default: rock, paper, scissors). ``weights``: ``"course"`` or
    ``None`` (the same recipe from random weights). Returns plain data: ``plan`` (its fields),
    ``seconds``, ``history``, ``best_epoch``, ``accuracy``, ``predictions`` (test images),
    ``path``, ``kb``, ``reload_max_diff``, ``latency_ms`` and ``one`` (the reloaded model's
    probabilities for the first test image).
    """
    from ..data.handpose import CLASSES
    from .finetune import FinetunePlan, finetune_handpose, load_classifier, save_classifier
    from .torch_classifier import predict_torch

    chosen = plan if isinstance(plan, FinetunePlan) else _plan(plan)
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"out_dir must be an existing folder, got {str(out_dir)!r}")
    if x.shape[1:] != (chosen.size, chosen.size, 3) or x_test.shape[1:] != x.shape[1:]:
        raise ValueError(f"images must be (N, {chosen.size}, {chosen.size}, 3) for this plan, "
                         f"got {x.shape} and {x_test.shape}")
    result = finetune_handpose(x, y, x_val, y_val, plan=chosen, weights=weights, seed=seed, threads=threads)
    before = predict_torch(result["model"], x_test)
    names = tuple(classes) if classes is not None else CLASSES
    path = save_classifier(result["model"], out_dir / "handpose.pt", size=chosen.size, classes=names)
    reloaded, _, _ = load_classifier(path)
    after = predict_torch(reloaded, x_test)
    return {"plan": dataclasses.asdict(chosen), "seconds": result["seconds"], "history": result["history"],
            "best_epoch": result["best_epoch"], "accuracy": float(np.mean(before.argmax(1) == y_test)),
            "predictions": before.argmax(1), "path": str(path), "kb": path.stat().st_size / 1024,
            "reload_max_diff": float(np.abs(after - before).max()),
            "latency_ms": _latency_ms(reloaded, x_test[0]), "one": after[0]}


def frozen_head_run(x, y, x_val, y_val, x_test, y_test, *, seed: int = 0) -> dict:
    """The frozen-backbone experiment in PyTorch (:func:`.torch_classifier.train_torch_handpose`):
    the course backbone's features cached once, then a Dropout -> Linear head with early
    stopping. Returns ``accuracy``, ``seconds`` (features + head), ``history``, ``predictions``.
    """
    import torch

    from .torch_classifier import train_torch_handpose

    torch.manual_seed(seed)
    result = train_torch_handpose(x, y, x_val, y_val, x_test, y_test, seed=seed)
    return {key: result[key] for key in ("accuracy", "seconds", "history", "predictions")}
