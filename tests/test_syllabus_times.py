"""Syllabus CPU times come from the runs (issue 29): each lecture's header, the ``cpu_minutes``
column of course_utils/syllabus.py and the README syllabus give the time recorded in the
notebook's own execution metadata by `make execute`, as tests/syllabus_times.py writes them."""
import re
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from course_utils.syllabus import SYLLABUS

sys.path.insert(0, str(Path(__file__).parent))
import syllabus_times as T  # noqa: E402

# Every lesson the syllabus marks ready (its `ready` column): a lesson is checked from the
# commit that marks it written, after `python tests/syllabus_times.py --write notebooks/NN_topic.ipynb`.
LECTURES = [f"{lesson.number}_{lesson.slug}" for lesson in SYLLABUS if lesson.ready]


def test_minutes_and_header_format():
    assert [T.minutes(s) for s in (6, 59, 60, 113, 227, 432)] == ["< 1", "< 1", "1", "2", "4", "7"]
    line = T.header(113.2, "2026-11-28")
    assert line.startswith("**CPU time:** full mode ≈ 2 min (113 s in the run whose outputs are shown")
    assert T.HEADER.search(f"x\n{line}. More.").group(0) == line
    assert T.HEADER.search("**CPU time**: about 2.5 min in full mode (2 cores). Then.").group(0).endswith("(2 cores)")


@pytest.mark.parametrize("stem", LECTURES)
def test_header_syllabus_and_readme_give_the_recorded_run(stem):
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    seconds, date = T.run_seconds(path)
    first = next(c.source for c in nbformat.read(path, as_version=4).cells[:3]
                 if c.cell_type == "markdown" and T.HEADER.search(c.source))
    assert T.header(seconds, date) in first, f"run `python tests/syllabus_times.py --write {path.relative_to(ROOT)}`"
    lesson = next(les for les in SYLLABUS if les.number == stem[:2])
    assert lesson.cpu_minutes == T.minutes(seconds)
    row = next(ln for ln in (ROOT / "README.md").read_text().splitlines() if ln.startswith(f"| {stem[:2]} |"))
    assert row.split("|")[4].strip() == T.minutes(seconds)
