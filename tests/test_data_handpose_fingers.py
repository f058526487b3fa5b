"""Which fingers each pose raises, measured in the drawn pixels, and the true hand masks."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from course_utils.data import handdraw
from course_utils.data.handpose import CLASSES, EXTENDED, FINGERS, make_hands, upright_pose

# The rules of the game, written out independently of the generator.
RAISED = {"paper": {"thumb", "index", "middle", "ring", "little"},
          "rock": set(),
          "scissors": {"index", "middle"}}


def raised_in_pixels(pose: str, seed: int) -> set[str]:
    """Fingers whose probe region (3x3 pixels where the extended finger lies) is all hand;
    a probe that is partly covered is a drawing error, reported as such."""
    mask, probes = upright_pose(pose, size=256, seed=seed)
    out = set()
    for finger, (r, c) in probes.items():
        patch = mask[r - 1:r + 2, c - 1:c + 2]
        assert patch.all() or not patch.any(), f"{pose} seed {seed}: {finger} half covered"
        if patch.all():
            out.add(finger)
    return out


def test_the_pose_table_is_the_game():
    assert FINGERS == ("thumb", "index", "middle", "ring", "little")
    assert {p: set(f) for p, f in EXTENDED.items()} == RAISED
    assert set(EXTENDED) == set(CLASSES)


@pytest.mark.parametrize("pose", sorted(RAISED))
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_drawn_pose_raises_exactly_its_fingers(pose, seed):
    assert raised_in_pixels(pose, seed) == RAISED[pose]


def test_the_measurement_notices_swapped_fingers(monkeypatch):
    """Drawing scissors with ring and little raised must fail the check above."""
    monkeypatch.setitem(handdraw.EXTENDED, "scissors", ("ring", "little"))
    assert raised_in_pixels("scissors", 0) == {"ring", "little"}


def test_upright_pose_validates_its_pose():
    with pytest.raises(ValueError, match=r"unknown pose 'lizard'; expected one of \['paper', 'rock', 'scissors'\]"):
        upright_pose("lizard")


def test_masks_are_the_hand_and_deterministic():
    images, labels, names, masks = make_hands(12, 64, "plain", seed=4, return_masks=True)
    plain, plain_labels, _ = make_hands(12, 64, "plain", seed=4)
    assert np.array_equal(images, plain) and np.array_equal(labels, plain_labels)  # unchanged
    again = make_hands(12, 64, "plain", seed=4, return_masks=True)[3]
    assert masks.dtype == bool and masks.shape == (12, 64, 64) and np.array_equal(masks, again)
    # on the near-neutral plain background, skin is warm (red well above blue); beyond a
    # 2-pixel ring around the mask (blurred edges) the background is not
    warm = (images[..., 0].astype(int) - images[..., 2].astype(int)) > 20
    for k in range(12):
        far = ~cv2.dilate(masks[k].astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        inside, outside = warm[k][masks[k]].mean(), warm[k][far].mean()
        assert 0.03 < masks[k].mean() < 0.6
        assert inside > 0.8 and outside < 0.06, (k, inside, outside)
    # the open palm covers more than the fist, per pose, in the masks too
    area = masks.reshape(12, -1).mean(1)
    assert area[labels == CLASSES.index("paper")].mean() > area[labels == CLASSES.index("rock")].mean()
