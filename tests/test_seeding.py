import random

import numpy as np
import pytest

from conftest import run_python
from course_utils.seeding import seed_everything


def test_python_and_numpy_repeat():
    seed_everything(7)
    first = (random.random(), np.random.rand(3).tolist())
    seed_everything(7)
    assert (random.random(), np.random.rand(3).tolist()) == first
    seed_everything(8)
    assert random.random() != first[0]


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_seed(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(bad)


FRAMEWORK_DRAWS = """
from course_utils.frameworks import import_frameworks
mods = import_frameworks("torch", "tensorflow", seed={seed})
torch, tf = mods["torch"], mods["tensorflow"]
import keras
layer = keras.layers.Dense(3)
layer.build((None, 4))
print(torch.rand(3).tolist(), tf.random.uniform((3,)).numpy().tolist(),
      layer.kernel.numpy().ravel()[:3].tolist(), torch.nn.Linear(4, 3).weight.ravel()[:3].tolist())
"""


@pytest.mark.slow
def test_frameworks_seeded_identically_across_processes():
    runs = [run_python(FRAMEWORK_DRAWS.format(seed=s)) for s in (3, 3, 4)]
    for r in runs:
        assert r.returncode == 0, r.stderr[-2000:]
    outs = [r.stdout.strip().splitlines()[-1] for r in runs]
    assert outs[0] == outs[1], "same seed must give the same torch, TF and Keras draws"
    assert outs[0] != outs[2], "a different seed must give different draws"
