"""The whole nbgrader round trip, notebook by notebook, through the course's own grading commands.

For each exercise notebook: ``grading/course.py release`` (generate_assignment + release_assignment), three
fake students fetch it and submit through nbgrader's exchange, ``collect``, then ``autograde`` (fast mode,
``COURSE_CHECKS_RAISE=1``). The students:

* ``right`` submits ``solutions/`` as it is: full autograded points;
* ``wrong`` submits the solutions with one planted, realistic bug (``PLANTED``): strictly fewer points;
* ``stub`` submits the released notebook untouched: strictly fewer points (none).

Notebook 00 goes through nbgrader's exchange (``fetch_assignment``, ``submit``, ``collect``). All fake students
share this machine's user account, so each submission is renamed in the exchange to the student it stands for
(nbgrader names a submission ``user+assignment+time+random``). The other notebooks' submissions are put where
``collect`` puts them (``submitted/<student>/psNN``), which saves nine nbgrader start-ups a notebook. One test
class per notebook, so pytest-xdist can spread the notebooks over both cores.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("grading_course", ROOT / "grading" / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)

# notebook prefix: (grade_id of the solution cell, text in it, the bug that replaces it)
PLANTED = {
    "00": ("ex3-solution", "(x - x.mean()) / x.std()", "(x - x.mean()) / x.var()"),
    "01": ("ex4-solution", "np.argsort(-np.asarray(scores), kind=\"stable\")", "np.argsort(np.asarray(scores), kind=\"stable\")"),
    "02": ("ex5-solution", "alive &= scores >= t", "alive &= scores > t"),
    "03": ("ex4-solution", "weights = k * k * c_out * (c if kind == \"conv\" else 1)", "weights = k * k * c_out * c"),
    "04": ("ex3-solution", "return total + c * 1000", "return total"),
    "05": ("ex3-solution", "self.residual = stride == 1 and c_in == c_out", "self.residual = stride == 1"),
    "06": ("ex3-solution", "return (y0, width - 1 - x1, y1, width - 1 - x0)", "return (y0, x0, y1, x1)"),
    "07": ("ex7-solution", "backbone.trainable = True                       # phase 2",
           "backbone.trainable = False                      # phase 2"),
    "08": ("ex4-solution", "lo, hi = min(lo, 0.0), max(hi, 0.0)", "lo, hi = lo, hi"),
    "09": ("ex1-solution", "w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))", "w = min(a[2], b[2]) - max(a[0], b[0])"),
}
STUDENTS = ("right", "wrong", "stub")
EXCHANGE_TESTED = "00"   # this notebook goes through fetch / submit / collect; the others skip the exchange


def planted(path: Path) -> dict:
    """The solutions notebook with PLANTED's bug in it (as JSON)."""
    grade_id, old, new = PLANTED[path.name[:2]]
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    source = "".join(cells[0]["source"]) if cells else ""
    assert old in source, f"{path.name}: the planted bug's text is not in {grade_id}"
    cells[0]["source"] = source.replace(old, new)
    return nb


def nbgrader_as_student(args: list[str], home: Path, exchange: Path) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    r = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--course={course.COURSE_ID}",
                        f"--Exchange.root={exchange}", "--Exchange.path_includes_course=True"],
                       cwd=home, capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": path})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def submit_as(student: str, name: str, notebook, root: Path, tmp: Path) -> None:
    """Fetch assignment ``name``, put ``notebook`` (a path or JSON; None: leave it untouched) in it, submit,
    and label the submission as ``student``'s."""
    home = tmp / student
    home.mkdir()
    exchange = root / "exchange"
    nbgrader_as_student(["fetch_assignment", name], home, exchange)
    folder = home / course.COURSE_ID / name
    (fetched,) = folder.glob("*.ipynb")
    if isinstance(notebook, Path):
        shutil.copy(notebook, fetched)
    elif notebook is not None:
        fetched.write_text(json.dumps(notebook), encoding="utf-8")
    inbound = exchange / course.COURSE_ID / "inbound"
    before = set(inbound.iterdir())
    nbgrader_as_student(["submit", name], home, exchange)
    (new,) = set(inbound.iterdir()) - before
    new.rename(inbound / (student + "+" + new.name.split("+", 1)[1]))


def place(student: str, name: str, notebook, root: Path) -> None:
    """Put a submission where ``nbgrader collect`` puts it (``notebook`` None: the released notebook)."""
    folder = root / "submitted" / student / name
    folder.mkdir(parents=True)
    (released,) = (root / "release" / name).glob("*.ipynb")
    if isinstance(notebook, Path):
        shutil.copy(notebook, folder / released.name)
    elif notebook is not None:
        (folder / released.name).write_text(json.dumps(notebook), encoding="utf-8")
    else:
        shutil.copy(released, folder / released.name)


class RoundTrip:
    prefix = ""

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, tmp_path_factory):
        root, tmp = tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("students")
        (name,) = course.release(root, (cls.prefix,))
        solution = course.assignments((cls.prefix,))[name]
        for student, notebook in zip(STUDENTS, (solution, planted(solution), None)):
            if cls.prefix == EXCHANGE_TESTED:   # through nbgrader's exchange: fetch, submit, collect
                submit_as(student, name, notebook, root, tmp)
            else:                                # straight into submitted/, as a collect leaves it
                place(student, name, notebook, root)
        if cls.prefix == EXCHANGE_TESTED:
            course.collect(root, (cls.prefix,))
        table = course.autograde(root, (cls.prefix,))
        if os.environ.get("GRADING_REPORT"):   # e.g. for the issue note: the points table, one notebook at a time
            with open(os.environ["GRADING_REPORT"], "a", encoding="utf-8") as out:
                out.write(course.report(table, (cls.prefix,)) + "\n")
        return {student: row[name] for student, row in table.items()}, course.max_points((cls.prefix,))[name]

    @pytest.mark.slow
    def test_right_answers_get_every_point(self, graded):
        scores, best = graded
        assert set(scores) == set(STUDENTS) and best >= 5
        assert scores["right"] == best, scores

    @pytest.mark.slow
    def test_a_planted_bug_and_the_stub_get_fewer(self, graded):
        scores, _ = graded
        assert scores["wrong"] < scores["right"] and scores["stub"] < scores["wrong"], scores
        assert scores["stub"] == 0, scores


for _path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*_exercises.ipynb")):
    globals()[f"TestGrading{_path.name[:2]}"] = type(f"TestGrading{_path.name[:2]}", (RoundTrip,), {"prefix": _path.name[:2]})


def test_every_notebook_has_a_planted_bug():
    prefixes = {p.name[:2] for p in (ROOT / "solutions").glob("[0-9][0-9]_*_exercises.ipynb")}
    assert prefixes == set(PLANTED)
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*_exercises.ipynb")):
        planted(path)  # the text to replace is still there


def test_report_lists_points_per_student():
    table = {"ada": {"ps00": 5.0}, "bob": {"ps00": 1.0}}
    text = course.report(table, ("00",))
    assert text.splitlines()[0].split() == ["student", "ps00", "total"]
    assert text.splitlines()[2].split() == ["ada", "5", "5"] and text.splitlines()[3].split() == ["bob", "1", "1"]
