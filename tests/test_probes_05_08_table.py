"""``tests/PROBES_05_08.md`` (issue 26) answers all 337 probes, and every test it names exists."""
from __future__ import annotations

import re
from collections import Counter

from conftest import ROOT

TABLE = ROOT / "tests" / "PROBES_05_08.md"


def _rows() -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in TABLE.read_text().splitlines()
            if re.match(r"^\| [A-Z]+\d+b? \|", line)]


def test_every_probe_has_one_row_and_the_counts_add_up():
    rows = _rows()
    ids = [r[0] for r in rows]
    assert len(ids) == 337 and len(set(ids)) == 337
    before = Counter(r[2] for r in rows)
    assert before == {"OK": 141, "RAW TRACEBACK": 131, "WRONG RESULT": 59, "JUNK LEFT": 5, "HANG": 1}
    after = Counter(r[3].replace("still ", "").replace(" (documented)", "") for r in rows)
    text = TABLE.read_text()
    for verdict, n in after.items():
        assert re.search(rf"\| {verdict} \| \d+ \| {n} \|", text), verdict
    assert all(r[4] for r in rows)


def test_every_named_test_exists():
    named = set(re.findall(r"`(test_probes_05_08_\w+\.py)::(\w+)(?:\[([\w-]+)\])?`", TABLE.read_text()))
    assert len(named) > 100
    for file, function, param in named:
        source = (ROOT / "tests" / file).read_text()
        assert f"def {function}(" in source, (file, function)
        if param:
            assert f'"{param.split("-")[-1]}"' in source, (file, function, param)
