"""Self-checks print a pass, 'not attempted', or a hint -- never a traceback."""
import numpy as np
import pytest

from course_utils import checks


def square(x):
    return x * x


def wrong_square(x):
    return x + x


def stub(x):
    # YOUR CODE HERE
    raise NotImplementedError()


def crashes(x):
    return x.nonexistent


def out_of(capsys) -> str:
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return out.out


def test_pass(capsys):
    r = checks.check_function(square, [((2,), 4), ((3,), 9)])
    assert r.passed and bool(r)
    assert out_of(capsys).startswith("✅ square: passed (2 cases)")


def test_wrong_answer_names_case_and_hint(capsys):
    r = checks.check_function(wrong_square, [((2,), 4), ((3,), 9)], hint="multiply, don't add")
    assert not r.passed and r.status == "failed"
    text = out_of(capsys)
    assert text.startswith("❌ wrong_square: case 2: expected 9, got 6") and "multiply, don't add" in text


def test_not_attempted(capsys):
    r = checks.check_function(stub, [((2,), 4)])
    assert r.status == "not attempted"
    assert "not attempted yet" in out_of(capsys)


def test_exception_is_explained_not_raised(capsys):
    r = checks.check_function(crashes, [((2,), 4)], hint="use x itself")
    assert r.status == "failed"
    assert "raised AttributeError" in out_of(capsys)


def test_not_a_function(capsys):
    r = checks.check_function(42, [((2,), 4)])
    assert not r.passed and "expected a function, got int" in out_of(capsys)


def test_arrays_shape_and_values(capsys):
    expected = np.arange(6.0).reshape(2, 3)
    assert checks.check_value(expected.copy(), expected, name="a")
    assert not checks.check_value(expected.ravel(), expected, name="b")
    assert not checks.check_value(expected + 1e-3, expected, name="c")
    text = out_of(capsys)
    assert "expected shape (2, 3), got shape (6,)" in text and "largest difference at index" in text


def test_wrong_type(capsys):
    assert not checks.check_value("12", 12, name="count")
    assert not checks.check_value(object(), np.zeros(3), name="arr")
    assert "❌ count" in out_of(capsys)


def test_value_not_filled_in(capsys):
    r = checks.check_value(None, 3, name="answer")
    assert r.status == "not attempted"


def test_float_tolerance():
    assert checks.check_value(0.1 + 0.2, 0.3, name="f")
    assert checks.check_value(568740352, 568740352, name="i")


def test_predicate(capsys):
    assert checks.check_predicate(lambda: True, name="p")
    def explain():
        raise AssertionError("the box is too small")
    r = checks.check_predicate(explain, name="q", hint="grow it")
    assert not r.passed and "the box is too small" in out_of(capsys)
    assert checks.check_predicate(lambda: stub(1), name="s").status == "not attempted"


def test_grading_mode_raises(clean_modes, capsys):
    clean_modes.setenv("COURSE_CHECKS_RAISE", "1")
    with pytest.raises(AssertionError, match="wrong_square"):
        checks.check_function(wrong_square, [((3,), 9)])
    assert checks.check_function(square, [((3,), 9)]).passed
