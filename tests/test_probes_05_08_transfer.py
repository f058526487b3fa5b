"""Issue 26: the probes of ``probes-05-08.md`` for transfer/ (ids B, F) and torchvision weights.

Bad images (floats in [0, 1], empty batches), bad labels (-1, 7 of 3 classes, fractions, one
class) and incomplete classifier files end in the course's ValueError; ``torchvision_backbone``
obeys ``COURSE_OFFLINE`` and a deadline through the course downloader (tested on 127.0.0.1
only). Parameter ids are the probe ids (see ``tests/PROBES_05_08.md``).
"""
from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest

from course_utils.data.extract import DownloadError
from test_data_download_robust import _SlowServer   # the download tests' 127.0.0.1 servers
from test_download import _Server
from course_utils.transfer import classifier, finetune, heads, strategies, torch_classifier
from course_utils.transfer.finetune import FORMAT, FinetunePlan, finetune_handpose, load_classifier, save_classifier

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
Y = np.arange(6) % 3
TINY = FinetunePlan(size=32, epochs=1, batch=4)


def _ft(**changes):
    args = dict(x=X, y=Y, x_val=X, y_val=Y, plan=TINY, weights=None)
    args.update(changes)
    return lambda: finetune_handpose(args.pop("x"), args.pop("y"), args.pop("x_val"), args.pop("y_val"), **args)


FINETUNE_REFUSED = [
    ("F20", _ft(y=np.array([0, 1, 2, 0, 1, -1])), r"y must be class indices in >= 0"),
    ("F21", _ft(x=X / 255.0), r"x must be uint8 .* \(floats in \[0, 1\]\?"),
    ("F22", _ft(y=np.zeros(6, int)), "at least 2 different classes"),
    ("F23", _ft(plan=FinetunePlan(size=32, epochs=0)), "plan.epochs must be an int >= 1"),
    ("F24", _ft(x=X[:, :8, :8]), "x must be at least 16x16 pixels"),
    ("F25", _ft(y=np.array([0.7, 1.9, 2.0, 0.0, 1.0, 2.0])), "y must be whole class indices"),
    ("F-val", _ft(y_val=np.array([0, 1, 2, 0, 1, 5])), r"y_val must be class indices in 0..2"),
]


@pytest.mark.parametrize("probe, call, message", FINETUNE_REFUSED, ids=[r[0] for r in FINETUNE_REFUSED])
def test_finetune_refuses_before_training(frameworks, probe, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_train_torch_head_probes(frameworks):
    torch, _ = frameworks
    f, yv = torch.randn(6, 4), np.arange(6) % 3
    train = torch_classifier.train_torch_head
    with pytest.raises(ValueError, match="one label per image: 6 images, got 5 labels"):   # F33
        train(f, np.array([0, 1, 2, 0, 1]), f, yv, epochs=2)
    with pytest.raises(ValueError, match="features must be finite"):   # F30
        train(torch.full((6, 4), float("nan")), yv, f, yv, epochs=2)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):   # F31
        train(f, yv, f, yv, epochs=0)
    with pytest.raises(ValueError, match=r"labels must be class indices in 0..2"):   # F32
        train(f, np.array([0, 1, 7, 0, 1, 2]), f, yv, classes=3, epochs=2)
    head, history = train(f, yv, f, yv, epochs=2)
    assert len(history["loss"]) == 2 and head[1].out_features == 3


def test_torch_classifier_image_probes(frameworks):
    model = torch_classifier.handpose_module(torch_classifier.torch_course_cnn(), _linear_head(3))
    with pytest.raises(ValueError, match="at least one image"):   # F28
        torch_classifier.predict_torch(model, np.zeros((0, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="NumPy uint8 array"):   # F29
        torch_classifier.to_nchw([[1, 2]])
    assert torch_classifier.predict_torch(model, X[:2]).shape == (2, 3)


def _linear_head(classes: int):
    from torch import nn

    return nn.Sequential(nn.Dropout(0.2), nn.Linear(256, classes))


def _model(classes: int = 3):
    return torch_classifier.handpose_module(torch_classifier.torch_course_cnn(), _linear_head(classes))


def test_save_and_load_classifier_probes(frameworks, tmp_path):
    torch, _ = frameworks
    path = tmp_path / "c.pt"
    with pytest.raises(ValueError, match="size must be the input size in pixels"):   # F16
        save_classifier(_model(), path, size="big", classes=("a", "b", "c"))
    with pytest.raises(ValueError, match=r"classes must name each of the model's 3 outputs, got 2 names"):   # F17
        save_classifier(_model(), path, size=48, classes=("a", "b"))
    with pytest.raises(ValueError, match="model must be a torch nn.Module"):   # F19
        save_classifier({"not": "a model"}, path, size=48, classes=("a", "b", "c"))
    assert not path.exists()
    state = _model(3).state_dict()
    for probe, saved, message in [
            ("F06", {"format": FORMAT, "size": 48, "classes": list("abcde"), "state_dict": state},
             "does not hold the weights of a 5-class course classifier"),
            ("F07", {"format": FORMAT, "size": 48, "state_dict": state}, "incomplete or damaged classifier file: classes must be"),
            ("F08", {"format": FORMAT, "size": "big", "classes": "abc", "state_dict": state}, "size must be the input size"),
            ("F08b", {"format": FORMAT, "size": 48, "classes": "abc", "state_dict": state}, "classes must be distinct class names"),
    ]:
        torch.save(saved, path)
        with pytest.raises(ValueError, match=message):
            load_classifier(path)
    save_classifier(_model(), path, size=np.int64(48), classes=("a", "b", "c"))   # F04 stays OK
    model, size, classes = load_classifier(path)
    assert (size, classes) == (48, ("a", "b", "c")) and type(size) is int


def test_keras_feature_and_head_probes(frameworks):
    from course_utils.transfer import features
    from course_utils.transfer.backbone import course_backbone

    backbone = course_backbone(None, 32)
    with pytest.raises(ValueError, match=r"uint8 \(values 0..255\), got dtype float64 \(floats in \[0, 1\]"):   # B10
        features.extract_features(backbone, RNG.random((2, 32, 32, 3)))
    with pytest.raises(ValueError, match="at least one image"):   # B11
        features.extract_features(backbone, np.zeros((0, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="batch must be an int >= 1"):   # B12
        features.extract_features(backbone, X, batch=0)
    f = RNG.random((6, 4)).astype(np.float32)
    with pytest.raises(ValueError, match=r"labels must be class indices in 0..2"):   # B13
        features.train_head_on_features(f, np.array([0, 1, 7, 0, 1, 2]), classes=3, epochs=10)
    with pytest.raises(ValueError, match="non-empty float NumPy array"):   # B14
        features.train_head_on_features(np.zeros((0, 4)), np.zeros(0))
    with pytest.raises(ValueError, match="non-empty float NumPy array"):   # B15
        features.train_head_on_features([[0.1, 0.2]], [0])
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):   # B08
        heads.head_layers("gap", dropout=1.5)
    with pytest.raises(ValueError, match="backbone must be a Keras model"):   # B09
        heads.attach_head("not a model")
    with pytest.raises(ValueError, match="stages must be in 0..4"):   # B19
        classifier.unfreeze_last(backbone, 1.5)
    with pytest.raises(ValueError, match="batch must be an int >= 1"):   # B23
        classifier.predict(backbone, X, batch=0)
    assert features.extract_features(backbone, X[:2]).shape == (2, 256)
    with pytest.raises(ValueError, match=r"images are \(48, 48\), the backbone expects \(32, 32\)"):
        features.extract_features(backbone, np.zeros((1, 48, 48, 3), np.uint8))
    head, history = features.train_head_on_features(f, Y, classes=3, epochs=2, epochs_per_round=1)
    assert history["epoch"] == [1, 2]


def test_heads_and_backbone_sizes_take_numpy_ints_and_refuse_negative_classes():
    with pytest.raises(ValueError, match="classes must be a positive int"):   # B06
        heads.head_params("gap", (7, 7, 512), classes=-3)
    assert heads.head_params("gap", (7, 7, np.int64(512))) == 1539   # B07
    from course_utils.transfer.backbone import _check

    _check("course", np.int64(96))   # B02: NumPy ints are ints


def test_b20_keras_twin_names_the_missing_batchnorm_keys():
    state = {f"backbone.{4 * i}.weight": np.zeros((8, 3, 3, 3)) for i in range(4)}
    state.update({"head.1.weight": np.zeros((3, 256)), "head.1.bias": np.zeros(3)})
    with pytest.raises(ValueError, match=r"missing \['backbone.1.weight'"):
        classifier.keras_twin_from_state(state, 32, ("a", "b", "c"))


STRATEGY_REFUSED = [
    ("B16", lambda: strategies.per_class_subset(np.array([0, -1, 1]), 1), r"labels must be class indices in >= 0"),
    ("B17", lambda: strategies.per_class_subset(np.array([], int), 1), "at least one label"),
    ("B18", lambda: strategies.per_class_subset(np.array([0.5, 1.0, 1.0]), 1), "whole class indices"),
    ("B21", lambda: strategies.run_strategy("frozen", X, np.array([]), X, Y), "one label per image: 6 images, got 0"),
]


@pytest.mark.parametrize("probe, call, message", STRATEGY_REFUSED, ids=[r[0] for r in STRATEGY_REFUSED])
def test_strategies_refuse(probe, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_b05_plant_keras_cache_in_an_unwritable_place_is_a_clear_oserror(frameworks, tmp_path):
    from course_utils.transfer.backbone import course_backbone, plant_keras_cache

    with pytest.raises(OSError, match="cannot create the folder /proc/forbidden"):
        plant_keras_cache(course_backbone(None, 32), "x.h5", "/proc/forbidden")
    path = plant_keras_cache(course_backbone(None, 32), "x.h5", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["x.h5"] and path.stat().st_size > 0


# ----------------------------------------------------------------------------- torchvision (F35)
@pytest.fixture
def torch_home(tmp_path, monkeypatch, frameworks):
    torch, _ = frameworks
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)   # get_dir() reads TORCH_HOME again
    return tmp_path / "torch" / "hub" / "checkpoints"


def test_f35_torchvision_backbone_offline_refuses_at_once_without_a_request(torch_home, monkeypatch):
    import requests

    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setattr(requests, "get", lambda *a, **k: pytest.fail("offline mode made a request"))
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=r"COURSE_OFFLINE=1: not downloading the ImageNet weights of mobilenet_v2 "
                                            r"\(mobilenet_v2-.*\.pth\).*save it as .*hub/checkpoints"):
        torch_classifier.torchvision_backbone("mobilenet_v2")
    assert time.perf_counter() - start < 2
    with pytest.raises(ValueError, match="weights must be 'DEFAULT'"):
        torch_classifier.torchvision_backbone("mobilenet_v2", weights="IMAGENET1K_V2")


def _served_weights(torch):
    import io

    import torchvision

    state = torchvision.models.shufflenet_v2_x1_0(weights=None).state_dict()
    buf = io.BytesIO()
    torch.save(state, buf)
    blob = buf.getvalue()
    return state, blob, f"shufflenet-{hashlib.sha256(blob).hexdigest()[:8]}.pth"


def test_torchvision_weights_come_through_the_course_downloader(torch_home, monkeypatch, frameworks):
    torch, _ = frameworks
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    state, blob, name = _served_weights(torch)
    srv = _Server()
    srv.files[name] = blob
    try:
        backbone = torch_classifier.torchvision_backbone("shufflenet_v2_x1_0", url=f"{srv.url}/{name}")
        again = torch_classifier.torchvision_backbone("shufflenet_v2_x1_0", url=f"{srv.url}/{name}")
    finally:
        srv.stop()
    assert srv.requests == [name]   # the second call found the cached file
    assert sorted(p.name for p in torch_home.iterdir()) == [name]   # no temporary left
    assert torch.equal(backbone[0][0].weight, state["conv1.0.weight"]) and torch.equal(again[0][0].weight, state["conv1.0.weight"])


def test_torchvision_weights_obey_the_deadline_and_the_hash(torch_home, monkeypatch, frameworks):
    torch, _ = frameworks
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    _, blob, name = _served_weights(torch)
    srv = _SlowServer(blob, mode="stall", budget=5.0)
    try:
        start = time.perf_counter()
        with pytest.raises(DownloadError, match=r"took longer than 0.5 s|stopped sending"):
            torch_classifier.torchvision_weights("shufflenet_v2_x1_0", url=f"{srv.url}/{name}", deadline=0.5)
        assert time.perf_counter() - start < 3
    finally:
        srv.stop()
    wrong = "shufflenet-00000000.pth"
    srv = _Server()
    srv.files[wrong] = blob
    try:
        with pytest.raises(DownloadError, match="checksum mismatch"):
            torch_classifier.torchvision_weights("shufflenet_v2_x1_0", url=f"{srv.url}/{wrong}")
    finally:
        srv.stop()
    assert not torch_home.exists() or list(torch_home.iterdir()) == []


def test_keras_imagenet_weights_come_through_the_course_downloader(frameworks, tmp_path, monkeypatch):
    _, keras = frameworks
    from course_utils.transfer import backbone as bb

    served = tmp_path / "served"
    name = bb.keras_imagenet_filename(0.25, 128)
    reference = keras.applications.MobileNet(input_shape=(128, 128, 3), alpha=0.25, include_top=False, weights=None)
    blob = bb.plant_keras_cache(reference, name, served).read_bytes()
    import keras.src.backend.config as keras_config

    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path / "keras"))   # what KERAS_HOME sets at import
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    with pytest.raises(DownloadError, match="offline mode and mobilenet_2_5_128_tf_no_top.h5 is not in"):
        bb.keras_imagenet_weights(0.25, 128, url="http://127.0.0.1:9/never")
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    slow = _SlowServer(blob, mode="stall", budget=5.0)
    try:
        start = time.perf_counter()
        with pytest.raises(DownloadError, match=r"took longer than 0.5 s|stopped sending"):
            bb.keras_imagenet_weights(0.25, 128, url=f"{slow.url}/{name}", deadline=0.5)
        assert time.perf_counter() - start < 3
    finally:
        slow.stop()
    srv = _Server()
    srv.files[name] = blob
    try:
        path = bb.keras_imagenet_weights(0.25, 128, url=f"{srv.url}/{name}")
    finally:
        srv.stop()
    assert sorted(p.name for p in path.parent.iterdir()) == [name] and path.read_bytes() == blob
    monkeypatch.setenv("COURSE_OFFLINE", "1")   # now cached: no network needed, Keras loads the file
    model = bb.course_backbone("imagenet", 128, alpha=0.25)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), reference.get_weights()))


def test_assemble_scales_0_255_pixels_to_the_backbones_minus1_1(frameworks):
    from course_utils.transfer import features
    from course_utils.transfer.backbone import course_backbone

    backbone = course_backbone(None, 32)
    head, _ = features.train_head_on_features(RNG.random((6, 256)).astype(np.float32), Y, classes=3, epochs=1)
    model = classifier.assemble(backbone, head, 32)
    pooled = np.asarray(backbone(X.astype(np.float32) / 127.5 - 1.0, training=False)).mean(axis=(1, 2))
    np.testing.assert_allclose(classifier.predict(model, X), np.asarray(head(pooled)), atol=1e-5)
