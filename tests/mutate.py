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
    "haar.py": ["test_haar*.py"], "integral.py": ["test_haar*.py"], "boost.py": ["test_haar*.py"],
    "detect.py": ["test_detect*.py"], "windows.py": ["test_detect*.py"],
    "formulas.py": ["test_cost*.py"], "walk.py": ["test_cost*.py"], "walk_keras.py": ["test_cost*.py"],
    "walk_torch.py": ["test_cost*.py"], "cost.py": ["test_cost*.py"],
    "handpose.py": ["test_handpose.py"], "download.py": ["test_download*.py"], "extract.py": ["test_download*.py"],
    "checks.py": ["test_checks*.py"], "folders.py": ["test_folders*.py"],
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
           "sq[r0 + h, c0 + w]", "sq[c0 + w, r0 + h]"),
    Mutant("cost.py", "depthwise MACs with depth_multiplier applied twice",
           "groups, c_out = c_in, c_in * kernel[3]", "groups, c_out = c_in, c_in * kernel[3] * kernel[3]"),
    Mutant("download.py", "a cached file whose size matches is accepted without its sha256",
           "_sha256(path) == expected", "True"),
    Mutant("checks.py", "float tolerance loosened from 1e-6 to 1e-3", "1e-6", "1e-3"),
    Mutant("handpose.py", "scissors drawn with the wrong two fingers raised",
           '"scissors": (False, True, True, False, False)', '"scissors": (False, False, True, True, False)'),
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


def run_tests(root: Path, tests: list[str], timeout: int) -> tuple[bool, float]:
    env = {**os.environ, "PYTHONPATH": str(root), "COURSE_FAST": "1", "COURSE_OFFLINE": "1",
           "MPLBACKEND": "Agg"}
    start = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                            "-m", "not slow", *tests], cwd=root, env=env, capture_output=True,
                           text=True, timeout=timeout)
        passed = r.returncode == 0
    except subprocess.TimeoutExpired:
        passed = False  # a mutant that hangs the tests is caught (by the timeout)
    return passed, time.monotonic() - start


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
                passed, seconds = run_tests(copy, tests, args.timeout)
            finally:
                path.write_text(original)
            tried += 1
            verdict = "SURVIVED" if passed else "killed "
            print(f"{verdict} {m.file:14s} {what}  ({seconds:.0f} s)", flush=True)
            if passed:
                survivors.append(f"{m.file}: {what}")
    print(f"\n{len(survivors)} of {tried} mutants survived")
    for s in survivors:
        print("  survivor:", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
