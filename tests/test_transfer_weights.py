"""The shipped course backbone, `make pretrain`, and the ImageNet paths loaded offline from a planted cache."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT, run_python
from course_utils.transfer import WEIGHTS_DIR, pretrain
from course_utils.transfer.backbone import keras_imagenet_filename, weights_file

# any attempt to reach the network fails at once (no proxy listens on port 9)
NO_NETWORK = {"COURSE_OFFLINE": "1", "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
              "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "NO_PROXY": ""}


def test_shipped_weights_are_small_and_carded():
    files = [p for p in WEIGHTS_DIR.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 5 * 1024 * 1024
    card = (WEIGHTS_DIR / "MODEL_CARD.md").read_text()
    for word in ("Source task", "seed", "Epochs", "Licence", "make pretrain"):
        assert word in card
    for task in ("gestures",):  # the shipped one (glyphs: `--task glyphs`, not shipped)
        result = json.loads((WEIGHTS_DIR / pretrain.result_file(task)).read_text())
        assert f"{100 * result['test_accuracy']:.1f}%" in card
        assert result["file"] == weights_file(task) and (WEIGHTS_DIR / weights_file(task)).exists()


@pytest.mark.parametrize("task", ["gestures"])
def test_shipped_backbone_matches_its_model_cards_source_task_accuracy(frameworks, task):
    from course_utils.transfer.backbone import source_model

    result = json.loads((WEIGHTS_DIR / pretrain.result_file(task)).read_text())
    recipe = pretrain.Recipe(**result["recipe"])
    assert recipe == pretrain.RECIPES[task]  # the card describes the recipe `make pretrain` runs
    model = source_model("course", recipe.size, task)
    assert pretrain.weights_digest(model) == result["weights_sha256"]
    x, y = pretrain.test_set(recipe)
    acc = pretrain.source_accuracy(model, x, y)
    # same weights, same images: equal up to float rounding on another CPU (2 images of 1,600)
    assert abs(acc - result["test_accuracy"]) <= 2 / recipe.n_test


def test_course_backbone_sizes(frameworks):
    from course_utils.transfer.backbone import course_backbone

    # the course CNN halves four times (any multiple of 16); ImageNet MobileNets five times (32)
    assert course_backbone("course", 48).output_shape == (None, 3, 3, 256)
    for bad in (40, 8, 48.0, True):
        with pytest.raises(ValueError, match="multiple of 16"):
            course_backbone("course", bad)
    with pytest.raises(ValueError, match="multiple of 32"):
        course_backbone("imagenet", 48)


@pytest.mark.slow
def test_fast_pretrain_is_deterministic(frameworks, tmp_path, monkeypatch):
    # twice in this process (which has run other tests before): the recipe seeds everything itself
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    a = pretrain.pretrain(pretrain.FAST, tmp_path / "a", verbose=0)
    b = pretrain.pretrain(pretrain.FAST, tmp_path / "b", verbose=0)
    assert a["weights_sha256"] == b["weights_sha256"] and a["test_accuracy"] == b["test_accuracy"]
    assert (tmp_path / "a" / weights_file("gestures")).exists()
    assert (tmp_path / "a" / pretrain.result_file("gestures")).exists()


def test_keras_imagenet_file_names():
    assert keras_imagenet_filename(0.25, 96) == "mobilenet_2_5_224_tf_no_top.h5"
    assert keras_imagenet_filename(1.0, 128) == "mobilenet_1_0_128_tf_no_top.h5"
    assert keras_imagenet_filename(0.5, 160, include_top=True) == "mobilenet_5_0_160_tf.h5"
    with pytest.raises(ValueError, match="alpha"):
        keras_imagenet_filename(0.35)


PLANTED_KERAS = """
import numpy as np
from course_utils.frameworks import import_tensorflow_quietly
import_tensorflow_quietly()
import keras
from course_utils.transfer import backbone as bb
from course_utils.models.keras_models import mobilenet_v1, randomize_batchnorm
keras.utils.set_random_seed(0)
ours = mobilenet_v1(0.25, (96, 96, 3), include_top=False)   # the course's own MobileNet, seeded weights
randomize_batchnorm(ours, 0)
# keras.applications' own layer structure, holding our weights, written where Keras looks
ref = keras.applications.MobileNet(input_shape=(96, 96, 3), alpha=0.25, include_top=False, weights=None)
ref.set_weights(ours.get_weights())
path = bb.plant_keras_cache(ref, bb.keras_imagenet_filename(0.25, 96))
assert str(path).startswith({home!r}), path
print("available", bb.imagenet_available()[0])
loaded = bb.course_backbone("imagenet", 96)   # keras.applications.MobileNet(weights="imagenet")
x = np.random.default_rng(0).uniform(-1, 1, (2, 96, 96, 3)).astype("float32")
print("equal", bool(np.allclose(loaded(x), ours(x), atol=1e-5)))
"""


def test_keras_imagenet_path_loads_a_planted_cache_file_offline(tmp_path):
    env = {**NO_NETWORK, "KERAS_HOME": str(tmp_path / "keras")}
    r = run_python("from course_utils.transfer import backbone as bb\nprint(bb.imagenet_available())", env=env)
    assert "offline mode" in r.stdout  # before planting: refused with a reason, no download tried
    r = run_python(PLANTED_KERAS.format(home=str(tmp_path / "keras")), env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "available True" in r.stdout and "equal True" in r.stdout


PLANTED_TORCH = """
import os, torch, torchvision
from course_utils.transfer.torch_classifier import torchvision_backbone
torch.manual_seed(0)
ours = torchvision.models.mobilenet_v2(weights=None)
name = os.path.basename(torchvision.models.MobileNet_V2_Weights.DEFAULT.url)
folder = os.path.join(os.environ["TORCH_HOME"], "hub", "checkpoints")
os.makedirs(folder)
torch.save(ours.state_dict(), os.path.join(folder, name))
loaded = torchvision_backbone("mobilenet_v2", "DEFAULT")
print(name, all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), ours.features.state_dict().values())))
"""


def test_torchvision_imagenet_path_loads_a_planted_cache_file_offline(tmp_path):
    r = run_python(PLANTED_TORCH, env={**NO_NETWORK, "TORCH_HOME": str(tmp_path / "torch")})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["mobilenet_v2-7ebf99e0.pth", "True"]
