"""The Colab route: the package built as a wheel and installed outside the checkout works.

Everything read at run time (the dataset registry, the course map) must ship inside the
package. The wheel goes into a fresh virtual environment that reuses the project's installed
dependencies (a path entry to their site-packages, which does not activate the checkout's
editable install), and runs from a temporary directory, far from the checkout.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # build from a copy, so no build/ or egg-info lands in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "course_utils", src / "course_utils",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(src)])
    wheel = next(dist.glob("small_and_fast-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)])
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run_installed(python: Path, code: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(COURSE_OFFLINE="1", COURSE_DATA_DIR=str(tmp_path / "data"))
    return run([str(python), "-c", code], cwd=tmp_path, env=env).stdout


def test_the_wheel_contains_the_registry(installed_python, tmp_path):
    out = run_installed(installed_python, "import course_utils, pathlib\n"
                        "print(pathlib.Path(course_utils.__file__).resolve())", tmp_path)
    location = Path(out.strip())
    assert ROOT not in location.parents, f"imported the checkout, not the wheel: {location}"
    assert (location.parent / "data" / "registry.json").is_file()


def test_installed_package_lists_registry_syllabus_and_fails_offline_clearly(installed_python, tmp_path):
    code = """
from course_utils import syllabus
from course_utils.data import download
print("registry:", sorted(download.load_registry()))
print("ready:", [l.number for l in syllabus.SYLLABUS if l.available])
print("map links 04:", "(../notebooks/04_mobilenet_v1.ipynb)" in syllabus.course_map_markdown())
try:
    download.fetch("rps")
except download.DownloadError as err:
    print("offline error:", str(err).splitlines()[0])
"""
    out = run_installed(installed_python, code, tmp_path)
    assert "'rps'" in out.splitlines()[0]
    from course_utils.syllabus import SYLLABUS

    assert f"ready: {[lesson.number for lesson in SYLLABUS if lesson.ready]}" in out
    assert "map links 04: True" in out
    assert "offline error:" in out and "COURSE_OFFLINE" in out
