"""The course's MobileNet v1 (Keras and PyTorch) against keras.applications.MobileNet."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils import cost
from course_utils.models import MOBILENET_V1_ALPHAS




@pytest.mark.parametrize("alpha", MOBILENET_V1_ALPHAS)
def test_param_counts_equal_keras_applications(frameworks, alpha):
    torch, keras = frameworks
    from course_utils.models import keras_models, torch_models

    for top in (True, False):
        with keras.StatelessScope():  # shapes and counts only: no weight is allocated or initialised
            ours = keras_models.mobilenet_v1(alpha, include_top=top)
            ref = keras.applications.MobileNet(weights=None, alpha=alpha, include_top=top,
                                               input_shape=(224, 224, 3))
        assert ours.count_params() == ref.count_params()
        assert [type(a).__name__ for a in ours.layers] == [type(b).__name__ for b in ref.layers]
        assert [w.shape for w in ours.weights] == [w.shape for w in ref.weights]
        assert cost.mobilenet_v1_table(alpha, 224, include_top=top).params("total") == ref.count_params()
        with torch.device("meta"):  # the same for PyTorch: parameters without storage
            torch_model = torch_models.mobilenet_v1(alpha, include_top=top)
        assert cost.count_params(torch_model, "total") == ref.count_params()
        if alpha == 1.0 and not top:
            assert ref.count_params() == 3_228_864
        del ours, ref
        keras.backend.clear_session(free_memory=False)  # names reset; no weights to collect


def _logits(model, x):
    return np.asarray(model(x, training=False))


@pytest.fixture(scope="module")
def reference_and_input(frameworks):
    """keras.applications MobileNet 0.5 @ 96 (logits), with non-trivial BatchNorm statistics."""
    _, keras = frameworks
    from course_utils.models import keras_models

    ref = keras.applications.MobileNet(weights=None, alpha=0.5, input_shape=(96, 96, 3),
                                       classifier_activation=None)
    keras_models.randomize_batchnorm(ref, seed=1)
    # a larger classifier init so that logits differ visibly between images
    kernel, bias = ref.get_layer("conv_preds").get_weights()
    ref.get_layer("conv_preds").set_weights([kernel * 20, np.linspace(-1, 1, bias.size).astype("float32")])
    x = np.random.default_rng(0).uniform(-1, 1, (2, 96, 96, 3)).astype("float32")
    return ref, x


def test_keras_weight_transfer_gives_same_outputs(frameworks, reference_and_input):
    from course_utils.models import keras_models

    ref, x = reference_and_input
    ours = keras_models.mobilenet_v1(0.5, input_shape=(96, 96, 3), classifier_activation=None)
    before = _logits(ours, x)
    keras_models.copy_weights(ref, ours)
    expected, got = _logits(ref, x), _logits(ours, x)
    assert np.abs(expected).max() > 1e-2 and np.abs(expected - before).max() > 1e-3
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)


def test_torch_with_converted_weights_gives_same_outputs(frameworks, reference_and_input):
    torch, _ = frameworks
    from course_utils.models import torch_models

    ref, x = reference_and_input
    expected = _logits(ref, x)
    model = torch_models.load_keras_weights(torch_models.mobilenet_v1(0.5).eval(), ref)
    with torch.no_grad():
        got = model(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, atol=1e-5 * max(scale, 1), rtol=1e-4)
    # PyTorch's symmetric padding=1 at stride 2 samples a grid shifted by one pixel:
    # same weights, visibly different outputs.
    sym = torch_models.load_keras_weights(torch_models.mobilenet_v1(0.5, tf_padding=False).eval(), ref)
    with torch.no_grad():
        shifted = sym(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
    assert np.abs(shifted - expected).max() > 100 * np.abs(got - expected).max() + 1e-4


def test_torch_features_match_keras_at_odd_size(frameworks):
    """TFSamePad reproduces "same" padding at the first conv for an odd input size too."""
    torch, keras = frameworks
    from course_utils.models import keras_models, torch_models

    k = keras_models.mobilenet_v1(0.25, input_shape=(99, 99, 3), include_top=False)
    keras_models.randomize_batchnorm(k, seed=2)
    t = torch_models.load_keras_weights(torch_models.mobilenet_v1(0.25, include_top=False).eval(), k)
    x = np.random.default_rng(1).uniform(-1, 1, (1, 99, 99, 3)).astype("float32")
    expected = np.asarray(k(x, training=False))
    with torch.no_grad():
        got = t(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).numpy()
    assert got.shape == expected.shape == (1, 3, 3, 256)
    np.testing.assert_allclose(got, expected, atol=1e-4 * max(np.abs(expected).max(), 1))
    keras.backend.clear_session()


def test_full_conv_models_match_formula(frameworks):
    _, keras = frameworks
    from course_utils.models import keras_models, torch_models

    formula = cost.mobilenet_v1_table(0.25, 128, separable=False)
    k = keras_models.mobilenet_v1(0.25, input_shape=(128, 128, 3), separable=False)
    t = torch_models.mobilenet_v1(0.25, separable=False)
    assert cost.compare_tables(formula, cost.profile(k)) == []
    assert cost.compare_tables(formula, cost.profile(t, (3, 128, 128))) == []
    keras.backend.clear_session()


def test_bad_input_shape(frameworks):
    from course_utils.models import keras_models

    with pytest.raises(ValueError, match="input_shape"):
        keras_models.mobilenet_v1(1.0, input_shape=(16, 16, 3))
