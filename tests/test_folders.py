"""Loading class-per-folder image directories and handing them to Keras and PyTorch."""
from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest
from PIL import Image

from course_utils.data.folders import load_folder, read_image, to_keras_dataset, to_torch_dataset
from course_utils.data.handpose import CLASSES, make_hands, write_folder


@pytest.fixture(scope="module")
def hands_dir(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("data") / "hands", 12, size=48, seed=7)


def _expected(n=12, size=48, seed=7):
    """make_hands' arrays in load_folder's order: by class, then by file number."""
    images, labels, _ = make_hands(n, size, "plain", seed)
    order = np.argsort(labels, kind="stable")
    return images[order], labels[order]


def test_round_trip_equals_the_generated_arrays(hands_dir):
    images, labels, names = load_folder(hands_dir, size=48)
    exp_images, exp_labels = _expected()
    # folders sorted by name are the generator's own class order: labels need no remapping
    assert names == CLASSES == ("paper", "rock", "scissors")
    assert images.dtype == np.uint8 and labels.dtype == np.int64
    assert np.array_equal(labels, exp_labels)
    assert np.array_equal(images, exp_images)


def test_classes_argument_orders_labels_and_size_resizes(hands_dir):
    order = ["rock", "paper", "scissors"]
    images, labels, names = load_folder(hands_dir, size=(32, 40), classes=order)
    exp_images, exp_labels = _expected()
    remap = np.array([order.index(c) for c in CLASSES])  # generator label -> this order
    by_new = np.argsort(remap[exp_labels], kind="stable")
    assert names == tuple(order) and images.shape == (12, 32, 40, 3)
    assert np.array_equal(labels, remap[exp_labels][by_new])
    resized = np.stack([cv2.resize(im, (40, 32), interpolation=cv2.INTER_AREA) for im in exp_images])
    assert np.array_equal(images, resized[by_new])
    only, lab, names = load_folder(hands_dir, 48, classes=["scissors"])
    assert names == ("scissors",) and len(only) == 4 and set(lab) == {0}


def test_wrapper_folder_is_looked_through(tmp_path):
    inner = write_folder(tmp_path / "rps" / "rps", 6, size=32, seed=1)
    a, la, na = load_folder(tmp_path / "rps", 32)
    b, lb, nb = load_folder(inner, 32)
    assert na == nb == ("paper", "rock", "scissors")
    assert np.array_equal(a, b) and np.array_equal(la, lb)


def test_missing_and_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_folder(tmp_path / "nope")
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        load_folder(tmp_path / "file.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no class sub-folders"):
        load_folder(tmp_path / "empty")
    (tmp_path / "data" / "rock").mkdir(parents=True)
    (tmp_path / "data" / "paper").mkdir()
    cv2.imwrite(str(tmp_path / "data" / "rock" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match=r"class folder .*paper has no readable images"):
        load_folder(tmp_path / "data")
    with pytest.raises(ValueError, match=r"missing \['scissors'\]"):
        load_folder(tmp_path / "data", classes=["rock", "scissors"])
    with pytest.raises(ValueError, match="size must be"):
        load_folder(tmp_path / "data", size=0)


def test_junk_files_skipped_with_a_warning_naming_them(tmp_path):
    root = tmp_path / "data"
    (root / "rock").mkdir(parents=True)
    cv2.imwrite(str(root / "rock" / "a.png"), np.full((8, 8, 3), 9, np.uint8))
    (root / "rock" / "notes.txt").write_text("not an image")
    (root / "rock" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (root / "rock" / ".DS_Store").write_bytes(b"\0\0")  # hidden: ignored silently
    with pytest.warns(UserWarning, match=r"skipped 2 file\(s\).*broken\.jpg.*notes\.txt"):
        images, labels, names = load_folder(root, 8)
    assert images.shape == (1, 8, 8, 3) and names == ("rock",) and (images == 9).all()


def test_grayscale_rgba_and_palette_become_rgb(tmp_path):
    root = tmp_path / "data" / "cls"
    root.mkdir(parents=True)
    gray = (np.arange(64, dtype=np.uint8) * 3).reshape(8, 8)
    Image.fromarray(gray, "L").save(root / "1_gray.png")
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., :3] = (200, 100, 50)
    rgba[..., 3] = 255
    rgba[0, 0, 3] = 0  # one fully transparent pixel: white after compositing
    Image.fromarray(rgba, "RGBA").save(root / "2_rgba.png")
    Image.fromarray(np.full((8, 8, 3), 77, np.uint8)).convert("P", palette=Image.Palette.ADAPTIVE).save(
        root / "3_palette.gif")
    images, _, _ = load_folder(tmp_path / "data", 8)
    assert images.shape == (3, 8, 8, 3)
    assert np.array_equal(images[0], np.repeat(gray[..., None], 3, -1))
    assert (images[1][1:, :] == (200, 100, 50)).all() and (images[1][0, 0] == 255).all()
    assert np.array_equal(read_image(root / "3_palette.gif"), images[2])
    assert (images[2] == 77).all()


def test_keras_and_torch_datasets_hold_the_same_tensors(hands_dir):
    import torch  # torch before TensorFlow (see course_utils.frameworks)
    import tensorflow as tf

    images, labels, _ = load_folder(hands_dir, 48)
    tds = to_torch_dataset(images, labels)
    x0, y0 = tds[0]
    assert len(tds) == 12 and x0.shape == (3, 48, 48) and x0.dtype == torch.float32
    assert y0.dtype == torch.int64
    kds = to_keras_dataset(images, labels, batch_size=5, shuffle=False)
    kx = np.concatenate([x.numpy() for x, _ in kds])
    ky = np.concatenate([y.numpy() for _, y in kds])
    assert kx.dtype == np.float32 and kx.shape == (12, 48, 48, 3) and 0 <= kx.min() and kx.max() <= 1
    tx = torch.stack([tds[i][0] for i in range(12)]).numpy()
    ty = torch.stack([tds[i][1] for i in range(12)]).numpy()
    assert np.array_equal(kx, tx.transpose(0, 2, 3, 1))  # same values, NHWC vs NCHW
    assert np.array_equal(ky, ty) and np.array_equal(ky, labels)
    # shuffled Keras batches: the same multiset of examples, in a seeded order
    sx = np.concatenate([x.numpy() for x, _ in to_keras_dataset(images, labels, 4, True, seed=1)])
    assert not np.array_equal(sx, kx)
    assert np.array_equal(np.sort(sx.reshape(12, -1), 0), np.sort(kx.reshape(12, -1), 0))
    assert isinstance(kds, tf.data.Dataset)


def test_dataset_helpers_validate_inputs():
    with pytest.raises(ValueError, match=r"uint8 \(N, H, W, 3\)"):
        to_torch_dataset(np.zeros((2, 8, 8), np.uint8), np.zeros(2))
    with pytest.raises(ValueError, match="labels must have shape"):
        to_keras_dataset(np.zeros((2, 8, 8, 3), np.uint8), np.zeros(3))
