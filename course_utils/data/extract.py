"""Safe extraction of zip and tar archives (used by :mod:`course_utils.data.download`).

Every member is checked before anything is written: absolute paths, ``..`` components,
symbolic and hard links, device files and encrypted zip members are refused, and so is an
archive whose members add up to more than a size limit (a "zip bomb"). The limit is
checked again while writing, because a zip's declared sizes can lie. Members go to a
temporary folder ``.<dest>.extract-<pid>-*`` beside the destination, renamed at the end,
so a failure leaves nothing behind; a killed process's folder is removed by the next
:func:`course_utils.data.download.fetch` of that dataset.
"""
from __future__ import annotations

import lzma
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .atomic import folder_mode
from .scratch import scratch_prefix

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")
MARKER = ".verified-sha256"
# Default limit on the total uncompressed size: this many times the archive's own size
# (image datasets barely compress; a registry entry can set ``max_extracted_size``),
# but at least MIN_LIMIT so that tiny archives of text still extract.
EXTRACT_RATIO = 20
MIN_LIMIT = 1 << 20
# What a corrupt member raises while it is read (bad CRC, broken deflate/bz2/xz stream).
_CORRUPT = (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError, OSError)
_DRIVE = re.compile(r"^[A-Za-z]:")


class DownloadError(RuntimeError):
    """A dataset could not be downloaded, verified or extracted; the message says why."""


def default_limit(archive: Path) -> int:
    """Default total-uncompressed-size limit for ``archive`` (see ``EXTRACT_RATIO``)."""
    return max(MIN_LIMIT, EXTRACT_RATIO * archive.stat().st_size)


def _check_member_name(name: str, archive: Path) -> PurePosixPath | None:
    """The member's relative path, ``None`` for entries to skip, or a DownloadError."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm):
        raise DownloadError(f"unsafe archive {archive.name}: member {name!r} has an absolute "
                            "path; refusing to extract anything")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise DownloadError(f"unsafe archive {archive.name}: member {name!r} contains '..'; "
                            "refusing to extract anything")
    if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
        return None  # macOS resource forks: not part of the dataset
    return PurePosixPath(*parts)


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike, *,
                 sha256: str | None = None, max_size: int | None = None) -> Path:
    """Extract a zip or tar ``archive`` into ``dest``, safely (see the module docstring).

    An existing ``dest`` is replaced. When the archive holds a single top-level folder,
    that folder becomes ``dest``. ``max_size`` limits the total uncompressed bytes
    (default :func:`default_limit`). Writes a marker holding ``sha256`` (the verified
    archive hash) so that later calls can trust ``dest`` for exactly that archive.
    """
    archive, dest = Path(archive), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)  # stale extraction (no or another marker): redo it
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=scratch_prefix(dest.name, "extract"), dir=dest.parent))
    try:
        name = archive.name.lower()
        if name.endswith(".zip"):
            _extract_zip(archive, tmp, max_size)
        elif name.endswith(ARCHIVE_SUFFIXES):
            _extract_tar(archive, tmp, max_size)
        else:
            raise DownloadError(f"don't know how to extract {archive.name}; expected one of "
                                f"{ARCHIVE_SUFFIXES}")
        entries = list(tmp.iterdir())
        content = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
        if sha256:
            (content / MARKER).write_text(sha256 + "\n")
        content.chmod(folder_mode())   # mkdtemp's 0700 would hide the dataset from the other users
        content.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _extract_members(archive: Path, out: Path, entries, max_size: int | None = None) -> None:
    """Check every member, then write them below ``out``.

    ``entries`` yields ``(name, problem, is_dir, size, open_fn)`` per member, where
    ``problem`` says why a member must not be extracted (a link, a device file, encrypted)
    or is ``None``, and ``size`` is its declared uncompressed size. Everything is checked
    before anything is written, so a bad archive leaves nothing behind.
    """
    limit = default_limit(archive) if max_size is None else int(max_size)
    plan, declared = [], 0
    for name, problem, is_dir, size, open_member in entries:
        rel = _check_member_name(name, archive)
        if problem:
            raise DownloadError(f"unsafe archive {archive.name}: member {name!r} {problem}; "
                                "refusing to extract anything")
        if rel is not None:
            plan.append((rel, is_dir, open_member))
            declared += 0 if is_dir else int(size)
    if declared > limit:
        raise DownloadError(_too_big(archive, f"declares {declared:,} bytes", limit))
    budget = [limit]
    for rel, is_dir, open_member in plan:
        target = out.joinpath(*rel.parts)
        if is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_member(archive, rel, open_member, target, budget, limit)


def _too_big(archive: Path, what: str, limit: int) -> str:
    return (f"{archive.name} {what} uncompressed, more than the limit of {limit:,} bytes "
            "(a zip bomb, or a registry entry without max_extracted_size?); refusing to "
            "extract it")


def _copy_member(archive: Path, rel: PurePosixPath, open_member, target: Path,
                 budget: list[int], limit: int) -> None:
    """Copy one member to ``target``, counting bytes against ``budget`` as they are written."""
    try:
        src = open_member()
    except (RuntimeError, *_CORRUPT) as err:
        raise _corrupt(archive, rel, err) from err
    with src:
        try:
            dst = open(target, "wb")
        except OSError as err:
            raise DownloadError(f"cannot write {target} ({err.strerror}); expected a writable "
                                "folder with free space for the extracted dataset") from err
        with dst:
            while True:
                try:
                    block = src.read(1 << 20)
                except _CORRUPT as err:
                    raise _corrupt(archive, rel, err) from err
                if not block:
                    return
                budget[0] -= len(block)
                if budget[0] < 0:
                    raise DownloadError(_too_big(archive, "expands to more than its declared "
                                                 "sizes and", limit))
                try:
                    dst.write(block)
                except OSError as err:
                    raise DownloadError(f"cannot write {target} ({err.strerror}); expected a "
                                        "writable folder with free space") from err


def _corrupt(archive: Path, rel: PurePosixPath, err: BaseException) -> DownloadError:
    return DownloadError(f"member {rel.as_posix()!r} of {archive} is corrupt or unreadable "
                         f"({type(err).__name__}: {err}); expected an intact archive. Delete "
                         f"{archive} and fetch it again.")


def _zip_problem(info: zipfile.ZipInfo) -> str | None:
    if info.flag_bits & 0x1:
        return "is encrypted (password-protected), expected a plain member"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return None


def _extract_zip(archive: Path, out: Path, max_size: int | None = None) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as err:
        raise DownloadError(f"{archive.name} is not a valid zip file: {err}") from err
    with zf:
        _extract_members(archive, out, [
            (info.filename, _zip_problem(info), info.is_dir(), info.file_size,
             lambda i=info: zf.open(i))
            for info in zf.infolist()], max_size)


def _extract_tar(archive: Path, out: Path, max_size: int | None = None) -> None:
    try:
        tf = tarfile.open(archive)
    except tarfile.TarError as err:
        raise DownloadError(f"{archive.name} is not a valid tar file: {err}") from err
    with tf:
        try:
            members = tf.getmembers()
        except _CORRUPT as err:
            raise DownloadError(f"{archive} is corrupt ({type(err).__name__}: {err}); expected "
                                f"an intact archive. Delete it and fetch it again.") from err
        _extract_members(archive, out, [
            (m.name,
             "is a link or special file" if m.issym() or m.islnk() or not (m.isfile() or m.isdir()) else None,
             m.isdir(), m.size, lambda m=m: tf.extractfile(m))
            for m in members], max_size)
