"""``make portability``: the numerics-sensitive tests and the training- or timing-dependent notebooks,
run under a covering set of emulated machines. A tool for authors, not part of ``make test``.

Learners' CPUs differ from the one a floor was measured on. The libraries pick their kernels (and
so the order of every floating-point sum) from the CPU they find: oneDNN and ATen by instruction set,
MKL by vendor, OpenBLAS by core type, OpenCV and NumPy by SIMD extension, and their blocking from the
cache sizes. A result that depends on the last bits of a sum (anything trained) is then a different
draw on another machine. Each variant below caps what the libraries may use, as an older or other
CPU would, and runs the suite's sensitive parts. Every level of every factor appears at least once
(one-factor-at-a-time coverage would need 13 runs; these 5 cover each level, and the two realistic
combinations, an AVX2 laptop and an AVX-512 server, appear whole):

============  ==========  ========  ========  =======  ==========  =================================
variant       oneDNN ISA  ATen      OpenBLAS  threads  TF oneDNN   also
============  ==========  ========  ========  =======  ==========  =================================
here          default     default*  unset     1        1           nothing capped (this machine)
avx2-laptop   AVX2        avx2      Haswell   2        1           OpenCV, NumPy, MKL without AVX-512
avx512-server default     avx512    SkylakeX  2        0
zen           AVX2        avx2      Zen       1        0           MKL limited to AVX2
sse-old       SSE41       default   Haswell   1        1           OpenCV, NumPy without AVX/AVX2
============  ==========  ========  ========  =======  ==========  =================================

(* "default" for ATen means its own choice in ``here``: AVX-512 where the CPU has it; in
``sse-old`` the variable is set to ``default``, ATen's non-vectorised kernels.)

Each run prints pass/fail per variant and, for every value a floor is checked against (recorded by
the ``sensitive`` fixture of ``tests/conftest.py``), its min / median / max over the variants.

    python tests/portability.py                    # every variant, every sensitive test and notebook
    python tests/portability.py --variants here zen --only tests
    python tests/portability.py --list
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AVX512_OPENCV = "AVX512F"   # OpenCV names single features; this turns its AVX512_SKX dispatch off
THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")
VARIANTS: dict[str, dict[str, str]] = {
    "here": {"threads": "1"},
    "avx2-laptop": {"threads": "2", "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2",
                    "OPENBLAS_CORETYPE": "Haswell", "TF_ENABLE_ONEDNN_OPTS": "1", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                    "OPENCV_CPU_DISABLE": AVX512_OPENCV, "NPY_DISABLE_CPU_FEATURES": "AVX512_SPR,AVX512_ICL,X86_V4"},
    "avx512-server": {"threads": "2", "ATEN_CPU_CAPABILITY": "avx512", "OPENBLAS_CORETYPE": "SkylakeX",
                      "TF_ENABLE_ONEDNN_OPTS": "0"},
    "zen": {"threads": "1", "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "OPENBLAS_CORETYPE": "Zen",
            "TF_ENABLE_ONEDNN_OPTS": "0", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "sse-old": {"threads": "1", "ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default",
                "OPENBLAS_CORETYPE": "Haswell", "TF_ENABLE_ONEDNN_OPTS": "1", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                "OPENCV_CPU_DISABLE": AVX512_OPENCV + ",AVX2,FMA3,AVX,FP16",
                "NPY_DISABLE_CPU_FEATURES": "AVX512_SPR,AVX512_ICL,X86_V4,X86_V3"},
}
# tests whose assertions compare a trained or measured value with a floor
SENSITIVE_TESTS = ["tests/test_augment_experiment.py", "tests/test_transfer_training.py",
                   "tests/test_transfer_strategies.py", "tests/test_deploy_export.py",
                   "tests/test_hog.py", "tests/test_haar.py", "tests/test_augment.py", "tests/test_relu_manifold.py",
                   "tests/test_detect.py", "tests/test_deploy.py", "tests/test_ceiling.py",
                   "tests/test_detection_quantize.py", "tests/test_detection_crop.py"]
# notebooks whose checked outputs or self-checks depend on training or timing
SENSITIVE_NOTEBOOKS = ["notebooks/01_hog_svm.ipynb", "notebooks/02_viola_jones.ipynb", "notebooks/03_conv_cost.ipynb",
                       "notebooks/05_mobilenet_v2.ipynb",
                       "notebooks/06_augmentation.ipynb", "notebooks/07_transfer_learning.ipynb",
                       "notebooks/08_deployment.ipynb", "solutions/01_hog_svm_exercises.ipynb",
                       "solutions/06_augmentation_exercises.ipynb", "solutions/07_transfer_learning_exercises.ipynb",
                       "solutions/08_deployment_exercises.ipynb"]
NBVAL = ["--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]


def variant_env(name: str, log: Path) -> dict[str, str]:
    """The environment of one emulated machine: fast, offline, its caps, its thread count."""
    spec = dict(VARIANTS[name])
    threads = spec.pop("threads")
    caps = {k for spec in VARIANTS.values() for k in spec}
    env = {k: v for k, v in os.environ.items() if k not in caps and k not in THREADS}
    env.update(spec, COURSE_FAST="1", COURSE_OFFLINE="1", MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2",
               COURSE_SENSITIVE_LOG=str(log), **{k: threads for k in THREADS})
    return env


def run_variant(name: str, targets: list[str], workers: int) -> tuple[bool, float, list[dict], str]:
    """Run ``targets`` under one variant: (passed, seconds, recorded values, pytest's last line)."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "sensitive.jsonl"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets, *NBVAL]
        if workers > 1:
            cmd += ["-n", str(workers), "--dist", "loadscope"]
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, env=variant_env(name, log), capture_output=True, text=True)
        values = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    last = next((line for line in reversed(proc.stdout.splitlines()) if line.strip()), "")
    if proc.returncode != 0:
        sys.stdout.write("\n".join(line for line in proc.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E "))))
        sys.stdout.write("\n")
    return proc.returncode == 0, time.monotonic() - start, values, last


def spread_table(results: dict[str, list[dict]]) -> str:
    """One row per recorded value: its value in each variant, then min / median / max over them."""
    names = sorted({(v["test"].split("::")[-1], v["name"]) for values in results.values() for v in values})
    heads = ["value"] + list(results) + ["min", "median", "max"]
    rows = []
    for test, name in names:
        per = {var: [v["value"] for v in vals if (v["test"].split("::")[-1], v["name"]) == (test, name)]
               for var, vals in results.items()}
        flat = [x for xs in per.values() for x in xs]
        cells = [f"{name} ({test[:40]})"] + [f"{statistics.median(xs):.3f}" if xs else "-" for xs in per.values()]
        rows.append(cells + [f"{min(flat):.3f}", f"{statistics.median(flat):.3f}", f"{max(flat):.3f}"])
    widths = [max(len(r[i]) for r in [heads] + rows) for i in range(len(heads))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [heads] + rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--only", choices=("tests", "notebooks"), help="run only the tests or only the notebooks")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers per variant (default 2)")
    parser.add_argument("--list", action="store_true", help="list the variants and targets, run nothing")
    parser.add_argument("--targets", nargs="+", help="these sensitive tests or notebooks only (e.g. after changing "
                                                     "one training recipe); each must be in the lists above")
    args = parser.parse_args(argv)
    targets = ([] if args.only == "notebooks" else SENSITIVE_TESTS) + ([] if args.only == "tests" else SENSITIVE_NOTEBOOKS)
    if args.targets:
        unknown = sorted(set(args.targets) - set(targets))
        if unknown:
            parser.error(f"not a sensitive target of this run: {', '.join(unknown)}")
        targets = list(args.targets)
    if args.list:
        for name in VARIANTS:
            print(f"{name:<14}", " ".join(f"{k}={v}" for k, v in VARIANTS[name].items()))
        print("\n".join(targets))
        return 0
    results, failed = {}, []
    for name in args.variants:
        ok, seconds, values, last = run_variant(name, targets, args.workers)
        results[name] = values
        failed += [] if ok else [name]
        print(f"{name:<14} {'PASS' if ok else 'FAIL'}  {seconds:6.0f} s  {last}", flush=True)
    print("\nvalues checked against floors, per variant (median of a variant's records), and over all of them:")
    print(spread_table(results))
    print(f"\n{len(args.variants) - len(failed)} passed, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
