"""One pinned dependency set: pyproject.toml is the source, environment.yml repeats it,
and the running environment is exactly it."""
import re
import tomllib
from importlib import metadata

import pytest

from conftest import ROOT


def pins_from_pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_parse(r) for r in reqs)


def pins_from_environment_yml() -> dict[str, str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    reqs = [ln.strip()[2:] for ln in lines[start + 1:] if ln.strip().startswith("- ")]
    return dict(_parse(r) for r in reqs)


def _parse(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.+]+)", requirement.strip())
    assert match, f"not an exact pin: {requirement!r} (every dependency is pinned with ==)"
    return match.group(1).lower(), match.group(2)


def test_environment_yml_matches_pyproject():
    pyproject, env = pins_from_pyproject(), pins_from_environment_yml()
    assert env == pyproject, {
        "only in pyproject": sorted(set(pyproject) - set(env)),
        "only in environment.yml": sorted(set(env) - set(pyproject)),
        "different": sorted(k for k in set(env) & set(pyproject) if env[k] != pyproject[k]),
    }


def test_environment_yml_python_matches_requires_python():
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in text
    assert "<3.12" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]


@pytest.mark.parametrize("name,version", sorted(pins_from_pyproject().items()))
def test_installed_version_is_the_pin(name, version):
    assert metadata.version(name) == version


def test_opencv_is_4_with_cascades_and_hog():
    import cv2

    assert cv2.__version__.startswith("4."), cv2.__version__
    assert hasattr(cv2, "CascadeClassifier") and hasattr(cv2, "HOGDescriptor")
    dists = {d.metadata["Name"].lower() for d in metadata.distributions()}
    assert not {"opencv-python-headless", "opencv-contrib-python"} & dists, \
        "a second OpenCV wheel is installed beside opencv-python"
