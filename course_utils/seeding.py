"""One call that seeds every random number generator the course uses."""
from __future__ import annotations

import os
import random
import sys

import numpy as np

DEFAULT_SEED = 42


def check_seed(seed) -> int:
    """``seed`` as an int >= 0 (NumPy ints too, never bool), or a ValueError saying so."""
    import numbers

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def seed_everything(seed: int = DEFAULT_SEED, *, deterministic: bool = True) -> int:
    """Seed Python's ``random``, NumPy, and TensorFlow/Keras and PyTorch if they are imported.

    Frameworks are seeded only when the notebook has already imported them: seeding must
    not import TensorFlow or PyTorch behind the learner's back (importing them costs
    seconds and the order matters, see ``course_utils.frameworks``). So call this *after*
    your framework imports, or use ``course_utils.frameworks.import_frameworks`` which
    imports in a safe order and then calls this.

    ``deterministic=True`` also asks PyTorch and TensorFlow for deterministic kernels, so
    that checked outputs are the same on every run (at some cost in speed).
    Returns the seed, so a notebook can print it.
    """
    seed = check_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # affects subprocesses, e.g. data workers
    random.seed(seed)
    np.random.seed(seed)

    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)  # seeds the CPU and every CUDA device
        if deterministic:
            # = use_deterministic_algorithms(True, warn_only=True), without its import of
            # torch._inductor (2-3 s) to configure torch.compile, which the course never uses
            torch.set_deterministic_debug_mode("warn")

    if "tensorflow" in sys.modules or "keras" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)  # python, numpy and the backend's generator
        if deterministic and "tensorflow" in sys.modules:
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()
    return seed


def rng(seed: int = DEFAULT_SEED) -> np.random.Generator:
    """A fresh NumPy ``Generator``: prefer passing one around to using global state."""
    return np.random.default_rng(seed)
