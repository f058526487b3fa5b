"""Preprocessing and augmentation (lesson 06), one module per concern.

* :mod:`.preprocess`      input checks (gray/RGB/RGBA uint8), resize/crop, normalisation conventions;
* :mod:`.denoise`         OpenCV denoisers scored by PSNR/SSIM and time;
* :mod:`.segment`         GrabCut on a hand, scored by IoU against the generator's mask;
* :mod:`.by_hand`         augmenters in NumPy/OpenCV, seeded by one ``numpy.random.Generator``;
* :mod:`.libraries`       the same recipe in torchvision v2, Keras layers, imgaug and OpenCV;
* :mod:`.keras_worker`    the Keras pipeline, run in a child process (TensorFlow stays out of the kernel);
* :mod:`.throughput`      images per second of each library's pipeline;
* :mod:`.policies`        TrivialAugmentWide (torchvision) and CutMix (NumPy), as policies of the experiment;
* :mod:`.experiment`      does augmentation fix background shift? (a small PyTorch CNN);
* :mod:`.compare`         paired gains over seeds, with a Student-t interval;
* :mod:`.test_time`       test-time preprocessing: CLAHE and grey-world colour constancy;
* :mod:`.imgaug_pipeline` imgaug's README "heavy augmentation" example, through the NumPy 2 shim.

Importing this package imports neither TensorFlow nor PyTorch.
"""
from __future__ import annotations

from .imgaug_pipeline import imgaug_heavy_pipeline, leaf_augmenters
from .preprocess import as_rgb_uint8, normalize

__all__ = ["as_rgb_uint8", "imgaug_heavy_pipeline", "leaf_augmenters", "normalize"]
