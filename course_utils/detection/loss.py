"""The SSD loss: smooth-L1 on the positives' box codes + cross-entropy with hard-negative mining.

Most anchors are background. Training on all of them would teach "everything is background",
so each image keeps only its ``neg_ratio`` x (number of positives) hardest negatives: the
background anchors the model is most wrongly confident about (highest background loss).
Both terms are divided by the number of positives (Liu et al. 2016, Eq. 1 and Section 2.2).
PyTorch is imported when the loss is called.
"""
from __future__ import annotations


def ssd_loss(codes, logits, target_codes, target_classes, neg_ratio: int = 3, min_negatives: int = 3):
    """``(loss, box_loss, class_loss)`` for a batch, each a scalar tensor.

    codes (N, A, 4) and logits (N, A, 1 + classes) from the model; target_codes (N, A, 4),
    target_classes (N, A) int64 (0 = background) from :func:`.match.targets`.
    ``min_negatives`` negatives per image even with no positive (an empty scene still
    teaches background).
    """
    import torch
    import torch.nn.functional as F

    pos = target_classes > 0                                            # (N, A)
    n_pos = pos.sum(dim=1)                                              # (N,)
    ce = F.cross_entropy(logits.transpose(1, 2), target_classes, reduction="none")  # (N, A)
    # hard negatives: rank the background anchors by their loss, keep the top k per image
    neg_loss = ce.detach().masked_fill(pos, float("-inf"))
    rank = neg_loss.argsort(dim=1, descending=True).argsort(dim=1)      # 0 = hardest
    k = torch.clamp(neg_ratio * n_pos, min=min_negatives)[:, None]
    neg = rank < k
    total_pos = torch.clamp(n_pos.sum(), min=1).float()
    class_loss = ce[pos | neg].sum() / total_pos
    box_loss = F.smooth_l1_loss(codes[pos], target_codes[pos], reduction="sum") / total_pos
    return box_loss + class_loss, box_loss, class_loss
