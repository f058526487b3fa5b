"""Does augmentation fix background shift? A small CNN trained on plain backgrounds only.

The experiment of lesson 06: train the same small PyTorch CNN on generated hands with plain
backgrounds, with and without augmentation, and test it on every background type
(:data:`~course_utils.data.handpose.BACKGROUNDS`). Everything is seeded: the data by
``make_hands`` seeds, the augmentation by a NumPy generator, the network by
``torch.manual_seed``; one (policy, seed) pair gives the same accuracies on every run on
the same machine and thread count.

Policies (:data:`POLICIES`) are lists of by-hand augmenters
(:mod:`course_utils.augment.by_hand`), torchvision's TrivialAugmentWide
(:func:`~course_utils.augment.policies.trivial_augment`), two named steps that replace the
plain background, using the generator's true hand mask: ``"background"`` with synthetic
clutter, ``"photos"`` with crops of photos that no test set uses
(:data:`~course_utils.data.bundled.BACKGROUND_PHOTOS`), and one named batch step,
``"cutmix"`` (:func:`~course_utils.augment.policies.cutmix`, applied to each training batch).
"""
from __future__ import annotations

import os

from dataclasses import dataclass, field

import numpy as np

from ..data.handpose import BACKGROUNDS, CLASSES, make_hands
from ..data.validate import check_count, check_images, check_labels
from . import by_hand
from .policies import cutmix, trivial_augment
from .preprocess import normalize

PHOTOMETRIC = (by_hand.colour_jitter, by_hand.brightness_contrast, by_hand.gaussian_blur,
               by_hand.gaussian_noise, by_hand.random_erasing)
BACKGROUND_P = 0.5  # half the pictures keep their plain background, so the hand's shape is learnt first
GEOMETRIC = (by_hand.hflip, by_hand.rotate)
# named steps -> the background source they paste behind the hand (by_hand.SOURCES)
BACKGROUND_STEPS = {"background": "clutter", "photos": "photos"}
BATCH_STEPS = ("cutmix",)  # named steps applied to a whole training batch, after the per-picture steps
POLICIES: dict[str, tuple] = {
    "control": (),
    "photometric": GEOMETRIC + PHOTOMETRIC,
    "background": GEOMETRIC + ("background",),
    "photos": GEOMETRIC + ("photos",),
    "trivialaugment": (by_hand.hflip, trivial_augment),   # TrivialAugmentWide rotates, shears and shifts itself
    "cutmix": GEOMETRIC + ("cutmix",),
}


@dataclass
class Splits:
    """Training images (plain background, with masks) and one test set per background."""

    train: np.ndarray          # (N, S, S, 3) uint8
    train_labels: np.ndarray   # (N,) int64
    train_masks: np.ndarray    # (N, S, S) bool, the generator's true hand masks
    test: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def make_splits(n_train: int, n_test: int, size: int = 48, seed: int = 0) -> Splits:
    """Plain-background training set and ``n_test`` test images per background (own seeds)."""
    images, labels, _, masks = make_hands(n_train, size, "plain", seed=seed, return_masks=True)
    test = {bg: make_hands(n_test, size, bg, seed=seed + 1000 + i)[:2] for i, bg in enumerate(BACKGROUNDS)}
    return Splits(images, labels, masks, test)


def apply_policy(images: np.ndarray, masks: np.ndarray, policy, rng: np.random.Generator,
                 background_p: float = BACKGROUND_P) -> np.ndarray:
    """One augmented copy of every image ``(N, S, S, 3)``; ``policy`` is a name or a tuple of steps."""
    if isinstance(policy, str) and policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {tuple(POLICIES)} or a tuple of steps")
    steps = _steps(policy)
    images = check_images(images)
    if len(masks) != len(images):
        raise ValueError(f"expected one mask per image, got {len(images)} images and {len(masks)} masks")
    steps = tuple(s for s in steps if s not in BATCH_STEPS)   # those act on batches, in training
    if not steps:
        return images
    out = np.empty_like(images)
    for i, (image, mask) in enumerate(zip(images, masks)):
        for step in steps:
            if callable(step):
                image = step(image, rng)
            else:
                image = by_hand.replace_background(image, mask, rng, background_p, BACKGROUND_STEPS[step])
        out[i] = image
    return out


def _steps(policy) -> tuple:
    """The steps of a policy name or tuple, each checked: a callable or a named step."""
    steps = POLICIES[policy] if isinstance(policy, str) else tuple(policy)
    named = (*BACKGROUND_STEPS, *BATCH_STEPS)
    bad = [s for s in steps if not callable(s) and s not in named]
    if bad:
        raise ValueError(f"policy steps must be aug(image, rng) callables or one of {named}, got {bad}")
    return steps


def small_cnn(n_classes: int = len(CLASSES), width: int = 16):
    """Four conv-BN-ReLU-maxpool stages (width, 2w, 4w, 4w channels), global average pooling, a linear layer.

    Input ``(N, 3, S, S)`` float in [-1, 1]; output ``(N, n_classes)`` logits. 60,883
    parameters at ``width=16`` (convolutions 60,336, batch norm 352, linear layer 195).
    """
    from torch import nn

    check_count(n_classes, "n_classes", minimum=2)
    check_count(width, "width")
    layers, c_in = [], 3
    for c in (width, 2 * width, 4 * width, 4 * width):
        layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
        c_in = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, n_classes))


def _to_tensor(images: np.ndarray, convention: str = "minus1_1"):
    import torch

    # the network is trained on [-1, 1] inputs (Keras MobileNet's convention)
    return torch.from_numpy(normalize(images, convention)).permute(0, 3, 1, 2)


def logits(model, images: np.ndarray, convention: str = "minus1_1", batch: int = 256) -> np.ndarray:
    """Logits ``(N, classes)`` for uint8 images ``(N, S, S, 3)`` normalised by ``convention``."""
    import torch

    images = check_images(images)
    check_count(batch, "batch")
    model.eval()
    with torch.inference_mode():
        return np.concatenate([model(_to_tensor(images[i:i + batch], convention)).numpy()
                               for i in range(0, len(images), batch)])


def predict(model, images: np.ndarray, convention: str = "minus1_1") -> np.ndarray:
    """Class predictions ``(N,)`` for uint8 images ``(N, S, S, 3)``."""
    return logits(model, images, convention).argmax(1)


@dataclass
class Run:
    """One trained model: its policy, seed, per-epoch history and final test accuracies."""

    policy: str
    seed: int
    history: list[dict]          # per epoch: loss, train_acc, and accuracy per watched background
    accuracy: dict[str, float]   # background -> test accuracy after the last epoch
    predictions: dict[str, np.ndarray]
    model: object = None


def train(splits: Splits, policy="control", seed: int = 0, epochs: int = 20, batch: int = 32,
          lr: float = 3e-3, watch: tuple[str, ...] = ("plain", "photo"), keep_model: bool = False,
          background_p: float = BACKGROUND_P, width: int = 16, threads: int | None = 1) -> Run:
    """Train :func:`small_cnn` on ``splits.train`` augmented by ``policy``; test on every background.

    ``policy``: a name in :data:`POLICIES` or a tuple of steps (``aug(image, rng)`` callables
    and the strings ``"background"``, ``"photos"`` or ``"cutmix"``, the last applied to each batch).
    A fresh augmented copy of the training set is drawn every epoch; ``background_p`` is the
    probability that a background step replaces a picture's background. ``threads``: PyTorch
    threads while training (``None``: leave as is). One is the default because a network this
    small spends its time in per-layer overhead (here one thread trained it about 5x faster than
    two on a busy 2-core machine), and a fixed thread count keeps the arithmetic, hence the
    accuracies, the same from run to run. ``watch`` lists the test backgrounds scored after
    every epoch (the training curves).
    """
    import torch

    if isinstance(policy, str) and policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {tuple(POLICIES)} or a tuple of steps")
    if epochs < 1 or batch < 1:
        raise ValueError(f"epochs and batch must be >= 1, got {epochs} and {batch}")
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _train(splits, policy, seed, epochs, batch, lr, watch, keep_model, background_p, width)
    finally:
        torch.set_num_threads(saved_threads)


def _train(splits, policy, seed, epochs, batch, lr, watch, keep_model, background_p, width) -> Run:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mix = "cutmix" in _steps(policy)
    model = small_cnn(width=width)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * -(-len(splits.train) // batch))
    labels = torch.from_numpy(splits.train_labels)
    history = []
    for epoch in range(epochs):
        augmented = apply_policy(splits.train, splits.train_masks, policy, rng, background_p)
        x_all = _to_tensor(augmented)
        order = torch.from_numpy(rng.permutation(len(x_all)))
        model.train()
        losses, correct = [], 0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            target = labels[idx]
            if mix:   # soft labels: each picture's share of its own class and of its partner's
                mixed, soft = cutmix(augmented[idx.numpy()], splits.train_labels[idx.numpy()], len(CLASSES), rng)
                logits, target = model(_to_tensor(mixed)), torch.from_numpy(soft)
            else:
                logits = model(x_all[idx])
            loss = torch.nn.functional.cross_entropy(logits, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            correct += int((logits.argmax(1) == labels[idx]).sum())
        row = {"epoch": epoch + 1, "loss": float(np.mean(losses)), "train_acc": correct / len(order)}
        row.update({bg: float(np.mean(predict(model, *splits.test[bg][:1]) == splits.test[bg][1])) for bg in watch})
        history.append(row)
    preds = {bg: predict(model, x) for bg, (x, _) in splits.test.items()}
    acc = {bg: float(np.mean(preds[bg] == splits.test[bg][1])) for bg in splits.test}
    name = policy if isinstance(policy, str) else "custom"
    return Run(name, seed, history, acc, preds, model if keep_model else None)


def _memory_limit_gib(meminfo: str = "/proc/meminfo",
                      cgroup: tuple[str, ...] = ("/sys/fs/cgroup/memory.max",
                                                 "/sys/fs/cgroup/memory/memory.limit_in_bytes")) -> float:
    """The memory this session may use, in GiB: its cgroup's limit (Binder, Docker), else the RAM."""
    total = float("inf")
    try:
        with open(meminfo) as f:
            total = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:")) / 2**20
    except (OSError, StopIteration, ValueError):
        pass
    for path in cgroup:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" (cgroup v2) or a huge number (v1) mean: no limit
            total = min(total, int(text) / 2**30)
    return total


def default_workers(per_run_gib: float = 0.6, reserved_gib: float = 1.5, limit_gib: float | None = None) -> int:
    """How many training runs to start at once here: one per core, as many as memory allows.

    Each run is a process of its own holding PyTorch (about ``per_run_gib``); ``reserved_gib``
    stays for the kernel and the rest of the session. Binder (about 2 GB) gets 1; a 2-core
    machine with memory to spare gets 2. ``limit_gib``: the session's memory (default: read
    from the cgroup limit, else the machine's RAM).
    """
    for name, value in (("per_run_gib", per_run_gib), ("reserved_gib", reserved_gib), ("limit_gib", limit_gib)):
        if value is not None and not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0
                                      and (value > 0 or name == "reserved_gib")):
            raise ValueError(f"{name} must be a finite number of GiB > 0 (reserved_gib >= 0), got {value!r}")
    limit = _memory_limit_gib() if limit_gib is None else limit_gib
    by_memory = int((limit - reserved_gib) // per_run_gib) if limit != float("inf") else os.cpu_count() or 1
    return max(1, min(os.cpu_count() or 1, by_memory))


def train_many(splits: Splits, jobs: list[tuple[str, int]], workers: int = 2, progress=None,
               **kwargs) -> list[Run]:
    """:func:`train` for every ``(policy, seed)`` in ``jobs``, ``workers`` runs at a time.

    Each run is a separate process (``spawn``: a fresh interpreter, so no thread pool or lock
    is inherited) with one PyTorch thread, so two workers use both cores of a 2-core machine,
    and the accuracies are those :func:`train` gives in this process: every run seeds itself.
    ``kwargs`` go to :func:`train` (policies given as tuples must then be importable
    functions, not lambdas). ``progress``: an optional callable, e.g. a ``tqdm`` bar's
    ``update``, called once per finished run. Returns the runs in the order of ``jobs``.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    tick = progress or (lambda _: None)
    if workers == 1:
        runs = []
        for policy, seed in jobs:
            runs.append(train(splits, policy, seed=seed, **kwargs))
            tick(1)
        return runs
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(train, splits, policy, seed=seed, **kwargs) for policy, seed in jobs]
        for future in futures:
            future.add_done_callback(lambda _: tick(1))
        return [f.result() for f in futures]


def summarise(runs: list[Run]) -> dict[str, dict[str, tuple[float, float, float]]]:
    """policy -> background -> (mean, min, max) test accuracy over the runs' seeds."""
    table: dict[str, dict[str, list[float]]] = {}
    for r in runs:
        for bg, a in r.accuracy.items():
            table.setdefault(r.policy, {}).setdefault(bg, []).append(a)
    return {p: {bg: (float(np.mean(v)), float(np.min(v)), float(np.max(v))) for bg, v in row.items()}
            for p, row in table.items()}


def confusion(labels: np.ndarray, predictions: np.ndarray, n_classes: int = len(CLASSES)) -> np.ndarray:
    """``(n_classes, n_classes)`` counts: row = true class, column = predicted class."""
    n_classes = check_count(n_classes, "n_classes")
    labels = check_labels(labels, classes=n_classes)
    predictions = check_labels(predictions, n=len(labels), classes=n_classes, name="predictions")
    m = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(m, (labels, predictions), 1)
    return m
