"""Every committed solution passes its own self-checks.

nbval compares a checked cell's output with the committed one, so a solution whose stored output
*is* a failing self-check ("❌ ... expected 39 blocks, got 13") would pass CI for ever. This test
reads the committed outputs: every graded check cell of every solution notebook must show ✅ for
each check it runs, and none may show ❌ (failed) or ⏳ (not attempted). Together with nbval, which
re-runs the cell and compares, a check that fails on any machine fails the suite.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def graded_checks(path: Path):
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution"):
            text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            yield i, meta.get("grade_id"), "".join(cell["source"]), text


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_self_check_of_a_solution_passes(path):
    checks = list(graded_checks(path))
    assert checks, f"{path.name}: no graded check cell"
    for i, grade_id, source, text in checks:
        calls = sum(source.count(f"checks.{fn}(") for fn in ("check_function", "check_value", "check_predicate"))
        assert "❌" not in text and "⏳" not in text, f"{path.name} cell {i} ({grade_id}): {text.strip()}"
        assert text.count("✅") >= max(calls, 1), f"{path.name} cell {i} ({grade_id}): {calls} checks, output {text!r}"


def test_the_scan_catches_a_failing_check(tmp_path):
    # the failure this test exists for: solution 07 exercise 4 once stored "❌ ... expected 39 blocks"
    cell = {"cell_type": "code", "source": ["checks.check_predicate(f, name='x')"], "execution_count": 1,
            "metadata": {"nbgrader": {"grade": True, "solution": False, "grade_id": "ex4-check"}},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["❌ x: expected 39 blocks, got 13.\n"]}]}
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    with pytest.raises(AssertionError, match="expected 39 blocks"):
        test_every_self_check_of_a_solution_passes(path)
