"""SSDLite in PyTorch: a MobileNet cut at output strides 16 and 32, extra feature layers, and
separable prediction heads (Sandler et al. 2018, Section 6.2; Liu et al. 2016).

Built as the TF Object Detection API's ``ssdlite_mobilenet_v2_coco`` config and its
``ssd_mobilenet_v2`` feature extractor build it (``ssdlite_mobilenet_v1_coco`` likewise):

* **attach points**: MobileNet v2's ``layer_15/expansion_output`` (the 1x1 expansion of the
  first stride-32 block, 576 channels at stride 16) and ``layer_19`` (the last 1x1 conv, 1280
  channels at stride 32); MobileNet v1's ``Conv2d_11_pointwise`` (512) and
  ``Conv2d_13_pointwise`` (1024);
* **extra layers** of depth 512, 256, 256, 128: each a 1x1 conv to half the depth, then a
  depthwise-separable 3x3 stride-2 conv to the depth (BatchNorm + ReLU6 after every conv);
* **heads** on each of the 6 maps: for the boxes and for the classes, a 3x3 depthwise conv
  (BatchNorm + ReLU6) then a 1x1 conv with bias to anchors x 4 codes and anchors x
  (classes + 1) logits; 3 anchors per location on the first map, 6 on the others
  (:mod:`.anchors`); 90 COCO classes + background.

PyTorch is imported when a model is built, not when this module is imported.
"""
from __future__ import annotations

from functools import lru_cache

PAPER_EXTRA_DEPTHS = (512, 256, 256, 128)
PAPER_ANCHORS = (3, 6, 6, 6, 6, 6)
COCO_CLASSES = 90      # the config's num_classes; the heads add a background class
MIN_DEPTH = 16         # the config's min_depth: no extra layer is thinner than this


@lru_cache(maxsize=None)
def _classes():
    """The nn.Module classes, defined on first use (importing torch is slow)."""
    import torch
    from torch import nn

    def conv_bn(c_in, c_out, k=1, stride=1, groups=1):
        return [nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=False),
                nn.BatchNorm2d(c_out, eps=1e-3), nn.ReLU6(inplace=True)]

    def extra_layer(c_in, depth):
        """1x1 to depth/2, then depthwise 3x3 stride 2 and 1x1 to depth (TF's insert_1x1_conv)."""
        mid = max(depth // 2, MIN_DEPTH)
        return nn.Sequential(*conv_bn(c_in, mid), *conv_bn(mid, mid, 3, 2, groups=mid), *conv_bn(mid, depth))

    def head(c_in, c_out):
        """Separable prediction head: depthwise 3x3 (BN, ReLU6), then 1x1 with bias, no activation."""
        return nn.Sequential(*conv_bn(c_in, c_in, 3, groups=c_in), nn.Conv2d(c_in, c_out, 1))

    class SSDLite(nn.Module):
        """(N, 3, H, W) -> ``(codes (N, A, 4), logits (N, A, classes + 1))``, anchors in the order
        of :func:`.anchors.ssd_anchors`: map by map, row, column, anchor."""

        def __init__(self, stages, channels, extra_depths, anchors, num_classes):
            super().__init__()
            if len(anchors) != len(stages) + len(extra_depths):
                raise ValueError(f"need one anchor count per feature map ({len(stages) + len(extra_depths)}), "
                                 f"got {anchors}")
            self.stages = nn.ModuleList(stages)   # backbone pieces, each ending at an attach point
            chans, extras = list(channels), []
            for depth in extra_depths:
                extras.append(extra_layer(chans[-1], depth))
                chans.append(depth)
            self.extras = nn.ModuleList(extras)
            self.box_heads = nn.ModuleList(head(c, a * 4) for c, a in zip(chans, anchors))
            self.class_heads = nn.ModuleList(head(c, a * (num_classes + 1)) for c, a in zip(chans, anchors))
            self.num_classes, self.anchors = num_classes, tuple(anchors)

        def feature_maps(self, x):
            maps = []
            for stage in self.stages:
                x = stage(x)
                maps.append(x)
            for layer in self.extras:
                maps.append(layer(maps[-1]))
            return maps

        def forward(self, x):
            codes, logits = [], []
            for f, box, cls in zip(self.feature_maps(x), self.box_heads, self.class_heads):
                n = f.shape[0]  # NCHW -> NHWC, then one row per anchor
                codes.append(box(f).permute(0, 2, 3, 1).reshape(n, -1, 4))
                logits.append(cls(f).permute(0, 2, 3, 1).reshape(n, -1, self.num_classes + 1))
            return torch.cat(codes, 1), torch.cat(logits, 1)

        def feature_sizes(self, input_size: int) -> tuple[int, ...]:
            """The side of every feature map for a square ``input_size`` input."""
            with torch.no_grad():
                was = self.training
                self.eval()
                sizes = tuple(f.shape[-1] for f in self.feature_maps(torch.zeros(1, 3, input_size, input_size)))
                self.train(was)
            return sizes

    return SSDLite


def _split_backbone(backbone: str, alpha: float, stride8: bool = False):
    """The backbone cut at its attach points: ``(stages, channels)``, one stage per point.

    MobileNet v2 is cut after the 1x1 expansion of the first block of a stride (TF's
    ``layer_15/expansion_output`` for stride 16; ``layer_8/expansion_output`` for stride 8),
    and after its last 1x1 conv (stride 32).
    """
    from torch import nn

    if backbone == "mobilenet_v2":
        from ..models.torch_mobilenet_v2 import mobilenet_v2

        f = mobilenet_v2(alpha, include_top=False, tf_padding=False).features
        # features[14] is TF's layer_15 (first stride-32 block), features[7] its layer_8 (first stride-16 one)
        cuts = ([7] if stride8 else []) + [14]
        stages, channels, rest, start = [], [], [], 0
        for cut in cuts:
            expand = f[cut].conv
            stages.append(nn.Sequential(*rest, *f[start:cut], *expand[:3]))
            channels.append(expand[0].out_channels)
            rest, start = list(expand[3:]), cut + 1
        stages.append(nn.Sequential(*rest, *f[start:]))
        channels.append(f[-1][0].out_channels)
        return stages, channels
    if backbone == "course":
        from ..transfer.torch_classifier import torch_course_backbone

        # the course CNN pretrained on hand gestures (lesson 07): 4 x (conv, BN, ReLU, max-pool);
        # attach after the third pooling (stride 8, 128 channels) and the fourth (stride 16, 256)
        f = torch_course_backbone()
        return [nn.Sequential(*f[:12]), nn.Sequential(*f[12:])], [128, 256]
    if stride8:
        raise ValueError("a stride-8 attach point is built for mobilenet_v2 only")
    if backbone == "mobilenet_v1":
        from ..models.torch_models import mobilenet_v1

        f = mobilenet_v1(alpha, include_top=False, tf_padding=False).features
        # features[11] ends in Conv2d_11_pointwise (stride 16), features[13] in Conv2d_13_pointwise
        return [nn.Sequential(*f[:12]), nn.Sequential(*f[12:])], [f[11][-3].out_channels, f[13][-3].out_channels]
    raise ValueError(f"backbone must be 'mobilenet_v2', 'mobilenet_v1' or 'course', got {backbone!r}")


def ssdlite(backbone: str = "mobilenet_v2", alpha: float = 1.0, num_classes: int = COCO_CLASSES,
            extra_depths=PAPER_EXTRA_DEPTHS, anchors=PAPER_ANCHORS, stride8: bool = False):
    """An SSDLite on the course's MobileNet ``backbone`` at width ``alpha`` (random init).

    The defaults are the paper's COCO model. Extra-layer depths are scaled by ``alpha`` (at
    least ``MIN_DEPTH``), as the API's ``depth_multiplier`` scales them. ``stride8`` adds a
    third attach point at stride 8 (not in the paper: small objects in small images need it).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int (background is added), got {num_classes!r}")
    stages, channels = _split_backbone(backbone, alpha, stride8)
    depths = [max(int(d * alpha), MIN_DEPTH) for d in extra_depths]
    return _classes()(stages, channels, depths, tuple(anchors), num_classes)
