"""Small and fast detection (lesson 09): SSDLite on MobileNet, against HOG + SVM, on hand scenes.

* :mod:`.boxes`   IoU, the SSD box code (encode/decode), greedy NMS, input checks (NumPy);
* :mod:`.anchors` SSD default boxes as the TF Object Detection API lays them out;
* :mod:`.match`   anchors to ground truth (IoU >= 0.5, plus each box's best anchor);
* :mod:`.loss`    smooth-L1 + cross-entropy with 3:1 hard-negative mining (PyTorch);
* :mod:`.ssdlite` the SSDLite model (MobileNet v1/v2 cut at strides 16 and 32, extra layers,
  separable heads) in PyTorch;
* :mod:`.tables`  MobileNets Table 8 and MobileNetV2 Table 5 computed from built models;
* :mod:`.train`   training and inference of a small SSDLite on :mod:`course_utils.data.scenes`;
* :mod:`.evaluate` COCO mAP with pycocotools, and AP by hand to check it;
* :mod:`.hog_baseline` lesson 01's HOG + linear SVM sliding window, retrained for hands;
* :mod:`.onnx_detect` the exported SSDLite through onnxruntime, and int8 against float;
* :mod:`.crop`    what the detector buys the game: classify the crop of its box, against the whole frame.

Importing this package imports neither PyTorch nor TensorFlow.
"""
from __future__ import annotations

from .anchors import ssd_anchors
from .boxes import check_boxes, check_scores, decode, encode, iou_matrix, nms
from .match import match, targets

__all__ = ["check_boxes", "check_scores", "decode", "encode", "iou_matrix", "match", "nms",
           "ssd_anchors", "targets"]
