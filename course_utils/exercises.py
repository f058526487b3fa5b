"""Generate the learners' exercise notebooks from the instructors' solutions.

``solutions/NN_topic_exercises.ipynb`` is the single source. Solution code sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` in cells that carry nbgrader metadata, so
instructors can also hand the same files to ``nbgrader generate_assignment``.

This module runs nbgrader's own preprocessors (ClearSolutions, ClearHiddenTests,
ClearMarkScheme, ClearOutput), then removes ``# NBVAL_CHECK_OUTPUT`` markers: a
learner's stub prints "not attempted yet" where the solution printed "passed", so those
outputs must not be compared.

Usage: ``python -m course_utils.exercises [--check]`` (``make exercises``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"


def exercise_notebook(solution_path: Path):
    """Return the learner's version of one solution notebook (an nbformat node)."""
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions

    nb = nbformat.read(solution_path, as_version=4)
    resources: dict = {}
    for pre in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme(), ClearOutput()):
        nb, resources = pre.preprocess(nb, resources)
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines = [ln for ln in cell.source.split("\n") if ln.strip() != CHECK_MARKER]
            cell.source = "\n".join(lines)
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def _render(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def generate(check: bool = False) -> list[str]:
    """Write ``exercises/`` from ``solutions/``. With ``check=True`` write nothing and
    return the names of exercise notebooks that are missing, stale, or orphaned."""
    problems = []
    sources = sorted(SOLUTIONS.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"no solution notebooks found in {SOLUTIONS}")
    EXERCISES.mkdir(exist_ok=True)
    for src in sources:
        dst = EXERCISES / src.name
        text = _render(exercise_notebook(src))
        if check:
            if not dst.exists() or dst.read_text(encoding="utf-8") != text:
                problems.append(dst.name)
        else:
            tmp = dst.with_suffix(".ipynb.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(dst)  # atomic: never a half-written notebook
    wanted = {s.name for s in sources}
    problems += [p.name for p in EXERCISES.glob("*.ipynb") if p.name not in wanted]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if exercises/ is out of date")
    args = parser.parse_args(argv)
    problems = generate(check=args.check)
    if args.check and problems:
        print("exercises/ is out of date for: " + ", ".join(problems) + ". Run `make exercises`.")
        return 1
    print("exercises/ is up to date." if args.check else f"wrote exercises/ from {SOLUTIONS.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
