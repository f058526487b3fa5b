"""Published tables by revision (issue 29): every table the course compares with names its source,
a permalink to the exact revision (a commit, an arXiv id) and a date, and its values are the ones
that revision shows. The course's own counts are checked against them in test_mobilenet_v1/v2."""
import re

import pytest

from course_utils.cost import published as P

TABLES = ["TFSLIM_MOBILENET_V1_2017", "TFSLIM_MOBILENET_V1_2018", "TFSLIM_MOBILENET_V1_2018_QUANT", "TFSLIM_MOBILENET_V2",
          "MOBILENET_V1_PAPER_TOP1", "MOBILENET_V1_TABLE8", "MOBILENET_V2_PAPER_1_4", "MOBILENET_V2_TABLE5",
          "SHUFFLENET_V1_COMPLEXITY",
          "SHUFFLENET_V1_TOP1_ERROR", "MOBILENET_V2_TABLE3"]
PERMALINK = re.compile(r"https://github\.com/[\w-]+/[\w-]+/blob/[0-9a-f]{40}/|https://arxiv\.org/abs/\d{4}\.\d{4,5}$")


@pytest.mark.parametrize("name", TABLES)
def test_every_table_has_a_source_a_permalink_and_a_date(name):
    assert hasattr(P, name) and name in P.SOURCES
    src = P.SOURCES[name]
    assert PERMALINK.match(src.url), f"{name}: {src.url} is not a permalink to one revision"
    assert re.fullmatch(r"(19|20)\d\d(-\d\d-\d\d)?", src.date)
    assert P.label(name).startswith("published (") and src.cite in P.label(name)


def test_no_source_without_a_table():
    assert set(P.SOURCES) == set(TABLES)


def test_the_two_tf_slim_v1_revisions():
    old, new = P.TFSLIM_MOBILENET_V1_2017, P.TFSLIM_MOBILENET_V1_2018
    assert len(old) == len(new) == 16 and set(old) == set(new)
    # the same networks: MACs and parameters did not change between the revisions ...
    assert all(old[k][:2] == new[k][:2] for k in old)
    # ... the accuracies did (the 2018 checkpoints); the values lessons 04 and 08 quote
    assert old[(1.0, 224)][2:] == (70.7, 89.5) and new[(1.0, 224)][2:] == (70.9, 89.9)
    assert old[(0.25, 224)][2] == 50.6 and new[(0.25, 224)][2] == 49.8
    assert old[(0.25, 128)][2] == 41.3 and new[(0.25, 128)][2] == 41.5
    # every top-1 changed except 0.75@224 (68.4 in both)
    assert {k for k in old if old[k][2] == new[k][2]} == {(0.75, 224)}


def test_the_quantised_2018_checkpoints_beside_the_float_ones():
    q, f = P.TFSLIM_MOBILENET_V1_2018_QUANT, P.TFSLIM_MOBILENET_V1_2018
    assert set(q) == set(f) and all(q[k][:2] == f[k][:2] for k in q)   # the same networks
    assert q[(1.0, 224)][2:] == (69.7, 89.5) and q[(0.25, 128)][2:] == (39.9, 65.8)
    drops = {k: round(f[k][2] - q[k][2], 1) for k in q}
    # quantization-aware training costs 0.5-2.3 points of top-1, never gains
    assert min(drops.values()) == 0.5 and max(drops.values()) == 2.3 and drops[(1.0, 224)] == 1.2


def test_the_paper_and_the_2017_checkpoints_differ_slightly():
    diffs = {k: round(P.TFSLIM_MOBILENET_V1_2017[k][2] - v, 1) for k, v in P.MOBILENET_V1_PAPER_TOP1.items()}
    assert diffs[(1.0, 224)] == 0.1 and diffs[(0.75, 224)] == 0.0
    assert max(abs(d) for d in diffs.values()) <= 0.3


def test_mobilenet_v1_table_macs_reproduce_where_the_lesson_says():
    from course_utils import cost
    for (alpha, res), (macs_m, _, _, _) in P.TFSLIM_MOBILENET_V1_2017.items():
        ours = round(cost.mobilenet_v1_table(alpha, res).macs / 1e6)
        explained = alpha == 0.75 or (alpha, res) in {(0.5, 224), (0.25, 192)}  # lesson 04 section 5
        assert (ours == macs_m) != explained, (alpha, res, ours, macs_m)


def test_table3_as_printed_in_arxiv_v4():
    t = P.MOBILENET_V2_TABLE3
    assert t["MobileNet v2 1.0"][112] == (16, 400) and t["MobileNet v1 1.0"][7] == (1024, 199)
    assert t["ShuffleNet 2x (g = 3)"][28] == (400, 600)
    assert P.MOBILENET_V2_TABLE3_MAX == {"MobileNet v1 1.0": 1600, "MobileNet v2 1.0": 400, "ShuffleNet 2x (g = 3)": 600}
    assert "v4" in P.SOURCES["MOBILENET_V2_TABLE3"].note
