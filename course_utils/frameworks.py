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

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
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
        loaded["tensorflow"] = import_tensorflow_quietly()
    if seed is not None:
        from .seeding import seed_everything

        seed_everything(seed)
    return loaded


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send the process's file descriptor 2 to /dev/null for the duration of the block.

    TensorFlow's C++ start-up lines ("I0000 ... cpu_feature_guard", "E0000 ... failed call
    to cuInit" on a machine without a GPU) are written straight to descriptor 2, below
    Python's ``sys.stderr``, so ``contextlib.redirect_stderr`` cannot hide them, and
    Jupyter copies that descriptor into the notebook as red text.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> ModuleType:
    """Import TensorFlow (and Keras) without its C++ start-up log lines; return ``tensorflow``.

    The lines are printed at import and when the devices are first listed, so both happen
    here with descriptor 2 silenced. Later warnings and errors still show (log level 2
    keeps errors), unless the learner set ``TF_CPP_MIN_LOG_LEVEL`` themselves.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    if "torch" not in sys.modules and triton_installed():
        # the import-order trap is armed: torch and torchvision must come first. Without
        # triton (what `make install` leaves) a TensorFlow-only lesson never loads torch.
        importlib.import_module("torch")
        importlib.import_module("torchvision")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _stderr_silenced():
        tf = importlib.import_module("tensorflow")
        importlib.import_module("keras")
        tf.config.list_physical_devices()  # the CUDA probe ("failed call to cuInit") runs here
    return tf


def imported() -> list[str]:
    """Which of the heavy frameworks this process has imported so far."""
    return [name for name in KNOWN if name in sys.modules]
