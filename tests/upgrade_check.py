"""``make upgrade-check``: the newest releases of the course's direct dependencies, in a separate
environment, under the fast suite. A maintainer's early warning, not part of ``make test``: the pins
in pyproject.toml stay; this says which of them can move and what breaks when they do.

    python tests/upgrade_check.py                       # .venv-upgrade, then the unit tests and notebooks
    python tests/upgrade_check.py --only tests          # the unit tests only (about 4 minutes)
    python tests/upgrade_check.py --keep                # reuse .venv-upgrade if it exists

It prints every direct dependency whose newest installable release differs from its pin, the
suite's last line, and every failing test with its first error line.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-upgrade"


def pins() -> dict[str, str]:
    """{name: pinned version} of the project's dependencies and its test extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, _, version = spec.partition("==")
        out[name.strip()] = version.strip()
    return out


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, **kw)


def install(keep: bool) -> dict[str, str]:
    """Create the environment and install the newest release of every dependency (no pins)."""
    python = VENV / "bin" / "python"
    if not (keep and python.exists()):
        run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        names = list(pins())
        proc = run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", *names])
        if proc.returncode != 0:
            print("pip could not install the newest releases together:\n" + proc.stderr[-3000:])
            raise SystemExit(2)
        run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."], check=True)
        run([str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "triton"])   # as make install does
    listed = json.loads(run([str(python), "-m", "pip", "list", "--format", "json"], check=True).stdout)
    return {p["name"].lower().replace("_", "-"): p["version"] for p in listed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("tests", "notebooks"))
    parser.add_argument("--keep", action="store_true", help="reuse an existing .venv-upgrade")
    args = parser.parse_args(argv)
    start = time.monotonic()
    installed = install(args.keep)
    moved = {n: (v, installed.get(n.lower().replace("_", "-"), "missing")) for n, v in pins().items()}
    moved = {n: vs for n, vs in moved.items() if vs[0] != vs[1]}
    print(f"installed in {time.monotonic() - start:.0f} s; {len(moved)} of {len(pins())} direct dependencies "
          "have a newer installable release than their pin:")
    for name, (pinned, newest) in sorted(moved.items()):
        print(f"  {name:<22} {pinned:>12} -> {newest}")
    targets = ([] if args.only == "notebooks" else ["tests"]) + ([] if args.only == "tests" else ["notebooks", "solutions"])
    env = {**os.environ, "COURSE_FAST": "1", "COURSE_OFFLINE": "1", "MPLBACKEND": "Agg"}
    cmd = [str(VENV / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist",
           "loadscope", *targets, "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600",
           "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "--ignore=tests/test_environment.py",
           "--ignore=tests/test_wheel.py", "--ignore=tests/test_binder.py"]
    proc = run(cmd, env=env)
    lines = proc.stdout.splitlines()
    print("\n" + next((line for line in reversed(lines) if line.strip()), "(no output)"))
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    for line in failed:
        print("  " + re.sub(r"\s+", " ", line)[:220])
    print(f"\nupgrade check took {time.monotonic() - start:.0f} s")
    return 1 if proc.returncode not in (0, 5) else 0


if __name__ == "__main__":
    sys.exit(main())
