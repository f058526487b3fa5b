"""`make web` without a browser: assembling the page folder, the install hint, and the fake camera's video file."""
from __future__ import annotations

import json

import numpy as np
import pytest

from course_utils.deploy import camera_file, web


@pytest.fixture
def fake_source(tmp_path):
    src = tmp_path / "web"
    dist = src / "node_modules" / "onnxruntime-web" / "dist"
    dist.mkdir(parents=True)
    for name in web.PAGE_FILES:
        (src / name).write_text(f"page {name}")
    for name in web.RUNTIME_FILES:
        (dist / name).write_text(f"runtime {name}")
    model = tmp_path / "m.onnx"
    model.write_bytes(b"onnx" * 10)
    return src, model


def test_the_page_folder_holds_page_runtime_model_and_samples(tmp_path, fake_source):
    src, model = fake_source
    images = np.zeros((3, 8, 8, 3), np.uint8)
    out = web.build_page(tmp_path / "site", model, classes=("paper", "rock", "scissors"), size=8,
                         samples=(images, np.array([2, 0, 1])), source=src)
    names = {p.name for p in out.iterdir()}
    assert names == {*web.PAGE_FILES, *web.RUNTIME_FILES, "handpose.onnx", "model.json", "samples"}
    meta = json.loads((out / "model.json").read_text())
    assert meta == {"model": "handpose.onnx", "classes": ["paper", "rock", "scissors"], "size": 8, "bytes": 40,
                    "samples": [{"file": "samples/00_scissors.png", "label": "scissors"},
                                {"file": "samples/01_paper.png", "label": "paper"},
                                {"file": "samples/02_rock.png", "label": "rock"}]}
    # a rebuild replaces the folder whole and leaves no temporary behind
    (out / "stale.txt").write_text("old")
    web.build_page(tmp_path / "site", model, classes=("a", "b"), size=8, source=src)
    assert not (out / "stale.txt").exists() and not (out / "samples").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "site", "web"]


def test_a_missing_runtime_says_how_to_install_it(tmp_path, fake_source, monkeypatch):
    src, model = fake_source
    (src / "node_modules" / "onnxruntime-web" / "dist" / "ort.wasm.min.js").unlink()
    with pytest.raises(ValueError, match=r"onnxruntime-web is not installed.*make web"):
        web.build_page(tmp_path / "site", model, classes=("a", "b"), size=8, source=src)
    monkeypatch.setattr(web.shutil, "which", lambda name: None)   # no npm on this machine
    with pytest.raises(ValueError, match=r"apt-get install nodejs npm"):
        web.runtime_folder(src)
    assert not (tmp_path / "site").exists()


def test_bad_page_inputs_are_clear_errors(tmp_path, fake_source):
    src, model = fake_source
    with pytest.raises(ValueError, match="no .onnx file"):
        web.build_page(tmp_path / "site", tmp_path / "none.onnx", classes=("a", "b"), size=8, source=src)
    with pytest.raises(ValueError, match="two class names"):
        web.build_page(tmp_path / "site", model, classes=("a",), size=8, source=src)


def test_the_repository_holds_the_page_sources():
    assert web.source_folder().name == "web"


def test_yuv_round_trip_stays_within_rounding():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8).repeat(2, 0).repeat(2, 1)   # 2x2 blocks: one colour each
    back = camera_file.yuv420_to_rgb(camera_file.rgb_to_yuv420(frame), 12, 16)
    # limited range keeps 220 of 256 luma levels: one rounding step either way, and clipping at 0/255
    assert np.abs(back.astype(int) - frame).max() <= 2


def test_a_y4m_file_reads_back_as_written(tmp_path):
    frames = np.stack([np.full((6, 4, 3), v, np.uint8) for v in (30, 128, 220)])
    path = camera_file.write_y4m(tmp_path / "v.y4m", frames, fps=7)
    data = path.read_bytes()
    assert data.startswith(b"YUV4MPEG2 W8 H12 F7:1 Ip A1:1 C420jpeg\n") and data.count(b"FRAME\n") == 3
    assert len(data) == len(data.split(b"\n")[0]) + 1 + 3 * (6 + 12 * 8 * 3 // 2)
    back = camera_file.read_y4m(path)
    assert back.shape == frames.shape and np.abs(back.astype(int) - frames).max() <= 1


@pytest.mark.parametrize("frames, kwargs, match", [
    (np.zeros((2, 4, 4, 3), np.float32), {}, "uint8"), (np.zeros((2, 4, 4, 3), np.uint8), {"scale": 3}, "even"),
    (np.zeros((4, 4, 3), np.uint8), {}, "frames")])
def test_bad_videos_are_clear_errors(tmp_path, frames, kwargs, match):
    with pytest.raises(ValueError, match=match):
        camera_file.write_y4m(tmp_path / "v.y4m", frames, **kwargs)
    (tmp_path / "x.y4m").write_bytes(b"RIFF....")
    with pytest.raises(ValueError, match="not a .y4m"):
        camera_file.read_y4m(tmp_path / "x.y4m")
