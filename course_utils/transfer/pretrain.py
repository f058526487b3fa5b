"""``make pretrain``: train the course backbones on their source tasks, deterministically.

    python -m course_utils.transfer.pretrain            # the shipped backbone (~6 min, 2 cores)
    python -m course_utils.transfer.pretrain --task glyphs   # the no-hands counter-example (not shipped)
    python -m course_utils.transfer.pretrain --fast --out /tmp/x   # a 20-second variant (tests)

Two source tasks (:data:`RECIPES`): ``"gestures"`` (eight hand gestures that are not rock,
paper or scissors: the shipped backbone) and ``"glyphs"`` (eight shapes, no hands: an
exercise in a source task far from the target). For each, writes
``<out>/course_mobilenet_v1_0.25_<task>.weights.h5`` and ``<out>/source_task_<task>.json``
(recipe, held-out accuracy, a hash of the weights). Determinism: fixed seeds (NumPy,
TensorFlow, Python), TensorFlow's op determinism, data generated from the seed, one thread
order; two runs on one machine give identical weights (the hash in the JSON).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from . import WEIGHTS_DIR

TASKS = ("gestures", "glyphs")


def result_file(task: str) -> str:
    return f"source_task_{task}.json"


@dataclass(frozen=True)
class Recipe:
    task: str = "gestures"    # one of TASKS
    n_train: int = 9600       # glyph images (1,200 per class), generated from seed
    n_test: int = 1600        # held-out glyphs, generated from seed + 1
    size: int = 64            # convolution weights do not depend on the resolution: used at 96 later
    epochs: int = 12
    batch: int = 32           # a deep plain network needs many steps more than big batches
    learning_rate: float = 2e-3
    bn_momentum: float = 0.9  # Keras' 0.99 lags far behind the weights in a short run
    seed: int = 0
    init_from: str = ""       # start from the weights pretrained on this task ("": random)


# MobileNet v1 0.25 in this budget memorised the gestures (85% train, 16% held out): its
# stride-2 first layer halves fingers that are 3-4 px wide at 64 px. The course CNN keeps
# full resolution in its first convolution.
RECIPES = {"gestures": Recipe(task="gestures", epochs=10, learning_rate=1e-3),
           "glyphs": Recipe(task="glyphs", epochs=10, learning_rate=1e-3)}
FAST = Recipe(n_train=192, n_test=64, size=32, epochs=2, batch=32)


def make_source(task: str, n: int, size: int, seed: int):
    """``(images, labels, class names)`` of a source task."""
    if task == "gestures":
        from .gestures import GESTURE_NAMES, make_gestures

        return (*make_gestures(n, size, seed), GESTURE_NAMES)
    if task == "glyphs":
        from .glyphs import GLYPHS, make_glyphs

        return (*make_glyphs(n, size, seed), GLYPHS)
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def weights_digest(model) -> str:
    """sha256 over every weight array, in order (a file's bytes also hold timestamps)."""
    h = hashlib.sha256()
    for w in model.get_weights():
        h.update(np.ascontiguousarray(w, dtype=np.float32).tobytes())
    return h.hexdigest()


def source_accuracy(model, images: np.ndarray, labels: np.ndarray, batch: int = 128) -> float:
    """Accuracy of a source-task model (inputs in [-1, 1]) on uint8 images."""
    probs = np.concatenate([model(images[i:i + batch].astype(np.float32) / 127.5 - 1.0, training=False)
                            for i in range(0, len(images), batch)])
    return float(np.mean(probs.argmax(1) == labels))


def test_set(recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
    """The held-out source-task glyphs of ``recipe`` (regenerated from its seed)."""
    return make_source(recipe.task, recipe.n_test, recipe.size, recipe.seed + 1)[:2]


def pretrain(recipe: Recipe = Recipe(), out: str | Path = WEIGHTS_DIR, verbose: int = 2) -> dict:
    """Train, evaluate, save; return the result written to ``source_task_<task>.json``."""
    from ..frameworks import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    import keras

    from .backbone import source_model, weights_file

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    start = time.perf_counter()
    x, y, names = make_source(recipe.task, recipe.n_train, recipe.size, recipe.seed)
    x_test, y_test = test_set(recipe)
    model = source_model(weights=None, size=recipe.size, task=recipe.task)
    if recipe.init_from:  # both tasks have 8 classes: the whole network, head included, loads
        model.load_weights(Path(out) / weights_file(recipe.init_from))
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = recipe.bn_momentum
    steps = recipe.epochs * int(np.ceil(recipe.n_train / recipe.batch))
    lr = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, steps)
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    scaled = (x.astype(np.float32) / 127.5 - 1.0)
    history = model.fit(scaled, y, batch_size=recipe.batch, epochs=recipe.epochs, shuffle=True,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # save from an uncompiled copy: the compiled model's file would also carry Adam's state (3x the size)
    plain = source_model(weights=None, size=recipe.size, task=recipe.task)
    plain.set_weights(model.get_weights())
    plain.save_weights(out / weights_file(recipe.task))
    result = {"recipe": asdict(recipe), "classes": list(names),
              "test_accuracy": source_accuracy(model, x_test, y_test),
              "train_accuracy_last_epoch": float(history.history["accuracy"][-1]),
              "seconds": round(seconds, 1), "weights_sha256": weights_digest(model),
              "file": weights_file(recipe.task), "keras": keras.__version__, "tensorflow": tf.__version__}
    (out / result_file(recipe.task)).write_text(json.dumps(result, indent=2) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the tiny recipe (tests)")
    parser.add_argument("--task", choices=TASKS, default="gestures", help="which source task")
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="output folder")
    args = parser.parse_args(argv)
    for task in (args.task,):
        recipe = replace(FAST, task=task) if args.fast else RECIPES[task]
        result = pretrain(recipe, args.out)
        print(f"{task}: source-task test accuracy {result['test_accuracy']:.4f} in {result['seconds']} s; "
              f"weights sha256 {result['weights_sha256'][:16]}... -> {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
