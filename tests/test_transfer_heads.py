"""Lesson 07's heads, counted exactly: the formula, the built Keras model, the published totals."""
from __future__ import annotations

import pytest

from course_utils.transfer import heads

# Flatten + Dense(256) + Dense(3) on keras.applications backbones at 224x224 (published totals)
PUBLISHED_FLATTEN_TOTALS = {"vgg16": 21_138_243, "mobilenet_v1": 16_074_947, "mobilenet_v2": 18_315_331}


@pytest.mark.parametrize("name", sorted(PUBLISHED_FLATTEN_TOTALS))
def test_flatten_head_totals_reproduce_the_published_counts(frameworks, name):
    _, keras = frameworks
    backbone = heads.keras_application(name, 224)
    model = heads.attach_head(backbone, "flatten", freeze=False)
    assert model.count_params() == PUBLISHED_FLATTEN_TOTALS[name]
    formula = heads.head_params("flatten", tuple(backbone.output_shape[1:]))
    assert backbone.count_params() + formula == PUBLISHED_FLATTEN_TOTALS[name]
    keras.backend.clear_session()


def test_gap_head_on_mobilenet_v1_has_3075_trainable_parameters(frameworks):
    backbone = heads.keras_application("mobilenet_v1", 224)
    model = heads.attach_head(backbone, "gap", freeze=True)
    assert heads.trainable_count(model) == 3_075 == heads.head_params("gap", (7, 7, 1024))
    # the GAP head does not depend on the resolution; the flatten head grows with the area
    assert heads.head_params("gap", (3, 3, 1024)) == 3_075
    assert heads.head_params("flatten", (3, 3, 1024)) == (9 * 1024 + 1) * 256 + 257 * 3 == 2_360_323
    # the course CNN at 96 px: a 6x6x256 map, the same 9,216 inputs
    assert heads.head_params("flatten", (6, 6, 256)) == 2_360_323 and heads.head_params("gap", (6, 6, 256)) == 771


def test_head_arguments_are_checked():
    with pytest.raises(ValueError, match="head kind"):
        heads.head_params("mean", (7, 7, 1024))
    with pytest.raises(ValueError, match="feature_shape"):
        heads.head_params("gap", (7, 1024))
    with pytest.raises(ValueError, match="backbone must be one of"):
        heads.keras_application("alexnet")


def test_adam_checkpoint_holds_two_moments_per_trainable_weight(frameworks):
    from course_utils.transfer import backbones

    model = backbones.build_backbone("mobilenet_v1_0.25", 48)
    numbers = backbones.checkpoint_numbers(model)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert numbers == {"weights": model.count_params(), "adam_moments": 2 * trainable}
    plain, checkpoint = backbones.measured_checkpoint_bytes(model)
    # float32 moments of every trainable weight (and of the probe's Dense(3)), plus the probe's
    # weights and about 150 KB of configuration and HDF5 headers (measured 154 KB: ~170 more arrays)
    moments = 4 * 2 * (trainable + 256 * 3 + 3)
    assert 0 <= checkpoint - plain - moments - 4 * (256 * 3 + 3) <= 200_000
    assert 2.5 < checkpoint / plain < 3.0   # measured 2.69: why a checkpoint is "about 3x" the weights
