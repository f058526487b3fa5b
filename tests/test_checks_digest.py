"""Salted-hash checks: the learner's notebook holds a digest, never the answer."""
import numpy as np
import pytest

from course_utils import checks


def test_digest_rounds_floats_and_keeps_integers_exact():
    d = checks.answer_digest([8, 16, 0.333333], "s")
    assert checks.answer_digest((8, 16, 1 / 3), "s") == d            # tuple = list, rounded to 4 digits
    assert checks.answer_digest(np.array([8, 16, 0.33334]), "s") == d  # arrays and NumPy scalars
    assert checks.answer_digest([8, 16, 0.3334], "s") != d            # a different 4th digit
    assert checks.answer_digest([8, 17, 1 / 3], "s") != d
    assert checks.answer_digest(568740353, "s") != checks.answer_digest(568740352, "s")  # integers exactly
    assert checks.answer_digest(-0.0, "s") == checks.answer_digest(0.0, "s")


def test_the_salt_separates_exercises():
    assert checks.answer_digest("B", "03-ex6") != checks.answer_digest("B", "04-ex6")
    with pytest.raises(ValueError, match="salt"):
        checks.answer_digest(1, "")
    with pytest.raises(TypeError, match="expected numbers"):
        checks.answer_digest(object(), "s")


def stub(x):
    raise NotImplementedError()


def test_check_digest_passes_fails_and_waits(capsys):
    cases = [((a,), checks.answer_digest(a * 2, "t")) for a in (1, 2.5)]
    assert checks.check_digest(lambda a: a * 2, cases, salt="t", name="double")
    assert "✅ double: passed (2 cases)" in capsys.readouterr().out
    result = checks.check_digest(lambda a: a * 2 if a < 2 else a + 2, cases, salt="t", name="double", hint="twice")
    out = capsys.readouterr().out
    assert not result and out == "❌ double: case 2: 4.5 is not the expected answer. Hint: twice\n"  # not the answer 5.0
    assert checks.check_digest(stub, cases, salt="t").status == "not attempted"
    assert checks.check_digest(lambda a: object(), cases, salt="t").status == "failed"
    assert checks.check_digest(42, cases, salt="t").status == "failed"


def test_check_digest_raises_for_the_autograder(monkeypatch):
    monkeypatch.setenv("COURSE_CHECKS_RAISE", "1")
    with pytest.raises(AssertionError):
        checks.check_digest(lambda a: a, [((1,), checks.answer_digest(2, "t"))], salt="t")
