"""Classical detection (lessons 01 and 02): HOG, Haar features and cascades, sliding windows.

* :mod:`.hog`    gradients, cell histograms, block normalisation (equal to scikit-image);
* :mod:`.haar`   integral images, Haar-like features, AdaBoost stumps, the attentional cascade;
* :mod:`.detect` sliding windows, non-maximum suppression, the HOG+SVM face detector and
  OpenCV's people detector.

Depends on :mod:`course_utils.data` (bundled images) only.
"""
