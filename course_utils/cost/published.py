"""Published cost and accuracy figures, kept apart from what the course computes.

Each table names its source, a permalink to the exact revision the values were read from, and
that revision's date, in :data:`SOURCES`; lessons label every published value with that source
("published (TF-slim README, 2017-06-14 checkpoints)"), and ``tests/test_published.py`` checks
the tables and which of them the course's own counts reproduce.

The TF-slim MobileNet v1 README changed its table in 2018: the accuracies of the 2017-06-14
checkpoints (1.0@224: 70.7 % top-1) were replaced by those of the 2018-02-22 checkpoints
(70.9 %), with the same MACs and parameters. Both are here, because a link to the README's
current revision shows the 2018 numbers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a published table comes from: ``cite`` for labels, ``url`` a permalink to the revision."""

    cite: str
    url: str
    date: str  # of the values (checkpoint release or publication), ISO 8601
    note: str = ""


_SLIM = "https://github.com/tensorflow/models/blob"
SOURCES = {
    "TFSLIM_MOBILENET_V1_2017": Source(
        "TF-slim MobileNet v1 README, 2017-06-14 checkpoints",
        f"{_SLIM}/a4e31b34db506e1ca0dcc5df00b71a56048f6f89/slim/nets/mobilenet_v1.md", "2017-06-14",
        "the first released table (checkpoints mobilenet_v1_<alpha>_<res>_2017_06_14)"),
    "TFSLIM_MOBILENET_V1_2018": Source(
        "TF-slim MobileNet v1 README, 2018-02-22 checkpoints",
        f"{_SLIM}/10cf1c0adfc8a7adaa476bf4ebb7e6c576526a5f/research/slim/nets/mobilenet_v1.md", "2018-02-22",
        "float rows of the table the README shows since 2018 (quantised rows revised 2018-08-02, not used)"),
    "TFSLIM_MOBILENET_V1_2018_QUANT": Source(
        "TF-slim MobileNet v1 README, 2018-02-22 quantised checkpoints",
        f"{_SLIM}/02c04f49a188ba9a515100a3375a6359f3fffef1/research/slim/nets/mobilenet_v1.md", "2018-02-22",
        "the *_quant rows: quantization-aware training (fake-quantised graphs) converted to 8-bit TFLite files"),
    "TFSLIM_MOBILENET_V2": Source(
        "TF-slim MobileNet v2 README",
        f"{_SLIM}/60c28f91c1a69098fa8d69e4430705981fc4e132/research/slim/nets/mobilenet/README.md", "2018",
        "v2 checkpoint table (released 2018); the revision linked also lists the 2019 V3 checkpoints"),
    "MOBILENET_V1_PAPER_TOP1": Source(
        "Howard et al. 2017, Tables 6 and 7", "https://arxiv.org/abs/1704.04861", "2017-04-17"),
    "MOBILENET_V2_PAPER_1_4": Source(
        "Sandler et al. 2018, Table 4", "https://arxiv.org/abs/1801.04381", "2018-01-13"),
    "MOBILENET_V2_TABLE3": Source(
        "Sandler et al. 2018, Table 3", "https://arxiv.org/abs/1801.04381", "2019-03-21",
        "arXiv v4; caption: max channels/memory (Kb) materialised per resolution, 16-bit floats, "
        "first-layer trick for MobileNetV2 and ShuffleNet (2x, g = 3)"),
    "MOBILENET_V1_TABLE8": Source(
        "Howard et al. 2017, Table 8", "https://arxiv.org/abs/1704.04861", "2017-04-17",
        "ImageNet models at 224 x 224: Mult-Adds and parameters, in millions"),
    "MOBILENET_V2_TABLE5": Source(
        "Sandler et al. 2018, Table 5", "https://arxiv.org/abs/1801.04381", "2019-03-21",
        "arXiv v4; COCO detectors, SSDLite at 320 x 320: parameters and MAdds, in millions"),
    "SHUFFLENET_V1_COMPLEXITY": Source(
        "Zhang et al. 2017, Table 1", "https://arxiv.org/abs/1707.01083", "2017-07-04"),
    "SHUFFLENET_V1_TOP1_ERROR": Source(
        "Zhang et al. 2017, Table 2", "https://arxiv.org/abs/1707.01083", "2017-07-04"),
}

# TF-slim MobileNet v1 README: checkpoint (alpha, resolution) ->
# (million MACs, million parameters, top-1 %, top-5 %).
TFSLIM_MOBILENET_V1_2017 = {
    (1.0, 224): (569, 4.24, 70.7, 89.5), (1.0, 192): (418, 4.24, 69.3, 88.9),
    (1.0, 160): (291, 4.24, 67.2, 87.5), (1.0, 128): (186, 4.24, 64.1, 85.3),
    (0.75, 224): (317, 2.59, 68.4, 88.2), (0.75, 192): (233, 2.59, 67.4, 87.3),
    (0.75, 160): (162, 2.59, 65.2, 86.1), (0.75, 128): (104, 2.59, 61.8, 83.6),
    (0.5, 224): (150, 1.34, 64.0, 85.4), (0.5, 192): (110, 1.34, 62.1, 84.0),
    (0.5, 160): (77, 1.34, 59.9, 82.5), (0.5, 128): (49, 1.34, 56.2, 79.6),
    (0.25, 224): (41, 0.47, 50.6, 75.0), (0.25, 192): (34, 0.47, 49.0, 73.6),
    (0.25, 160): (21, 0.47, 46.0, 70.7), (0.25, 128): (14, 0.47, 41.3, 66.2),
}
TFSLIM_MOBILENET_V1_2018 = {
    (1.0, 224): (569, 4.24, 70.9, 89.9), (1.0, 192): (418, 4.24, 70.0, 89.2),
    (1.0, 160): (291, 4.24, 68.0, 87.7), (1.0, 128): (186, 4.24, 65.2, 85.8),
    (0.75, 224): (317, 2.59, 68.4, 88.2), (0.75, 192): (233, 2.59, 67.2, 87.3),
    (0.75, 160): (162, 2.59, 65.3, 86.0), (0.75, 128): (104, 2.59, 62.1, 83.9),
    (0.5, 224): (150, 1.34, 63.3, 84.9), (0.5, 192): (110, 1.34, 61.7, 83.6),
    (0.5, 160): (77, 1.34, 59.1, 81.9), (0.5, 128): (49, 1.34, 56.3, 79.4),
    (0.25, 224): (41, 0.47, 49.8, 74.2), (0.25, 192): (34, 0.47, 47.7, 72.3),
    (0.25, 160): (21, 0.47, 45.5, 70.3), (0.25, 128): (14, 0.47, 41.5, 66.3),
}
# ... and its quantised rows (mobilenet_v1_<alpha>_<res>_quant, quantization-aware training, 8-bit TFLite):
# (alpha, resolution) -> (million MACs, million parameters, top-1 %, top-5 %).
TFSLIM_MOBILENET_V1_2018_QUANT = {
    (1.0, 224): (569, 4.24, 69.7, 89.5), (1.0, 192): (418, 4.24, 69.0, 88.9),
    (1.0, 160): (291, 4.24, 67.3, 87.7), (1.0, 128): (186, 4.24, 64.0, 85.5),
    (0.75, 224): (317, 2.59, 67.9, 88.1), (0.75, 192): (233, 2.59, 66.2, 87.1),
    (0.75, 160): (162, 2.59, 63.9, 85.5), (0.75, 128): (104, 2.59, 59.8, 82.8),
    (0.5, 224): (150, 1.34, 62.2, 84.5), (0.5, 192): (110, 1.34, 60.4, 83.2),
    (0.5, 160): (77, 1.34, 57.7, 81.3), (0.5, 128): (49, 1.34, 54.9, 78.9),
    (0.25, 224): (41, 0.47, 48.2, 73.8), (0.25, 192): (34, 0.47, 45.8, 71.9),
    (0.25, 160): (21, 0.47, 43.5, 69.1), (0.25, 128): (14, 0.47, 39.9, 65.8),
}

# Howard et al. (2017), arXiv:1704.04861: top-1 % of the paper's own runs, Table 6 (alpha at 224)
# and Table 7 (resolution at alpha 1.0).
MOBILENET_V1_PAPER_TOP1 = {(1.0, 224): 70.6, (0.75, 224): 68.4, (0.5, 224): 63.7, (0.25, 224): 50.6,
                           (1.0, 192): 69.1, (1.0, 160): 67.2, (1.0, 128): 64.4}

# TF-slim MobileNet v2 README (tensorflow/models, research/slim/nets/mobilenet/README.md):
# checkpoint (alpha, resolution) -> (million MACs, million parameters, top-1 %, top-5 %).
TFSLIM_MOBILENET_V2 = {
    (1.4, 224): (582, 6.06, 75.0, 92.5),
    (1.3, 224): (509, 5.34, 74.4, 92.1),
    (1.0, 224): (300, 3.47, 71.8, 91.0),
    (1.0, 192): (221, 3.47, 70.7, 90.1),
    (1.0, 160): (154, 3.47, 68.8, 89.0),
    (1.0, 128): (99, 3.47, 65.3, 86.9),
    (1.0, 96): (56, 3.47, 60.3, 83.2),
    (0.75, 224): (209, 2.61, 69.8, 89.6),
    (0.75, 192): (153, 2.61, 68.7, 88.9),
    (0.75, 160): (107, 2.61, 66.4, 87.3),
    (0.75, 128): (69, 2.61, 63.2, 85.3),
    (0.75, 96): (39, 2.61, 58.8, 81.6),
    (0.5, 224): (97, 1.95, 65.4, 86.4),
    (0.5, 192): (71, 1.95, 63.9, 85.4),
    (0.5, 160): (50, 1.95, 61.0, 83.2),
    (0.5, 128): (32, 1.95, 57.7, 80.8),
    (0.5, 96): (18, 1.95, 51.2, 75.8),
    (0.35, 224): (59, 1.66, 60.3, 82.9),
    (0.35, 192): (43, 1.66, 58.2, 81.2),
    (0.35, 160): (30, 1.66, 55.7, 79.1),
    (0.35, 128): (20, 1.66, 50.8, 75.0),
    (0.35, 96): (11, 1.66, 45.5, 70.4),
}

# Sandler et al. (2018), MobileNetV2, arXiv:1801.04381, Table 4: MobileNetV2 (1.4).
MOBILENET_V2_PAPER_1_4 = {"params_M": 6.9, "macs_M": 585, "top1": 74.7}

# Sandler et al. (2018), arXiv:1801.04381v4, Table 3: network -> {spatial size: (channels, Kb)}
# as printed (7x7 of v1 reads 199; 28x28 of ShuffleNet reads "600K"), and the "max" row in Kb.
MOBILENET_V2_TABLE3 = {
    "MobileNet v1 1.0": {112: (64, 1600), 56: (128, 800), 28: (256, 400), 14: (512, 200), 7: (1024, 199), 1: (1024, 2)},
    "MobileNet v2 1.0": {112: (16, 400), 56: (32, 200), 28: (64, 100), 14: (160, 62), 7: (320, 32), 1: (1280, 2)},
    "ShuffleNet 2x (g = 3)": {112: (32, 800), 56: (48, 300), 28: (400, 600), 14: (800, 310), 7: (1600, 156),
                              1: (1600, 3)},
}
MOBILENET_V2_TABLE3_MAX = {"MobileNet v1 1.0": 1600, "MobileNet v2 1.0": 400, "ShuffleNet 2x (g = 3)": 600}

# Howard et al. (2017), arXiv:1704.04861, Table 8: model -> (million Mult-Adds, million parameters), as printed.
MOBILENET_V1_TABLE8 = {"1.0 MobileNet-224": (569, 4.2), "GoogleNet": (1550, 6.8), "VGG 16": (15300, 138)}
# Sandler et al. (2018), arXiv:1801.04381, Table 5: detector -> (million MAdds, million parameters), as printed.
MOBILENET_V2_TABLE5 = {"MNet V1 + SSDLite": (1300, 5.1), "MNet V2 + SSDLite": (800, 4.3)}

# Zhang et al. (2017), ShuffleNet, arXiv:1707.01083, Table 1: complexity (MFLOPs, which the paper
# defines as multiply-adds) of ShuffleNet 1x at 224 for g = 1, 2, 3, 4, 8.
SHUFFLENET_V1_COMPLEXITY = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}
# ... and Table 2: classification error (%) of ShuffleNet 1x for the same g.
SHUFFLENET_V1_TOP1_ERROR = {1: 33.6, 2: 32.7, 3: 32.6, 4: 32.8, 8: 32.4}


def label(table: str) -> str:
    """The label a lesson prints beside a value of ``table``: "published (<source>)"."""
    return f"published ({SOURCES[table].cite})"


__all__ = ["MOBILENET_V1_PAPER_TOP1", "MOBILENET_V1_TABLE8", "MOBILENET_V2_PAPER_1_4", "MOBILENET_V2_TABLE5", "MOBILENET_V2_TABLE3", "MOBILENET_V2_TABLE3_MAX", "SHUFFLENET_V1_COMPLEXITY",
           "SHUFFLENET_V1_TOP1_ERROR", "SOURCES", "Source", "TFSLIM_MOBILENET_V1_2017",
           "TFSLIM_MOBILENET_V1_2018", "TFSLIM_MOBILENET_V1_2018_QUANT", "TFSLIM_MOBILENET_V2", "label"]
