"""The package's shape: one-way dependencies, no cycles, small modules, a bench that finds everything."""
from __future__ import annotations

import ast
import random
import pkgutil
from pathlib import Path

import course_utils
from conftest import ROOT, run_python

PACKAGE = ROOT / "course_utils"
# Allowed imports between groups: a group may import itself, the plumbing, and what is listed.
PLUMBING = {"modes", "seeding", "frameworks", "notebook", "checks", "exercises", "syllabus",
            "plotting", "timing", "imgaug_shim", "__init__"}
ALLOWED = {
    "plumbing": {"plumbing"},
    "widgets": {"plumbing", "cost"},   # the notebooks' calculators, over the cost formulas
    "data": {"plumbing"},
    "classical": {"plumbing", "data"},
    "cost": {"plumbing", "models"},
    "models": {"plumbing"},
    "diagrams": {"plumbing"},          # figures drawn in code (convolutions, HOG, cascade...)
    "augment": {"plumbing", "data", "models"},   # preprocessing and augmentation (lesson 06)
    "transfer": {"plumbing", "data", "cost", "models", "augment"},   # lesson 07
    "deploy": {"plumbing", "data", "cost", "models", "augment", "transfer"},   # lesson 08
    "detection": {"plumbing", "data", "classical", "cost", "models", "transfer"},   # lesson 09
    "bench": {"plumbing", "data", "classical", "cost", "models", "augment", "transfer", "deploy", "detection"},
}
MAX_LINES = 330  # "no module much over 300 lines"


def group(module: str) -> str:
    """'course_utils.data.handpose' -> 'data'; top-level plumbing modules -> 'plumbing'."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in PLUMBING:
        return "plumbing"
    return parts[0]


def all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils."))


def imports_of(path: Path, module: str) -> set[str]:
    """course_utils modules imported by the file at ``path`` (anywhere in it, lazy ones too)."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("course_utils"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("course_utils"))
    known = set(all_modules()) | {"course_utils"}
    return {m for m in found if m in known}


def module_path(module: str) -> Path:
    rel = Path(*module.split(".")[1:])
    pkg = PACKAGE / rel / "__init__.py"
    return pkg if pkg.exists() else (PACKAGE / rel).with_suffix(".py")


def test_groups_depend_one_way():
    bad = []
    for module in all_modules():
        for target in imports_of(module_path(module), module):
            if target == "course_utils":
                continue
            src, dst = group(module), group(target)
            if dst != src and dst not in ALLOWED[src]:
                bad.append(f"{module} ({src}) imports {target} ({dst})")
    assert not bad, "dependencies must point one way:\n" + "\n".join(bad)


def test_no_import_cycle_between_modules():
    graph = {m: imports_of(module_path(m), m) - {m} for m in all_modules()}
    # a package __init__ that re-exports its own submodules is not a cycle
    for m in graph:
        graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


def test_every_module_imports_alone_in_a_fresh_process_in_random_order():
    # One process preloads the third-party libraries (no course_utils module), then forks a
    # child per module: each child starts with no course_utils module loaded and imports one,
    # so a cycle or a missing import shows, at a fork's cost instead of an interpreter's.
    modules = [m for m in all_modules()  # __main__ runs the benchmarks; models.* import a framework
               if not m.startswith("course_utils.models.") and not m.endswith("__main__")]
    random.Random(20261128).shuffle(modules)
    code = ("import importlib, os, sys\n"
            "import numpy, cv2  # what course_utils modules import at the top\n"
            "assert not [m for m in sys.modules if m.startswith('course_utils')]\n"
            f"for m in {modules!r}:\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        try:\n"
            "            importlib.import_module(m)\n"
            "        except BaseException as err:\n"
            "            print(m, 'FAILED', repr(err), flush=True)\n"
            "            os._exit(1)\n"
            "        os._exit(0)\n"
            "    print(m, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)\n")
    r = run_python(code)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    failed = [line for line in lines if line.split()[-1] != "0"]
    assert not failed, "modules that fail to import on their own:\n" + "\n".join(failed)
    assert len([ln for ln in lines if ln.split()[-1] == "0"]) == len(modules)


def test_no_module_is_much_over_300_lines():
    long = [f"{p.relative_to(ROOT)}: {n}" for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES]
    assert not long, f"split these modules (limit {MAX_LINES} lines): {long}"


def test_topic_modules_never_import_bench():
    offenders = [m for m in all_modules() if group(m) != "bench"
                 and any(group(t) == "bench" for t in imports_of(module_path(m), m))]
    assert not offenders


def test_make_bench_lists_every_registered_benchmark():
    r = run_python("from course_utils.bench import main; main(['--list'])")
    assert r.returncode == 0, r.stderr
    listed = [line.split()[0] for line in r.stdout.splitlines()]
    # every benchmark defined anywhere in the bench package is listed
    defined = set()
    for path in (PACKAGE / "bench").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "benchmark":
                defined.add(node.args[0].value)
    assert set(listed) == defined and len(listed) == len(defined)
    assert {"matmul", "handpose", "hog", "haar", "conv", "mobilenet"} <= defined


def test_an_unknown_benchmark_name_is_a_clear_error(capsys):
    from course_utils.bench import main

    assert main(["no-such-bench"]) == 2
    assert "expected some of" in capsys.readouterr().out
