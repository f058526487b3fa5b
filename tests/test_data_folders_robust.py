"""load_folder on layouts that used to invent classes, one class order shared with the
generator, crash-safe write_folder, unreadable files and 16-bit images."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image

from course_utils.data.folders import load_folder, read_image, split_folders
from course_utils.data.handpose import CLASSES, make_hands, write_folder


def _images(folder, n=2, value=50):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        cv2.imwrite(str(folder / f"{i}.png"), np.full((8, 8, 3), value + i, np.uint8))


# ----------------------------------------------------------------------------- finding 8
def _rps_download(root):
    """The cache layout of fetch("rps"): two verified zips and their two extracted folders."""
    for split in ("rps", "rps-test-set"):
        (root / f"{split}.zip").parent.mkdir(parents=True, exist_ok=True)
        (root / f"{split}.zip").write_bytes(b"zip")
        for k, cls in enumerate(("rock", "paper", "scissors")):
            _images(root / split / cls, value=40 * k)
    return root


def test_rps_download_layout_is_refused_with_the_folders_to_pass(tmp_path):
    root = _rps_download(tmp_path / "rps")
    with pytest.raises(ValueError, match=rf"holds dataset splits \['rps', 'rps-test-set'\], not class "
                                         rf"folders: pass .*rps/'rps' for the training set and "
                                         rf".*rps/'rps-test-set' for the test set"):
        load_folder(root, 8)
    splits = split_folders(root)
    assert list(splits.items()) == [("train", root / "rps"), ("test", root / "rps-test-set")]
    images, labels, names = load_folder(splits["train"], 8)
    assert names == ("paper", "rock", "scissors") and images.shape == (6, 8, 8, 3)


def test_train_test_layout_is_refused(tmp_path):
    for split in ("train", "test"):
        for cls in ("cat", "dog"):
            _images(tmp_path / "data" / split / cls)
    with pytest.raises(ValueError, match=r"splits \['test', 'train'\].*data/'train' for the training "
                                         r"set and .*data/'test' for the test set"):
        load_folder(tmp_path / "data", 8)
    assert set(split_folders(tmp_path / "data")) == {"test", "train"}


def test_class_folder_with_sub_folders_is_refused(tmp_path):
    _images(tmp_path / "root" / "rock" / "day")
    _images(tmp_path / "root" / "rock" / "night")
    with pytest.raises(ValueError, match=r"class folder .*root/rock holds sub-folders \['day', 'night'\] "
                                         r"rather than images.*pass .*root/'rock'"):
        load_folder(tmp_path / "root", 8)
    images, labels, names = load_folder(tmp_path / "root" / "rock", 8)  # what the message says
    assert names == ("day", "night") and list(labels) == [0, 0, 1, 1]


def test_split_folders_refuses_ambiguous_downloads(tmp_path):
    for split in ("a", "b"):
        _images(tmp_path / "d" / split / "cls")
    with pytest.raises(ValueError, match=r"cannot tell which of \['a', 'b'\]"):
        split_folders(tmp_path / "d")


# ----------------------------------------------------------------------------- finding 9
def test_the_same_image_gets_the_same_label_from_generator_and_loader(tmp_path):
    images, labels, names = make_hands(9, 32, seed=3)
    assert names == CLASSES == ("paper", "rock", "scissors")
    loaded, loaded_labels, loaded_names = load_folder(write_folder(tmp_path / "h", 9, 32, seed=3), 32)
    assert loaded_names == names
    for img, lab in zip(loaded, loaded_labels):
        match = [i for i in range(9) if np.array_equal(images[i], img)]
        assert len(match) == 1 and labels[match[0]] == lab
    # an explicit order is honoured, and still names the same images
    again, relabelled, order = load_folder(tmp_path / "h", 32, classes=["scissors", "rock", "paper"])
    assert order == ("scissors", "rock", "paper")
    for img, lab in zip(again, relabelled):
        i = next(i for i in range(9) if np.array_equal(images[i], img))
        assert order[lab] == names[labels[i]]  # another integer, the same class name


# ----------------------------------------------------------------------------- finding 10
def test_write_folder_expands_the_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    root = write_folder("~/hands", 3, 32)
    assert root == tmp_path / "home" / "hands" and (root / "paper" / "0000.png").exists()
    assert not (tmp_path / "~").exists()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_write_folder_removes_leftovers_of_killed_writers_only(tmp_path):
    dead = tmp_path / f".hands.writing-{_dead_pid()}-x7"
    (dead / "paper").mkdir(parents=True)
    (dead / "paper" / "0000.png").write_bytes(b"half")
    live = tmp_path / f".hands.writing-{os.getpid()}-y8"  # a writer that still runs
    live.mkdir()
    other = tmp_path / ".other.writing-1-z9"  # another dataset's: not ours to judge
    other.mkdir()
    write_folder(tmp_path / "hands", 3, 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "hands"])


def test_a_killed_write_folder_is_cleaned_by_the_next_call(tmp_path):
    code = ("import signal, os, cv2; from course_utils.data import handpose\n"
            "real = cv2.imwrite\n"
            "def imwrite(p, img, n=[0]):\n"
            "    n[0] += 1\n"
            "    if n[0] == 3: os.kill(os.getpid(), signal.SIGKILL)\n"
            "    return real(p, img)\n"
            "handpose.cv2.imwrite = imwrite\n"
            f"handpose.write_folder({str(tmp_path / 'hands')!r}, 6, 32)\n")
    proc = subprocess.run([sys.executable, "-c", code], timeout=60, capture_output=True)
    assert proc.returncode == -9
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".hands.writing-")
    write_folder(tmp_path / "hands", 3, 32)
    assert [p.name for p in tmp_path.iterdir()] == ["hands"]


# ----------------------------------------------------------------------------- finding 11
def test_decompression_bomb_is_skipped_with_a_warning(tmp_path, monkeypatch):
    _images(tmp_path / "d" / "rock", n=1)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "d" / "rock" / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 64x64 = 4096 > 2 x 1000: a "bomb"
    with pytest.warns(UserWarning, match=r"skipped 1 file\(s\).*big\.png \(DecompressionBombError\)"):
        images, _, _ = load_folder(tmp_path / "d", 8)
    assert len(images) == 1


def test_nothing_readable_is_a_clear_error_listing_the_files(tmp_path):
    (tmp_path / "d" / "rock").mkdir(parents=True)
    (tmp_path / "d" / "rock" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"rock has no readable images.*unreadable: .*a\.png"):
            load_folder(tmp_path / "d", 8)


# ----------------------------------------------------------------------------- finding 12
def test_sixteen_bit_is_scaled_by_the_full_range_not_the_image_maximum(tmp_path):
    values = np.array([[0, 200, 300, 257 * 100], [65535, 257, 128, 1000]], np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")
    with Image.open(tmp_path / "g16.png") as im:
        assert im.mode.startswith("I")  # really a 16-bit file
    got = read_image(tmp_path / "g16.png")
    assert np.array_equal(got[..., 0], [[0, 1, 1, 100], [255, 1, 0, 4]])
    assert (got[..., 0] == got[..., 2]).all()
    dark = np.array([[200, 300]], np.uint16)  # a dark image stays dark
    Image.fromarray(dark).save(tmp_path / "dark.png")
    assert read_image(tmp_path / "dark.png")[..., 0].tolist() == [[1, 1]]
