"""MobileNets' Table 8 and MobileNetV2's Table 5 (Params, MAdds), computed from built models.

Counting conventions are :mod:`course_utils.cost`'s: MACs are the multiply-adds of conv, fully
connected and matmul calls for one image (BatchNorm, activations, pooling, adds are free);
parameters are the ``"weights"`` convention (conv and FC kernels and biases, no BatchNorm).
PyTorch and torchvision are imported when a table is computed. Every builder uses random
weights (``weights=None``): counting needs no download.
"""
from __future__ import annotations

from ..cost.published import MOBILENET_V1_TABLE8 as TABLE8_PUBLISHED   # (M Mult-Adds, M params), as printed
from ..cost.published import MOBILENET_V2_TABLE5 as TABLE5_PUBLISHED   # with its source in cost.published.SOURCES

# torchvision's own metadata for ssdlite320_mobilenet_v3_large (its "GFLOPS" column is 0.583)
TORCHVISION_SSDLITE = {"num_params": 3_440_060, "ops_g": 0.583}


def _count(model, input_shape) -> tuple[int, int]:
    from ..cost import count_macs, count_params

    model.eval()
    return count_macs(model, input_shape), count_params(model, convention="weights")


def googlenet(five_by_five: bool = True):
    """torchvision's GoogLeNet without auxiliary heads; ``five_by_five`` restores the paper's
    5x5 convolution in each Inception block's third branch (torchvision uses 3x3 there, "a known
    bug", pytorch/vision issue 906, kept for its pretrained weights)."""
    import importlib

    import torchvision
    from torch import nn

    model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    if five_by_five:
        inception = importlib.import_module("torchvision.models.googlenet").Inception
        for block in model.modules():
            if isinstance(block, inception):
                conv = block.branch3[1].conv
                block.branch3[1].conv = nn.Conv2d(conv.in_channels, conv.out_channels, 5, padding=2, bias=False)
    return model


def table8() -> list[dict]:
    """MobileNets Table 8 rows: ``{"model", "macs", "params", "published_macs_m", "published_params_m"}``."""
    import torchvision

    from ..models.torch_models import mobilenet_v1

    builds = [("1.0 MobileNet-224", "1.0 MobileNet-224", lambda: mobilenet_v1(1.0)),
              ("GoogleNet (torchvision, 3x3)", "GoogleNet", lambda: googlenet(five_by_five=False)),
              ("GoogleNet (paper's 5x5)", "GoogleNet", lambda: googlenet(five_by_five=True)),
              ("VGG 16", "VGG 16", lambda: torchvision.models.vgg16(weights=None))]
    rows = []
    for name, paper, build in builds:
        macs, params = _count(build(), (3, 224, 224))
        pm, pp = TABLE8_PUBLISHED[paper]
        rows.append({"model": name, "macs": macs, "params": params,
                     "published_macs_m": pm, "published_params_m": pp})
    return rows


def table5(num_classes: int = 80, input_size: int = 320) -> list[dict]:
    """MobileNetV2 Table 5's SSDLite rows from :func:`.ssdlite.ssdlite` (``num_classes`` + background)."""
    from .ssdlite import ssdlite

    rows = []
    for name, backbone in (("MNet V1 + SSDLite", "mobilenet_v1"), ("MNet V2 + SSDLite", "mobilenet_v2")):
        macs, params = _count(ssdlite(backbone, num_classes=num_classes), (3, input_size, input_size))
        pm, pp = TABLE5_PUBLISHED[name]
        rows.append({"model": name, "classes": num_classes, "macs": macs, "params": params,
                     "published_macs_m": pm, "published_params_m": pp})
    return rows


def torchvision_ssdlite_counts() -> tuple[int, int]:
    """``(MACs, all parameters)`` of torchvision's ``ssdlite320_mobilenet_v3_large`` backbone and
    head at 320x320 (its resize/normalise transform and its post-processing are not counted)."""
    import torch
    import torchvision

    det = torchvision.models.detection.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None)

    class Core(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone, self.head = det.backbone, det.head

        def forward(self, x):
            out = self.head(list(self.backbone(x).values()))
            return out["bbox_regression"], out["cls_logits"]

    from ..cost import count_macs, count_params

    core = Core().eval()
    return count_macs(core, (3, 320, 320)), count_params(core, convention="trainable")
