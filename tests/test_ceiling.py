"""The honest ceiling behind every "% of peak": the vector unit of the core that runs it, the highest
clock the system reports, every engine's best matmul, and no share above 100 %."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.cost import ceiling as C
from course_utils.cost.roofline import measure_ceiling, parse_cpuinfo

AVX512 = {"sse2", "avx", "fma", "avx2", "avx512f"}
AVX2 = {"sse2", "avx", "fma", "avx2"}


@pytest.mark.parametrize("flags, vendor, family, model, machine, flops", [
    (AVX512, "GenuineIntel", 6, 0xCF, "x86_64", 64),   # Sapphire Rapids: two 512-bit FMA ports
    (AVX512, "AuthenticAMD", 0x19, 0x11, "x86_64", 32),  # Zen 4 (Genoa): double-pumped 256-bit units
    (AVX512, "AuthenticAMD", 0x1A, 0x02, "x86_64", 64),  # Zen 5 (Turin): full 512-bit datapath
    (AVX2, "AuthenticAMD", 0x17, 0x01, "x86_64", 16),    # Zen 1 (Naples): 256-bit ops as two 128-bit halves
    (AVX2, "AuthenticAMD", 0x17, 0x31, "x86_64", 32),    # Zen 2 (Rome)
    (AVX2, "AuthenticAMD", 0x19, 0x01, "x86_64", 32),    # Zen 3 (Milan): no AVX-512
    (AVX2, "GenuineIntel", 6, 0x55, "x86_64", 32),
    ({"sse2", "avx", "avx2"}, "", None, None, "x86_64", 16),   # avx2 without fma: no FMA pipes
    ({"sse2"}, "", None, None, "x86_64", 8),
    ({"fp", "asimd"}, "", None, None, "aarch64", 32),          # Apple M-series: 4 NEON FMA pipes
    (set(), "", None, None, "arm64", 32),
    (set(), "", None, None, "x86_64", 2),
])
def test_vector_unit_knows_the_core_that_runs_it(flags, vendor, family, model, machine, flops):
    assert C.vector_unit(flags, vendor, family, model, machine).flops_per_cycle == flops


def test_cpuinfo_gives_vendor_family_and_model_to_the_vector_unit():
    text = ("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
            "model name\t: AMD EPYC 9R14\ncpu MHz\t\t: 2600.000\nflags\t\t: sse2 avx fma avx2 avx512f\n")
    info = parse_cpuinfo(text)
    assert (info.vendor, info.family, info.model_number) == ("AuthenticAMD", 25, 17)
    assert info.flops_per_cycle == 32 and info.nominal_peak == pytest.approx(1 * 2.6 * 32)


def test_clock_is_the_highest_one_reported(tmp_path):
    for cpu, khz in (("cpu0", 3_700_000), ("cpu1", 3_500_000)):
        (tmp_path / cpu / "cpufreq").mkdir(parents=True)
        (tmp_path / cpu / "cpufreq" / "cpuinfo_max_freq").write_text(f"{khz}\n")
    assert C.clock_ghz(2100.0, "Intel Xeon", tmp_path) == pytest.approx(3.7)          # boost from cpufreq
    assert C.clock_ghz(2100.0, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.60GHz", tmp_path / "none") == pytest.approx(2.6)
    assert C.clock_ghz(2100.0, "", tmp_path / "none") == pytest.approx(2.1)
    assert C.clock_ghz(None, "", tmp_path / "none") is None


def test_ceiling_is_the_larger_of_nominal_and_every_engine_and_refuses_a_share_above_it():
    unit = C.vector_unit(AVX2, machine="x86_64")
    c = C.Ceiling(2, unit, 2.0, 128.0, {"numpy": (100.0, 110.0), "onnxruntime": (120.0, 140.0)})
    assert c.value == 140.0 and c.source.startswith("onnxruntime matmul")
    assert c.share(70.0) == 0.5 and c.share(140.0) == 1.0
    with pytest.raises(ValueError, match="above the ceiling"):
        c.share(140.5)
    slow = C.Ceiling(2, unit, 2.0, 128.0, {"numpy": (100.0, 110.0)})
    assert slow.value == 128.0 and slow.source == "nominal peak"
    assert "2 cores x 2.00 GHz x 32 FLOP/cycle" in str(slow)
    no_cpuinfo = C.Ceiling(1, unit, None, None, {"numpy": (50.0, 60.0)})
    assert no_cpuinfo.value == 60.0 and "no nominal peak" in str(no_cpuinfo)


def test_engine_matmuls_time_each_engine_and_check_their_arguments():
    out = C.engine_matmuls(("numpy", "onnxruntime"), n=64, threads=1, repeat=3)
    assert set(out) == {"numpy", "onnxruntime"}
    assert all(0 < median <= best for median, best in out.values())
    for bad in (dict(engines=("jax",)), dict(n=0), dict(threads=0)):
        with pytest.raises(ValueError, match="engines must be among"):
            C.engine_matmuls(**{"engines": ("numpy",), **bad})


def test_available_engines_are_installed_and_loaded_unless_asked():
    assert C.available_engines()[:1] == ("numpy",) and "onnxruntime" in C.available_engines()
    assert set(C.available_engines(load=True)) == set(C.ENGINES)   # the course installs all four


def test_a_measured_ceiling_bounds_every_engine_it_timed():
    c = measure_ceiling(1, ("numpy", "onnxruntime"), n=256, repeat=3)
    assert c.threads == 1 and set(c.matmuls) == {"numpy", "onnxruntime"}
    assert all(best <= c.value for _, best in c.matmuls.values())
    assert c.nominal is None or c.nominal == pytest.approx(c.clock_ghz * c.unit.flops_per_cycle)
    with pytest.raises(ValueError, match="threads"):
        measure_ceiling(0)


def test_onnx_matmul_is_a_real_matmul():
    session = C._onnx_matmul(8, 1)
    a, b = np.arange(64, dtype=np.float32).reshape(8, 8), np.eye(8, dtype=np.float32) * 2
    np.testing.assert_array_equal(session.run(["c"], {"a": a, "b": b})[0], a @ b)
