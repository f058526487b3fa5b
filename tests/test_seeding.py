import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
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
from course_utils.seeding import seed_everything
mods = import_frameworks("torch", "tensorflow", seed=3)
torch, tf = mods["torch"], mods["tensorflow"]
import keras

def draws():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    return [torch.rand(3).tolist(), tf.random.uniform((3,)).numpy().tolist(),
            layer.kernel.numpy().ravel()[:3].tolist(), torch.nn.Linear(4, 3).weight.ravel()[:3].tolist()]

first = draws()
seed_everything(4)
other = draws()
seed_everything(3)
result = [first, other, draws()]
"""


@pytest.mark.slow
def test_frameworks_seeded_identically_across_processes(frameworks):
    # The same code in a fresh interpreter and in this test process (which has run other tests
    # before): the same seed gives the same draws in both, and again after re-seeding in one
    # process; a different seed gives different draws.
    child = subprocess.run([sys.executable, "-c", FRAMEWORK_DRAWS + "import json; print(json.dumps(result))"],
                           capture_output=True, text=True, cwd=ROOT, timeout=300,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.returncode == 0, child.stderr[-2000:]
    a_first, a_other, a_again = json.loads(child.stdout.strip().splitlines()[-1])
    here: dict = {}
    exec(FRAMEWORK_DRAWS, here)  # noqa: S102 - the very same code, in this process
    b_first = here["result"][0]
    assert a_first == b_first, "same seed must give the same torch, TF and Keras draws in two processes"
    assert a_again == a_first, "re-seeding with the same seed must repeat the draws"
    assert a_other != a_first, "a different seed must give different draws"
