"""Run modes read from the environment.

Every function reads ``os.environ`` when it is called, so a learner can flip a mode
in a notebook (``%env COURSE_FAST=1``) without restarting anything, and the package
keeps no hidden state.

* ``COURSE_FAST=1``    shrink data and epochs so the whole suite is quick (set by ``make test``).
* ``COURSE_OFFLINE=1`` forbid network use: downloads fail at once with a clear message.
* ``COURSE_DATA_DIR``  where downloaded datasets are cached (default: a per-user cache folder).
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def fast_mode() -> bool:
    """True when ``COURSE_FAST`` is set: smaller data, fewer epochs, same checked facts."""
    return _flag("COURSE_FAST")


def offline_mode() -> bool:
    """True when ``COURSE_OFFLINE`` is set: no code in the course may touch the network."""
    return _flag("COURSE_OFFLINE")


def pick(full, fast):
    """Return ``fast`` in fast mode and ``full`` otherwise (for epochs, sample counts...)."""
    return fast if fast_mode() else full


def data_dir() -> Path:
    """Folder for downloaded datasets: ``$COURSE_DATA_DIR`` or ``~/.cache/small-and-fast``.

    The folder is created on first use. Raises ``ValueError`` naming the path when it is
    a file, cannot be created or is not writable (downloads could not be saved there).
    """
    override = os.environ.get("COURSE_DATA_DIR", "").strip()
    if override:
        path, source = Path(override).expanduser(), f"COURSE_DATA_DIR={override!r}: "
    else:
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
        path, source = Path(base) / "small-and-fast", ""
    return writable_folder(path, source)


def writable_folder(path: Path, source: str = "") -> Path:
    """``path`` as a folder that exists and can be written, created if needed.

    A ``ValueError`` that starts with ``source`` (e.g. which variable named the path) says
    why not: the path is a file, cannot be created, or is not writable.
    """
    if path.exists() and not path.is_dir():
        raise ValueError(f"{source}{path} is a file; expected a folder for the download cache "
                         "(or a path where one can be created)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"{source}cannot create the data folder {path} ({err.strerror}); "
                         "expected a writable folder for the download cache") from err
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"{source}data folder {path} is not writable; expected a folder where "
                         "downloads can be saved (set COURSE_DATA_DIR to one)")
    return path


def describe() -> str:
    """A short human label for the current modes, e.g. ``'fast, offline'`` or ``'full'``."""
    parts = ["fast" if fast_mode() else "full"]
    if offline_mode():
        parts.append("offline")
    return ", ".join(parts)


@contextlib.contextmanager
def modes_set(**flags: bool) -> Iterator[None]:
    """Set mode flags for a ``with`` block only, then restore what the learner had.

    ``with modes_set(offline=True): ...`` pretends there is no network for a demo without
    changing the learner's own ``COURSE_OFFLINE`` afterwards. Keys: ``fast``, ``offline``.
    """
    names = {"fast": "COURSE_FAST", "offline": "COURSE_OFFLINE"}
    unknown = sorted(set(flags) - set(names))
    if unknown:
        raise ValueError(f"modes_set takes {sorted(names)}, got {unknown}")
    saved = {names[k]: os.environ.get(names[k]) for k in flags}
    try:
        for key, on in flags.items():
            os.environ[names[key]] = "1" if on else "0"
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
