"""Grade the course's exercises with nbgrader, for the whole course at once.

The instructor's side of the nbgrader workflow, one command each (``make release``, ``make collect``,
``make autograde``; see INSTRUCTORS.md):

* ``release``: every ``solutions/NN_*_exercises.ipynb`` becomes assignment ``psNN`` of the course folder
  (``_grading/`` by default): ``nbgrader generate_assignment`` strips the solutions and hidden tests,
  ``nbgrader release_assignment`` puts the student version in the exchange;
* ``collect``: ``nbgrader collect`` moves every submission from the exchange into ``submitted/``;
* ``autograde``: ``nbgrader autograde`` runs each submission (fast, offline, with
  ``COURSE_CHECKS_RAISE=1`` so that a failed self-check loses its points) and prints the points of each
  student per assignment (the written answers wait for a human: ``nbgrader formgrader``).

Students run ``nbgrader fetch_assignment psNN`` and ``nbgrader submit psNN`` with the same ``--course``
and ``--Exchange.root`` (the course folder's ``exchange/``; on a shared hub, a folder all can write).

Usage: ``python grading/course.py {release,collect,autograde,report} [--root _grading] [--only 03 05]``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_ID = "small-and-fast"
CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course!r}
c.CourseDirectory.db_assignments = {assignments!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Execute.timeout = 900             # seconds per cell: lessons 06-08 train and convert models
c.Execute.kernel_name = "python3"
"""


def assignments(only: tuple[str, ...] = ()) -> dict[str, Path]:
    """{"ps03": solutions/03_conv_cost_exercises.ipynb, ...}, limited to the prefixes in ``only``."""
    found = {f"ps{p.name[:2]}": p for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*_exercises.ipynb"))
             if not only or p.name.startswith(tuple(only))}
    if not found:
        raise ValueError(f"no solution notebook starts with {list(only)}; expected prefixes like '03'")
    return found


def nbgrader(args: list[str], root: Path, **env: str) -> subprocess.CompletedProcess:
    """Run the nbgrader CLI in the course folder (it runs `alembic` from PATH for its database)."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PATH": path, **env})
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
    return result


def configure(root: Path, names) -> None:
    """Write the course folder's nbgrader_config.py (atomically) for the assignments ``names``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "exchange").mkdir(exist_ok=True)
    os.chmod(root / "exchange", 0o777)  # students write their submissions here (nbgrader's requirement)
    text = CONFIG.format(root=str(root), course=COURSE_ID, exchange=str(root / "exchange"),
                         assignments=[dict(name=n) for n in sorted(names)])
    tmp = root / "nbgrader_config.py.tmp"
    tmp.write_text(text)
    tmp.replace(root / "nbgrader_config.py")


def release(root: Path, only: tuple[str, ...] = ()) -> list[str]:
    """Generate every assignment from solutions/ and release it to the exchange."""
    found = assignments(only)
    configure(root, found)
    for name, path in found.items():
        source = root / "source" / name
        source.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, source / path.name)
        nbgrader(["generate_assignment", name, "--force"], root)
        nbgrader(["release_assignment", name, "--force"], root)
    return list(found)


def collect(root: Path, only: tuple[str, ...] = ()) -> list[str]:
    """Move every submission of every assignment from the exchange into submitted/."""
    found = assignments(only)
    for name in found:
        nbgrader(["collect", name, "--update"], root)
    return list(found)


def autograde(root: Path, only: tuple[str, ...] = (), fast: bool = True) -> dict[str, dict[str, float]]:
    """Autograde every collected submission; return {student: {assignment: points}}."""
    found = assignments(only)
    env = {"COURSE_CHECKS_RAISE": "1", "COURSE_OFFLINE": "1", "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT),
           "COURSE_FAST": "1" if fast else ""}
    for name in found:
        if any((root / "submitted").glob(f"*/{name}")):
            nbgrader(["autograde", name, "--force"], root, **env)
    return scores(root, only)


def scores(root: Path, only: tuple[str, ...] = ()) -> dict[str, dict[str, float]]:
    """{student: {assignment: autograded points}} from the course's gradebook."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for name in assignments(only):
            for sub in gb.assignment_submissions(name):
                out.setdefault(sub.student.id, {})[name] = sub.code_score
    return out


def max_points(only: tuple[str, ...] = ()) -> dict[str, float]:
    """{assignment: autograded points available} read from solutions/ (the written answers are graded by hand)."""
    import nbformat

    out = {}
    for name, path in assignments(only).items():
        cells = nbformat.read(path, as_version=4).cells
        out[name] = float(sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in cells
                              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")))
    return out


def report(table: dict[str, dict[str, float]], only: tuple[str, ...] = ()) -> str:
    """A plain-text table: one row per student, one column per assignment, the autograded points."""
    best = max_points(only)
    lines = ["student      " + "".join(f"{n:>8s}" for n in best) + "   total",
             "(max)        " + "".join(f"{p:8.0f}" for p in best.values()) + f"{sum(best.values()):8.0f}"]
    for student, row in sorted(table.items()):
        lines.append(f"{student:12s} " + "".join(f"{row.get(n, float('nan')):8.0f}" for n in best)
                     + f"{sum(row.values()):8.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=("release", "collect", "autograde", "report"))
    parser.add_argument("--root", default=str(ROOT / "_grading"), help="the nbgrader course folder")
    parser.add_argument("--only", nargs="+", default=(), metavar="PREFIX", help="only these notebooks, e.g. 03 05")
    parser.add_argument("--full", action="store_true", help="autograde in full mode (slower; default: fast mode)")
    args = parser.parse_args(argv)
    root, only = Path(args.root).resolve(), tuple(args.only)
    if args.step == "release":
        print(f"released {', '.join(release(root, only))} to {root / 'exchange'}")
    elif args.step == "collect":
        print(f"collected {', '.join(collect(root, only))} into {root / 'submitted'}")
    else:
        table = autograde(root, only, fast=not args.full) if args.step == "autograde" else scores(root, only)
        print(report(table, only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
