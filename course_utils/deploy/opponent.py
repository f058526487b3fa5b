"""A computer opponent that predicts the player's next move, and the scripted players it is measured against.

The opponent keeps several *experts*, each a table of counts that predicts the player's next move from a
context: nothing (the player's overall frequencies), the player's last move (order-1 Markov), their last two
moves (order 2), and the last round as a (player, computer) pair, which is what a "win-stay / lose-shift"
player reacts to. Each expert's recent log-likelihood of the moves it saw decides which one is trusted; the
computer plays the best reply to that expert's prediction, and with probability ``epsilon`` a uniformly random
move instead, so it is never fully predictable itself.

Nobody can beat a uniformly random player, or lose to one: whatever the computer plays, each of the
player's moves comes with probability 1/3, so each outcome does too. The measured win rate against the uniform
player is therefore 1/3 up to sampling noise, which is what :func:`evaluate` shows.
Pure NumPy; the moves are :data:`course_utils.deploy.game.MOVES`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.validate import check_count
from ..seeding import check_seed
from .game import BEATS, MOVES, check_move, winner

# the move that beats each move: BEATS maps a move to the one it beats
BEATEN_BY = {loser: w for w, loser in BEATS.items()}
EXPERTS = ("frequency", "markov-1", "markov-2", "last round")
# a 3x3 payoff for the computer: PAYOFF[c, p] = +1 if computer move c beats player move p, -1 if it loses
PAYOFF = np.array([[{"computer": 1, "player": -1, "tie": 0}[winner(MOVES[p], MOVES[c])]
                    for p in range(3)] for c in range(3)], dtype=np.float64)


class Opponent:
    """The predicting computer. Call :meth:`move` for its next move, then :meth:`observe` the round.

    ``epsilon``: the share of rounds played uniformly at random (in [0, 1]); ``decay``: how fast an
    expert's record fades (in (0, 1]; 1 never forgets); ``seed`` fixes the random rounds and the tie-breaks.
    """

    def __init__(self, seed: int = 0, epsilon: float = 0.1, decay: float = 0.9):
        if not (isinstance(epsilon, (int, float)) and 0 <= epsilon <= 1):
            raise ValueError(f"epsilon must be a probability in [0, 1], got {epsilon!r}")
        if not (isinstance(decay, (int, float)) and 0 < decay <= 1):
            raise ValueError(f"decay must be in (0, 1], got {decay!r}")
        self.rng = np.random.default_rng(check_seed(seed))
        self.epsilon, self.decay = float(epsilon), float(decay)
        self.players: list[int] = []     # the player's moves so far, as indices into MOVES
        self.computers: list[int] = []   # the computer's
        self.counts = {name: {} for name in EXPERTS}   # context -> (3,) counts of the player's next move
        self.scores = np.zeros(len(EXPERTS))           # decayed log-likelihood of each expert

    def _context(self, expert: str):
        p, c = self.players, self.computers
        if expert == "frequency":
            return ()
        if expert == "markov-1":
            return tuple(p[-1:]) if p else None
        if expert == "markov-2":
            return tuple(p[-2:]) if len(p) >= 2 else None
        return (p[-1], c[-1]) if p else None          # "last round"

    def _expert_prediction(self, expert: str) -> np.ndarray:
        context = self._context(expert)
        counts = self.counts[expert].get(context, np.zeros(3)) if context is not None else np.zeros(3)
        return (counts + 1) / (counts.sum() + 3)       # Laplace: an unseen context predicts uniform

    def predict(self) -> np.ndarray:
        """Probabilities ``(3,)`` of the player's next move (order of MOVES), from the best-scoring expert."""
        best = int(np.argmax(self.scores))             # ties: the first, the simplest expert
        return self._expert_prediction(EXPERTS[best])

    def move(self) -> str:
        """The computer's next move: the best reply to :meth:`predict`, or a random one (``epsilon``)."""
        if self.rng.random() < self.epsilon:
            return MOVES[int(self.rng.integers(3))]
        expected = PAYOFF @ self.predict()             # the computer's expected payoff of each move
        best = np.flatnonzero(expected >= expected.max() - 1e-12)
        return MOVES[int(best[self.rng.integers(len(best))])]

    def observe(self, player: str, computer: str) -> None:
        """Record one round: score each expert on the player's move, then update its counts."""
        p, c = MOVES.index(check_move(player)), MOVES.index(check_move(computer))
        for i, expert in enumerate(EXPERTS):
            self.scores[i] = self.decay * self.scores[i] + np.log(self._expert_prediction(expert)[p])
        for expert in EXPERTS:
            context = self._context(expert)
            if context is not None:
                self.counts[expert].setdefault(context, np.zeros(3))[p] += 1
        self.players.append(p)
        self.computers.append(c)


class UniformOpponent:
    """The old computer: every move uniformly at random (the baseline the predicting opponent is compared with)."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(check_seed(seed))

    def move(self) -> str:
        return MOVES[int(self.rng.integers(3))]

    def observe(self, player: str, computer: str) -> None:
        check_move(player), check_move(computer)


# --- scripted players: (history of (player, computer) rounds, rng) -> the player's next move ---------------
Player = Callable[[list[tuple[str, str]], np.random.Generator], str]


def always_rock(history, rng) -> str:
    return "rock"


def cycling(history, rng) -> str:
    """rock, paper, scissors, rock, ...: each move beats the one before."""
    return ("rock", "paper", "scissors")[len(history) % 3]


def win_stay_lose_shift(history, rng) -> str:
    """Keep a winning move; after a loss or a tie, play what would have beaten the computer's last move."""
    if not history:
        return MOVES[int(rng.integers(3))]
    player, computer = history[-1]
    return player if winner(player, computer) == "player" else BEATEN_BY[computer]


def uniform_random(history, rng) -> str:
    return MOVES[int(rng.integers(3))]


PLAYERS: dict[str, Player] = {"always rock": always_rock, "cycling": cycling,
                              "win-stay/lose-shift": win_stay_lose_shift, "uniform random": uniform_random}


def play_match(player: Player, opponent, rounds: int, seed: int = 0) -> dict[str, int]:
    """Play ``rounds`` rounds; return the computer's ``{"won", "lost", "tied"}`` counts."""
    rng = np.random.default_rng(check_seed(seed))
    history: list[tuple[str, str]] = []
    tally = {"won": 0, "lost": 0, "tied": 0}
    for _ in range(check_count(rounds, "rounds")):
        computer = opponent.move()                     # chosen before the player's move is known
        move = check_move(player(history, rng))
        outcome = winner(move, computer)
        tally[{"computer": "won", "player": "lost", "tie": "tied"}[outcome]] += 1
        opponent.observe(move, computer)
        history.append((move, computer))
    return tally


@dataclass(frozen=True)
class Evaluation:
    """The computer's win rate against one player over ``games`` matches: mean and a 95% interval."""

    player: str
    games: int
    rounds: int
    win_rate: float
    low: float        # 95% interval of the mean over games (normal approximation, games >= 30)
    high: float
    loss_rate: float
    tie_rate: float

    def __str__(self) -> str:
        return (f"{self.player:20s} wins {100 * self.win_rate:5.1f}% [{100 * self.low:5.1f}, {100 * self.high:5.1f}]"
                f"  loses {100 * self.loss_rate:5.1f}%  ties {100 * self.tie_rate:5.1f}%")


def evaluate(player: str, opponent: str = "predicting", games: int = 200, rounds: int = 100, seed: int = 0,
             **options) -> Evaluation:
    """Play ``games`` matches of ``rounds`` rounds (match ``g`` seeded ``seed + g``) against a scripted player.

    ``player``: a key of :data:`PLAYERS`; ``opponent``: ``"predicting"`` (:class:`Opponent`, ``options``
    passed on) or ``"uniform"`` (:class:`UniformOpponent`). Deterministic for a given ``seed``.
    """
    if player not in PLAYERS:
        raise ValueError(f"player must be one of {tuple(PLAYERS)}, got {player!r}")
    if opponent not in ("predicting", "uniform"):
        raise ValueError(f"opponent must be 'predicting' or 'uniform', got {opponent!r}")
    check_count(games, "games", minimum=2), check_seed(seed)
    rates = []
    for g in range(games):
        computer = Opponent(seed + g, **options) if opponent == "predicting" else UniformOpponent(seed + g)
        t = play_match(PLAYERS[player], computer, rounds, seed=seed + g + 1_000_003)
        rates.append((t["won"] / rounds, t["lost"] / rounds, t["tied"] / rounds))
    r = np.array(rates)
    half = 1.96 * r[:, 0].std(ddof=1) / np.sqrt(games)
    return Evaluation(player, games, rounds, float(r[:, 0].mean()), float(r[:, 0].mean() - half),
                      float(r[:, 0].mean() + half), float(r[:, 1].mean()), float(r[:, 2].mean()))


__all__ = ["EXPERTS", "Evaluation", "Opponent", "PLAYERS", "UniformOpponent", "evaluate", "play_match"]
