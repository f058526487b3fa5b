"""`make lab` serves the course: start it headless on a free port, list the notebooks
through JupyterLab's REST API, shut it down."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_notebooks():
    port, token = free_port(), "course-test-token"
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
            "--ServerApp.port_retries=0")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "JUPYTER_NO_CONFIG": "1"})
    url = f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}"
    try:
        listing, deadline = None, time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    listing = json.load(resp)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, f"JupyterLab did not answer on port {port}"
        names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
        assert "00_welcome.ipynb" in names
        assert names == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as resp:
            assert resp.status == 200 and "JupyterLab" in resp.read().decode()
        shutdown = urllib.request.Request(f"http://127.0.0.1:{port}/api/shutdown?token={token}",
                                          method="POST", data=b"")
        urllib.request.urlopen(shutdown, timeout=10)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
