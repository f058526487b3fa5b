"""The rock / paper / scissors game as ipywidgets: draw a generated hand or upload a photo,
the model classifies it, the computer plays, the score is kept. Works offline.

The handlers return the message they show, so tests drive them without a browser; any bad
input (an empty upload, a file that is not an image) ends as a message in the widget, never
as a traceback.
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable

import numpy as np

from ..data.handpose import BACKGROUNDS, make_hands
from ..data.validate import check_count
from .game import MOVES, Game, Round, decode_upload

MIN_SIZE = 32   # the hands are drawn at the model's input size (make_hands' smallest)

Classifier = Callable[[np.ndarray], np.ndarray]   # (1, size, size, 3) float32 in [0, 255] -> (1, 3) probabilities


class GameWidget:
    """One match against the computer, with ``classify`` as the player's eyes.

    ``classify``: e.g. a :class:`~course_utils.deploy.tflite.TFLiteRunner` of the int8 model.
    ``size``: the model's input side in pixels. ``seed`` fixes the computer's moves and the
    generated hands. ``opponent``: the computer (see :class:`~course_utils.deploy.game.Game`; default
    uniformly random moves). Show it with ``display(game.widget)``.
    """

    def __init__(self, classify: Classifier, size: int, seed: int = 0, backgrounds: tuple[str, ...] = BACKGROUNDS,
                 opponent=None):
        if not callable(classify):
            raise ValueError(f"classify must be callable (images -> probabilities), got {type(classify).__name__}")
        bad = [b for b in backgrounds if b not in BACKGROUNDS]
        if bad or not backgrounds:
            raise ValueError(f"backgrounds must be some of {BACKGROUNDS}, got {backgrounds!r}")
        self.classify, self.size, self.backgrounds = classify, check_count(size, "size", minimum=MIN_SIZE), tuple(backgrounds)
        self.game = Game(seed, opponent=opponent)
        self._hands = np.random.default_rng([seed, 1])   # which move the next drawn hand shows
        self.draws = 0
        self.seed = seed
        self.last_message = ""
        self._widget = None

    def play_image(self, image: np.ndarray) -> Round:
        """Classify one uint8 image ``(size, size, 3)``, time the call, and play a round with it."""
        x = np.asarray(image, dtype=np.float32)[None]
        start = time.perf_counter()
        probabilities = np.asarray(self.classify(x))
        latency_ms = 1e3 * (time.perf_counter() - start)
        return self.game.play(probabilities, latency_ms)

    def draw(self) -> tuple[np.ndarray, str]:
        """Generate a random hand, play it; return the image and the message shown."""
        background = self.backgrounds[self.draws % len(self.backgrounds)]
        # one hand of each class, then one of them at random: a hand drawn alone is always class 0
        images, labels, classes = make_hands(len(MOVES), self.size, background, seed=self.seed * 100_003 + self.draws)
        pick = int(np.flatnonzero(labels == self._hands.integers(len(MOVES)))[0])   # the class, uniformly
        self.draws += 1
        try:
            result = self.play_image(images[pick])
        except Exception as err:   # a learner's classifier may fail in any way: say so, keep the game alive
            return images[pick], self._say(_failed(err))
        truth = classes[int(labels[pick])]
        mark = "✅" if truth == result.player else f"❌ (it was {truth})"
        return images[pick], self._say(f"{result.message()} {mark}")

    def handle_upload(self, value) -> tuple[np.ndarray | None, str]:
        """Play an uploaded file. ``value`` is a FileUpload's value (a tuple of dicts with
        ``"content"``). Returns the decoded image (or None) and the message shown."""
        if isinstance(value, dict):   # ipywidgets 7: {filename: {"content": ..., "metadata": ...}}
            value = list(value.values())
        files = list(value or ())
        if not files:
            return None, self._say("⚠️ nothing was uploaded: choose a photo (JPEG or PNG) of a hand")
        try:
            first = files[0]
            image = decode_upload(first.get("content") if isinstance(first, dict) else None, self.size)
            return image, self._say(self.play_image(image).message())
        except ValueError as err:
            return None, self._say(f"⚠️ {err}")
        except Exception as err:   # a learner's classifier may fail in any way: say so, keep the game alive
            return None, self._say(_failed(err))

    def _say(self, text: str) -> str:
        self.last_message = f"{text} · score: {self.game.score}"
        return self.last_message

    @property
    def widget(self):
        """The ipywidgets box (built on first use)."""
        if self._widget is None:
            self._widget = self._build()
        return self._widget

    def _build(self):
        import ipywidgets as w

        draw = w.Button(description="Draw a random hand", icon="hand-paper-o")
        upload = w.FileUpload(accept="image/*", multiple=False, description="Upload a photo")
        picture = w.Image(format="png", width=160, height=160)
        message = w.HTML("Draw a hand or upload a photo of yours.")

        def show(image, text):
            if image is not None:
                picture.value = _png(image)
            message.value = text

        draw.on_click(lambda _: show(*self.draw()))

        def uploaded(change):
            if change["new"]:
                show(*self.handle_upload(change["new"]))

        upload.observe(uploaded, names="value")
        return w.VBox([w.HBox([draw, upload]), picture, message])


def _failed(err: Exception) -> str:
    return f"⚠️ the classifier failed on that image: {type(err).__name__}: {err}"


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).resize((160, 160), Image.NEAREST).save(buf, format="PNG")
    return buf.getvalue()


__all__ = ["GameWidget"]
