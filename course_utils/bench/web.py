"""Lesson 08's third target: the classifier in the browser (onnxruntime-web, WebAssembly) beside Python onnxruntime.

The page of ``make web`` is built in a temporary folder from a classifier of the finished architecture (trained
for a few seconds: speed does not depend on the weights), served by ``python -m http.server`` and opened in
headless Chromium (the system's). Batch-1 inference: median and p90 of 200 calls in the page and in Python
onnxruntime on the same ``.onnx`` file, both on one thread (the page gets one: ``python -m http.server`` does not
make it cross-origin isolated, which WebAssembly threads need). Then the camera: a fake one playing generated
hands at 30 frames/s, and the page's frame-to-decision time (crop, copy, inference, display) and decisions per
second. Targets (issue 30): in-browser inference within 2x of onnxruntime, at least 30 frames/s end to end.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import Row, benchmark

REPEAT, FRAMES, FPS = 200, 90, 30


@benchmark("web")
def web_bench() -> list[Row]:
    """The 48-px classifier batch 1 in headless Chromium (onnxruntime-web WASM) vs Python onnxruntime; camera fps."""
    from ..frameworks import import_frameworks

    import_frameworks("torch", seed=0)
    from ..data.handpose import make_hands
    from ..deploy.camera_file import write_y4m
    from ..deploy.web_browser import browser_timings, onnxruntime_timings, quick_page, summary

    with tempfile.TemporaryDirectory() as work:
        built = quick_page(Path(work) / "site")
        hands = make_hands(6, built["size"], "plain", seed=11)[0]
        video = write_y4m(Path(work) / "hands.y4m", np.repeat(hands, 10, axis=0), fps=FPS)
        python = onnxruntime_timings(built["onnx"], repeat=REPEAT, threads=1)
        page = browser_timings(built["folder"], repeat=REPEAT, video=video, frames=FRAMES)
    (pm, p90), (bm, b90) = summary(python), summary(page["inference_ms"])
    fm, f90 = summary(page["frame_ms"])
    return [("model file", built["kb"], "KB"),
            ("onnxruntime (Python) 1 thread b1 median", pm, "ms"), ("onnxruntime (Python) 1 thread b1 p90", p90, "ms"),
            (f"onnxruntime-web WASM {page['threads']} thread(s) b1 median", bm, "ms"),
            (f"onnxruntime-web WASM {page['threads']} thread(s) b1 p90", b90, "ms"),
            ("browser / Python, medians (target <= 2)", bm / pm, "x"),
            ("page frame to decision median", fm, "ms"), ("page frame to decision p90", f90, "ms"),
            (f"page decisions per second, fake camera at {FPS} frames/s (target >= 30)", page["fps"], "frames/s")]
