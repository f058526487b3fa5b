"""Teach it your hand, in JupyterLab: the camera widget in capture mode records from Chromium's fake camera.

The fake camera plays a ``.y4m`` of the stand-in learner (:func:`course_utils.deploy.your_hand.learner_hands`: the
generator's poses under another skin tone, light, room, framing and focus). The test picks each gesture, sets a
count, presses Record, and checks that the folder holds exactly that many PNGs per class, each a frame of the video
(4:2:0 rounding aside), readable by ``load_folder``. Skipped without Chromium (failed under ``CI=true``).
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from browser_helpers import (JS_AWAIT_RUN, JS_OPEN, JS_SHUTDOWN, JS_START_RUN_ALL, LabServer, chromium_path,
                             error_outputs, fake_camera_args, one_cell_notebook, screenshot_on_failure)

pytestmark = pytest.mark.slow
SIZE, HOLD = 48, 4
WANTED = {"rock": 4, "paper": 3, "scissors": 5}


def test_capture_mode_saves_exactly_the_frames_asked_for(tmp_path):
    from playwright.sync_api import sync_playwright

    from course_utils.data.folders import load_folder
    from course_utils.deploy.camera_file import read_y4m, write_y4m
    from course_utils.deploy.your_hand import learner_hands

    path = chromium_path()
    images, _ = learner_hands(9, SIZE, seed=5, labels=np.repeat([1, 0, 2], 3))
    video = write_y4m(tmp_path / "learner.y4m", np.repeat(images, HOLD, axis=0), fps=25)
    decoded = read_y4m(video)
    root = tmp_path / "my_hand"
    source = ("from course_utils.deploy.camera_widget import capture_widget\n"
              f"capture = capture_widget({str(root)!r}, size={SIZE}, count=2, interval_ms=60)\ncapture")
    notebooks, lab_path = one_cell_notebook("capture-lab-", "capture.ipynb", source)
    server = LabServer().launch()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=path, args=fake_camera_args(video))
            try:
                server.wait_ready()
                page = browser.new_context(permissions=["camera"], viewport={"width": 1200, "height": 900}).new_page()
                page.set_default_timeout(60_000)
                with screenshot_on_failure(page, "capture_lab"):
                    page.goto(f"{server.url}/lab?token={server.token}")
                    page.wait_for_function("window.jupyterapp?.started")
                    page.evaluate(JS_OPEN, lab_path)
                    page.evaluate(JS_AWAIT_RUN, page.evaluate(JS_START_RUN_ALL, 120_000))
                    assert error_outputs(page) == []
                    widget = page.locator(".course-camera").first
                    widget.locator("button.start").click()
                    page.wait_for_function("document.querySelector('.course-camera').dataset.camera === 'running'")
                    done = {}
                    for label, n in WANTED.items():
                        widget.locator("select.label").select_option(label)
                        widget.locator("input.count").fill(str(n))
                        widget.locator("button.record").click()
                        done[label] = n
                        want = json.dumps({c: done.get(c, 0) for c in ("paper", "rock", "scissors")}, separators=(",", ":"))
                        page.wait_for_function(f"document.querySelector('.course-camera').dataset.counts === {want!r}")
                        page.wait_for_function("document.querySelector('.course-camera').dataset.recording === 'done'")
                    assert widget.locator("progress.progress").get_attribute("value") == str(WANTED["scissors"])
                    page.evaluate(JS_SHUTDOWN)
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(notebooks, ignore_errors=True)
    for label, n in WANTED.items():
        assert sorted(p.name for p in (root / label).iterdir()) == [f"{i:04d}.png" for i in range(n)]
    x, y, names = load_folder(root, size=SIZE)
    assert names == ("paper", "rock", "scissors") and np.bincount(y).tolist() == [3, 4, 5]
    gap = np.abs(x[:, None].astype(int) - decoded[None].astype(int)).reshape(len(x), len(decoded), -1)
    assert gap.max(-1).min(1).max() <= 3      # every saved frame is a frame of the video
