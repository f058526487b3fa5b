"""One HTTP transfer with an overall deadline, into a temporary file, verified, then renamed.

Used by :mod:`course_utils.data.download`. Three clocks bound a transfer, so nothing can
hang: ``CONNECT_TIMEOUT`` to open the connection, ``READ_TIMEOUT`` without a single byte
(a stalled server), and the overall ``deadline`` (a server trickling 1 byte/s). Bytes
are read as they arrive (``read1``), so the deadline is checked at least every
``READ_TIMEOUT`` seconds, and the socket timeout is shortened to what is left of it.
The file is written to ``.<name>.part-<pid>-*`` beside the destination and renamed only
after its size and sha256 pass: an interrupted or failed transfer leaves nothing.
``requests`` is imported on use (it honours the usual proxy variables).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

from .extract import DownloadError
from .atomic import file_mode
from .scratch import scratch_prefix

CONNECT_TIMEOUT = 3.0   # seconds to open a connection: fail fast without network
READ_TIMEOUT = 60.0     # seconds without a byte before giving up on a stalled server
MIN_RATE = 200_000      # bytes/s the default deadline allows for (a slow connection)
BLOCK = 1 << 16
MAX_UNKNOWN_SIZE = 2 << 30   # bytes accepted from a download whose size is not known in advance


def default_deadline(size: int) -> float:
    """Default overall deadline for ``size`` bytes: one minute plus ``size / MIN_RATE``."""
    return 60.0 + size / MIN_RATE


def _socket_of(response):
    """The socket under a streamed ``requests`` response, or ``None`` if it is hidden."""
    conn = getattr(response.raw, "connection", None)
    return getattr(conn, "sock", None)


def download(url: str, dest: Path, sha: str | None, size: int | None, *, deadline: float,
             progress: bool, help_text: str) -> None:
    """Download ``url`` to ``dest`` through a temporary file; verify size and sha256.

    ``sha`` is the full hex sha256, or (for files named after it, as PyTorch Hub's
    ``name-<hash>.pth``) a prefix of at least 8 hex digits, or ``None`` for a file its publisher
    gives no hash for (Keras applications' weights: the deadline and the size cap still hold,
    the bytes are not verified); ``size=None``: not known in advance (at most
    :data:`MAX_UNKNOWN_SIZE` bytes are accepted). The file gets the user's umask.
    """
    if sha is not None and (len(sha) < 8 or (len(sha) < 64 and size is not None)):
        raise ValueError(f"expected a sha256 (64 hex digits), or a prefix of >= 8 with size=None, got {sha!r}")
    fd, tmp_name = tempfile.mkstemp(prefix=scratch_prefix(dest.name, "part"), dir=dest.parent)
    tmp = Path(tmp_name)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=size, unit="B", unit_scale=True, desc=dest.name, leave=True)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, got = _transfer(url, out, dest.name, size or MAX_UNKNOWN_SIZE, deadline, bar, help_text)
        if got != size and (size is not None or got > MAX_UNKNOWN_SIZE):
            raise DownloadError(
                f"truncated or oversized transfer of {dest.name} from {url}: received "
                f"{got:,} bytes, expected {size or MAX_UNKNOWN_SIZE:,}. Nothing was kept; try again (a flaky "
                f"connection or proxy?).\n" + help_text)
        if sha is not None and not digest.startswith(sha.lower()):
            raise DownloadError(
                f"checksum mismatch for {dest.name} from {url}: sha256 {digest}, expected "
                f"{sha}. The file was discarded; the server may serve a different file than "
                f"the registry describes.\n" + help_text)
        os.chmod(tmp, file_mode())
        os.replace(tmp, dest)
    finally:
        if bar is not None:
            bar.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # any failure, KeyboardInterrupt included: no partial file stays


def _transfer(url: str, out, name: str, size: int, deadline: float, bar,
              help_text: str) -> tuple[str, int]:
    """Stream ``url`` into ``out``; return ``(sha256 hex, bytes received)``."""
    import requests
    import urllib3

    h, got = hashlib.sha256(), 0
    end = time.monotonic() + deadline
    try:
        with requests.get(url, stream=True, headers={"Accept-Encoding": "identity"},
                          timeout=(CONNECT_TIMEOUT, min(READ_TIMEOUT, deadline))) as r:
            r.raise_for_status()
            sock = _socket_of(r)
            # read1: whatever has arrived (urllib3 >= 2); read() of older urllib3 may wait
            # for a whole block, which only delays the deadline check by READ_TIMEOUT
            read = getattr(r.raw, "read1", r.raw.read)
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("deadline")
                if sock is not None:  # never wait past the deadline for the next bytes
                    sock.settimeout(max(0.01, min(READ_TIMEOUT, left)))
                block = read(BLOCK)
                if not block:
                    return h.hexdigest(), got
                got += len(block)
                if got > size:  # never write more than the registry promises
                    return h.hexdigest(), got
                h.update(block)
                out.write(block)
                if bar is not None:
                    bar.update(len(block))
    except (TimeoutError, requests.exceptions.ReadTimeout,
            urllib3.exceptions.ReadTimeoutError) as err:
        if time.monotonic() >= end - 0.01:
            raise DownloadError(
                f"the download of {name} from {url} took longer than {deadline:g} s "
                f"({got:,} of {size:,} bytes received); stopped. Try again on a faster "
                f"connection or pass a longer deadline= to fetch().\n{help_text}") from err
        raise DownloadError(
            f"the server stopped sending {name} from {url} after {got:,} of {size:,} bytes "
            f"(nothing for {READ_TIMEOUT:g} s). Nothing was kept; try again later.\n"
            f"{help_text}") from err
    except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError) as err:
        raise DownloadError(
            f"transfer of {name} from {url} ended early (truncated): the server stopped "
            f"sending after {got:,} of {size:,} bytes. Nothing was kept; try again.\n"
            f"{help_text}") from err
    except (requests.exceptions.ConnectionError, requests.exceptions.ConnectTimeout) as err:
        raise DownloadError(
            f"could not download {name} from {url}: no connection ({type(err).__name__}). "
            f"Check your network or proxy.\n{help_text}") from err
    except requests.exceptions.RequestException as err:
        raise DownloadError(f"could not download {name} from {url}: {err}.\n{help_text}") from err
