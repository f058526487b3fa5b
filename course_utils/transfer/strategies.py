"""Four ways to use (or not use) a pretrained backbone, measured over labelled-set sizes and seeds.

Every strategy gets the **same budget of optimiser steps** (``steps``, batches of
``min(BATCH, N)`` images drawn as shuffled epochs), so none loses for lack of training:

* ``"frozen"``:      backbone frozen, features cached once; the head takes all ``steps``;
* ``"last_blocks"``: phase 1, the head on the frozen features for ``steps // 2`` steps (the
  frozen recipe, shorter); phase 2, the last two stages (conv3, conv4) unfrozen and trained
  with that head for the other ``steps - steps // 2``, the backbone at ``BACKBONE_LR_RATIO``
  times the head's learning rate;
* ``"full"``:        the same two phases with every stage unfrozen (BatchNorm statistics stay
  frozen: tiny batches would replace the pretrained statistics with noisy ones);
* ``"scratch"``:     random initialisation, every layer trains for ``steps`` (BatchNorm learns).

Two-phase fine-tuning is the recipe of the Keras guide "Transfer learning & fine-tuning"
(Chollet, 2020) and of LP-FT (Kumar et al., 2022): a random head's large gradients would
otherwise flow into the pretrained layers. Each run reports, besides accuracy on the test
hands and on hands over held-out photo backgrounds, the accuracy of its phase-1 head (where
phase 2 started), its final training accuracy and the drift of the backbone's features.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data.validate import check_count, check_images, check_labels

STRATEGIES = ("frozen", "last_blocks", "full", "scratch")
LAST_STAGES = 2           # stages unfrozen by "last_blocks" (conv3 and conv4 of the course CNN)
BATCH = 32                # images per optimiser step (fewer when the labelled set is smaller)
HEAD_LR = 1e-2            # Adam, the head on frozen features (frozen, and phase 1 of fine-tuning)
FINETUNE_HEAD_LR = 3e-3   # Adam, the head in phase 2
BACKBONE_LR_RATIO = 0.1   # phase 2: the backbone learns 10x slower than the head
SCRATCH_LR = 2e-3         # Adam, every layer of the randomly initialised network


@dataclass(frozen=True)
class Result:
    """One run. ``accuracy``: test hands (backgrounds as in training); ``heldout``: hands on photos
    no training image shows (nan if none given); ``start_accuracy``: the phase-1 head's test
    accuracy (two-phase strategies, else nan); ``drift``: mean cosine distance between the
    pretrained and the trained backbone's pooled features of the test images (0 for frozen,
    nan for scratch); ``steps``: optimiser steps taken (head and backbone counted once per step)."""
    strategy: str
    per_class: int
    seed: int
    steps: int
    accuracy: float
    heldout: float
    train_accuracy: float
    start_accuracy: float
    drift: float
    seconds: float


def per_class_subset(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of the first ``per_class`` examples of each class after a seeded shuffle."""
    labels = check_labels(labels)
    if len(labels) == 0:
        raise ValueError("labels must hold at least one label, got none")
    check_count(per_class, "per_class")
    classes = np.unique(labels)
    counts = np.bincount(labels)
    if per_class < 1 or counts[classes].min() < per_class:
        raise ValueError(f"per_class must be in 1..{counts[classes].min()} (smallest class), got {per_class}")
    order = np.random.default_rng(seed).permutation(len(labels))
    picked = [order[labels[order] == c][:per_class] for c in classes]
    return np.sort(np.concatenate(picked))


def batch_indices(n: int, steps: int, batch: int, seed: int) -> np.ndarray:
    """``(steps, min(batch, n))`` indices into ``n`` examples: shuffled epochs laid end to end, so
    every batch is full (one traced step) and every example is seen equally often."""
    check_count(n, "n"), check_count(steps, "steps"), check_count(batch, "batch")
    b = min(batch, n)
    rng = np.random.default_rng(seed)
    flat = np.concatenate([rng.permutation(n) for _ in range(-(-steps * b // n))])
    return flat[:steps * b].reshape(steps, b)


def fit_steps(model, groups, x: np.ndarray, y: np.ndarray, batches: np.ndarray) -> int:
    """Train ``model`` (softmax outputs) one optimiser step per row of ``batches``.

    ``groups``: ``[(variables, optimizer), ...]``, e.g. the backbone's variables with a slow Adam
    and the head's with a faster one. ``x``: float32 ``(N, ...)`` model inputs, ``y``: int ``(N,)``,
    ``batches``: int ``(steps, B)`` from :func:`batch_indices`. Returns the number of steps taken.
    """
    import keras
    import tensorflow as tf

    variables = [v for vs, _ in groups for v in vs]
    for vs, optimizer in groups:
        optimizer.build(vs)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, variables)
        start = 0
        for vs, optimizer in groups:
            optimizer.apply_gradients(zip(grads[start:start + len(vs)], vs))
            start += len(vs)
        return loss

    for rows in batches:
        step(tf.constant(x[rows]), tf.constant(y[rows]))
    return len(batches)


def head_on_features(features: np.ndarray, y: np.ndarray, classes: int, steps: int, seed: int):
    """Dropout(0.2) -> Dense(classes, softmax) named ``"probs"`` trained for ``steps`` Adam steps at
    ``HEAD_LR`` on pooled features ``(N, C)``; returns the Keras model ``(N, C) -> (N, classes)``."""
    import keras

    from .heads import head_layers

    keras.utils.set_random_seed(seed)
    head = keras.Sequential([keras.Input((features.shape[1],)), *head_layers("gap", classes)[1:]])
    fit_steps(head, [(head.trainable_variables, keras.optimizers.Adam(HEAD_LR))], features.astype(np.float32),
              y, batch_indices(len(features), steps, BATCH, seed))
    return head


def _scratch_model(size: int, classes: int):
    """The course CNN from random weights (BatchNorm in training mode) + GAP head, [0, 255] input.

    BatchNorm's moving averages use momentum 0.9 (PyTorch's 0.1), not Keras' 0.99: over a budget of
    ~100 steps the weights move faster than a 0.99 average follows, and at 10 images a class the
    network classified its own training images at 1.00 in training mode but 0.37 in inference mode.
    """
    import keras

    from .backbone import course_backbone
    from .heads import head_layers

    backbone = course_backbone(None, size)
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.9
    inputs = keras.Input(shape=(size, size, 3))
    h = backbone(keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs))
    for layer in head_layers("gap", classes):
        h = layer(h)
    return backbone, keras.Model(inputs, h)


def _train_end_to_end(strategy: str, x, y, features, steps: int, seed: int, classes: int):
    """Phase 1 + phase 2 (``last_blocks``, ``full``) or ``steps`` from random weights (``scratch``).

    ``x``: uint8 ``(N, S, S, 3)``, ``features``: the pretrained backbone's pooled ``(N, C)``.
    Returns ``(backbone, model, phase-1 head or None, steps taken)``; the model maps [0, 255]
    images ``(M, S, S, 3)`` to probabilities ``(M, classes)``.
    """
    import keras

    from .backbone import course_backbone
    from .classifier import assemble, unfreeze_last

    xf = x.astype(np.float32)
    if strategy == "scratch":
        keras.utils.set_random_seed(seed)
        backbone, model = _scratch_model(x.shape[1], classes)
        taken = fit_steps(model, [(model.trainable_variables, keras.optimizers.Adam(SCRATCH_LR))], xf, y,
                          batch_indices(len(x), steps, BATCH, seed))
        return backbone, model, None, taken
    head = head_on_features(features, y, classes, steps // 2, seed)               # phase 1
    backbone = course_backbone("course", x.shape[1])
    model = assemble(backbone, head, x.shape[1])                                   # copies the head's weights
    stages = len({layer.name for layer in backbone.layers if layer.name.startswith("conv")})
    unfreeze_last(backbone, LAST_STAGES if strategy == "last_blocks" else stages)
    dense = model.get_layer("probs").trainable_variables
    groups = [(backbone.trainable_variables, keras.optimizers.Adam(FINETUNE_HEAD_LR * BACKBONE_LR_RATIO)),
              (dense, keras.optimizers.Adam(FINETUNE_HEAD_LR))]
    taken = steps // 2 + fit_steps(model, groups, xf, y, batch_indices(len(x), steps - steps // 2, BATCH, seed + 1))
    return backbone, model, head, taken


def _cosine_drift(a: np.ndarray, b: np.ndarray) -> float:
    """Mean of 1 - cos(a_i, b_i) over rows of two ``(N, C)`` feature arrays."""
    cos = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    return max(0.0, float(np.mean(1.0 - cos)))   # rounding can give -1e-8 for identical features


def run_strategy(strategy: str, x, y, x_test, y_test, *, steps: int = 200, seed: int = 0, features=None,
                 test_features=None, x_heldout=None, y_heldout=None) -> Result:
    """Train one strategy for ``steps`` optimiser steps on uint8 images ``(N, S, S, 3)``; a :class:`Result`.

    ``features`` / ``test_features``: the pretrained backbone's pooled features ``(N, C)`` of ``x``
    and ``x_test`` (computed, and timed, when not given). ``x_heldout``, ``y_heldout``: optional
    hands on backgrounds never seen in training.
    """
    from .backbone import course_backbone
    from .features import extract_features

    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    x, x_test = check_images(x, name="x"), check_images(x_test, name="x_test")
    y = check_labels(y, n=len(x), name="y", min_classes=2)
    y_test = check_labels(y_test, n=len(x_test), name="y_test")
    check_count(steps, "steps", minimum=2)
    classes = int(max(np.max(y), np.max(y_test))) + 1
    start = time.perf_counter()
    if features is None or test_features is None:
        pretrained = course_backbone("course", x.shape[1])
        features, test_features = extract_features(pretrained, x), extract_features(pretrained, x_test)
    nan, start_acc = float("nan"), float("nan")
    if strategy == "frozen":
        backbone, head = course_backbone("course", x.shape[1]), head_on_features(features, y, classes, steps, seed)
        taken, final = steps, head
    else:
        backbone, model, head, taken = _train_end_to_end(strategy, x, y, features, steps, seed, classes)
        final = model.get_layer("probs") if head is not None else model.layers[-1]
        if head is not None:
            start_acc = float(np.mean(np.asarray(head(test_features)).argmax(1) == y_test))
    seconds = time.perf_counter() - start

    def accuracy(images, labels):   # the trained backbone's pooled features, then the final Dense
        return float(np.mean(np.asarray(final(extract_features(backbone, images))).argmax(1) == labels))

    f_test = extract_features(backbone, x_test)
    acc = float(np.mean(np.asarray(final(f_test)).argmax(1) == y_test))
    heldout = accuracy(x_heldout, y_heldout) if x_heldout is not None else nan
    drift = nan if strategy == "scratch" else _cosine_drift(test_features, f_test)
    return Result(strategy, int(len(x) // classes), seed, taken, acc, heldout, accuracy(x, y), start_acc, drift,
                  seconds)


def compare_strategies(x, y, x_test, y_test, sizes=(10, 30, 100, 300), strategies=STRATEGIES, *,
                       steps: int = 200, seeds=(0, 1, 2), x_heldout=None, y_heldout=None,
                       progress: bool = True) -> list[Result]:
    """Every strategy at every size (images per class) and seed, all with ``steps`` optimiser steps.

    ``x`` / ``x_test``: uint8 ``(N, S, S, 3)`` pool and test images; a seed picks the labelled
    subset (:func:`per_class_subset`), the initial weights and the batch order. The pretrained
    backbone's features of the pool and the test set are computed once. One :class:`Result` a run.
    """
    from .backbone import course_backbone
    from .features import extract_features

    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"strategies must be among {STRATEGIES}, got {unknown}")
    pretrained = course_backbone("course", x.shape[1])
    pool_f, test_f = extract_features(pretrained, x), extract_features(pretrained, x_test)
    jobs = [(n, seed, s) for n in sizes for seed in seeds for s in strategies]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="strategies", unit="run")
    results = []
    for n, seed, strategy in jobs:
        idx = per_class_subset(y, n, seed)
        results.append(run_strategy(strategy, x[idx], y[idx], x_test, y_test, steps=steps, seed=seed,
                                    features=pool_f[idx], test_features=test_f, x_heldout=x_heldout,
                                    y_heldout=y_heldout))
        _release()
    return results


def _release() -> None:
    """Drop the finished run's models, optimisers and traced steps (a kernel otherwise kept
    0.3-0.4 GiB more after the old experiment), and give the freed pages back."""
    import keras

    from ..frameworks import release_memory

    keras.backend.clear_session()
    release_memory()


def summarise(results, field: str = "accuracy") -> dict[tuple[str, int], tuple[float, float, float, int]]:
    """``{(strategy, per_class): (mean, min, max, seeds)}`` of one :class:`Result` field over seeds:
    the interval is the seed-level min-max range, not a confidence interval."""
    table: dict[tuple[str, int], list[float]] = {}
    for r in results:
        table.setdefault((r.strategy, r.per_class), []).append(getattr(r, field))
    return {key: (float(np.mean(v)), float(np.min(v)), float(np.max(v)), len(v)) for key, v in table.items()}
