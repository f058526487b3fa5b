"""Lesson 05's "why MACs are not milliseconds": exact facts of the per-layer buckets, the G1 / G4
configurations and the oneDNN log parser. Timings are run only to check their shape (repeat=1,
tiny inputs): no timing floor is asserted here (`make bench` prints the speeds)."""
from __future__ import annotations

import pytest

from course_utils import cost
from course_utils.cost import guidelines
from course_utils.cost.by_formula import mobilenet_v2_table, shufflenet_v1_table
from course_utils.cost.layer_times import KINDS, op_kind
from course_utils.cost.layouts import onednn_primitives

BUILDS = {"v1": ("mobilenet_v1", (1.0,)), "v2": ("mobilenet_v2", (1.0,)), "shufflenet": ("shufflenet_v1", (3,))}
# bucket: layers, counted from the papers' tables (Howard et al. 2017 Table 1; Sandler et al. 2018 Table 2;
# Zhang et al. 2017 Table 1 with g = 3) and the course builders' TF-style padding layers
COUNTS = {
    "v1": {"full 3×3 conv": 1, "1×1 conv": 13, "3×3 depthwise": 13, "batch norm": 27, "activation": 27,
           "padding": 5, "pooling": 1, "classifier": 2},
    "v2": {"full 3×3 conv": 1, "1×1 conv": 34, "3×3 depthwise": 17, "batch norm": 52, "activation": 35,
           "padding": 18, "add / concat": 10, "pooling": 1, "classifier": 2},
    "shufflenet": {"full 3×3 conv": 1, "1×1 conv": 1, "grouped 1×1 conv": 31, "3×3 depthwise": 16,
                   "batch norm": 49, "activation": 33, "padding": 17, "channel shuffle": 15, "add / concat": 16,
                   "pooling": 5, "classifier": 2},
}
TABLE_KIND = {"full 3×3 conv": "conv", "1×1 conv": "pointwise", "grouped 1×1 conv": "grouped",
              "3×3 depthwise": "depthwise", "classifier": "fc"}


@pytest.mark.parametrize("type_name, kw, kind", [
    ("Conv2d", dict(kernel=(3, 3), groups=1, in_channels=3), "full 3×3 conv"),
    ("Conv2d", dict(kernel=(1, 1), groups=1, in_channels=96), "1×1 conv"),
    ("Conv2d", dict(kernel=(1, 1), groups=3, in_channels=240), "grouped 1×1 conv"),
    ("Conv2d", dict(kernel=(3, 3), groups=144, in_channels=144), "3×3 depthwise"),
    ("BatchNorm2d", {}, "batch norm"), ("ReLU6", {}, "activation"), ("ReLU", {}, "activation"),
    ("TFSamePad", {}, "padding"), ("ZeroPad2d", {}, "padding"), ("ChannelShuffle", {}, "channel shuffle"),
    ("Add", {}, "add / concat"), ("Concat", {}, "add / concat"), ("TFSameAvgPool", dict(leaf=False), "pooling"),
    ("AdaptiveAvgPool2d", {}, "pooling"), ("Linear", {}, "classifier"), ("Dropout", {}, "classifier"),
    ("Sequential", dict(leaf=False), None), ("InvertedResidual", dict(leaf=False), None),
])
def test_op_kind_names_each_layer_s_bucket(type_name, kw, kind):
    assert op_kind(type_name, **kw) == kind
    assert kind is None or kind in KINDS


@pytest.mark.parametrize("type_name, kw, message", [
    ("Conv2d", dict(kernel=(5, 5), groups=1, in_channels=8), "no bucket for a 5×5 conv"),
    ("Conv2d", dict(kernel=(3, 3), groups=2, in_channels=8), "groups=2"),          # grouped 3x3: not in these nets
    ("Conv2d", dict(kernel=(1, 1), groups=3, in_channels=8), "groups dividing"),   # 8 channels, 3 groups
    ("Conv2d", dict(kernel=(), groups=1, in_channels=8), "kernel (kh, kw)"),
    ("Identity", {}, "no bucket for a 'Identity' layer"),
])
def test_op_kind_refuses_what_fits_no_bucket(type_name, kw, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        op_kind(type_name, **kw)


@pytest.fixture(scope="module")
def recorded(frameworks):
    from course_utils.cost.layer_times import network_layers

    return network_layers(BUILDS, timed=False)


@pytest.mark.parametrize("net", list(BUILDS))
def test_bucket_counts_of_each_network(recorded, net):
    assert {k: t.count for k, t in recorded[net].by_kind().items()} == COUNTS[net]


@pytest.mark.parametrize("net", list(BUILDS))
def test_macs_per_bucket_sum_to_the_walk_and_match_the_table_kinds(recorded, net, frameworks):
    from course_utils.models import torch_models

    builder, args = BUILDS[net]
    kinds = recorded[net].by_kind()
    assert sum(t.macs for t in kinds.values()) == cost.count_macs(getattr(torch_models, builder)(*args), (3, 224, 224))
    table = {"v1": lambda: cost.mobilenet_v1_table(1.0, 224), "v2": lambda: mobilenet_v2_table(1.0, 224),
             "shufflenet": lambda: shufflenet_v1_table(3, 1.0, 224)}[net]()
    for kind, table_kind in TABLE_KIND.items():
        got = kinds[kind].macs if kind in kinds else 0
        assert got == sum(r.macs for r in table.rows if r.kind == table_kind), (net, kind)
    assert all(t.macs == 0 for k, t in kinds.items() if k not in TABLE_KIND)


def test_the_functional_steps_are_modules_and_compute_the_same(frameworks):
    torch, _ = frameworks
    from course_utils.models.torch_models import ShuffleUnit, channel_shuffle, mobilenet_v2

    torch.manual_seed(0)
    unit = ShuffleUnit(240, 60, 240, 1, 3, 3).eval()
    x = torch.randn(2, 240, 7, 7)
    with torch.inference_mode():
        by_hand = torch.relu(x + unit.gconv2(unit.dwconv(channel_shuffle(unit.gconv1(x), 3))))
        assert torch.equal(unit(x), by_hand)
    v2 = mobilenet_v2(1.0)
    assert sum(type(m).__name__ == "Add" for m in v2.modules()) == 10
    import torchvision   # the parameterless modules add no state: the same keys as the reference's

    assert len(v2.state_dict()) == len(torchvision.models.mobilenet_v2(weights=None).state_dict()) == 314


def test_time_layers_times_every_layer_and_the_whole_network(frameworks):
    torch, _ = frameworks
    from course_utils.cost.layer_times import record_layers, time_layers
    from course_utils.models.torch_models import shufflenet_v1

    model, x = shufflenet_v1(3, 0.25).eval(), torch.zeros(1, 3, 64, 64)
    net = time_layers(model, x, repeat=2, warmup=0)
    assert [layer.name for layer in net.layers] == [layer.name for layer in record_layers(model, x)[0]]
    assert all(len(layer.timing.times) == 2 for layer in net.layers) and len(net.whole.times) == 2
    assert net.layer_sum == pytest.approx(sum(layer.timing.median for layer in net.layers))
    with pytest.raises(ValueError, match="NCHW tensor"):
        record_layers(model, torch.zeros(3, 64, 64))
    with pytest.raises(ValueError, match="repeat must be >= 1"):
        time_layers(model, x, repeat=0)


def test_g1_configurations_have_equal_macs_and_the_paper_s_memory_access():
    assert guidelines.g1_channels() == [(140, 140), (100, 196), (56, 350), (40, 490)]
    rows = guidelines.g1_rows()
    assert {r.macs for r in rows} == {2 * 10 * 56 * 56 * 19600} == {1_229_312_000}
    assert guidelines.memory_access_cost(56, 56, 140, 140) == 56 * 56 * 280 + 19600 == 897_680
    assert [r.mem for r in rows] == [20 * (3136 * (c1 + c2) + 19600) for c1, c2 in guidelines.g1_channels()]
    assert rows[0].mem == min(r.mem for r in rows) and rows[-1].mem == 33_633_600   # 1:1 touches the least
    with pytest.raises(ValueError, match="ratios must be numbers >= 1"):
        guidelines.g1_channels((1, 0.5))
    with pytest.raises(ValueError, match="expected positive whole numbers"):
        guidelines.memory_access_cost(56, 56, 0, 12)


def test_g1_and_g4_counts_equal_the_walk_of_the_built_networks(frameworks):
    from course_utils.models.torch_guidelines import bottleneck_stack, conv1x1_stack

    for row, (c1, c2) in zip(guidelines.g1_rows(size=14, blocks=2), guidelines.g1_channels()):
        assert row.macs == cost.count_macs(conv1x1_stack(c1, c2, 2), (c1, 14, 14))
    rows = guidelines.g4_rows(c=64, size=14, units=2)
    assert [r.elementwise for r in rows] == [2 * 196 * (32 + 64) + 2 * 196 * 64, 2 * 196 * 64, 2 * 196 * 96, 0]
    for row, (relu, short) in zip(rows, guidelines.G4_VARIANTS.values()):
        walked = cost.count_macs(bottleneck_stack(64, 2, relu, short), (64, 14, 14))
        assert row.macs == walked == 2 * 196 * 17 * 64 * 64 // 16   # per unit hw (c c/4 + 9 (c/4)^2 + c/4 c)
    with pytest.raises(ValueError, match="divisible by 4"):
        guidelines.g4_rows(c=30)


def test_time_guidelines_returns_one_timing_per_configuration(frameworks):
    out = guidelines.time_guidelines(repeat=1, g1=dict(size=8, blocks=1, ratios=(1, 4), product=144),
                                     g4=(dict(c=16, size=8, units=1),), steady=False)
    assert list(out) == ["G1", "G4 c=16"]
    assert [r.name for r in out["G1"]] == ["1:1 (12, 12)", "1:4 (6, 24)"]
    assert [len(r.timing.times) for r in out["G1"] + out["G4 c=16"]] == [1] * 6


LOG = """onednn_verbose,v1,info,cpu,runtime:OpenMP,nthr:2
onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32::blocked:abcd::f0 dst:f32::blocked:Acdb16a::f0,attr-scratchpad:user,,32x3x3x3,0.5
onednn_verbose,v1,primitive,exec,cpu,convolution,jit:avx512_core,forward_training,src:f32:a:blocked:abcd::f0 wei:f32:a:blocked:Acdb16a::f0 bia:undef::undef::: dst:f32:a:blocked:aBcd16b::f0,attr-scratchpad:user,alg:convolution_direct,mb1_ic3oc32_ih225oh112kh3sh2dh0ph0_iw225ow112kw3sw2dw0pw0,2.0
onednn_verbose,v1,primitive,exec,cpu,reorder,jit:blk,undef,src:f32::blocked:aBcd16b::f0 dst:f32::blocked:abcd::f0,attr-scratchpad:user,,1x32x112x112,0.25
onednn_verbose,v1,primitive,exec,cpu,reorder,jit:blk,undef,src:f32::blocked:abcd::f0 dst:f32::blocked:aBcd16b::f0,attr-scratchpad:user,,1x32x114x114,0.25
onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32::blocked:abdec::f0 dst:f32::blocked:debcA16a::f0,attr-scratchpad:user,,32x1x1x3x3,0.125
onednn_verbose,v1,primitive,exec,cpu,convolution,brdgmm_dw:avx512_core,forward_training,src:f32::blocked:acdb::f0 wei:f32:a:blocked:debcA16a::f0 bia:undef::undef::: dst:f32::blocked:acdb::f0,attr-scratchpad:user,alg:convolution_direct,g32mb1_ic32oc32_ih114oh112kh3sh1dh0ph0_iw114ow112kw3sw1dw0pw0,1.0
"""


def test_onednn_log_parser_splits_activation_and_weight_reorders():
    assert onednn_primitives(LOG.splitlines()) == {"reorder (weights)": (2, 0.625), "convolution": (2, 3.0),
                                                  "reorder (activations)": (2, 0.5)}
    assert onednn_primitives(["not a oneDNN line", ""]) == {}
    with pytest.raises(ValueError, match="execution time"):
        onednn_primitives([LOG.splitlines()[3].rsplit(",", 1)[0] + ",fast"])


def test_torch_layouts_times_both_layouts_with_both_allocators():
    from course_utils.frameworks import in_child

    # in a child: torch_layouts steadies glibc's allocator for the rest of its process
    out = in_child("course_utils.cost.layouts:torch_layouts", frameworks=("torch",), batch=1, size=32, repeat=1,
                   lone=(8, 8, 8))
    assert set(out) == {"default", "steady", "onednn"}
    for allocator in ("default", "steady"):
        if out[allocator]:   # empty only where glibc's mallopt is missing
            assert set(out[allocator]) == {"network", "depthwise", "1x1"}
            for by_layout in out[allocator].values():
                assert set(by_layout) == {"contiguous", "channels_last"}
                assert all(len(t.times) == 1 and faults >= 0 for t, faults in by_layout.values())
    kinds = {"convolution", "reorder (weights)", "reorder (activations)"}
    assert all(set(counts) <= kinds for counts in out["onednn"].values())
    with pytest.raises(ValueError, match="lone a"):
        from course_utils.cost.layouts import torch_layouts

        torch_layouts(lone=(8, 8))


def test_keras_layouts_returns_a_timing_or_the_error_for_each_layout(frameworks):
    from course_utils.cost.layouts import keras_layouts

    out = keras_layouts(batch=1, size=32, repeat=1)
    assert list(out) == ["channels_last", "channels_first"]
    for measured in out.values():
        assert isinstance(measured, str) and ": " in measured or len(measured[0].times) == 1
    _, keras = frameworks
    assert keras.config.image_data_format() == "channels_last"   # the global setting is put back
