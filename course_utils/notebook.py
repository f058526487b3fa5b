"""The first cell of every notebook: seed, set plot defaults, print a one-line banner."""
from __future__ import annotations

import os
import platform
import socket
import threading
from importlib import metadata

from . import modes
from .seeding import DEFAULT_SEED, seed_everything

# Distribution names whose versions the banner and the environment check report.
# importlib.metadata reads them from the installed package records, without importing
# anything (importing TensorFlow just to print its version would cost seconds).
LIBRARIES = (
    "numpy", "tensorflow", "keras", "torch", "torchvision", "opencv-python",
    "scikit-image", "scikit-learn", "imgaug", "matplotlib", "ipywidgets", "jupyterlab",
)
# The host that serves the real datasets (see datasets/registry.json): being able to reach
# it is what "online" means for this course.
DATA_HOST = ("storage.googleapis.com", 443)


# The first code cell of every notebook. It cannot use this package (on Colab it is not
# installed yet), so it repeats platform_name()'s Colab test; anywhere else it does nothing.
# tests/test_colab_cell.py runs it with pip stubbed out, on and off "Colab".
COURSE_URL = "https://github.com/small-and-fast/course"
COLAB_CELL = f"""\
# On Colab only: install the course package and its pinned libraries, once per session.
# Anywhere else `make lab` has installed it already and this cell does nothing.
import importlib.util
import os

if ("COLAB_RELEASE_TAG" in os.environ or "COLAB_GPU" in os.environ) \\
        and importlib.util.find_spec("course_utils") is None:
    %pip install --quiet "small-and-fast @ git+{COURSE_URL}"
    print("Installed. If Colab offers to restart the session, restart it, then run the notebook from the top.")"""


def versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed versions of ``names`` (``"missing"`` for any that is not installed)."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def network_reachable(host: tuple[str, int] = DATA_HOST, timeout: float = 2.0) -> bool:
    """Can we open a TCP connection to ``host``? Answers within ``timeout`` seconds.

    Always False in offline mode. The DNS lookup has no timeout of its own, so the whole
    attempt runs in a daemon thread that we stop waiting for after ``timeout`` seconds.
    """
    if modes.offline_mode():
        return False
    result = [False]

    def attempt() -> None:
        try:
            with socket.create_connection(host, timeout=timeout):
                result[0] = True
        except OSError:
            pass

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    return result[0]


def platform_name(environ: dict[str, str] | None = None) -> str:
    """Where the notebook runs: ``"Colab"``, ``"Binder"`` or ``"local"``.

    Colab sets ``COLAB_RELEASE_TAG`` (older runtimes: ``COLAB_GPU``) in every kernel and
    Binder (repo2docker) sets ``BINDER_LAUNCH_HOST`` / ``BINDER_REPO_URL``; nothing is
    imported, so the answer costs no time. ``environ`` defaults to ``os.environ``.
    """
    env = os.environ if environ is None else environ
    if "COLAB_RELEASE_TAG" in env or "COLAB_GPU" in env:
        return "Colab"
    if "BINDER_LAUNCH_HOST" in env or "BINDER_REPO_URL" in env or "BINDER_SERVICE_HOST" in env:
        return "Binder"
    return "local"


def banner() -> str:
    """One line: Python and key library versions, the mode, the platform and the core count."""
    v = versions(("numpy", "tensorflow", "torch", "opencv-python"))
    libs = " · ".join(f"{k.replace('-python', '')} {v[k]}" for k in v)
    where = platform_name()
    place = "" if where == "local" else f" · on {where}"
    return (f"Small & Fast · Python {platform.python_version()} · {libs} · "
            f"mode: {modes.describe()} · {os.cpu_count()} CPU cores{place}")


def setup_notebook(seed: int = DEFAULT_SEED, *, quiet: bool = False) -> None:
    """Seed everything, set readable matplotlib defaults, print the banner.

    Returns nothing, so that a notebook's first cell shows the banner and no stray value.
    """
    seed_everything(seed)
    try:
        import matplotlib as mpl

        mpl.rcParams.update({"figure.dpi": 90, "axes.titlesize": "medium",
                             "image.interpolation": "nearest"})
    except ImportError:  # matplotlib is a dependency; stay usable without it anyway
        pass
    if not quiet:
        print(banner())


def source_of(module: str, name: str) -> str:
    """The source text of function or class ``name`` in ``module``, read without importing it.

    ``inspect.getsource`` imports the module first; showing a PyTorch class that way would
    load PyTorch into a kernel that holds only TensorFlow. This reads the file the import
    system would load and cuts out the definition (decorators included).

    >>> print(source_of("course_utils.timing", "best_of").splitlines()[0])   # doctest: +SKIP
    def best_of(fn, repeat=3):
    """
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ValueError(f"expected an importable Python module, got {module!r}")
    with open(spec.origin, encoding="utf-8") as f:
        text = f.read()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "\n".join(text.splitlines()[start - 1:node.end_lineno]) + "\n"
    raise ValueError(f"{module} defines no function or class named {name!r} (re-exported names: "
                     f"look in the module that defines them)")
