"""Learner-facing text cites original sources (COURSE_DESIGN "Citations"; issue 13).

(a) no markdown cell of any notebook talks about the course's source documents ("seed 003",
    "the seeds' pipeline", "our slides", "design notes"), while random seeds stay allowed;
(b) every lecture and solution notebook ends with a ``## References`` section holding at least
    one entry with a year and a link or arXiv id (lectures: after ``## Summary``);
(c) the course bibliography REFERENCES.md exists and the README links it;
(d) every arXiv id a notebook cites is in REFERENCES.md.
"""
import re

import nbformat
import pytest

from conftest import ROOT
from course_utils.syllabus import SYLLABUS

FOLDERS = ("notebooks", "solutions", "exercises")
ALL_NOTEBOOKS = sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb"))


def _with_references_required() -> list:
    """Lecture and solution notebooks that exist, plus those of ready lessons (which must)."""
    paths = {p for folder in ("notebooks", "solutions") for p in (ROOT / folder).glob("*.ipynb")}
    for lesson in SYLLABUS:
        if lesson.ready:
            paths.add(ROOT / lesson.notebook)
            paths.add(ROOT / "solutions" / f"{lesson.number}_{lesson.slug}_exercises.ipynb")
    return sorted(paths)


# "seed" in the sense of the documents the course was built from. Case-sensitive on purpose:
# the constant SEED is fine. Random seeds ("seed=0", "seeded", "random seed", "seeds 1-4",
# "the same seed gives the same images") must not match.
SOURCE_MENTION = re.compile(
    r"\b[Ss]eeds?\s+0\d\d\b"                                   # seed 003, seeds 001-004
    r"|\b[Ss]eeds'"                                            # the seeds' pipeline
    r"|\b[Tt]he seed's\b"                                      # the seed's table
    r"|\b[Tt]he seeds\b(?!\s*(?:[\d(=]|are (?:fixed|set)))"    # the seeds (but not "the seeds 1-4")
    r"|\b[Tt]he seed (?:claims?|says|states|reports?|shows|documents?|slides?|papers?|tables?)\b"
    r"|\b[Ss]eed (?:documents?|slides?|papers?|reports?|materials?|notebooks?|tables?|texts?)\b"
    r"|\b(?:[Ss]ource|[Oo]ur|[Tt]he) slides\b"
    r"|\b[Ss]ource documents?\b"
    r"|\b[Dd]esign notes\b"
    r"|COURSE_DESIGN")

SOURCE_MENTIONS = ["seed 003 says so", "as in Seed 001", "the seed claims 15 fps", "the seeds' pipeline",
                   "copied from the seeds.", "The seeds report it", "the seed's table", "a seed paper",
                   "the seed slides", "our source slides", "in our slides", "see the slides",
                   "the course design notes", "COURSE_DESIGN.md", "the source documents", "seeds 001-004"]
RANDOM_SEEDS = ["seed=0", "the notebook is seeded", "a random seed", "SEED = 42", "`SEED`",
                "the same seed always gives the same images", "retrained with seeds 1–4",
                "with seed 0", "Seeds fixed (numpy, TF, torch)", "over the seeds 1 to 4",
                "the seeds (0, 1, 2)", "seeding every generator", "the seeds are fixed",
                "np.random.default_rng(seed)", "the slide rule", "seedling"]


@pytest.mark.parametrize("text", SOURCE_MENTIONS)
def test_regex_finds_mentions_of_the_source_documents(text):
    assert SOURCE_MENTION.search(text), text


@pytest.mark.parametrize("text", RANDOM_SEEDS)
def test_regex_allows_random_seeds(text):
    assert not SOURCE_MENTION.search(text), SOURCE_MENTION.search(text)


def markdown_cells(path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_markdown_never_mentions_the_source_documents(path):
    found = [(m.group(0), src[max(m.start() - 40, 0):m.end() + 40])
             for src in markdown_cells(path) for m in SOURCE_MENTION.finditer(src)]
    assert not found, f"cite the original paper or repository instead of: {found}"


YEAR = re.compile(r"\b(?:19|20)\d\d\b")
LINK_OR_ARXIV = re.compile(r"https?://\S+|arXiv:\s*\d{4}\.\d{4,5}", re.I)
# a list item ("- ..." or "1. ...") and its indented continuation lines
ENTRY = re.compile(r"^[ \t]*(?:[-*]|\d+\.)[ \t]+(.+(?:\n[ \t]+(?![-*] |\d+\. )\S.*)*)", re.M)


def references_section(path) -> tuple[list[str], str]:
    """(entries of the final ``## References`` section, problem or "")."""
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    at = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
          and re.search(r"^## References\s*$", c.source, re.M)]
    if not at:
        return [], "no '## References' section"
    i = at[-1]
    text = re.split(r"^## References\s*$", cells[i].source, flags=re.M)[-1]
    if re.search(r"^##? ", text, re.M):
        return [], "a section follows '## References' in its cell"
    for later in cells[i + 1:]:
        if later.cell_type == "code" and later.source.strip():
            return [], "code cells follow '## References': it must be the final part"
        if later.cell_type == "markdown" and re.search(r"^##? ", later.source, re.M):
            return [], "a section follows '## References': it must be the final part"
        text += "\n" + later.source
    before = "\n".join(c.source for c in cells[:i + 1] if c.cell_type == "markdown")
    if path.parent.name == "notebooks" and "## Summary" not in before.split("## References")[0]:
        return [], "a lecture's References come after its '## Summary'"
    return [" ".join(e.split()) for e in ENTRY.findall(text)], ""


@pytest.mark.parametrize("path", _with_references_required(),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_ends_with_references(path):
    assert path.exists(), f"{path.name}: the syllabus marks the lesson ready, but the notebook is missing"
    entries, problem = references_section(path)
    assert not problem, f"{path.name}: {problem}"
    good = [e for e in entries if YEAR.search(e) and LINK_OR_ARXIV.search(e)]
    assert good, (f"{path.name}: no References entry with a year and a link or arXiv id "
                  f"(authors, year, title, venue or arXiv id, link); entries: {entries}")


def test_references_section_parser_rejects_near_misses(tmp_path):
    def notebook(*cells):
        nb = nbformat.v4.new_notebook(cells=list(cells))
        path = tmp_path / "notebooks" / "99_x.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(nb, path)
        return path

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    entry = "1. N. Dalal, B. Triggs. 2005. *HOG.* CVPR. <https://doi.org/10.1109/CVPR.2005.177>"
    ok = notebook(md("# 99 · X"), md("## Summary\n- a"), md(f"## References\n{entry}"))
    assert references_section(ok) == ([entry[3:]], "")
    assert references_section(notebook(md("## Summary"), md(f"## References\n{entry}"), code("1")))[1]
    assert references_section(notebook(md(f"## References\n{entry}"), md("## Summary")))[1]
    assert references_section(notebook(md("## Summary"), md(f"### References\n{entry}")))[1]
    wrapped = notebook(md("## Summary"), md("## References\n1. N. Dalal, B. Triggs. 2005. *HOG.*\n"
                                           "   CVPR. <https://doi.org/10.1109/CVPR.2005.177>\n2. Two. 2001."))
    assert references_section(wrapped)[0] == [entry[3:], "Two. 2001."]  # continuation lines joined
    entries, _ = references_section(notebook(md("## Summary\n## References\n- Dalal and Triggs, HOG")))
    assert entries and not any(YEAR.search(e) and LINK_OR_ARXIV.search(e) for e in entries)


BIBLIOGRAPHY = ROOT / "REFERENCES.md"


def test_bibliography_exists_and_the_readme_links_it():
    assert BIBLIOGRAPHY.exists(), "REFERENCES.md (the course bibliography) is missing"
    assert "](REFERENCES.md)" in (ROOT / "README.md").read_text(), "the README does not link REFERENCES.md"
    # an entry is a numbered item plus its indented continuation lines
    entries = re.findall(r"^\d+\. .*(?:\n {3,}.*)*", BIBLIOGRAPHY.read_text(), re.M)
    assert len(entries) >= 30, "each bibliography entry is a numbered list item"
    without_year = [e for e in entries if not YEAR.search(e)]
    assert not without_year, f"entries without a year: {without_year}"


ARXIV_ID = re.compile(r"(?:arXiv:\s*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5})", re.I)


def test_arxiv_id_regex():
    text = "arXiv:1704.04861, [x](https://arxiv.org/abs/1801.04381), arxiv.org/pdf/1707.01083v2, 2017.04"
    assert ARXIV_ID.findall(text) == ["1704.04861", "1801.04381", "1707.01083"]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_cited_arxiv_id_is_in_the_bibliography(path):
    listed = set(ARXIV_ID.findall(BIBLIOGRAPHY.read_text()))
    cited = {i for src in markdown_cells(path) for i in ARXIV_ID.findall(src)}
    missing = sorted(cited - listed)
    assert not missing, f"{path.name} cites arXiv ids that REFERENCES.md lacks: {missing}"


# ---------------------------------------------------------------------------- one bibliography
# (issue 29) REFERENCES.md lists exactly what the notebooks cite, in one style, with the same DOIs,
# arXiv ids and links everywhere. Entries are compared by what they point at (tests/bibliography.py).
import bibliography as B  # noqa: E402

# The lecture, solution and exercise notebooks of every lesson the syllabus marks ready (its
# `ready` column), so a lesson is checked from the commit that marks it written.
READY = [f"{lesson.number}_{lesson.slug}" for lesson in SYLLABUS if lesson.ready]
CHECKED = sorted(p for folder in FOLDERS for stem in READY
                 for p in (ROOT / folder).glob(f"{stem}*.ipynb"))
STYLE = re.compile(r"^[^*]+?\. (?:19|20)\d\d(?: \([^)]*\))?\. \*")  # "A. B. Author, C. Author. 2017. *Title"


def _bibliography() -> list[str]:
    return B.bibliography_entries(BIBLIOGRAPHY.read_text())


def test_identifiers_and_matching():
    entry = ("F. C. Crow. 1984. *Summed-Area Tables for Texture Mapping.* SIGGRAPH 1984. "
             "<https://doi.org/10.1145/964965.808600> and [arXiv:1704.04861](https://arxiv.org/abs/1704.04861), "
             "<https://www.keras.io/api/>")
    assert B.identifiers(entry) == {"doi:10.1145/964965.808600", "arxiv:1704.04861", "url:keras.io/api"}
    other_doi = entry.replace("964965", "800031")
    assert not B.matches(other_doi, entry)                       # two DOIs that disagree: not the same entry
    assert B.matches("Crow, F. C. (1984). *Summed-area tables for texture mapping.* SIGGRAPH.", entry)
    assert not B.matches("F. Crow. 1984. *Texture Mapping.*", entry)
    assert B.without_also("X. 2017. *T.* <https://a.b> (ReLU6; also 05, 07)") == "X. 2017. *T.* <https://a.b> (ReLU6)"
    assert B.without_also("X. 2017. *T.* <https://a.b> (also 05)") == "X. 2017. *T.* <https://a.b>"


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_references_entry_is_in_the_bibliography(path):
    bib = _bibliography()
    entries, _ = references_section(path) if path.parent.name != "exercises" else _exercise_references(path)
    missing = [e for e in entries if not any(B.matches(e, b) for b in bib)]
    assert not missing, f"{path.name}: entries not in REFERENCES.md (or with a DOI that disagrees): {missing}"


def _exercise_references(path):
    try:
        return references_section(path)
    except Exception:  # noqa: BLE001 - an exercise notebook without References has nothing to check
        return [], ""


def test_every_bibliography_entry_is_cited_by_some_notebook():
    cited = [e for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.ipynb"))
             for e in references_section(p)[0]]
    uncited = [b for b in _bibliography() if not any(B.matches(e, b) for e in cited)]
    assert not uncited, f"REFERENCES.md lists works no notebook cites: {uncited}"


@pytest.mark.parametrize("path", [ROOT / "notebooks" / f"{stem}.ipynb" for stem in READY], ids=lambda p: p.name)
def test_lecture_references_use_the_bibliography_style(path):
    bad = [e for e in references_section(path)[0] if not STYLE.match(e)]
    assert not bad, f"{path.name}: not in the 'Authors. Year. *Title.* Venue. <link>' style of REFERENCES.md: {bad}"


def test_bibliography_entries_use_one_style():
    bad = [b for b in _bibliography() if not STYLE.match(b)]
    assert not bad, bad


# Solutions and exercises list their references in the same style (issue 29: lecture and exercise 02
# cited Crow in two styles). A notebook named here is an expected failure until converted (none now).
STYLE_PENDING: set[str] = set()


_EXERCISE_PATHS = [
    pytest.param(p, id=f"{p.parent.name}/{p.name}",
                 marks=[pytest.mark.xfail(reason="references not yet in REFERENCES.md's style")]
                 if any(p.name.startswith(stem) for stem in STYLE_PENDING) else [])
    for p in CHECKED if p.parent.name != "notebooks"]


@pytest.mark.parametrize("path", _EXERCISE_PATHS)
def test_exercise_references_use_the_bibliography_style(path):
    entries, _ = _exercise_references(path)
    bad = [e for e in entries if not STYLE.match(e)]
    assert not bad, f"{path.name}: not in the 'Authors. Year. *Title.* Venue. <link>' style of REFERENCES.md: {bad}"
