"""The finished hand-pose classifier: the whole course CNN fine-tuned end to end, in PyTorch.

Lesson 07's target is a classifier trained in at most 2 minutes on 2 cores that gets at least
97% of held-out generated hands right on all four background kinds. Measured here: the course
backbone fine-tuned with :data:`FINETUNE_FULL` reaches 98.0% on 600 held-out hands after 72-89 s
of training; the same recipe from random weights, 92.3% (``make bench BENCH=classifier``).
The first recipe, in Keras at 96 px (a head on the frozen backbone's cached features, then
its last two stages fine-tuned; retired), reached 84.5%: with features from another task,
the whole network has to move.
"""
from __future__ import annotations

# PyTorch is imported inside each function: importing this module stays light.

import numbers
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.atomic import write_bytes
from ..data.validate import check_count, check_images, check_labels
from ..seeding import check_seed
from .torch_classifier import handpose_module, predict_torch, to_nchw, torch_course_backbone, torch_course_cnn


@dataclass(frozen=True)
class FinetunePlan:
    """The finished classifier's recipe, with the sizes it was measured at.

    48 px, not 64 or 96: the hands stay recognisable and an epoch costs about half of 64 px's,
    so the budget buys more epochs, which is what accuracy needed here.
    """
    size: int = 48
    per_background: int = 800      # training hands per background kind (x4 kinds)
    val_per_background: int = 50   # for choosing the best epoch; never the test set
    test_per_background: int = 150
    epochs: int = 8
    batch: int = 64
    lr: float = 4e-3               # one-cycle peak
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    patience: int = 3              # epochs without a better validation accuracy before stopping


FINETUNE_FULL = FinetunePlan()
FINETUNE_FAST = FinetunePlan(per_background=150, val_per_background=25, test_per_background=50, epochs=3)


def finetune_handpose(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *,
                      plan: FinetunePlan = FINETUNE_FULL, weights: str | None = "course", seed: int = 0,
                      progress: bool = False, threads: int | None = None) -> dict:
    """Fine-tune the whole course CNN with a GAP -> Dropout(0.2) -> Linear head, end to end.

    ``x``: uint8 ``(N, S, S, 3)``; ``y``: int ``(N,)`` in ``0..C-1``; the same for the
    validation set, which picks the best epoch (its weights are kept) and stops the run after
    ``plan.patience`` epochs without improvement. ``weights``: ``"course"`` (the shipped
    backbone) or ``None`` (random initialisation: training from scratch, for comparison).
    AdamW with a one-cycle learning rate, label smoothing, random horizontal flips (a mirrored
    hand shows the same gesture), BatchNorm momentum 0.1. ``threads``: PyTorch's thread count
    for this call (default: unchanged); use 1 when other processes share the cores, since
    threads waiting for each other burn the CPU the others need. Returns ``{"model": nn.Module taking
    NCHW float in [0, 255], "seconds", "history": {"loss", "accuracy", "val_accuracy",
    "seconds"} per epoch, "best_epoch"}``.
    """
    import torch

    if weights not in ("course", None):
        raise ValueError(f"weights must be 'course' or None, got {weights!r}")
    if len(x) != len(y) or len(x_val) != len(y_val) or len(x) == 0 or len(x_val) == 0:
        raise ValueError(f"need as many labels as images, and some of each: {len(x)}/{len(y)} training, "
                         f"{len(x_val)}/{len(y_val)} validation")
    x, x_val = (check_images(a, name=n, min_size=MIN_SIZE) for a, n in ((x, "x"), (x_val, "x_val")))
    y = check_labels(y, n=len(x), name="y", min_classes=2)
    y_val = check_labels(y_val, n=len(x_val), classes=int(y.max()) + 1, name="y_val")
    _check_plan(plan)
    check_seed(seed)
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _finetune(x, y, x_val, y_val, plan, weights, seed, progress)
    finally:
        torch.set_num_threads(saved_threads)


MIN_SIZE = 16   # the course CNN halves the image four times: 16 px leaves a 1x1 map


def _check_plan(plan: FinetunePlan) -> None:
    """A ValueError naming the first field of ``plan`` that cannot train."""
    if not isinstance(plan, FinetunePlan):
        raise ValueError(f"plan must be a FinetunePlan, got {type(plan).__name__}")
    for name in ("size", "per_background", "val_per_background", "test_per_background", "epochs", "batch", "patience"):
        check_count(getattr(plan, name), f"plan.{name}")
    for name in ("lr", "weight_decay", "label_smoothing"):
        value = getattr(plan, name)
        if not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0 or (name == "lr" and value == 0):
            raise ValueError(f"plan.{name} must be a finite number >= 0 (lr > 0), got {value!r}")


def _finetune(x, y, x_val, y_val, plan: FinetunePlan, weights, seed: int, progress: bool) -> dict:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    start = time.perf_counter()
    backbone = torch_course_backbone() if weights == "course" else torch_course_cnn()
    classes = int(max(np.max(y), np.max(y_val))) + 1
    head = nn.Sequential(nn.Dropout(0.2), nn.Linear(256, classes))
    net = nn.Sequential(backbone, nn.AdaptiveAvgPool2d(1), nn.Flatten(), head).to(memory_format=torch.channels_last)
    images = to_nchw(x).contiguous(memory_format=torch.channels_last)
    val_images = to_nchw(x_val).contiguous(memory_format=torch.channels_last)
    labels = torch.as_tensor(y, dtype=torch.long)
    steps = plan.epochs * -(-len(labels) // plan.batch)
    opt = torch.optim.AdamW(net.parameters(), lr=plan.lr, weight_decay=plan.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=plan.lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "val_accuracy": [], "seconds": []}
    best, best_state, best_epoch = -1.0, None, -1
    epochs = range(plan.epochs)
    if progress:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc="fine-tuning", unit="epoch")
    for epoch in epochs:
        loss, accuracy = _one_epoch(net, images, labels, opt, schedule, gen, plan)
        val_acc = float(np.mean(_argmax(net, val_images) == y_val))
        history["loss"].append(loss)
        history["accuracy"].append(accuracy)
        history["val_accuracy"].append(val_acc)
        history["seconds"].append(time.perf_counter() - start)
        if progress:
            epochs.set_postfix(loss=f"{history['loss'][-1]:.3f}", val_acc=f"{val_acc:.3f}")
        if val_acc > best:
            best, best_epoch = val_acc, epoch
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        elif epoch - best_epoch >= plan.patience:
            break
    net.load_state_dict(best_state)
    net.to(memory_format=torch.contiguous_format)  # as a reloaded copy is: the same outputs, bit for bit
    seconds = time.perf_counter() - start
    return {"model": handpose_module(backbone, head).eval(), "seconds": seconds, "history": history,
            "best_epoch": best_epoch}


def _one_epoch(net, images, labels, opt, schedule, gen, plan: FinetunePlan) -> tuple[float, float]:
    """One pass over the training set in shuffled batches, each hand mirrored with probability
    1/2; returns the mean training loss and accuracy."""
    import torch
    from torch import nn

    net.train()
    order = torch.randperm(len(labels), generator=gen)
    loss_sum, correct = 0.0, 0
    for i in range(0, len(labels), plan.batch):
        idx = order[i:i + plan.batch]
        flip = torch.rand(len(idx), generator=gen) < 0.5
        batch = torch.where(flip[:, None, None, None], images[idx].flip(3), images[idx])
        out = net(batch)
        loss = nn.functional.cross_entropy(out, labels[idx], label_smoothing=plan.label_smoothing)
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        loss_sum += loss.item() * len(idx)
        correct += int((out.argmax(1) == labels[idx]).sum())
    return loss_sum / len(labels), correct / len(labels)


def _argmax(net, images, batch: int = 256) -> np.ndarray:
    """Predicted classes of a network on ``[-1, 1]`` NCHW images, in eval mode."""
    import torch

    net.eval()
    with torch.inference_mode():
        return torch.cat([net(images[i:i + batch]).argmax(1) for i in range(0, len(images), batch)]).numpy()


def train_finished_classifier(plan: FinetunePlan = FINETUNE_FULL, *, weights: str | None = "course",
                              seed: int = 0, progress: bool = False, threads: int | None = None) -> dict:
    """Generate the hands and run :func:`finetune_handpose`: the finished classifier, measured.

    Training hands use ``seed``, validation hands ``seed + 7``, held-out test hands
    ``seed + 1000`` (as lesson 07 does), each on all four
    background kinds. Returns :func:`finetune_handpose`'s dict plus ``"accuracy"`` and
    ``"per_background"`` on the test hands, ``"test"`` = ``(images, labels, background index)``
    and ``"predictions"``.
    """
    from ..data.handpose import BACKGROUNDS
    from .classifier import hands_all_backgrounds

    x, y, _ = hands_all_backgrounds(plan.per_background, plan.size, seed)
    xv, yv, _ = hands_all_backgrounds(plan.val_per_background, plan.size, seed + 7)
    xt, yt, kt = hands_all_backgrounds(plan.test_per_background, plan.size, seed + 1000)
    result = finetune_handpose(x, y, xv, yv, plan=plan, weights=weights, seed=seed, progress=progress,
                               threads=threads)
    pred = predict_torch(result["model"], xt).argmax(1)
    result.update(accuracy=float(np.mean(pred == yt)), predictions=pred, test=(xt, yt, kt),
                  per_background={bg: float(np.mean(pred[kt == i] == yt[kt == i])) for i, bg in enumerate(BACKGROUNDS)})
    return result


FORMAT = "small-and-fast handpose classifier v1"


def save_classifier(model, path, *, size: int, classes: tuple[str, ...]) -> Path:
    """Save a :func:`finetune_handpose` model in PyTorch's own format (``torch.save``): its
    weights (a state dict of tensors), input size, class names and a format tag.

    Written atomically (:func:`course_utils.data.atomic.write_bytes`): a temporary
    ``.<name>.saving-<pid>-*`` in the same folder, then ``os.replace``, so a crash never leaves
    half a file where a good one was, and the next save removes a killed save's temporary.
    ``size`` and ``classes`` must fit the model (one name per output). Returns the path.
    """
    import io

    import torch

    size, classes = _check_saved_fields(size, classes)
    if not callable(getattr(model, "state_dict", None)):
        raise ValueError(f"model must be a torch nn.Module (what finetune_handpose returns), got {type(model).__name__}")
    outputs = _head_outputs(model.state_dict())
    if outputs is not None and outputs != len(classes):
        raise ValueError(f"classes must name each of the model's {outputs} outputs, got {len(classes)} names {classes}")
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "size": size, "classes": list(classes),
                "state_dict": model.state_dict()}, buffer)
    return write_bytes(path, buffer.getvalue(), "saving")


def load_classifier(path) -> tuple:
    """Load what :func:`save_classifier` wrote: ``(model in eval mode, size, classes)``.

    Reads tensors only (``weights_only=True``: no code in the file runs). Raises
    ``FileNotFoundError`` for a missing file and ``ValueError`` for any other file.
    """
    import pickle
    import zipfile

    import torch
    from torch import nn

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no classifier file {path}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{path} is not a saved hand-pose classifier ({type(err).__name__})") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved hand-pose classifier (expected format {FORMAT!r})")
    try:
        size, classes = _check_saved_fields(saved.get("size"), saved.get("classes"))
    except ValueError as err:
        raise ValueError(f"{path} is an incomplete or damaged classifier file: {err}") from None
    state = saved.get("state_dict")
    model = handpose_module(torch_course_cnn(), nn.Sequential(nn.Dropout(0.2), nn.Linear(256, len(classes))))
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as err:
        raise ValueError(f"{path} does not hold the weights of a {len(classes)}-class course classifier "
                         f"({type(err).__name__}: {str(err).splitlines()[0]})") from None
    return model.eval(), size, classes


def _check_saved_fields(size, classes) -> tuple[int, tuple[str, ...]]:
    """``(size, classes)`` of a classifier file checked: a positive int, one or more distinct names."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be the input size in pixels (a positive int), got {size!r}")
    if isinstance(classes, str) or not isinstance(classes, (list, tuple)) or len(classes) < 1 \
            or not all(isinstance(c, str) and c for c in classes) or len(set(classes)) != len(classes):
        raise ValueError(f"classes must be distinct class names (a non-empty list of str), got {classes!r}")
    return int(size), tuple(classes)


def _head_outputs(state: dict) -> int | None:
    """The number of outputs of a handpose module's last Linear layer, if its state dict has one."""
    keys = [k for k in state if k.startswith("head.") and k.endswith(".weight") and state[k].ndim == 2]
    return int(state[keys[-1]].shape[0]) if keys else None
