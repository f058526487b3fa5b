"""The game with your camera, in the notebook: an ``anywidget`` that captures a frame in the browser and sends it
to the kernel, where the model classifies it and the predicting computer plays.

The browser half (:data:`course_utils.deploy.camera_widget_js.ESM`) asks for the camera (``getUserMedia``),
shows "rock, paper, scissors, shoot!", and on "shoot!" sends the centre square of one frame, scaled to the
model's input size, to the kernel. The kernel half (:class:`CameraGame`, plain NumPy, tested without a
browser) plays the round and sends back what the model saw: the crop, the class, the confidence, the latency,
the score and the history. Without a camera (permission denied, none present, a page that is not HTTPS or
localhost, a camera that stops) the widget says why and offers an upload or a generated hand; nothing ends as a
traceback. anywidget works in JupyterLab 4, Notebook 7, VS Code and Colab.
"""
from __future__ import annotations

import base64
import io

import numpy as np

from .game_widget import Classifier, GameWidget
from .opponent import Opponent

# what the widget says for each way the camera can fail (the page of `make web` says the same)
REASONS = {
    "insecure": "the camera needs a secure page (https:// or localhost): this notebook is served over plain http",
    "denied": "camera permission was denied: allow the camera for this page in the browser's site settings",
    "no-device": "no camera was found on this device",
    "busy": "the camera is in use by another program",
    "ended": "the camera stopped (unplugged, switched off, or taken by another program)",
}


class CameraGame:
    """The kernel's half of the camera widget: a match of :class:`GameWidget` with a predicting computer.

    ``classify``: images ``(1, size, size, 3)`` float32 in [0, 255] -> probabilities ``(1, 3)``.
    """

    def __init__(self, classify: Classifier, size: int, seed: int = 0, opponent=None):
        self.match = GameWidget(classify, size, seed=seed, opponent=opponent if opponent is not None else Opponent(seed))
        self.size = self.match.size

    def frame(self, pixels) -> dict:
        """Play the frame the browser sent: ``(size, size, 3)`` or ``(size, size, 4)`` uint8 (RGBA from a
        canvas), or its flat bytes. Returns what the widget shows (see :meth:`_report`)."""
        data = np.frombuffer(pixels, np.uint8) if isinstance(pixels, (bytes, bytearray, memoryview)) else np.asarray(pixels)
        n = self.size * self.size
        if data.dtype != np.uint8 or data.size not in (3 * n, 4 * n):
            return self._problem(f"the frame must be {self.size}x{self.size} RGB or RGBA bytes, got "
                                 f"{data.size} values of {data.dtype}")
        image = data.reshape(self.size, self.size, -1)[..., :3]
        try:
            result = self.match.play_image(image)
        except Exception as err:   # a learner's classifier may fail in any way: say so, keep the game alive
            return self._problem(f"the classifier failed on that frame: {type(err).__name__}: {err}")
        return self._report(image, result.message())

    def generated(self) -> dict:
        """Play a generated hand (the fallback without a camera)."""
        image, text = self.match.draw()
        return self._report(image, text.split(" · score:")[0])

    def camera_problem(self, kind: str, detail: str = "") -> dict:
        """What the widget says when the camera fails: the reason and the fallback."""
        reason = REASONS.get(kind, f"the camera could not start ({detail or kind})")
        return self._problem(f"{reason}. Upload a photo or play a generated hand instead.", camera=kind)

    def _report(self, image: np.ndarray, message: str) -> dict:
        last = self.match.game.history[-1] if self.match.game.history else None
        return {"ok": last is not None, "message": message, "score": str(self.match.game.score),
                "player": last.player if last else None, "computer": last.computer if last else None,
                "outcome": last.outcome if last else None,
                "confidence": round(last.confidence, 4) if last else None,
                "latency_ms": round(last.latency_ms, 3) if last else None,
                "rounds": len(self.match.game.history),
                "history": [f"{r.player} vs {r.computer}: {r.outcome}" for r in self.match.game.history[-10:]],
                "crop": "data:image/png;base64," + base64.b64encode(_png(image)).decode()}

    def _problem(self, message: str, camera: str | None = None) -> dict:
        return {"ok": False, "message": f"⚠️ {message}", "score": str(self.match.game.score), "camera": camera,
                "rounds": len(self.match.game.history)}


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).resize((96, 96), Image.NEAREST).save(buf, format="PNG")
    return buf.getvalue()


def _widget_class():
    import anywidget
    import traitlets

    from .camera_widget_js import CSS, ESM

    class CameraWidget(anywidget.AnyWidget):
        _esm = traitlets.Unicode(ESM).tag(sync=True)
        _css = traitlets.Unicode(CSS).tag(sync=True)
        size = traitlets.Int(48).tag(sync=True)
        countdown_ms = traitlets.Int(600).tag(sync=True)
        mode = traitlets.Unicode("game").tag(sync=True)          # "game" or "capture"
        classes = traitlets.List(traitlets.Unicode(), []).tag(sync=True)
        count = traitlets.Int(20).tag(sync=True)                 # capture: frames to record per click
        interval_ms = traitlets.Int(100).tag(sync=True)          # capture: time between frames
        result = traitlets.Dict({}).tag(sync=True)

        def handle(self, content: dict, buffers) -> dict:
            kind = content.get("type") if isinstance(content, dict) else None
            if kind == "frame" and buffers:
                out = self.game.frame(buffers[0])
            elif kind == "capture" and buffers:
                out = self.game.frame(content.get("label"), bytes(buffers[0]), content.get("target"))
            elif kind == "generated":
                out = self.game.generated()
            elif kind == "camera":
                state = str(content.get("state"))
                reason = REASONS.get(state, f"the camera could not start ({content.get('detail') or state})")
                out = (self.game.camera_problem(state, reason) if self.mode == "capture"
                       else self.game.camera_problem(state, str(content.get("detail", ""))))
            else:
                out = self.game._problem(f"unexpected message from the browser: {content!r}")
            out["shot"] = content.get("shot") if isinstance(content, dict) else None
            self.result = out
            return out

    return CameraWidget


def camera_widget(classify: Classifier, size: int, seed: int = 0, opponent=None, countdown_ms: int = 600):
    """The widget: ``display(camera_widget(runner, size=48))``. Its ``game`` attribute is the :class:`CameraGame`;
    ``result`` (a synced dict) is the last thing it showed. ``countdown_ms``: each word of the countdown."""
    game = CameraGame(classify, size, seed=seed, opponent=opponent)   # checks size first
    widget = _widget_class()(size=game.size, countdown_ms=int(countdown_ms))
    widget.game = game
    widget.on_msg(lambda w, content, buffers: w.handle(content, buffers))
    return widget


def capture_widget(root, size: int = 48, count: int = 20, classes=None, interval_ms: int = 100):
    """The same widget in capture mode: pick a gesture, press "Record", and ``count`` frames of the camera, one
    every ``interval_ms``, are saved as ``root/<gesture>/NNNN.png`` (:class:`.capture.CaptureSession`), with the
    progress shown. Its ``game`` attribute is the session; ``result`` the last answer."""
    from .capture import CaptureSession

    session = CaptureSession(root, size=size, count=count, classes=classes)
    widget = _widget_class()(size=session.size, mode="capture", classes=list(session.folder.classes),
                             count=session.target, interval_ms=int(interval_ms))
    widget.game = session
    widget.on_msg(lambda w, content, buffers: w.handle(content, buffers))
    return widget


__all__ = ["REASONS", "CameraGame", "camera_widget", "capture_widget"]
