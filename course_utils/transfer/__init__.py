"""Lesson 07, transfer learning: the course backbone, cached features, heads, strategies,
and the finished hand-pose classifier.

Importing this package imports neither TensorFlow nor PyTorch: the framework code lives in
``backbone``, ``features``, ``heads``, ``strategies``, ``classifier``, ``torch_classifier`` and
``finetune`` (the finished classifier: the course CNN fine-tuned end to end in PyTorch) and is
imported on use. ``glyphs`` (the backbone's source task) is NumPy and OpenCV only.
``augmentation_arm`` runs lesson 06's augmentation experiment on the frozen course backbone.
"""
from __future__ import annotations

from pathlib import Path

WEIGHTS_DIR = Path(__file__).parent / "weights"
