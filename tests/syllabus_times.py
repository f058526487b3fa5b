"""Syllabus CPU times from the runs themselves (issue 29), not written by hand.

`make execute` runs each lecture with nbclient, which stamps every code cell with the time its
execution started and ended (``metadata.execution``). The time of the committed run is the
sum of its cells' times (kernel start-up excluded). This script writes that time into

* each lecture's header line, ``**CPU time:** full mode ≈ 2 min (113 s in the run shown here, ...)``;
* the ``cpu_minutes`` column of ``course_utils/syllabus.py`` (read by notebook 00's course map);
* the syllabus table of ``README.md``.

``python tests/syllabus_times.py`` prints the times; ``--write`` writes them (``NB=...`` names
notebooks: ``--write notebooks/03_conv_cost.ipynb``); ``tests/test_syllabus_times.py`` checks
that headers, syllabus and README agree with the recorded runs. Fast mode is not measured by
`make execute`, so the headers say only that it is quicker.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = re.compile(r"\*\*CPU time(?::\*\*|\*\*:)(?P<body>.*?)(?=\.(?:\s|$)|$)", re.S)


def run_seconds(path: Path) -> tuple[float, str] | None:
    """(wall seconds, date) of the run whose outputs the notebook holds; None if it has no timings."""
    nb = json.loads(path.read_text())
    stamps = [c["metadata"].get("execution", {}) for c in nb["cells"] if c["cell_type"] == "code"]
    stamps = [s for s in stamps if "iopub.execute_input" in s and "shell.execute_reply" in s]
    if not stamps:
        return None

    def t(s: str) -> dt.datetime:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))

    # the sum of the cells' own times: a cell re-run by hand later adds its time, not the gap
    busy = sum((t(s["shell.execute_reply"]) - t(s["iopub.execute_input"])).total_seconds() for s in stamps)
    return busy, t(stamps[0]["iopub.execute_input"]).date().isoformat()


def minutes(seconds: float) -> str:
    """The syllabus column: "< 1" below a minute, else minutes to the nearest half."""
    if seconds < 60:
        return "< 1"
    half = round(seconds / 30) / 2
    return f"{half:g}"


def header(seconds: float, date: str) -> str:
    span = "under a minute" if seconds < 60 else f"≈ {minutes(seconds)} min"
    return (f"**CPU time:** full mode {span} ({seconds:.0f} s in the run whose outputs are shown, "
            f"on 2 cores, {date}; `make execute` records it); fast mode (`COURSE_FAST=1`) is quicker")


def write_header(path: Path, text: str) -> bool:
    """Replace the first cell's CPU-time sentence; True if the notebook changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells[:3]:
        if cell.cell_type == "markdown" and HEADER.search(cell.source):
            new = HEADER.sub(lambda m: text, cell.source, count=1)
            if new == cell.source:
                return False
            cell.source = new
            nbformat.write(nb, path)
            return True
    raise ValueError(f"{path}: no '**CPU time:**' line in the first cells")


def write_syllabus(times: dict[str, str]) -> None:
    """Set ``cpu_minutes`` of the given lessons in syllabus.py and the README table (small edits)."""
    syl = ROOT / "course_utils" / "syllabus.py"
    src = syl.read_text()
    for number, value in times.items():
        src = re.sub(rf'(Lesson\("{number}",(?:[^()]|\([^()]*\))*?)"[^"]*"(, ready=)', rf'\g<1>"{value}"\2', src, count=1)
    syl.write_text(src)
    readme = ROOT / "README.md"
    lines = readme.read_text().split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"\| (\d\d) \|", line)
        if m and m.group(1) in times and line.count("|") == 5:
            cells = line.split("|")
            cells[4] = f" {times[m.group(1)]} "
            lines[i] = "|".join(cells)
    readme.write_text("\n".join(lines))


def _ready_lectures() -> list[Path]:
    """The lecture notebooks of every lesson the syllabus marks ready (its `ready` column)."""
    from course_utils.syllabus import SYLLABUS
    return [ROOT / lesson.notebook for lesson in SYLLABUS if lesson.ready]


def main(argv: list[str]) -> int:
    write = "--write" in argv
    paths = [Path(a) for a in argv if a != "--write"] or _ready_lectures()
    times = {}
    for path in paths:
        got = run_seconds(path)
        if got is None:
            print(f"{path.name}: no execution timings (run `make execute NB={path}`)")
            continue
        seconds, date = got
        times[path.name[:2]] = minutes(seconds)
        print(f"{path.name}: {seconds:.0f} s on {date} -> {minutes(seconds)} min")
        if write:
            write_header(path, header(seconds, date))
    if write:
        write_syllabus(times)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
