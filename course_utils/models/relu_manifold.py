"""Why MobileNet v2's projection has no ReLU: the spiral experiment of Sandler et al. (2018), Figure 1.

A 2-D spiral x (N, 2) is embedded into n dimensions by a random matrix T (n, 2), passed
through ReLU, and mapped back with T's pseudo-inverse. In a narrow embedding (small n) the
ReLU zeroes most of what carries the shape; in a wide one most of it survives. The error
is measured after the best 2x2 linear read-out, so a mere rescaling (the ReLU halves the
spiral on average) is not counted as loss. Plain NumPy.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np


def spiral(points: int = 400) -> np.ndarray:
    """A 2-D spiral centred on the origin, shape (points, 2), radius at most 1."""
    if points < 3:
        raise ValueError(f"points must be at least 3, got {points!r}")
    theta = np.linspace(0.0, 4 * np.pi, points)
    return np.stack([theta * np.cos(theta), theta * np.sin(theta)], axis=1) / (4 * np.pi)


def relu_roundtrip(x: np.ndarray, n: int, rng: np.random.Generator,
                   activation: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """x (N, 2) -> T x (N, n) -> activation (ReLU by default) -> pinv(T) back to (N, 2)."""
    if n < 1:
        raise ValueError(f"n must be a positive number of dimensions, got {n!r}")
    act = (lambda z: np.maximum(z, 0.0)) if activation is None else activation
    T = rng.standard_normal((n, x.shape[1]))
    return act(x @ T.T) @ np.linalg.pinv(T).T


def relative_error(x: np.ndarray, x_back: np.ndarray) -> float:
    """Squared error left after the best linear read-out A (least squares, x ~ x_back A),
    relative to x's mean squared norm: 0 = nothing lost, 1 = nothing recovered."""
    A = np.linalg.lstsq(x_back, x, rcond=None)[0]
    return float(np.mean(np.sum((x - x_back @ A) ** 2, axis=1)) / np.mean(np.sum(x**2, axis=1)))


def decoder_error(x: np.ndarray, n: int, rng: np.random.Generator,
                  activation: Callable[[np.ndarray], np.ndarray] | None = None, k: int = 2) -> float:
    """Information left after a *non-linear* decoder: k-nearest-neighbour regression from
    y = activation(T x) back to x, trained on the even points of ``x`` and tested on the odd ones.

    Relative squared error as in :func:`relative_error` (0: every held-out point recovered from its
    neighbours in y; large: points that y collapses together, or that y sends next to far-away points).
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of dimensions, got {n!r}")
    if k < 1:
        raise ValueError(f"k must be a positive number of neighbours, got {k!r}")
    act = (lambda z: np.maximum(z, 0.0)) if activation is None else activation
    T = rng.standard_normal((n, x.shape[1]))
    x_tr, x_te = x[::2], x[1::2]
    y_tr, y_te = act(x_tr @ T.T), act(x_te @ T.T)
    d = np.sum((y_te[:, None, :] - y_tr[None, :, :]) ** 2, axis=-1)
    pred = x_tr[np.argsort(d, axis=1, kind="stable")[:, :k]].mean(axis=1)
    return float(np.mean(np.sum((x_te - pred) ** 2, axis=1)) / np.mean(np.sum(x_te**2, axis=1)))


def decoder_errors(dims: Iterable[int] = (2, 3, 5, 15, 30), trials: int = 20, seed: int = 0,
                   activation: Callable[[np.ndarray], np.ndarray] | None = None,
                   points: int = 800) -> dict[int, np.ndarray]:
    """``{n: errors}``: :func:`decoder_error` for ``trials`` random T per n (rng ``[seed, n, i]``)."""
    x = spiral(points)
    return {n: np.array([decoder_error(x, n, np.random.default_rng([seed, n, i]), activation)
                         for i in range(trials)]) for n in dims}


def reconstruction_errors(dims: Iterable[int] = (2, 3, 5, 15, 30), trials: int = 20, seed: int = 0,
                          activation: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """``{n: errors}``: :func:`relative_error` for ``trials`` random T per embedding size n.

    Trial i at size n uses ``np.random.default_rng([seed, n, i])``, so every value is reproducible.
    """
    x = spiral()
    return {n: np.array([relative_error(x, relu_roundtrip(x, n, np.random.default_rng([seed, n, i]), activation))
                         for i in range(trials)]) for n in dims}


__all__ = ["decoder_error", "decoder_errors", "reconstruction_errors", "relative_error", "relu_roundtrip", "spiral"]
