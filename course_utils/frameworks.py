"""Importing TensorFlow and PyTorch into one kernel, safely.

The trap (measured on the course machine): when the ``triton`` package is installed
(the default CUDA build of PyTorch pulls it in), importing TensorFlow/Keras *before*
torchvision, or before the first PyTorch optimizer step, kills the Python process with a
segmentation fault (exit code 139). Both ship their own copies of LLVM; whichever loads
second finds the other's symbols.

The course fixes this at install time: ``make install`` and Binder's ``postBuild``
remove ``triton``, which a CPU-only course never uses, and ``tests/test_framework_order.py``
proves both import orders train in one process. :func:`import_frameworks` is a second
belt: it imports PyTorch first, which is safe even where triton is still around.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

KNOWN = ("torch", "tensorflow")


def triton_installed() -> bool:
    """True when ``triton`` is importable, i.e. when the import-order trap is armed."""
    return importlib.util.find_spec("triton") is not None


def import_frameworks(*names: str, seed: int | None = None) -> dict[str, ModuleType]:
    """Import the named frameworks (``"torch"``, ``"tensorflow"``) in a safe order.

    PyTorch and torchvision always come first. Returns ``{"torch": torch, "tensorflow": tf}``
    for the names asked for, and seeds them when ``seed`` is given.

    >>> mods = import_frameworks("tensorflow", "torch", seed=0)   # doctest: +SKIP
    """
    unknown = [n for n in names if n not in KNOWN]
    if unknown or not names:
        raise ValueError(f"import_frameworks expects some of {KNOWN}, got {names!r}")
    loaded: dict[str, ModuleType] = {}
    if "torch" in names:
        loaded["torch"] = importlib.import_module("torch")
        importlib.import_module("torchvision")
    if "tensorflow" in names:
        # Hide TensorFlow's C++ info/warning lines (e.g. "no CUDA drivers found") so they
        # don't drown the notebook; a learner who set the variable keeps their choice.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        loaded["tensorflow"] = importlib.import_module("tensorflow")
    if seed is not None:
        from .seeding import seed_everything

        seed_everything(seed)
    return loaded


def imported() -> list[str]:
    """Which of the heavy frameworks this process has imported so far."""
    return [name for name in KNOWN if name in sys.modules]
