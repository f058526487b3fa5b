"""Verified downloads against a local HTTP server: cache, checksums, truncation, unsafe
archives, offline mode. The real registry is only read, never downloaded."""
from __future__ import annotations

import io
import socket
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np
import pytest

from course_utils.data import download
from course_utils.data.download import DownloadError, fetch, file_entry, make_entry


# ----------------------------------------------------------------------------- fixtures
class _Server:
    """Serves ``files`` (name -> bytes) on 127.0.0.1; counts requests; can truncate."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                name = self.path.lstrip("/")
                server.requests.append(name)
                body = server.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if name in server.truncate:  # promise everything, send half, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = _Server()
    yield srv
    srv.stop()


@pytest.fixture
def online(monkeypatch, tmp_path):
    """The local server needs network use allowed: make test runs with COURSE_OFFLINE=1."""
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "unused-default-cache"))


def _png(value: int) -> bytes:
    img = np.full((8, 8, 3), value, np.uint8)
    return cv2.imencode(".png", img)[1].tobytes()


def class_zip(top: str = "toy", extra: dict[str, bytes] | None = None) -> bytes:
    """A zip in the RPS layout: top/{rock,paper,scissors}/N.png."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for c, cls in enumerate(("rock", "paper", "scissors")):
            for i in range(2):
                zf.writestr(f"{top}/{cls}/{i}.png", _png(40 * c + i))
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


def register(tmp_path: Path, srv: _Server, name: str, blob: bytes, filename: str = "toy.zip",
             **overrides) -> dict:
    """Serve ``blob`` as ``filename`` and return a registry entry describing it."""
    path = tmp_path / "src" / filename
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(blob)
    srv.files[filename] = blob
    spec = {**file_entry(path, f"{srv.url}/{filename}"), **overrides}
    return make_entry(name, [spec], classes=("rock", "paper", "scissors"), licence="test")


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# ----------------------------------------------------------------------------- tests
def test_fetch_downloads_verifies_extracts_then_hits_the_cache(tmp_path, server, online):
    entry = register(tmp_path, server, "toy", class_zip())
    cache = tmp_path / "cache"
    root = fetch("toy", data_dir=cache, registry=[entry], progress=False)
    assert root == cache / "toy"
    assert server.requests == ["toy.zip"]
    # the single top-level folder "toy/" is unwrapped into <root>/<archive stem>
    assert sorted(p.name for p in (root / "toy").iterdir() if not p.name.startswith(".")) == \
        ["paper", "rock", "scissors"]
    assert sorted(p.name for p in (root / "toy" / "rock").iterdir()) == ["0.png", "1.png"]
    assert (root / "toy.zip").stat().st_size == entry["files"][0]["size"]
    assert not [p for p in root.iterdir() if p.name.startswith((".", "tmp"))]  # no temp files
    # second call: cache hit, no request at all
    assert fetch("toy", data_dir=cache, registry=[entry], progress=False) == root
    assert server.requests == ["toy.zip"]


def test_fetch_uses_modes_data_dir_and_base_url_mirror(tmp_path, server, online, monkeypatch):
    entry = register(tmp_path, server, "toy", class_zip())
    entry["files"][0]["url"] = "http://does-not-exist.invalid/toy.zip"  # mirror replaces it
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    root = fetch("toy", base_url=server.url + "/", registry={"toy": entry}, progress=True)
    assert root == tmp_path / "data" / "toy" and (root / "toy" / "paper" / "1.png").exists()
    assert server.requests == ["toy.zip"]


def test_checksum_mismatch_leaves_nothing(tmp_path, server, online):
    entry = register(tmp_path, server, "toy", class_zip(), sha256="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"checksum mismatch for toy\.zip.*expected 0{64}"):
        fetch("toy", data_dir=cache, registry=[entry], progress=False)
    assert leftovers(cache) == ["toy"]  # the empty dataset folder, no file in it


def test_truncated_transfer_is_detected_and_leaves_nothing(tmp_path, server, online):
    entry = register(tmp_path, server, "toy", class_zip())
    server.truncate.add("toy.zip")
    cache = tmp_path / "cache"
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="truncated"):
        fetch("toy", data_dir=cache, registry=[entry], progress=False)
    assert time.perf_counter() - start < 10
    assert leftovers(cache) == ["toy"]


def test_short_file_is_reported_with_sizes(tmp_path, server, online):
    """The server sends a complete but smaller file than the registry promises."""
    blob = class_zip()
    entry = register(tmp_path, server, "toy", blob)
    server.files["toy.zip"] = blob[:-100]
    with pytest.raises(DownloadError, match=rf"received {len(blob) - 100:,} bytes, expected {len(blob):,}"):
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert leftovers(tmp_path / "cache") == ["toy"]


def test_interrupt_during_download_leaves_nothing(tmp_path, server, online, monkeypatch):
    from course_utils.data import transfer

    entry = register(tmp_path, server, "toy", class_zip())

    def interrupted(url, out, *args):
        out.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(transfer, "_transfer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert leftovers(tmp_path / "cache") == ["toy"]


@pytest.mark.parametrize("evil", ["../escaped.txt", "toy/../../escaped.txt", "/tmp/escaped-abs.txt",
                                  "C:/escaped.txt", "..\\escaped.txt"])
def test_unsafe_archive_members_are_rejected_and_nothing_extracted(tmp_path, server, online, evil):
    blob = class_zip(extra={evil: b"gotcha"})
    assert evil in zipfile.ZipFile(io.BytesIO(blob)).namelist()  # the fixture really is evil
    entry = register(tmp_path, server, "toy", blob)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="unsafe archive toy.zip"):
        fetch("toy", data_dir=cache, registry=[entry], progress=False)
    # the verified archive is kept, nothing from it is: no folder, no temp folder, no escapee
    assert leftovers(cache) == ["toy", "toy/toy.zip"]
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/escaped-abs.txt").exists()


def test_symlink_members_are_rejected(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("toy/link")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    (tmp_path / "link.zip").write_bytes(buf.getvalue())
    with pytest.raises(DownloadError, match="symbolic link"):
        download.safe_extract(tmp_path / "link.zip", tmp_path / "out")
    tar_path = tmp_path / "link.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tf:
        info = tarfile.TarInfo("toy/link")
        info.type, info.linkname = tarfile.SYMTYPE, "../../outside"
        tf.addfile(info)
    with pytest.raises(DownloadError, match="link or special file"):
        download.safe_extract(tar_path, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.tar.gz", "link.zip"]


def test_tar_archives_extract_too(tmp_path):
    tar_path = tmp_path / "toy.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tf:
        data = _png(7)
        info = tarfile.TarInfo("toy/rock/0.png")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    out = download.safe_extract(tar_path, tmp_path / "toy", sha256="ab")
    assert (out / "rock" / "0.png").read_bytes() == data


def test_server_down_fails_fast_with_instructions(tmp_path, online):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port any more
    blob = class_zip()
    (tmp_path / "toy.zip").write_bytes(blob)
    entry = make_entry("toy", [file_entry(tmp_path / "toy.zip", f"http://127.0.0.1:{port}/toy.zip")])
    cache = tmp_path / "cache"
    start = time.perf_counter()
    with pytest.raises(DownloadError) as err:
        fetch("toy", data_dir=cache, registry=[entry], progress=False)
    assert time.perf_counter() - start < 5
    message = str(err.value)
    assert "no connection" in message and f"http://127.0.0.1:{port}/toy.zip" in message
    assert str(cache / "toy" / "toy.zip") in message and entry["files"][0]["sha256"] in message
    assert leftovers(cache) == ["toy"]


def test_offline_mode_forbids_even_localhost(tmp_path, server, monkeypatch):
    entry = register(tmp_path, server, "toy", class_zip())
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="COURSE_OFFLINE=1") as err:
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert time.perf_counter() - start < 5
    assert server.requests == []
    assert "download by hand" in str(err.value) and "COURSE_DATA_DIR" in str(err.value)


def test_offline_mode_uses_a_file_downloaded_by_hand(tmp_path, server, monkeypatch):
    blob = class_zip()
    entry = register(tmp_path, server, "toy", blob)
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    (tmp_path / "cache" / "toy").mkdir(parents=True)
    (tmp_path / "cache" / "toy" / "toy.zip").write_bytes(blob)
    root = fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert (root / "toy" / "scissors" / "1.png").exists() and server.requests == []
    # a wrong file put there by hand is refused with both hashes, not used
    (root / "toy.zip").write_bytes(blob[:-1])
    import shutil

    shutil.rmtree(root / "toy")
    with pytest.raises(DownloadError, match="is not the expected file"):
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert not (root / "toy").exists()


def test_a_corrupt_cached_file_is_replaced_online(tmp_path, server, online):
    blob = class_zip()
    entry = register(tmp_path, server, "toy", blob)
    (tmp_path / "cache" / "toy").mkdir(parents=True)
    (tmp_path / "cache" / "toy" / "toy.zip").write_bytes(b"half a zip")
    root = fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert (root / "toy.zip").read_bytes() == blob and server.requests == ["toy.zip"]


def test_a_plain_file_is_verified_and_kept_as_is(tmp_path, server, online):
    blob = np.arange(5000, dtype=np.int32).tobytes()
    entry = register(tmp_path, server, "weights", blob, filename="w.bin")
    root = fetch("weights", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert (root / "w.bin").read_bytes() == blob and leftovers(root) == ["w.bin"]
    fetch("weights", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert server.requests == ["w.bin"]  # present and verified: no second request


def test_unknown_and_non_download_datasets(tmp_path):
    with pytest.raises(ValueError, match=r"unknown dataset 'nope'; expected one of \[.*'rps'"):
        fetch("nope", data_dir=tmp_path)
    with pytest.raises(ValueError, match="generated, not downloaded.*make_hands"):
        fetch("handpose", data_dir=tmp_path)


def test_real_registry_rps_entry_is_exact():
    reg = download.load_registry()
    rps = reg["rps"]
    assert rps["kind"] == "download" and rps["classes"] == ["rock", "paper", "scissors"]
    assert "CC BY 2.0" in rps["licence"] and "Moroney" in rps["citation"]
    assert rps["files"] == [
        {"filename": "rps.zip",
         "url": "https://storage.googleapis.com/download.tensorflow.org/data/rps.zip",
         "sha256": "c2403444395842ad04c53612bad54b574443eae17a0723117a2ff87b9d72194f",
         "size": 200_682_221},
        {"filename": "rps-test-set.zip",
         "url": "https://storage.googleapis.com/download.tensorflow.org/data/rps-test-set.zip",
         "sha256": "c27ab9fa43ce40b2e453de711365b477f4424586edf0388116674fd320f07503",
         "size": 29_516_758},
    ]


def test_registry_covers_every_dataset_with_provenance():
    reg = download.load_registry()
    assert {"handpose", "rps", "skimage_photos", "skimage_textures", "lfw_subset",
            "opencv_haarcascades"} <= set(reg)
    for name, entry in reg.items():
        assert entry["kind"] in {"download", "generated", "bundled"}, name
        assert entry["description"] and entry["licence"] and entry["citation"], name
        assert bool(entry["files"]) == (entry["kind"] == "download"), name
    readme = (Path(__file__).resolve().parent.parent / "datasets" / "README.md").read_text()
    for name in reg:
        assert f"`{name}`" in readme, f"datasets/README.md does not cover {name}"


def test_real_rps_offline_error_is_fast_and_helpful(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(DownloadError) as err:
        fetch("rps", data_dir=tmp_path)
    assert time.perf_counter() - start < 5
    msg = str(err.value)
    assert "https://storage.googleapis.com/download.tensorflow.org/data/rps.zip" in msg
    assert str(tmp_path / "rps" / "rps.zip") in msg and "200.7 MB" in msg


def test_importing_download_does_not_import_frameworks():
    from conftest import run_python

    out = run_python("import sys, course_utils.data.download, course_utils.data.folders, course_utils.data.handpose;"
                     "print([m for m in ('torch', 'tensorflow', 'keras', 'requests') if m in sys.modules])")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_tar_extracts_and_links_are_refused(tmp_path):
    """Tar archives go through the same checks as zips; a link member stops everything."""
    import io
    import stat
    import tarfile
    import zipfile

    from course_utils.data.download import DownloadError, _extract_tar, _extract_zip

    def tar_with(path, link):
        with tarfile.open(path, "w:gz") as tf:
            data = b"pixels"
            info = tarfile.TarInfo("rps/rock/0.png")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
            if link:
                sym = tarfile.TarInfo("rps/evil")
                sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tf.addfile(sym)

    tar_with(tmp_path / "ok.tgz", link=False)
    _extract_tar(tmp_path / "ok.tgz", tmp_path / "ok")
    assert (tmp_path / "ok" / "rps" / "rock" / "0.png").read_bytes() == b"pixels"

    tar_with(tmp_path / "bad.tgz", link=True)
    with pytest.raises(DownloadError, match="link or special file"):
        _extract_tar(tmp_path / "bad.tgz", tmp_path / "bad")
    assert not (tmp_path / "bad").exists() or not any((tmp_path / "bad").rglob("*"))

    link = zipfile.ZipInfo("rps/evil")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("rps/rock/0.png", "pixels")
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(DownloadError, match="symbolic link"):
        _extract_zip(tmp_path / "bad.zip", tmp_path / "badzip")
    assert not (tmp_path / "badzip").exists() or not any((tmp_path / "badzip").rglob("*"))
