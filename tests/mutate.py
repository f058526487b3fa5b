"""``make mutate``: plant small bugs in the core modules and report the ones no test catches.

A tool for authors, not part of ``make test``. Each mutant is one small change to one module
of a *copy* of the repository (the checkout is never touched): a known-bug list (bugs that
once survived the suite) plus operator mutations drawn at a seeded random from the core
modules (``<`` to ``<=``, ``+`` to ``-``, ``and`` to ``or``, a constant off by one, ...).
For each, the tests that cover the module run with ``-x``; a mutant whose tests still pass
is a *survivor*: a bug the suite would not notice.

    python tests/mutate.py                 # the known bugs + 30 random mutants
    python tests/mutate.py --random 80 --seed 1
    python tests/mutate.py --root /path/to/another/checkout   # e.g. an older commit
"""
from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# module file name -> the test files that cover it (globs, relative to tests/)
CORE = {
    "hog.py": ["test_hog.py"],
    "haar.py": ["test_haar*.py", "test_classical*.py"], "integral.py": ["test_haar*.py", "test_classical*.py"],
    "boost.py": ["test_haar*.py", "test_classical*.py"],
    "detect.py": ["test_detect*.py", "test_classical*.py"], "windows.py": ["test_detect*.py", "test_classical*.py"],
    "formulas.py": ["test_cost.py"], "keras_layers.py": ["test_cost_keras.py"], "torch_ops.py": ["test_cost_torch.py"],
    "walk_keras.py": ["test_cost_keras.py"], "walk_torch.py": ["test_cost_torch.py"],
    "handpose.py": ["test_handpose.py", "test_data_handpose*.py"], "handdraw.py": ["test_handpose.py", "test_data_handpose*.py"],
    "download.py": ["test_download.py", "test_data_download*.py"], "extract.py": ["test_download.py", "test_data_download*.py"],
    "transfer.py": ["test_download.py", "test_data_download*.py"],
    "checks.py": ["test_checks*.py"],
    "folders.py": ["test_folders.py", "test_data_folders*.py"], "reading.py": ["test_folders.py", "test_data_folders*.py"],
}


@dataclass
class Mutant:
    file: str          # file name, found anywhere under course_utils/
    label: str
    old: str = ""      # known bugs: a text replacement ...
    new: str = ""
    site: int = -1     # ... random mutants: the index of an AST mutation site


# Bugs that survived the suite once (issue "Tests that fail when the code is wrong").
KNOWN = [
    Mutant("haar.py", "scan_features: rows and columns swapped in the window statistics",
           "mean, std = _window_stats(image, rows, cols, height, width)",
           "mean, std = _window_stats(image, cols, rows, width, height)"),
    Mutant("boost.py", "Cascade.scan: rows and columns swapped in the window statistics",
           "mean, std = _window_stats(image, rows, cols, height, width)",
           "mean, std = _window_stats(image, cols, rows, width, height)"),
    Mutant("keras_layers.py", "depthwise MACs with depth_multiplier applied twice",
           "macs = math.prod(out_shape) * math.prod(k)",
           "macs = math.prod(out_shape) * math.prod(k) * _depthwise_kernel(layer).shape[-1]"),
    Mutant("download.py", "a cached archive of the right size is accepted whatever its sha256",
           "if got == sha:", "if archive.stat().st_size == size:"),
    Mutant("download.py", "any .verified marker is trusted, whatever hash it records",
           "(target / MARKER).read_text().strip() == sha", "(target / MARKER).exists()"),
    Mutant("checks.py", "float tolerance loosened from 1e-6 to 1e-3",
           "rtol: float = 1e-6", "rtol: float = 1e-3"),
    Mutant("checks.py", "integers compared with a relative tolerance",
           "ok = (int(got) if isinstance(got, (int, np.integer)) else value) == int(expected)",
           "ok = bool(np.isclose(value, expected, rtol=rtol, atol=atol))"),
    Mutant("handdraw.py", "scissors drawn with the wrong two fingers raised",
           "extended = EXTENDED[pose]",
           'extended = ("middle", "ring") if pose == "scissors" else EXTENDED[pose]'),
]

SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv,
         ast.And: ast.Or, ast.Or: ast.And}


class Mutator(ast.NodeTransformer):
    """Counts mutation sites; with ``target`` set, changes that one site."""

    def __init__(self, target: int = -1):
        self.count, self.target, self.what = 0, target, ""

    def _hit(self, what: str) -> bool:
        self.count += 1
        if self.count - 1 == self.target:
            self.what = what
            return True
        return False

    def visit_FunctionDef(self, node):
        if ast.get_docstring(node):  # never mutate a docstring
            node.body = node.body[:1] + [self.visit(n) for n in node.body[1:]]
            return node
        return self.generic_visit(node)

    def visit_Compare(self, node):
        self.generic_visit(node)
        op = type(node.ops[0])
        if op in SWAPS and self._hit(f"{op.__name__} -> {SWAPS[op].__name__} at line {node.lineno}"):
            node.ops[0] = SWAPS[op]()
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = type(node.op)
        if op in SWAPS and self._hit(f"{op.__name__} -> {SWAPS[op].__name__} at line {node.lineno}"):
            node.op = SWAPS[op]()
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        op = type(node.op)
        if self._hit(f"{op.__name__} -> {SWAPS[op].__name__} at line {node.lineno}"):
            node.op = SWAPS[op]()
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return node
        if self._hit(f"constant {node.value!r} -> {node.value + 1!r} at line {node.lineno}"):
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node


def find(root: Path, name: str) -> Path | None:
    hits = sorted((root / "course_utils").rglob(name))
    return hits[0] if hits else None


def tests_for(root: Path, name: str) -> list[str]:
    return sorted({str(p) for g in CORE[name] for p in (root / "tests").glob(g)})


def run_tests(root: Path, tests: list[str], timeout: int) -> tuple[bool, float, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "COURSE_FAST": "1", "COURSE_OFFLINE": "1",
           "MPLBACKEND": "Agg"}
    start = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                            "-m", "not slow", *tests], cwd=root, env=env, capture_output=True,
                           text=True, timeout=timeout)
        passed = r.returncode == 0
        failed = [ln.split()[1] for ln in r.stdout.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
        killer = failed[0].split("/")[-1] if failed else ""
    except subprocess.TimeoutExpired:
        passed, killer = False, "timeout"  # a mutant that hangs the tests is caught (by the timeout)
    return passed, time.monotonic() - start, killer


def apply(path: Path, mutant: Mutant) -> str | None:
    """Write the mutant into ``path``; return a description, or None if it does not apply."""
    text = path.read_text()
    if mutant.site < 0:
        if mutant.old not in text:
            return None
        path.write_text(text.replace(mutant.old, mutant.new, 1))
        return mutant.label
    mut = Mutator(mutant.site)
    tree = mut.visit(ast.parse(text))
    path.write_text(ast.unparse(ast.fix_missing_locations(tree)))
    return mut.what


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--random", type=int, default=30, help="how many random mutants")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per test run")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(args.root, copy, ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", "notebooks", "exercises"))
        mutants = list(KNOWN)
        rng = random.Random(args.seed)
        names = [n for n in CORE if find(copy, n) and tests_for(copy, n)]
        for _ in range(args.random):
            name = rng.choice(names)
            counter = Mutator()
            counter.visit(ast.parse(find(copy, name).read_text()))
            mutants.append(Mutant(name, "random", site=rng.randrange(counter.count)))

        baseline = {}
        survivors, tried = [], 0
        for m in mutants:
            path = find(copy, m.file)
            if path is None or not tests_for(copy, m.file):
                print(f"skip   {m.file}: not in this tree ({m.label})")
                continue
            tests = tests_for(copy, m.file)
            key = tuple(tests)
            if key not in baseline:  # the unmutated tests must pass, or a "kill" means nothing
                baseline[key] = run_tests(copy, tests, args.timeout)[0]
                if not baseline[key]:
                    print(f"ERROR  the unmutated tests fail: {' '.join(Path(t).name for t in tests)}")
                    return 2
            original = path.read_text()
            try:
                what = apply(path, m)
                if what is None:
                    print(f"skip   {m.file}: the known bug's code is not there ({m.label})")
                    continue
                passed, seconds, killer = run_tests(copy, tests, args.timeout)
            finally:
                path.write_text(original)
            tried += 1
            verdict = "SURVIVED" if passed else "killed "
            by = f" by {killer}" if killer else ""
            print(f"{verdict} {m.file:14s} {what}  ({seconds:.0f} s){by}", flush=True)
            if passed:
                survivors.append(f"{m.file}: {what}")
    print(f"\n{len(survivors)} of {tried} mutants survived")
    for s in survivors:
        print("  survivor:", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
