"""Published cost and accuracy figures, kept apart from what the course computes.

Each table names its source. Notebooks print these beside the computed values, labelled
"published", and tests check which of them the course's own counts reproduce.
"""
from __future__ import annotations

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

# Zhang et al. (2017), ShuffleNet, arXiv:1707.01083, Table 1: complexity (MFLOPs) of
# ShuffleNet 1x at 224 for g = 1, 2, 3, 4, 8.
SHUFFLENET_V1_COMPLEXITY = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}
# ... and Table 2: classification error (%) of ShuffleNet 1x for the same g.
SHUFFLENET_V1_TOP1_ERROR = {1: 33.6, 2: 32.7, 3: 32.6, 4: 32.8, 8: 32.4}

__all__ = ["MOBILENET_V2_PAPER_1_4", "SHUFFLENET_V1_COMPLEXITY", "SHUFFLENET_V1_TOP1_ERROR",
           "TFSLIM_MOBILENET_V2"]
