"""Model answers agree with their own notebook (issue 27, "model answers are checked").

Every quantitative number in a written question's model answer (a ``qN-answer`` cell of
``solutions/``) must be printed in an output of that solutions notebook or of its lecture (after
rounding to the digits the answer gives), be a literal of one of their code cells, or be
attributed to a published source in its sentence: the machinery of the lectures' claims check
(``tests/claims.py``), applied to the model answers. So a model answer cannot quote a number
that its own run (or the lecture it refers to) does not show.
"""
import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(Path(__file__).parent))
import claims  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*_exercises.ipynb"))
# (notebook prefix, number as reported, a piece of its sentence): numbers a model answer derives in its own
# sentence from outputs or from the question (each one's reason beside it). Keep it short; an unused entry fails.
DERIVED = [
    ("02", "96 %", "0.99⁴ ≈ 96%"),            # the arithmetic is in the sentence: four stages keeping 99% each
    ("02", "4,916", "in the 2001 paper"),     # published (Viola and Jones 2001), named in the sentence
]


def _answers(nb: dict) -> list[tuple[int, str]]:
    return [(i, "".join(c["source"])) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "markdown"
            and str(c["metadata"].get("nbgrader", {}).get("grade_id", "")).endswith("-answer")]


class _Derived:
    """``(prefix, number, sentence) in _Derived()``: the number is listed in DERIVED (the entry is marked used)."""

    used: set = set()

    def __contains__(self, key) -> bool:
        prefix, number, sentence = key
        hits = [e for e in DERIVED if e[0] == prefix and e[1] == number and e[2] in sentence]
        _Derived.used |= set(hits)
        return bool(hits)


def unsupported(answers: list[tuple[int, str]], notebooks: list[dict], prefix: str = "") -> list[str]:
    """Numbers of the model answers found in no output or code cell of ``notebooks``, and not attributed."""
    code_cells = [c for nb in notebooks for c in nb["cells"] if c["cell_type"] == "code"]
    texts = [claims._output_text(o) for c in code_cells for o in c.get("outputs", [])]
    code = claims.code_values(["".join(c["source"]) for c in code_cells])
    problems = []
    for index, source in answers:
        for s in claims.sentences(index, source):
            for n, end, _ in claims.numbers(claims._clean(s.text)):
                if end is None and (not n.quantitative or claims._is_year(n)):
                    continue
                if end is not None and not (n.quantitative or end.quantitative):
                    continue
                unit = (end or n).unit if (end or n).unit in claims.UNIT_BOUND else None
                outs = claims.output_values(texts, unit)
                if end is None:
                    ok = claims.matches_output(n, outs) or claims.in_code(n, code)
                else:
                    ok = claims.range_contains(n, end, outs) or (claims.in_code(n, code) and claims.in_code(end, code))
                if not (ok or s.attributed) and (prefix, n.text, s.text) not in _Derived():
                    problems.append(f"cell {index}: {n.text!r} in: {s.text.strip()[:200]}")
    return problems


def _lecture(path: Path) -> dict:
    return json.loads(next((ROOT / "notebooks").glob(path.name[:3] + "*.ipynb")).read_text(encoding="utf-8"))


def test_a_number_the_run_does_not_show_is_caught():
    run = {"cells": [{"cell_type": "code", "source": "x = 3", "metadata": {}, "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "accuracy 0.733\nmedian 8.62 ms\n"}]}]}
    assert unsupported([(0, "*Model answer.* It reaches 73.3% and takes 8.6 ms.")], [run]) == []
    assert len(unsupported([(0, "*Model answer.* It reaches 75.0% and takes 9.6 ms.")], [run])) == 2
    assert unsupported([(0, "*Model answer.* The paper reports 70.6% [1].")], [run]) == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name[:2])
def test_model_answers_quote_their_own_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert _answers(nb), f"{path.name}: no model answer"
    problems = unsupported(_answers(nb), [nb, _lecture(path)], path.name[:2])
    assert problems == [], "\n".join(problems)


def test_derived_numbers_are_still_quoted():
    for path in SOLUTIONS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        unsupported(_answers(nb), [nb, _lecture(path)], path.name[:2])
    assert set(DERIVED) <= _Derived.used, f"stale DERIVED entries: {set(DERIVED) - _Derived.used}"
