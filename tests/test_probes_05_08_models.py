"""Issue 26: the probes of ``probes-05-08.md`` for models/ and cost/ (ids S, C, W, K, T).

Each bad input must end in the course's own ValueError naming what was expected (not a
NumPy, PyTorch or Keras error, and not a silent wrong answer); the good inputs next to them
must keep working. Parameter ids are the probe ids (see ``tests/PROBES_05_08.md``).
"""
from __future__ import annotations

import numpy as np
import pytest

from course_utils import models
from course_utils.cost import by_formula, formulas, memory
from course_utils.cost.table import CostTable, LayerCost
from course_utils.models import specs

NAN, INF = float("nan"), float("inf")

REFUSED = [
    ("S01", lambda: specs.mobilenet_v2_blocks(NAN), "alpha must be a positive finite number"),
    ("S02", lambda: specs.mobilenet_v2_blocks(INF), "alpha must be a positive finite number"),
    ("S03", lambda: specs.mobilenet_v2_blocks("1.0"), "alpha must be a positive finite number"),
    ("S06", lambda: specs.mobilenet_v2_blocks(1e-6), r"alpha must be >= 0.03125"),
    ("S07", lambda: specs.mobilenet_v2_blocks(1e12), r"alpha must be <= 4.0"),
    ("S08", lambda: specs.mobilenet_v2_blocks(True), "alpha must be a positive finite number"),
    ("S09", lambda: specs.make_divisible(NAN), "v and divisor must be positive"),
    ("S10", lambda: specs.make_divisible(10, divisor=2.5), "divisor must be a positive int"),
    ("S12", lambda: specs.shufflenet_v1_units(groups=3.0), r"groups must be one of \(1, 2, 3, 4, 8\)"),
    ("S13", lambda: specs.shufflenet_v1_units(groups=True), r"groups must be one of"),
    ("S14", lambda: specs.shufflenet_v1_units(3, scale=NAN), "scale must be a positive finite number"),
    ("S15", lambda: specs.shufflenet_v1_units(3, scale=0.05), r"scale=0.05 is too small for groups=3: a stage would have 12 channels, not more than the 24"),
    ("S18", lambda: models.scaled_channels(32, NAN), "alpha must be a positive finite number"),
    ("C02", lambda: formulas.conv_output_size(NAN, 3, 2), "size, k and stride must be positive ints"),
    ("C03", lambda: formulas.conv_output_size(31.5, 3, 2, "same"), "size, k and stride must be positive ints"),
    ("C05", lambda: formulas.conv2d_cost(8, 8, 3, -6, groups=3), "c_in and c_out must be positive ints"),
    ("C06", lambda: formulas.conv2d_cost(8, 8, 0, 0), "c_in and c_out must be positive ints"),
    ("C07", lambda: formulas.dense_cost(-10, 5), "n_in and n_out must be positive ints"),
    ("C11", lambda: by_formula.mobilenet_v1_table(1.0, resolution=NAN), "must be positive ints"),
    ("C13", lambda: by_formula.mobilenet_v1_table(1.0, 224, classes=-5), "n_in and n_out must be positive ints"),
    ("C14", lambda: by_formula.mobilenet_v1_table(alpha=NAN), "alpha must be a positive finite number"),
    ("C16", lambda: by_formula.mobilenet_v2_table(alpha=NAN), "alpha must be a positive finite number"),
    ("C18", lambda: by_formula.shufflenet_v1_table(3, scale=0.05), "is too small for groups=3"),
    ("C22", lambda: memory.entries((3, None, 4)), "non-negative int sizes"),
    ("C24", lambda: CostTable([]).params("bogus"), "convention must be one of"),
    ("C26", lambda: CostTable([LayerCost("x", "weird", (1,), (1,), macs=5)]).body_table(), "has kind 'weird'"),
]


@pytest.mark.parametrize("probe, call, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_models_and_cost_refuse_with_the_courses_message(probe, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_c23_peak_memory_of_a_dynamic_row_names_the_shape():
    table = CostTable([LayerCost("c", "conv", (None, 8, 3), (None, 8, 4), macs=5, kernel=(3, 3))])
    with pytest.raises(ValueError, match=r"non-negative int sizes .* got \(None, 8, 3\)"):
        memory.peak_memory(table)


def test_the_valid_neighbours_still_work():
    assert specs.mobilenet_v2_blocks(np.float64(0.35))[0] == (1, 16, 8, 1)
    assert specs.make_divisible(np.int64(20)) == 24
    assert len(specs.shufflenet_v1_units(np.int64(3), 0.25)) == 16
    assert specs.shufflenet_v1_units(3, 0.25)[0][2] == 60   # just wide enough: 60 > 24
    assert formulas.conv_output_size(np.int64(31), 3, 2) == 16
    assert formulas.conv2d_cost(8, 8, 3, 6).macs == 8 * 8 * 9 * 3 * 6
    assert models.check_alpha(4.0) == 4.0 and models.check_alpha(np.float32(0.25)) == 0.25
    assert models.check_positive_int(np.int64(3), "classes") == 3   # S19 stays OK
    assert memory.entries((0, 4)) == 0 and memory.entries((2, 3, 4)) == 24   # an empty tensor is fine
    assert by_formula.mobilenet_v2_table(1.0, 224).macs == 300_774_272   # keras.applications' count


def test_v1_formula_table_equals_the_keras_walk_at_an_odd_resolution(frameworks):
    # stride-2 depthwise convs pad (0, 1) like Keras' ZeroPadding2D: at even sizes (1, 1) would give
    # the same output sizes, at 97 px (49, 25, 13, 7 after each stride) it would not
    _, keras = frameworks
    from course_utils.cost import walk
    from course_utils.models import keras_models

    with keras.StatelessScope():
        model = keras_models.mobilenet_v1(0.25, (97, 97, 3), classes=10)
        walked = walk.profile(model)
    table = by_formula.mobilenet_v1_table(0.25, 97, classes=10)
    assert [r.out_shape for r in table.compute_rows()] == [r.out_shape for r in walked.compute_rows()]
    assert table.macs == walked.macs


def test_shufflenet_scales_either_build_every_branch_or_are_refused():
    # every group count and small scale: refused exactly when some stride-2 unit would not widen
    refused = 0
    for g in specs.SHUFFLENET_V1_GROUPS:
        step = 4 * g
        for scale in (0.05, 0.1, 0.15, 0.2, 0.25, 0.5):
            widths = [24] + [max(step, round(specs.SHUFFLENET_V1_STAGE2_CHANNELS[g] * scale * 2**k / step) * step)
                             for k in range(3)]
            ok = all(b > a for a, b in zip(widths, widths[1:]))
            if ok:
                units = specs.shufflenet_v1_units(g, scale)
                assert [u[2] for u in units if u[3] == 2] == widths[1:]
            else:
                refused += 1
                with pytest.raises(ValueError, match="is too small"):
                    specs.shufflenet_v1_units(g, scale)
    assert refused >= 5   # 0.05 for every g at least


BUILDER_REFUSALS = [
    ("K01", dict(alpha=NAN), "alpha must be a positive finite number"),
    ("K02", dict(input_shape=(None, None, 3)), r"input_shape must be \(H, W, 3\) with integers"),
    ("K03", dict(classes=0), "classes must be a positive int"),
    ("K09", dict(dropout="0.2"), r"dropout must be in \[0, 1\)"),
    ("T03", dict(classes=-1), "classes must be a positive int"),
    ("T04", dict(classes=0), "classes must be a positive int"),
    ("T05", dict(classes=2.5), "classes must be a positive int"),
]


@pytest.mark.parametrize("probe, kwargs, message", BUILDER_REFUSALS, ids=[r[0] for r in BUILDER_REFUSALS])
@pytest.mark.parametrize("framework", ["keras", "torch"])
def test_mobilenet_v2_builders_share_the_v1_checks(frameworks, framework, probe, kwargs, message):
    from course_utils.models import keras_models, torch_models

    builder = (keras_models if framework == "keras" else torch_models).mobilenet_v2
    args = {"alpha": 0.35, "input_shape": (32, 32, 3), **kwargs}
    with pytest.raises(ValueError, match=message):
        builder(**args)


SHUFFLE_REFUSALS = [
    ("K04", dict(scale=0.05), "is too small for groups=3"),
    ("T06", dict(scale=0.05), "is too small for groups=3"),
    ("T07", dict(scale=0.1), r"scale=0.1 is too small for groups=3: a stage would have 24 channels"),
    ("K05", dict(groups=3.0), "groups must be one of"),
    ("T08", dict(groups=3.0), "groups must be one of"),
    ("T09", dict(groups=True), "groups must be one of"),
    ("S-classes", dict(classes=0), "classes must be a positive int"),
]


@pytest.mark.parametrize("probe, kwargs, message", SHUFFLE_REFUSALS, ids=[r[0] for r in SHUFFLE_REFUSALS])
def test_shufflenet_builders_refuse_before_any_layer(frameworks, probe, kwargs, message):
    from course_utils.models import keras_models, torch_models

    for builder in (keras_models.shufflenet_v1, torch_models.shufflenet_v1):
        with pytest.raises(ValueError, match=message):
            builder(**{"groups": 3, "input_shape": (32, 32, 3), **kwargs})


def test_torch_layers_probes(frameworks):
    torch, _ = frameworks
    from torch import nn

    from course_utils.models import torch_layers

    with pytest.raises(ValueError, match=r"n, k and s .* must be positive"):   # T17
        torch_layers.tf_same_pads(8, 3, 0)
    assert torch_layers.tf_same_pads(8, 3, 2) == (0, 1)
    from course_utils.models import torch_models

    with pytest.raises(ValueError, match=r"n, k and s .* must be positive, got 0, 3, 2"):   # T12: a 0x0 image
        torch_models.mobilenet_v2(0.35, include_top=False)(torch.zeros(1, 3, 0, 0))
    bn_model = nn.Sequential(nn.BatchNorm2d(4))
    with pytest.raises(ValueError, match=r"bn: BatchNormalization expects 4 arrays of shape \(4,\)"):   # T16
        torch_layers.load_keras_weights(bn_model, [("bn", "BatchNormalization", [np.ones(5, np.float32)] * 4)])


def test_walk_probes(frameworks):
    torch, _ = frameworks
    from torch import nn

    from course_utils.cost import walk

    conv = nn.Conv2d(3, 8, 3)
    for probe, shape, kwargs in [("W02", (3, 0, 0), {}), ("W06", (3, None, None), {})]:
        with pytest.raises(ValueError, match="fixed shape of positive ints"):
            walk.profile(conv, shape, **kwargs)
    with pytest.raises(ValueError, match=r"cannot run on zeros of shape \(1, 4, 8, 8\)"):   # W08
        walk.profile(conv, (4, 8, 8))
    with pytest.raises(ValueError, match=r"dtype torch.int64\): input_shape \(and dtype\) must fit it"):   # W12
        walk.profile(conv, (3, 8, 8), dtype=torch.long)
    with pytest.raises(ValueError, match="has no builder 'np'"):   # W10
        walk.profile_builds("torch_models", [("np", (), {}, (3, 8, 8))])
    assert walk.profile(conv, (3, 8, 8)).macs == 6 * 6 * 27 * 8
