"""MobileNet v2 and ShuffleNet v1 built from their spec tables, against reference implementations.

Keras MobileNet v2 == keras.applications.MobileNetV2 (counts at every alpha, layer types,
outputs with copied weights); torch MobileNet v2 == torchvision's count, and == the Keras
model's outputs after converting weights; ShuffleNet v1 in both frameworks agree; the
formula tables equal the built models; the published tables reproduce as stated.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import cost
from course_utils.cost import by_formula, published
from course_utils.models.specs import MOBILENET_V2_ALPHAS, SHUFFLENET_V1_GROUPS, make_divisible


def randomize_batchnorm(model, keras, seed=0):
    """Non-trivial BatchNorm statistics (fresh ones are 0/1, which hides conversion bugs)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n).astype("float32"), rng.normal(0, 0.1, n).astype("float32"),
                               rng.normal(0, 0.1, n).astype("float32"), rng.uniform(0.5, 1.5, n).astype("float32")])


@pytest.mark.parametrize("v, expected", [(32 * 0.35, 16), (16 * 0.35, 8), (1280 * 1.4, 1792), (96 * 0.75, 72),
                                         (11, 16), (4, 8)])
def test_make_divisible_rounds_to_eights_and_never_loses_more_than_ten_percent(v, expected):
    assert make_divisible(v, 8) == expected
    assert make_divisible(v, 8) >= 0.9 * v and make_divisible(v, 8) % 8 == 0


@pytest.mark.parametrize("alpha", MOBILENET_V2_ALPHAS)
def test_keras_v2_equals_keras_applications_at_every_alpha(frameworks, alpha):
    _, keras = frameworks
    from course_utils.models.keras_mobilenet_v2 import mobilenet_v2

    tops = (True, False) if alpha in (0.35, 1.4) else (True,)
    for top in tops:
        with keras.StatelessScope():  # shapes and counts only: no weight is allocated or initialised
            ours = mobilenet_v2(alpha, include_top=top)
            ref = keras.applications.MobileNetV2(weights=None, alpha=alpha, include_top=top)
        assert ours.count_params() == ref.count_params()
        assert [type(a).__name__ for a in ours.layers] == [type(b).__name__ for b in ref.layers]
        assert [w.shape for w in ours.weights] == [w.shape for w in ref.weights]
        # the formula table counts the same parameters as the built model
        assert by_formula.mobilenet_v2_table(alpha, 224, include_top=top).params("total") == ref.count_params()
        keras.backend.clear_session(free_memory=False)  # names reset; no weights to collect


@pytest.fixture(scope="module")
def keras_v2_pair(frameworks):
    """keras.applications MobileNetV2 0.5 @ 96 (logits) with random BN statistics, and ours."""
    _, keras = frameworks
    from course_utils.models.keras_mobilenet_v2 import mobilenet_v2

    keras.utils.set_random_seed(0)
    ref = keras.applications.MobileNetV2(weights=None, alpha=0.5, input_shape=(96, 96, 3),
                                         classifier_activation=None)
    randomize_batchnorm(ref, keras)
    ours = mobilenet_v2(0.5, input_shape=(96, 96, 3), classifier_activation=None)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 96, 96, 3)).astype("float32")
    return ref, ours, x


def test_keras_v2_gives_keras_applications_outputs_with_copied_weights(keras_v2_pair):
    from course_utils.models.keras_models import copy_weights

    ref, ours, x = keras_v2_pair
    copy_weights(ref, ours)
    a, b = np.asarray(ref(x, training=False)), np.asarray(ours(x, training=False))
    assert np.array_equal(a, b)


def test_torch_v2_count_equals_torchvision(frameworks):
    import torchvision

    from course_utils.models.torch_mobilenet_v2 import mobilenet_v2

    ours, ref = mobilenet_v2(1.0), torchvision.models.mobilenet_v2(weights=None)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in ref.parameters()) == 3_504_872
    assert cost.count_params(ours, "total") == cost.count_params(ref, "total")


@pytest.mark.parametrize("size", [96, 97])  # even and odd: TF pads (0, 1) and (1, 1)
def test_torch_v2_gives_the_keras_outputs_after_converting_weights(frameworks, keras_v2_pair, size):
    torch, keras = frameworks
    from course_utils.models.keras_mobilenet_v2 import mobilenet_v2 as keras_v2
    from course_utils.models.torch_layers import load_keras_weights
    from course_utils.models.torch_mobilenet_v2 import mobilenet_v2 as torch_v2

    ref = keras_v2_pair[0]
    k = keras_v2(0.5, input_shape=(size, size, 3), classifier_activation=None)
    k.set_weights(ref.get_weights())
    model = load_keras_weights(torch_v2(0.5), k).eval()
    x = np.random.default_rng(2).uniform(-1, 1, (2, size, size, 3)).astype("float32")
    expected = np.asarray(k(x, training=False))
    with torch.no_grad():
        got = model(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
    assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()
    # the feature maps too, where padding matters most: torchvision's symmetric padding
    # samples other pixels and gives measurably different features
    features = keras.Model(k.inputs, k.get_layer("out_relu").output)
    expected = np.asarray(features(x, training=False)).transpose(0, 3, 1, 2)
    sym = load_keras_weights(torch_v2(0.5, tf_padding=False), k).eval()
    with torch.no_grad():
        same = model.features(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
        other = sym.features(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
    assert np.abs(same - expected).max() <= 1e-5 * np.abs(expected).max()
    if size % 2:  # odd sizes: TensorFlow pads (1, 1) at stride 2 too, the two agree
        assert np.abs(other - expected).max() <= 1e-5 * np.abs(expected).max()
    else:  # even sizes: (0, 1) vs (1, 1) -- measured 8e-4 of the largest feature at 96 px
        assert np.abs(other - expected).max() > 2e-4 * np.abs(expected).max()


def test_inverted_residual_adds_its_input_only_when_shapes_agree(frameworks):
    from course_utils.models.torch_mobilenet_v2 import InvertedResidual

    assert InvertedResidual(16, 16, 1, 6).use_residual
    assert not InvertedResidual(16, 16, 2, 6).use_residual
    assert not InvertedResidual(16, 24, 1, 6).use_residual
    block = InvertedResidual(16, 24, 2, 6)
    # expand 16 -> 96, depthwise 3x3 on 96, project 96 -> 24 (+ 3 BatchNorms of 2 x channels)
    assert sum(p.numel() for p in block.parameters()) == 16 * 96 + 9 * 96 + 96 * 24 + 2 * (96 + 96 + 24)


@pytest.mark.parametrize("groups", SHUFFLENET_V1_GROUPS)
def test_shufflenet_same_in_both_frameworks(frameworks, groups):
    torch, keras = frameworks
    from course_utils.models.keras_shufflenet import shufflenet_v1 as keras_shuffle
    from course_utils.models.torch_layers import load_keras_weights
    from course_utils.models.torch_shufflenet import shufflenet_v1 as torch_shuffle

    k = keras_shuffle(groups, input_shape=(96, 96, 3), classifier_activation=None)
    randomize_batchnorm(k, keras, seed=groups)
    t = load_keras_weights(torch_shuffle(groups), k).eval()
    assert k.count_params() == cost.count_params(t, "total")
    assert by_formula.shufflenet_v1_table(groups, resolution=96).params("total") == k.count_params()
    x = np.random.default_rng(groups).uniform(-1, 1, (1, 96, 96, 3)).astype("float32")
    expected = np.asarray(k(x, training=False))
    with torch.no_grad():
        got = t(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
    assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()
    keras.backend.clear_session()


def test_channel_shuffle_equals_the_explicit_permutation(frameworks):
    torch, keras = frameworks
    from course_utils.models.keras_shufflenet import channel_shuffle as keras_shuffle
    from course_utils.models.torch_shufflenet import channel_shuffle

    g, c = 3, 12
    x = torch.arange(2 * c * 4).float().reshape(2, c, 2, 2)
    # output channel j * g + i is input channel i * (c // g) + j: group i's j-th channel
    perm = [i * (c // g) + j for j in range(c // g) for i in range(g)]
    assert torch.equal(channel_shuffle(x, g), x[:, perm])
    inp = keras.Input((2, 2, c))
    model = keras.Model(inp, keras_shuffle(inp, g, "shuffle"))
    xk = x.permute(0, 2, 3, 1).numpy()
    assert np.array_equal(np.asarray(model(xk)), xk[..., perm])
    with pytest.raises(ValueError, match="divisible by groups"):
        channel_shuffle(torch.zeros(1, 10, 2, 2), 3)


def test_the_22_tf_slim_rows_reproduce_with_truncated_millions():
    # The README truncates MACs to whole millions (153.94 -> 153, 71.70 -> 71) and rounds
    # parameters (conv + FC weights and biases, no BatchNorm) to two decimals.
    for (alpha, res), (macs_m, params_m, _, _) in published.TFSLIM_MOBILENET_V2.items():
        table = by_formula.mobilenet_v2_table(alpha, res)
        assert math.floor(table.macs / 1e6) == macs_m, (alpha, res, table.macs)
        assert round(table.params("weights") / 1e6, 2) == params_m, (alpha, res)
    assert len(published.TFSLIM_MOBILENET_V2) == 22
    assert by_formula.mobilenet_v2_table(1.0, 224).macs == 300_774_272


def test_paper_table_4_row_for_1_4_does_not_reproduce():
    # Sandler et al. print 6.9M parameters and 585M MACs for MobileNetV2 (1.4); counting the
    # same network gives 6.06M (the TF-slim README's figure) and 582M: the paper's row differs.
    table = by_formula.mobilenet_v2_table(1.4, 224)
    assert round(table.params("weights") / 1e6, 2) == 6.06 != published.MOBILENET_V2_PAPER_1_4["params_M"]
    assert math.floor(table.macs / 1e6) == 582 != published.MOBILENET_V2_PAPER_1_4["macs_M"]


def test_shufflenet_table_1_complexity_is_conv_macs_without_the_classifier():
    got = {}
    for g in SHUFFLENET_V1_GROUPS:
        table = by_formula.shufflenet_v1_table(g)
        conv_macs = table.macs - table.rows[-1].macs  # the last row is the FC layer
        got[g] = math.floor(conv_macs / 1e6 + 0.5)  # to the nearest million, halves up
    assert got == published.SHUFFLENET_V1_COMPLEXITY


@pytest.mark.parametrize("builder, table", [("mobilenet_v2", "mobilenet_v2_table"), ("shufflenet_v1", "shufflenet_v1_table")])
def test_formula_tables_equal_the_torch_walk(frameworks, builder, table):
    import importlib

    module = importlib.import_module(f"course_utils.models.torch_{'mobilenet_v2' if 'v2' in builder else 'shufflenet'}")
    model = getattr(module, builder)()
    walked = cost.profile(model, (3, 160, 160))
    formula = getattr(by_formula, table)(resolution=160) if "shuffle" in builder else \
        getattr(by_formula, table)(1.0, 160)
    assert walked.macs == formula.macs
    assert walked.params("total") == formula.params("total")
