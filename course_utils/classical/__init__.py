"""Classical detection (lessons 01 and 02): HOG, Haar features and cascades, sliding windows.

* :mod:`.hog`      gradients, cell histograms, block normalisation (equal to scikit-image);
* :mod:`.haar`     Haar-like features and OpenCV's cascades, over :mod:`.integral` (integral
  images, window statistics) and :mod:`.boost` (AdaBoost stumps, the attentional cascade);
* :mod:`.detect`   the HOG+SVM face detector and OpenCV's people detector, over
  :mod:`.windows` (boxes, IoU, non-maximum suppression, pyramids, sliding windows).

Depends on :mod:`course_utils.data` (bundled images) only.
"""
