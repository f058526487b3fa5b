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

Memory is the other reason to keep the frameworks apart: each one costs a kernel about
0.5-0.65 GiB the moment it is imported, and Binder gives a whole session about 2 GB. A lesson's
kernel imports one framework; :func:`in_child` runs the other framework's part in a fresh
process whose memory goes back to the system when it ends.
"""
from __future__ import annotations

import contextlib
import gc
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

    PyTorch (and torchvision, when TensorFlow or triton is around) always comes first. Returns ``{"torch": torch, "tensorflow": tf}``
    for the names asked for, and seeds them when ``seed`` is given.

    >>> mods = import_frameworks("tensorflow", "torch", seed=0)   # doctest: +SKIP
    """
    unknown = [n for n in names if n not in KNOWN]
    if unknown or not names:
        raise ValueError(f"import_frameworks expects some of {KNOWN}, got {names!r}")
    loaded: dict[str, ModuleType] = {}
    if "torch" in names:
        loaded["torch"] = importlib.import_module("torch")
        if "tensorflow" in names or triton_installed():  # the trap needs torchvision loaded before TensorFlow
            importlib.import_module("torchvision")
    if "tensorflow" in names:
        loaded["tensorflow"] = import_tensorflow_quietly()
    if seed is not None:
        from .seeding import seed_everything

        seed_everything(seed)
    _freeze_what_is_loaded()
    return loaded


def _freeze_what_is_loaded() -> None:
    """Move every object tracked so far to a generation the garbage collector skips.

    The frameworks leave ~0.7 million Python objects that live as long as the process. Every
    full collection walks them all (0.67 s here), and Keras' ``clear_session()`` runs one per
    call; frozen, they cost nothing (10 ms). Only objects alive now are frozen: what the
    lesson allocates later is collected as usual.
    """
    gc.freeze()


def release_memory() -> None:
    """Collect garbage, then hand the freed heap pages back to the operating system.

    A process keeps memory it has freed for reuse, so after a burst of work (training many
    small Keras models, say) a kernel looks as big as its peak. glibc's ``malloc_trim``
    returns the free pages; elsewhere (macOS, Windows, musl) this only collects garbage.
    """
    import ctypes

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


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
    _freeze_what_is_loaded()
    return tf


def _child_main(conn, module: str, name: str, frameworks: tuple, args: tuple, kwargs: dict) -> None:
    """Body of :func:`in_child`'s process: import the frameworks quietly, call, send the answer."""
    try:
        if frameworks:
            import_frameworks(*frameworks)
        mod = importlib.import_module(module)
        conn.send((True, getattr(mod, name)(*args, **kwargs)))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent, as text if need be
        import traceback

        conn.send((False, f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"))
    finally:
        conn.close()


def in_child(target: str, *args, frameworks: tuple[str, ...] = (), timeout: float = 600, **kwargs):
    """Call ``target(*args, **kwargs)`` in a fresh Python process and return its result.

    ``target`` is ``"package.module:function"``, named by text so that the calling process
    never imports the module (and its framework). ``frameworks``: what the child imports
    first, through :func:`import_frameworks` (safe order, TensorFlow's start-up log lines
    silenced). Arguments and result travel by pickle: NumPy arrays, numbers, dataclasses.
    The child is spawned (a new interpreter, so no thread pool or lock is inherited) and
    ends when the call returns, giving its memory back.

    Raises ``ValueError`` for a malformed target, ``RuntimeError`` with the child's traceback
    when the call fails or the child dies, ``TimeoutError`` after ``timeout`` seconds (the
    child is killed: nothing is left running).

    >>> in_child("course_utils.cost.latency:time_conv_layers", "tensorflow",
    ...          frameworks=("tensorflow",), batch=1)  # doctest: +SKIP
    """
    import multiprocessing

    module, sep, name = target.partition(":")
    if not (sep and module and name.isidentifier()):
        raise ValueError(f"target must be 'package.module:function', got {target!r}")
    if importlib.util.find_spec(module) is None:
        raise ValueError(f"no module {module!r} to run in a child process")
    unknown = [f for f in frameworks if f not in KNOWN]
    if unknown or isinstance(frameworks, str):
        raise ValueError(f"frameworks must be a tuple of some of {KNOWN}, got {frameworks!r}")
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(send, module, name, tuple(frameworks), args, kwargs), daemon=True)
    child.start()
    send.close()  # the child holds the only writer: its exit shows up as end-of-file here
    answered = False
    try:
        if not receive.poll(timeout):
            raise TimeoutError(f"{target} did not finish within {timeout:g} s; the child process was stopped")
        try:
            ok, value = receive.recv()
            answered = True
        except EOFError:
            child.join(5)
            raise RuntimeError(f"the child process running {target} died (exit code {child.exitcode}) "
                               f"before it answered") from None
    finally:
        child.join(30 if answered else 0)  # an answered child is only exiting: give it time
        if child.is_alive():
            child.kill()
            child.join(5)
        receive.close()
    if not ok:
        raise RuntimeError(f"{target} failed in its child process:\n{value}")
    return value


def imported() -> list[str]:
    """Which of the heavy frameworks this process has imported so far."""
    return [name for name in KNOWN if name in sys.modules]
