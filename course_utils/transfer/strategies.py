"""Four ways to use (or not use) a pretrained backbone, measured over labelled-set sizes.

* ``"frozen"``:      backbone frozen, features cached once, only the head trains;
* ``"last_blocks"``: the last two stages (conv3, conv4) and the head train, the rest frozen;
* ``"full"``:        every layer trains (BatchNorm statistics stay frozen: tiny batches
  would otherwise overwrite the pretrained statistics with noisy ones);
* ``"scratch"``:     random initialisation, every layer trains (BatchNorm learns its statistics).

All four share the course backbone's architecture (the course CNN at the images' size),
the GAP -> Dropout -> Dense(3) head, Adam, the same epochs and the same test set.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data.validate import check_count, check_images, check_labels

STRATEGIES = ("frozen", "last_blocks", "full", "scratch")
LAST_STAGES = 2  # stages unfrozen by "last_blocks" (conv3 and conv4 of the course CNN)


@dataclass(frozen=True)
class Result:
    strategy: str
    per_class: int
    accuracy: float
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


def _train_end_to_end(strategy: str, x, y, x_test, y_test, epochs: int, seed: int, lr: float,
                      classes: int) -> float:
    import keras

    from ..frameworks import release_memory
    from .backbone import course_backbone
    from .classifier import assemble, predict, unfreeze_last
    from .features import quiet_tensorflow_logs
    from .heads import head_layers

    keras.utils.set_random_seed(seed)
    size = x.shape[1]
    if strategy == "scratch":
        backbone = course_backbone(None, size)
        inputs = keras.Input(shape=(size, size, 3))
        h = backbone(keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs))  # BN in training mode
        for layer in head_layers("gap", classes):
            h = layer(h)
        model = keras.Model(inputs, h)
    else:
        backbone = course_backbone("course", size)
        probe = keras.Sequential([keras.Input((backbone.output_shape[-1],)), *head_layers("gap", classes)[1:]])
        model = assemble(backbone, probe, size)
        stages = len({layer.name for layer in backbone.layers if layer.name.startswith("conv")})
        unfreeze_last(backbone, LAST_STAGES if strategy == "last_blocks" else stages)
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy")
    try:
        with quiet_tensorflow_logs():
            model.fit(x.astype(np.float32), y, batch_size=min(32, len(x)), epochs=epochs, verbose=0, shuffle=True)
        return float(np.mean(predict(model, x_test).argmax(1) == y_test))
    finally:
        # each run builds a new model, optimiser and traced training step: drop them, and give
        # the freed pages back (a lesson's kernel otherwise held 0.3-0.4 GiB more afterwards)
        del model, backbone
        keras.backend.clear_session()
        release_memory()


def run_strategy(strategy: str, x, y, x_test, y_test, *, epochs: int = 15, seed: int = 0,
                 features=None, test_features=None) -> tuple[float, float]:
    """Train one strategy on uint8 images; return ``(test accuracy, training seconds)``.

    ``"frozen"`` uses ``features`` / ``test_features`` (pooled course-backbone features of
    ``x`` / ``x_test``) when given, else computes them (and counts that time).
    """
    from .features import extract_features, train_head_on_features

    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    x, x_test = check_images(x, name="x"), check_images(x_test, name="x_test")
    y = check_labels(y, n=len(x), name="y", min_classes=2)
    y_test = check_labels(y_test, n=len(x_test), name="y_test")
    check_count(epochs, "epochs")
    classes = int(max(np.max(y), np.max(y_test))) + 1
    start = time.perf_counter()
    if strategy == "frozen":
        if features is None or test_features is None:
            from .backbone import course_backbone

            backbone = course_backbone("course", x.shape[1])
            features, test_features = extract_features(backbone, x), extract_features(backbone, x_test)
        head, _ = train_head_on_features(features, y, classes, seed=seed, epochs=max(100, 10 * epochs))
        accuracy = float(np.mean(np.asarray(head(test_features)).argmax(1) == y_test))
    else:
        lr = 2e-3 if strategy == "scratch" else 5e-4
        accuracy = _train_end_to_end(strategy, x, y, x_test, y_test, epochs, seed, lr, classes)
    return accuracy, time.perf_counter() - start


def compare_strategies(x, y, x_test, y_test, sizes=(10, 30, 100, 300), strategies=STRATEGIES, *,
                       epochs: int = 15, seed: int = 0, progress: bool = True, skip=()) -> list[Result]:
    """Every strategy at every labelled-set size (images per class); one :class:`Result` each.

    ``skip``: ``(per_class, strategy)`` pairs not to run (e.g. a costly run whose answer the
    smaller sizes already give). The frozen backbone's features of the whole pool and of the
    test set are computed once (that time is reported as the ``"features"`` row with
    ``per_class=0``).
    """
    unknown = [pair for pair in skip if pair[1] not in STRATEGIES]
    if unknown:
        raise ValueError(f"skip takes (per_class, strategy) pairs with a strategy in {STRATEGIES}, got {unknown}")
    from .backbone import course_backbone
    from .features import extract_features

    start = time.perf_counter()
    backbone = course_backbone("course", x.shape[1])
    pool_f, test_f = extract_features(backbone, x), extract_features(backbone, x_test)
    results = [Result("features", 0, float("nan"), time.perf_counter() - start)]
    jobs = [(n, s) for n in sizes for s in strategies if (n, s) not in set(skip)]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="strategies", unit="run")
    for n, strategy in jobs:
        idx = per_class_subset(y, n, seed)
        acc, sec = run_strategy(strategy, x[idx], y[idx], x_test, y_test, epochs=epochs, seed=seed,
                                features=pool_f[idx], test_features=test_f)
        results.append(Result(strategy, n, acc, sec))
    return results
