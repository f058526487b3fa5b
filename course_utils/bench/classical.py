"""Lessons 01 and 02: HOG, the HOG+SVM face detector, OpenCV's people and face detectors."""
from __future__ import annotations

from ..classical import detect
from ..classical.haar import opencv_detect
from ..classical.hog import hog
from . import Row, benchmark, best_of


@benchmark("hog")
def hog_bench() -> list[Row]:
    """HOG features and the HOG+SVM face detector of notebook 01 on a 640x480 frame."""
    frame = detect.test_frame()
    gray = frame.mean(axis=2) / 255.0
    rows = [("our hog() 640x480, 8px cells, 2x2 blocks",
             1.0 / best_of(lambda: hog(gray, 9, (8, 8), (2, 2)), repeat=3), "frames/s")]
    detector = detect.HogFaceDetector().fit()
    stats = {}
    seconds = best_of(lambda: stats.update(detector.detect(frame, return_stats=True)[2]), repeat=3)
    rows.append(("HOG+SVM face detector 640x480 (all pyramid levels)", 1.0 / seconds, "frames/s"))
    rows.append(("HOG+SVM face detector windows scored", stats["windows"] / seconds, "windows/s"))
    rows.append(("HOG+SVM face detector 640x480, faces >= 64 px",
                 1.0 / best_of(lambda: detector.detect(frame, min_face=64), repeat=3), "frames/s"))
    rows.append(("cv2 HOG people detector 640x480",
                 1.0 / best_of(lambda: detect.opencv_people(frame), repeat=3), "frames/s"))
    return rows


@benchmark("haar")
def haar_bench() -> list[Row]:
    """OpenCV's Viola-Jones face detector on a 640x480 frame."""
    frame = detect.test_frame()
    rows: list[Row] = []
    for min_size in (30, 64):
        seconds = best_of(lambda: opencv_detect(frame, min_size=(min_size, min_size)), repeat=5)
        rows.append((f"cv2 Haar cascade 640x480, scale 1.1, minSize {min_size}", 1 / seconds, "frames/s"))
    return rows
