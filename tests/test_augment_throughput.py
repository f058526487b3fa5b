"""augment.throughput: every row's spread comes from its own repeats (issue 29: Keras' rows printed
min = max = median, because the Keras worker returned medians only)."""
import pytest

from course_utils.augment import throughput

pytestmark = pytest.mark.slow


def test_every_library_reports_a_median_inside_a_real_spread():
    rows = throughput.library_throughput(("opencv", "keras"), sizes=(32,), n=4, repeat=3)
    assert [r["library"] for r in rows] == ["opencv", "keras", "keras (tf.data map)"]
    for r in rows:
        assert r["size"] == 32 and r["how"]
        assert 0 < r["img_s_min"] <= r["img_s"] <= r["img_s_max"], r
        assert r["img_s_min"] < r["img_s_max"], f"{r['library']}: a spread of three timed calls cannot be zero"
