import pytest

from course_utils import modes


def test_flags_default_off(clean_modes):
    assert not modes.fast_mode() and not modes.offline_mode()
    assert modes.describe() == "full"
    assert modes.pick(100, 5) == 100


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_flags_on(clean_modes, value):
    clean_modes.setenv("COURSE_FAST", value)
    clean_modes.setenv("COURSE_OFFLINE", value)
    assert modes.fast_mode() and modes.offline_mode()
    assert modes.pick(100, 5) == 5
    assert modes.describe() == "fast, offline"


def test_flags_are_read_at_call_time(clean_modes):
    assert not modes.fast_mode()
    clean_modes.setenv("COURSE_FAST", "1")
    assert modes.fast_mode()  # no restart, no cached state


def test_bad_flag_value_names_the_variable(clean_modes):
    clean_modes.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST must be one of"):
        modes.fast_mode()


def test_data_dir_override_is_created(clean_modes, tmp_path):
    target = tmp_path / "cache" / "here"
    clean_modes.setenv("COURSE_DATA_DIR", str(target))
    assert modes.data_dir() == target and target.is_dir()


def test_data_dir_default_under_user_cache(clean_modes, tmp_path):
    clean_modes.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert modes.data_dir() == tmp_path / "small-and-fast"


def test_data_dir_that_is_a_file_or_not_writable_names_the_path(clean_modes, tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("x")
    clean_modes.setenv("COURSE_DATA_DIR", str(afile))
    with pytest.raises(ValueError, match=rf"COURSE_DATA_DIR=.*{afile} is a file; expected a folder"):
        modes.data_dir()
    # root ignores permission bits, so "read-only" is simulated where the check looks
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if str(p) == str(ro) else real(p, m, **kw))
    clean_modes.setenv("COURSE_DATA_DIR", str(ro))
    with pytest.raises(ValueError, match=f"data folder {ro} is not writable"):
        modes.data_dir()
