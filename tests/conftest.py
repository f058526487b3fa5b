"""Shared test helpers."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="session")
def frameworks():
    """``(torch, keras)``, imported once per test session in the safe order (torch first)."""
    from course_utils.frameworks import import_frameworks

    mods = import_frameworks("torch", "tensorflow")
    import keras

    return mods["torch"], keras


def _scope_rank(nodeid: str, slow_scopes: set[str]) -> int:
    """Longest work first: lecture and solution notebooks, then modules with a slow test,
    then exercise notebooks, then the many quick unit tests that fill the gaps at the end."""
    scope = nodeid.split("::")[0]
    if scope.endswith(".ipynb"):
        return 2 if scope.startswith("exercises/") else 0
    return 1 if scope in slow_scopes else 3


def pytest_collection_modifyitems(config, items):
    # make test runs two pytest-xdist workers that take whole modules or notebooks (--dist loadscope
    # --no-loadscope-reorder) in this order: scheduling the long ones first keeps one worker from
    # idling while the other finishes a long module that happened to come last.
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: _scope_rank(item.nodeid, slow))  # stable: order within a scope kept
