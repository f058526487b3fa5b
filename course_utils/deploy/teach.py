"""Teach it your hand: fine-tune lesson 07's classifier on a learner's captured frames (plus generated hands).

The classifier of :func:`course_utils.transfer.finetune.finetune_handpose` has only seen generated hands. A few dozen
frames of *your* hand, in *your* room, under *your* lamp, fix most of what it gets wrong there: every weight moves a
little (AdamW, a one-cycle learning rate ten times below lesson 07's peak, a few epochs), and generated hands stay in
every batch so it keeps what it knew. :func:`teach_run` is the whole experiment for a TensorFlow kernel (run it with
:func:`course_utils.in_child`): the accuracy on held-out captured frames before and after, the confusion matrices,
the time, and the new model saved beside the old one. PyTorch is imported inside the functions.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..data.validate import check_count, check_images, check_labels
from ..seeding import check_seed


@dataclass(frozen=True)
class TeachPlan:
    """The recipe: ``epochs`` passes over the captured frames (each repeated ``repeat`` times, so they weigh as
    much as the generated hands), batches of ``batch``, AdamW with a one-cycle peak ``lr``."""
    epochs: int = 6
    batch: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    repeat: int = 3


TEACH = TeachPlan()


def confusion(truth, predicted, classes: int) -> np.ndarray:
    """The confusion matrix: ``m[i, j]`` counts frames of class ``i`` predicted as ``j`` (int64 ``(C, C)``)."""
    check_count(classes, "classes")
    truth = check_labels(truth, classes=classes, name="truth", min_classes=0)
    predicted = check_labels(predicted, n=len(truth), classes=classes, name="predicted", min_classes=0)
    m = np.zeros((classes, classes), np.int64)
    np.add.at(m, (truth, predicted), 1)
    return m


def split_by_time(labels, held_out: float = 1 / 3) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, held_out)`` of captured frames: the last ``held_out`` share of each class, in capture order.

    Frames a fraction of a second apart are nearly the same picture, so a random split would test on copies of
    training frames; holding out the *end* of each class's recording tests on moments the model never saw.
    """
    labels = check_labels(labels, name="labels")
    if not 0 < held_out < 1:
        raise ValueError(f"held_out must be a share between 0 and 1, got {held_out!r}")
    train, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        k = len(idx) - int(round(len(idx) * held_out))
        if k < 1 or k == len(idx):
            raise ValueError(f"class {c} has {len(idx)} frames: too few to hold out {held_out:.0%} and train on the rest")
        train.append(idx[:k]), test.append(idx[k:])
    return np.concatenate(train), np.concatenate(test)


def _check_plan(plan: TeachPlan) -> None:
    if not isinstance(plan, TeachPlan):
        raise ValueError(f"plan must be a TeachPlan, got {type(plan).__name__}")
    for name in ("epochs", "batch", "repeat"):
        check_count(getattr(plan, name), f"plan.{name}")
    if not (np.isfinite(plan.lr) and plan.lr > 0 and np.isfinite(plan.weight_decay) and plan.weight_decay >= 0):
        raise ValueError(f"plan.lr must be > 0 and plan.weight_decay >= 0, got {plan.lr!r}, {plan.weight_decay!r}")


def teach(model, x_own, y_own, x_generated, y_generated, *, plan: TeachPlan = TEACH, seed: int = 0):
    """Fine-tune ``model`` (a :func:`~course_utils.transfer.torch_classifier.handpose_module`, changed in place and
    returned in eval mode) on the captured frames ``x_own`` and the generated hands, mirrored at random."""
    import torch
    from torch import nn

    from ..transfer.torch_classifier import to_nchw

    _check_plan(plan)
    check_seed(seed)
    classes = int(model.head[-1].out_features)
    x_own, x_generated = check_images(x_own, name="x_own"), check_images(x_generated, name="x_generated")
    y_own = check_labels(y_own, n=len(x_own), classes=classes, name="y_own")
    y_generated = check_labels(y_generated, n=len(x_generated), classes=classes, name="y_generated")
    if x_own.shape[1:] != x_generated.shape[1:]:
        raise ValueError(f"captured and generated images must have the same shape, got {x_own.shape[1:]} and "
                         f"{x_generated.shape[1:]}")
    torch.manual_seed(seed)
    images = to_nchw(np.concatenate([np.repeat(x_own, plan.repeat, 0), x_generated]), scaled=False)
    labels = torch.as_tensor(np.concatenate([np.repeat(y_own, plan.repeat), y_generated]))
    steps = plan.epochs * -(-len(labels) // plan.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=plan.lr, weight_decay=plan.weight_decay)
    if steps >= 4:   # one-cycle needs a warm-up step and a decay step
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=plan.lr, total_steps=steps,
                                                       pct_start=min(0.5, max(0.2, 2 / steps)))
    else:
        schedule = torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(plan.epochs):
        order = torch.randperm(len(labels), generator=gen)
        for i in range(0, len(labels), plan.batch):
            idx = order[i:i + plan.batch]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            batch = torch.where(flip[:, None, None, None], images[idx].flip(3), images[idx])
            loss = nn.functional.cross_entropy(model(batch), labels[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    return model.eval()


def teach_run(model_path, x_own, y_own, x_generated, y_generated, x_held_out, y_held_out, out_dir, *,
              plan: TeachPlan = TEACH, seeds=(0,), threads: int | None = None) -> dict:
    """Load ``model_path`` (:func:`~course_utils.transfer.finetune.save_classifier`), measure it on the held-out
    captured frames, teach a fresh copy of it once per seed, measure again, and save the first seed's model as
    ``out_dir/handpose_yours.pt``.

    Returns plain data: ``before`` and ``after`` (accuracies, one per seed for ``after``), ``confusion_before``,
    ``confusion_after`` (per seed), ``seconds`` (the fine-tuning time per seed), ``path``, ``plan``, ``frames``
    (captured frames trained on) and ``generated``.
    """
    import torch

    from ..transfer.finetune import load_classifier, save_classifier
    from ..transfer.torch_classifier import predict_torch

    x_held_out = check_images(x_held_out, name="x_held_out")
    seeds = [check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"out_dir must be an existing folder, got {str(out_dir)!r}")
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(check_count(threads, "threads"))
    try:
        model, size, classes = load_classifier(model_path)
        y_held_out = check_labels(y_held_out, n=len(x_held_out), classes=len(classes), name="y_held_out", min_classes=0)
        before = predict_torch(model, x_held_out).argmax(1)
        out = {"before": float(np.mean(before == y_held_out)), "after": [], "seconds": [], "confusion_after": [],
               "confusion_before": confusion(y_held_out, before, len(classes)), "classes": list(classes),
               "plan": asdict(plan), "frames": len(x_own), "generated": len(x_generated), "seeds": seeds}
        for seed in seeds:
            start = time.perf_counter()
            taught = teach(load_classifier(model_path)[0], x_own, y_own, x_generated, y_generated, plan=plan, seed=seed)
            out["seconds"].append(time.perf_counter() - start)
            after = predict_torch(taught, x_held_out).argmax(1)
            out["after"].append(float(np.mean(after == y_held_out)))
            out["confusion_after"].append(confusion(y_held_out, after, len(classes)))
            if seed == seeds[0]:
                out["path"] = str(save_classifier(taught, out_dir / "handpose_yours.pt", size=size, classes=classes))
        return out
    finally:
        torch.set_num_threads(saved_threads)


__all__ = ["TEACH", "TeachPlan", "confusion", "split_by_time", "teach", "teach_run"]
