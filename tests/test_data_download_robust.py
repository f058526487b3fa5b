"""Downloads under stress: slow and stalled servers, concurrent fetches, killed fetches,
corrupt, encrypted and oversized archives, unwritable caches, hostile names, stale caches.
Every server here listens on 127.0.0.1 and stops sending by itself within seconds."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_download import class_zip, leftovers, online, register, server  # noqa: F401 (fixtures)

from conftest import ROOT
from course_utils import modes
from course_utils.data import download, extract, scratch
from course_utils.data.download import DownloadError, fetch, file_entry, make_entry


class _SlowServer:
    """Serves one body slowly: ``trickle`` bytes every ``interval`` s, at most ``budget`` s,
    or ``stall``: a first chunk, then silence until ``budget`` s have passed."""

    def __init__(self, body: bytes, *, mode: str, interval: float = 0.05, budget: float = 3.0):
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                end = time.monotonic() + budget
                try:
                    if mode == "stall":
                        self.wfile.write(body[:10])
                        self.wfile.flush()
                        while time.monotonic() < end and not srv.stopping:
                            time.sleep(0.02)
                        return
                    for i in range(len(body)):
                        if time.monotonic() > end or srv.stopping:
                            return
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(interval)
                except OSError:
                    return  # the client gave up: stop

            def log_message(self, *args):
                pass

        self.stopping = False
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self):
        self.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()


def _slow_entry(tmp_path, slow: _SlowServer, blob: bytes, name="toy"):
    (tmp_path / "toy.zip").write_bytes(blob)
    return make_entry(name, [file_entry(tmp_path / "toy.zip", f"{slow.url}/toy.zip")])


# ----------------------------------------------------------------------------- finding 1
def test_trickling_server_hits_the_overall_deadline(tmp_path, online):  # noqa: F811
    blob = class_zip()
    slow = _SlowServer(blob, mode="trickle", interval=0.02)
    try:
        start = time.perf_counter()
        with pytest.raises(DownloadError, match=r"took longer than 0\.5 s \(\d+ of") as err:
            fetch("toy", data_dir=tmp_path / "cache", registry=[_slow_entry(tmp_path, slow, blob)],
                  progress=False, deadline=0.5)
        assert time.perf_counter() - start < 2.5
        assert "no connection" not in str(err.value)
    finally:
        slow.stop()
    assert leftovers(tmp_path / "cache") == ["toy"]


def test_stalled_server_is_reported_as_a_stall(tmp_path, online, monkeypatch):  # noqa: F811
    from course_utils.data import transfer

    monkeypatch.setattr(transfer, "READ_TIMEOUT", 0.3)
    blob = class_zip()
    slow = _SlowServer(blob, mode="stall", budget=2.0)
    try:
        with pytest.raises(DownloadError, match=f"stopped sending toy.zip .* after 10 of {len(blob):,} bytes") as err:
            fetch("toy", data_dir=tmp_path / "cache", registry=[_slow_entry(tmp_path, slow, blob)],
                  progress=False, deadline=30)
        assert "no connection" not in str(err.value)
    finally:
        slow.stop()
    assert leftovers(tmp_path / "cache") == ["toy"]


# ----------------------------------------------------------------------------- finding 2
def test_concurrent_fetches_of_one_dataset_both_succeed(tmp_path, server, online):  # noqa: F811
    entry = register(tmp_path, server, "toy", class_zip())
    results, errors = [], []
    barrier = threading.Barrier(3)

    def run():
        barrier.wait()
        try:
            results.append(fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False))
        except Exception as err:  # noqa: BLE001 (collected for the assertion)
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors and len(results) == 3 and len(set(results)) == 1
    assert server.requests == ["toy.zip"]  # the others waited and found it in the cache
    assert leftovers(tmp_path / "cache" / "toy" / "toy" / "rock") == ["0.png", "1.png"]
    assert not (tmp_path / "cache" / ".toy.lock").exists()


def test_a_busy_lock_times_out_clearly_and_protects_live_temporaries(tmp_path, server, online):  # noqa: F811
    entry = register(tmp_path, server, "toy", class_zip())
    cache = tmp_path / "cache"
    (cache / "toy").mkdir(parents=True)
    live = cache / "toy" / ".toy.zip.part-1-abc"  # a live fetch's file: must survive
    live.write_bytes(b"in progress")
    with scratch.file_lock(cache / ".toy.lock", 1, "test"):
        start = time.perf_counter()
        with pytest.raises(DownloadError, match=r"dataset 'toy' is busy: another process holds the lock .*\.toy\.lock"):
            fetch("toy", data_dir=cache, registry=[entry], progress=False, lock_timeout=0.3)
        assert time.perf_counter() - start < 2
        assert live.exists() and server.requests == []


# ----------------------------------------------------------------------------- finding 3
def test_stale_leftovers_are_cleaned_on_the_next_fetch(tmp_path, server, online):  # noqa: F811
    entry = register(tmp_path, server, "toy", class_zip())
    root = tmp_path / "cache" / "toy"
    (root / ".toy.extract-4242-x1y2" / "rock").mkdir(parents=True)
    (root / ".toy.extract-4242-x1y2" / "rock" / "0.png").write_bytes(b"half")
    (root / ".toy.zip.part-4242-abcd").write_bytes(b"half a download")
    (root / "tmpab12cd_3").write_bytes(b"pooch-era leftover")
    fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert [p for p in os.listdir(root) if p.startswith((".", "tmp"))] == []


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_fetch_leaves_nothing_after_the_next_fetch(tmp_path, online, server, sig):  # noqa: F811
    blob = class_zip()
    slow = _SlowServer(blob, mode="trickle", interval=0.01, budget=8)
    cache = tmp_path / "cache"
    entry = _slow_entry(tmp_path, slow, blob)
    code = ("import sys, json; from course_utils.data.download import fetch; "
            f"fetch('toy', data_dir={str(cache)!r}, registry=[json.loads(sys.argv[1])], progress=False)")
    import json

    proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(entry)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 15
        while not list((cache / "toy").glob(".toy.zip.part-*")):
            assert time.monotonic() < deadline and proc.poll() is None, "the fetch never started"
            time.sleep(0.02)
        proc.send_signal(sig)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        slow.stop()
    assert list((cache / "toy").glob(".toy.zip.part-*"))  # the killed process could not clean
    server.files["toy.zip"] = blob
    fetch("toy", data_dir=cache, registry=[entry], base_url=server.url, progress=False)
    assert leftovers(cache / "toy")[:2] == ["toy", "toy.zip"]
    assert not [p for p in os.listdir(cache / "toy") if p.startswith(".")]


# ----------------------------------------------------------------------------- finding 4
def _member_zip(name="toy/rock/0.png", data=b"pixels" * 100) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def test_bad_crc_member_is_a_clear_download_error(tmp_path):
    blob = bytearray(_member_zip())
    i = blob.index(b"pixelspixels")
    blob[i] ^= 0xFF  # corrupt the stored data, not the headers: the CRC check fails
    (tmp_path / "bad.zip").write_bytes(bytes(blob))
    with pytest.raises(DownloadError, match=r"member 'toy/rock/0.png' of .*bad\.zip is corrupt.*CRC"):
        download.safe_extract(tmp_path / "bad.zip", tmp_path / "out")
    assert sorted(os.listdir(tmp_path)) == ["bad.zip"]


def test_encrypted_member_is_refused_before_writing(tmp_path):
    blob = bytearray(_member_zip())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag bit in both headers
        j = blob.index(sig)
        off = j + (6 if sig == b"PK\x03\x04" else 8)
        blob[off] |= 0x1
    (tmp_path / "enc.zip").write_bytes(bytes(blob))
    with pytest.raises(DownloadError, match=r"member 'toy/rock/0.png' is encrypted"):
        download.safe_extract(tmp_path / "enc.zip", tmp_path / "out")
    assert sorted(os.listdir(tmp_path)) == ["enc.zip"]


def test_data_dir_that_is_a_file_or_read_only(tmp_path, clean_modes, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("x")
    clean_modes.setenv("COURSE_DATA_DIR", str(afile))
    with pytest.raises(ValueError, match=rf"COURSE_DATA_DIR=.*{afile} is a file; expected a folder"):
        modes.data_dir()
    entry = make_entry("toy", [{"filename": "t.zip", "url": "http://127.0.0.1:9/t.zip",
                                "sha256": "0" * 64, "size": 1}])
    with pytest.raises(DownloadError, match=f"{afile} is a file; expected a folder"):
        fetch("toy", registry=[entry], progress=False)
    with pytest.raises(DownloadError, match=f"{afile} is a file"):
        fetch("toy", data_dir=afile, registry=[entry], progress=False)
    with pytest.raises(ValueError, match="cannot create the data folder"):
        clean_modes.setenv("COURSE_DATA_DIR", str(afile / "below"))
        modes.data_dir()
    # read-only: root ignores permission bits, so os.access is what reports "not writable"
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if Path(p) == ro else real_access(p, m, **kw))
    clean_modes.setenv("COURSE_DATA_DIR", str(ro))
    with pytest.raises(ValueError, match=f"data folder {ro} is not writable"):
        modes.data_dir()
    with pytest.raises(DownloadError, match=f"data folder {ro} is not writable"):
        fetch("toy", data_dir=ro, registry=[entry], progress=False)


def test_a_write_that_fails_is_a_download_error_naming_the_folder(tmp_path, server, online, monkeypatch):  # noqa: F811
    entry = register(tmp_path, server, "toy", class_zip())

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("course_utils.data.transfer.tempfile.mkstemp", refuse)
    with pytest.raises(DownloadError, match=rf"cannot write in {tmp_path / 'cache' / 'toy'} \(Permission denied\)"):
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)


# ----------------------------------------------------------------------------- finding 5
def test_zip_bomb_is_refused_before_writing(tmp_path, server, online):  # noqa: F811
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("toy/rock/zeros.png", b"\0" * (4 << 20))  # 4 MiB that compress to ~4 KB
    entry = register(tmp_path, server, "toy", buf.getvalue())
    assert entry["files"][0]["size"] < 10_000
    with pytest.raises(DownloadError, match=r"declares 4,194,304 bytes uncompressed, more than the limit of 1,048,576"):
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert leftovers(tmp_path / "cache") == ["toy", "toy/toy.zip"]
    # a registry entry may allow more
    entry["files"][0]["max_extracted_size"] = 5 << 20
    root = fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert (root / "toy" / "rock" / "zeros.png").stat().st_size == 4 << 20


def test_size_limit_is_enforced_while_writing_when_sizes_lie(tmp_path):
    archive = tmp_path / "liar.zip"
    archive.write_bytes(b"x" * 100)
    entries = [("a.bin", None, False, 5, lambda: io.BytesIO(b"y" * 5000))]  # declares 5 bytes
    with pytest.raises(DownloadError, match="expands to more than its declared sizes"):
        extract._extract_members(archive, tmp_path / "out", entries, max_size=1000)
    assert (tmp_path / "out" / "a.bin").stat().st_size == 0  # never wrote past the limit


# ----------------------------------------------------------------------------- finding 6
@pytest.mark.parametrize("bad", ["../../x", "..", "a/b", "/abs", "UPPER", ".hidden", "", "a\\b"])
def test_dataset_names_cannot_escape_the_cache(tmp_path, bad):
    with pytest.raises(ValueError, match="dataset name must be"):
        fetch(bad, data_dir=tmp_path, registry=[{"name": bad, "kind": "download", "files": [1]}])
    with pytest.raises(ValueError, match="dataset name must be"):
        make_entry(bad, [])
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- finding 7
def test_cached_archive_of_the_right_size_but_wrong_bytes_is_replaced(tmp_path, server, online, monkeypatch):  # noqa: F811
    blob = class_zip()
    entry = register(tmp_path, server, "toy", blob)
    cached = tmp_path / "cache" / "toy" / "toy.zip"
    cached.parent.mkdir(parents=True)
    forged = bytearray(blob)
    forged[len(blob) // 2] ^= 0xFF  # same size, other bytes
    cached.write_bytes(bytes(forged))
    root = fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert cached.read_bytes() == blob and server.requests == ["toy.zip"]
    # offline, the same forged file is refused instead of used
    cached.write_bytes(bytes(forged))
    (root / "toy" / extract.MARKER).unlink()
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    with pytest.raises(DownloadError, match="is not the expected file"):
        fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)


def test_a_marker_for_another_hash_is_not_trusted(tmp_path, server, online):  # noqa: F811
    blob = class_zip()
    entry = register(tmp_path, server, "toy", blob)
    root = fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    marker = root / "toy" / extract.MARKER
    assert marker.read_text().strip() == entry["files"][0]["sha256"]  # records what it verified
    # an extraction made from another archive (an old registry version): redone
    marker.write_text("0" * 64 + "\n")
    (root / "toy" / "rock" / "0.png").write_bytes(b"from the old archive")
    (root / "toy" / "stale-class").mkdir()
    fetch("toy", data_dir=tmp_path / "cache", registry=[entry], progress=False)
    assert marker.read_text().strip() == entry["files"][0]["sha256"]
    assert not (root / "toy" / "stale-class").exists()
    assert (root / "toy" / "rock" / "0.png").read_bytes() != b"from the old archive"
    assert server.requests == ["toy.zip"]  # the verified archive was reused, not downloaded
