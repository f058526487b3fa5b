"""Verified downloads of the course's real datasets: cache, sha256, safe extraction.

Datasets are described in ``registry.json`` (url, sha256, size, licence and citation of
every file). :func:`fetch` downloads what is missing into the cache folder
(:func:`course_utils.modes.data_dir`, i.e. ``$COURSE_DATA_DIR``), checks the size and the
sha256 of each file *before* anything uses it, extracts archives safely and returns the
dataset folder. A second call finds everything in the cache and makes no request.

Layout of the cache for a dataset ``name`` with an archive ``rps.zip``::

    <data_dir>/<name>/rps.zip          the verified archive
    <data_dir>/<name>/rps/...          its content (a single top-level folder is unwrapped)
    <data_dir>/.<name>.lock            exists while a fetch of ``name`` runs

Guarantees:

* nothing hangs: the transfer has a connect timeout, a stall timeout and an overall
  ``deadline`` (:mod:`.transfer`), and waiting for another fetch has ``lock_timeout``;
* nothing half-written is ever used: downloads go to ``.<file>.part-<pid>-*`` and are
  renamed after their size and sha256 pass, archives are extracted into
  ``.<folder>.extract-<pid>-*`` and renamed at the end (:mod:`.extract`);
* concurrent fetches of one dataset (two notebooks, two processes) take turns on a lock
  file, and the second finds the first's result in the cache;
* leftovers of a killed fetch (``kill -9``) are removed by the next fetch of the dataset;
* an extracted folder is trusted only if its marker records the registry's sha256, and a
  cached archive only if its sha256 matches (the size alone is not enough);
* dataset names are plain (``[a-z0-9][a-z0-9._-]*``), so no name escapes the cache.

With ``COURSE_OFFLINE=1`` (or without network) :func:`fetch` fails within seconds with a
:class:`DownloadError` saying where to put the files by hand.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from .. import modes
from .extract import ARCHIVE_SUFFIXES, MARKER, DownloadError, _extract_tar, _extract_zip, safe_extract
from .scratch import LockTimeout, file_lock, remove_stale, scratch_pattern
from .transfer import CONNECT_TIMEOUT, READ_TIMEOUT, default_deadline, download

__all__ = ["DownloadError", "dataset_info", "fetch", "file_entry", "load_registry",
           "make_entry", "safe_extract", "sha256sum", "CONNECT_TIMEOUT", "READ_TIMEOUT",
           "_extract_tar", "_extract_zip"]

REGISTRY_PATH = Path(__file__).resolve().parent / "registry.json"
LOCK_TIMEOUT = 3600.0   # seconds to wait for another fetch of the same dataset
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Leftovers of a killed fetch, removed under the dataset's lock: our temporaries, and the
# ``tmpXXXXXXXX`` files of the pooch-based downloader of earlier course versions.
_STALE = [scratch_pattern("part"), scratch_pattern("extract"), re.compile(r"^tmp[a-z0-9_]{8}$")]


def check_name(name: str) -> str:
    """``name`` if it is a plain dataset name, else a ``ValueError`` (no path can escape)."""
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"dataset name must be lower-case letters, digits, '.', '_' or '-' "
                         f"starting with a letter or digit (a plain folder name), got {name!r}")
    return name


# ----------------------------------------------------------------------------- registry
def load_registry(path: str | os.PathLike | None = None) -> dict[str, dict]:
    """The dataset registry as ``{name: entry}`` (default: ``datasets/registry.json``)."""
    path = Path(path) if path is not None else REGISTRY_PATH
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return _as_mapping(data["datasets"] if isinstance(data, dict) and "datasets" in data else data)


def _as_mapping(registry) -> dict[str, dict]:
    if isinstance(registry, Mapping):
        if "name" in registry and "kind" in registry:      # a single entry
            return {registry["name"]: dict(registry)}
        return {str(k): dict(v, name=v.get("name", k)) for k, v in registry.items()}
    return {entry["name"]: dict(entry) for entry in registry}


def dataset_info(name: str, registry: Mapping | Iterable | None = None) -> dict:
    """The registry entry of ``name`` (a ``ValueError`` lists the known names)."""
    check_name(name)
    reg = load_registry() if registry is None else _as_mapping(registry)
    if name not in reg:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(reg)}")
    return reg[name]


def sha256sum(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_entry(path: str | os.PathLike, url: str) -> dict:
    """A registry ``files`` item for a local file: ``{filename, url, sha256, size}``.

    Use it to register a new dataset (or a test fixture) from a file you trust.
    """
    path = Path(path)
    return {"filename": path.name, "url": url, "sha256": sha256sum(path),
            "size": path.stat().st_size}


def make_entry(name: str, files: list[dict], *, classes: Iterable[str] = (),
               description: str = "", licence: str = "", citation: str = "",
               homepage: str = "") -> dict:
    """A registry entry of kind ``download`` (what :func:`fetch` accepts as ``registry=``)."""
    check_name(name)
    return {"name": name, "kind": "download", "description": description, "files": files,
            "licence": licence, "citation": citation, "homepage": homepage,
            "classes": list(classes)}


# ----------------------------------------------------------------------------- fetching
def _human(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n:,} bytes"


def _stem(filename: str) -> str:
    for suffix in ARCHIVE_SUFFIXES:
        if filename.lower().endswith(suffix):
            return filename[: -len(suffix)]
    return filename


def _is_archive(filename: str) -> bool:
    return filename.lower().endswith(ARCHIVE_SUFFIXES)


def _manual_help(entry: dict, root: Path, files: list[dict], urls: list[str]) -> str:
    lines = [f"To get {entry['name']!r} without this downloader, download by hand on a "
             f"machine with internet access and save the files in {root}:"]
    for f, url in zip(files, urls):
        lines.append(f"  {url}\n    -> {root / f['filename']}  ({f['size']:,} bytes, "
                     f"sha256 {f['sha256']})")
    lines.append("then call fetch() again (the files are checked, then extracted). Or set "
                 "COURSE_DATA_DIR to a folder that already holds "
                 f"{entry['name']}/<files>.")
    return "\n".join(lines)


def _cache_root(data_dir: str | os.PathLike | None) -> Path:
    """The cache folder, created if needed; a DownloadError if it is a file or read-only."""
    if data_dir is None:
        try:
            return modes.data_dir()
        except ValueError as err:
            raise DownloadError(str(err)) from err
    try:
        return modes.writable_folder(Path(data_dir).expanduser())
    except ValueError as err:
        raise DownloadError(str(err)) from err


def fetch(name: str, *, data_dir: str | os.PathLike | None = None, base_url: str | None = None,
          progress: bool = True, registry: Mapping | Iterable | None = None,
          deadline: float | None = None, lock_timeout: float = LOCK_TIMEOUT) -> Path:
    """Download (if needed), verify and extract dataset ``name``; return its folder.

    * ``data_dir``: cache root (default :func:`course_utils.modes.data_dir`).
    * ``base_url``: fetch the files from ``<base_url>/<filename>`` instead of the registry
      URLs (a mirror, or a local test server); checksums are still the registry's.
    * ``progress``: show a ``tqdm`` progress bar while downloading.
    * ``registry``: entries to use instead of ``registry.json`` (a list of entries or a
      ``{name: entry}`` mapping, see :func:`make_entry`).
    * ``deadline``: seconds one file's transfer may take in all (default
      :func:`~course_utils.data.transfer.default_deadline` of its size: 60 s + 5 s/MB).
    * ``lock_timeout``: seconds to wait while another process fetches the same dataset.

    Raises :class:`DownloadError` (offline, network failure, stall, deadline, truncated
    transfer, checksum mismatch, unsafe or corrupt archive, unwritable cache, busy lock)
    and ``ValueError`` (unknown or malformed name, not a download).
    """
    check_name(name)
    entry = dataset_info(name, registry)
    if entry.get("kind", "download") != "download" or not entry.get("files"):
        how = entry.get("how_to_load", "")
        raise ValueError(f"dataset {name!r} is {entry.get('kind', 'not downloadable')}, "
                         f"not downloaded: nothing to fetch. {how}".strip())
    cache = _cache_root(data_dir)
    root = cache / name
    files = entry["files"]
    urls = [f"{base_url.rstrip('/')}/{f['filename']}" if base_url else f["url"] for f in files]
    try:
        with file_lock(cache / f".{name}.lock", lock_timeout, f"dataset {name!r}"):
            remove_stale(root, _STALE, dead_pids_only=False)  # we hold the lock: all stale
            for spec, url in zip(files, urls):
                _fetch_file(entry, spec, url, root, files, urls, progress, deadline)
    except LockTimeout as err:
        raise DownloadError(str(err)) from err
    return root


def _fetch_file(entry: dict, spec: dict, url: str, root: Path, files: list[dict],
                urls: list[str], progress: bool, deadline: float | None) -> None:
    filename, sha, size = spec["filename"], spec["sha256"].lower(), int(spec["size"])
    if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
        raise ValueError(f"registry filename must be a plain file name, got {filename!r}")
    archive = root / filename
    target = root / _stem(filename) if _is_archive(filename) else archive
    limit = spec.get("max_extracted_size")
    if _is_archive(filename) and _marker_ok(target, sha):
        return  # extracted earlier from an archive with exactly this sha256: cache hit
    if archive.exists():
        got = sha256sum(archive)  # the size alone is not enough: the bytes must match
        if got == sha:
            if _is_archive(filename):
                safe_extract(archive, target, sha256=sha, max_size=limit)
            return
        if modes.offline_mode():
            raise DownloadError(
                f"{archive} exists but is not the expected file: sha256 {got} "
                f"({archive.stat().st_size:,} bytes), expected {sha} ({size:,} bytes). "
                f"Delete it and download it again.\n" + _manual_help(entry, root, files, urls))
        archive.unlink()  # corrupt or partial: never used, replaced by a fresh download
    elif modes.offline_mode():
        raise DownloadError(
            f"COURSE_OFFLINE=1: not downloading {filename} ({_human(size)}) for dataset "
            f"{entry['name']!r}; offline mode forbids all network use. Unset COURSE_OFFLINE "
            f"to download it here.\n" + _manual_help(entry, root, files, urls))
    try:
        root.mkdir(parents=True, exist_ok=True)
        download(url, archive, sha, size, progress=progress,
                 deadline=default_deadline(size) if deadline is None else float(deadline),
                 help_text=_manual_help(entry, root, files, urls))
    except PermissionError as err:
        raise DownloadError(f"cannot write in {root} ({err.strerror}); expected a writable "
                            "folder for the download cache") from err
    if _is_archive(filename):
        safe_extract(archive, target, sha256=sha, max_size=limit)


def _marker_ok(target: Path, sha: str) -> bool:
    """True if ``target`` was extracted from an archive whose sha256 is ``sha``."""
    try:
        return target.is_dir() and (target / MARKER).read_text().strip() == sha
    except OSError:
        return False
