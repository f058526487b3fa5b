"""TensorFlow and PyTorch in one process, imported in either order, each training a step.

With `triton` installed, importing TensorFlow before torchvision (or before a torch
optimizer step) segfaults the interpreter (exit 139). `make install` removes triton; these
tests run the learner's plain imports, in both orders, in fresh interpreters.
"""
import importlib.util

import pytest

from conftest import run_python

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
IMPORT_TF = "import tensorflow as tf\n"
IMPORT_TORCH = "import torch, torchvision\n"


def test_triton_is_not_installed():
    assert importlib.util.find_spec("triton") is None, (
        "triton is installed: TensorFlow imported before torchvision will segfault. "
        "Run `make install` (it removes triton).")


@pytest.mark.slow
@pytest.mark.parametrize("order", ["tensorflow-first", "torch-first"])
def test_both_frameworks_train_in_one_process(order):
    if order == "tensorflow-first":
        code = IMPORT_TF + IMPORT_TORCH + KERAS_STEP + TORCH_STEP
    else:
        code = IMPORT_TORCH + IMPORT_TF + TORCH_STEP + KERAS_STEP
    r = run_python(code, timeout=240)
    assert r.returncode == 0, f"exit {r.returncode} (139 = segfault): {r.stderr[-2000:]}"
    assert "keras loss" in r.stdout and "torch loss" in r.stdout
