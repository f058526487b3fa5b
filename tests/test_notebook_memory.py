"""`make memory` (tests/notebook_memory.py): the peak it reports is real, and --write is atomic."""
from __future__ import annotations

import sys

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests"))
import notebook_memory  # noqa: E402


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path.read_bytes()


def test_peak_counts_a_transient_allocation_and_write_saves_the_outputs(tmp_path):
    path = tmp_path / "big.ipynb"
    # 400 MiB touched, then freed: only a high-water mark can see it after the cell
    _notebook(path, "import numpy as np\nx = np.ones(100 * 2**20, dtype=np.float32)\ndel x", "print('done')")
    peak, session, seconds, status = notebook_memory.measure(path, timeout=120, write=True)
    assert status == "ok" and seconds > 0 and session > 0
    assert peak >= 400 * 2**20, peak / 2**20
    saved = nbformat.read(path, as_version=4)
    assert saved.cells[1].outputs[0]["text"] == "done\n"
    assert [p.name for p in tmp_path.iterdir()] == ["big.ipynb"]


def test_a_child_process_counts_in_the_session_peak_not_in_the_kernels(tmp_path):
    path = tmp_path / "child.ipynb"
    # 300 MiB held for 1.5 s by a process the kernel started: the session held it, the kernel did not
    child = "import numpy as np, time; x = np.ones(75 * 2**20, dtype=np.float32); time.sleep(1.5)"
    _notebook(path, f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}], check=True)")
    peak, session, _, status = notebook_memory.measure(path, timeout=120)
    assert status == "ok"
    assert peak < 250 * 2**20, peak / 2**20
    assert session >= peak + 200 * 2**20 and session >= 300 * 2**20, (peak / 2**20, session / 2**20)


def test_a_failing_notebook_is_reported_and_never_rewritten(tmp_path):
    path = tmp_path / "bad.ipynb"
    before = _notebook(path, "print('fine')", "raise ValueError('broken on purpose')")
    *_, status = notebook_memory.measure(path, timeout=120, write=True)
    assert status.startswith("error") and "broken on purpose" in status
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bad.ipynb"]


def test_peak_rss_of_a_missing_process_is_a_clear_error():
    with pytest.raises(ValueError, match="expected a running process"):
        notebook_memory.peak_rss_bytes(2**22 + 12345)


def test_a_kernel_that_dies_is_reported_and_the_notebook_kept(tmp_path):
    path = tmp_path / "dies.ipynb"
    before = _notebook(path, "print('fine')", "import os\nos._exit(1)")
    *_, status = notebook_memory.measure(path, timeout=60, write=True)
    assert status == "error: DeadKernelError"
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["dies.ipynb"]
