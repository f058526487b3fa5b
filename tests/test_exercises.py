"""The exercise pipeline: solutions/ is the single source, exercises/ is generated from it."""

import nbformat
import pytest

from conftest import ROOT
from course_utils import exercises

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_exercises_are_up_to_date():
    stale = exercises.generate(check=True)
    assert stale == [], f"exercises/ is stale for {stale}: run `make exercises`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_cells_carry_nbgrader_metadata(path):
    nb = nbformat.read(path, as_version=4)
    solution_cells = [c for c in nb.cells if "### BEGIN SOLUTION" in c.source]
    # graded cells are self-checks (locked code) or manually graded written answers
    # (nbgrader's grade + solution, unlocked, usually markdown)
    check_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                   and not c.metadata["nbgrader"].get("solution")]
    written = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
               and c.metadata["nbgrader"].get("solution")]
    assert solution_cells, "a solutions notebook without any solution region"
    for cell in solution_cells:
        meta = cell.metadata.get("nbgrader", {})
        assert meta.get("solution") is True and meta.get("grade_id"), cell.source[:80]
        assert "### END SOLUTION" in cell.source
    assert len(check_cells) >= len(solution_cells) - len(written), "every exercise needs a self-check cell"
    for cell in written:
        assert cell.metadata["nbgrader"].get("points", 0) > 0 and not cell.metadata["nbgrader"].get("locked")
    for cell in check_cells:
        assert cell.metadata["nbgrader"].get("locked") is True
        assert "checks.check_" in cell.source, "self-checks go through course_utils.checks"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_generated_exercise_has_stubs_not_solutions(path):
    nb = exercises.exercise_notebook(path)
    text = "\n".join(c.source for c in nb.cells)
    assert "### BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_committed_exercise_checks_are_checked_and_say_not_attempted(path):
    # the check cells keep their nbval marker, and their committed output (from a real run
    # of the untouched stubs) says "not attempted yet": CI fails when a stub's check changes
    nb = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    checks_ = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# NBVAL_CHECK_OUTPUT")
               and c.metadata.get("nbgrader", {}).get("grade")]
    assert checks_, "no checked self-check cell"
    for cell in checks_:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "⏳" in text and "✅" not in text and "Traceback" not in text, (cell.source[:80], text[:200])


def test_check_flags_a_stale_exercise(tmp_path, monkeypatch):
    monkeypatch.setattr(exercises, "SOLUTIONS", ROOT / "solutions")
    monkeypatch.setattr(exercises, "EXERCISES", tmp_path)
    assert exercises.generate(check=True) == [p.name for p in SOLUTIONS]  # all missing
    exercises.generate(run=False)
    assert exercises.generate(check=True) == []
    victim = tmp_path / SOLUTIONS[0].name
    victim.write_text(victim.read_text().replace("NotImplementedError", "ValueError"))
    (tmp_path / "99_orphan.ipynb").write_text("{}")
    assert exercises.generate(check=True) == [SOLUTIONS[0].name, "99_orphan.ipynb"]


def test_only_regenerates_the_named_notebooks(tmp_path, monkeypatch):
    monkeypatch.setattr(exercises, "EXERCISES", tmp_path)
    exercises.generate(run=False, only=(SOLUTIONS[0].name[:2],))
    assert [p.name for p in tmp_path.glob("*.ipynb")] == [SOLUTIONS[0].name]
    with pytest.raises(ValueError, match="prefixes like"):
        exercises.generate(run=False, only=("99",))


def test_welcome_exercise_runs_and_says_not_attempted():
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "exercises" / "00_welcome_exercises.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "exercises")}}).execute()
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert out.count("⏳") == 6 and "❌" not in out and "Traceback" not in out  # six self-checks, five exercises


# nbgrader's whole round trip (generate, release, fetch, submit, collect, autograde) for every notebook, with a
# right, a wrong and an untouched submission: tests/test_grading.py.
