"""Binder, proven as far as a machine without Docker allows.

``repo2docker --no-build --debug`` picks a build pack and prints the Dockerfile Binder would
build, without a Docker daemon. We check that it is the conda build pack on environment.yml,
that apt.txt's packages and postBuild are in it, and we run postBuild the way repo2docker does:
as a non-root user, in an environment that user owns, with no network.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT

REPO2DOCKER = Path(sys.executable).parent / "repo2docker"
BINDER_UID = 1000  # mybinder.org runs the notebook user as uid 1000 ("jovyan")
NOBODY = 65534


def apt_packages() -> list[str]:
    lines = (ROOT / "apt.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def dockerfile() -> tuple[str, str]:
    """(log, Dockerfile) of repo2docker on this checkout, as Binder's uid 1000 user."""
    proc = subprocess.run([str(REPO2DOCKER), "--no-build", "--debug", "--user-id", str(BINDER_UID),
                           "--user-name", "jovyan", str(ROOT)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stderr, proc.stdout[proc.stdout.index("FROM "):]


def test_repo2docker_picks_the_conda_build_pack(dockerfile):
    log, docker = dockerfile
    assert "Building conda environment for python=3.11" in log  # CondaBuildPack's own message
    assert 'env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"' in docker
    # the notebook user owns the checkout, so postBuild's editable install can write into it
    assert f"COPY --chown={BINDER_UID}:{BINDER_UID} src/ ${{REPO_DIR}}/" in docker


def test_dockerfile_installs_apt_txt_then_runs_post_build_as_the_user(dockerfile):
    _, docker = dockerfile
    packages = apt_packages()
    assert packages == ["libgl1", "libglib2.0-0"]
    install = next(line for line in docker.splitlines() if "apt-get install" in line and packages[0] in line)
    assert install.split("--no-install-recommends")[1].split() == packages + ["&&", "\\"]
    tail = docker[docker.index("RUN ./postBuild") - 400:docker.index("RUN ./postBuild")]
    assert "USER ${NB_USER}" in tail and "USER root" not in tail.split("USER ${NB_USER}")[-1]


def test_post_build_works_as_a_non_root_user():
    """postBuild as repo2docker runs it: a non-root user, in its own environment, offline.

    The user owns a copy of the package and a fresh virtual environment holding copies of this
    environment's pip, setuptools and numpy (so nothing needs the network).
    """
    uid = NOBODY if os.geteuid() == 0 else os.geteuid()
    python = _python_for(uid)
    home = Path(tempfile.mkdtemp(prefix="course-postbuild-"))
    try:
        repo, env = home / "repo", home / "env"
        for name in ("pyproject.toml", "README.md", "postBuild"):
            shutil.copy2(ROOT / name, repo / name if repo.exists() else _mkdir(repo) / name)
        shutil.copytree(ROOT / "course_utils", repo / "course_utils",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "lab", repo / "lab")   # the learner's JupyterLab settings postBuild installs
        subprocess.run([python, "-m", "venv", "--without-pip", str(env)], check=True)
        site = Path(subprocess.check_output(
            [str(env / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True).strip())
        # Copy what postBuild and `import course_utils` need (pip, setuptools, numpy) rather than
        # pointing a .pth at this environment: a checkout inside a 0700 folder (mktemp -d) is
        # unreadable to the unprivileged user.
        parent = Path(sysconfig.get_paths()["purelib"])
        for pattern in ("pip", "pip-*.dist-info", "setuptools", "setuptools-*.dist-info", "_distutils_hack",
                        "distutils-precedence.pth", "numpy", "numpy.libs", "numpy-*.dist-info"):
            for item in parent.glob(pattern):
                copy = shutil.copytree if item.is_dir() else shutil.copy2
                copy(item, site / item.name)
        (env / "bin/pip").write_text('#!/bin/sh\nexec "$(dirname "$0")/python" -m pip "$@"\n')
        (env / "bin/pip").chmod(0o755)
        if uid != os.geteuid():
            for path in [home, *home.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
        offline = {"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": str(home), "PIP_NO_INDEX": "1",
                   "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        run = subprocess.run(["./postBuild"], cwd=repo, env=offline, capture_output=True, text=True,
                             timeout=120, user=uid, group=uid, extra_groups=[] if uid != os.geteuid() else None)
        assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
        where = subprocess.run([str(env / "bin/python"), "-c", "import course_utils; print(course_utils.__file__)"],
                               cwd=home, env=offline, capture_output=True, text=True, user=uid, group=uid)
        assert where.stdout.strip() == str(repo / "course_utils" / "__init__.py"), where.stderr[-1500:]
        settings = env / "share" / "jupyter" / "lab" / "settings"
        assert json.loads((settings / "page_config.json").read_text())["disabledExtensions"] == ["@jupyter/nbgrader"]
        assert json.loads((settings / "overrides.json").read_text()) == json.loads((ROOT / "lab/learner/overrides.json").read_text())
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _python_for(uid: int) -> str:
    """A Python 3.11 that ``uid`` may run: this one, or the system's when this one lives in a
    folder only root can enter (e.g. pyenv under /root)."""
    for candidate in (os.path.realpath(sys._base_executable), "/usr/local/bin/python3.11",
                      "/usr/bin/python3.11"):
        try:
            if candidate and subprocess.run([candidate, "-c", "pass"], user=uid, group=uid,
                                            capture_output=True).returncode == 0:
                return candidate
        except OSError:  # missing, or in a folder uid may not enter
            continue
    pytest.skip(f"no Python 3.11 that uid {uid} may run (this one: {sys._base_executable})")


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path
