"""Activation memory from cost tables (course_utils.cost.memory)."""
from __future__ import annotations

import pytest

from course_utils.cost import by_formula, mobilenet_v1_table
from course_utils.cost.memory import entries, memory_steps, mobilenet_v2_block, peak_memory
from course_utils.cost.table import CostTable, LayerCost


def test_entries_and_bad_shape():
    assert entries((112, 112, 32)) == 401_408
    with pytest.raises(ValueError):
        entries((-1, 2))


def test_mobilenet_v1_peak_is_the_first_pointwise_layer():
    # 32 x 112 x 112 in, 64 x 112 x 112 out
    step = peak_memory(mobilenet_v1_table(1.0, 224))
    assert step.entries == 96 * 112 * 112 and step.in_entries == 32 * 112 * 112


def test_grouping_streams_the_inner_tensors():
    rows = [LayerCost("block_1_expand", "pointwise", (4, 4, 2), (4, 4, 12)),
            LayerCost("block_1_expand_BN", "bn", (4, 4, 12), (4, 4, 12)),
            LayerCost("block_1_depthwise", "depthwise", (4, 4, 12), (2, 2, 12)),
            LayerCost("block_1_project", "pointwise", (2, 2, 12), (2, 2, 3)),
            LayerCost("Conv_1", "pointwise", (2, 2, 3), (2, 2, 8))]
    table = CostTable(rows)
    assert [s.entries for s in memory_steps(table)] == [32 + 192, 192 + 48, 48 + 12, 12 + 32]
    grouped = memory_steps(table, mobilenet_v2_block)
    assert [(s.name, s.entries) for s in grouped] == [("block_1", 32 + 12), ("Conv_1", 12 + 32)]


def test_mobilenet_v2_peaks_with_and_without_streaming():
    table = by_formula.mobilenet_v2_table(1.0, 224)
    # every tensor held: block 1's depthwise (96 x 112 x 112 in, 96 x 56 x 56 out)
    assert peak_memory(table).entries == 96 * 112 * 112 + 96 * 56 * 56
    # only bottlenecks held: block 0 (32 x 112 x 112 in, 16 x 112 x 112 out)
    names = {r.name for r in table.rows}
    assert any(mobilenet_v2_block(n) != n for n in names), "formula rows use the Keras block names"
    assert peak_memory(table, mobilenet_v2_block).entries == 48 * 112 * 112


def test_empty_table_raises():
    with pytest.raises(ValueError):
        memory_steps(CostTable([]))


def test_table3_rows_reproduce_the_papers_rule():
    """Sandler et al. 2018 (arXiv v4) Table 3: largest materialised tensor per resolution, Kb at 16 bits."""
    from course_utils.cost import published
    from course_utils.cost.memory import first_layer_trick, kb16, shufflenet_unit, table3_rows

    assert kb16((112, 112, 16)) == 401.408  # v2's 400 Kb: 16 x 112^2 x 2 bytes
    v1 = table3_rows(mobilenet_v1_table(1.0, 224))
    assert v1 == {112: (64, 1605.632), 56: (128, 802.816), 28: (256, 401.408), 14: (512, 200.704),
                  7: (1024, 100.352), 1: (1024, 2.048)}
    # every v1 row's channels as published; Kb equal after truncation except 7x7 (paper 199)
    pub = published.MOBILENET_V2_TABLE3["MobileNet v1 1.0"]
    assert [c for c, _ in v1.values()] == [c for c, _ in pub.values()]
    assert [int(kb) for s, (_, kb) in v1.items() if s != 7] == [1605, 802, 401, 200, 2]
    v2 = by_formula.mobilenet_v2_table(1.0, 224)
    plain = table3_rows(v2, mobilenet_v2_block)
    trick = table3_rows(v2, first_layer_trick(mobilenet_v2_block, "Conv1", "expanded_conv"))
    assert plain[112] == (32, 802.816)          # without the trick: the stem's 32 channels
    assert trick[112] == (16, 401.408)          # with it: 400 Kb, as published
    assert max(kb for _, kb in trick.values()) == 401.408
    assert trick == {112: (16, 401.408), 56: (24, 150.528), 28: (32, 50.176), 14: (96, 37.632),
                     7: (1280, 125.44), 1: (1280, 2.56)}
    # ShuffleNet 2x: g = 3 has 480 channels at 28x28 (752.64 Kb); the published 400/800/1600 are g = 2's widths
    g3 = table3_rows(by_formula.shufflenet_v1_table(3, 2.0, 224), shufflenet_unit)
    assert g3 == {112: (24, 602.112), 28: (480, 752.64), 14: (960, 376.32), 7: (1920, 188.16), 1: (1920, 3.84)}
    g2 = table3_rows(by_formula.shufflenet_v1_table(2, 2.0, 224), shufflenet_unit)
    assert [g2[s][0] for s in (28, 14, 7, 1)] == [400, 800, 1600, 1600]
    assert [int(g2[s][1]) for s in (28, 14, 7, 1)] == [627, 313, 156, 3]
    with pytest.raises(ValueError):
        table3_rows(CostTable([]))
