"""datasets/README.md has a datasheet (Gebru et al. 2021) for every dataset in the registry, and
what the generated hands' datasheet says about the generator and its measurements is true."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import ROOT

README = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
REGISTRY = json.loads((ROOT / "course_utils" / "data" / "registry.json").read_text())["datasets"]
SECTIONS = ("Motivation", "Composition", "Uses", "Distribution and licence", "Maintenance")


def _datasheet(name: str) -> str:
    """The text of the datasheet whose heading names ``name`` (up to the next heading)."""
    match = re.search(rf"^### Datasheet: [^\n]*`{re.escape(name)}`[^\n]*\n(.*?)(?=^#{{2,3}} |\Z)",
                      README, re.M | re.S)
    assert match, f"datasets/README.md has no '### Datasheet: ... `{name}`' section"
    return match.group(1)


@pytest.mark.parametrize("name", [d["name"] for d in REGISTRY])
def test_every_registered_dataset_has_a_datasheet(name):
    text = _datasheet(name)
    for section in SECTIONS + ("Collection" if name != "handpose" else "Generation", "Preprocessing"):
        assert f"**{section}" in text, f"{name}: no **{section}** in its datasheet"


def test_the_hand_datasheet_gives_the_generators_parameters_and_seeds():
    from course_utils.data import handpose

    text = _datasheet("handpose")
    tones = handpose.SKIN_TONES.astype(int).tolist()
    assert f"{len(tones)} sRGB anchors from {tuple(tones[0])} to {tuple(tones[-1])}" in text
    for background in handpose.BACKGROUNDS:
        assert f"`{background}`" in text
    assert "**What it does not represent**" in text and "**occlusion**" in text
    for seed in ("seed=42", "SEED = 0", "1000 * seed + i", "seed * 100 + i", "seed * 100003 + draw"):
        assert seed in text, seed


def test_the_hand_datasheet_measurements_hold():
    """Re-measured on 300 plain hands (seed 0, 64 px; the datasheet used 600 per background):
    the hand is one region that touches the border, covers 10-24% (median 18%), and the
    background's luminance lies in 195-241."""
    import cv2

    from course_utils.data.handpose import make_hands

    x, _, _, masks = make_hands(300, 64, "plain", seed=0, return_masks=True)
    assert all(cv2.connectedComponents(m.astype(np.uint8))[0] == 2 for m in masks)  # background + hand
    assert all(m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any() for m in masks)
    area = masks.reshape(len(masks), -1).mean(axis=1)
    assert 0.16 <= np.median(area) <= 0.20 and np.percentile(area, 5) >= 0.08 and np.percentile(area, 95) <= 0.26
    lum = np.array([0.2126, 0.7152, 0.0722])
    background = np.array([(img[~m].astype(float) @ lum).mean() for img, m in zip(x, masks)])
    assert np.percentile(background, 5) >= 190 and np.percentile(background, 95) <= 246
    text = _datasheet("handpose")
    assert "every mask is **one** connected\n  region that touches the image border" in text
