"""Make imgaug 0.4.0 (unmaintained since 2020) work on NumPy 2.

imgaug uses two NumPy names that NumPy 2 removed:

* ``np.sctypes`` -- read at import time (``imgaug.dtypes``), so ``import imgaug`` fails;
* ``np.complex`` -- an alias of the builtin, used by ``FrequencyNoiseAlpha`` and some
  stochastic parameters, so those fail when they run.

:func:`import_imgaug` restores exactly these two names (only when they are missing) and
then imports imgaug. It deliberately leaves ``np.bool`` alone: NumPy 2 has ``np.bool``
again (as ``np.bool_``), and overwriting it with the builtin breaks ``numpy.ma``.

For new code prefer maintained libraries: torchvision.transforms.v2, Keras preprocessing
layers, or albumentations. The course uses imgaug only to run its "heavy augmentation" example as written.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np


def _sctypes() -> dict[str, list[type]]:
    # The same table NumPy 1.x exposed, built from the scalar types NumPy 2 still has.
    return {
        "int": [np.int8, np.int16, np.int32, np.int64],
        "uint": [np.uint8, np.uint16, np.uint32, np.uint64],
        "float": [np.float16, np.float32, np.float64, np.longdouble],
        "complex": [np.complex64, np.complex128, np.clongdouble],
        "others": [bool, object, bytes, str, np.void],
    }


def apply_numpy2_shim() -> list[str]:
    """Restore ``np.sctypes`` and ``np.complex`` if missing; return the names restored."""
    restored = []
    if "sctypes" not in np.__dict__:
        np.sctypes = _sctypes()
        restored.append("sctypes")
    if "complex" not in np.__dict__:
        np.complex = complex
        restored.append("complex")
    return restored


def import_imgaug() -> tuple[ModuleType, ModuleType]:
    """Apply the shim and return ``(imgaug, imgaug.augmenters)``."""
    apply_numpy2_shim()
    import imgaug
    import imgaug.augmenters as iaa

    return imgaug, iaa
