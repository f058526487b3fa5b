"""Lesson 09's detection pieces: boxes, anchors, matching, NMS, loss, model shapes, bad input."""
import numpy as np
import pytest

from course_utils.classical.windows import iou_matrix as classical_iou
from course_utils.detection import decode, encode, iou_matrix, match, nms, ssd_anchors, targets
from course_utils.detection.boxes import check_boxes


def test_iou_agrees_with_lesson_01():
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 100, (7, 2, 2)), axis=1).transpose(0, 2, 1).reshape(7, 4)[:, [0, 2, 1, 3]]
    b = np.sort(rng.uniform(0, 100, (5, 2, 2)), axis=1).transpose(0, 2, 1).reshape(5, 4)[:, [0, 2, 1, 3]]
    np.testing.assert_allclose(iou_matrix(a, b), classical_iou(a, b), rtol=1e-12)
    assert iou_matrix([[0, 0, 2, 2]], [[1, 1, 3, 3]])[0, 0] == pytest.approx(1 / 7)


def test_encode_decode_round_trip():
    rng = np.random.default_rng(1)
    anchors = ssd_anchors((4, 2, 1))
    boxes = anchors + rng.uniform(-0.02, 0.02, anchors.shape)
    np.testing.assert_allclose(decode(encode(boxes, anchors), anchors), boxes, atol=1e-12)


def test_anchor_layout_matches_the_tf_api_at_320():
    a = ssd_anchors((20, 10, 5, 3, 2, 1))
    assert a.shape == (20 * 20 * 3 + (100 + 25 + 9 + 4 + 1) * 6, 4) == (2034, 4)
    # first cell of the finest map: a 0.1 square and the two 0.2 boxes of ratio 2 and 1/2
    w, h = a[:3, 2] - a[:3, 0], a[:3, 3] - a[:3, 1]
    np.testing.assert_allclose(w, [0.1, 0.2 * 2 ** 0.5, 0.2 / 2 ** 0.5])
    np.testing.assert_allclose(h, [0.1, 0.2 / 2 ** 0.5, 0.2 * 2 ** 0.5])
    np.testing.assert_allclose((a[0, :2] + a[0, 2:]) / 2, [0.025, 0.025])
    # the last map's interpolated square: sqrt(0.95 * 1.0)
    assert a[-1, 2] - a[-1, 0] == pytest.approx(0.95 ** 0.5)


def test_match_by_threshold_and_force_match():
    anchors = np.array([[0, 0, 10, 10], [0, 0, 11, 10], [50, 50, 60, 60], [80, 80, 90, 90]], float)
    boxes = np.array([[0, 0, 10, 10], [52, 52, 70, 70]], float)   # the second overlaps anchor 2 by < 0.5
    classes, index = match(anchors, boxes, [2, 0])
    assert index.tolist() == [0, 0, 1, -1] and classes.tolist() == [3, 3, 1, 0]
    c, codes = targets(anchors, boxes, [2, 0])
    assert (codes[3] == 0).all() and np.allclose(codes[0], 0)


def test_match_with_no_boxes_is_all_background():
    classes, index = match(ssd_anchors((2,)), np.zeros((0, 4)), [])
    assert (classes == 0).all() and (index == -1).all()


def test_nms_agrees_with_torchvision():
    torch = pytest.importorskip("torch")
    from torchvision.ops import nms as tv_nms

    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 80, (60, 2))
    boxes = np.c_[xy, xy + rng.uniform(5, 30, (60, 2))]
    scores = rng.random(60)
    for t in (0.3, 0.5, 0.7):
        assert nms(boxes, scores, t).tolist() == tv_nms(torch.tensor(boxes), torch.tensor(scores), t).tolist()


@pytest.mark.parametrize("boxes, match_", [
    ([[0, 0, 0, 5]], "zero or negative area"), ([[5, 5, 2, 8]], "zero or negative area"),
    ([[0, np.nan, 3, 3]], "NaN"), ([[0, 0, 3]], "shape"),
])
def test_bad_boxes_get_clear_errors(boxes, match_):
    with pytest.raises(ValueError, match=match_):
        check_boxes(boxes)
    with pytest.raises(ValueError, match=match_):
        nms(boxes, [1.0] * len(boxes))


def test_boxes_outside_the_image_and_nan_scores_are_refused():
    with pytest.raises(ValueError, match="outside"):
        check_boxes([[-1, 0, 5, 5]], image_size=10)
    with pytest.raises(ValueError, match="outside"):
        check_boxes([[0, 0, 5, 11]], image_size=10)
    with pytest.raises(ValueError, match="NaN"):
        nms([[0, 0, 1, 1], [0, 0, 2, 2]], [0.5, np.nan])
    with pytest.raises(ValueError, match="one value per box"):
        nms([[0, 0, 1, 1]], [0.5, 0.2])
    with pytest.raises(ValueError, match="one label per box"):
        match(ssd_anchors((2,)), [[0, 0, 1, 1]], [])


def test_loss_mines_three_negatives_per_positive():
    torch = pytest.importorskip("torch")
    from course_utils.detection.loss import ssd_loss

    n_anchors = 20
    target_classes = torch.zeros(1, n_anchors, dtype=torch.long)
    target_classes[0, 0] = 1
    logits = torch.zeros(1, n_anchors, 3)
    logits[0, 1:5, 2] = 5.0            # four confident false positives: the 3 hardest count
    logits[0, 1, 2] = 9.0
    codes, target_codes = torch.zeros(1, n_anchors, 4), torch.zeros(1, n_anchors, 4)
    target_codes[0, 0] = torch.tensor([1.0, 0, 0, 3.0])
    loss, box, cls = ssd_loss(codes, logits, target_codes, target_classes)
    ce = torch.nn.functional.cross_entropy
    hard = [ce(logits[0, i:i + 1], torch.tensor([0])) for i in (1, 2, 3)]
    expected_cls = ce(logits[0, :1], torch.tensor([1])) + sum(hard)
    assert cls.item() == pytest.approx(expected_cls.item(), rel=1e-6)
    assert box.item() == pytest.approx(0.5 + 2.5)   # smooth-L1: 0.5 x^2 below 1, |x| - 0.5 above
    assert loss.item() == pytest.approx(box.item() + cls.item())


@pytest.mark.parametrize("backbone", ["mobilenet_v2", "mobilenet_v1"])
def test_model_outputs_one_row_per_anchor(backbone):
    torch = pytest.importorskip("torch")
    from course_utils.detection.ssdlite import ssdlite

    model = ssdlite(backbone, alpha=0.35 if backbone == "mobilenet_v2" else 0.25, num_classes=3).eval()
    sizes = model.feature_sizes(128)
    assert sizes == (8, 4, 2, 1, 1, 1)
    codes, logits = model(torch.zeros(2, 3, 128, 128))
    assert codes.shape == (2, len(ssd_anchors(sizes)), 4) and logits.shape == (2, len(ssd_anchors(sizes)), 4)


def test_bad_model_arguments():
    pytest.importorskip("torch")
    from course_utils.detection.ssdlite import ssdlite

    with pytest.raises(ValueError, match="backbone"):
        ssdlite("resnet")
    with pytest.raises(ValueError, match="num_classes"):
        ssdlite(num_classes=0)
    with pytest.raises(ValueError, match="anchor count"):
        ssdlite(anchors=(3, 6))
    with pytest.raises(ValueError, match="stride-8"):
        ssdlite("mobilenet_v1", stride8=True)


def test_the_lessons_small_model():
    pytest.importorskip("torch")
    from course_utils.cost import count_macs, count_params
    from course_utils.detection import train

    model, anchors = train.build()
    assert model.feature_sizes(128) == (16, 8, 4, 2) and anchors.shape == (2040, 4)
    assert (count_macs(model, (3, 128, 128)), count_params(model)) == (23_667_240, 552_234)


def test_the_pretrained_course_backbone_variant_is_frozen_in_training():
    torch = pytest.importorskip("torch")
    from course_utils.cost import count_macs, count_params
    from course_utils.data.scenes import make_scenes
    from course_utils.detection import train
    from course_utils.transfer.torch_classifier import torch_course_backbone

    model, anchors = train.build(train.COURSE)
    assert model.feature_sizes(128) == (16, 8, 4, 2) and anchors.shape == (2040, 4)
    assert (count_macs(model, (3, 128, 128)), count_params(model)) == (247_529_984, 580_640)
    scenes = make_scenes(8, size=128, seed=0)
    result = train.fit(scenes, train.COURSE, epochs=1)
    pretrained = torch_course_backbone()
    trained = dict(result["model"].stages.named_parameters())
    assert torch.equal(trained["0.0.weight"], pretrained[0].weight)   # the backbone did not move
    assert all(np.isfinite(result["losses"]))
