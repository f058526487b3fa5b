"""What the website and the slides read from the lecture notebooks' cell metadata: a one-sentence
alt text for every figure (``mystnb.image.alt``) and a slide type for every cell
(``slideshow.slide_type``), giving each lecture a deck of 45-60 minutes with the course's shape.
No notebook is run: these are facts about the committed files."""
from __future__ import annotations

import json
import re
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book"))
from tag_slides import MINUTES_PER_SLIDE, minutes  # noqa: E402

from course_utils.syllabus import SYLLABUS  # noqa: E402

LECTURES = [lesson.notebook for lesson in SYLLABUS if lesson.ready]
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
IMAGES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


def _cells(path: str) -> list[dict]:
    return json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]


def _figures(cell: dict) -> int:
    return sum(m in o.get("data", {}) for o in cell.get("outputs", []) for m in IMAGES)


def _alt(cell: dict) -> str:
    return ((cell["metadata"].get("mystnb") or {}).get("image") or {}).get("alt", "")


def _one_sentence(text: str) -> bool:
    """One sentence: starts with a capital letter or digit, ends with a full stop, no sentence
    boundary inside (a full stop, ! or ? followed by a space and a capital letter), 6-60 words."""
    return (bool(re.match(r"[A-Z0-9]", text)) and text.endswith(".")
            and not re.search(r"[.!?]\s+[A-Z]", text[:-1]) and 6 <= len(text.split()) <= 60)


@pytest.mark.parametrize("notebook", LECTURES)
def test_every_figure_has_a_one_sentence_alt_text(notebook):
    cells = _cells(notebook)
    figures = [i for i, c in enumerate(cells) if _figures(c)]
    assert figures, f"{notebook} shows no figure"
    missing = [i for i in figures if not _alt(cells[i])]
    assert missing == [], f"{notebook}: cells {missing} show a figure without metadata mystnb.image.alt"
    bad = {i: _alt(cells[i]) for i in figures if not _one_sentence(_alt(cells[i]))}
    assert bad == {}, f"{notebook}: alt texts that are not one sentence: {bad}"
    assert len({_alt(cells[i]) for i in figures}) == len(figures), f"{notebook}: two figures share an alt text"


@pytest.mark.parametrize("text,ok", [
    ("A bar chart of accuracy per background, with 0.8 and 1.0 marked.", True),
    ("A bar chart. It shows accuracy.", False),      # two sentences
    ("a bar chart of accuracy per background type.", False),  # no capital
    ("A bar chart of accuracy per background type", False),   # no full stop
    ("A chart.", False),                              # too short to say what it shows
])
def test_the_one_sentence_rule_itself(text, ok):
    assert _one_sentence(text) is ok


@pytest.mark.parametrize("notebook", LECTURES)
def test_every_lecture_is_tagged_as_a_45_to_60_minute_deck(notebook):
    cells = _cells(notebook)
    types = [(c["metadata"].get("slideshow") or {}).get("slide_type") for c in cells]
    untagged = [i for i, t in enumerate(types) if t not in SLIDE_TYPES]
    assert untagged == [], f"{notebook}: cells {untagged} have no slideshow.slide_type"
    assert types[0] == "slide" and _source(cells[0]).startswith("# "), "the deck opens on the title cell"
    shown = [c for c, t in zip(cells, types) if t not in ("skip", "notes")]
    assert any(_figures(c) for c in shown), "no figure on a slide (the key figure)"
    assert any(c["cell_type"] == "code" and c.get("outputs") for c in shown), "no experiment with its result"
    summary = [t for c, t in zip(cells, types) if c["cell_type"] == "markdown" and re.search(r"^## Summary", _source(c), re.M)]
    assert summary == ["slide"], "the Summary is a slide of its own"
    assert not any(t not in ("skip", "notes") and c["cell_type"] == "code" and "COLAB" in _source(c).upper()
                   and "pip install" in _source(c) for c, t in zip(cells, types)), "the Colab install cell is on a slide"
    assert 45 <= minutes(types) <= 60, f"{notebook}: {minutes(types) / MINUTES_PER_SLIDE:.0f} slides, " \
                                       f"about {minutes(types):.0f} min at {MINUTES_PER_SLIDE} min a slide"


def _source(cell: dict) -> str:
    return "".join(cell["source"])
