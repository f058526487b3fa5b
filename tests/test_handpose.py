"""The procedural hand-pose generator: determinism, balance, shapes, validation, and
that the task is learnable by a small CNN but not by a linear model on raw pixels."""
from __future__ import annotations

import time

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


# ------------------------------------------------------------------ learnability
# Measured on the 2-core course machine (seeds below, 1 torch thread, ~20-30 s), with
# the alphabetical class order: CNN 98.3 % on held-out plain backgrounds, linear model
# on raw pixels 50 %, the same CNN on texture 34 % and photo 34 % (chance is 33 %).
# 32 px and 3,000 images keep it a quarter of the 48 px / 4,000 / 14-epoch cost (98.8 %);
# 2,000 images or 8 epochs fell to 94.5-96 %, too close to the 95 % floor.
SIZE, N_TRAIN, EPOCHS = 32, 3000, 10


def _small_cnn(torch):
    def block(i, o):
        return [torch.nn.Conv2d(i, o, 3, padding=1, bias=False), torch.nn.BatchNorm2d(o),
                torch.nn.ReLU(), torch.nn.MaxPool2d(2)]

    return torch.nn.Sequential(*block(3, 16), *block(16, 32), *block(32, 64),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                               torch.nn.Linear(64, 3))


@pytest.mark.slow
def test_learnable_by_a_small_cnn_not_by_a_linear_model_and_shifts_with_background():
    import torch  # torch first, in case another test module imports TensorFlow
    from sklearn.linear_model import RidgeClassifier

    start = time.perf_counter()
    x_train, y_train, _ = make_hands(N_TRAIN, SIZE, "plain", seed=1)
    x_test, y_test, _ = make_hands(600, SIZE, "plain", seed=2)
    x_tex, y_tex, _ = make_hands(300, SIZE, "texture", seed=3)
    x_pho, y_pho, _ = make_hands(300, SIZE, "photo", seed=4)

    def flat(x):
        return x.reshape(len(x), -1).astype(np.float32) / 255

    linear = RidgeClassifier(alpha=100.0).fit(flat(x_train), y_train)
    linear_acc = linear.score(flat(x_test), y_test)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # steady under load on a shared 2-core machine, and deterministic
    try:
        torch.manual_seed(1)
        net = _small_cnn(torch)

        def tensor(x):
            return torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255

        xt, yt = tensor(x_train), torch.from_numpy(y_train)
        batch = 64
        steps = N_TRAIN // batch
        opt = torch.optim.Adam(net.parameters(), 3e-3)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, 5e-3, total_steps=EPOCHS * steps)
        gen = torch.Generator().manual_seed(0)
        for _ in range(EPOCHS):
            net.train()
            perm = torch.randperm(N_TRAIN, generator=gen)
            for b in range(steps):
                idx = perm[b * batch:(b + 1) * batch]
                loss = torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        net.eval()
        with torch.no_grad():
            def acc(x, y):
                return float((net(tensor(x)).argmax(1).numpy() == y).mean())

            plain, texture, photo = acc(x_test, y_test), acc(x_tex, y_tex), acc(x_pho, y_pho)
    finally:
        torch.set_num_threads(threads)
    elapsed = time.perf_counter() - start
    print(f"\nCNN plain {plain:.3f}, linear {linear_acc:.3f}, CNN texture {texture:.3f}, "
          f"CNN photo {photo:.3f} ({elapsed:.0f} s)")
    assert plain >= 0.95, f"small CNN reached only {plain:.1%} on plain backgrounds"
    assert linear_acc <= plain - 0.30, f"linear model too good: {linear_acc:.1%} vs CNN {plain:.1%}"
    assert texture <= plain - 0.20 and photo <= plain - 0.20, (texture, photo, plain)
