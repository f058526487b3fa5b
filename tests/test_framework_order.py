"""Fresh interpreters: TensorFlow and PyTorch in one process in either order, quiet, seeded.

With `triton` installed, importing TensorFlow before torchvision (or before a torch
optimizer step) segfaults the interpreter (exit 139). `make install` removes triton; these
tests run both orders in fresh interpreters, each training a step in both frameworks.
Each child also checks one more thing that needs a fresh interpreter, so the suite starts
TensorFlow twice here instead of five times:

* TensorFlow first, by plain imports: TensorFlow's C++ start-up lines reach descriptor 2
  (the control for the next check);
* PyTorch first, through ``import_frameworks``: none of those lines, descriptor 2 restored
  afterwards, and seeded draws equal to the same code's draws in this test process.
"""
import importlib.util
import json
import re

import pytest

from conftest import run_python

LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]|absl::InitializeLog", re.M)
KERAS_STEP = """
import numpy as np, keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
model.compile(optimizer="sgd", loss="mse")
history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), epochs=1, verbose=0)
print("keras loss", history.history["loss"][0])
"""
TORCH_STEP = """
import torch, torchvision
net = torchvision.models.mobilenet_v2(num_classes=3, width_mult=0.25)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
loss = torch.nn.functional.cross_entropy(net(torch.ones(2, 3, 32, 32)), torch.tensor([0, 1]))
loss.backward(); opt.step()
print("torch loss", float(loss))
"""
PLAIN_TF_FIRST = "import tensorflow as tf\ntf.config.list_physical_devices()\nimport torch, torchvision\n"
# the course's way: torch first, TensorFlow quietly, every framework seeded (a learner's lesson start)
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
# after the import and the draws: descriptor 2 must work again (the training steps that follow
# may log, e.g. Keras' input pipeline's "NodeDef mentions attribute" line: not start-up lines)
PRINT_DRAWS = ("import gc, json, sys; print('draws', json.dumps(result)); print('frozen', gc.get_freeze_count())\n"
               "print('still-writable', file=sys.stderr)\n")


def test_triton_is_not_installed():
    assert importlib.util.find_spec("triton") is None, (
        "triton is installed: TensorFlow imported before torchvision will segfault. "
        "Run `make install` (it removes triton).")


@pytest.mark.slow
def test_tensorflow_first_trains_both_and_logs_its_start_up_lines():
    r = run_python(PLAIN_TF_FIRST + KERAS_STEP + TORCH_STEP, env={"TF_CPP_MIN_LOG_LEVEL": "0"}, timeout=240)
    assert r.returncode == 0, f"exit {r.returncode} (139 = segfault): {r.stderr[-2000:]}"
    assert "keras loss" in r.stdout and "torch loss" in r.stdout
    # the control: without import_frameworks, TensorFlow's C++ start-up lines reach descriptor 2
    assert LOG_LINE.search(r.stderr), "expected TensorFlow's start-up log lines; the control no longer shows them"


@pytest.mark.slow
def test_torch_first_trains_both_quietly_and_seeds_draws_like_this_process(frameworks):
    r = run_python(FRAMEWORK_DRAWS + PRINT_DRAWS + TORCH_STEP + KERAS_STEP,
                   env={"TF_CPP_MIN_LOG_LEVEL": "0"}, timeout=240)
    assert r.returncode == 0, f"exit {r.returncode} (139 = segfault): {r.stderr[-2000:]}"
    assert "keras loss" in r.stdout and "torch loss" in r.stdout
    start_up = r.stderr.partition("still-writable")[0]
    assert "still-writable" in r.stderr, r.stderr[-2000:]  # descriptor 2 is restored after the quiet import
    assert start_up.strip() == "" and not LOG_LINE.search(start_up), start_up[:500]
    # the frameworks' objects (~0.7 million) are frozen: full garbage collections skip them
    assert int(r.stdout.split("frozen ", 1)[1].split()[0]) > 300_000, r.stdout[-500:]
    # the same seed gives the same torch, TF and Keras draws in a fresh interpreter and in this
    # test process (which has run other tests before); re-seeding repeats them; another seed differs
    a_first, a_other, a_again = json.loads(r.stdout.split("draws ", 1)[1].splitlines()[0])
    here: dict = {}
    exec(FRAMEWORK_DRAWS, here)  # noqa: S102 - the very same code, in this process
    assert a_first == here["result"][0], "same seed must give the same draws in two processes"
    assert a_again == a_first, "re-seeding with the same seed must repeat the draws"
    assert a_other != a_first, "a different seed must give different draws"
