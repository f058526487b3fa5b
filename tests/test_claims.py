"""The claims check (tests/claims.py, issue 29): every quantitative number in a lecture's prose
is an output of the same run, an attributed published number, a code literal, or a listed
exemption. The parser is unit-tested on small cases first."""
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(Path(__file__).parent))
import claims  # noqa: E402

from course_utils.syllabus import SYLLABUS  # noqa: E402

# Every lesson the syllabus marks ready (its `ready` column), so a lesson is checked from the
# commit that marks it written (09 joins when its syllabus entry says ready=True).
LECTURES = [f"{lesson.number}_{lesson.slug}" for lesson in SYLLABUS if lesson.ready]


def _numbers(text):
    return [(n.text, n.value, end.value if end else None) for n, end, _ in claims.numbers(claims._clean(text))]


@pytest.mark.parametrize("text, expected", [
    ("took 10.6 ms", [("10.6 ms", 10.6, None)]),
    ("1,239 people", [("1,239", 1239.0, None)]),
    ("568.7 M MACs", [("568.7 M MACs", 568.7e6, None)]),
    ("0.31 million pixels", [("0.31 million pixels", 0.31e6, None)]),
    ("about 2,000× the head", [("2,000 ×", 2000.0, None)]),
    ("gains 4.5-6.2 points", [("4.5 points", 4.5, 6.2)]),
    ("72–85 s over three runs", [("72 s", 72.0, 85.0)]),
    ("a 3×3 kernel", [("3", 3.0, None), ("3", 3.0, None)]),
])
def test_parser_reads_numbers_as_written(text, expected):
    assert _numbers(text) == expected


@pytest.mark.parametrize("text", [
    "arXiv:1704.04861", "Python 3.11", "checkpoints of 2017-06-14", "OpenCV 4.10.0",
    "[the paper](https://arxiv.org/abs/1704.04861)", "doi 10.1145/1498765.1498785", "Table 3",
])
def test_ids_versions_dates_and_links_are_not_claims(text):
    assert not [n for n, end, _ in claims.numbers(claims._clean(text)) if n.quantitative and not claims._is_year(n)]


def test_quantitative_means_decimal_three_digits_or_unit():
    q = {n.text: n.quantitative for n, _, _ in claims.numbers("5 stages, 12 ms, 0.5, 224 and 7 %")}
    assert q == {"5": False, "12 ms": True, "0.5": True, "224": True, "7 %": True}


def test_rounding_matches_and_mismatches():
    outs = claims.output_values(["median 10.59 ms", "accuracy 0.705", "568,740,352 MACs"])
    num = lambda t: claims.numbers(t)[0][0]  # noqa: E731
    assert claims.matches_output(num("10.6 ms"), outs)
    assert not claims.matches_output(num("6 ms"), outs)
    assert claims.matches_output(num("70.5 %"), outs)      # a fraction printed, a percentage written
    assert claims.matches_output(num("569 M"), outs)       # thousands separators and suffixes
    assert not claims.matches_output(num("2,000×"), claims.output_values(["4174.3x"]))


def test_a_range_must_contain_the_outputs_it_summarises():
    outs = claims.output_values(["gain 4.5 points", "gain 6.2 points", "gain 5.8 points"])
    lo, hi = claims.numbers("4.5-6.2 points")[0][:2]
    assert claims.range_contains(lo, hi, outs)
    lo, hi = claims.numbers("5-6 points")[0][:2]  # rounds each end, but 4.5 and 6.2 lie outside
    assert not claims.range_contains(lo, hi, outs)


def test_citations_attribute_a_sentence():
    for text in ["70.6 % (Howard et al. 2017)", "15 fps [2]", "as Dalal & Triggs 2005 did", "see [1, 4]"]:
        assert claims.CITATION.search(text), text
    assert not claims.CITATION.search("measured at 224 px")


def test_sentences_split_at_full_stops_but_not_at_et_al():
    parts = [s.text for s in claims.sentences(0, "Howard et al. 2017 report 70.6. We measured 3.2 ms.")]
    assert parts == ["Howard et al. 2017 report 70.6.", "We measured 3.2 ms."]


def test_a_timing_must_match_a_timing(tmp_path):
    nb = {"cells": [
        {"cell_type": "markdown", "source": "It takes about 6 ms.", "metadata": {}},
        {"cell_type": "code", "source": "x = 6  # a literal 6 is no timing", "metadata": {}, "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "6 images\nmedian 10.6 ms\n"}]}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(__import__("json").dumps(nb))
    report = claims.check(path, exemptions=[])
    assert [f.number for f in report.findings] == ["6 ms"], report.findings


@pytest.mark.parametrize("stem", LECTURES)
def test_every_number_in_the_prose_is_supported(stem):
    report = claims.check(ROOT / "notebooks" / f"{stem}.ipynb")
    assert not report.findings, "\n".join(
        f"cell {f.cell}: {f.number!r} ({f.reason}) in: {f.sentence}" for f in report.findings)


def test_exemptions_are_few_reasoned_and_used():
    entries = claims.load_exemptions()
    assert len(entries) < 15
    assert all(len(e["reason"]) > 20 for e in entries)
    used = set()
    for stem in LECTURES:
        used |= claims.check(ROOT / "notebooks" / f"{stem}.ipynb", entries).exemptions_used
    stale = [entries[i] for i in range(len(entries)) if i not in used]
    assert not stale, f"exemptions that match nothing any more: {stale}"
