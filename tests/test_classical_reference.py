"""The reference loops the exercises of lessons 01-02 are checked against."""
import numpy as np
import pytest

from course_utils.classical import reference


def _blobs(seed=0):
    """Faces around +1, a pool of non-faces around -1 with a few that look like faces."""
    rng = np.random.default_rng(seed)
    X_pos = rng.normal(1.0, 0.5, (60, 4))
    X_pool = np.concatenate([rng.normal(-1.0, 0.5, (200, 4)), rng.normal(0.8, 0.5, (30, 4))])
    return X_pos, X_pool


def test_mining_adds_only_false_positives_best_first_and_retrains():
    X_pos, X_pool = _blobs()
    svm, added = reference.mine_hard_negatives(X_pos, X_pool, n_start=100, rounds=3, per_round=10)
    # measured: full rounds while face-like windows score above 0; the third finds only 8
    assert [len(a) for a in added] == [10, 10, 8]
    flat = np.concatenate(added)
    assert len(set(flat.tolist())) == 28 and flat.min() >= 100  # never a negative twice
    assert np.mean(flat >= 200) > 0.8  # mostly the face-like windows of the pool
    first = reference.train_linear_svm(X_pos, X_pool[:100])
    unused = np.arange(100, len(X_pool))
    scores = first.decision_function(X_pool[unused])
    assert added[0].tolist() == unused[np.argsort(-scores, kind="stable")][:10].tolist()
    final = reference.train_linear_svm(X_pos, X_pool[np.r_[np.arange(100), flat]])
    assert np.allclose(svm.coef_, final.coef_)


def test_mining_stops_when_nothing_scores_above_zero():
    X_pos, X_pool = _blobs()
    _, added = reference.mine_hard_negatives(X_pos, X_pool[:200], n_start=50, rounds=5, per_round=1000)
    assert len(added) < 5 and all(len(a) for a in added)


@pytest.mark.parametrize("kwargs", [dict(n_start=0), dict(per_round=0), dict(n_start=10_000)])
def test_mining_rejects_bad_arguments(kwargs):
    X_pos, X_pool = _blobs()
    args = dict(n_start=10, rounds=1, per_round=5) | kwargs
    with pytest.raises(ValueError, match="expected"):
        reference.mine_hard_negatives(X_pos, X_pool, **args)
    with pytest.raises(ValueError, match="same d"):
        reference.mine_hard_negatives(X_pos, X_pool[:, :3], 10, 1, 5)
