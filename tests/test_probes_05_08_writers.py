"""Issue 26, part 2: every atomic writer of lessons 07-08 leaves nothing behind after ``kill -9``.

Probes X1-X5 and P01 of ``probes-05-08.md``. Each test starts a child process that calls the
real writer with the disk made slow (the write stops half-way and waits), kills it with
SIGKILL while its temporary exists, checks that the temporary is there, then calls the writer
again for the same path: the dead process's temporary must be gone and only the finished
file left, with the mode the user's umask gives (not mkstemp's 0600).
"""
from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from course_utils.data import atomic

# In the child: the disk "stalls" half-way through any Path.write_bytes (what the writers use).
SLOW_DISK = """
import pathlib, sys, time
def _stalled_write(self, data):
    with open(self, "wb") as f:
        f.write(bytes(data)[: max(1, len(data) // 2)])
        f.flush()
    print("writing", self, file=sys.__stdout__, flush=True)
    time.sleep(120)
pathlib.Path.write_bytes = _stalled_write
"""


def _start(code: str, tmp_path: Path, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COURSE_OFFLINE": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when(child: subprocess.Popen, marker: str, timeout: float = 120) -> None:
    """Wait for ``marker`` on the child's stdout, then SIGKILL it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = child.stdout.readline()
        if marker in line:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            return
        if not line and child.poll() is not None:
            break
    child.kill()
    raise AssertionError(f"the child never reached {marker!r}: {child.stderr.read()[-2000:]}")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_write_atomic_after_kill_9_leaves_only_the_file_with_the_umask_mode(tmp_path, umask_022):
    from course_utils.deploy.tflite import write_atomic

    target = tmp_path / "out" / "model.tflite"
    child = _start(SLOW_DISK + f"""
from course_utils.deploy.tflite import write_atomic
write_atomic({str(target)!r}, b"x" * 1_000_000)
""", tmp_path)
    _kill_when(child, "writing")
    left = sorted(p.name for p in target.parent.iterdir())
    assert len(left) == 1 and left[0].startswith(".model.tflite.part-"), left   # X3: the kill leaves it ...
    write_atomic(target, b"new")
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.tflite"]  # ... the next call removes it
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o644   # P01


def test_a_live_writers_temporary_is_kept(tmp_path):
    live = tmp_path / f".model.tflite.part-{os.getpid()}-abc"
    live.write_bytes(b"half")
    dead = tmp_path / ".model.tflite.part-999999999-abc"
    dead.write_bytes(b"half")
    atomic.write_bytes(tmp_path / "model.tflite", b"x")
    assert live.exists() and not dead.exists()


def test_save_classifier_after_kill_9(tmp_path, umask_022):
    from torch import nn

    from course_utils.transfer.finetune import save_classifier

    target = tmp_path / "big.pt"
    child = _start(SLOW_DISK + f"""
from torch import nn
from course_utils.transfer.finetune import save_classifier
save_classifier(nn.Linear(200, 3), {str(target)!r}, size=48, classes=("a", "b", "c"))
""", tmp_path)
    _kill_when(child, "writing")
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".big.pt")]
    assert len(left) == 1 and ".saving-" in left[0], left   # X1
    save_classifier(nn.Linear(200, 3), target, size=48, classes=("a", "b", "c"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.pt"]   # X2
    assert _mode(target) == 0o644


def test_export_onnx_after_kill_9(tmp_path, umask_022):
    from torch import nn

    from course_utils.deploy.onnx_export import OnnxRunner, export_onnx

    target = tmp_path / "m.onnx"
    child = _start(f"""
import sys, time, torch
def slow_export(module, args, f, **kwargs):
    open(f, "wb").write(b"partial")
    print("writing", file=sys.__stdout__, flush=True)
    time.sleep(120)
torch.onnx.export = slow_export
from torch import nn
from course_utils.deploy.onnx_export import export_onnx
export_onnx(nn.Conv2d(3, 4, 3), {str(target)!r}, (3, 8, 8))
""", tmp_path)
    _kill_when(child, "writing")
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".m.onnx.exporting-"), left   # X4
    export_onnx(nn.Conv2d(3, 4, 3), target, (3, 8, 8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    assert _mode(target) == 0o644
    assert OnnxRunner(target)(np.zeros((2, 3, 8, 8), np.float32)).shape == (2, 4, 6, 6)


CONVERT = """
import numpy as np
from course_utils.frameworks import import_frameworks
import_frameworks("tensorflow")
import keras
from course_utils.deploy import tflite
inputs = keras.Input((8, 8, 3))
x = keras.layers.Conv2D(4, 3)(inputs)
model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(x)), name="tiny")
"""


@pytest.mark.slow
def test_convert_keras_after_kill_9_leaves_nothing_in_tmpdir_or_the_folder(tmp_path):
    scratch, folder = tmp_path / "tmpdir", tmp_path / "models"
    scratch.mkdir()
    env = {"TMPDIR": str(scratch)}
    child = _start(CONVERT + f"""
import sys, time
real = tflite._converter
def slow(saved_model, q, reps):
    import tempfile
    with tempfile.NamedTemporaryFile("w", prefix="__autograph_generated_file", suffix=".py", delete=False) as f:
        f.write("# what autograph leaves")
    print("writing", file=sys.__stdout__, flush=True)
    time.sleep(120)
tflite._converter = slow
tflite.convert_keras(model, {str(folder)!r}, ["float32", "dynamic"])
""", tmp_path, env)
    _kill_when(child, "writing", timeout=240)
    left = list(scratch.iterdir())
    assert len(left) == 1 and left[0].name.startswith(".course-tflite.converting-"), left   # X5
    assert (left[0] / "saved_model" / "saved_model.pb").is_file()
    assert list(left[0].glob("__autograph_generated_file*.py"))   # autograph wrote inside it, not beside it
    done = _start(CONVERT + f"""
print(sorted(tflite.convert_keras(model, {str(folder)!r}, ["float32"])))
""", tmp_path, env)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err[-2000:]
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in folder.iterdir()) == ["tiny_float32.tflite"]


def test_writers_refuse_a_missing_or_unwritable_folder_or_a_folder_path_clearly(tmp_path):
    from torch import nn

    from course_utils.transfer.finetune import save_classifier

    with pytest.raises(FileNotFoundError, match="the folder .* does not exist") as missing:   # F14, F15
        save_classifier(nn.Linear(2, 2), tmp_path / "nope" / "x.pt", size=48, classes=("a", "b"))
    with pytest.raises(IsADirectoryError, match="it is a folder") as folder:   # F18, TF18
        save_classifier(nn.Linear(2, 2), tmp_path, size=48, classes=("a", "b"))
    assert (missing.value.errno, folder.value.errno) == (errno.ENOENT, errno.EISDIR)
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        atomic.write_bytes(tmp_path, b"x")
    with pytest.raises(OSError, match="cannot create the folder"):   # TF06, O02
        atomic.write_bytes("/proc/forbidden/x.tflite", b"x", create_parent=True)
    assert list(tmp_path.iterdir()) == []


def test_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = atomic.write_bytes(tmp_path / "f.bin", b"x")
        assert _mode(path) == 0o640
    finally:
        os.umask(old)


def test_written_folders_get_the_umask_mode_too(tmp_path, umask_022):
    import zipfile

    from course_utils.data import extract, handpose

    root = handpose.write_folder(tmp_path / "hands", 3, 32)
    assert _mode(root) == 0o755 and _mode(root / "rock") == 0o755   # not mkdtemp's 0700
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "a")
        z.writestr("b.txt", "b")
    dest = extract.safe_extract(archive, tmp_path / "two")
    assert _mode(dest) == 0o755 and sorted(p.name for p in dest.iterdir())[:2] == ["a.txt", "b.txt"]
