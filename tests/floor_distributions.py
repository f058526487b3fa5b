"""Where the suite's floors come from: every stochastic value a floor is checked against, measured
over seeds and emulated machines (``make portability ARGS=--distributions``).

Each measure below computes, for one seed, the values that a test or a self-check compares with a
floor, exactly as that test does but with the seed as a parameter. ``main`` runs the measures over
``--seeds`` in one process per emulated machine (the variants of ``tests/portability.py``) and
prints min / median / max per variant and over all: the table in CONTRIBUTING ("Floors") is its
output, and each floor sits below the minimum with its margin stated next to it.

    python tests/floor_distributions.py --seeds 0 1 2 3 4 --variants here avx2-laptop zen
    python tests/floor_distributions.py --measures softmax --seeds 0 1 2 3 4 5 6 7 8 9
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def augment(seed: int) -> dict[str, float]:
    """tests/test_augment_experiment.py at another seed: the photo policy's gains over the control."""
    from test_augment_experiment import EPOCHS, N_TEST, N_TRAIN, SIZE, shifted_gains

    from course_utils.augment import experiment

    splits = experiment.make_splits(N_TRAIN, N_TEST, SIZE, seed=seed)
    control = experiment.train(splits, "control", seed=seed, epochs=EPOCHS)
    photos = experiment.train(splits, "photos", seed=seed, epochs=EPOCHS)
    geometric = experiment.train(splits, experiment.GEOMETRIC, seed=seed, epochs=EPOCHS)   # the planted bug
    return {"control plain": control.accuracy["plain"], "control photo": control.accuracy["photo"],
            **{f"gain {k}": v for k, v in shifted_gains(control, photos).items()},
            **{f"bug (background never replaced): gain {k}": v for k, v in shifted_gains(control, geometric).items()}}


def softmax(seed: int, per_background: int = 45) -> dict[str, float]:
    """solutions/07 exercise 3: the reference train_softmax's held-out accuracy minus Keras' head's."""
    from course_utils.frameworks import import_tensorflow_quietly

    import_tensorflow_quietly()
    from course_utils.transfer import backbone as bb
    from course_utils.transfer.classifier import hands_all_backgrounds
    from course_utils.transfer.features import extract_features, train_head_on_features

    backbone = bb.course_backbone("course", 48)
    out = {}
    for per in (45, 120):   # the exercise's fast and full mode
        x, y, _ = hands_all_backgrounds(per, 48, seed)
        xt, yt, _ = hands_all_backgrounds(per // 2, 48, seed + 1000)
        f, ft = extract_features(backbone, x, progress=False), extract_features(backbone, xt, progress=False)
        head, _ = train_head_on_features(f, y, seed=seed, epochs=150)
        keras_acc = float(np.mean(np.asarray(head(ft)).argmax(1) == yt))
        for lr in (0.01, 0.5):   # the exercise's step size, and the unstable one it used to have
            W, b = _gradient_descent(f, y, epochs=1000 if lr == 0.01 else 300, lr=lr)
            out[f"{per}/bg lr {lr}: mine - keras"] = float(np.mean((ft @ W + b).argmax(1) == yt)) - keras_acc
    return out


def _gradient_descent(features, labels, classes=3, epochs=1000, lr=0.01):
    n, d = features.shape
    W, b = np.zeros((d, classes)), np.zeros(classes)
    onehot = np.eye(classes)[labels]
    for _ in range(epochs):
        z = features @ W + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        grad = (p - onehot) / n
        W -= lr * features.T @ grad
        b -= lr * grad.sum(0)
    return W, b


def strategies(seed: int) -> dict[str, float]:
    """tests/test_transfer_training.py at another subset seed: frozen and scratch at 10 per class."""
    from course_utils.frameworks import import_frameworks

    import_frameworks("torch", "tensorflow")
    from course_utils.transfer import strategies as st
    from course_utils.transfer.classifier import hands_all_backgrounds

    (x, y, _), (xt, yt, _) = hands_all_backgrounds(90, 48, 0), hands_all_backgrounds(45, 48, 1000)
    idx = st.per_class_subset(y, 10, seed=seed)
    frozen = st.run_strategy("frozen", x[idx], y[idx], xt, yt, steps=40, seed=seed).accuracy
    scratch = st.run_strategy("scratch", x[idx], y[idx], xt, yt, steps=40, seed=seed).accuracy
    return {"frozen": frozen, "scratch": scratch, "frozen - scratch": frozen - scratch}


def standin(seed: int) -> dict[str, float]:
    """tests/test_deploy_export.py's quick classifier at another seed: its held-out accuracy."""
    from course_utils.deploy.standin import quick_classifier

    return {"accuracy": quick_classifier(size=48, seed=seed).accuracy}


MEASURES = {"augment": augment, "softmax": softmax, "strategies": strategies, "standin": standin}


def child(measures: list[str], seeds: list[int]) -> None:
    for name in measures:
        for seed in seeds:
            for key, value in MEASURES[name](seed).items():
                print(json.dumps({"measure": name, "key": key, "seed": seed, "value": value}), flush=True)


def main(argv: list[str] | None = None) -> int:
    from portability import VARIANTS, variant_env

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", nargs="+", default=list(MEASURES), choices=list(MEASURES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--variants", nargs="+", default=["here", "avx2-laptop"], choices=list(VARIANTS))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.measures, args.seeds)
        return 0
    rows: dict[tuple[str, str], dict[str, list[float]]] = {}
    for variant in args.variants:
        with tempfile.TemporaryDirectory() as tmp:
            env = variant_env(variant, Path(tmp) / "unused.jsonl")
            cmd = [sys.executable, __file__, "--child", "--measures", *args.measures,
                   "--seeds", *map(str, args.seeds)]
            out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                rows.setdefault((r["measure"], r["key"]), {}).setdefault(variant, []).append(r["value"])
        print(f"measured under {variant}", flush=True)
    print(f"\nseeds {args.seeds}; per variant: min / median / max; then over all")
    for (measure, key), per in rows.items():
        cells = [f"{v}: {min(xs):+.3f} / {statistics.median(xs):+.3f} / {max(xs):+.3f}" for v, xs in per.items()]
        flat = [x for xs in per.values() for x in xs]
        print(f"{measure:<10} {key:<45} " + "   ".join(cells) +
              f"   ALL: {min(flat):+.3f} / {statistics.median(flat):+.3f} / {max(flat):+.3f} (n={len(flat)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
