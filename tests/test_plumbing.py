"""Teaching plumbing: quiet framework imports, temporary modes, timing."""
from __future__ import annotations

import os
import re

import pytest

from conftest import run_python
from course_utils import modes, timing
from course_utils.frameworks import triton_installed

LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]|absl::InitializeLog", re.M)
TF_FIRST_OP = "tf = mods['tensorflow']; print(float(tf.reduce_sum(tf.ones(3))))"


@pytest.mark.slow
def test_plain_tensorflow_import_writes_log_lines_to_stderr():
    # the control: without the helper, TensorFlow's C++ start-up lines reach descriptor 2
    # (PyTorch first only where triton makes the other order crash; without it, TensorFlow alone)
    first = "import torch, torchvision\n" if triton_installed() else ""
    r = run_python(first + "import tensorflow as tf\ntf.config.list_physical_devices()\n",
                   env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert LOG_LINE.search(r.stderr), "expected TensorFlow's start-up log lines; the control no longer shows them"


def test_import_frameworks_keeps_tensorflow_start_up_lines_out_of_the_output():
    r = run_python("from course_utils.frameworks import import_frameworks\n"
                   "mods = import_frameworks('tensorflow')\n" + TF_FIRST_OP + "\n"
                   "import sys; print('still-writable', file=sys.stderr)\n",
                   env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "3.0"
    assert not LOG_LINE.search(r.stderr), r.stderr[:500]
    assert r.stderr.strip() == "still-writable"  # descriptor 2 is restored afterwards


def test_modes_set_restores_the_learners_value(clean_modes):
    clean_modes.setenv("COURSE_OFFLINE", "0")
    with modes.modes_set(offline=True, fast=True):
        assert modes.offline_mode() and modes.fast_mode()
    assert os.environ["COURSE_OFFLINE"] == "0" and "COURSE_FAST" not in os.environ


def test_modes_set_restores_even_after_an_error(clean_modes):
    with pytest.raises(KeyError):
        with modes.modes_set(offline=True):
            raise KeyError("boom")
    assert "COURSE_OFFLINE" not in os.environ


def test_modes_set_rejects_unknown_flags():
    with pytest.raises(ValueError, match="modes_set takes"):
        with modes.modes_set(ofline=True):
            pass


def test_time_calls_reports_median_and_spread():
    calls = []
    t = timing.time_calls(lambda: calls.append(1), repeat=5, number=3, warmup=2)
    assert len(calls) == 2 + 5 * 3 and len(t.times) == 5
    assert t.best <= t.median <= t.worst
    assert "repeats" in str(t)
    with pytest.raises(ValueError, match="repeat and number must be >= 1"):
        timing.time_calls(lambda: None, repeat=0)
