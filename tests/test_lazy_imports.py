"""`import course_utils` (and its non-framework modules) must not import TF or PyTorch."""
import pkgutil

import course_utils
from conftest import ROOT, run_python

# Modules whose whole purpose is one framework may import it: course_utils.models.keras_*
# and course_utils.models.torch_*.
def is_framework_module(name: str) -> bool:
    return name.startswith(("course_utils.models.keras_", "course_utils.models.torch_"))



def light_modules() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils.")
             if not m.name.endswith("__main__")]  # __main__ runs the benchmarks
    return sorted(m for m in found if not is_framework_module(m))


def test_package_import_is_light():
    r = run_python("import sys, course_utils as cu; cu.setup_notebook(quiet=True); "
                   "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'torchvision') if m in sys.modules))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_every_helper_module_is_light():
    modules = light_modules()
    assert "course_utils.checks" in modules and "course_utils.modes" in modules
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'torchvision') if m in sys.modules))")
    r = run_python(code)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == "[]", f"a helper module imported a framework: {r.stdout}"
