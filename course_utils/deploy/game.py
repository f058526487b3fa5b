"""Rock / paper / scissors against the computer: the rules, the score, and reading an upload.

Pure logic (NumPy and Pillow only), so it is unit-tested without a browser; the widget in
:mod:`course_utils.deploy.game_widget` only wires buttons to these functions. The moves are
the hand-pose classes, in the same order as the classifier's outputs
(``course_utils.data.handpose.CLASSES``).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from ..data.handpose import CLASSES
from ..data.validate import check_count
from ..seeding import check_seed

MOVES: tuple[str, ...] = CLASSES          # ("paper", "rock", "scissors")
BEATS = {"paper": "rock", "rock": "scissors", "scissors": "paper"}   # key beats value
OUTCOMES = ("player", "computer", "tie")
# how far an int8 model's dequantized outputs may stray from a true distribution (scale 1/256 each)
PROBABILITY_SLACK = 0.02


def check_move(move: str) -> str:
    """Return ``move`` if it is one of :data:`MOVES`, else raise a ValueError naming them."""
    if move not in MOVES:
        raise ValueError(f"a move must be one of {MOVES}, got {move!r}")
    return move


def winner(player: str, computer: str) -> str:
    """Who wins one round: ``"player"``, ``"computer"`` or ``"tie"``."""
    check_move(player), check_move(computer)
    if player == computer:
        return "tie"
    return "player" if BEATS[player] == computer else "computer"


@dataclass
class Score:
    """Running score: rounds won by each side and ties."""

    player: int = 0
    computer: int = 0
    ties: int = 0

    def record(self, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        name = "ties" if outcome == "tie" else outcome
        setattr(self, name, getattr(self, name) + 1)

    @property
    def rounds(self) -> int:
        return self.player + self.computer + self.ties

    def __str__(self) -> str:
        return f"you {self.player} · computer {self.computer} · ties {self.ties}"


@dataclass(frozen=True)
class Round:
    """One round: the move the model saw, its confidence and latency, the computer's move, the outcome."""

    player: str
    computer: str
    outcome: str
    confidence: float      # the model's probability for ``player``
    latency_ms: float      # one batch-1 inference

    def message(self) -> str:
        verdict = {"player": "you win", "computer": "the computer wins", "tie": "a tie"}[self.outcome]
        return (f"the model sees {self.player} ({100 * self.confidence:.0f}% sure, {self.latency_ms:.1f} ms); "
                f"the computer plays {self.computer}: {verdict}")


@dataclass
class Game:
    """A match: call :meth:`play` with the model's class probabilities for the player's hand.

    The computer's moves come from ``rng`` (seeded: a replayed match is the same match), or from
    ``opponent`` when given: an object with ``move() -> str`` and ``observe(player, computer)``, e.g.
    :class:`course_utils.deploy.opponent.Opponent`, which predicts the player from their history.
    """

    seed: int = 0
    score: Score = field(default_factory=Score)
    history: list[Round] = field(default_factory=list)
    opponent: object | None = None

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(check_seed(self.seed))

    def play(self, probabilities, latency_ms: float = 0.0, computer: str | None = None) -> Round:
        """Play one round. ``probabilities``: shape (3,) (or (1, 3)), one per move in :data:`MOVES`."""
        try:
            p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            p = np.full(0, np.nan)
        if p.shape != (len(MOVES),) or not np.all(np.isfinite(p)):
            raise ValueError(f"probabilities must be {len(MOVES)} finite numbers (one per move {MOVES}), "
                             f"got shape {np.shape(probabilities)}")
        if p.min() < -PROBABILITY_SLACK or p.max() > 1 + PROBABILITY_SLACK or abs(p.sum() - 1) > PROBABILITY_SLACK:
            raise ValueError(f"probabilities must be in [0, 1] and sum to 1 (a softmax output, not logits), got {p.tolist()}")
        if isinstance(latency_ms, bool) or not isinstance(latency_ms, (int, float, np.floating, np.integer)) \
                or not np.isfinite(latency_ms) or latency_ms < 0:
            raise ValueError(f"latency_ms must be a finite number of milliseconds >= 0, got {latency_ms!r}")
        player = MOVES[int(p.argmax())]
        if computer is None:   # the computer's move depends on the past rounds only, never on this one
            computer = self.opponent.move() if self.opponent is not None else MOVES[int(self.rng.integers(len(MOVES)))]
        computer = check_move(computer)
        result = Round(player, computer, winner(player, computer), float(p.max()), float(latency_ms))
        if self.opponent is not None:
            self.opponent.observe(player, computer)
        self.score.record(result.outcome)
        self.history.append(result)
        return result


def decode_upload(content: bytes | memoryview | None, size: int) -> np.ndarray:
    """Bytes of an uploaded file -> uint8 RGB image ``(size, size, 3)`` (centre-cropped to a square, resized).

    Raises ValueError with a message fit for the learner when the upload is empty or not an image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    check_count(size, "size")
    if content is not None and not isinstance(content, (bytes, bytearray, memoryview)):
        raise ValueError(f"the upload must be the file's bytes, got {type(content).__name__}")
    data = bytes(content) if content is not None else b""
    if not data:
        raise ValueError("the upload is empty: choose a photo (JPEG or PNG) of a hand")
    try:
        with Image.open(io.BytesIO(data)) as im:
            im = ImageOps.exif_transpose(im)   # a phone photo as the phone shows it, not as stored
            if im.mode.startswith("I"):   # 16-bit (or 32-bit) grey: scale to 0..255, do not clip
                im = Image.fromarray(np.clip(np.asarray(im, np.float64) / 257.0, 0, 255).round().astype(np.uint8))
            im = im.convert("RGB")
            side = min(im.size)
            left, top = (im.width - side) // 2, (im.height - side) // 2
            im = im.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"that file is not an image I can read (JPEG or PNG expected): {type(err).__name__}") from None


__all__ = ["BEATS", "Game", "MOVES", "OUTCOMES", "Round", "Score", "check_move", "decode_upload", "winner"]
