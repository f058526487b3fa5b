"""Scenes with boxes (course_utils.data.scenes): exact ground truth, splits, determinism, bad input."""
import numpy as np
import pytest

from course_utils.data.bundled import PHOTOS, TEXTURES
from course_utils.data.handpose import BACKGROUNDS
from course_utils.data.scenes import BACKGROUND_SPLIT, make_scenes


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(24, size=128, seed=3)


def test_shapes_and_types(scenes):
    assert scenes.images.shape == (24, 128, 128, 3) and scenes.images.dtype == np.uint8
    assert len(scenes.boxes) == len(scenes.labels) == len(scenes.kinds) == 24
    for b, lab in zip(scenes.boxes, scenes.labels):
        assert b.dtype == np.float32 and b.shape == (len(lab), 4) and lab.dtype == np.int64
        assert len(lab) <= 3 and set(lab.tolist()) <= {0, 1, 2}


def test_every_count_of_hands_and_every_background_kind_appear(scenes):
    assert {len(b) for b in scenes.boxes} == {0, 1, 2, 3}
    assert scenes.kinds[:4] == BACKGROUNDS and set(scenes.kinds) == set(BACKGROUNDS)


def test_boxes_are_inside_the_image_positive_and_disjoint(scenes):
    for b in scenes.boxes:
        assert (b[:, 0] >= 0).all() and (b[:, 1] >= 0).all() and (b[:, 2:] <= 128).all()
        assert (b[:, 2] > b[:, 0]).all() and (b[:, 3] > b[:, 1]).all()
        for i in range(len(b)):
            for j in range(i + 1, len(b)):
                inter_w = min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0])
                inter_h = min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1])
                assert inter_w <= 0 or inter_h <= 0


def test_boxes_are_tight_around_the_drawn_hand():
    # the same seed without hands gives the same background (it is drawn first): the pixels
    # that changed are the hand's, and their bounding box is exactly the ground-truth box
    checked = 0
    for seed in range(6):
        s = make_scenes(1, size=96, seed=seed, max_hands=1, hand_sizes=(48, 48), backgrounds=("color",))
        ref = make_scenes(1, size=96, seed=seed, max_hands=0, hand_sizes=(48, 48), backgrounds=("color",))
        changed = (s.images[0] != ref.images[0]).any(axis=2)
        if not len(s.boxes[0]):
            assert not changed.any()
            continue
        rows, cols = np.nonzero(changed)
        assert tuple(s.boxes[0][0]) == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
        checked += 1
    assert checked >= 3


def test_same_seed_same_scenes_different_seed_different():
    a, b = make_scenes(6, size=96, seed=1), make_scenes(6, size=96, seed=1)
    c = make_scenes(6, size=96, seed=2)
    assert np.array_equal(a.images, b.images)
    assert all(np.array_equal(x, y) for x, y in zip(a.boxes, b.boxes))
    assert not np.array_equal(a.images, c.images)


def test_train_and_test_backgrounds_are_disjoint_and_cover_everything():
    for kind, names in (("texture", TEXTURES), ("photo", PHOTOS)):
        train, test = set(BACKGROUND_SPLIT["train"][kind]), set(BACKGROUND_SPLIT["test"][kind])
        assert not train & test and train | test == set(names)


def test_hand_sizes_bound_the_boxes():
    s = make_scenes(12, size=160, seed=0, hand_sizes=(40, 50))
    sides = np.concatenate([np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) for b in s.boxes])
    assert len(sides) and (sides <= 50).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "positive"), ({"n": 2.5}, "int"), ({"split": "val"}, "split"),
    ({"max_hands": 4}, "max_hands"), ({"hand_sizes": (20, 40)}, "hand_sizes"),
    ({"hand_sizes": (60, 40)}, "hand_sizes"), ({"hand_sizes": 40}, "hand_sizes"),
    ({"size": 50}, "size"), ({"backgrounds": ("snow",)}, "backgrounds"), ({"backgrounds": ()}, "backgrounds"),
    ({"seed": -1}, "seed"),
])
def test_bad_input_gets_a_clear_error(kwargs, match):
    args = {"n": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_scenes(**args)
