"""The exercise conventions, for every notebook in solutions/ and its generated twin.

Each rule is a function returning a list of problems (empty: the notebook follows it), and
each has a test that feeds it a small notebook breaking it, so a rule that stops catching
anything is noticed. The rules (CONTRIBUTING.md, "Exercises"):

1. headings ``## Exercise N ⭐ · Title`` with one to three stars, numbered 1..N, N >= 5, at
   least one ⭐⭐⭐ and one exercise titled "Open experiment: ...";
2. at least one written question: a markdown cell with nbgrader ``grade`` and ``solution``
   holding a "Model answer" in solutions/; in exercises/ the question stays visible and no
   line of the model answer does;
3. the visible self-checks in exercises/ never contain the expected answer: the expected
   value of a ``check_function`` case or of ``check_value`` is computed at check time, never
   a literal, and a predicate never asserts equality with a literal (other than 0, 1, True,
   False, None); literal answers go between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``;
4. hidden tests are stripped from exercises/;
5. after a "predict" stub, the rest of its exercise holds no markdown but the written answer
   cell, and no markdown in exercises/ says "model answer";
6. no line of a solution (nor the right-hand side of one of its assignments) appears in a hint:
   the ``hint=`` of a check, or a markdown cell that gives hints.
"""
from __future__ import annotations

import ast
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import ROOT
from course_utils import exercises

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
HEADING = re.compile(r"^## Exercise (\d+) (⭐{1,3}) · (\S.*)$")
TRIVIAL = (0, 1, True, False, None)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_answer_cell(cell) -> bool:  # a manually graded written answer
    return cell.cell_type == "markdown" and bool(_meta(cell).get("grade") and _meta(cell).get("solution"))


def _is_check_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(_meta(cell).get("grade")) and not _meta(cell).get("solution")


def sections(nb) -> list[list]:
    """The cells of each exercise, from its heading to the next heading (or the end)."""
    out: list[list] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            out.append([cell]) if cell.source.startswith("## Exercise") else out.append(None)
        elif out and out[-1] is not None:
            out[-1].append(cell)
    return [s for s in out if s]


# ------------------------------------------------------------------------------- rules

def heading_problems(nb, minimum: int = 5) -> list[str]:
    problems, found = [], []
    for cell in nb.cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else []:
            if line.startswith("## Exercise"):
                match = HEADING.match(line)
                if match:
                    found.append(match.groups())
                else:
                    problems.append(f"malformed heading {line!r} (want '## Exercise N ⭐⭐ · Title')")
    numbers = [int(n) for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"exercises numbered {numbers}, expected 1..{len(numbers)}")
    if len(found) < minimum:
        problems.append(f"{len(found)} exercises, expected at least {minimum}")
    if not any(stars == "⭐⭐⭐" for _, stars, _ in found):
        problems.append("no three-star exercise")
    if not any(title.lower().startswith("open experiment") for _, _, title in found):
        problems.append("no exercise titled 'Open experiment: ...'")
    return problems


def written_question_problems(solution, exercise) -> list[str]:
    answers = [c for c in solution.cells if _is_answer_cell(c)]
    if not answers:
        return ["no written question (a markdown cell with nbgrader grade=true, solution=true)"]
    problems = []
    twins = {_meta(c).get("grade_id"): c for c in exercise.cells if _is_answer_cell(c)}
    for cell in answers:
        grade_id = _meta(cell).get("grade_id")
        if "model answer" not in cell.source.lower() or not _meta(cell).get("points"):
            problems.append(f"{grade_id}: needs points and a 'Model answer' in solutions/")
        twin = twins.get(grade_id)
        if twin is None:
            problems.append(f"{grade_id}: missing from the exercise notebook")
            continue
        leaked = [line for line in cell.source.splitlines() if len(line.strip()) > 20 and line.strip() in twin.source]
        if leaked:
            problems.append(f"{grade_id}: the exercise shows the model answer: {leaked[0][:60]!r}")
        section = next((s for s in sections(exercise) if twin in s), [])
        visible = [c.source for c in section if c.cell_type == "markdown" and not _is_answer_cell(c)]
        if not any("?" in text for text in visible):
            problems.append(f"{grade_id}: the question is not visible outside the answer cell")
    return problems


def _constants(tree: ast.AST) -> set[str]:
    """Names assigned a constant expression at the top level of a cell."""
    names: set[str] = set()
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.Assign) and _is_constant(node.value, names):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


CONSTANT_CALLS = {"array", "asarray", "r_", "zeros", "ones", "full", "arange", "tuple", "list",
                  "float", "int", "dict", "set", "Fraction"}


def _is_constant(node: ast.AST, names: set[str]) -> bool:
    """Is ``node`` a literal answer: constants, containers or arithmetic of them?"""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand, names)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left, names) and _is_constant(node.right, names)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e, names) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_constant(k, names) for k in node.keys) and \
            all(_is_constant(v, names) for v in node.values)
    if isinstance(node, ast.Subscript):  # np.r_[...]
        return _is_constant(node.slice, names)
    if isinstance(node, ast.Call):
        func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return func in CONSTANT_CALLS and all(_is_constant(a, names) for a in node.args)
    return False


def as_python(source: str) -> str:
    """A cell's source as plain Python: IPython syntax (``%pip``, ``!ls``) turned into calls,
    as the kernel does before running it (the Colab cell uses ``%pip``)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def literal_answer_problems(source: str) -> list[str]:
    """Literal expected answers in one visible self-check cell."""
    tree = ast.parse(as_python(source))
    names, problems = _constants(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = list(node.args) + [k.value for k in node.keywords if k.arg in ("cases", "expected")]
            if func == "check_function" and len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple)):
                for case in args[1].elts:
                    if isinstance(case, ast.Tuple) and len(case.elts) == 2 and _is_constant(case.elts[1], names):
                        problems.append(f"check_function case with a literal answer: {ast.unparse(case)[:70]}")
            if func == "check_value" and len(args) > 1 and _is_constant(args[1], names):
                problems.append(f"check_value with a literal answer: {ast.unparse(args[1])[:70]}")
        if isinstance(node, ast.Assert):  # what a predicate asserts, not how the check dispatches
            for test in ast.walk(node.test):
                if isinstance(test, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in test.ops):
                    problems += [f"assertion against a literal answer: {ast.unparse(test)[:70]}"
                                 for side in (test.left, *test.comparators)
                                 if _is_constant(side, names) and not _is_trivial(side)]
    return problems


def _is_trivial(node: ast.AST) -> bool:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return False
    return any(value is t or (type(value) is type(t) and value == t) for t in TRIVIAL) or value == ""


def visible_check_problems(exercise) -> list[str]:
    return [p for c in exercise.cells if _is_check_cell(c) for p in literal_answer_problems(c.source)]


def hidden_test_problems(solution, exercise) -> list[str]:
    text = "\n".join(c.source for c in exercise.cells)
    problems = ["exercise keeps a hidden-test marker"] if "HIDDEN TESTS" in text else []
    for cell in solution.cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            problems += [f"hidden test line visible: {line.strip()[:60]!r}" for line in block.splitlines()
                         if len(line.strip()) >= 10 and line.strip() in text]
    return problems


def prediction_problems(solution, exercise) -> list[str]:
    problems = [f"markdown in exercises/ says 'model answer': {c.source[:60]!r}" for c in exercise.cells
                if c.cell_type == "markdown" and "model answer" in c.source.lower()]
    for section in sections(solution):
        asks = "predict" in section[0].source.lower()  # the exercise asks for a prediction
        stub = next((i for i, c in enumerate(section) if c.cell_type == "code" and _meta(c).get("solution")
                     and (asks or "predict" in c.source.lower())), None)
        if stub is None:
            continue
        problems += [f"markdown below a prediction stub: {c.source[:60]!r}" for c in section[stub + 1:]
                     if c.cell_type == "markdown" and not _is_answer_cell(c)]
    return problems


def _solution_lines(nb) -> list[str]:
    lines = []
    for cell in nb.cells:
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in block.splitlines():
                code = line.split("#")[0].strip()
                rhs = re.split(r"(?<![=!<>])=(?!=)", code, maxsplit=1)[-1]  # a = <rhs>
                for part in {code, re.sub(r"^return\s+", "", code), rhs}:
                    part = re.sub(r"\s+", "", part)
                    if len(part) >= 12 and re.search(r"[()\[\]+\-*/%<>=]", part):  # code, not a bare name
                        lines.append(part)
    return lines


def _hints(nb) -> list[str]:
    hints = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(as_python(cell.source))):
                if isinstance(node, ast.keyword) and node.arg == "hint" and isinstance(node.value, ast.Constant):
                    hints.append(str(node.value.value))
        elif "hint" in cell.source.lower() and not _is_answer_cell(cell):
            hints.append(cell.source)  # a markdown hint
    return hints


def hint_problems(solution, exercise) -> list[str]:
    hints = [re.sub(r"\s+", "", h) for h in _hints(exercise)]
    return [f"solution code in a hint: {line[:60]!r}" for line in _solution_lines(solution)
            if any(line in h for h in hints)]


# ------------------------------------------------------------- the rules catch bad examples

def _nb(*cells):
    return new_notebook(cells=list(cells))


def _graded(source, solution=False, markdown=False, grade_id="x"):
    make = new_markdown_cell if markdown else new_code_cell
    meta = {"grade": True, "grade_id": grade_id, "locked": not solution, "points": 1 if not markdown else 2,
            "schema_version": 3, "solution": solution}
    return make(source, metadata={"nbgrader": meta})


def test_heading_rule_catches_bad_headings():
    good = [new_markdown_cell(f"## Exercise {i} {'⭐' * min(i, 3)} · Thing") for i in range(1, 5)]
    good.append(new_markdown_cell("## Exercise 5 ⭐⭐ · Open experiment: why"))
    assert heading_problems(_nb(*good)) == []
    assert heading_problems(_nb(*good[:4])) == ["4 exercises, expected at least 5",
                                                "no exercise titled 'Open experiment: ...'"]
    easy = [new_markdown_cell(f"## Exercise {i} ⭐ · Open experiment: {i}") for i in range(1, 6)]
    assert heading_problems(_nb(*easy)) == ["no three-star exercise"]
    assert heading_problems(_nb(*good[1:], good[0]))[0].startswith("exercises numbered [2, 3, 4, 5, 1]")
    bad = heading_problems(_nb(*good, new_markdown_cell("## Exercise 6 ⭐⭐⭐⭐ · Too hard")))
    assert bad[0].startswith("malformed heading")


def test_written_question_rule_catches_leaks_and_missing_questions():
    answer = "*Model answer.* The median ignores the slow outliers that other programs cause."
    question = new_markdown_cell("## Exercise 1 ⭐ · Q\nWhy the median?")
    solution = _nb(question, _graded(answer, solution=True, markdown=True, grade_id="q1"))
    assert written_question_problems(solution, _nb(question, _graded("YOUR ANSWER HERE", True, True, "q1"))) == []
    assert "shows the model answer" in written_question_problems(solution, solution)[0]
    hidden_q = _nb(new_markdown_cell("## Exercise 1 ⭐ · Q"), _graded("Why?\n" + answer, True, True, "q1"))
    assert "not visible" in written_question_problems(hidden_q, _nb(hidden_q.cells[0], _graded("YOUR ANSWER HERE",
                                                                                              True, True, "q1")))[0]
    assert written_question_problems(_nb(question), _nb(question))[0].startswith("no written question")


@pytest.mark.parametrize("source", [
    "checks.check_function(f, [((1,), 42), ((2,), ref(2))])",
    "checks.check_function(f, [((pixel,), np.array([[76.245, 149.685]]))])",
    "checks.check_function(f, [((x,), {'face': 100, 'not a face': 100})])",
    "checks.check_function(f, [((), 'B')], hint='compare')",
    "EXPECTED = (0.75, 160)\nchecks.check_function(f, [((2e8, 3e6), EXPECTED)])",
    "checks.check_value(answer, 568_740_352, name='macs')",
    "def ok():\n    assert trainable == 9_152\n    return True\nchecks.check_predicate(ok, name='x')",
])
def test_literal_answer_rule_catches_literal_answers(source):
    assert literal_answer_problems(source)


def test_literal_answer_rule_accepts_answers_computed_at_check_time():
    source = ("cases = [(14, 14, 512), (7, 7, 3)]\n"
              "checks.check_function(f, [(c, reference(*c)) for c in cases])\n"
              "checks.check_function(g, [((1, 2), ref(1, 2)), ((x,), detect.nms(x, s).tolist())])\n"
              "def ok():\n    assert out.dtype == np.float32 and n == want and flag is True\n    return True\n"
              "def build(kind):\n    return conv() if kind == 'conv' else pool()\n")
    assert literal_answer_problems(source) == []


def test_hidden_test_rule_catches_a_visible_hidden_line():
    body = "### BEGIN HIDDEN TESTS\nassert best == (0.75, 160)\n### END HIDDEN TESTS\n"
    solution = _nb(_graded("check()\n" + body))
    assert hidden_test_problems(solution, exercises_of(solution)) == []
    assert len(hidden_test_problems(solution, solution)) == 2  # the marker and the line


def exercises_of(nb):
    """The learner's version of an in-memory solutions notebook."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    for pre in (ClearSolutions(), ClearHiddenTests()):
        nb, _ = pre.preprocess(nbformat.from_dict(nb), {})
    return nb


def test_prediction_rule_catches_a_reveal_below_the_stub():
    stub = _graded("def predicted():\n    ### BEGIN SOLUTION\n    return 'A'\n    ### END SOLUTION\n", solution=True)
    head = new_markdown_cell("## Exercise 1 ⭐⭐ · Predict, then measure")
    answer = _graded("*Model answer.* A wins.", solution=True, markdown=True)
    assert prediction_problems(_nb(head, stub, new_code_cell("measure()"), answer), _nb()) == []
    reveal = new_markdown_cell("A has fewer layers, so A wins on most CPUs.")
    assert prediction_problems(_nb(head, stub, reveal), _nb())[0].startswith("markdown below a prediction stub")
    assert "says 'model answer'" in prediction_problems(_nb(), _nb(answer))[0]


def test_hint_rule_catches_solution_code_in_a_hint():
    solution = _nb(_graded("def f(x):\n    ### BEGIN SOLUTION\n    return x.cumsum(axis=0).cumsum(axis=1)\n"
                           "    ### END SOLUTION\n", solution=True))
    fine = _nb(new_code_cell("checks.check_function(f, cases, hint='two cumulative sums, one per axis')"))
    leaky = _nb(new_code_cell("checks.check_function(f, cases, hint='x.cumsum(axis=0).cumsum(axis=1)')"))
    assert hint_problems(solution, fine) == []
    assert hint_problems(solution, leaky)
    assert hint_problems(solution, _nb(new_markdown_cell("Hint: `return x.cumsum(axis=0).cumsum(axis = 1)`")))


# ------------------------------------------------------------------- the real notebooks

@pytest.fixture(scope="module", params=SOLUTIONS, ids=lambda p: p.name)
def pair(request):
    """(solutions notebook, its generated exercises notebook)."""
    return nbformat.read(request.param, as_version=4), exercises.exercise_notebook(request.param)


def test_exercise_headings(pair):
    assert heading_problems(pair[0]) == []


def test_written_question(pair):
    assert written_question_problems(*pair) == []


def test_visible_checks_hold_no_literal_answers(pair):
    assert visible_check_problems(pair[1]) == []


def test_hidden_tests_are_stripped(pair):
    assert hidden_test_problems(*pair) == []


def test_no_reveal_below_a_prediction(pair):
    assert prediction_problems(*pair) == []


def test_hints_do_not_hold_solution_code(pair):
    assert hint_problems(*pair) == []
