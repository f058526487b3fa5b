"""Self-checks on hostile or unlucky answers: each one prints a ❌ line with a reason, never a
traceback, never a false pass, and never hangs."""
import sys
import threading
import time

import numpy as np
import pytest

from course_utils import checks


def lines_of(capsys) -> str:
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return out.out


# ------------------------------------------------------------ 1. no raw tracebacks

def test_torch_tensor_that_requires_grad_is_explained(capsys):
    torch = pytest.importorskip("torch")
    t = torch.ones(3, requires_grad=True)
    r = checks.check_value(t, np.ones(3), name="grad")
    assert r.status == "failed"
    assert "requires grad" in lines_of(capsys) and ".detach()" in r.message
    r = checks.check_function(lambda: t * 2, [((), np.full(3, 2.0))], name="fn")
    assert r.status == "failed" and ".detach()" in r.message


def test_predicate_returning_an_array_is_explained(capsys):
    r = checks.check_predicate(lambda: np.array([True, False, True]), name="p")
    assert r.status == "failed"
    text = lines_of(capsys)
    assert text.startswith("❌ p:") and ".all()" in text


def test_sys_exit_in_the_learners_function_is_explained(capsys):
    def quits(x):
        sys.exit()

    r = checks.check_function(quits, [((1,), 1)], name="quits")
    assert r.status == "failed" and "sys.exit()" in lines_of(capsys)
    r = checks.check_predicate(lambda: sys.exit(3), name="p")
    assert r.status == "failed" and "sys.exit()" in r.message


def test_a_comparison_that_raises_is_explained(capsys):
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no comparing me")

        def __array__(self, *args, **kwargs):
            raise RuntimeError("no converting me")

    assert checks.check_value(Weird(), 3, name="w").status == "failed"
    assert checks.check_value(Weird(), np.zeros(2), name="w2").status == "failed"
    lines_of(capsys)


# ------------------------------------------------------------------ 2. false passes

def test_a_string_is_not_a_number(capsys):
    assert not checks.check_value("3", 3.0, name="s")
    assert not checks.check_value(["1", "2"], [1.0, 2.0], name="l")
    assert not checks.check_value(np.array(["1.0"]), np.array([1.0]), name="a")
    assert "expected a number, got str" in lines_of(capsys)


def test_tuples_are_compared_element_by_element(capsys):
    assert not checks.check_value((568740352 + 316, 3), (568740352, 3), name="t")
    assert not checks.check_value([568740352 + 316, 3], [568740352, 3], name="l")
    assert "element 0: expected 568740352, got 568740668" in lines_of(capsys)
    assert checks.check_value([568740352, 3], (568740352, 3), name="ok")
    assert checks.check_value(np.array([568740352, 3]), (568740352, 3), name="ok2")
    # mixed tuples: integers exact, floats with the float tolerance
    assert checks.check_value((0.5, 224), (0.5, 224), name="mixed")
    assert checks.check_value((0.1 + 0.2, 224), (0.3, 224), name="mixed2")
    assert not checks.check_value((0.3, 225), (0.3, 224), name="mixed3")
    assert not checks.check_value((1, 2), (1, 2, 3), name="short")
    assert "expected 3 items, got 2" in lines_of(capsys)


# ------------------------------------------------------------------------- 3. NaN

def test_nan_equals_nan():
    assert checks.check_value(float("nan"), float("nan"), name="n")
    assert checks.check_value(np.float32("nan"), float("nan"), name="n32")
    assert checks.check_value(np.array([1.0, np.nan]), np.array([1.0, np.nan]), name="arr")
    assert checks.check_value((1.0, float("nan")), (1.0, float("nan")), name="tup")
    assert not checks.check_value(1.0, float("nan"), name="one")
    assert not checks.check_value(float("nan"), 1.0, name="other")
    assert not checks.check_value(np.array([np.nan, 1.0]), np.array([1.0, 1.0]), name="arr2")


# -------------------------------------------------------------- 4. bare asserts

LEARNER_CODE = """
def pred():
    value = 2
    assert value > 3
    return True


def fn(x):
    assert x < 0
    return x
"""


@pytest.fixture
def plain_module(tmp_path):
    """Functions from a file pytest did not rewrite: their bare asserts have no message,
    as in a notebook."""
    import importlib.util

    path = tmp_path / "learner_code.py"
    path.write_text(LEARNER_CODE)
    spec = importlib.util.spec_from_file_location("learner_code", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bare_assert_in_a_predicate_shows_its_source(plain_module, capsys):
    r = checks.check_predicate(plain_module.pred, name="p")
    assert r.status == "failed" and "assert value > 3" in r.message
    assert "❌ p: ." not in lines_of(capsys)


def test_bare_assert_in_the_learners_function_shows_its_source(plain_module):
    r = checks.check_function(plain_module.fn, [((1,), 1)], name="fn")
    assert "AssertionError" in r.message and "assert x < 0" in r.message


def test_assert_without_source_still_says_something():
    def pred():
        raise AssertionError()

    r = checks.check_predicate(pred, name="p")
    assert r.message.startswith("the check's assertion failed")


# ---------------------------------------------------------------------- 5. timeouts

def forever(x):
    while True:
        pass


def test_infinite_loop_is_stopped(capsys):
    start = time.perf_counter()
    r = checks.check_function(forever, [((1,), 1)], name="loop", timeout=0.5)
    assert time.perf_counter() - start < 3
    assert r.status == "failed" and "did not finish within 0.5 s" in lines_of(capsys)
    # the check's own alarm is gone: a later slow-ish call is not interrupted
    assert checks.check_function(lambda: time.sleep(0.7) or 1, [((), 1)], name="ok", timeout=5)


def test_infinite_loop_in_a_predicate_is_stopped():
    r = checks.check_predicate(lambda: forever(1), name="p", timeout=0.3)
    assert r.status == "failed" and "did not finish within 0.3 s" in r.message


def test_timeout_off_the_main_thread_falls_back_to_a_thread():
    results = []
    worker = threading.Thread(target=lambda: results.append(
        checks.check_function(lambda: time.sleep(30), [((), 1)], name="slow", timeout=0.3)))
    start = time.perf_counter()
    worker.start()
    worker.join(5)
    assert time.perf_counter() - start < 3 and results
    assert "did not finish within 0.3 s" in results[0].message
    ok = []
    worker = threading.Thread(target=lambda: ok.append(checks.check_function(
        lambda x: x * x, [((3,), 9)], name="sq", timeout=2)))
    worker.start()
    worker.join(5)
    assert ok and ok[0].passed


def test_timeout_from_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_CHECKS_TIMEOUT", "0.2")
    r = checks.check_function(forever, [((1,), 1)], name="loop")
    assert "did not finish within 0.2 s" in r.message


def test_a_previous_alarm_handler_is_restored():
    signal = pytest.importorskip("signal")
    if not hasattr(signal, "setitimer"):
        pytest.skip("no setitimer here")

    def mine(signum, frame):
        pass

    old = signal.signal(signal.SIGALRM, mine)
    try:
        checks.check_function(lambda x: x, [((1,), 1)], name="id", timeout=1)
        assert signal.getsignal(signal.SIGALRM) is mine
    finally:
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------- 6. tolerances (mutation survivors)

def test_a_relative_error_of_1e_4_is_rejected():
    assert not checks.check_value(1.0001, 1.0, name="f")
    assert not checks.check_value(np.array([1.0, 2.0002]), np.array([1.0, 2.0]), name="a")
    assert not checks.check_function(lambda: 1.0001, [((), 1.0)], name="fn")
    assert checks.compare(1.0001, 1.0) is not None
    assert checks.check_value(1.0 + 1e-8, 1.0, name="close")


def test_integers_are_compared_exactly():
    assert not checks.check_value(568740353, 568740352, name="i")
    assert not checks.check_value(568740353.0, 568740352, name="f")
    assert not checks.check_value(np.int64(568740353), 568740352, name="np")
    assert not checks.check_value(np.array([568740353]), np.array([568740352]), name="arr")
    assert not checks.check_value(np.array([568740353.0]), np.array([568740352]), name="farr")
    assert checks.check_value(568740352.0, 568740352, name="same")
    assert checks.check_value(np.int32(12), 12, name="np_same")


def test_raise_mode_still_raises_for_the_new_failures(clean_modes):
    clean_modes.setenv("COURSE_CHECKS_RAISE", "1")
    with pytest.raises(AssertionError, match="did not finish"):
        checks.check_function(forever, [((1,), 1)], name="loop", timeout=0.2)
    with pytest.raises(AssertionError, match="expected a number"):
        checks.check_value("3", 3.0, name="s")
