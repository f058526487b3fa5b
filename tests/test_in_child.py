"""One framework per kernel: `in_child` runs the other framework's part in a fresh process,
`source_of` shows code without importing it, and the plain-data helpers they carry
(`profile_builds`, `weights_as_arrays` + `outputs_with_keras_weights`, `time_networks`)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from conftest import run_python
from course_utils import in_child, source_of


def _fresh_stdout(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (which must exit cleanly)."""
    r = run_python(code)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_in_child_returns_the_result_and_leaves_the_module_out_of_this_process():
    out = _fresh_stdout("import sys\nfrom course_utils import in_child\nif __name__ == '__main__':\n"
                        "    print(in_child('colorsys:rgb_to_hsv', 0.0, 0.0, 1.0), 'colorsys' in sys.modules)\n")
    assert out.split() == ["(0.6666666666666666,", "1.0,", "1.0)", "False"]


def test_in_child_passes_arrays_and_keyword_arguments():
    got = in_child("numpy:clip", np.arange(6.0), a_min=1.0, a_max=3.0)
    assert got.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_in_child_raises_the_childs_error_with_its_traceback():
    with pytest.raises(RuntimeError, match=r"math:sqrt failed in its child process:\nValueError: math domain error"):
        in_child("math:sqrt", -1.0)


def test_in_child_stops_a_child_that_overruns_its_deadline():
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="did not finish within 2 s"):
        in_child("time:sleep", 60, timeout=2)
    assert time.monotonic() - start < 15  # killed, not waited for


def test_in_child_reports_a_child_that_dies():
    with pytest.raises(RuntimeError, match=r"died \(exit code 3\) before it answered"):
        in_child("os:_exit", 3)


@pytest.mark.parametrize("target", ["math.sqrt", "math:", ":sqrt", "math:not an identifier"])
def test_in_child_rejects_a_malformed_target(target):
    with pytest.raises(ValueError, match="package.module:function"):
        in_child(target)


def test_in_child_rejects_a_missing_module_and_unknown_frameworks():
    with pytest.raises(ValueError, match="no module 'no_such_module_xyz'"):
        in_child("no_such_module_xyz:f")
    with pytest.raises(ValueError, match="frameworks must be a tuple"):
        in_child("math:sqrt", 4.0, frameworks=("jax",))
    with pytest.raises(ValueError, match="frameworks must be a tuple"):
        in_child("math:sqrt", 4.0, frameworks="torch")


def test_source_of_reads_a_definition_without_importing_its_module():
    out = _fresh_stdout("import sys\nfrom course_utils import source_of\n"
                        "text = source_of('course_utils.models.torch_models', 'DepthwiseSeparable')\n"
                        "print(text.splitlines()[0]); print('torch' in sys.modules)\n")
    assert out.splitlines() == ["class DepthwiseSeparable(nn.Sequential):", "False"]


def test_source_of_equals_inspect_and_rejects_unknown_names():
    import inspect

    from course_utils.cost import latency

    assert source_of("course_utils.cost.latency", "torch_runner") == inspect.getsource(latency.torch_runner)
    with pytest.raises(ValueError, match="defines no function or class named 'nope'"):
        source_of("course_utils.cost.latency", "nope")
    with pytest.raises(ValueError, match="expected an importable Python module"):
        source_of("no_such_module_xyz", "f")


def test_profile_builds_equals_profiling_the_built_models(frameworks):
    from course_utils import cost
    from course_utils.models import keras_models, torch_models

    [k_table] = cost.profile_builds("keras_models", [("mobilenet_v1", (0.25,), {"input_shape": (96, 96, 3)}, None)])
    [t_table] = cost.profile_builds("torch_models", [("mobilenet_v1", (0.25,), {}, (3, 96, 96))])
    assert k_table.macs == cost.count_macs(keras_models.mobilenet_v1(0.25, input_shape=(96, 96, 3)))
    assert t_table.params("total") == cost.count_params(torch_models.mobilenet_v1(0.25), "total")
    assert cost.compare_tables(k_table, t_table) == []
    with pytest.raises(ValueError, match="'keras_models' or 'torch_models'"):
        cost.profile_builds("models", [])
    with pytest.raises(ValueError, match="has no builder 'nope'"):
        cost.profile_builds("torch_models", [("nope", (), {}, None)])
    with pytest.raises(ValueError, match=r"\(builder, args, kwargs, input_shape\)"):
        cost.profile_builds("torch_models", [("mobilenet_v1", (0.25,))])


def test_torch_port_gets_keras_weights_as_plain_arrays(frameworks):
    import pickle

    from course_utils.models import keras_models, torch_models

    ref = keras_models.mobilenet_v1(0.25, input_shape=(64, 64, 3), classifier_activation=None)
    keras_models.randomize_batchnorm(ref, seed=1)
    weights = pickle.loads(pickle.dumps(keras_models.weights_as_arrays(ref)))  # what travels to a child
    images = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    expected = np.asarray(ref(images, training=False))
    same, shifted = torch_models.outputs_with_keras_weights("mobilenet_v1", weights, images, (0.25,),
                                                            ({}, {"tf_padding": False}))
    scale = np.abs(expected).max()
    same_error, shifted_error = (np.abs(out - expected).max() / scale for out in (same, shifted))
    assert same_error < 1e-5
    assert shifted_error > 100 * same_error  # symmetric padding shifts the grid: more than rounding
    with pytest.raises(ValueError, match="NHWC images"):
        torch_models.outputs_with_keras_weights("mobilenet_v1", weights, images[0], (0.25,))
    with pytest.raises(ValueError, match="builder must be one of"):
        torch_models.outputs_with_keras_weights("vgg16", weights, images)
    with pytest.raises(ValueError, match="layers with weights"):
        torch_models.load_keras_weights(torch_models.mobilenet_v1(0.25), weights[:-1])


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_time_networks_times_each_model_and_batch(frameworks, framework):
    from course_utils.cost import latency

    got = latency.time_networks(framework, {"v1": ("mobilenet_v1", (0.25,))}, batches=(1, 2), repeat=2)
    assert sorted(got) == [("v1", 1), ("v1", 2)]
    assert all(len(t.times) == 2 and t.best > 0 for t in got.values())
    with pytest.raises(ValueError, match="framework must be"):
        latency.time_networks("jax", {})
    with pytest.raises(ValueError, match="repeat and every batch"):
        latency.time_networks(framework, {}, batches=(0,))


def test_release_memory_hands_freed_pages_back():
    # 400 MB of malloc'd blocks, every 20th kept so the free pages sit between live ones: only
    # malloc_trim returns them (measured: 364 MB); without it the process keeps them all
    code = """
from course_utils.frameworks import release_memory
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) * 1024
blocks = [bytes(4000) for _ in range(100_000)]
keep = blocks[::20]
del blocks
before = rss()
release_memory()
print(before - rss())
"""
    out = run_python(code, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 200 * 2**20, out.stdout
