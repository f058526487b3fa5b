"""The SSDLite through onnxruntime, and an int8 file measured against the float one (lesson 09).

The network part runs in an onnxruntime session, one scene at a time (the exported file's batch
axis is 1); decoding and NMS are :func:`.train.postprocess`, as for the PyTorch model, so the
same mAP code scores both. onnxruntime is not imported here: a session is passed in.
"""
from __future__ import annotations

import numpy as np

from ..data.validate import check_images
from .train import postprocess, to_array


def session_outputs(session, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes (N, A, 4), logits (N, A, classes + 1))`` of uint8 scenes ``(N, H, W, 3)`` from an
    onnxruntime session of the exported SSDLite (two outputs: codes, then logits)."""
    if len(session.get_outputs()) != 2:
        raise ValueError(f"expected a session of an exported SSDLite with two outputs (codes, logits), "
                         f"got {len(session.get_outputs())} output(s)")
    x = to_array(check_images(images))
    name = session.get_inputs()[0].name
    outs = [session.run(None, {name: x[i:i + 1]}) for i in range(len(x))]
    return np.concatenate([o[0] for o in outs]), np.concatenate([o[1] for o in outs])


def detect_session(session, anchors: np.ndarray, images: np.ndarray, **kwargs) -> list[tuple]:
    """``[(boxes, scores, labels)]`` of every scene, as :func:`.train.detect` but through ``session``."""
    codes, logits = session_outputs(session, images)
    return [postprocess(c, lg, anchors, images.shape[1], **kwargs) for c, lg in zip(codes, logits)]


def compare_sessions(reference, other, images: np.ndarray) -> dict:
    """The raw outputs of ``other`` (an int8 file) against ``reference`` (the float file) on uint8 scenes.

    Returns the largest |difference| of the class logits and of the box codes over all anchors,
    the share of anchors whose top class (background included) agrees, and the same share over
    the ``foreground`` anchors (those whose top class in the reference is a hand pose; NaN when none).
    """
    (c0, l0), (c1, l1) = session_outputs(reference, images), session_outputs(other, images)
    if l0.shape != l1.shape or c0.shape != c1.shape:
        raise ValueError(f"the two sessions disagree on output shapes: {l0.shape} and {l1.shape}")
    top0, top1 = l0.argmax(-1), l1.argmax(-1)
    fg = top0 > 0
    return {"max_logit_diff": float(np.abs(l1 - l0).max()), "max_code_diff": float(np.abs(c1 - c0).max()),
            "top_class_agreement": float(np.mean(top0 == top1)), "foreground": int(fg.sum()),
            "foreground_agreement": float(np.mean(top0[fg] == top1[fg])) if fg.any() else float("nan")}


__all__ = ["compare_sessions", "detect_session", "session_outputs"]
