"""Lesson 06's experiment on pretrained features: the same data, the course CNN's frozen backbone.

The small CNN of :mod:`course_utils.augment.experiment` learns everything from 1,000-odd plain-background hands.
This arm asks the question again with features learnt elsewhere: lesson 07's backbone
(:func:`.backbone.course_backbone`, pretrained on eight *other* hand
gestures drawn over all four background kinds), frozen, with a softmax head trained on the
pooled features of the same training images, augmented by a policy or not.

Same protocol as the CNN arms where it can be: the same splits (:func:`~course_utils.augment.experiment.make_splits`
with the same seed), the same policies (:func:`~course_utils.augment.experiment.apply_policy`), one run per seed
(the seed draws the augmentation and initialises the head). The head sees ``copies`` augmented
copies of the training set, drawn once; the control sees the plain set tiled ``copies`` times,
so both take the same number of optimiser steps. Needs TensorFlow: run it in a child process
from a PyTorch kernel (:func:`~course_utils.frameworks.in_child`).
"""
from __future__ import annotations

import numpy as np

from ..augment.experiment import Run, apply_policy, make_splits
from ..data.validate import check_count


def pretrained_runs(n_train: int, n_test: int, size: int = 48, seeds=(0,), policies=("control", "photos"), *,
                    split_seed: int = 0, copies: int = 3, epochs: int = 100) -> list[Run]:
    """One :class:`~course_utils.augment.experiment.Run` per (policy, seed): test accuracy per background, no history.

    ``n_train`` / ``n_test`` / ``size`` / ``split_seed``: as :func:`~course_utils.augment.experiment.make_splits`, so the
    data equal the CNN arms'. ``epochs``: passes of the head over the ``copies`` x ``n_train`` features.
    """
    from .backbone import course_backbone
    from .features import extract_features, quiet_tensorflow_logs, train_head_on_features

    check_count(copies, "copies")
    check_count(epochs, "epochs")
    splits = make_splits(n_train, n_test, size, seed=split_seed)
    backbone = course_backbone("course", size)
    test = {bg: (extract_features(backbone, x), y) for bg, (x, y) in splits.test.items()}
    plain = np.tile(extract_features(backbone, splits.train), (copies, 1))
    labels = np.tile(splits.train_labels, copies)
    runs = []
    for policy in policies:
        for seed in seeds:
            rng = np.random.default_rng(seed)
            features = plain if policy == "control" else np.concatenate(
                [extract_features(backbone, apply_policy(splits.train, splits.train_masks, policy, rng))
                 for _ in range(copies)])
            with quiet_tensorflow_logs():
                head, _ = train_head_on_features(features, labels, seed=seed, epochs=epochs)
            acc = {bg: float(np.mean(np.asarray(head(f)).argmax(1) == y)) for bg, (f, y) in test.items()}
            runs.append(Run(policy, seed, [], acc, {}))
    return runs
