"""`make lab` serves the course: start it headless on a free port, list the notebooks
through JupyterLab's REST API, check the learner's and the instructor's settings, shut it down."""
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT

TOKEN = "course-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def make_lab(*make_args: str):
    """``make lab`` on a free loopback port; yields a function that GETs a path as text."""
    port = free_port()
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN} "
            "--ServerApp.port_retries=0")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}", *make_args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "JUPYTER_NO_CONFIG": "1"})

    def get(path: str) -> str:
        sep = "&" if "?" in path else "?"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}{sep}token={TOKEN}", timeout=10) as resp:
            assert resp.status == 200
            return resp.read().decode()

    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                get("/api/status")
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"JupyterLab did not answer on port {port}")
        yield get
        shutdown = urllib.request.Request(f"http://127.0.0.1:{port}/api/shutdown?token={TOKEN}",
                                          method="POST", data=b"")
        urllib.request.urlopen(shutdown, timeout=10)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def page_config(html: str) -> dict:
    """The page configuration JupyterLab embeds in its page (what the front end loads)."""
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no jupyter-config-data in the lab page"
    return json.loads(match.group(1))


@pytest.mark.slow
def test_make_lab_serves_the_notebooks():
    with make_lab() as get:
        listing = json.loads(get("/api/contents/notebooks"))
        names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
        assert "00_welcome.ipynb" in names
        assert names == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        assert "JupyterLab" in get("/lab")


@pytest.mark.slow
@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_each_role_gets_its_settings(role):
    """Learners: nbgrader's lab extension disabled; both: no "official Jupyter news" prompt."""
    with make_lab(*(["INSTRUCTOR=1"] if role == "instructor" else [])) as get:
        config = page_config(get("/lab"))
        disabled = set(config["disabledExtensions"])   # a list (or a dict of True) of extension names
        assert "@jupyter/nbgrader" in {e["name"] for e in config["federated_extensions"]}, "nbgrader's lab extension is missing"
        assert ("@jupyter/nbgrader" in disabled) == (role == "learner"), disabled
        news = json.loads(get("/lab/api/settings/@jupyterlab/apputils-extension:notification"))
        defaults = {key: spec.get("default") for key, spec in news["schema"]["properties"].items()}   # overrides.json
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
