"""Probes C27-C35 and M04-M12 of ../shared/reviews/probes-05-08.md: the roofline's and the
deployment measurements' bad inputs get the course's own message (tests/PROBES_05_08.md)."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.cost import roofline
from course_utils.deploy import measure


@pytest.mark.parametrize("call, match", [
    pytest.param(lambda: roofline.attainable(["a"], 100, 10), "intensity must be numbers", id="C27"),
    pytest.param(lambda: roofline.attainable([], 100, 10), "at least one intensity", id="C29"),
    pytest.param(lambda: roofline.Roofline.from_speeds(10, {"a": float("inf")}), "finite", id="C30"),
    pytest.param(lambda: roofline.Roofline.from_speeds(float("nan"), {"a": 1.0}), "bandwidth", id="C30b"),
    pytest.param(lambda: roofline.parse_cpuinfo("processor: 0\ncpu MHz: fast\n"), "cpu MHz", id="C31"),
    pytest.param(lambda: roofline.matmul_speed(n=2.5, repeat=1), "whole numbers", id="C33"),
    pytest.param(lambda: roofline.measure_bandwidth(megabytes=1.5, repeat=1), "whole numbers", id="C35"),
    pytest.param(lambda: measure.batch1_latency(lambda x: x, np.float32(1.0)), "batch axis of 1", id="M04"),
    pytest.param(lambda: measure.gflops(1000, 0), "ms must be a finite time > 0", id="M05"),
    pytest.param(lambda: measure.accuracy(np.zeros((0, 3)), np.zeros(0)), "at least one row", id="M07"),
    pytest.param(lambda: measure.softmax(np.array([1.0, 2.0])), r"\(N, classes\)", id="M08"),
    pytest.param(lambda: measure.Measurement("x", "float32", 1.0, measure.Latency((1.0,)), 10, peak_gflops=0), "peak_gflops", id="M12"),
])
def test_roofline_and_measure_refuse_with_the_courses_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_the_valid_neighbours_of_those_probes_still_work():
    assert roofline.attainable([1.0, 2], 100, 10).tolist() == [10.0, 20.0]
    assert measure.gflops(1000, 1e-3) == pytest.approx(2.0)
    assert measure.softmax(np.array([[0.0, 0.0]])).tolist() == [[0.5, 0.5]]
    assert measure.batch1_latency(lambda x: x, np.zeros((1, 2)), repeat=2, warmup=0).median >= 0
