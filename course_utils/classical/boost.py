"""Viola-Jones' learning half: discrete AdaBoost with decision stumps, and the attentional
cascade that runs its stumps stage by stage (and scans an image with them).

Labels are 0 (non-face) and 1 (face); features are those of :mod:`.haar`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .integral import (_as_table, _features_from_integral, _padded_integral, _window_stats,
                       signed_areas, window_grid)


class NotFittedError(RuntimeError, ValueError):
    """A model used before ``fit()``. A RuntimeError (and a ValueError, for older callers)."""


@dataclass
class Stump:
    """``h(x) = 1 if polarity * x[feature] < polarity * threshold else 0`` (Viola-Jones)."""
    feature: int
    threshold: float
    polarity: int
    alpha: float
    error: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        x = X[:, self.feature]
        return (self.polarity * x < self.polarity * self.threshold).astype(np.int64)


def best_stump(X: np.ndarray, y: np.ndarray, w: np.ndarray, order: np.ndarray | None = None) -> Stump:
    """The decision stump with the lowest weighted error over all features and thresholds.

    One pass per feature over the samples sorted by that feature's value: the error of
    "faces below the threshold" is (face weight above) + (non-face weight below); of
    "faces above" the complement. Thresholds sit halfway between consecutive values.
    """
    order = np.argsort(X, axis=0, kind="stable") if order is None else order
    xs = np.take_along_axis(X, order, axis=0)  # (n_samples, n_features), sorted per feature
    wy = (w * y)[order]  # face weight, in that order
    wn = (w * (1 - y))[order]  # non-face weight
    pos_below = np.cumsum(wy, axis=0) - wy  # strictly below sample i
    neg_below = np.cumsum(wn, axis=0) - wn
    total_pos, total_neg = wy.sum(axis=0), wn.sum(axis=0)
    err_faces_below = neg_below + (total_pos - pos_below)  # polarity +1: x < t -> face
    err_faces_above = pos_below + (total_neg - neg_below)  # polarity -1: x > t -> face
    # a threshold at sample i only makes sense if x_i differs from x_{i-1}
    valid = np.ones_like(xs, dtype=bool)
    valid[1:] = xs[1:] != xs[:-1]
    err_faces_below[~valid] = np.inf
    err_faces_above[~valid] = np.inf
    best = []
    for polarity, err in ((1, err_faces_below), (-1, err_faces_above)):
        i, j = np.unravel_index(np.argmin(err), err.shape)
        best.append((err[i, j], polarity, i, j))
    error, polarity, i, j = min(best, key=lambda t: t[0])
    # halfway between the two sorted neighbours (below the smallest value when i == 0)
    threshold = xs[0, j] - 1.0 if i == 0 else (xs[i, j] + xs[i - 1, j]) / 2
    return Stump(int(j), float(threshold), int(polarity), 0.0, float(error))


def reweight(w: np.ndarray, correct: np.ndarray, error: float) -> tuple[np.ndarray, float]:
    """One AdaBoost re-weighting (Viola-Jones form): returns ``(new weights, alpha)``.

    ``beta = error / (1 - error)``; correctly classified samples are multiplied by beta
    (so they weigh less), then the weights are normalised to sum to 1;
    ``alpha = log(1 / beta)`` is the stump's vote.
    """
    error = float(np.clip(error, 1e-10, 1 - 1e-10))
    beta = error / (1 - error)
    w = w * np.where(correct, beta, 1.0)
    return w / w.sum(), float(np.log(1 / beta))


@dataclass
class AdaBoost:
    """Discrete AdaBoost over decision stumps (Viola & Jones 2001, table 1). Labels 0/1."""
    n_rounds: int = 50
    stumps: list = field(default_factory=list)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "AdaBoost":
        """Learn ``n_rounds`` stumps from features ``X`` (n_samples, n_features), labels ``y``."""
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
        if int(self.n_rounds) != self.n_rounds or self.n_rounds < 1:
            raise ValueError(f"n_rounds must be a positive int, got {self.n_rounds!r}")
        if X.ndim != 2 or y.shape != (len(X),):
            raise ValueError(f"expected X of shape (n_samples, n_features) and y of shape (n_samples,), "
                             f"got X {X.shape} and y {y.shape}")
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("labels must be 0 (non-face) and 1 (face), with both present")
        n_pos, n_neg = y.sum(), (1 - y).sum()
        w = np.where(y == 1, 1 / (2 * n_pos), 1 / (2 * n_neg))  # each class weighs 1/2
        order = np.argsort(X, axis=0, kind="stable")
        self.stumps = []
        for _ in range(self.n_rounds):
            w = w / w.sum()
            stump = best_stump(X, y, w, order)
            correct = stump.predict(X) == y
            w, stump.alpha = reweight(w, correct, stump.error)
            self.stumps.append(stump)
        return self

    def _check_fitted(self) -> None:
        if not self.stumps:
            raise NotFittedError("this AdaBoost has no stumps yet: call fit() first")

    def decision_function(self, X: np.ndarray, n: int | None = None) -> np.ndarray:
        """``sum(alpha_t h_t(x)) - 0.5 sum(alpha_t)`` over the first ``n`` stumps (> 0: face)."""
        self._check_fitted()
        stumps = self.stumps[:n]
        votes = sum(s.alpha * s.predict(X) for s in stumps)
        return votes - 0.5 * sum(s.alpha for s in stumps)

    def predict(self, X: np.ndarray, n: int | None = None) -> np.ndarray:
        return (self.decision_function(X, n) >= 0).astype(np.int64)

    def staged_accuracy(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Accuracy after 1, 2, ..., n_rounds stumps."""
        self._check_fitted()
        return np.array([(self.predict(X, n) == y).mean() for n in range(1, len(self.stumps) + 1)])


# ------------------------------------------------------------------------- cascade

@dataclass
class Cascade:
    """An attentional cascade: stage ``k`` uses stumps ``[bounds[k-1], bounds[k])`` of an
    :class:`AdaBoost` model, with a threshold lowered until the stage keeps a fraction
    ``detection_rate`` of the training faces. A window is rejected at the first stage it fails.
    """
    boost: AdaBoost
    bounds: tuple[int, ...] = (2, 5, 10, 20, 40)
    detection_rate: float = 0.99
    thresholds: list = field(default_factory=list)

    def _check_fitted(self) -> None:
        if not self.thresholds:
            raise NotFittedError("this Cascade has no stage thresholds yet: call fit() first")

    def stage_scores(self, X: np.ndarray, k: int) -> np.ndarray:
        """Stage ``k``'s score of each row of ``X``: the alpha-weighted votes of its stumps."""
        self.boost._check_fitted()
        start = 0 if k == 0 else self.bounds[k - 1]
        stumps = self.boost.stumps[start:self.bounds[k]]
        return sum(s.alpha * s.predict(X) for s in stumps)

    def fit(self, X_faces: np.ndarray) -> "Cascade":
        """Set each stage's threshold so that it keeps ``detection_rate`` of ``X_faces``."""
        self.boost._check_fitted()
        if self.bounds[-1] > len(self.boost.stumps):
            raise ValueError(f"the cascade needs {self.bounds[-1]} stumps, the model has "
                             f"{len(self.boost.stumps)}")
        self.thresholds = []
        alive = np.ones(len(X_faces), dtype=bool)
        for k in range(len(self.bounds)):
            scores = self.stage_scores(X_faces[alive], k)
            t = np.quantile(scores, 1 - self.detection_rate, method="lower")
            self.thresholds.append(float(t))
            alive[np.flatnonzero(alive)[scores < t]] = False
        return self

    def run(self, X: np.ndarray) -> tuple[np.ndarray, list[int], int]:
        """``(accepted, survivors per stage, stump evaluations)`` for windows ``X``.

        ``survivors[k]`` counts the windows still alive *after* stage k; evaluations count
        each stump applied to each window that reached its stage.
        """
        self._check_fitted()
        alive = np.ones(len(X), dtype=bool)
        survivors, evaluations, start = [], 0, 0
        for k, end in enumerate(self.bounds):
            idx = np.flatnonzero(alive)
            evaluations += len(idx) * (end - start)
            alive[idx[self.stage_scores(X[idx], k) < self.thresholds[k]]] = False
            survivors.append(int(alive.sum()))
            start = end
        return alive, survivors, evaluations

    def scan(self, image, coords, window=(25, 25), step: int = 2) -> dict:
        """Run the cascade on every window of ``image`` (one scale), computing each stage's
        features only for the windows still alive, from one pair of integral images.

        Returns a dict: ``positions`` (row, col) of accepted windows, ``windows`` scanned,
        ``survivors`` per stage, stump ``evaluations``.
        """
        self._check_fitted()
        image = np.asarray(image, dtype=np.float64)
        height, width = window  # rows, cols
        rows, cols = window_grid(image.shape, window, step)
        P = _padded_integral(image)
        mean, std = _window_stats(image, rows, cols, height, width)
        corners, signs = _as_table(coords)
        signed_area = signed_areas(corners, signs)
        alive = np.ones(len(rows), dtype=bool)
        survivors, evaluations, start = [], 0, 0
        for k, end in enumerate(self.bounds):
            idx = np.flatnonzero(alive)
            score = np.zeros(len(idx))
            for s in self.boost.stumps[start:end]:
                f = s.feature
                raw = _features_from_integral(P, corners[f:f + 1], signs[f:f + 1], rows[idx], cols[idx])[:, 0]
                x = (raw - mean[idx] * signed_area[f]) / np.maximum(std[idx], 1e-3)
                score += s.alpha * (s.polarity * x < s.polarity * s.threshold)
            evaluations += len(idx) * (end - start)
            alive[idx[score < self.thresholds[k]]] = False
            survivors.append(int(alive.sum()))
            start = end
        return {"positions": np.c_[rows[alive], cols[alive]], "windows": len(rows),
                "survivors": survivors, "evaluations": evaluations}


