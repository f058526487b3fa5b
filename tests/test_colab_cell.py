"""The Colab cell: every notebook opens with it, and it installs the course only on Colab.

The cell (``course_utils.notebook.COLAB_CELL``) is run by a real IPython shell in a child
process, with the ``%pip`` magic replaced by one that records its argument, so nothing is
installed: on "Colab" (its environment variable set) without the package it must call pip
once with the course's URL; with the package, or off Colab, it must do nothing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from course_utils.notebook import COLAB_CELL, COURSE_URL

DIRS = ("notebooks", "solutions", "exercises")
NOTEBOOKS = sorted(p for d in DIRS for p in (ROOT / d).glob("*.ipynb"))

RUNNER = r"""
import importlib.util, json, sys
from IPython.core.interactiveshell import InteractiveShell

calls = []
real_find_spec = importlib.util.find_spec
def find_spec(name, *args, **kwargs):  # the package is "missing" when the test says so
    if name == "course_utils" and MISSING:
        return None
    return real_find_spec(name, *args, **kwargs)
importlib.util.find_spec = find_spec

shell = InteractiveShell.instance()
shell.register_magic_function(lambda line: calls.append(line), "line", "pip")
result = shell.run_cell(sys.stdin.read())
print(json.dumps({"ok": result.success, "pip": calls}))
"""


def run_cell(environ: dict[str, str], missing: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLAB_", "BINDER_"))}
    env.update(environ)
    code = f"MISSING = {missing}\n" + RUNNER
    out = subprocess.run([sys.executable, "-c", code], input=COLAB_CELL, env=env, text=True,
                         capture_output=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("variable", ["COLAB_RELEASE_TAG", "COLAB_GPU"])
def test_on_colab_without_the_package_it_installs_the_course_once(variable):
    result = run_cell({variable: "release-colab_20260101-060000_RC00"}, missing=True)
    assert result["ok"]
    assert len(result["pip"]) == 1
    assert f"git+{COURSE_URL}" in result["pip"][0] and "small-and-fast @" in result["pip"][0]


@pytest.mark.parametrize("environ, missing", [
    ({"COLAB_RELEASE_TAG": "release-colab_20260101-060000_RC00"}, False),  # installed earlier
    ({}, True),                                                               # a laptop without it
    ({"BINDER_LAUNCH_HOST": "https://mybinder.org/"}, False),                 # Binder
])
def test_elsewhere_or_when_installed_it_does_nothing(environ, missing):
    assert run_cell(environ, missing) == {"ok": True, "pip": []}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_opens_with_the_colab_cell(path):
    cells = json.loads(path.read_text())["cells"]
    first = next(c for c in cells if c["cell_type"] == "code")
    assert "".join(first["source"]) == COLAB_CELL
    assert first["outputs"] == [], "off Colab the cell prints nothing"
