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
