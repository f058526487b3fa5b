"""Verified downloads of the course's real datasets: cache, sha256, safe extraction.

Datasets are described in ``datasets/registry.json`` (url, sha256, size, licence and
citation of every file). :func:`fetch` downloads what is missing into the cache folder
(:func:`course_utils.modes.data_dir`, i.e. ``$COURSE_DATA_DIR``), checks the size and the
sha256 of each file *before* anything uses it, extracts archives safely and returns the
dataset folder. A second call finds everything in the cache and makes no request.

Layout of the cache for a dataset ``name`` with an archive ``rps.zip``::

    <data_dir>/<name>/rps.zip          the verified archive
    <data_dir>/<name>/rps/...          its content (a single top-level folder is unwrapped)

Guarantees: a download goes to a temporary file in the same folder and is renamed only
after its size and checksum pass, and an archive is extracted into a temporary folder
that is renamed at the end, so an interrupted, truncated or corrupt transfer leaves
nothing behind (even on ``KeyboardInterrupt``). Members with absolute paths, ``..``
components, links or device files are refused before anything is written.
With ``COURSE_OFFLINE=1`` (or without network) :func:`fetch` fails within seconds with a
:class:`DownloadError` saying where to put the files by hand.

Uses `pooch <https://www.fatiando.org/pooch/>`_ (the downloader scikit-image uses) for the
transfer, the temporary file and the hash check, and adds the size check, the offline
rules, the safe extraction and the error messages.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from .. import modes

REGISTRY_PATH = Path(__file__).resolve().parent / "registry.json"
CONNECT_TIMEOUT = 3.0   # seconds to open a connection: fail fast without network
READ_TIMEOUT = 60.0     # seconds without a byte before giving up on a stalled server
_MARKER = ".verified-sha256"
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


class DownloadError(RuntimeError):
    """A dataset could not be downloaded, verified or extracted; the message says why."""


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
    return {"name": name, "kind": "download", "description": description, "files": files,
            "licence": licence, "citation": citation, "homepage": homepage,
            "classes": list(classes)}


# ----------------------------------------------------------------------------- fetching
def _human(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n:,} bytes"


def _stem(filename: str) -> str:
    for suffix in _ARCHIVE_SUFFIXES:
        if filename.lower().endswith(suffix):
            return filename[: -len(suffix)]
    return filename


def _is_archive(filename: str) -> bool:
    return filename.lower().endswith(_ARCHIVE_SUFFIXES)


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


def fetch(name: str, *, data_dir: str | os.PathLike | None = None, base_url: str | None = None,
          progress: bool = True, registry: Mapping | Iterable | None = None) -> Path:
    """Download (if needed), verify and extract dataset ``name``; return its folder.

    * ``data_dir``: cache root (default :func:`course_utils.modes.data_dir`).
    * ``base_url``: fetch the files from ``<base_url>/<filename>`` instead of the registry
      URLs (a mirror, or a local test server); checksums are still the registry's.
    * ``progress``: show a ``tqdm`` progress bar while downloading.
    * ``registry``: entries to use instead of ``datasets/registry.json`` (a list of
      entries or a ``{name: entry}`` mapping, see :func:`make_entry`).

    Raises :class:`DownloadError` (offline, network failure, truncated transfer, checksum
    mismatch, unsafe archive) and ``ValueError`` (unknown name, not a download).
    """
    entry = dataset_info(name, registry)
    if entry.get("kind", "download") != "download" or not entry.get("files"):
        how = entry.get("how_to_load", "")
        raise ValueError(f"dataset {name!r} is {entry.get('kind', 'not downloadable')}, "
                         f"not downloaded: nothing to fetch. {how}".strip())
    root = Path(data_dir).expanduser() if data_dir is not None else modes.data_dir()
    root = root / name
    files = entry["files"]
    urls = [f"{base_url.rstrip('/')}/{f['filename']}" if base_url else f["url"] for f in files]
    for spec, url in zip(files, urls):
        _fetch_file(entry, spec, url, root, files, urls, progress)
    return root


def _fetch_file(entry: dict, spec: dict, url: str, root: Path, files: list[dict],
                urls: list[str], progress: bool) -> None:
    filename, sha, size = spec["filename"], spec["sha256"].lower(), int(spec["size"])
    if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
        raise ValueError(f"registry filename must be a plain file name, got {filename!r}")
    archive = root / filename
    target = root / _stem(filename) if _is_archive(filename) else archive
    if _is_archive(filename) and _marker_ok(target, sha):
        return  # extracted earlier from a verified archive: cache hit, no request
    if archive.exists():
        got = sha256sum(archive)
        if got == sha:
            if _is_archive(filename):
                safe_extract(archive, target, sha256=sha)
            return
        if modes.offline_mode():
            raise DownloadError(
                f"{archive} exists but is not the expected file: sha256 {got} "
                f"({archive.stat().st_size:,} bytes), expected {sha} ({size:,} bytes). "
                f"Delete it and download it again.\n" + _manual_help(entry, root, files, urls))
        archive.unlink()  # corrupt or partial: never used, replaced by a fresh download
    elif not archive.exists() and modes.offline_mode():
        raise DownloadError(
            f"COURSE_OFFLINE=1: not downloading {filename} ({_human(size)}) for dataset "
            f"{entry['name']!r}; offline mode forbids all network use. Unset COURSE_OFFLINE "
            f"to download it here.\n" + _manual_help(entry, root, files, urls))
    root.mkdir(parents=True, exist_ok=True)
    _download(url, archive, sha, size, progress, help_text=_manual_help(entry, root, files, urls))
    if _is_archive(filename):
        safe_extract(archive, target, sha256=sha)


def _marker_ok(target: Path, sha: str) -> bool:
    marker = target / _MARKER
    try:
        return target.is_dir() and marker.read_text().strip() == sha
    except OSError:
        return False


def _download(url: str, dest: Path, sha: str, size: int, progress: bool, help_text: str) -> None:
    """Download ``url`` to ``dest`` through a temporary file; verify size and sha256."""
    import pooch
    import requests

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=size, unit="B", unit_scale=True, desc=dest.name, leave=True)
    http = pooch.HTTPDownloader(progressbar=bar if bar is not None else False,
                                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))

    def downloader(src_url: str, output_file, pooch_instance, check_only: bool = False):
        http(src_url, output_file, pooch_instance, check_only=check_only)
        got = os.path.getsize(output_file)
        if got != size:
            raise DownloadError(
                f"truncated or oversized transfer of {dest.name} from {src_url}: received "
                f"{got:,} bytes, expected {size:,}. Nothing was kept; try again (a flaky "
                f"connection or proxy?).\n" + help_text)
        digest = sha256sum(output_file)
        if digest != sha:
            raise DownloadError(
                f"checksum mismatch for {dest.name} from {src_url}: sha256 {digest}, expected "
                f"{sha}. The file was discarded; the server may serve a different file than "
                f"the registry describes.\n" + help_text)

    try:
        pooch.retrieve(url, known_hash=f"sha256:{sha}", fname=dest.name, path=dest.parent,
                       downloader=downloader)
    except DownloadError:
        raise
    except requests.exceptions.ChunkedEncodingError as err:
        raise DownloadError(
            f"transfer of {dest.name} from {url} ended early (truncated: fewer bytes than "
            f"the {size:,} expected): {err}. Nothing was kept; try again.\n{help_text}") from err
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as err:
        raise DownloadError(
            f"could not download {dest.name} from {url}: no connection ({type(err).__name__}). "
            f"Check your network or proxy.\n{help_text}") from err
    except requests.exceptions.RequestException as err:
        raise DownloadError(f"could not download {dest.name} from {url}: {err}.\n{help_text}") from err
    except ValueError as err:  # pooch's own hash check (should not trigger after ours)
        raise DownloadError(f"checksum check failed for {dest.name}: {err}\n{help_text}") from err
    finally:
        if bar is not None:
            bar.close()


# ----------------------------------------------------------------------------- extraction
_DRIVE = re.compile(r"^[A-Za-z]:")


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
                 sha256: str | None = None) -> Path:
    """Extract a zip or tar ``archive`` into ``dest`` (which must not exist), safely.

    Every member is checked first: absolute paths, ``..`` components, symbolic and hard
    links, and device files are refused (:class:`DownloadError`) and nothing is written.
    Members go to a temporary folder beside ``dest``, renamed to ``dest`` at the end; when
    the archive holds a single top-level folder, that folder becomes ``dest``. Writes a
    marker with ``sha256`` (the verified archive hash) so later calls can trust ``dest``.
    """
    archive, dest = Path(archive), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)  # stale extraction (no or wrong marker): redo it
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-extract-", dir=dest.parent))
    try:
        name = archive.name.lower()
        if name.endswith(".zip"):
            _extract_zip(archive, tmp)
        elif name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
            _extract_tar(archive, tmp)
        else:
            raise DownloadError(f"don't know how to extract {archive.name}; expected one of "
                                f"{_ARCHIVE_SUFFIXES}")
        entries = list(tmp.iterdir())
        content = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
        if sha256:
            (content / _MARKER).write_text(sha256 + "\n")
        content.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _extract_members(archive: Path, out: Path, entries) -> None:
    """Check every member, then write them below ``out``.

    ``entries`` yields ``(name, unsafe, is_dir, open_fn)`` per member, where ``unsafe`` says
    why a member must not be extracted (a link, a device file) or is ``None``. Everything is
    checked before anything is written, so a bad archive leaves nothing behind.
    """
    plan = []
    for name, unsafe, is_dir, open_member in entries:
        rel = _check_member_name(name, archive)
        if unsafe:
            raise DownloadError(f"unsafe archive {archive.name}: member {name!r} {unsafe}; "
                                "refusing to extract anything")
        if rel is not None:
            plan.append((rel, is_dir, open_member))
    for rel, is_dir, open_member in plan:
        target = out.joinpath(*rel.parts)
        if is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open_member() as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _extract_zip(archive: Path, out: Path) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as err:
        raise DownloadError(f"{archive.name} is not a valid zip file: {err}") from err
    with zf:
        _extract_members(archive, out, [
            (info.filename,
             "is a symbolic link" if stat.S_ISLNK(info.external_attr >> 16) else None,
             info.is_dir(), lambda i=info: zf.open(i))
            for info in zf.infolist()])


def _extract_tar(archive: Path, out: Path) -> None:
    try:
        tf = tarfile.open(archive)
    except tarfile.TarError as err:
        raise DownloadError(f"{archive.name} is not a valid tar file: {err}") from err
    with tf:
        _extract_members(archive, out, [
            (m.name,
             "is a link or special file" if m.issym() or m.islnk() or not (m.isfile() or m.isdir()) else None,
             m.isdir(), lambda m=m: tf.extractfile(m))
            for m in tf.getmembers()])
