"""Teaching plumbing: quiet framework imports, temporary modes, timing."""
from __future__ import annotations

import os

import pytest

from course_utils import modes, timing

# TensorFlow's quiet import (and its control) are checked in fresh interpreters by
# tests/test_framework_order.py, which needs them anyway.


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
