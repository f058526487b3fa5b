"""Generate the learners' exercise notebooks from the instructors' solutions.

``solutions/NN_topic_exercises.ipynb`` is the single source. Solution code sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` in cells that carry nbgrader metadata, so
instructors can also hand the same files to ``nbgrader generate_assignment``.

This module runs nbgrader's own preprocessors (ClearSolutions, ClearHiddenTests,
ClearMarkScheme, ClearOutput), then *runs* the learner's version (fast, offline) and keeps
the real outputs of its self-checks (every other output is cleared). The self-check cells keep their ``# NBVAL_CHECK_OUTPUT`` marker, so CI
compares what an untouched stub prints ("⏳ not attempted yet") with the committed output:
a stub whose check stops saying so is noticed, as is a solution whose check stops passing.

Usage: ``python -m course_utils.exercises [--check] [--only 03 04]`` (``make exercises``).
``--check`` compares the cells' sources and metadata only (outputs come from a run);
``--only`` regenerates just the notebooks whose names start with the given prefixes.
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
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def _is_check(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def execute(nb, timeout: int = 600):
    """Run a learner's notebook in fast, offline mode, in ``exercises/``; return it with the
    outputs of its self-checks only ("⏳ not attempted yet"): any other cell's output (a
    measurement under a prediction stub, a setup banner) could give an answer away."""
    from nbclient import NotebookClient

    from .modes import modes_set

    with modes_set(fast=True, offline=True):  # the kernel inherits these; restored afterwards
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(EXERCISES)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and not _is_check(cell):
            cell.outputs, cell.execution_count = [], None
    return nb


def _render(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def _sources(nb) -> list[tuple]:
    """What ``--check`` compares: each cell's type, source and metadata, not its outputs."""
    return [(c.cell_type, c.source, {k: v for k, v in c.metadata.items() if k != "execution"})
            for c in nb.cells]


def generate(check: bool = False, run: bool = True, only: tuple[str, ...] = ()) -> list[str]:
    """Write ``exercises/`` from ``solutions/`` (``run``: with the outputs of a real run).

    With ``check=True`` write nothing and return the names of exercise notebooks that are
    missing, stale, or orphaned. ``only``: name prefixes (e.g. ``("03", "04")``) to limit the
    work to those notebooks."""
    import nbformat

    problems = []
    sources = sorted(SOLUTIONS.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"no solution notebooks found in {SOLUTIONS}")
    chosen = [s for s in sources if not only or s.name.startswith(tuple(only))]
    if not chosen:
        raise ValueError(f"no solution notebook starts with {list(only)}; expected prefixes like '03'")
    EXERCISES.mkdir(exist_ok=True)
    for src in chosen:
        dst = EXERCISES / src.name
        nb = exercise_notebook(src)
        if check:
            if not dst.exists() or _sources(nbformat.read(dst, as_version=4)) != _sources(nb):
                problems.append(dst.name)
        else:
            if run:
                print(f"running {dst.name} (fast, offline) ...", flush=True)
                nb = execute(nb)
            tmp = dst.with_suffix(".ipynb.tmp")
            tmp.write_text(_render(nb), encoding="utf-8")
            tmp.replace(dst)  # atomic: never a half-written notebook
    wanted = {s.name for s in sources}
    problems += [p.name for p in EXERCISES.glob("*.ipynb") if p.name not in wanted]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if exercises/ is out of date")
    parser.add_argument("--only", nargs="+", default=(), metavar="PREFIX",
                        help="only the notebooks whose names start with these prefixes, e.g. 03 04")
    args = parser.parse_args(argv)
    problems = generate(check=args.check, only=tuple(args.only))
    if args.check and problems:
        print("exercises/ is out of date for: " + ", ".join(problems) + ". Run `make exercises`.")
        return 1
    print("exercises/ is up to date." if args.check else f"wrote exercises/ from {SOLUTIONS.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
