"""The numbers quoted in course_utils.cost's documentation are the numbers the code gives."""
from __future__ import annotations

import re

from course_utils import cost


def test_docstring_mobilenet_v1_weights_agree_with_the_code():
    doc = " ".join(cost.__doc__.split())
    found = re.search(r"MobileNet v1 1\.0 has ([\d,]+) conv weights \+ ([\d,]+) FC weights \+ ([\d,]+) FC biases"
                      r" = ([\d,]+)", doc)
    assert found, "the 'weights' convention example is missing from the module docstring"
    conv, fc_w, fc_b, total = (int(g.replace(",", "")) for g in found.groups())
    table = cost.mobilenet_v1_table(1.0, 224)
    assert conv + fc_w + fc_b == total == table.params("weights")
    assert conv == sum(r.weights for r in table.rows if r.kind != "fc")
    assert (fc_w, fc_b) == (1024 * 1000, 1000)
    for convention in ("trainable", "total"):
        assert f"{table.params(convention):,}" in doc, convention
