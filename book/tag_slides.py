"""Slide tags for a lecture notebook, from its structure (an author's tool, not run by make).

    python book/tag_slides.py notebooks/04_mobilenet_v1.ipynb [--write]   # without --write: a dry run

Sets each cell's ``metadata.slideshow.slide_type`` (what ``make slides`` and RISE read) by the
course's notebook shape (CONTRIBUTING.md, "Slides"):

* the title cell opens the deck (``slide``); the Colab, setup and ``parameters`` cells before
  section 1 are ``skip``, the prose between them goes to the speaker ``notes``;
* a markdown cell with a ``##`` heading (a section, the Summary, the References) starts a
  ``slide``, one with a ``###`` heading a ``subslide``;
* other cells join the slide before them (``-``) until it holds about ``lines_per_slide`` lines
  (a figure or widget counts as ``FIGURE_LINES``), then start a ``subslide``; prose longer than
  ``NOTES_CHARS`` becomes speaker ``notes`` (the teaching notes), and so does a long code cell
  with no output (tables of data, plumbing);
* the closing ``frameworks.imported()`` check is ``skip``.

``lines_per_slide`` is chosen per notebook, the smallest of 14, 16, ... 80 that brings the deck
within ``MAX_MINUTES`` at ``MINUTES_PER_SLIDE`` per slide or subslide (a 45-60 minute lecture).

A cell whose ``slideshow.slide_type`` was set by hand keeps it when the notebook carries
``"slides_hand_tuned": [cell indices]`` in its metadata. Only cell metadata changes; the file
is written back in the repository's format (``json.dump(indent=1, ensure_ascii=False)`` and a
final newline), so ``git diff`` shows metadata lines only.
"""
from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

FIGURE_LINES = 16
MAX_MINUTES = 60
NOTES_CHARS = 650
MINUTES_PER_SLIDE = 2.5  # a slide or subslide: shown, explained, discussed (the course's estimate)
VISUAL = ("image/png", "image/jpeg", "image/svg+xml", "application/vnd.jupyter.widget-view+json")


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _has_visual(cell: dict) -> bool:
    return any(m in o.get("data", {}) for o in cell.get("outputs", []) for m in VISUAL)


def _lines(cell: dict) -> int:
    """Roughly how many lines the cell takes on a slide (source, text outputs, figures)."""
    src = _source(cell)
    n = sum(max(1, math.ceil(len(line) / 100)) for line in src.split("\n"))
    n += FIGURE_LINES if _has_visual(cell) else 0
    for out in cell.get("outputs", []):
        text = "".join(out.get("text", "")) or "".join(out.get("data", {}).get("text/plain", ""))
        if "text" in out or not any(m in out.get("data", {}) for m in VISUAL):
            n += min(text.count("\n") + 1, 20)
    return n


def _headings(cell: dict) -> tuple[bool, bool]:
    lines = _source(cell).split("\n") if cell["cell_type"] == "markdown" else []
    return (any(re.match(r"#{1,2} ", line) for line in lines), any(line.startswith("### ") for line in lines))


def plan(nb: dict, lines_per_slide: int) -> list[str]:
    """The slide type of every cell."""
    cells = nb["cells"]
    first = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                  and re.search(r"^## 1\b", _source(c), re.M)), 1)
    types, weight = [], 0
    for i, cell in enumerate(cells):
        src, md = _source(cell), cell["cell_type"] == "markdown"
        h2, h3 = _headings(cell)
        if i == 0:
            kind = "slide"
        elif i < first:
            kind = "notes" if md else "skip"
        elif md and h2:
            kind = "slide"
        elif md and h3:
            kind = "subslide"
        elif not md and "imported()" in src and "NBVAL_CHECK_OUTPUT" in src:
            kind = "skip"
        elif md and len(src) > NOTES_CHARS:
            kind = "notes"
        elif not md and not cell.get("outputs") and src.count("\n") >= 8:
            kind = "notes"
        else:
            kind = "subslide" if weight + _lines(cell) > lines_per_slide else "-"
        if kind in ("slide", "subslide"):
            weight = _lines(cell)
        elif kind == "-":
            weight += _lines(cell)
        types.append(kind)
    return types


def minutes(types: list[str]) -> float:
    return MINUTES_PER_SLIDE * sum(t in ("slide", "subslide") for t in types)


def apply(path: Path, write: bool) -> list[str]:
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    keep = set(nb["metadata"].get("slides_hand_tuned", []))
    types = next(t for t in (plan(nb, n) for n in range(14, 162, 2)) if minutes(t) <= MAX_MINUTES)
    for i, (cell, kind) in enumerate(zip(nb["cells"], types)):
        if i in keep and "slideshow" in cell["metadata"]:
            types[i] = cell["metadata"]["slideshow"]["slide_type"]
            continue
        cell["metadata"]["slideshow"] = {"slide_type": kind}
    if write:
        out = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        path.write_text(out, encoding="utf-8")
    return types


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="write the tags (default: dry run)")
    args = parser.parse_args()
    for path in args.notebooks:
        types = apply(path, args.write)
        counts = {k: types.count(k) for k in ("slide", "subslide", "-", "notes", "skip")}
        print(f"{path}: {counts}, about {minutes(types):.0f} min")


if __name__ == "__main__":
    main()
