"""Reference implementations the exercises of lessons 01 and 02 are checked against.

The self-checks in ``solutions/01_hog_svm_exercises.ipynb`` compare a learner's loop with
these at check time, so no expected answer is written into a visible check cell.
(NMS, one AdaBoost stump and its re-weighting, and the cascade's stage thresholds already
live in :mod:`.windows` and :mod:`.boost`.)
"""
from __future__ import annotations

import numpy as np


def _check_features(X_pos, X_pool) -> tuple[np.ndarray, np.ndarray]:
    X_pos, X_pool = np.asarray(X_pos, dtype=np.float64), np.asarray(X_pool, dtype=np.float64)
    if X_pos.ndim != 2 or X_pool.ndim != 2 or X_pos.shape[1] != X_pool.shape[1]:
        raise ValueError(f"expected X_pos (n_pos, d) and X_pool (n_pool, d) with the same d, "
                         f"got {X_pos.shape} and {X_pool.shape}")
    return X_pos, X_pool


def train_linear_svm(X_pos: np.ndarray, X_neg: np.ndarray, C: float = 0.1, seed: int = 0):
    """A ``LinearSVC`` on faces (label 1, rows first) then non-faces (label 0), in that order."""
    from sklearn.svm import LinearSVC

    X = np.concatenate([X_pos, X_neg])
    y = np.r_[np.ones(len(X_pos)), np.zeros(len(X_neg))]
    return LinearSVC(C=C, max_iter=20000, random_state=seed).fit(X, y)


def mine_hard_negatives(X_pos, X_pool, n_start: int, rounds: int, per_round: int,
                        C: float = 0.1, seed: int = 0) -> tuple[object, list[np.ndarray]]:
    """Hard-negative mining (Dalal & Triggs 2005, section 3): train, add false positives, retrain.

    Parameters
    ----------
    X_pos : (n_pos, d) descriptors of faces.
    X_pool : (n_pool, d) descriptors of windows known to hold no face.
    n_start : the first ``n_start`` rows of ``X_pool`` are the initial negatives.
    rounds : at most this many mining rounds.
    per_round : at most this many windows added per round.

    Each round trains :func:`train_linear_svm` on the positives and the current negatives
    (initial ones first, then the mined ones in the order they were added), scores every pool
    window not yet among the negatives, and appends those scoring above 0 (false positives),
    highest score first (ties: lower index first), at most ``per_round`` of them. Mining stops
    early when no unused window scores above 0.

    Returns
    -------
    (svm, added) : the SVM trained on the final negatives, and one array of pool indices per
    round that added windows.
    """
    X_pos, X_pool = _check_features(X_pos, X_pool)
    if not (0 < n_start <= len(X_pool)) or rounds < 0 or per_round < 1:
        raise ValueError(f"expected 0 < n_start <= {len(X_pool)}, rounds >= 0, per_round >= 1; "
                         f"got {n_start}, {rounds}, {per_round}")
    used = list(range(n_start))
    added: list[np.ndarray] = []
    svm = train_linear_svm(X_pos, X_pool[used], C, seed)
    for _ in range(rounds):
        unused = np.setdiff1d(np.arange(len(X_pool)), used)  # sorted: ties keep index order
        scores = svm.decision_function(X_pool[unused])
        order = np.argsort(-scores, kind="stable")
        hard = unused[order][scores[order] > 0][:per_round]
        if not len(hard):
            break
        added.append(hard)
        used += hard.tolist()
        svm = train_linear_svm(X_pos, X_pool[used], C, seed)
    return svm, added
