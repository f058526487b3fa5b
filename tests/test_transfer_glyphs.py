"""The course backbone's source task: generated glyphs, deterministic, balanced, and no hands."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.transfer.glyphs import GLYPHS, make_glyphs


def test_glyphs_are_seeded_balanced_and_shaped():
    a, la = make_glyphs(20, 48, seed=3)
    b, lb = make_glyphs(20, 48, seed=3)
    c, _ = make_glyphs(20, 48, seed=4)
    assert a.shape == (20, 48, 48, 3) and a.dtype == np.uint8 and la.dtype == np.int64
    assert np.array_equal(a, b) and np.array_equal(la, lb) and not np.array_equal(a, c)
    counts = np.bincount(la, minlength=len(GLYPHS))
    assert counts.max() - counts.min() <= 1 and counts.sum() == 20
    assert len(GLYPHS) == 8 and not {"paper", "rock", "scissors"} & set(GLYPHS)  # a different task


def test_every_glyph_is_drawn_and_differs_from_its_background():
    images, labels = make_glyphs(64, 64, seed=0)
    assert set(labels.tolist()) == set(range(len(GLYPHS)))
    # a glyph covers part of the image: no image is flat
    assert all(img.std() > 5 for img in images)


@pytest.mark.parametrize("kwargs, message", [({"n": 0}, "n must be a positive int"),
                                             ({"n": 2, "size": 16}, "size must be an int >= 32")])
def test_bad_arguments_say_what_was_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_glyphs(**kwargs)
