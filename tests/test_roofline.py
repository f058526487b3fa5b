"""The honest roofline of notebook 03: min(peak, intensity x bandwidth), a ceiling no speed exceeds."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.cost import roofline
from course_utils.cost.latency import time_conv_layers
from course_utils.cost.roofline import Roofline, attainable, flops_per_cycle, parse_cpuinfo

CPU = """processor\t: {i}
model name\t: AMD EPYC
physical id\t: 0
core id\t\t: {core}
cpu MHz\t\t: {mhz}
flags\t\t: fpu sse sse2 avx fma avx2

"""


def cpuinfo(mhz=(2500.0, 2500.0), cores=(0, 1)):
    return "".join(CPU.format(i=i, core=c, mhz=m) for i, (c, m) in enumerate(zip(cores, mhz)))


def test_attainable_is_the_smaller_roof():
    # below the ridge (peak / bandwidth = 10 FLOP/byte) bandwidth limits, above it the peak
    assert attainable(2.0, peak=100.0, bandwidth=10.0) == 20.0
    assert attainable(10.0, peak=100.0, bandwidth=10.0) == 100.0
    assert attainable(50.0, peak=100.0, bandwidth=10.0) == 100.0
    np.testing.assert_allclose(attainable(np.array([0.5, 5, 500]), 100.0, 10.0), [5, 50, 100])


@pytest.mark.parametrize("args", [(0.0, 100.0, 10.0), (-1.0, 100.0, 10.0), (np.nan, 100.0, 10.0),
                                  (1.0, 0.0, 10.0), (1.0, 100.0, -5.0)])
def test_attainable_rejects_bad_input(args):
    with pytest.raises(ValueError, match="must be"):
        attainable(*args)


def test_flops_per_cycle_follows_the_widest_simd():
    assert flops_per_cycle({"sse2", "avx", "fma", "avx2", "avx512f"}) == 64
    assert flops_per_cycle({"sse2", "avx", "fma", "avx2"}) == 32
    assert flops_per_cycle({"sse2", "avx", "avx2"}) == 16       # avx2 without fma: no FMA pipes
    assert flops_per_cycle({"sse2"}) == 8
    assert flops_per_cycle(set()) == 2


def test_parse_cpuinfo_counts_physical_cores_and_the_nominal_peak():
    info = parse_cpuinfo(cpuinfo())
    assert (info.cores, info.mhz, info.model) == (2, 2500.0, "AMD EPYC")
    assert info.nominal_peak == pytest.approx(2 * 2.5 * 32)     # 160 GFLOP/s
    hyperthreads = parse_cpuinfo(cpuinfo(mhz=(2000.0, 3000.0), cores=(0, 0)))
    assert (hyperthreads.cores, hyperthreads.mhz) == (1, 2500.0)  # two threads of one core
    with pytest.raises(ValueError, match="cpu MHz"):
        parse_cpuinfo("processor : 0\nflags : sse2\n")


def test_read_cpuinfo_of_a_missing_file_is_none(tmp_path):
    assert roofline.read_cpuinfo(tmp_path / "nope") is None


def test_ceiling_is_the_fastest_speed_so_percentages_never_exceed_100():
    speeds = {"nominal peak": 156.0, "numpy matmul": 140.0, "tf standard b32": 171.0, "dw": 4.0}
    roof = Roofline.from_speeds(20.0, speeds)
    assert (roof.ceiling, roof.ceiling_from) == (171.0, "tf standard b32")
    assert roof.ridge == pytest.approx(171.0 / 20.0)
    assert [round(roof.percent(v), 1) for v in speeds.values()] == [91.2, 81.9, 100.0, 2.3]
    with pytest.raises(ValueError, match="build the Roofline from every measured speed"):
        roof.percent(172.0)
    assert roof.attainable(1.0) == 20.0


@pytest.mark.parametrize("bandwidth, speeds", [(20.0, {}), (20.0, {"x": 0.0}), (0.0, {"x": 1.0})])
def test_roofline_rejects_bad_input(bandwidth, speeds):
    with pytest.raises(ValueError, match="must be"):
        Roofline.from_speeds(bandwidth, speeds)


def test_bandwidth_and_matmul_measurements_have_a_spread():
    timings = roofline.measure_bandwidth(megabytes=8, repeat=3)
    assert set(timings) == {"copy", "scale"} and all(len(t.times) == 3 for t in timings.values())
    median, low, high = roofline.gb_per_s(timings["copy"], megabytes=8)
    assert 0 < low <= median <= high
    assert len(roofline.matmul_speed(64, repeat=2).times) == 2
    with pytest.raises(ValueError, match="megabytes"):
        roofline.measure_bandwidth(0)
    with pytest.raises(ValueError, match="framework"):
        roofline.matmul_speed(64, framework="jax")


def test_layer_timings_report_the_median_of_every_repeat():
    rows = time_conv_layers("torch", batch=1, size=4, c_in=8, c_out=8, repeat=3)
    assert [r.name for r in rows] == ["standard", "depthwise", "pointwise", "separable"]
    for r in rows:
        assert len(r.timing.times) == 3 and r.seconds == r.timing.median
    with pytest.raises(ValueError, match="repeat"):
        time_conv_layers("torch", repeat=0)


def test_last_level_cache_reads_the_highest_level(tmp_path):
    for name, level, size in (("index0", 1, "32K"), ("index2", 2, "512K"), ("index3", 3, "32768K")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "level").write_text(f"{level}\n")
        (tmp_path / name / "size").write_text(f"{size}\n")
    assert roofline.last_level_cache(tmp_path) == 32 * 2**20
    assert roofline.last_level_cache(tmp_path / "missing") is None


def test_roofline_from_a_ceiling_never_gives_a_share_above_100():
    from course_utils.cost.ceiling import Ceiling, vector_unit

    ceiling = Ceiling(2, vector_unit({"avx2", "fma"}, machine="x86_64"), 2.0, 128.0, {"numpy": (90.0, 100.0)})
    roof = Roofline.from_ceiling(20.0, ceiling)
    assert (roof.ceiling, roof.ceiling_from) == (128.0, "nominal peak")
    assert roof.percent_text(64.0) == "50%" and roof.percent_text(128.0) == "100%"
    assert roof.percent_text(130.0) == "above ceiling"   # e.g. a Winograd convolution, counted directly
    faster = Roofline.from_ceiling(20.0, Ceiling(2, ceiling.unit, 2.0, 128.0, {"torch": (120.0, 150.0)}))
    assert (faster.ceiling, faster.ceiling_from) == (150.0, "torch matmul")
