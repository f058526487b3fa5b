"""Plumbing for tests/test_browser.py: `make lab` on a loopback port, headless Chromium, and
small JavaScript helpers that drive JupyterLab through ``window.jupyterapp``.

Chromium comes from the system (Debian's ``chromium`` package; ``.ci/run`` installs it), never
from ``playwright install``: one browser, found on ``PATH``, that a learner can install too.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT

INSTALL_HINT = ("the browser test needs Chromium on PATH: `sudo apt-get install chromium` "
                "(Debian/Ubuntu; `chromium-browser` elsewhere), or set CHROMIUM=/path/to/chrome")
# JupyterLab settings for the test server only: no autosave (running a notebook in the browser
# must never rewrite the committed file) and no news or update checks (no network, no toasts).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


def chromium_path() -> str:
    """Path of the system Chromium; skips the test (fails it under ``CI=true``) when missing."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and no Chromium: {INSTALL_HINT}", pytrace=False)
    pytest.skip(INSTALL_HINT)


def one_cell_notebook(prefix: str, name: str, source: str) -> tuple[str, str]:
    """Write a notebook of one code cell ``source`` into a fresh folder ``_build/<prefix>*``, where the lab server
    started at the repository root sees it. Returns ``(folder, path for JupyterLab)``; remove the folder after."""
    build = ROOT / "_build"
    build.mkdir(exist_ok=True)
    folder = tempfile.mkdtemp(prefix=prefix, dir=build)
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (Path(folder) / name).write_text(json.dumps(nb))
    return folder, f"_build/{Path(folder).name}/{name}"


def fake_camera_args(video) -> list[str]:
    """Chromium's flags for a fake camera that plays the ``.y4m`` file ``video`` (no permission prompt needed)."""
    return ["--no-sandbox", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``make lab`` on a free loopback port with a token, its state in a temporary folder.

    The kernel inherits fast and offline mode. Settings, workspaces, runtime files and
    checkpoints live in ``self.home``, removed by :meth:`stop`, so the run leaves nothing behind.
    """

    def __init__(self, token: str = "course-browser-test") -> None:
        self.port, self.token = free_port(), token
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = Path(tempfile.mkdtemp(prefix="course-lab-"))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> LabServer:
        return self.launch().wait_ready(timeout)

    def launch(self) -> LabServer:
        """Start the server process without waiting for it (the browser can start meanwhile)."""
        settings = self.home / "settings"
        for name, value in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(value))
        args = " ".join([
            "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={self.home / 'ws'}",
            f"--FileCheckpoints.checkpoint_dir={self.home / 'checkpoints'}"])
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline figures
        env.update(JUPYTER_NO_CONFIG="1", JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
                   COURSE_FAST="1", COURSE_OFFLINE="1")
        self.proc = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
            stdout=open(self.home / "server.log", "w"), stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: stop() ends make, jupyter, kernels
        return self

    def wait_ready(self, timeout: float = 60) -> LabServer:
        """Wait until the REST API answers; stop the server and raise with its log if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                self.api("GET", "status")
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer on port {self.port}:\n{self.log()}")

    def api(self, method: str, path: str):
        """Call the server's REST API; returns the decoded JSON (or None)."""
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     data=b"" if method == "POST" else None,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log(self) -> str:
        return (self.home / "server.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """Shut down every kernel, then the server; kill the process group if it lingers."""
        with contextlib.suppress(OSError):
            for kernel in self.api("GET", "kernels"):
                self.api("DELETE", f"kernels/{kernel['id']}")
            self.api("POST", "shutdown")
        if self.proc is not None:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):  # a kernel outliving the server
                os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.home, ignore_errors=True)


@contextlib.contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    """Re-raise any failure inside the block with the path of a screenshot of the page."""
    failure = None
    try:
        yield
    except Exception as err:  # noqa: BLE001  (assertions and Playwright timeouts alike)
        failure = f"{type(err).__name__}: {err}"
    if failure is None:
        return
    folder = Path(tempfile.gettempdir()) / "course-browser-failures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    try:
        page.screenshot(path=str(path))
        where = f"screenshot: {path}"
    except Exception as shot_err:  # noqa: BLE001
        where = f"(no screenshot: {shot_err})"
    pytest.fail(f"{failure}\n{where}", pytrace=False)


# --- JupyterLab, driven from the page -------------------------------------------------------
# Each snippet is one arrow function; `app` is window.jupyterapp, `nb` the open notebook panel.
JS_OPEN = """async (path) => {
  const app = window.jupyterapp;
  const nb = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await nb.context.ready; await nb.sessionContext.ready;
  return nb.context.path;
}"""
JS_CURRENT_PATH = "() => window.jupyterapp.shell.currentWidget?.context?.path ?? null"
JS_START_RUN_ALL = """async (deadlineMs) => {
  // Clear and run every cell of the current notebook, not waited for: the test can open other
  // tabs while it runs; JS_AWAIT_RUN(path) waits. Not done within deadlineMs: rejected, so a
  // stuck kernel fails the test instead of hanging it. Returns the notebook's path.
  const app = window.jupyterapp, nb = app.shell.currentWidget;
  await nb.context.ready; await nb.sessionContext.ready;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const run = (async () => {
    await app.commands.execute('notebook:run-all-cells');  // takes its notebook now, synchronously
    await nb.sessionContext.session.kernel.requestKernelInfo();  // the kernel is idle again
  })();
  const late = new Promise((_, no) => setTimeout(
      () => no(new Error(`${nb.context.path}: run-all not done within ${deadlineMs} ms`)), deadlineMs));
  const runs = window.__courseRuns ??= {};
  runs[nb.context.path] = Promise.race([run, late]);
  runs[nb.context.path].catch(() => {});  // reported by JS_AWAIT_RUN, not as an unhandled rejection
  return nb.context.path;
}"""
JS_AWAIT_RUN = "(path) => window.__courseRuns[path]"
JS_CELLS = """() => window.jupyterapp.shell.currentWidget.model.toJSON().cells.map(c => ({
  type: c.cell_type, count: c.execution_count ?? null, grade_id: c.metadata?.nbgrader?.grade_id,
  outputs: (c.outputs || []).map(o => ({type: o.output_type,
    text: o.output_type === 'error' ? `${o.ename}: ${o.evalue}` :
          [].concat(o.text ?? o.data?.['text/plain'] ?? '').join('')}))}))"""
JS_SET_AND_RUN = """async ([index, source]) => {
  const app = window.jupyterapp, nb = app.shell.currentWidget;
  if (source !== null) nb.content.widgets[index].model.sharedModel.setSource(source);
  nb.content.activeCellIndex = index;
  nb.content.deselectAll();
  await app.commands.execute('notebook:run-cell');
}"""
JS_FIGURES = """async () => {
  // JupyterLab renders only the cells near the viewport: bring each figure's cell into view.
  const nb = window.jupyterapp.shell.currentWidget.content, widths = [];
  for (const [i, cell] of nb.widgets.entries()) {
    const outputs = cell.model.toJSON().outputs || [];
    if (!outputs.some(o => o.data?.['image/png'])) continue;
    await nb.scrollToItem(i, 'start');
    await new Promise(r => setTimeout(r, 100));
    const img = cell.node.querySelector('.jp-RenderedImage img');
    if (img && !img.complete) await new Promise(r => { img.onload = img.onerror = r; });
    widths.push(img ? img.naturalWidth : 0);
  }
  return widths;
}"""
JS_MARK_CELL = """async ([index, mime]) => {
  // Scroll cell `index` (or the first cell with an output of type `mime`) into view and tag its
  // node, so a locator can find it: off-screen cells are not in the DOM.
  const nb = window.jupyterapp.shell.currentWidget.content;
  if (index === null) index = nb.widgets.findIndex(c =>
      (c.model.toJSON().outputs || []).some(o => o.data?.[mime]));
  if (index < 0 || index >= nb.widgets.length) return -1;  // no such cell: the caller's assert says so
  await nb.scrollToItem(index, 'center');
  await new Promise(r => setTimeout(r, 200));
  document.querySelectorAll('[data-course-test]').forEach(n => n.removeAttribute('data-course-test'));
  nb.widgets[index].node.setAttribute('data-course-test', 'target');
  return index;
}"""
JS_SHUTDOWN = """async () => {
  const nb = window.jupyterapp.shell.currentWidget;
  await nb.sessionContext.shutdown();
}"""


def cells(page) -> list[dict]:
    """The open notebook's cells: type, execution count, grade_id, outputs as text."""
    return page.evaluate(JS_CELLS)


def error_outputs(page) -> list[str]:
    return [f"cell {i}: {o['text']}" for i, c in enumerate(cells(page))
            for o in c["outputs"] if o["type"] == "error"]
