import random

import numpy as np
import pytest

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


# torch, TensorFlow and Keras seeded alike in a fresh interpreter and in the test process:
# tests/test_framework_order.py (its PyTorch-first child).
