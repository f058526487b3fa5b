"""The game page of `make web` in headless Chromium: the model runs in the page (onnxruntime-web, WebAssembly).

One module (one pytest-xdist worker): the page is built once into a temporary folder from a classifier trained
for a few seconds with lesson 07's recipe (what is checked is that the page computes what onnxruntime computes,
not the model's accuracy), served by ``python -m http.server``, and opened in the system's Chromium with a fake
camera that plays a ``.y4m`` of generated hands of known classes. Skipped without Chromium or without
``web/node_modules`` (``make web`` installs it; failed under ``CI=true``), like tests/test_browser.py.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

from browser_helpers import chromium_path, screenshot_on_failure

pytestmark = pytest.mark.slow
FPS = 25                 # the fake camera's frame rate
HOLD = 5                 # frames per hand in the video
HANDS = 6                # two of each class


def _runtime_or_skip():
    from course_utils.deploy import web

    try:
        web.runtime_folder()
    except ValueError as err:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {err}", pytrace=False)
        pytest.skip(str(err))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built page, its model's runner, and the fake camera's video and frames."""
    chromium_path()
    _runtime_or_skip()
    from course_utils.data.handpose import make_hands
    from course_utils.deploy.camera_file import read_y4m, write_y4m
    from course_utils.deploy.onnx_export import OnnxRunner
    from course_utils.deploy.web_browser import quick_page

    work = tmp_path_factory.mktemp("web")
    built = quick_page(work / "site")
    images, labels, _ = make_hands(HANDS, built["size"], "plain", seed=11)
    video = write_y4m(work / "hands.y4m", np.repeat(images, HOLD, axis=0), fps=FPS)
    return {"folder": built["folder"], "runner": OnnxRunner(built["onnx"], num_threads=1), "size": built["size"],
            "video": str(video), "frames": read_y4m(video), "labels": np.repeat(labels, HOLD)}


@pytest.fixture(scope="module")
def server(site):
    """``python -m http.server`` over the built folder, on a free loopback port."""
    from course_utils.deploy.web_browser import serve

    with serve(site["folder"]) as url:
        yield url


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        fake = pw.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={site['video']}"])
        bare = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])   # no camera at all
        try:
            yield {"fake": fake, "bare": bare}
        finally:
            fake.close(), bare.close()


def open_page(browser, server, *, camera: bool, which: str = "fake"):
    """A fresh context (camera permission granted or not) with the page loaded; records every request's host."""
    context = browser[which].new_context(permissions=["camera"] if camera else [])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.requests, page.problems = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.goto(server + "index.html")
    page.evaluate("window.game.ready")
    return page


def test_page_logits_equal_onnxruntime(site, browser, server):
    from course_utils.data.handpose import make_hands

    page = open_page(browser, server, camera=False)
    with screenshot_on_failure(page, "web_parity"):
        x = make_hands(32, site["size"], "plain", seed=3)[0].astype(np.float32).transpose(0, 3, 1, 2)
        logits = np.array(page.evaluate("([f, n]) => window.game.logits(f, n)", [x.reshape(-1).tolist(), 32]))
        reference = site["runner"](x)
        assert logits.shape == reference.shape == (32, 3)
        np.testing.assert_allclose(logits, reference, atol=1e-4, rtol=0)
        assert (logits.argmax(1) == reference.argmax(1)).all()
        # the page shows the model's size and runs offline: every request went to the local server
        assert page.evaluate("window.game.modelBytes") == os.path.getsize(os.path.join(site["folder"], "handpose.onnx"))
        assert "KB" in page.inner_text("#model-size")
        assert all(u.startswith(server) or u.startswith("data:") for u in page.requests), page.requests
        assert not page.problems, page.problems
    page.context.close()


def test_camera_frames_are_classified_as_python_does(site, browser, server):
    page = open_page(browser, server, camera=True)
    with screenshot_on_failure(page, "web_camera"):
        page.click("#start-camera")
        page.wait_for_function(f"window.game.frames.length >= {2 * HOLD * HANDS}")
        frames = page.evaluate("window.game.frames")
        assert (frames[0]["width"], frames[0]["height"]) == (2 * site["size"], 2 * site["size"])  # the video's size
        seen = np.array([f["rgb"] for f in frames], np.uint8).reshape(-1, site["size"], site["size"], 3)
        logits = np.array([f["logits"] for f in frames])
        # 1. on what the page fed the model, the page's logits are onnxruntime's
        reference = site["runner"](seen.astype(np.float32).transpose(0, 3, 1, 2))
        np.testing.assert_allclose(logits, reference, atol=1e-4, rtol=0)
        # 2. each frame the page saw is one of the video's frames, as Python decodes it (within 4:2:0 rounding)
        diff = np.abs(seen[:, None].astype(int) - site["frames"][None].astype(int)).reshape(len(seen), len(site["frames"]), -1)
        nearest = diff.mean(-1).argmin(1)
        assert diff.max(-1)[np.arange(len(seen)), nearest].max() <= 3
        assert len(set(site["labels"][nearest])) == 3          # every class came through the camera
        # 3. and the page's class is the Python model's class on that frame
        python = site["runner"](site["frames"][nearest].astype(np.float32).transpose(0, 3, 1, 2)).argmax(1)
        assert (logits.argmax(1) == python).all()
        # three rounds of the game from the camera: the score and the opponent's history update
        rounds = [page.evaluate("window.game.playRound(20)") for _ in range(3)]
        assert page.locator("#history li").count() == 3
        score = page.inner_text("#score")
        counts = dict(zip(("player", "computer", "tie"), map(int, re.findall(r"\d+", score))))
        assert sum(counts.values()) == 3
        assert counts == {k: sum(r["outcome"] == k for r in rounds) for k in counts}
        assert page.evaluate("window.game.frames.at(-1).total_ms") > 0
        assert not page.problems, page.problems
    page.context.close()


def test_camera_ends_as_a_message_and_the_game_goes_on(browser, server):
    page = open_page(browser, server, camera=True)
    with screenshot_on_failure(page, "web_camera_ends"):
        page.click("#start-camera")
        page.wait_for_function("window.game.frames.length >= 2")
        # what Chromium fires when a camera is unplugged or its permission revoked (a fake camera loops forever)
        page.evaluate("window.game.track.dispatchEvent(new Event('ended'))")
        assert page.evaluate("window.game.cameraState") == "ended"
        assert "The camera stopped" in page.inner_text("#camera-message")
        assert page.evaluate("window.game.playRound(10)")["outcome"] in ("player", "computer", "tie")
        assert not page.problems, page.problems
    page.context.close()


@pytest.mark.parametrize("which, camera, kind, words", [
    ("fake", False, "denied", "permission was denied"),
    ("bare", True, "no-device", "No camera was found")])
def test_no_camera_falls_back_with_a_reason(browser, server, which, camera, kind, words):
    page = open_page(browser, server, camera=camera, which=which)
    with screenshot_on_failure(page, f"web_{kind}"):
        page.click("#start-camera")
        page.wait_for_function("window.game.cameraState !== 'off'")
        assert page.evaluate("window.game.cameraState") == kind
        assert words in page.inner_text("#camera-message") and "sample hand" in page.inner_text("#camera-message")
        page.click("#sample")                                   # the fallback: a generated hand
        page.wait_for_function("document.querySelector('#label').textContent !== '–'")
        assert page.inner_text("#label") in ("paper", "rock", "scissors")
        assert not page.problems, page.problems
    page.context.close()


def test_the_page_opponent_predicts_as_python_does(browser, server):
    from course_utils.deploy.game import MOVES
    from course_utils.deploy.opponent import Opponent, PLAYERS, play_match

    rounds = []
    for name in PLAYERS:   # 15 rounds of each scripted player against the Python opponent, then both replay them
        o = Opponent(seed=1)
        play_match(PLAYERS[name], o, 15, seed=2)
        rounds += list(zip(o.players, o.computers))
    python = Opponent(seed=0)
    expected = []
    for p, c in rounds:
        expected.append(python.predict().tolist())
        python.observe(MOVES[p], MOVES[c])
    page = open_page(browser, server, camera=False)
    got = page.evaluate("""(rounds) => { const o = new Opponent({epsilon: 0}), out = [];
        for (const [p, c] of rounds) { out.push(o.predict()); o.observe(p, c); } return out; }""", rounds)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    page.context.close()
