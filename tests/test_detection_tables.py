"""Lesson 09's tables: exact counts of built models against the published values (rounded)."""
import pytest

pytest.importorskip("torchvision")

from course_utils.detection import tables  # noqa: E402


@pytest.fixture(scope="module")
def table8():
    return {r["model"]: r for r in tables.table8()}


def test_table8_exact_counts(table8):
    got = {k: (r["macs"], r["params"]) for k, r in table8.items()}
    assert got == {"1.0 MobileNet-224": (568_740_352, 4_210_088),
                   "GoogleNet (torchvision, 3x3)": (1_498_376_192, 6_610_344),
                   "GoogleNet (paper's 5x5)": (1_582_671_872, 6_991_272),
                   "VGG 16": (15_470_264_320, 138_357_544)}


def test_table8_mobilenet_and_vgg_round_to_the_paper(table8):
    mn, vgg = table8["1.0 MobileNet-224"], table8["VGG 16"]
    assert round(mn["macs"] / 1e6) == 569 and round(mn["params"] / 1e6, 1) == 4.2
    assert round(vgg["params"] / 1e6) == 138
    # VGG's MACs: 15,347 M in the 13 convs + 124 M in the 3 FC layers; the paper's 15,300 is within 1.2%
    assert abs(vgg["macs"] / 15_300e6 - 1) < 0.012
    # the paper's 5x5 GoogLeNet is within 2.2% of 1,550 M; torchvision's 3x3 one is 3.3% under
    five, three = table8["GoogleNet (paper's 5x5)"], table8["GoogleNet (torchvision, 3x3)"]
    assert abs(five["macs"] / 1550e6 - 1) < 0.022 < abs(three["macs"] / 1550e6 - 1)


@pytest.mark.parametrize("classes, expected", [
    (80, {"MNet V1 + SSDLite": (1_309_162_944, 5_063_413), "MNet V2 + SSDLite": (788_830_144, 4_286_261)}),
    (90, {"MNet V1 + SSDLite": (1_322_426_304, 5_209_663), "MNet V2 + SSDLite": (804_397_504, 4_449_791)}),
])
def test_table5_exact_counts(classes, expected):
    assert {r["model"]: (r["macs"], r["params"]) for r in tables.table5(classes)} == expected


def test_table5_reproduces_with_80_coco_categories_plus_background():
    rows = {r["model"]: r for r in tables.table5(80)}
    assert round(rows["MNet V2 + SSDLite"]["params"] / 1e6, 1) == 4.3
    assert round(rows["MNet V1 + SSDLite"]["params"] / 1e6, 1) == 5.1
    assert round(rows["MNet V2 + SSDLite"]["macs"] / 1e9, 1) == 0.8
    assert round(rows["MNet V1 + SSDLite"]["macs"] / 1e9, 1) == 1.3


def test_the_counter_agrees_with_torchvisions_ssdlite_metadata():
    macs, params = tables.torchvision_ssdlite_counts()
    assert params == tables.TORCHVISION_SSDLITE["num_params"] == 3_440_060
    assert round(macs / 1e9, 3) == tables.TORCHVISION_SSDLITE["ops_g"]
