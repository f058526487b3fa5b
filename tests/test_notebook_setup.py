import re
import time

from course_utils import notebook
from course_utils.bench import main as bench_main


def test_banner_reports_versions_mode_and_cores(clean_modes):
    clean_modes.setenv("COURSE_FAST", "1")
    text = notebook.banner()
    assert re.search(r"Python 3\.11\.\d+", text)
    assert "tensorflow 2.21.0" in text and "torch 2.14.1" in text and "opencv 4.14" in text
    assert "mode: fast" in text and "CPU cores" in text


def test_versions_reports_missing_packages():
    assert notebook.versions(("numpy", "no-such-package-xyz"))["no-such-package-xyz"] == "missing"


def test_setup_notebook_seeds_and_prints(capsys):
    import numpy as np

    assert notebook.setup_notebook(5) is None  # no stray output value in the first cell
    first = np.random.rand()
    notebook.setup_notebook(5)
    assert np.random.rand() == first
    assert capsys.readouterr().out.startswith("Small & Fast · Python")


def test_network_check_is_quick_and_false_offline(clean_modes):
    clean_modes.setenv("COURSE_OFFLINE", "1")
    assert notebook.network_reachable() is False


def test_network_check_answers_false_within_its_timeout_when_the_connection_hangs(clean_modes, monkeypatch):
    # a DNS lookup or SYN that never answers: the check must give up after `timeout`, say False
    def hang(*args, **kwargs):
        time.sleep(5)
        raise OSError("unreachable")

    monkeypatch.setattr(notebook.socket, "create_connection", hang)
    start = time.monotonic()
    assert notebook.network_reachable(("example.invalid", 443), timeout=0.5) is False
    assert time.monotonic() - start < 1.5


def test_network_check_false_when_refused(clean_modes):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert notebook.network_reachable(("127.0.0.1", port), timeout=2.0) is False


def test_network_check_true_for_a_local_listener(clean_modes):
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert notebook.network_reachable(server.getsockname(), timeout=2.0) is True


def test_bench_prints_every_engine_and_a_ceiling_above_them(capsys):
    assert bench_main(["matmul"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.endswith("GFLOP/s")]
    value = lambda line: float(line.split()[-2])   # noqa: E731
    for threads in ("1 thread(s)", "2 thread(s)"):
        mine = [line for line in lines if line.lstrip().startswith(threads) or f" {threads}" in line]
        engines = [line for line in mine if "matmul" in line]
        assert {e for e in ("numpy", "torch", "tensorflow", "onnxruntime") if any(e in line for line in engines)} \
            == {"numpy", "torch", "tensorflow", "onnxruntime"}, mine
        ceiling = value(next(line for line in mine if "ceiling" in line))
        assert all(0 < value(line) <= ceiling for line in engines), mine


def test_bench_rejects_unknown_name(capsys):
    assert bench_main(["no-such-bench"]) == 2


def test_make_bench_entry_point_sees_topic_benchmarks():
    # `python -m course_utils.bench` runs the module as __main__; topic modules must still
    # register where main() looks.
    from conftest import run_python

    r = run_python("import runpy, sys; sys.argv = ['bench', '--list']; "
                   "runpy.run_module('course_utils.bench', run_name='__main__')")
    names = [line.split()[0] for line in r.stdout.splitlines()]
    assert {"handpose", "hog", "conv", "mobilenet_v2"} <= set(names), r.stdout + r.stderr[-1500:]


def test_platform_name_tells_colab_binder_and_local_apart():
    from course_utils.notebook import platform_name

    assert platform_name({"COLAB_RELEASE_TAG": "release-colab_20261101"}) == "Colab"
    assert platform_name({"COLAB_GPU": "0"}) == "Colab"
    assert platform_name({"BINDER_LAUNCH_HOST": "https://mybinder.org/"}) == "Binder"
    assert platform_name({"BINDER_REPO_URL": "https://github.com/x/y"}) == "Binder"
    assert platform_name({"HOME": "/root", "PATH": "/usr/bin"}) == "local"
    assert platform_name({}) == "local"
