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


def test_a_nonlinear_decoder_sees_that_leaky_relu_loses_nothing_and_relu_loses_much_at_small_n():
    from course_utils.models.relu_manifold import decoder_errors
    leaky = lambda z: np.where(z > 0, z, 0.1 * z)
    dims = (2, 3, 5, 15, 30)
    relu = decoder_errors(dims, trials=20, seed=0)
    lk = decoder_errors(dims, trials=20, seed=0, activation=leaky)
    ident = decoder_errors(dims, trials=20, seed=0, activation=lambda z: z)
    # measured (mean of 20 T, k = 2 neighbours, 400 train / 400 test points):
    # relu 0.419, 0.139, 0.032, 0.000, 0.000; leaky 0.075, 0.003, 0.000, 0.000, 0.000;
    # medians: relu 0.378 at n = 2, leaky and the identity 0.000 at every n
    assert np.median(relu[2]) > 0.3 and np.median(relu[3]) > 0.08
    assert all(np.median(lk[n]) < 1e-3 for n in dims) and all(np.median(ident[n]) < 1e-3 for n in dims)
    assert all(lk[n].mean() < 1e-3 and relu[n].mean() < 1e-3 for n in (15, 30))
    # the linear read-out cannot tell them apart at n = 2 (0.45 vs 0.38); the decoder can
    assert relu[2].mean() > 4 * lk[2].mean()
    with pytest.raises(ValueError, match="neighbours"):
        from course_utils.models.relu_manifold import decoder_error
        decoder_error(spiral(), 2, np.random.default_rng(0), k=0)
