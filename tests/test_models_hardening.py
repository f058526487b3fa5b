"""MobileNet v1 builders reject bad arguments with a ValueError that says what was expected,
instead of building the wrong model or failing deep inside Keras/PyTorch."""
import pytest

from course_utils import models
from course_utils.models import MIN_ALPHA, scaled_channels


def test_smallest_alpha_keeps_one_channel_everywhere():
    assert MIN_ALPHA == 1 / 32
    assert scaled_channels(32, MIN_ALPHA) == 1
    with pytest.raises(ValueError, match=r"alpha must be >= 0.03125"):
        models.check_alpha(0.01)
    for bad in (0, -1.0, float("nan"), float("inf"), "0.5", True):
        with pytest.raises(ValueError, match="alpha"):
            models.check_alpha(bad)


def test_scaled_channels_never_returns_zero():
    with pytest.raises(ValueError, match="0 channels"):
        scaled_channels(32, 0.01)
    assert scaled_channels(1024, 0.25) == 256


@pytest.mark.parametrize("kwargs, match", [
    ({"alpha": 0.01}, r"alpha must be >= 0.03125"),
    ({"alpha": 0.0}, "alpha"),
    ({"pooling": "mean"}, r"pooling must be None, 'avg' or 'max'"),
    ({"pooling": "mean", "include_top": True}, "pooling"),
    ({"classes": 0}, "classes must be a positive int"),
    ({"classes": 2.5}, "classes must be a positive int"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ({"input_shape": (31, 64, 3)}, "input_shape"),
    ({"input_shape": (64, 64, 1)}, "input_shape"),
    ({"input_shape": (64.5, 64, 3)}, "input_shape"),
])
def test_keras_builder_rejects_bad_arguments(frameworks, kwargs, match):
    from course_utils.models import keras_models

    with pytest.raises(ValueError, match=match):
        keras_models.mobilenet_v1(**kwargs)


def test_keras_pooling_values_that_are_allowed(frameworks):
    _, keras = frameworks
    from course_utils.models import keras_models

    shapes = {p: tuple(keras_models.mobilenet_v1(0.25, (32, 32, 3), include_top=False, pooling=p).output.shape)
              for p in (None, "avg", "max")}
    assert shapes == {None: (None, 1, 1, 256), "avg": (None, 256), "max": (None, 256)}
    model = keras_models.mobilenet_v1(MIN_ALPHA, (32, 32, 3), classes=3)
    assert model.get_layer("conv1").filters == 1 and tuple(model.output.shape) == (None, 3)
    keras.backend.clear_session()


@pytest.mark.parametrize("kwargs, match", [
    ({"alpha": 0.01}, r"alpha must be >= 0.03125"),
    ({"num_classes": 0}, "num_classes must be a positive int"),
    ({"dropout": -0.1}, r"dropout must be in \[0, 1\)"),
])
def test_torch_builder_rejects_bad_arguments(frameworks, kwargs, match):
    from course_utils.models import torch_models

    with pytest.raises(ValueError, match=match):
        torch_models.mobilenet_v1(**kwargs)


def test_torch_builder_at_the_smallest_alpha(frameworks):
    torch, _ = frameworks
    from course_utils.models import torch_models

    model = torch_models.mobilenet_v1(MIN_ALPHA, num_classes=3).eval()
    with torch.no_grad():
        assert tuple(model(torch.zeros(1, 3, 32, 32)).shape) == (1, 3)
    assert model.features[0][1].out_channels == 1
