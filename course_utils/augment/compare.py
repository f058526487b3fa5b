"""Paired comparisons over seeds: is a policy's gain larger than the seed-to-seed noise?

Runs with the same seed share the initial weights and the batch order, so the gain of a policy
over the control is measured seed by seed, ``d_s = acc(policy, s) - acc(control, s)``, and the
interval is Student's t on those differences (mean ± t · sd / √n, n - 1 degrees of freedom).
Pairing removes what both runs of a seed share, which an overlap of two min-max ranges cannot.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Gain:
    """Mean paired difference, its confidence interval and the per-seed differences."""
    mean: float
    low: float
    high: float
    per_seed: tuple[float, ...]

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of 0 (always False for one seed)."""
        return bool(self.low > 0 or self.high < 0)


def paired_interval(differences, confidence: float = 0.95) -> Gain:
    """Student-t interval for the mean of per-seed differences ``(n,)``; nan bounds when n = 1."""
    from scipy import stats

    d = np.asarray(differences, dtype=float)
    if d.ndim != 1 or len(d) == 0 or not np.all(np.isfinite(d)):
        raise ValueError(f"differences must be a non-empty 1-D sequence of finite numbers, got {differences!r}")
    if not (isinstance(confidence, float) and 0 < confidence < 1):
        raise ValueError(f"confidence must be a float in (0, 1), got {confidence!r}")
    mean = float(d.mean())
    if len(d) == 1:
        return Gain(mean, float("nan"), float("nan"), (mean,))
    half = float(stats.t.ppf((1 + confidence) / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return Gain(mean, mean - half, mean + half, tuple(float(v) for v in d))


def paired_gains(runs, baseline: str = "control", confidence: float = 0.95) -> dict[str, dict[str, Gain]]:
    """``{policy: {background: Gain}}`` over the seeds each policy shares with ``baseline``.

    ``runs``: objects with ``policy``, ``seed`` and ``accuracy`` (``{background: accuracy}``), such
    as :class:`~course_utils.augment.experiment.Run`. Raises ``ValueError`` if the baseline is
    missing or a policy has a seed the baseline lacks (an unpaired run).
    """
    table = {(r.policy, r.seed): r.accuracy for r in runs}
    base = {seed: acc for (policy, seed), acc in table.items() if policy == baseline}
    if not base:
        raise ValueError(f"no run of the baseline {baseline!r}; policies present: {sorted({p for p, _ in table})}")
    out: dict[str, dict[str, Gain]] = {}
    for policy in dict.fromkeys(p for p, _ in table if p != baseline):
        seeds = sorted(s for p, s in table if p == policy)
        unpaired = [s for s in seeds if s not in base]
        if unpaired:
            raise ValueError(f"{policy!r} has seeds {unpaired} that {baseline!r} lacks: every run needs its pair")
        out[policy] = {bg: paired_interval([table[policy, s][bg] - base[s][bg] for s in seeds], confidence)
                       for bg in base[seeds[0]]}
    return out


def format_gain(gain: Gain, width: int = 26) -> str:
    """``+0.085 [+0.064, +0.107]*`` right-aligned in ``width`` (``*``: the interval excludes 0;
    ``n/a`` for the interval of a single seed)."""
    if np.isnan(gain.low):
        text = f"{gain.mean:+.3f} [n/a]"
    else:
        text = f"{gain.mean:+.3f} [{gain.low:+.3f}, {gain.high:+.3f}]{'*' if gain.excludes_zero else ' '}"
    return f"{text:>{width}s}"
