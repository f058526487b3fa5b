"""Lesson 08's exports: every TensorFlow Lite precision and every ONNX file loads and agrees
with the model it came from; lesson 07's classifier goes PyTorch -> ONNX and PyTorch -> Keras
twin -> TFLite with the same answers.

A quick classifier (the course backbone, frozen, with a head trained on its cached features:
a few seconds) is built once per module for the TFLite checks; the ONNX and twin checks use
the course backbone with a seeded head (no training).
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_no_torch_objects

from course_utils.deploy import measure, tflite

SIZE = 48


@pytest.fixture(scope="module")
def exported(frameworks, tmp_path_factory):
    from course_utils.deploy.standin import quick_classifier

    clf = quick_classifier(size=SIZE, seed=0)
    folder = tmp_path_factory.mktemp("tflite")
    paths = tflite.convert_keras(clf.model, folder, representative=clf.train_images[:40], name="hands")
    x = clf.test_images.astype(np.float32)
    reference = clf.model.predict(x, verbose=0)
    outputs = {q: tflite.TFLiteRunner(p)(x) for q, p in paths.items()}
    return clf, folder, paths, reference, outputs


def test_the_stand_in_classifier_learns(exported, sensitive):
    clf = exported[0]
    # floor well above chance (1/3) on these 120 held-out hands, all four backgrounds
    assert sensitive("accuracy", clf.accuracy) >= 0.6 and clf.test_images.shape == (120, SIZE, SIZE, 3)


def test_every_precision_is_written_whole_and_named(exported):
    _, folder, paths, _, _ = exported
    assert sorted(paths) == sorted(tflite.QUANTIZATIONS)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"hands_{q}.tflite" for q in tflite.QUANTIZATIONS)
    kb = {q: measure.file_kb(p) for q, p in paths.items()}
    assert kb["float16"] < 0.7 * kb["float32"] and kb["int8"] < 0.5 * kb["float32"]


def test_float_exports_match_keras(exported):
    _, _, _, reference, outputs = exported
    assert measure.agreement(reference, outputs["float32"]) == (1.0, pytest.approx(0, abs=1e-5))
    agree, diff = measure.agreement(reference, outputs["float16"])
    assert agree >= 0.98 and diff < 0.02      # float16 weights: ~3 significant digits


def test_int8_exports_agree_with_keras(exported):
    _, _, paths, reference, outputs = exported
    for q in ("dynamic", "int8"):
        agree, diff = measure.agreement(reference, outputs[q])
        assert agree >= 0.9, (q, agree)
        assert diff < 0.25, (q, diff)
    runner = tflite.TFLiteRunner(paths["int8"])
    assert runner.input_dtype == np.uint8 and outputs["int8"].dtype == np.float32
    assert np.allclose(outputs["int8"].sum(1), 1, atol=0.05)   # dequantized softmax


def test_int8_needs_representative_images_and_known_precisions(exported):
    model = exported[0].model
    with pytest.raises(ValueError, match="representative"):
        tflite.convert_keras(model, "/nonexistent", ("int8",))
    with pytest.raises(ValueError, match="quantizations must be some of"):
        tflite.convert_keras(model, "/nonexistent", ("int4",))


def test_runner_rejects_wrong_shapes_and_missing_files(exported, tmp_path):
    runner = tflite.TFLiteRunner(exported[2]["float32"])
    with pytest.raises(ValueError, match=r"images must be \(N, 48, 48, 3\)"):
        runner(np.zeros((1, 16, 16, 3), np.float32))
    with pytest.raises(ValueError, match="no .tflite file"):
        tflite.TFLiteRunner(tmp_path / "missing.tflite")


# MACs: v1 equals the paper's formula table (cost.mobilenet_v1_table), v2 PyTorch's FlopCounter / 2
@pytest.mark.parametrize("kind, macs", [("mobilenet_v1", 832_896), ("mobilenet_v2", 736_928)])
def test_torch_mobilenet_to_onnx_agrees(frameworks, tmp_path, kind, macs):
    # in this process: lesson 08 calls the same function through in_child (tested in test_in_child.py)
    from course_utils.deploy.runtimes import torch_and_onnx

    eager, onnx = torch_and_onnx(kind, 0.25, 32, str(tmp_path), peak_gflops=100.0, num_classes=3,
                                 n_check=4, repeat=2)
    assert (eager.runtime, onnx.runtime) == ("torch eager", "onnxruntime")
    assert onnx.agreement == 1.0 and onnx.max_diff < 1e-5
    assert eager.macs == onnx.macs == macs
    assert [p.name for p in tmp_path.iterdir()] == [f"{kind}_0.25_32.onnx"]   # one file, no temporaries
    assert onnx.size_kb == pytest.approx(eager.size_kb, rel=0.1)   # the weights, in one file


def test_tflite_mobilenet_v1_times_files_of_the_papers_size(frameworks, tmp_path):
    from course_utils import cost
    from course_utils.deploy.runtimes import tflite_mobilenet_v1

    out = tflite_mobilenet_v1(0.25, 32, tmp_path, peak_gflops=100.0, quantizations=("float32",), repeat=2)
    table = cost.mobilenet_v1_table(0.25, 32)   # the paper's layer table, by formula
    assert list(out) == ["float32"] and out["float32"].macs == table.macs == 1_088_128
    # 4 bytes per weight (BatchNorm folded into the convolutions' biases): 464,600 weights
    assert 1.0 <= out["float32"].size_kb * 1024 / (4 * table.params()) <= 1.05
    assert [p.name for p in tmp_path.iterdir()] == ["mobilenet_v1_0.25_32_float32.tflite"]
    assert len(out["float32"].latency.times_ms) == 2


def test_tflite_mobilenet_stays_under_the_machines_ceiling(frameworks, tmp_path, sensitive):
    # the case that printed 109-176 % of a NumPy-only "peak" on an AVX-512 machine whose OpenBLAS ran
    # AVX2 kernels: XNNPACK on MobileNet v1 0.5@128, batch 1, one thread, against the ceiling of
    # every engine and the nominal peak. A share above 100 % raises in PeakShare.best.
    from course_utils import cost
    from course_utils.deploy.measure import paired_peak_share
    from course_utils.models.keras_models import mobilenet_v1

    model = mobilenet_v1(0.5, (128, 128, 3))
    x = np.random.default_rng(0).uniform(-1, 1, (4, 128, 128, 3)).astype(np.float32)
    path = tflite.convert_keras(model, tmp_path, ("float32",), name="v1")["float32"]
    share = paired_peak_share(tflite.TFLiteRunner(path, num_threads=1), x[:1], macs=cost.count_macs(model),
                              threads=1, rounds=2, repeat=10)
    assert set(share.ceiling.matmuls) == {"numpy", "torch", "tensorflow", "onnxruntime"}
    assert 0 < sensitive("tflite v1 0.5@128 best share of the ceiling", share.best) <= 1.0, share


# --- lesson 07's classifier: PyTorch -> ONNX, PyTorch -> Keras twin -> TFLite ------------------
@pytest.fixture(scope="module")
def saved_classifier(frameworks, tmp_path_factory):
    """The course backbone with a seeded 3-class head, saved the way lesson 07 saves it."""
    torch, _ = frameworks
    from torch import nn

    from course_utils.transfer.finetune import save_classifier
    from course_utils.transfer.torch_classifier import handpose_module, torch_course_backbone

    torch.manual_seed(0)
    model = handpose_module(torch_course_backbone(), nn.Sequential(nn.Dropout(0.2), nn.Linear(256, 3))).eval()
    folder = tmp_path_factory.mktemp("classifier")
    return save_classifier(model, folder / "handpose.pt", size=48, classes=("paper", "rock", "scissors"))


@pytest.fixture(scope="module")
def classifier_export(saved_classifier):
    from course_utils.deploy.torch_runs import classifier_to_onnx
    from course_utils.transfer.classifier import hands_all_backgrounds

    x, y, _ = hands_all_backgrounds(6, 48, 5)
    return x, y, classifier_to_onnx(saved_classifier, saved_classifier.parent, x, y, peak_gflops=100.0, repeat=3)


def test_classifier_goes_to_one_onnx_file_with_pytorchs_answers(classifier_export, saved_classifier):
    x, y, result = classifier_export
    eager, onnx = result["rows"]
    assert (eager.runtime, onnx.runtime) == ("torch eager", "onnxruntime")
    assert onnx.agreement == 1.0 and onnx.max_diff < 1e-4
    assert eager.accuracy == onnx.accuracy == measure.accuracy(result["probabilities"], y)
    assert sorted(p.name for p in saved_classifier.parent.iterdir()) == ["handpose.onnx", "handpose.pt"]
    # the course CNN at 48 px: 3x3 convs 3-32-64-128-256 at 48, 24, 12, 6 px, then Dense(256 -> 3)
    assert result["macs"] == 9 * (3 * 32 * 48 ** 2 + 32 * 64 * 24 ** 2 + 64 * 128 * 12 ** 2 + 128 * 256 * 6 ** 2) + 256 * 3
    assert (result["size"], result["classes"]) == (48, ("paper", "rock", "scissors"))
    assert_no_torch_objects(result)   # plain data: lesson 08's TensorFlow kernel unpickles it


def test_keras_twin_from_state_and_its_tflite_file_give_pytorchs_answers(classifier_export, tmp_path):
    from course_utils.transfer.classifier import keras_twin_from_state

    x, _, result = classifier_export
    twin = keras_twin_from_state(result["state"], result["size"], result["classes"])
    probs = twin.predict(x.astype(np.float32), verbose=0)
    assert np.allclose(probs, result["probabilities"], atol=1e-5)
    path = tflite.convert_keras(twin, tmp_path, ("float32",), name="handpose")["float32"]
    assert measure.agreement(result["probabilities"], tflite.TFLiteRunner(path)(x)) == (1.0, pytest.approx(0, abs=1e-4))


def test_keras_twin_from_state_says_what_is_wrong(classifier_export):
    from course_utils.transfer.classifier import keras_twin_from_state

    state = dict(classifier_export[2]["state"])
    with pytest.raises(ValueError, match="classifier for 4 classes"):
        keras_twin_from_state(state, 48, ("a", "b", "c", "d"))
    del state["backbone.4.weight"]
    with pytest.raises(ValueError, match=r"missing \['backbone.4.weight'\]"):
        keras_twin_from_state(state, 48)


def test_classifier_to_onnx_checks_its_images(saved_classifier, tmp_path):
    from course_utils.deploy.torch_runs import classifier_to_onnx

    with pytest.raises(ValueError, match=r"images must be \(N, 48, 48, 3\)"):
        classifier_to_onnx(saved_classifier, tmp_path, np.zeros((2, 32, 32, 3), np.uint8), np.zeros(2), peak_gflops=1.0)
    with pytest.raises(ValueError, match="one label per image"):
        classifier_to_onnx(saved_classifier, tmp_path, np.zeros((2, 48, 48, 3), np.uint8), np.zeros(3), peak_gflops=1.0)
    with pytest.raises(FileNotFoundError, match="no classifier file"):
        classifier_to_onnx(tmp_path / "none.pt", tmp_path, np.zeros((2, 48, 48, 3), np.uint8), np.zeros(2),
                           peak_gflops=1.0)
    assert list(tmp_path.iterdir()) == []


def test_exported_onnx_carries_no_stack_traces_or_local_paths(frameworks, tmp_path):
    # torch's dynamo exporter records each node's Python stack trace and name scope in metadata_props: the file
    # then names the author's folders (it ships to the web page) and grows by a fifth for a small MobileNet
    import onnx
    import torch

    from course_utils.deploy.onnx_export import OnnxRunner, export_onnx
    from course_utils.models import torch_models

    torch.manual_seed(0)
    module = torch_models.mobilenet_v2(0.25, classes=3).eval()
    path = export_onnx(module, tmp_path / "v2.onnx", (3, 32, 32))
    model = onnx.load(str(path))
    assert all(len(n.metadata_props) == 0 and not n.doc_string for n in model.graph.node)
    assert b"/work/" not in path.read_bytes() and str(tmp_path).encode() not in path.read_bytes()
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert path.stat().st_size < 4 * weights * 1.1   # float32 weights and the graph (5.5 % here; 21 % with the traces)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(OnnxRunner(path)(x), module(torch.from_numpy(x)).numpy(), atol=1e-5)
