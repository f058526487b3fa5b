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


TORCH_ONLY = """
import sys, torch
from course_utils.seeding import seed_everything
seed_everything(0)
print(torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
      "torch._inductor" in sys.modules)
"""


def test_torch_gets_deterministic_kernels_without_importing_torch_compile():
    # A PyTorch-only lesson imports torch, not torchvision (which imports torch.compile's
    # machinery anyway); seeding must not add torch._inductor's 2-3 s to every lesson start.
    # Deterministic where possible; a warning, not an error, where no deterministic kernel exists.
    r = run_python(TORCH_ONLY, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["True", "True", "False"], r.stdout


# torch, TensorFlow and Keras seeded alike in a fresh interpreter and in the test process:
# tests/test_framework_order.py (its PyTorch-first child).
