"""The v2 paper's Figure 1 experiment: ReLU loses a low-dimensional manifold in narrow tensors."""
import numpy as np
import pytest

from course_utils.models.relu_manifold import reconstruction_errors, relative_error, relu_roundtrip, spiral


def test_error_falls_as_the_embedding_widens():
    errors = reconstruction_errors((2, 3, 5, 15, 30), trials=20, seed=0)
    means = [errors[n].mean() for n in (2, 3, 5, 15, 30)]
    assert all(a > b for a, b in zip(means, means[1:])), means
    # measured: 0.45, 0.37, 0.27, 0.17, 0.08 (mean of 20 random T); floors with room for BLAS noise
    assert means[0] > 0.35 and means[-1] < 0.12
    assert np.round(means, 2).tolist() == [0.45, 0.37, 0.27, 0.17, 0.08]


def test_without_the_relu_nothing_is_lost():
    identity = reconstruction_errors((2, 5, 30), trials=5, activation=lambda z: z)
    assert max(e.max() for e in identity.values()) < 1e-12


def test_a_rescaled_spiral_counts_as_recovered():
    x = spiral(100)
    assert relative_error(x, 0.5 * x) < 1e-12  # the read-out undoes a scale
    assert relative_error(x, np.zeros_like(x) + 1e-3 * np.random.default_rng(0).standard_normal(x.shape)) > 0.9


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="positive number of dimensions"):
        relu_roundtrip(spiral(), 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 3"):
        spiral(2)
