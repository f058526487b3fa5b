"""A small SSDLite trained on generated hand scenes, and its inference (lesson 09).

:data:`SMALL` is the lesson's model: MobileNet v2 at width 0.35 (random init), cut at
strides 8, 16 and 32, one extra layer, so a 128 x 128 scene gives maps of 16, 8, 4 and 2
cells; six anchors per cell from 0.1 to 0.5 of the image side (the hands are 9% to 52% of
it). With the paper's strides 16 and 32 only (maps of 8, 4, 2, 1 and anchors 0.15-0.6) 31%
of the hands of 200 training scenes had an anchor they overlap by IoU >= 0.5; with the
stride-8 map, 88%.

Measured here (1,000 training scenes of seed 1, 400 test scenes of seed 2 on the held-out
backgrounds, 2 shared CPU cores): :data:`COURSE`, 10 epochs, trains in 106-117 s and reaches
mAP@0.5 0.41-0.42 (three poses; 0.52-0.53 for "hand") over two seeds. :data:`SMALL` from random
weights is near 0 after 10 epochs (103 s; 0.007 for "hand") and reaches 0.18 (three poses;
0.44 for "hand") after its default 30 epochs (294 s, one seed): a random MobileNet v2 needs
more steps than pretrained features, and tells the poses apart much less well.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..seeding import check_seed
from .anchors import ssd_anchors
from .boxes import check_boxes, decode, nms
from .match import targets


@dataclass(frozen=True)
class Config:
    backbone: str = "mobilenet_v2"
    alpha: float = 0.35
    stride8: bool = True
    extra_depths: tuple = (256,)
    anchors: tuple = (6, 6, 6, 6)
    reduce_lowest: bool = False
    min_scale: float = 0.1
    max_scale: float = 0.5
    input_size: int = 128
    num_classes: int = 3                 # paper, rock, scissors
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 3e-3
    freeze_backbone: bool = False       # train only the extra layers and heads


# The course CNN pretrained on hand gestures (lesson 07's weights), frozen: attach points at
# strides 8 and 16, two extra layers, the same maps (16, 8, 4, 2) and anchors as SMALL.
COURSE = Config(backbone="course", alpha=1.0, stride8=False, extra_depths=(256, 256), freeze_backbone=True)


SMALL = Config()


def build(config: Config = SMALL):
    """``(model, anchors)``: the SSDLite of ``config`` (random init) and its anchors in pixels."""
    from .ssdlite import ssdlite

    model = ssdlite(config.backbone, config.alpha, config.num_classes, config.extra_depths, config.anchors,
                    config.stride8)
    sizes = model.feature_sizes(config.input_size)
    anchors = ssd_anchors(sizes, config.min_scale, config.max_scale,
                          reduce_lowest=config.reduce_lowest) * config.input_size
    return model, anchors


def to_array(images) -> np.ndarray:
    """uint8 (N, H, W, 3) -> float32 NumPy (N, 3, H, W) in [-1, 1] (the API's SSD preprocessing)."""
    x = np.asarray(images, dtype=np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
    return np.ascontiguousarray(x)


def to_tensor(images):
    """:func:`to_array` as a torch tensor."""
    import torch

    return torch.from_numpy(to_array(images))


def encode_targets(scenes, anchors) -> tuple[np.ndarray, np.ndarray]:
    """Matched classes (N, A) and box codes (N, A, 4) of every scene."""
    size = scenes.images.shape[1]
    out = [targets(anchors, check_boxes(b, image_size=size), lab) for b, lab in zip(scenes.boxes, scenes.labels)]
    return np.stack([c for c, _ in out]), np.stack([t for _, t in out])


def fit(scenes, config: Config = SMALL, seed: int = 0, epochs: int | None = None, log=None) -> dict:
    """Train a fresh model of ``config`` on ``scenes``: ``{"model", "anchors", "seconds", "losses"}``.

    Adam with a one-cycle learning rate (warm-up, then cosine decay), no augmentation. ``log(epoch, loss)``
    is called after each epoch when given. Deterministic for a seed on one machine.
    """
    import torch

    from ..seeding import seed_everything
    from .loss import ssd_loss

    seed_everything(check_seed(seed))
    if scenes.images.shape[1] != config.input_size:
        raise ValueError(f"scenes are {scenes.images.shape[1]} px, the config expects {config.input_size}")
    model, anchors = build(config)
    classes, codes = encode_targets(scenes, anchors)
    x, classes, codes = to_tensor(scenes.images), torch.from_numpy(classes), torch.from_numpy(codes).float()
    epochs = config.epochs if epochs is None else epochs
    steps = epochs * int(np.ceil(len(x) / config.batch_size))
    if config.freeze_backbone:
        model.stages.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, config.learning_rate, total_steps=steps, pct_start=0.1)
    gen, losses, start = torch.Generator().manual_seed(seed), [], time.perf_counter()
    model.train()
    if config.freeze_backbone:
        model.stages.eval()   # frozen: BatchNorm keeps its pretrained statistics
    for epoch in range(epochs):
        total = 0.0
        for idx in torch.randperm(len(x), generator=gen).split(config.batch_size):
            loss, _, _ = ssd_loss(*model(x[idx]), codes[idx], classes[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        losses.append(total / len(x))
        if log is not None:
            log(epoch, losses[-1])
    model.eval()
    return {"model": model, "anchors": anchors, "seconds": time.perf_counter() - start, "losses": losses}


def postprocess(codes, logits, anchors, image_size: int, score_threshold: float = 0.01,
                iou_threshold: float = 0.45, top_k: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's raw outputs -> ``(boxes (n, 4) px, scores (n,), labels (n,))``, best first.

    Softmax over the classes, then per class: keep scores above ``score_threshold``, decode,
    clip to the image, NMS; finally the ``top_k`` best over all classes.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any() or np.isnan(np.asarray(codes, dtype=np.float64)).any():
        raise ValueError("the model's outputs contain NaN: it has diverged (lower the learning rate)")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    boxes = np.clip(decode(codes, anchors), 0, image_size)
    out_b, out_s, out_l = [np.empty((0, 4))], [np.empty(0)], [np.empty(0, np.int64)]
    for c in range(1, p.shape[1]):
        keep = np.nonzero(p[:, c] > score_threshold)[0]
        keep = keep[((boxes[keep, 2:] - boxes[keep, :2]) > 0).all(axis=1)]   # clipping can flatten a box
        if len(keep):
            kept = keep[nms(boxes[keep], p[keep, c], iou_threshold, max_out=top_k)]
            out_b.append(boxes[kept]); out_s.append(p[kept, c]); out_l.append(np.full(len(kept), c - 1))
    b, s, lab = np.concatenate(out_b), np.concatenate(out_s), np.concatenate(out_l)
    order = np.argsort(-s, kind="stable")[:top_k]
    return b[order], s[order], lab[order]


def detect(model, anchors, images, batch_size: int = 64, **kwargs) -> list[tuple]:
    """``[(boxes, scores, labels)]`` for every image of uint8 (N, H, W, 3) ``images``."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            codes, logits = model(to_tensor(images[i:i + batch_size]))
            out += [postprocess(c, lg, anchors, images.shape[1], **kwargs)
                    for c, lg in zip(codes.numpy(), logits.numpy())]
    return out
