"""``make pretrain``: train the course backbone on the glyph source task, deterministically.

    python -m course_utils.transfer.pretrain            # the shipped weights (~10 min, 2 cores)
    python -m course_utils.transfer.pretrain --fast --out /tmp/x   # a 20-second variant (tests)

Writes ``<out>/course_mobilenet_v1_0.25_96_glyphs.weights.h5`` and ``<out>/source_task.json``
(recipe, held-out accuracy, a hash of the weights). Determinism: fixed seeds (NumPy,
TensorFlow, Python), TensorFlow's op determinism, data generated from the seed, one thread
order; two runs on one machine give identical weights (the hash in the JSON).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import WEIGHTS_DIR

RESULT_FILE = "source_task.json"


@dataclass(frozen=True)
class Recipe:
    n_train: int = 9600       # glyph images (1,200 per class), generated from seed
    n_test: int = 1600        # held-out glyphs, generated from seed + 1
    size: int = 96
    epochs: int = 8
    batch: int = 64
    learning_rate: float = 2e-3
    bn_momentum: float = 0.9  # Keras' 0.99 lags far behind the weights in a short run
    seed: int = 0


FAST = Recipe(n_train=480, n_test=160, size=64, epochs=1, batch=32)


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
    from .glyphs import make_glyphs

    return make_glyphs(recipe.n_test, recipe.size, seed=recipe.seed + 1)


def pretrain(recipe: Recipe = Recipe(), out: str | Path = WEIGHTS_DIR, verbose: int = 2) -> dict:
    """Train, evaluate, save; return the result written to ``source_task.json``."""
    from ..frameworks import import_tensorflow_quietly
    from .glyphs import GLYPHS, make_glyphs

    tf = import_tensorflow_quietly()
    import keras

    from .backbone import WEIGHTS_FILE, source_model

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    start = time.perf_counter()
    x, y = make_glyphs(recipe.n_train, recipe.size, seed=recipe.seed)
    x_test, y_test = test_set(recipe)
    model = source_model(weights=None, size=recipe.size)
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
    model.save_weights(out / WEIGHTS_FILE)
    result = {"recipe": asdict(recipe), "classes": list(GLYPHS),
              "test_accuracy": source_accuracy(model, x_test, y_test),
              "train_accuracy_last_epoch": float(history.history["accuracy"][-1]),
              "seconds": round(seconds, 1), "weights_sha256": weights_digest(model),
              "file": WEIGHTS_FILE, "keras": keras.__version__, "tensorflow": tf.__version__}
    (out / RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the tiny recipe (tests)")
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="output folder")
    args = parser.parse_args(argv)
    result = pretrain(FAST if args.fast else Recipe(), args.out)
    print(f"source-task test accuracy {result['test_accuracy']:.4f} in {result['seconds']} s; "
          f"weights sha256 {result['weights_sha256'][:16]}... -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
