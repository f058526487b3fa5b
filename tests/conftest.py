"""Shared test helpers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `make test` runs two pytest-xdist workers on two cores. With a thread pool per core in each
# worker (PyTorch, TensorFlow, OpenMP), threads wait for each other on cores the other worker
# needs: a PyTorch training test took 54 s of CPU beside the other worker and 26 s alone. So
# each worker, and every process it starts (notebook kernels, child processes), gets one
# thread per pool. Set before any framework is imported; a value already set is kept.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(_name, "1")


def run_python(code: str, *, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this environment (imports start from zero)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=ROOT)


@pytest.fixture
def clean_modes(monkeypatch):
    """Unset every course mode variable for the duration of a test."""
    for name in ("COURSE_FAST", "COURSE_OFFLINE", "COURSE_DATA_DIR", "COURSE_CHECKS_RAISE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def assert_no_torch_objects(result) -> None:
    """What a TensorFlow kernel gets back from a PyTorch child must unpickle without PyTorch: a
    pickled tensor names its module ("torch._utils") as a string; a label like "torch eager" is fine."""
    import pickle
    import pickletools

    strings = {arg for _, arg, _ in pickletools.genops(pickle.dumps(result)) if isinstance(arg, str)}
    assert not any(s == "torch" or s.startswith("torch.") for s in strings), sorted(strings)[:20]


@pytest.fixture
def sensitive(request):
    """``sensitive(name, value)``: note a value that a floor is checked against, and return it.
    Under ``make portability`` (tests/portability.py) the values of every emulated machine are
    collected and their spread printed; elsewhere this only returns the value."""
    log = os.environ.get("COURSE_SENSITIVE_LOG")

    def record(name: str, value: float) -> float:
        if log:
            with open(log, "a") as f:
                f.write(json.dumps({"test": request.node.nodeid, "name": name, "value": float(value)}) + "\n")
        return value
    return record


@pytest.fixture(scope="session")
def frameworks():
    """``(torch, keras)``, imported once per test session in the safe order (torch first)."""
    from course_utils.frameworks import import_frameworks

    mods = import_frameworks("torch", "tensorflow")
    import keras

    return mods["torch"], keras


# CPU seconds of the heaviest scopes (modules, notebooks) under `make test`, measured on the 2-core
# machine (2026-11-29, fast mode, one thread per pool in each worker, lesson 08 included). Used only
# to order the work: a stale or missing entry costs balance between the two workers, never correctness. Scopes not listed are guessed by kind (below).
MEASURED_CPU_SECONDS = {
    "notebooks/07_transfer_learning.ipynb": 84, "notebooks/08_deployment.ipynb": 62,
    "tests/test_augment_experiment.py": 58, "tests/test_transfer_weights.py": 55, "tests/test_browser.py": 51,
    "tests/test_site.py": 52,  # builds the site and a deck, opens 36 pages (measured alone, 2026-12-06)
    "tests/test_grading.py": 360,  # nbgrader autogrades 9 notebooks x 3 students, one class each (187 s wall, 2 workers)
    "tests/test_web.py": 30,  # trains a classifier for 4 s, builds the game page, 6 browser checks (measured alone)
    "tests/test_camera_lab.py": 40,  # make lab, 4 notebook runs of the camera widget in Chromium (27 s wall alone)
    "notebooks/05_mobilenet_v2.ipynb": 52, "tests/test_transfer_torch.py": 46,
    "tests/test_layer_times.py": 20,  # a torch child process and two Keras MobileNet v2 builds (measured alone)
    "notebooks/02_viola_jones.ipynb": 42, "notebooks/01_hog_svm.ipynb": 41, "tests/test_mobilenet_v2.py": 40,
    "notebooks/06_augmentation.ipynb": 38, "tests/test_framework_order.py": 34, "tests/test_exercises.py": 33,
    "solutions/07_transfer_learning_exercises.ipynb": 33, "notebooks/04_mobilenet_v1.ipynb": 29,
    "tests/test_deploy_export.py": 25, "notebooks/03_conv_cost.ipynb": 24,
    "solutions/08_deployment_exercises.ipynb": 23, "tests/test_cost_keras.py": 23, "tests/test_augment.py": 21,
    "exercises/07_transfer_learning_exercises.ipynb": 21, "solutions/06_augmentation_exercises.ipynb": 19,
    "tests/test_cost.py": 18, "tests/test_detect.py": 18, "exercises/08_deployment_exercises.ipynb": 15,
    "tests/test_mobilenet_v1.py": 14, "tests/test_transfer_training.py": 14,
    "solutions/04_mobilenet_v1_exercises.ipynb": 12, "exercises/04_mobilenet_v1_exercises.ipynb": 12,
    "exercises/06_augmentation_exercises.ipynb": 11, "tests/test_layout.py": 10,
    # issue 26's probe tests, measured alone (user CPU s, fast mode)
    "tests/test_probes_05_08_writers.py": 21, "tests/test_probes_05_08_deploy.py": 17,
    "tests/test_probes_05_08_transfer.py": 14, "tests/test_probes_05_08_models.py": 14,
    "tests/test_probes_05_08_augment.py": 9,
}


def _scope_cost(nodeid: str, slow_scopes: set[str]) -> float:
    """Measured CPU seconds of the scope, else a guess by kind: a lecture or solution notebook
    or a module with a slow test 30, an exercise notebook 8, a module of quick unit tests 1."""
    scope = nodeid.split("::")[0]
    if scope in MEASURED_CPU_SECONDS:
        return MEASURED_CPU_SECONDS[scope]
    if scope.endswith(".ipynb"):
        return 8 if scope.startswith("exercises/") else 30
    return 30 if scope in slow_scopes else 1


def pytest_collection_modifyitems(config, items):
    # make test runs two pytest-xdist workers that take whole modules or notebooks (--dist loadscope
    # --no-loadscope-reorder) in this order: longest first (the LPT rule), so the many quick unit
    # tests fill the gaps at the end and neither worker idles while the other finishes a long scope.
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: -_scope_cost(item.nodeid, slow))  # stable: order within a scope kept
