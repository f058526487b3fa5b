"""Peak memory of each notebook's kernel: ``make memory`` (a tool for authors, not a test).

Binder gives a session about 2 GB for everything it runs, so a lesson's kernel should stay
under 1.5 GiB. Each notebook runs in full, offline mode in a fresh kernel (outputs discarded
and the file left as it is, unless ``--write``). Two figures:

* the kernel's peak: the kernel process's high-water mark of resident memory, ``VmHWM`` in
  ``/proc/<pid>/status`` (Linux), read after every cell;
* with children: the largest sum of the proportional set size (PSS: resident memory, with
  each shared page split among the processes that map it, so a library loaded by three
  processes counts once) of the kernel and every process it started, sampled every 100 ms.
  The lessons run one framework in the kernel and the other in short-lived child processes
  (``course_utils.frameworks.in_child``); this is what the session held at its fullest moment.

    python tests/notebook_memory.py [notebooks/03_conv_cost.ipynb ...] [--limit-gib 1.5] [--write]

Prints a table and exits 1 when a notebook goes over the limit.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = sorted(str(p.relative_to(ROOT)) for d in ("notebooks", "solutions") for p in (ROOT / d).glob("*.ipynb"))


def peak_rss_bytes(pid: int) -> int:
    """High-water mark of the resident memory of process ``pid`` (``VmHWM``), in bytes."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        raise ValueError(f"no /proc/{pid}/status: expected a running process on Linux")
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # reported in kB
    raise ValueError(f"/proc/{pid}/status has no VmHWM line")


def _children(pid: int) -> list[int]:
    """Direct children of process ``pid`` (Linux: /proc/<pid>/task/<tid>/children)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:  # a thread or process that just ended
            pass
    return kids


def _pss_bytes(pid: int) -> int:
    """Proportional set size of one process (``Pss`` in /proc/<pid>/smaps_rollup), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def session_pss_bytes(pid: int) -> int:
    """Proportional set size of process ``pid`` plus all its descendants, in bytes (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss_bytes(p)
        todo += _children(p)
    return total


class SessionSampler:
    """Samples :func:`session_pss_bytes` every ``interval`` seconds on a thread; ``peak`` is the largest."""

    def __init__(self, pid_of, interval: float = 0.1):
        import threading

        self.pid_of, self.interval, self.peak = pid_of, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            pid = self.pid_of()
            if pid:
                self.peak = max(self.peak, session_pss_bytes(pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def measure(path: Path, timeout: float = 1200, write: bool = False,
            verbose: bool = False) -> tuple[int, int, float, str]:
    """Run notebook ``path`` in full mode; return (peak kernel RSS, peak kernel + children PSS,
    both in bytes, seconds, status).

    ``write``: on success, also save the executed notebook over ``path`` (its committed outputs,
    widget state included, as ``make execute`` would write them), through a temporary file and
    an atomic rename, so a failed or interrupted run never leaves a half-written notebook.
    ``verbose``: print each cell that raised the peak by more than 50 MiB.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    peak, session_seen = [0], [0]

    def read_peak(cell, cell_index, **_) -> None:  # VmHWM is a high-water mark: the last read is the peak
        now = peak_rss_bytes(client.km.provisioner.process.pid)
        first_line = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
        if verbose and now - peak[0] > 50 * 2**20:  # which cell raised the peak, and by how much
            print(f"  cell {cell_index:>3}: kernel {peak[0] / 2**30:.2f} -> {now / 2**30:.2f} GiB  {first_line}", flush=True)
        if verbose and sampler.peak - session_seen[0] > 50 * 2**20:
            print(f"  cell {cell_index:>3}: + children {session_seen[0] / 2**30:.2f} -> {sampler.peak / 2**30:.2f} GiB  "
                  f"{first_line}", flush=True)
        peak[0], session_seen[0] = max(peak[0], now), max(session_seen[0], sampler.peak)

    client.on_cell_executed = read_peak  # nbclient's hooks; the kernel is alive for every cell
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_FAST", "MPLBACKEND")}
    env["COURSE_OFFLINE"] = "1"
    start, status = time.perf_counter(), "ok"

    def kernel_pid() -> int | None:
        process = getattr(getattr(client.km, "provisioner", None), "process", None) if client.km else None
        return process.pid if process is not None else None

    sampler = SessionSampler(kernel_pid)
    with sampler:
        try:
            client.execute(env=env)
        except CellExecutionError as err:
            status = f"error: {str(err).strip().splitlines()[-1][:60]}"
        except (CellTimeoutError, DeadKernelError) as err:  # a hung or killed kernel: report it, go on
            status = f"error: {type(err).__name__}"
    seconds = time.perf_counter() - start
    if write and status == "ok":
        tmp = path.with_name(f".{path.name}.partial")
        try:
            nbformat.write(nb, tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return peak[0], sampler.peak, seconds, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=DEFAULT)
    parser.add_argument("--limit-gib", type=float, default=1.5)
    parser.add_argument("--write", action="store_true",
                        help="save each successfully executed notebook in place (refreshes its outputs)")
    parser.add_argument("--cells", action="store_true", help="show which cells raise the peak")
    args = parser.parse_args(argv)
    over = []
    print(f"{'notebook':<44}{'kernel GiB':>11}{'+ children':>11}{'time s':>8}  status")
    for name in args.notebooks:
        peak, session, seconds, status = measure(ROOT / name, write=args.write, verbose=args.cells)
        gib, session_gib = peak / 2**30, session / 2**30
        flag = "  OVER the limit" if max(gib, session_gib) > args.limit_gib else ""
        print(f"{name:<44}{gib:>11.2f}{session_gib:>11.2f}{seconds:>8.0f}  {status}{flag}", flush=True)
        if flag or status != "ok":
            over.append(name)
    print(f"limit {args.limit_gib} GiB per kernel, children included; over or failing: {over or 'none'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
