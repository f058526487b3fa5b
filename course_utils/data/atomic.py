"""Atomic writes that a ``kill -9`` cannot litter: one helper for every writer of the course.

A file is written under a temporary name beside its destination and renamed at the end
(``os.replace``), so the destination never holds half a file. The temporary is named
``.<name>.<kind>-<pid>-*`` (:mod:`.scratch`): a process killed mid-write cannot remove its
own, so the *next* write of the same name removes every temporary whose process is dead,
as :func:`~course_utils.data.handpose.write_folder` does for its folders. Live writers'
temporaries are left alone. The finished file gets the mode an ordinary ``open()`` would
give (``0o666`` minus the user's umask), not ``mkstemp``'s private ``0o600``.

:func:`scratch_tempdir` does the same for whole folders in ``$TMPDIR`` (the SavedModel and
the autograph files of a TFLite conversion). Plumbing only: no framework is imported.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .scratch import remove_stale, scratch_pattern, scratch_prefix

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    with _UMASK_LOCK:   # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from ``open()``: ``0o666`` minus the process umask."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """The mode a new folder gets from ``mkdir``: ``0o777`` minus the umask (``mkdtemp`` gives ``0o700``)."""
    return 0o777 & ~_umask()


def target_path(path: str | os.PathLike, *, create_parent: bool = False) -> Path:
    """``path`` as a ``Path`` a file can be written to, or an ``OSError`` that says why not.

    The folder must exist (``create_parent``: it is created) and be writable; the path must
    not be a folder. The errors are ``FileNotFoundError``, ``PermissionError`` and
    ``IsADirectoryError`` with a message naming the path, raised before any work starts.
    """
    path = Path(path).expanduser()
    parent = path.parent
    if create_parent and not parent.is_dir():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise type(err)(err.errno, f"cannot create the folder {parent} for {path.name} "
                                       f"({err.strerror}); expected a writable folder") from None
    if not parent.is_dir():
        raise FileNotFoundError(2, f"cannot write {path}: the folder {parent} does not exist; "
                                   "expected an existing, writable folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(13, f"cannot write {path}: the folder {parent} is not writable")
    if path.is_dir():
        raise IsADirectoryError(21, f"cannot write {path}: it is a folder; expected a file path")
    return path


def remove_dead_temporaries(path: Path, kind: str) -> list[Path]:
    """Remove the ``.<path.name>.<kind>-<pid>-*`` temporaries of processes no longer alive."""
    return remove_stale(path.parent, [scratch_pattern(kind, path.name)], dead_pids_only=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, kind: str = "part", *, suffix: str = "",
                create_parent: bool = False) -> Iterator[Path]:
    """A temporary path to write, renamed to ``path`` when the block ends without error.

    Before it starts, the dead processes' temporaries of the same name are removed. On any
    failure (``KeyboardInterrupt`` included) the temporary is removed and nothing replaces
    ``path``. ``suffix`` ends the temporary's name (an exporter that insists on ``.onnx``).
    """
    path = target_path(path, create_parent=create_parent)
    remove_dead_temporaries(path, kind)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=scratch_prefix(path.name, kind), suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes, kind: str = "part", *,
                create_parent: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_path`); return the path."""
    with atomic_path(path, kind, create_parent=create_parent) as tmp:
        tmp.write_bytes(data)
    return Path(path).expanduser()


@contextlib.contextmanager
def scratch_tempdir(name: str, kind: str = "working", *, redirect_tempfile: bool = False) -> Iterator[Path]:
    """A folder ``$TMPDIR/.<name>.<kind>-<pid>-*`` for one call, removed when the block ends.

    Folders of the same name left by dead processes are removed first. With
    ``redirect_tempfile``, ``tempfile`` itself puts its files there during the block (so a
    library's own temporaries, e.g. TensorFlow autograph's generated ``.py`` files, go too).
    """
    base = Path(tempfile.gettempdir())
    remove_stale(base, [scratch_pattern(kind, name)], dead_pids_only=True)
    folder = Path(tempfile.mkdtemp(prefix=scratch_prefix(name, kind), dir=base))
    saved = tempfile.tempdir
    if redirect_tempfile:
        tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        if redirect_tempfile:
            tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["atomic_path", "file_mode", "folder_mode", "remove_dead_temporaries", "scratch_tempdir", "target_path",
           "write_bytes"]
