"""The procedural hand-pose generator: determinism, balance, shapes, validation. (That the task
is learnable by a small CNN, not by a linear model, and shifts with the background is asserted
by the control run of lesson 06's experiment, tests/test_augment_experiment.py.)"""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.data import handpose
from course_utils.data.handpose import BACKGROUNDS, CLASSES, make_hands, write_folder


def test_same_seed_gives_identical_bytes_and_other_seed_differs():
    a, la, _ = make_hands(9, 48, "plain", seed=3)
    b, lb, _ = make_hands(9, 48, "plain", seed=3)
    c, lc, _ = make_hands(9, 48, "plain", seed=4)
    assert a.tobytes() == b.tobytes() and np.array_equal(la, lb)
    assert a.tobytes() != c.tobytes()


def test_progress_bar_does_not_change_the_images(capsys):
    a, _, _ = make_hands(5, 32, "color", seed=9, progress=True)
    b, _, _ = make_hands(5, 32, "color", seed=9, progress=False)
    assert np.array_equal(a, b) and "hands 32x32 color" in capsys.readouterr().err


def test_no_global_random_state_used():
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    make_hands(3, 32, "photo", seed=0)
    assert np.random.random() == before


@pytest.mark.parametrize("n", [1, 2, 3, 10, 31, 300])
def test_classes_are_balanced(n):
    _, labels, names = make_hands(n, 32, "color", seed=n)
    counts = np.bincount(labels, minlength=3)
    assert names == CLASSES == ("paper", "rock", "scissors")
    assert counts.sum() == n and counts.max() - counts.min() <= 1
    assert set(np.unique(labels)) <= {0, 1, 2}


@pytest.mark.parametrize("size", [32, 33, 64, 100, 224])
@pytest.mark.parametrize("background", BACKGROUNDS)
def test_shapes_and_dtypes(size, background):
    images, labels, _ = make_hands(4, size, background, seed=1)
    assert images.shape == (4, size, size, 3) and images.dtype == np.uint8
    assert labels.shape == (4,) and labels.dtype == np.int64
    assert images.std() > 5  # not a blank canvas


def test_images_contain_a_hand_on_the_background():
    """Skin-coloured pixels differ from the plain background; every image has some."""
    images, _, _ = make_hands(30, 64, "plain", seed=0)
    # the plain background is near-neutral; skin is warm: red clearly above blue
    warm = (images[..., 0].astype(int) - images[..., 2].astype(int)) > 20
    share = warm.reshape(30, -1).mean(1)
    assert (share > 0.03).all() and (share < 0.6).all()


def test_classes_differ_in_silhouette_area():
    """An open palm covers more of the picture than a fist (scissors in between)."""
    images, labels, _ = make_hands(300, 64, "plain", seed=5)
    warm = ((images[..., 0].astype(int) - images[..., 2].astype(int)) > 20).reshape(300, -1).mean(1)
    paper, rock, scissors = (warm[labels == k].mean() for k in range(3))
    assert rock < scissors < paper


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "positive int"),
    ({"n": -3}, "positive int"),
    ({"n": 2.5}, "positive int"),
    ({"n": 3, "size": 31}, "size must be an int >= 32"),
    ({"n": 3, "size": 64.0}, "size must be an int"),
    ({"n": 3, "background": "beach"}, r"unknown background 'beach'; expected one of \('plain', 'color', 'texture', 'photo'\)"),
])
def test_validation_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_hands(**kwargs)


def test_write_folder_layout(tmp_path):
    import cv2

    root = write_folder(tmp_path / "hands", 10, size=40, background="texture", seed=2)
    assert root == tmp_path / "hands"
    assert sorted(p.name for p in root.iterdir()) == ["paper", "rock", "scissors"]
    counts = {c: len(list((root / c).glob("*.png"))) for c in CLASSES}
    assert counts == {"paper": 4, "rock": 3, "scissors": 3}
    assert (root / "paper" / "0000.png").exists() and (root / "paper" / "0003.png").exists()
    images, labels, _ = make_hands(10, 40, "texture", seed=2)
    first_paper = images[labels == 0][0]
    assert np.array_equal(cv2.imread(str(root / "paper" / "0000.png"))[..., ::-1], first_paper)
    # nothing but the dataset was left next to it (no temporary folder)
    assert [p.name for p in tmp_path.iterdir()] == ["hands"]


def test_write_folder_refuses_existing_and_bad_args(tmp_path):
    (tmp_path / "exists").mkdir()
    with pytest.raises(ValueError, match="already exists"):
        write_folder(tmp_path / "exists", 3)
    with pytest.raises(ValueError, match="unknown background"):
        write_folder(tmp_path / "new", 3, background="nope")
    assert not (tmp_path / "new").exists()


def test_write_folder_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    import cv2

    calls = []

    def failing_imwrite(path, img):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return cv2.imencode(".png", img)[0]

    monkeypatch.setattr(handpose.cv2, "imwrite", failing_imwrite)
    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path / "hands", 6, size=32)
    assert list(tmp_path.iterdir()) == []
