"""Lesson 09's metric: pycocotools' mAP against AP computed by hand, and bad input."""
import numpy as np
import pytest

pytest.importorskip("pycocotools")

from course_utils.detection.evaluate import average_precision, coco_map  # noqa: E402


def small_case():
    # two images, three hands of one class; five detections, two of them wrong
    gt = [np.array([[10, 10, 50, 50], [60, 60, 100, 90]], float), np.array([[0, 0, 30, 40]], float)]
    dets = [(np.array([[12, 10, 50, 52], [60, 62, 100, 90], [200, 200, 220, 220]], float),
             np.array([0.9, 0.4, 0.8])),
            (np.array([[0, 0, 30, 38], [1, 1, 29, 39]], float), np.array([0.7, 0.6]))]
    return gt, dets


def test_hand_ap_of_a_small_case_by_hand():
    gt, dets = small_case()
    # by score: 0.9 TP, 0.8 FP, 0.7 TP, 0.6 FP (duplicate), 0.4 TP
    # precision 1, 1/2, 2/3, 2/4, 3/5; recall 1/3, 1/3, 2/3, 2/3, 1
    # envelope at recall <= 1/3: 1; <= 2/3: 2/3; <= 1: 3/5 -> 34 x 1 + 33 x 2/3 + 34 x 3/5, over 101
    expected = (34 * 1 + 33 * 2 / 3 + 34 * 3 / 5) / 101
    assert average_precision(dets, gt) == pytest.approx(expected, abs=1e-12)


def test_pycocotools_agrees_with_the_hand_ap():
    gt, dets = small_case()
    labels = [np.zeros(len(g), int) for g in gt]
    full = [(b, s, np.zeros(len(s), int)) for b, s in dets]
    got = coco_map(full, gt, labels, num_classes=1)
    assert got["map50"] == pytest.approx(average_precision(dets, gt, 0.5), abs=1e-9)
    by_hand = np.mean([average_precision(dets, gt, t) for t in np.linspace(0.5, 0.95, 10)])
    assert got["map"] == pytest.approx(by_hand, abs=1e-9)


def test_pycocotools_agrees_on_random_cases():
    rng = np.random.default_rng(0)
    for _ in range(5):
        gt, dets = [], []
        for _ in range(4):
            xy = rng.uniform(0, 100, (3, 2))
            g = np.c_[xy, xy + rng.uniform(10, 40, (3, 2))]
            d = g[rng.integers(0, 3, 5)] + rng.normal(0, 4, (5, 4))
            d[:, 2:] = np.maximum(d[:, 2:], d[:, :2] + 1)
            gt.append(g)
            dets.append((d, rng.random(5)))
        got = coco_map([(b, s, np.zeros(5, int)) for b, s in dets], gt, [np.zeros(3, int)] * 4, 1)
        assert got["map50"] == pytest.approx(average_precision(dets, gt, 0.5), abs=1e-9)


def test_class_aware_and_agnostic():
    gt, dets = small_case()
    labels = [np.array([0, 1]), np.array([0])]
    wrong_class = [(b, s, np.ones(len(s), int)) for b, s in dets]   # everything called class 1
    aware = coco_map(wrong_class, gt, labels, num_classes=2)
    agnostic = coco_map(wrong_class, gt, labels, num_classes=2, agnostic=True)
    assert agnostic["map50"] == pytest.approx(average_precision(dets, gt))
    assert aware["map50"] < agnostic["map50"]


def test_no_detections_and_bad_input():
    gt, _ = small_case()
    empty = [(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))] * 2
    assert coco_map(empty, gt, [np.zeros(2, int), np.zeros(1, int)], 1) == {"map": 0.0, "map50": 0.0}
    with pytest.raises(ValueError, match="NaN"):
        coco_map([(gt[0], np.array([0.5, np.nan]), np.zeros(2, int)), empty[0]], gt, [[0, 0], [0]], 1)
    with pytest.raises(ValueError, match="one entry per image"):
        coco_map(empty[:1], gt, [[0, 0], [0]], 1)
    with pytest.raises(ValueError, match="zero or negative area"):
        average_precision([(np.array([[5, 5, 5, 9]]), np.array([1.0]))], [np.array([[0, 0, 4, 4]])])
