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
    python tests/mutate.py --modules 05-08 --random 40 --seed 1     # lessons 05-08's modules only

Each mutant first meets the tests that existed before the ``--new`` ones (default: the
``test_probes_05_08*`` files of issue 26); a survivor then meets the new tests too, so one
run reports the survivors before and after them.
"""
from __future__ import annotations

import argparse
import ast
import fnmatch
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
# Lessons 05-08 (issue 26): models/, cost/ (memory, walks), augment/, transfer/, deploy/, and the
# shared checks and atomic writer they use. Quick tests only (the runs use -m "not slow").
_AUG = ["test_augment.py", "test_probes_05_08_augment.py"]
_TRANSFER = ["test_transfer_torch.py", "test_transfer_heads.py", "test_transfer_training.py",
             "test_probes_05_08_transfer.py"]
_DEPLOY = ["test_deploy.py", "test_probes_05_08_deploy.py"]
CORE_05_08 = {
    "specs.py": ["test_mobilenet_v2.py", "test_probes_05_08_models.py"],
    "keras_mobilenet_v2.py": ["test_mobilenet_v2.py", "test_probes_05_08_models.py"],
    "torch_mobilenet_v2.py": ["test_mobilenet_v2.py", "test_probes_05_08_models.py"],
    "keras_shufflenet.py": ["test_mobilenet_v2.py", "test_probes_05_08_models.py"],
    "torch_shufflenet.py": ["test_mobilenet_v2.py", "test_probes_05_08_models.py"],
    "torch_layers.py": ["test_mobilenet_v1.py", "test_probes_05_08_models.py"],
    "memory.py": ["test_memory.py", "test_probes_05_08_models.py"],
    "walk.py": ["test_cost_torch.py", "test_probes_05_08_models.py"],
    "by_formula.py": ["test_cost.py", "test_probes_05_08_models.py"],
    "preprocess.py": _AUG, "by_hand.py": _AUG, "libraries.py": _AUG, "segment.py": _AUG, "denoise.py": _AUG,
    "experiment.py": _AUG,
    "validate.py": ["test_probes_05_08_augment.py", "test_probes_05_08_transfer.py"],
    "atomic.py": ["test_deploy.py", "test_transfer_torch.py", "test_probes_05_08_writers.py"],
    "finetune.py": _TRANSFER, "torch_classifier.py": _TRANSFER, "heads.py": _TRANSFER,
    "features.py": _TRANSFER, "classifier.py": _TRANSFER, "strategies.py": _TRANSFER,
    "budgets.py": _DEPLOY, "game.py": _DEPLOY, "game_widget.py": _DEPLOY,
    "tflite.py": ["test_deploy_export.py", "test_probes_05_08_deploy.py"],
    "onnx_export.py": ["test_deploy_export.py", "test_probes_05_08_deploy.py"],
}
CORE.update(CORE_05_08)


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

# Bugs a bad day could plant in lessons 05-08's code (issue 26); each must be killed.
KNOWN_05_08 = [
    Mutant("torch_mobilenet_v2.py", "inverted residual: the shortcut also skipped when t = 6 (a residual condition)",
           "self.use_residual = stride == 1 and c_in == c_out",
           "self.use_residual = stride == 1 and c_in == c_out and t == 1"),
    Mutant("keras_mobilenet_v2.py", "the projection is no longer linear (ReLU6 after project_BN)",
           'x = layers.BatchNormalization(**BN, name=f"{prefix}project_BN")(x)',
           'x = layers.BatchNormalization(**BN, name=f"{prefix}project_BN")(x)\n    x = layers.ReLU(6.0)(x)'),
    Mutant("torch_shufflenet.py", "channel shuffle reshaped the wrong way ((C/g, g) instead of (g, C/g))",
           "x.view(n, groups, c // groups, h, w)", "x.view(n, c // groups, groups, h, w)"),
    Mutant("specs.py", "ShuffleNet: a stage as wide as the one before is accepted (a 0-channel branch)",
           "if stride == 2 and c_out <= c_in:", "if stride == 2 and c_out < c_in:"),
    Mutant("tflite.py", "int8 input quantization: the scale inverted",
           "np.round(x / scale + zero)", "np.round(x * scale + zero)"),
    Mutant("tflite.py", "int8 input quantization: the zero point forgotten",
           "np.round(x / scale + zero)", "np.round(x / scale)"),
    Mutant("budgets.py", "frame budget in seconds, not milliseconds (a unit off by 1000)",
           "budget = 1e3 / camera_fps", "budget = 1 / camera_fps"),
    Mutant("game.py", "the game rule flipped (the beaten move wins)",
           'return "player" if BEATS[player] == computer else "computer"',
           'return "player" if BEATS[computer] == player else "computer"'),
    Mutant("preprocess.py", "ImageNet normalisation with mean and std swapped",
           "(x / 255.0 - IMAGENET_MEAN) / IMAGENET_STD", "(x / 255.0 - IMAGENET_STD) / IMAGENET_MEAN"),
    Mutant("by_hand.py", "random erasing: a box larger than the image is not rejected (not clipped)",
           "if 1 <= eh < h and 1 <= ew < w:", "if 1 <= eh and 1 <= ew:"),
    Mutant("validate.py", "float images accepted as uint8 (the [0, 1] slip)",
           "if images.dtype != np.uint8:", 'if images.dtype.kind not in "uf":'),
    Mutant("validate.py", "label -1 accepted (counted in the last row by NumPy indexing)",
           "arr.min() < 0 or", "arr.min() < -1 or"),
    Mutant("atomic.py", "a live writer's temporary is removed too", "dead_pids_only=True)", "dead_pids_only=False)"),
    Mutant("atomic.py", "mkstemp's 0600 kept (the umask ignored)", "os.chmod(tmp, file_mode())", "pass"),
    Mutant("memory.py", "peak memory counts only the inputs of a step",
           "return self.in_entries + self.out_entries", "return self.in_entries"),
]
KNOWN += KNOWN_05_08

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


def split_new(tests: list[str], new: str) -> tuple[list[str], list[str]]:
    """``(older tests, new tests)``: the new ones are those whose file name matches ``new``."""
    fresh = [t for t in tests if fnmatch.fnmatch(Path(t).name, new)] if new else []
    return [t for t in tests if t not in fresh], fresh


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


def _select(modules: str) -> set[str]:
    """The module file names a run covers: ``"05-08"``, a comma-separated list, or all of :data:`CORE`."""
    if modules == "05-08":
        return set(CORE_05_08)
    chosen = {n.strip() for n in modules.split(",") if n.strip()} if modules else set(CORE)
    unknown = sorted(chosen - set(CORE))
    if unknown:
        raise SystemExit(f"unknown modules {unknown}; expected some of {sorted(CORE)} or '05-08'")
    return chosen


def _run_mutant(copy: Path, path: Path, m: Mutant, tests: list[str], new: str, timeout: int):
    """Apply ``m``, run the older tests, then (if it survived them) the new ones; restore the file.
    Returns ``(description or None, survived the older tests, survived all, seconds, killer)``."""
    older, fresh = split_new(tests, new)
    original = path.read_text()
    try:
        what = apply(path, m)
        if what is None:
            return None, False, False, 0.0, ""
        before, seconds, killer = run_tests(copy, older, timeout) if older else (True, 0.0, "")
        after = before
        if before and fresh:
            after, more, killer = run_tests(copy, fresh, timeout)
            seconds += more
    finally:
        path.write_text(original)
    return what, before, after, seconds, killer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--random", type=int, default=30, help="how many random mutants")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per test run")
    parser.add_argument("--modules", default="", help='"05-08", or module file names, comma-separated (default: all)')
    parser.add_argument("--new", default="test_probes_05_08*.py",
                        help="test files counted as new: survivors are reported without and with them")
    args = parser.parse_args(argv)
    selected = _select(args.modules)

    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(args.root, copy, ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", "notebooks", "exercises", "book"))
        mutants = [m for m in KNOWN if m.file in selected]
        rng = random.Random(args.seed)
        names = [n for n in CORE if n in selected and find(copy, n) and tests_for(copy, n)]
        for _ in range(args.random):
            name = rng.choice(names)
            counter = Mutator()
            counter.visit(ast.parse(find(copy, name).read_text()))
            mutants.append(Mutant(name, "random", site=rng.randrange(counter.count)))

        baseline = {}
        before_survivors, survivors, tried = [], [], 0
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
            what, before, after, seconds, killer = _run_mutant(copy, path, m, tests, args.new, args.timeout)
            if what is None:
                print(f"skip   {m.file}: the known bug's code is not there ({m.label})")
                continue
            tried += 1
            verdict = "SURVIVED" if after else "killed "
            by = f" by {killer}" if killer else ""
            was = " (survived the older tests)" if before and not after else ""
            print(f"{verdict} {m.file:14s} {what}  ({seconds:.0f} s){by}{was}", flush=True)
            if before:
                before_survivors.append(f"{m.file}: {what}")
            if after:
                survivors.append(f"{m.file}: {what}")
    if args.new:
        print(f"\nwithout the new tests ({args.new}): {len(before_survivors)} of {tried} mutants survived")
    print(f"\n{len(survivors)} of {tried} mutants survived")
    for s in survivors:
        print("  survivor:", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
