"""The camera widget of lesson 08 without a browser: the kernel's half (frames, fallbacks, the score) and the
messages the browser half sends. The browser half runs in tests/test_camera_lab.py when Chromium is present."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.deploy.camera_widget import REASONS, CameraGame, camera_widget
from course_utils.deploy.opponent import Opponent

SIZE = 32


def rock(x):
    assert x.shape == (1, SIZE, SIZE, 3) and x.dtype == np.float32
    return np.array([[0.1, 0.8, 0.1]])


def test_a_frame_plays_a_round_and_reports_what_the_model_saw():
    game = CameraGame(rock, SIZE, opponent=Opponent(epsilon=0.0))
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., 0] = 200
    out = game.frame(rgba.tobytes())
    assert out["ok"] and out["player"] == "rock" and out["confidence"] == 0.8 and out["rounds"] == 1
    assert out["latency_ms"] >= 0 and out["crop"].startswith("data:image/png;base64,")
    assert out["outcome"] in ("player", "computer", "tie") and out["score"].startswith("you ")
    for _ in range(5):
        out = game.frame(rgba[..., :3])          # RGB works too
    assert out["rounds"] == 6 and len(out["history"]) == 6
    assert out["computer"] == "paper"            # by now it has read the always-rock player


@pytest.mark.parametrize("pixels", [b"", b"\x00" * 10, np.zeros((SIZE, SIZE, 3), np.float32)])
def test_a_bad_frame_is_a_message(pixels):
    out = CameraGame(rock, SIZE).frame(pixels)
    assert not out["ok"] and "⚠️ the frame must be 32x32 RGB or RGBA" in out["message"] and out["rounds"] == 0


def test_a_failing_classifier_is_a_message():
    def broken(x):
        raise RuntimeError("boom")
    out = CameraGame(broken, SIZE).frame(np.zeros((SIZE, SIZE, 3), np.uint8))
    assert not out["ok"] and "RuntimeError: boom" in out["message"]


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_each_camera_problem_gives_its_reason_and_the_fallback(kind):
    out = CameraGame(rock, SIZE).camera_problem(kind)
    assert out["message"] == f"⚠️ {REASONS[kind]}. Upload a photo or play a generated hand instead."
    assert out["camera"] == kind and not out["ok"]


def test_the_generated_hand_fallback_plays():
    out = CameraGame(rock, SIZE).generated()
    assert out["ok"] and out["player"] == "rock" and ("✅" in out["message"] or "❌" in out["message"])


def test_the_widget_answers_the_browser_messages():
    pytest.importorskip("anywidget")
    w = camera_widget(rock, SIZE, countdown_ms=10)
    assert (w.size, w.countdown_ms) == (SIZE, 10) and "getUserMedia" in w._esm
    out = w.handle({"type": "frame", "shot": 1}, [memoryview(np.zeros(SIZE * SIZE * 4, np.uint8).tobytes())])
    assert out["ok"] and out["shot"] == 1 and w.result == out
    assert "permission was denied" in w.handle({"type": "camera", "state": "denied", "shot": 2}, [])["message"]
    assert w.handle({"type": "generated"}, [])["rounds"] == 2
    assert "unexpected message" in w.handle({"type": "nonsense"}, [])["message"]
