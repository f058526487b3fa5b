"""Temporary files that a crash cannot leave behind for good: names, locks and cleanup.

Every temporary file or folder the data modules write carries a recognisable name,
``.<name>.<kind>-<pid>-<random>`` (``kind`` is ``part`` for a download, ``extract`` for an
archive being unpacked, ``writing`` for :func:`~course_utils.data.handpose.write_folder`).
A process killed with ``kill -9`` cannot remove its own, so the next call does:

* downloads and extractions happen under a per-dataset :func:`file_lock`; whoever holds
  the lock knows that every temporary of that dataset is stale (its writer is gone);
* ``write_folder`` takes no lock: it removes temporaries whose process id is dead.

Plumbing only: nothing here imports a framework or the network stack.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

try:  # POSIX; on Windows msvcrt.locking plays the same role
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None

POLL = 0.05  # seconds between attempts to take a busy lock


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than the caller wanted to wait."""


def scratch_prefix(name: str, kind: str) -> str:
    """Prefix for a temporary of ``name``: ``.<name>.<kind>-<pid>-`` (pid of this process)."""
    return f".{name}.{kind}-{os.getpid()}-"


def scratch_pattern(kind: str, name: str | None = None) -> re.Pattern:
    """Matches temporaries of ``kind`` (of ``name``, or of any name); group ``pid``."""
    who = re.escape(name) if name is not None else r".+"
    return re.compile(rf"^\.{who}\.{re.escape(kind)}-(?P<pid>\d+)-[^/]*$")


def pid_alive(pid: int) -> bool:
    """True if a process ``pid`` exists (ours or someone else's).

    On Windows ``os.kill(pid, 0)`` would *signal* the process, so every pid counts as
    alive there (leftovers are then kept rather than risking a live writer's files).
    """
    if os.name == "nt":  # pragma: no cover
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def remove(path: Path) -> None:
    """Remove a file or a folder tree; a leftover that cannot be removed is ignored."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def remove_stale(folder: Path, patterns: list[re.Pattern], *, dead_pids_only: bool) -> list[Path]:
    """Remove entries of ``folder`` whose name matches one of ``patterns``.

    With ``dead_pids_only`` an entry is kept while the process named in it is alive
    (a concurrent writer); without, the caller holds the lock that makes all of them stale.
    Returns what was removed.
    """
    if not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.iterdir()):
        for pattern in patterns:
            match = pattern.match(path.name)
            if not match:
                continue
            pid = match.groupdict().get("pid")
            if dead_pids_only and pid is not None and pid_alive(int(pid)):
                break
            remove(path)
            removed.append(path)
            break
    return removed


def _try_lock(fd: int) -> None:
    """Lock ``fd`` exclusively without waiting; an ``OSError`` if another process holds it."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover (Windows)
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


@contextlib.contextmanager
def file_lock(path: Path, timeout: float, what: str) -> Iterator[None]:
    """Hold an exclusive ``fcntl.flock`` on ``path`` for a ``with`` block.

    Waits at most ``timeout`` seconds, then raises :class:`LockTimeout` naming ``what``.
    The kernel releases the lock when its process dies, so a killed holder never blocks
    anyone. The file is removed on release; a waiter that then locks the removed file
    notices (other inode) and tries again, so two holders can never coexist.
    """
    start = time.monotonic()
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _try_lock(fd)
        except OSError:  # BlockingIOError (flock) or PermissionError (msvcrt): busy
            os.close(fd)
            waited = time.monotonic() - start
            if waited >= timeout:
                raise LockTimeout(
                    f"{what} is busy: another process holds the lock {path} (waited "
                    f"{waited:.1f} s, timeout {timeout:g} s). Wait for it to finish, or pass a "
                    "longer lock_timeout=. A lock dies with its process, so it is not stale.")
            time.sleep(POLL)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # locked a file its previous holder had just removed: retry
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # before unlocking: a waiter then sees another inode
        os.close(fd)
