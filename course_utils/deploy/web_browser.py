"""The game page in headless Chromium, from Python: serve it, time the model in it, beside onnxruntime.

Used by ``make bench BENCH=web``, by lesson 08 (through :func:`course_utils.frameworks.in_child`: Playwright's
synchronous API cannot run inside a Jupyter kernel's event loop) and by ``tests/test_web.py``. Chromium is the
system's (``chromium`` on ``PATH``, or ``CHROMIUM=/path``), never a downloaded one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np

FAKE_CAMERA = ("--use-fake-device-for-media-stream",)


def chromium() -> str:
    """The system Chromium's path, or a ValueError saying how to install it."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise ValueError("no Chromium on PATH: `sudo apt-get install chromium` (Debian/Ubuntu), "
                         "or set CHROMIUM=/path/to/chrome")
    return path


def quick_page(folder: str | os.PathLike, seed: int = 0) -> dict:
    """Build the page from a classifier trained for a few seconds with lesson 07's recipe (PyTorch).

    The architecture, file size and speed are the finished classifier's; its accuracy is not (120 hands,
    one epoch): for timing and parity checks, where what matters is that the page computes what onnxruntime
    computes. Returns :func:`.web.classifier_page`'s dict.
    """
    from ..data.handpose import CLASSES
    from ..transfer.finetune import FINETUNE_FAST, save_classifier, train_finished_classifier
    from .web import classifier_page

    folder = Path(folder)
    plan = dataclasses.replace(FINETUNE_FAST, per_background=30, val_per_background=10, test_per_background=5, epochs=1)
    model = train_finished_classifier(plan, seed=seed, threads=1)["model"]
    saved = save_classifier(model, folder.parent / f".{folder.name}-handpose.pt", size=plan.size, classes=CLASSES)
    try:
        return classifier_page(saved, folder)
    finally:
        saved.unlink(missing_ok=True)


@contextlib.contextmanager
def serve(folder: str | os.PathLike) -> Iterator[str]:
    """``python -m http.server`` over ``folder`` on a free loopback port; yields the page's base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url, timeout=2).close()
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"python -m http.server did not answer on port {port}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def browser_timings(folder: str | os.PathLike, *, repeat: int = 200, video: str | os.PathLike | None = None,
                    frames: int = 100, images: np.ndarray | None = None) -> dict:
    """Open the built page in headless Chromium and time it (and, given ``images``, get its logits).

    ``inference_ms``: ``repeat`` batch-1 calls of the model on one image (after 10 warm-up calls);
    with ``video`` (a ``.y4m``, played as the camera), also ``frame_ms``: frame to decision (crop, copy,
    inference, display) for ``frames`` camera frames, what the page fed the model (``frame_rgb``, uint8
    ``(frames, S, S, 3)``) and the class it decided (``frame_labels``), and ``fps``: decisions per second of wall time while the
    camera runs (bounded by the video's own frame rate). ``images``: uint8 ``(N, S, S, 3)``; the page's logits
    for them come back as ``logits`` ``(N, classes)``. Plain data, so it can come back from a child process.
    """
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] + ([*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"] if video else [])
    with serve(folder) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=args)
        try:
            page = browser.new_context(permissions=["camera"]).new_page()
            page.goto(url + "index.html")
            page.evaluate("window.game.ready")
            page.evaluate("window.game.timeInference(10)")
            out = {"inference_ms": page.evaluate(f"window.game.timeInference({int(repeat)})"),
                   "threads": page.evaluate("window.game.threads"), "model_bytes": page.evaluate("window.game.modelBytes"),
                   "user_agent": page.evaluate("navigator.userAgent")}
            if images is not None:
                x = np.asarray(images, np.float32).transpose(0, 3, 1, 2)
                out["logits"] = np.array(page.evaluate("([f, n]) => window.game.logits(f, n)",
                                                       [x.reshape(-1).tolist(), len(x)]), np.float32)
            if video:
                page.evaluate(f"window.game.maxFrames = {int(frames)}")
                page.click("#start-camera")
                page.wait_for_function("window.game.frames.length >= 1", timeout=30_000)
                start = time.perf_counter()
                page.wait_for_function(f"window.game.frames.length >= {int(frames)}", timeout=120_000)
                wall = time.perf_counter() - start
                seen = page.evaluate("window.game.frames")
                out["frame_ms"] = [f["total_ms"] for f in seen]
                out["frame_labels"] = np.array([f["label"] for f in seen])
                out["frame_rgb"] = np.array([f["rgb"] for f in seen], np.uint8).reshape(len(seen), *_side(folder), 3)
                out["fps"] = (frames - 1) / wall
        finally:
            browser.close()
    return out


def _side(folder) -> tuple[int, int]:
    import json

    size = json.loads((Path(folder) / "model.json").read_text())["size"]
    return size, size


def onnxruntime_timings(onnx: str | os.PathLike, *, repeat: int = 200, threads: int = 1) -> list[float]:
    """Batch-1 latencies (ms) of the same ``.onnx`` file in Python onnxruntime, on one image of mid-grey."""
    from .onnx_export import OnnxRunner

    runner = OnnxRunner(onnx, num_threads=threads)
    shape = tuple(d if isinstance(d, int) else 1 for d in runner.input_shape)
    x = np.full(shape, 128, np.float32)
    for _ in range(10):
        runner(x)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        runner(x)
        times.append(1e3 * (time.perf_counter() - start))
    return times


def onnxruntime_logits(onnx: str | os.PathLike, images: np.ndarray) -> np.ndarray:
    """Python onnxruntime's logits for uint8 NHWC ``images`` on the same file the page runs: ``(N, classes)``."""
    from .onnx_export import OnnxRunner

    return OnnxRunner(onnx, num_threads=1)(np.asarray(images, np.float32).transpose(0, 3, 1, 2))


def summary(times_ms) -> tuple[float, float]:
    """(median, p90) of a list of milliseconds."""
    t = np.asarray(times_ms, np.float64)
    return float(np.median(t)), float(np.percentile(t, 90))


__all__ = ["browser_timings", "chromium", "onnxruntime_logits", "onnxruntime_timings", "quick_page", "serve", "summary"]
