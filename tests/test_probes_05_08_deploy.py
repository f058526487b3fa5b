"""Issue 26: the probes of ``probes-05-08.md`` for deploy/ (ids D, U, O, TF).

Budgets refuse NaN, infinities and fractions; the game refuses scores that are not
probabilities, reads phone photos upright and 16-bit PNGs scaled, and its widget never lets a
classifier's exception through; the ONNX and TFLite runners refuse damaged files and wrong
batches with the course's message; ``convert_keras`` stays in its folder and refuses NaN
calibration and dynamic input sizes before converting. Parameter ids are the probe ids.
"""
from __future__ import annotations

import io

import numpy as np
import pytest

from course_utils.deploy import budgets, game
from course_utils.deploy.game import Game, decode_upload
from course_utils.deploy.game_widget import GameWidget

NAN, INF = float("nan"), float("inf")


def _png(array: np.ndarray, **save) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", **save)
    return buf.getvalue()


GOOD = _png(np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8))
UNIFORM = lambda x: np.full((1, 3), 1 / 3, np.float32)   # noqa: E731

REFUSED = [
    ("D02", lambda: budgets.frame_budget(10, camera_fps=INF), r"must be > 0 \(finite numbers\)"),
    ("D03", lambda: budgets.frame_budget("5"), r"must be > 0 \(finite numbers\)"),
    ("D01b", lambda: budgets.frame_budget(10, camera_fps=0), r"must be > 0 \(finite numbers\)"),
    ("D06", lambda: budgets.model_bytes(NAN), "params must be an int >= 0"),
    ("D07", lambda: budgets.model_bytes(1.5), "params must be an int >= 0"),
    ("D08", lambda: budgets.app_share(NAN, 10), "sizes must be >= 0"),
    ("D10", lambda: budgets.energy_per_inference(NAN, 10, 10), "finite numbers >= 0"),
    ("D18", lambda: Game().play([5.0, -1.0, -2.0]), r"probabilities must be in \[0, 1\] and sum to 1"),
    ("D19", lambda: Game().play(["a", "b", "c"]), "probabilities must be 3 finite numbers"),
    ("D18b", lambda: Game().play([0.5, 0.5, 0.1]), r"probabilities must be in \[0, 1\] and sum to 1"),
    ("D20", lambda: Game(seed=-1), "seed must be a non-negative int"),
    ("D22", lambda: Game().play([0.1, 0.2, 0.7], latency_ms="fast"), "latency_ms must be a finite number"),
    ("D23", lambda: Game().play([0.1, 0.2, 0.7], latency_ms=-5), "latency_ms must be a finite number of milliseconds >= 0"),
    ("U04", lambda: decode_upload("a string", 48), "the upload must be the file's bytes, got str"),
    ("U12", lambda: decode_upload(GOOD, 0), "size must be an int >= 1"),
    ("U13", lambda: decode_upload(GOOD, -3), "size must be an int >= 1"),
    ("U20", lambda: GameWidget(UNIFORM, size=0), "size must be an int >= 32"),
    ("U23", lambda: GameWidget(UNIFORM, 48, seed=-1), "seed must be a non-negative int"),
]


@pytest.mark.parametrize("probe, call, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_deploy_refuses_with_the_courses_message(probe, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_valid_game_and_budget_calls_still_work():
    assert budgets.model_bytes(np.int64(10), "int8") == 10
    assert budgets.frame_budget(np.float32(10))["fps"] == pytest.approx(100)
    played = Game().play(np.array([[0.004, 0.992, 0.0]]), latency_ms=np.float64(3))   # an int8 model's rounding
    assert played.player == "rock"


def test_u07_a_16_bit_png_is_scaled_not_clipped():
    gradient = np.tile(np.linspace(0, 65535, 48).astype(np.uint16), (48, 1))
    out = decode_upload(_png(gradient), 48)
    expected = np.round(np.linspace(0, 65535, 48) / 257)
    assert np.abs(out[0, :, 0].astype(int) - expected).max() <= 1
    assert (out == 255).mean() < 0.05


def test_u10_a_phone_photo_is_read_upright():
    from PIL import Image

    tall = np.zeros((60, 30, 3), np.uint8)
    tall[:30] = 255   # the upper half white, as the phone shows the photo
    stored = Image.fromarray(np.rot90(tall, 1).copy())   # the sensor stores it turned 90 degrees
    exif = Image.Exif()
    exif[0x0112] = 6   # Orientation: rotate 90 degrees clockwise to display
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", exif=exif, quality=95)
    out = decode_upload(buf.getvalue(), 30).astype(float)   # the centre square of the upright photo
    assert out[:5].mean() > 200 and out[-5:].mean() < 50   # white above, black below
    assert abs(out[:, :5].mean() - out[:, -5:].mean()) < 10   # read as stored, the white would be at a side


def test_u18_u22_the_widget_never_lets_an_exception_through():
    widget = GameWidget(lambda x: 1 / 0, 48)
    image, message = widget.draw()   # U18
    assert image.shape == (48, 48, 3) and "the classifier failed on that image: ZeroDivisionError" in message
    ok = GameWidget(UNIFORM, 48)
    image, message = ok.handle_upload({"hand.png": {"content": GOOD, "metadata": {}}})   # U22 (ipywidgets 7)
    assert image.shape == (48, 48, 3) and "the model sees" in message
    image, message = ok.handle_upload(({"content": GOOD},))   # ipywidgets 8
    assert image is not None and ok.game.score.rounds == 2


# ----------------------------------------------------------------------------- ONNX (O)
@pytest.fixture(scope="module")
def conv_onnx(tmp_path_factory, frameworks):
    from torch import nn

    from course_utils.deploy.onnx_export import export_onnx

    return export_onnx(nn.Conv2d(3, 4, 3), tmp_path_factory.mktemp("onnx") / "conv.onnx", (3, 8, 8))


def test_onnx_runner_probes(conv_onnx, tmp_path):
    from course_utils.deploy.onnx_export import OnnxRunner

    runner = OnnxRunner(conv_onnx)
    assert runner(np.zeros((0, 3, 8, 8))).shape == (0, 4, 6, 6)   # O08
    with pytest.raises(ValueError, match=r"expected numbers of shape \(N, 3, 8, 8\) for conv.onnx, got shape \(1, 1, 8, 8\)"):
        runner(np.zeros((1, 1, 8, 8)))   # O09
    with pytest.raises(ValueError, match=r"got shape \(3, 8, 8\)"):
        runner(np.zeros((3, 8, 8)))   # O10
    data = conv_onnx.read_bytes()
    for probe, blob in [("O05", b""), ("O06", np.random.default_rng(1).bytes(4096)), ("O07", data[: len(data) * 6 // 10]),
                        ("O11", b"PK\x03\x04" + b"\0" * 100)]:
        bad = tmp_path / f"{probe}.onnx"
        bad.write_bytes(blob)
        with pytest.raises(ValueError, match="is not an ONNX model I can load"):
            OnnxRunner(bad)


def test_export_onnx_probes(frameworks, tmp_path):
    torch, _ = frameworks
    from torch import nn

    from course_utils.deploy.onnx_export import export_onnx

    with pytest.raises(ValueError, match=r"cannot run on an input of shape \(1, 1, 8, 8\) \(input_shape must fit it\)"):
        export_onnx(nn.Conv2d(3, 4, 3), tmp_path / "a.onnx", (1, 8, 8))   # O03

    class Branchy(nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else x - 1

    with pytest.raises(ValueError, match="torch.onnx could not export this module"):
        export_onnx(Branchy(), tmp_path / "b.onnx", (3, 8, 8))   # O12
    with pytest.raises(OSError, match="cannot create the folder /proc/forbidden"):
        export_onnx(nn.Conv2d(3, 4, 3), "/proc/forbidden/x.onnx", (3, 8, 8))   # O02
    with pytest.raises(ValueError, match=r"input_shape must be \(C, H, W\) positive integers, got \(3, 0, 32\)"):
        export_onnx(nn.Conv2d(3, 4, 3), tmp_path / "c.onnx", (3, 0, 32))   # O01 stays OK
    assert list(tmp_path.iterdir()) == []   # no junk from any of them


# ----------------------------------------------------------------------------- TFLite (TF)
@pytest.fixture(scope="module")
def tiny(frameworks):
    _, keras = frameworks
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3)(inputs)
    dense = keras.layers.Dense(3, activation="softmax")
    model = keras.Model(inputs, dense(keras.layers.GlobalAveragePooling2D()(x)), name="tiny")
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * 20, bias])   # confident outputs: a wrong scale or zero point shows
    return model


@pytest.fixture(scope="module")
def tiny_files(tiny, tmp_path_factory):
    from course_utils.deploy import tflite

    # inputs in [-1, 1]: the uint8 input's zero point is near 128, so forgetting it changes the answers
    reps = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 3)).astype(np.float32)
    return tflite.convert_keras(tiny, tmp_path_factory.mktemp("tfl"), ["float32", "int8"], representative=reps)


def test_convert_keras_refuses_before_converting(tiny, frameworks, tmp_path):
    _, keras = frameworks
    from course_utils.deploy import tflite

    with pytest.raises(ValueError, match="representative images must be finite"):   # TF04
        tflite.convert_keras(tiny, tmp_path, ["int8"], representative=np.full((4, 8, 8, 3), NAN))
    with pytest.raises(ValueError, match="name must be a plain file name"):   # TF07
        tflite.convert_keras(tiny, tmp_path / "in", ["float32"], name="../escaped")
    inputs = keras.Input((None, None, 3))
    dynamic = keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs))
    with pytest.raises(ValueError, match=r"one input of fixed size \(H, W, C\), got \(None, None, 3\)"):   # TF08, TF19
        tflite.convert_keras(dynamic, tmp_path, ["float32"])
    with pytest.raises(OSError, match="cannot create the folder /proc/forbidden"):   # TF06
        tflite.convert_keras(tiny, "/proc/forbidden", ["float32"])
    with pytest.raises(IsADirectoryError, match="it is a folder"):   # TF18
        tflite.write_atomic(tmp_path, b"x")
    assert list(tmp_path.iterdir()) == []


def test_tflite_runner_probes(tiny_files, tmp_path):
    from course_utils.deploy.tflite import TFLiteRunner

    runner = TFLiteRunner(tiny_files["float32"])
    assert runner(np.zeros((0, 8, 8, 3))).shape == (0, 3)   # TF13
    with pytest.raises(ValueError, match="images must be finite"):   # TF14
        TFLiteRunner(tiny_files["int8"])(np.full((1, 8, 8, 3), NAN))
    with pytest.raises(ValueError, match="num_threads must be a positive int"):   # TF17
        TFLiteRunner(tiny_files["float32"], num_threads=-3)
    data = tiny_files["float32"].read_bytes()
    flipped = bytearray(data)
    for i in np.random.default_rng(2).integers(0, len(data), 200):
        flipped[i] ^= 0xFF
    for probe, blob in [("TF09", b""), ("TF10", np.random.default_rng(1).bytes(4096)), ("TF11", data[: len(data) // 2]),
                        ("TF12", bytes(flipped)), ("TF16", b"\x08\x07\x12\x04onnx" + b"\0" * 64)]:
        bad = tmp_path / f"{probe}.tflite"
        bad.write_bytes(blob)
        with pytest.raises(ValueError, match="is not a TensorFlow Lite model I can run"):
            TFLiteRunner(bad)(np.zeros((1, 8, 8, 3), np.float32))
    probabilities = TFLiteRunner(tiny_files["int8"])(np.random.default_rng(3).uniform(-1, 1, (2, 8, 8, 3)))
    assert probabilities.shape == (2, 3) and np.allclose(probabilities.sum(1), 1, atol=0.02)   # TF20: a distribution


def test_int8_file_gives_the_keras_answers(tiny, tiny_files):
    from course_utils.deploy.tflite import TFLiteRunner

    x = np.random.default_rng(4).uniform(-1, 1, (16, 8, 8, 3)).astype(np.float32)
    want = np.asarray(tiny(x))
    assert want.max(1).mean() > 0.6   # confident enough that a quantization slip shows
    got = TFLiteRunner(tiny_files["int8"])(x)
    runner = TFLiteRunner(tiny_files["int8"])
    assert runner.input["quantization"][1] != 0   # the zero point matters here
    assert np.abs(got - want).max() < 0.08 and (got.argmax(1) == want.argmax(1)).mean() >= 0.9
