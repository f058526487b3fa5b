"""course_utils.classical.detect: boxes, NMS, pyramid, and the HOG+SVM face detector on the astronaut."""
import numpy as np
import pytest

from course_utils.classical import detect
from course_utils.data import bundled
from course_utils.classical.haar import opencv_detect


def nms_reference(boxes, scores, threshold):
    """Brute force, written differently: visit boxes best first, keep one if it overlaps no
    kept box by more than the threshold (IoU computed pairwise in pure Python)."""
    def iou(a, b):
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = w * h
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union if union > 0 else 0.0

    kept = []
    for i in sorted(range(len(scores)), key=lambda i: (-scores[i], i)):
        if all(iou(boxes[i], boxes[k]) <= threshold for k in kept):
            kept.append(i)
    return kept


def test_iou_by_hand():
    assert detect.iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)
    assert detect.iou([0, 0, 10, 10], [10, 10, 20, 20]) == 0.0
    assert detect.iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0


def test_nms_by_hand():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]]
    scores = [0.9, 0.95, 0.5, 0.1]
    # box 1 is best; box 0 overlaps it (IoU 81/119 = 0.68) and goes; so does box 3 (IoU 72/118)
    assert detect.nms(boxes, scores, 0.5).tolist() == [1, 2]
    assert detect.nms(boxes, scores, 0.9).tolist() == [1, 0, 2, 3]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.7])
def test_nms_equals_brute_force(seed, threshold):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (60, 2))
    wh = rng.uniform(5, 40, (60, 2))
    boxes = np.c_[xy, xy + wh]
    scores = rng.random(60)
    assert detect.nms(boxes, scores, threshold).tolist() == nms_reference(boxes, scores, threshold)


def test_pyramid_and_windows():
    image = np.zeros((100, 60))
    levels = list(detect.pyramid(image, scale=2.0, min_size=(25, 25)))
    assert [lvl.shape for _, lvl in levels] == [(100, 60), (50, 30)]
    positions, windows = detect.sliding_windows(np.arange(100.0).reshape(10, 10), (4, 4), step=3)
    assert positions.tolist() == [[0, 0], [0, 3], [0, 6], [3, 0], [3, 3], [3, 6], [6, 0], [6, 3], [6, 6]]
    assert windows[4, 0, 0] == 33 and windows.shape == (9, 4, 4)


@pytest.fixture(scope="module")
def detector():
    return detect.HogFaceDetector().fit()


@pytest.mark.slow
def test_detector_finds_the_astronauts_face(detector):
    astronaut = bundled.photo("astronaut")
    haar_box = opencv_detect(astronaut, "frontalface_default", 1.1, 5)
    assert len(haar_box) == 1
    boxes, scores = detector.detect(astronaut, min_face=64)
    ious = detect.iou_matrix(boxes, haar_box)[:, 0]
    assert (ious >= 0.5).sum() == 1  # the face, found once
    assert len(boxes) <= 2  # measured: the face and one window on the mission patch
    box = boxes[np.argmax(ious)]
    assert 150 <= box[0] <= 200 and 50 <= box[1] <= 100  # x0 ~ 163, y0 ~ 70


def test_detector_on_unseen_face_free_photos(detector):
    false_positives = sum(len(detector.detect(bundled.photo(name), min_face=64)[0])
                          for name in detect.HELD_OUT)
    assert false_positives == 0  # measured: 0 (and a regression to even one should be noticed)


def test_detector_scores_are_the_dot_products_of_window_descriptors(detector):
    from numpy.lib.stride_tricks import sliding_window_view

    level = detect.to_gray(bundled.photo("coffee"))[:120, :150]
    scores = detector.score_level(level)
    k = detector._window_blocks()
    blocks = detector._level_blocks(level)
    view = np.moveaxis(sliding_window_view(blocks, (k, k), axis=(0, 1)), (5, 6), (2, 3))
    direct = detector.svm_.decision_function(view.reshape(-1, view[0, 0].size))
    np.testing.assert_allclose(scores.ravel(), direct, atol=1e-10)


def test_opencv_people_detector_on_the_astronaut():
    astronaut = bundled.photo("astronaut")
    boxes, weights = detect.opencv_people(astronaut)
    # measured (OpenCV 4.14): exactly one window, (319, 343, 392, 489), weight 0.72, in the
    # lower right of the photo; 73x146 is a 64x128 window at a pyramid level of scale ~1.14
    assert boxes.shape == (1, 4) and weights.shape == (1,)
    x0, y0, x1, y1 = boxes[0]
    assert 0 <= x0 < x1 <= astronaut.shape[1] and 0 <= y0 < y1 <= astronaut.shape[0]
    np.testing.assert_allclose(boxes[0], [319, 343, 392, 489], atol=8)
    assert (y1 - y0) / (x1 - x0) == pytest.approx(2.0, abs=0.02)  # the window's 1:2 shape
    assert 0.3 < weights[0] < 1.5
    # the same image in gray: a detector of shapes, not colours, still finds a window there
    gray_boxes, _ = detect.opencv_people((detect.to_gray(astronaut) * 255).astype(np.uint8))
    assert len(gray_boxes) >= 1 and detect.iou_matrix(gray_boxes, boxes).max() > 0.5
    # a face-free photo: nothing
    assert len(detect.opencv_people(bundled.photo("coffee"))[0]) == 0
