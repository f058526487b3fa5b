"""Lesson 08 without a framework: the game's rules, score and upload handling, the budgets,
the measurement helpers, and atomic writes."""
from __future__ import annotations

import io
import os
import sys

import numpy as np
import pytest

from course_utils.deploy import budgets, game, measure
from course_utils.deploy.game_widget import GameWidget
from course_utils.deploy.tflite import write_atomic


# --- the game ---------------------------------------------------------------------------------
@pytest.mark.parametrize("player, computer, outcome", [
    ("rock", "scissors", "player"), ("scissors", "paper", "player"), ("paper", "rock", "player"),
    ("scissors", "rock", "computer"), ("paper", "scissors", "computer"), ("rock", "paper", "computer"),
    ("rock", "rock", "tie"), ("paper", "paper", "tie"), ("scissors", "scissors", "tie")])
def test_winner_all_nine_pairs(player, computer, outcome):
    assert game.winner(player, computer) == outcome


def test_moves_are_the_classifier_classes_in_order():
    assert game.MOVES == ("paper", "rock", "scissors")


def test_a_move_a_score_and_a_tie():
    g = game.Game(seed=0)
    r = g.play([0.1, 0.7, 0.2], latency_ms=1.5, computer="scissors")   # the model sees rock
    assert (r.player, r.computer, r.outcome) == ("rock", "scissors", "player")
    assert r.confidence == pytest.approx(0.7) and r.latency_ms == 1.5
    assert "70% sure" in r.message() and "1.5 ms" in r.message() and "you win" in r.message()
    r = g.play(np.array([[0.2, 0.1, 0.7]]), computer="scissors")       # (1, 3) works too
    assert r.outcome == "tie" and "a tie" in r.message()
    g.play([0.9, 0.05, 0.05], computer="scissors")                      # paper loses to scissors
    assert (g.score.player, g.score.computer, g.score.ties, g.score.rounds) == (1, 1, 1, 3)
    assert str(g.score) == "you 1 · computer 1 · ties 1"


def test_the_computer_plays_every_move_and_replays_with_its_seed():
    a, b = game.Game(seed=3), game.Game(seed=3)
    seq_a = [a.play([1, 0, 0]).computer for _ in range(30)]
    seq_b = [b.play([1, 0, 0]).computer for _ in range(30)]
    assert seq_a == seq_b and set(seq_a) == set(game.MOVES)
    c = game.Game(seed=4)
    assert [c.play([1, 0, 0]).computer for _ in range(30)] != seq_a


@pytest.mark.parametrize("probabilities", [[0.5, 0.5], [[0.1, 0.2, 0.3, 0.4]], [np.nan, 0.2, 0.1]])
def test_bad_probabilities_are_a_clear_error(probabilities):
    with pytest.raises(ValueError, match="one per move"):
        game.Game().play(probabilities)


def test_bad_moves_and_outcomes_are_clear_errors():
    with pytest.raises(ValueError, match="must be one of"):
        game.winner("lizard", "rock")
    with pytest.raises(ValueError, match="outcome must be one of"):
        game.Score().record("draw")


def _png(shape=(40, 60, 3)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_decode_upload_crops_to_a_square_and_resizes():
    img = game.decode_upload(memoryview(_png((40, 60, 3))), 32)
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    assert game.decode_upload(_png((50, 50)), 16).shape == (16, 16, 3)   # grey becomes RGB


@pytest.mark.parametrize("content, words", [(b"", "empty"), (None, "empty"), (b"%PDF-1.4 not a picture", "not an image")])
def test_decode_upload_bad_input_is_a_clear_error(content, words):
    with pytest.raises(ValueError, match=words):
        game.decode_upload(content, 32)


class Fixed:
    """A stand-in classifier: always the same probabilities; records what it was shown."""

    def __init__(self, p=(0.1, 0.8, 0.1)):
        self.p, self.seen = np.array([p], np.float32), []

    def __call__(self, x):
        self.seen.append(x)
        return self.p


def test_widget_handlers_play_and_keep_score():
    clf = Fixed()
    w = GameWidget(clf, size=32, seed=1)
    image, text = w.draw()
    assert image.shape == (32, 32, 3) and clf.seen[0].shape == (1, 32, 32, 3) and clf.seen[0].dtype == np.float32
    assert "the model sees rock (80% sure" in text and "score:" in text and w.game.score.rounds == 1
    image, text = w.handle_upload(({"name": "hand.png", "content": memoryview(_png())},))
    assert image.shape == (32, 32, 3) and w.game.score.rounds == 2 and "ms)" in text


def test_random_hands_show_every_move_and_replay_with_the_seed():
    # a hand drawn alone must not always be the first class (make_hands(1, ...) always is)
    def truths(seed):   # the model always says rock; a miss tells the true move
        w = GameWidget(Fixed(), size=32, seed=seed)
        texts = [w.draw()[1] for _ in range(24)]
        return [t.split("(it was ")[1].split(")")[0] if "❌" in t else "rock" for t in texts]

    first = truths(2)
    assert set(first) == {"paper", "rock", "scissors"}, first
    assert truths(2) == first and truths(3) != first


@pytest.mark.parametrize("value, words", [
    ((), "nothing was uploaded"), (None, "nothing was uploaded"),
    (({"name": "empty.png", "content": memoryview(b"")},), "the upload is empty"),
    (({"name": "notes.txt", "content": memoryview(b"hello")},), "not an image"),
    (("not-a-dict",), "the upload is empty")])
def test_widget_bad_uploads_give_a_message_not_a_traceback(value, words):
    w = GameWidget(Fixed(), size=32)
    image, text = w.handle_upload(value)
    assert image is None and words in text and text.startswith("⚠️") and w.game.score.rounds == 0


def test_widget_survives_a_failing_classifier():
    def broken(x):
        raise RuntimeError("boom")

    image, text = GameWidget(broken, size=32).handle_upload(({"content": _png()},))
    assert image is None and "classifier failed" in text and "boom" in text


def test_widget_builds_offline():
    pytest.importorskip("ipywidgets")
    box = GameWidget(Fixed(), size=32).widget
    assert len(box.children) == 3


def test_widget_bad_arguments():
    with pytest.raises(ValueError, match="callable"):
        GameWidget("model.tflite", 32)
    with pytest.raises(ValueError, match="backgrounds"):
        GameWidget(Fixed(), 32, backgrounds=("beach",))


# --- budgets ------------------------------------------------------------------------------------
def test_frame_budget():
    b = budgets.frame_budget(25.0)
    assert b["fps"] == pytest.approx(40.0) and b["budget_ms"] == pytest.approx(1000 / 30)
    assert b["budget_share"] == pytest.approx(0.75)
    assert budgets.frame_budget(50.0, camera_fps=10)["budget_share"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="must be > 0"):
        budgets.frame_budget(0)


def test_model_bytes_and_app_share():
    assert budgets.model_bytes(1_000, "float32") == 4_000
    assert budgets.model_bytes(1_000, "float16") == 2_000
    assert budgets.model_bytes(1_000, "int8") == 1_000
    assert budgets.app_share(1024, 9.0) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="precision"):
        budgets.model_bytes(10, "int4")


def test_energy_per_inference_from_published_energies():
    # Horowitz 2014: fp32 MAC = 3.7 + 0.9 pJ, int8 MAC = 0.2 (mult) + 0.1 (int32 accumulate);
    # Han et al. 2015: 640 pJ per 32-bit DRAM word, 5 pJ per 32-bit SRAM word
    f = budgets.energy_per_inference(1_000_000, 1_000, 10_000, "float32")
    assert (f.compute_uj, f.weights_uj, f.activations_uj) == pytest.approx((4.6, 0.64, 0.05))
    q = budgets.energy_per_inference(1_000_000, 1_000, 10_000, "int8")
    assert (q.compute_uj, q.weights_uj, q.activations_uj) == pytest.approx((0.3, 0.16, 0.0125))
    assert q.total_uj == pytest.approx(0.4725)
    with pytest.raises(ValueError, match="precision"):
        budgets.energy_per_inference(1, 1, 1, "float16")


# --- measurement helpers --------------------------------------------------------------------------
def test_agreement_and_accuracy():
    a = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])
    b = np.array([[0.8, 0.2, 0.0], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]])
    agree, diff = measure.agreement(a, b)
    assert agree == pytest.approx(2 / 3) and diff == pytest.approx(0.4)
    assert measure.accuracy(a, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="one shape"):
        measure.agreement(a, b[:2])


def test_latency_percentiles_and_measurement_speed():
    lat = measure.Latency(tuple(float(t) for t in range(1, 11)))
    assert lat.median == 5.5 and lat.p90 == pytest.approx(9.1)
    m = measure.Measurement("x", "float32", 10.0, measure.Latency((2.0, 2.0, 2.0)), macs=50_000_000, peak_gflops=100.0)
    assert m.gflops == pytest.approx(50.0) and m.peak_share == pytest.approx(0.5)
    assert "50.0" in measure.table([m]) and "% ceiling" in measure.table([m])
    fast = measure.Measurement("x", "float32", 10.0, measure.Latency((0.5,)), macs=50_000_000, peak_gflops=100.0)
    with pytest.raises(ValueError, match="above the ceiling"):
        fast.peak_share   # 200 GFLOP/s against a ceiling of 100: the ceiling is wrong, no share is given
    assert "above the ceiling" in measure.table([fast]) and "200" not in measure.table([fast]).split("\n")[1][-40:]


def test_measure_a_plain_callable():
    images = np.zeros((4, 8, 8, 3), np.float32)
    fn = lambda x: np.tile([[0.2, 0.5, 0.3]], (len(x), 1))   # noqa: E731
    m = measure.measure("numpy", "float32", fn, size_kb=1.0, macs=10, peak_gflops=1.0, images=images,
                        labels=np.array([1, 1, 0, 1]), reference=fn(images), repeat=3)
    assert m.accuracy == 0.75 and m.agreement == 1.0 and m.max_diff == 0.0 and len(m.latency.times_ms) == 3
    with pytest.raises(ValueError, match="batch axis of 1"):
        measure.batch1_latency(fn, images)


def test_paired_peak_share_divides_two_flops_per_mac_by_the_ceiling():
    # a "model" that takes at least 2 ms per call and is credited with 10^6 MACs: at most
    # 2 x 10^6 FLOP / 2 ms = 1 GFLOP/s, a tenth of a 10 GFLOP/s ceiling given to the function (a
    # FLOP/MAC mix-up gives 0.05 or 0.2; timing it as a batch, far less). Bests against the ceiling:
    # a busy machine slows some calls, rarely all fifteen.
    import time

    from course_utils.cost.ceiling import Ceiling, vector_unit

    fixed = Ceiling(1, vector_unit({"avx2", "fma"}, machine="x86_64"), 1.0, 10.0, {"numpy": (9.0, 9.5)})
    share = measure.paired_peak_share(lambda x: time.sleep(0.002), np.zeros((1, 4)), macs=10**6, threads=1,
                                      rounds=3, repeat=5, ceiling=fixed)
    assert len(share.shares) == 3 and share.threads == 1 and share.ceiling is not fixed
    assert 0 < share.typical <= share.best and 0.06 < share.best <= 0.1, share
    assert "of the ceiling" in str(share) and "1 thread" in str(share)
    a = np.ones((256, 256), np.float32)
    with pytest.raises(ValueError, match="above the ceiling"):
        measure.paired_peak_share(lambda x: a @ a, np.zeros((1, 4)), macs=10**12, threads=1, rounds=1,
                                  repeat=2, ceiling=fixed).best   # 10^12 MACs in a millisecond: no ceiling holds that
    for bad in (dict(macs=0), dict(threads=0), dict(rounds=0)):
        with pytest.raises(ValueError, match="must be >= 1"):
            measure.paired_peak_share(lambda x: x, np.zeros((1, 4)), **{"macs": 1, "threads": 1, **bad})


def test_peak_share_summaries_divide_by_the_ceiling():
    from course_utils.cost.ceiling import Ceiling, vector_unit

    ceiling = Ceiling(2, vector_unit({"avx2", "fma"}), 2.0, 128.0, {"numpy": (100.0, 120.0)})
    s = measure.PeakShare(ceiling, achieved=((64.0, 90.0), (32.0, 100.0), (96.0, 110.0)))
    assert s.shares == (0.5, 0.25, 0.75) and s.typical == 0.5 and s.best == pytest.approx(110 / 128)
    assert str(s).startswith("50% of the ceiling, median over rounds (25-75%); best call 86% (110 of 128")
    with pytest.raises(ValueError, match="above the ceiling"):
        measure.PeakShare(ceiling, achieved=((64.0, 129.0),)).best


# --- atomic writes --------------------------------------------------------------------------------
def test_write_atomic_writes_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    path = write_atomic(tmp_path / "sub" / "m.tflite", b"abc")
    assert path.read_bytes() == b"abc"

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "sub" / "m.tflite", b"new contents")
    assert path.read_bytes() == b"abc" and sorted(p.name for p in path.parent.iterdir()) == ["m.tflite"]


def test_importing_deploy_imports_no_framework():
    from conftest import run_python

    r = run_python("import sys, course_utils.deploy.game_widget, course_utils.deploy.measure, "
                   "course_utils.deploy.tflite, course_utils.deploy.onnx_export, course_utils.deploy.budgets, "
                   "course_utils.deploy.runtimes, course_utils.deploy.torch_runs, course_utils.deploy.standin\n"
                   "print([m for m in ('tensorflow', 'torch', 'onnxruntime') if m in sys.modules])")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_an_int8_runtime_gets_no_share_of_a_float32_ceiling():
    # VNNI or AMX do several int8 multiply-adds per float32 lane: lesson 08's int8 classifier ran at
    # 339 "GFLOP/s" against a float32 ceiling of 269. It is shown, never as a share of that ceiling.
    m = measure.Measurement("tflite", "int8", 1.0, measure.Latency((0.1,)), macs=50_000_000, peak_gflops=100.0)
    assert m.integer and m.gflops == pytest.approx(1000.0)
    with pytest.raises(ValueError, match="int8"):
        m.peak_share
    assert "n/a (int8)" in measure.table([m])
