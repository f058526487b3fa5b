"""Lesson 08's camera widget in JupyterLab, in headless Chromium with a fake camera (a ``.y4m`` of generated hands).

One module (one pytest-xdist worker): `make lab` on a loopback port (tests/browser_helpers.py), a notebook written
to a temporary folder under ``_build/`` (git-ignored) that shows the widget with a small NumPy classifier (the
widget, not a model, is under test here; tests/test_web.py checks the model in the browser), and three rounds
played from the fake camera. The frames the kernel received are the video's frames, and the kernel classified
each one as Python does on the decoded frame. Then the failures: permission denied, no camera, a camera that ends.
Skipped without Chromium (failed under ``CI=true``).
"""
from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import pytest

from browser_helpers import (JS_AWAIT_RUN, JS_OPEN, JS_SET_AND_RUN, JS_SHUTDOWN, JS_START_RUN_ALL, LabServer, cells,
                             chromium_path, error_outputs, fake_camera_args, one_cell_notebook, screenshot_on_failure)

pytestmark = pytest.mark.slow
SIZE, HOLD, HANDS = 48, 8, 6
SETUP = f'''import base64, json
import numpy as np
from course_utils.deploy.camera_widget import camera_widget
W = np.random.default_rng(0).normal(size=(3, 3))
def classify(x):   # a tiny stand-in: the class from the mean colour
    z = 10 * (x.reshape(len(x), -1, 3).mean(1) / 255) @ W.T
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
seen = []
def spy(x):
    seen.append(x[0].astype(np.uint8))
    return classify(x)
camera = camera_widget(spy, size={SIZE}, seed=0, countdown_ms=40)
camera'''
REPORT = ('print(json.dumps({"frames": base64.b64encode(np.stack(seen).tobytes()).decode() if seen else "", '
          '"players": [r.player for r in camera.game.match.game.history], "result": camera.result.get("message")}))')


def classify(x):
    w = np.random.default_rng(0).normal(size=(3, 3))
    z = 10 * (x.reshape(len(x), -1, 3).mean(1) / 255) @ w.T
    return z.argmax(1)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    from course_utils.data.handpose import CLASSES, make_hands
    from course_utils.deploy.camera_file import read_y4m, write_y4m

    path = chromium_path()
    work = tmp_path_factory.mktemp("camera")
    images = make_hands(HANDS, SIZE, "plain", seed=11)[0]
    video = write_y4m(work / "hands.y4m", np.repeat(images, HOLD, axis=0), fps=25)
    notebooks, lab_path = one_cell_notebook("camera-lab-", "camera.ipynb", SETUP)
    server = LabServer().launch()
    try:
        with sync_playwright() as pw:
            fake = pw.chromium.launch(executable_path=path, args=fake_camera_args(video))
            bare = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
            try:
                server.wait_ready()
                yield {"fake": fake, "bare": bare, "server": server, "frames": read_y4m(video), "classes": CLASSES,
                       "notebook": lab_path}
            finally:
                fake.close(), bare.close()
    finally:
        server.stop()
        shutil.rmtree(notebooks, ignore_errors=True)


def open_widget(lab, which: str, camera: bool):
    """A new context (camera permission or not), the notebook run, its widget shown; returns page and widget root."""
    context = lab[which].new_context(permissions=["camera"] if camera else [], viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    server = lab["server"]
    page.goto(f"{server.url}/lab?token={server.token}")
    page.wait_for_function("window.jupyterapp?.started")
    page.evaluate(JS_OPEN, lab["notebook"])
    path = page.evaluate(JS_START_RUN_ALL, 120_000)
    page.evaluate(JS_AWAIT_RUN, path)
    assert error_outputs(page) == []
    root = page.locator(".course-camera").first
    root.wait_for()
    return page, root


def report(page) -> dict:
    n = len(cells(page))
    page.evaluate("(src) => { const app = window.jupyterapp; const nb = app.shell.currentWidget.content;"
                  " nb.activeCellIndex = nb.widgets.length - 1; return app.commands.execute('notebook:insert-cell-below'); }",
                  None)
    page.evaluate(JS_SET_AND_RUN, [n, REPORT])
    page.wait_for_function(f"window.jupyterapp.shell.currentWidget.model.toJSON().cells[{n}].outputs.length > 0")
    return json.loads("".join(o["text"] for o in cells(page)[n]["outputs"]))


def test_three_rounds_from_the_fake_camera(lab):
    page, root = open_widget(lab, "fake", camera=True)
    with screenshot_on_failure(page, "camera_lab_game"):
        root.locator("button.start").click()
        page.wait_for_function("document.querySelector('.course-camera').dataset.camera === 'running'")
        for n in (1, 2, 3):
            root.locator("button.play").click()
            page.wait_for_function(f"document.querySelector('.course-camera').dataset.rounds === '{n}'")
            page.wait_for_function("!document.querySelector('.course-camera button.play').disabled")
        score = root.locator(".score").inner_text()
        assert sum(int(s) for s in score.replace("·", " ").split() if s.isdigit()) == 3, score
        assert root.locator(".history li").count() == 3
        assert root.locator("img.crop").get_attribute("src").startswith("data:image/png;base64,")
        got = report(page)
        frames = np.frombuffer(base64.b64decode(got["frames"]), np.uint8).reshape(-1, SIZE, SIZE, 3)
        assert len(frames) == len(got["players"]) == 3
        diff = np.abs(frames[:, None].astype(int) - lab["frames"][None].astype(int)).reshape(3, len(lab["frames"]), -1)
        nearest = diff.mean(-1).argmin(1)
        assert diff.max(-1)[np.arange(3), nearest].max() <= 3     # each is a frame of the video (4:2:0 rounding)
        python = [lab["classes"][k] for k in classify(lab["frames"][nearest].astype(np.float32))]
        assert got["players"] == python
        page.evaluate(JS_SHUTDOWN)
    page.context.close()


@pytest.mark.parametrize("which, camera, state, words", [
    ("fake", False, "denied", "permission was denied"), ("bare", True, "no-device", "no camera was found"),
    ("fake", True, "ended", "the camera stopped")])
def test_camera_failures_give_their_reason_and_a_fallback(lab, which, camera, state, words):
    page, root = open_widget(lab, which, camera)
    with screenshot_on_failure(page, f"camera_lab_{state}"):
        root.locator("button.start").click()
        if state == "ended":
            page.wait_for_function("document.querySelector('.course-camera').dataset.camera === 'running'")
            page.evaluate("document.querySelector('.course-camera').cameraTrack.dispatchEvent(new Event('ended'))")
        page.wait_for_function(f"document.querySelector('.course-camera').dataset.camera === '{state}'")
        message = root.locator(".message")
        page.wait_for_function("([el, w]) => el.innerText.includes(w)", arg=[message.element_handle(), words])
        assert "generated hand" in message.inner_text()
        root.locator("button.generated").click()                        # the fallback plays a round
        page.wait_for_function("document.querySelector('.course-camera').dataset.rounds === '1'")
        page.evaluate(JS_SHUTDOWN)
    page.context.close()
