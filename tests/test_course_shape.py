"""Conventions every notebook and the README keep (see CONTRIBUTING.md)."""
import re

import nbformat
import pytest

from conftest import ROOT
from course_utils.syllabus import SYLLABUS

LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


def test_readme_shows_the_two_commands_first():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    assert first_block.splitlines()[0].startswith("make lab")
    assert first_block.splitlines()[1].startswith("make test")
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_syllabus_matches_course_map():
    text = (ROOT / "README.md").read_text()
    for lesson in SYLLABUS:
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| {lesson.number} |")), None)
        assert row is not None, f"README syllabus lacks lesson {lesson.number}"
        assert lesson.title in row and lesson.goal in row
        assert (lesson.notebook in row) == lesson.available, f"README link state of {lesson.number}"


def test_every_notebook_is_in_the_syllabus():
    planned = {lesson.notebook for lesson in SYLLABUS}
    assert {f"notebooks/{p.name}" for p in LECTURES} <= planned


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS, ids=lambda p: p.name)
def test_notebook_opening_and_kernel(path):
    nb = read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and re.match(r"# \d\d · ", first.source), first.source[:40]
    assert any("setup_notebook(" in c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_lecture_has_parameters_summary_and_exercise_link(path):
    nb = read(path)
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Summary" in markdown
    assert f"exercises/{path.stem}_exercises.ipynb" in markdown
    assert re.search(r"CPU time", markdown)


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS, ids=lambda p: p.name)
def test_committed_outputs_come_from_a_clean_run(path):
    nb = read(path)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert None not in counts, "some cells were never run: run `make execute NB=...`"
    assert counts == sorted(counts), "cells were run out of order"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"committed error output: {errors[0].get('ename')}"


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS, ids=lambda p: p.name)
def test_every_figure_cell_kept_its_figure(path):
    # executed with MPLBACKEND=Agg in the environment (as `make test` sets), a kernel draws its
    # figures into nothing, and the committed notebook silently loses every one of them
    missing = [c.source.splitlines()[0][:60] for c in read(path).cells
               if c.cell_type == "code" and "plt.show()" in c.source
               and not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert not missing, f"cells that show a figure but have none committed (re-run without MPLBACKEND): {missing}"


# Lines a C++ logger writes straight to the process's stderr: absl/TF ("I0000 00:00:17...
# cudart_stub.cc:31]", "E0000 ... failed call to cuInit"), glog, and absl's preamble.
LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]|absl::InitializeLog|cuInit", re.M)
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def output_texts(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                texts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                texts.append(str(out.get("data", {}).get("text/plain", "")))
            elif out.output_type == "error":
                texts.append("\n".join(out.get("traceback", [])))
    return texts


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS + EXERCISES, ids=lambda p: p.name)
def test_committed_outputs_have_no_log_lines_or_errors(path):
    nb = read(path)
    logs = [m.group(0) for t in output_texts(nb) for m in LOG_LINE.finditer(t)]
    assert not logs, f"framework log lines in committed outputs (quiet them at import): {logs[:3]}"
    stderr = [o.text[:200] for c in nb.cells for o in c.get("outputs", [])
              if o.output_type == "stream" and o.name == "stderr" and "%" not in o.text]
    assert not stderr, f"stderr text in committed outputs: {stderr[:2]}"
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_the_log_line_scanner_catches_real_tensorflow_lines():
    real = ("I0000 00:00:1795835331.473404    4855 cpu_feature_guard.cc:227] This TensorFlow binary\n"
            "E0000 00:00:1795835337.073161    4855 cuda_platform.cc:52] failed call to cuInit: INTERNAL")
    assert len(LOG_LINE.findall(real)) >= 2
    assert not LOG_LINE.findall("I0 is a name; E = mc^2; 12:30 is a time")


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS, ids=lambda p: p.name)
def test_no_cell_changes_the_learners_environment_for_good(path):
    # os.environ[...] = / .pop( / del in a cell outlives the cell: use course_utils.modes.modes_set
    for cell in read(path).cells:
        if cell.cell_type == "code":
            assert not re.search(r"os\.environ(\[[^]]+\]\s*=[^=]|\.pop\(|\.update\()|del os\.environ",
                                 cell.source), cell.source[:200]


def test_ready_column_matches_the_notebooks_in_the_repository():
    for lesson in SYLLABUS:
        exists = (ROOT / lesson.notebook).exists()
        assert lesson.ready == exists, f"lesson {lesson.number}: ready={lesson.ready} but notebook exists={exists}"
        assert (ROOT / lesson.exercises).exists() == exists, lesson.exercises


def test_every_registered_dataset_has_licence_citation_and_provenance():
    from course_utils.data.download import load_registry

    readme = (ROOT / "datasets" / "README.md").read_text()
    for name, entry in load_registry().items():
        assert entry["kind"] in {"generated", "bundled", "download"}, name
        for key in ("licence", "licence_short", "citation", "description"):
            assert entry.get(key), f"{name} lacks {key}"
        assert name in readme, f"datasets/README.md does not describe {name}"
