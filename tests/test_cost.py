"""course_utils.cost: the formulas, and the same counts three ways (formula, Keras walk, torch walk)."""
from __future__ import annotations

import pytest

from course_utils import cost
from course_utils.models import MOBILENET_V1_ALPHAS, MOBILENET_V1_RESOLUTIONS


# --- formulas -------------------------------------------------------------------------

def test_paper_worked_example():
    # Dk=3, M=N=512, DF=14: a stride-1 layer of MobileNet's 14x14 stage
    standard = cost.standard_conv_macs(3, 512, 512, 14)
    separable = cost.separable_conv_macs(3, 512, 512, 14)
    assert standard == 3 * 3 * 512 * 512 * 14 * 14 == 462_422_016
    assert cost.depthwise_conv_macs(3, 512, 14) == 903_168
    assert cost.pointwise_conv_macs(512, 512, 14) == 51_380_224
    assert separable == 903_168 + 51_380_224
    assert separable / standard == pytest.approx(cost.separable_ratio(512, 3), rel=1e-12)
    assert cost.separable_ratio(512, 3) == pytest.approx(1 / 512 + 1 / 9)
    assert standard / separable == pytest.approx(8.8, abs=0.05)


def test_layer_costs_agree_with_paper_formulas():
    std = cost.conv2d_cost(14, 14, 512, 512, k=3)
    assert std.out_shape == (14, 14, 512)
    assert std.macs == cost.standard_conv_macs(3, 512, 512, 14) and std.params == 3 * 3 * 512 * 512
    sep = cost.depthwise_separable_cost(14, 14, 512, 512)
    assert sep.macs == cost.separable_conv_macs(3, 512, 512, 14)
    assert sep.params == 3 * 3 * 512 + 512 * 512 and sep.out_shape == (14, 14, 512)


@pytest.mark.parametrize("size,k,stride,padding,expected", [
    (224, 3, 2, "same", 112), (224, 3, 2, "valid", 111), (224, 3, 2, 1, 112), (224, 3, 2, (0, 1), 112),
    (7, 3, 2, "same", 4), (7, 3, 2, (0, 1), 3), (14, 3, 1, "same", 14), (5, 5, 1, "valid", 1),
])
def test_conv_output_size(size, k, stride, padding, expected):
    assert cost.conv_output_size(size, k, stride, padding) == expected


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="groups"):
        cost.conv2d_cost(8, 8, 6, 8, groups=4)
    with pytest.raises(ValueError, match="padding"):
        cost.conv_output_size(8, 3, 1, "full")
    with pytest.raises(ValueError, match="convention"):
        cost.mobilenet_v1_table().params("all")
    with pytest.raises(ValueError, match="Keras model or a torch"):
        cost.profile(object())


def test_grouped_conv_bias_and_dense():
    g = cost.conv2d_cost(28, 28, 240, 240, k=1, groups=3, bias=True)
    assert g.macs == 28 * 28 * 80 * 240 and g.params == 80 * 240 + 240
    dw = cost.depthwise_conv_cost(28, 28, 64, k=3, stride=2, depth_multiplier=2)
    assert dw.out_shape == (14, 14, 128) and dw.macs == 14 * 14 * 9 * 128 and dw.params == 9 * 128
    fc = cost.dense_cost(1024, 1000)
    assert (fc.macs, fc.params) == (1_024_000, 1_025_000)
    both = g + fc
    assert both.macs == g.macs + fc.macs and both.out_shape == (1000,)


# --- MobileNet v1 by formula ------------------------------------------------------------

def test_mobilenet_1_0_224_macs_and_params():
    t = cost.mobilenet_v1_table(1.0, 224)
    kinds = t.by_kind()
    conv_macs = sum(c.macs for k, c in kinds.items() if k != "fc")
    assert conv_macs == 567_716_352
    assert kinds["fc"].macs == 1_024_000
    assert t.macs == 568_740_352
    assert t.params("weights") == 4_210_088       # conv kernels + FC kernel and bias
    assert t.params("trainable") == 4_231_976     # + BatchNorm gamma and beta
    assert t.params("total") == 4_253_864         # + BatchNorm moving mean and variance
    no_top = cost.mobilenet_v1_table(1.0, 224, include_top=False)
    assert no_top.params("total") == 3_228_864


def test_mobilenet_table2_shares():
    shares = cost.mobilenet_v1_table(1.0, 224).shares()
    assert round(shares["pointwise"][0], 2) == 94.86   # paper: 94.86 %
    assert round(shares["depthwise"][0], 2) == 3.06    # paper: 3.06 %
    assert round(shares["fc"][0], 2) == 0.18           # paper: 0.18 %
    assert round(shares["conv"][0], 2) == 1.91         # paper prints 1.19 % (digits swapped)
    assert round(shares["depthwise"][1], 2) == 1.06 and round(shares["conv"][1], 2) == 0.02


def test_full_convolution_mobilenet():
    t = cost.mobilenet_v1_table(1.0, 224, separable=False)
    conv_macs = t.macs - t.by_kind()["fc"].macs
    assert conv_macs == 4_866_269_184           # paper Table 4: 4866 million
    assert round(t.params() / 1e6, 1) == 29.3   # paper Table 4: 29.3 million


# --- three ways agree -------------------------------------------------------------------



@pytest.mark.parametrize("alpha", MOBILENET_V1_ALPHAS)
def test_formula_keras_torch_agree_on_all_16_variants(frameworks, alpha):
    _, keras = frameworks
    from course_utils.models import keras_models, torch_models

    t_model = torch_models.mobilenet_v1(alpha)
    for res in MOBILENET_V1_RESOLUTIONS:
        formula = cost.mobilenet_v1_table(alpha, res)
        with keras.StatelessScope():  # shapes only: no weight is allocated or initialised
            k_model = keras_models.mobilenet_v1(alpha, input_shape=(res, res, 3))
        k_table = cost.profile(k_model)
        t_table = cost.profile(t_model, (3, res, res))
        assert cost.compare_tables(formula, k_table) == [], (alpha, res)
        assert cost.compare_tables(formula, t_table) == [], (alpha, res)
        assert k_table.macs == t_table.macs == formula.macs
        assert k_model.count_params() == formula.params("total") == cost.count_params(t_model, "total")
        del k_model
        keras.backend.clear_session()


def test_count_entry_points_both_frameworks(frameworks):
    _, keras = frameworks
    from course_utils.models import keras_models, torch_models

    k_model = keras_models.mobilenet_v1(1.0)
    t_model = torch_models.mobilenet_v1(1.0)
    assert cost.count_macs(k_model) == cost.count_macs(t_model, (3, 224, 224)) == 568_740_352
    trainable = sum(int(w.numpy().size) for w in k_model.trainable_weights)
    assert cost.count_params(k_model, "trainable") == trainable == 4_231_976
    assert cost.count_params(t_model, "trainable") == sum(p.numel() for p in t_model.parameters())
    for convention in cost.CONVENTIONS:
        assert cost.count_params(k_model, convention) == cost.count_params(t_model, convention)
    with pytest.raises(ValueError, match="built for input"):
        cost.count_macs(k_model, (128, 128, 3))
    k_model.trainable = False  # conventions count by role: freezing changes nothing
    assert [cost.count_params(k_model, c) for c in cost.CONVENTIONS] == [4_210_088, 4_231_976, 4_253_864]
    keras.backend.clear_session()


def test_profile_nested_keras_model(frameworks):
    _, keras = frameworks
    from course_utils.models import keras_models

    base = keras_models.mobilenet_v1(0.25, input_shape=(96, 96, 3), include_top=False)
    model = keras.Sequential([keras.Input((96, 96, 3)), base, keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(3)])
    table = cost.profile(model)
    assert table.params("total") == model.count_params()
    assert table.macs == cost.mobilenet_v1_table(0.25, 96, include_top=False).macs + 256 * 3
    keras.backend.clear_session()


def test_walkers_on_a_grouped_conv_and_dense(frameworks):
    torch, keras = frameworks
    from torch import nn

    km = keras.Sequential([keras.Input((16, 16, 12)),
                           keras.layers.Conv2D(24, 3, padding="same", groups=3, use_bias=True),
                           keras.layers.DepthwiseConv2D(3, strides=2, padding="same", use_bias=False),
                           keras.layers.Flatten(), keras.layers.Dense(10)])
    tm = nn.Sequential(nn.Conv2d(12, 24, 3, padding=1, groups=3),
                       nn.Conv2d(24, 24, 3, stride=2, padding=1, groups=24, bias=False),
                       nn.Flatten(), nn.Linear(24 * 8 * 8, 10))
    expected = (cost.conv2d_cost(16, 16, 12, 24, 3, groups=3, bias=True)
                + cost.depthwise_conv_cost(16, 16, 24, 3, stride=2)
                + cost.dense_cost(24 * 8 * 8, 10))
    kt, tt = cost.profile(km), cost.profile(tm, (12, 16, 16))
    assert [r.kind for r in kt.compute_rows()] == ["grouped", "depthwise", "fc"]
    assert kt.macs == tt.macs == expected.macs
    assert kt.params() == tt.params() == km.count_params() == expected.params
    assert cost.compare_tables(kt, tt) == []
    keras.backend.clear_session()


def test_table_prints():
    t = cost.mobilenet_v1_table(0.25, 128)
    text = str(t)
    assert "conv_pw_13" in text and f"{t.macs:,}" in text
    assert "<table>" in t._repr_html_()
    body = t.body_table().splitlines()
    assert body[1].split() == ["Conv", "/", "s2", "3", "x", "3", "x", "3", "x", "8", "128", "x", "128", "x", "3"]
    assert len(body) == 1 + 1 + 13 * 2 + 1
    assert body[4].split()[-5:] == ["64", "x", "64", "x", "16"]   # conv_dw_2 (stride 2): size before padding


def test_walks_report_input_size_before_padding(frameworks):
    _, keras = frameworks
    from course_utils.models import keras_models, torch_models

    k_rows = cost.profile(keras_models.mobilenet_v1(0.25, input_shape=(128, 128, 3))).compute_rows()
    t_rows = cost.profile(torch_models.mobilenet_v1(0.25), (3, 128, 128)).compute_rows()
    f_rows = cost.mobilenet_v1_table(0.25, 128).compute_rows()
    for rows in (k_rows, t_rows, f_rows):
        assert rows[0].in_shape == (128, 128, 3) and rows[3].in_shape == (64, 64, 16)  # conv1, conv_dw_2
    keras.backend.clear_session()
