"""The self-check (``python -m dlcourse.check``) on small nbgrader-style notebooks built here.

Each notebook is executed once (a kernel start costs a second or two) and shared by the tests
that look at it. Bad input never starts a kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dlcourse.check import execution, restore, selfcheck
from dlcourse.check.notebook_io import NotebookCheckError, read_notebook
from dlcourse.check.report import CheckReport, TestResult, format_report
from dlcourse.check.restore import restore_test_cells
from dlcourse.check.selfcheck import check_notebook

pytestmark = pytest.mark.xdist_group("selfcheck")

UNIT = "99-demo"
CORRECT_RELU = "return np.maximum(z, 0.0)"
WRONG_RELU = "return np.minimum(z, 0.0)"
CORRECT_SIGMOID = "return 1.0 / (1.0 + np.exp(-z))"
STUB = "# YOUR CODE HERE\n    raise NotImplementedError()"  # nbgrader's stub in the course
HIDDEN = "# Hidden tests (large inputs, other shapes) run when your work is graded."


# ----------------------------------------------------------------------------------------------
# Building notebooks


def nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, points: float = 0,
             locked: bool = False) -> dict:
    """Cell metadata as nbgrader 0.9 writes it."""
    return {"nbgrader": {"grade": grade, "solution": solution, "locked": locked,
                         "grade_id": grade_id, "points": points, "schema_version": 3}}


def exercise_notebook(relu_body: str = CORRECT_RELU, sigmoid_body: str = CORRECT_SIGMOID,
                      extra_cells: list | None = None,
                      hidden: str = HIDDEN) -> nbformat.NotebookNode:
    """Two exercises in the course's pattern, as released: ReLU (visible tests 2 + 1 points,
    hidden 1 point) and sigmoid (visible 2 points)."""
    cells = [
        new_markdown_cell("# Unit 99 — Demo exercises\n\nTwo exercises, 5 points."),
        new_code_cell("import numpy as np\nfrom dlcourse.check import check_array\n"
                      "counts = np.loadtxt('counts.csv')",
                      metadata=nbgrader("setup", locked=True)),
        new_markdown_cell("## Exercise 1 — ReLU (3 points)\n\nWrite `relu(z) = max(0, z)`.",
                          metadata=nbgrader("ex1_task", locked=True)),
        new_code_cell(f"def relu(z):\n    {relu_body}", metadata=nbgrader("relu", solution=True)),
        new_code_cell("relu(np.array([-1.0, 2.0]))"),
        new_code_cell("z = np.array([-2.0, 0.0, 3.0])\n"
                      "check_array(relu(z), [0.0, 0.0, 3.0], 'relu(z)', inputs=z)",
                      metadata=nbgrader("test_relu_values", grade=True, points=2, locked=True)),
        new_code_cell("assert relu(counts).shape == counts.shape",
                      metadata=nbgrader("test_relu_shape", grade=True, points=1, locked=True)),
        new_code_cell(hidden,
                      metadata=nbgrader("test_relu_hidden", grade=True, points=1, locked=True)),
        new_markdown_cell("## Exercise 2 — Sigmoid (2 points)",
                          metadata=nbgrader("ex2_task", locked=True)),
        new_code_cell(f"def sigmoid(z):\n    {sigmoid_body}",
                      metadata=nbgrader("sigmoid", solution=True)),
        new_code_cell("sigmoid(np.array([0.0]))"),
        new_code_cell("check_array(sigmoid(np.array([0.0])), [0.5], 'sigmoid(z)')",
                      metadata=nbgrader("test_sigmoid", grade=True, points=2, locked=True)),
        *(extra_cells or []),
    ]
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                               "language": "python"},
                "dlcourse": {"unit": UNIT}}
    return new_notebook(cells=cells, metadata=metadata)


def write_exercise(folder: Path, notebook: nbformat.NotebookNode,
                   name: str = "exercise.ipynb") -> Path:
    """Write ``notebook`` and the data file it reads into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "counts.csv").write_text("3\n0\n12\n", encoding="utf-8")
    path = folder / name
    nbformat.write(notebook, path)
    return path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m dlcourse.check ARGS`` as a student would."""
    return subprocess.run([sys.executable, "-m", "dlcourse.check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def by_id(report: CheckReport) -> dict[str, TestResult]:
    return {test.grade_id: test for test in report.tests}


# ----------------------------------------------------------------------------------------------
# A correct notebook, through the command line


@pytest.fixture(scope="module")
def correct_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("correct") / "student"
    path = write_exercise(folder, exercise_notebook())
    before = snapshot(folder)
    mtime = path.stat().st_mtime_ns
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # the check must not depend on the cwd
    result = run_cli(str(path), cwd=elsewhere)
    return SimpleNamespace(path=path, folder=folder, before=before, mtime=mtime, result=result)


def test_correct_notebook_exits_0_with_full_points(correct_run):
    result = correct_run.result
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Visible tests: 5 / 5 points" in result.stdout
    assert "FAIL" not in result.stdout and "ERROR" not in result.stdout
    assert "Every visible test passes." in result.stdout


def test_output_lists_each_exercise_with_its_tests_and_points(correct_run):
    out = correct_run.result.stdout
    first, second = out.index("Exercise 1 — ReLU (3 points)"), out.index("Exercise 2 — Sigmoid")
    block = out[first:second].splitlines()
    assert block[1:] == [
        "  PASS    test_relu_values  2 points",
        "  PASS    test_relu_shape   1 point",
        "  HIDDEN  test_relu_hidden  1 point, checked when your instructor grades",
        "  Visible tests: 3 / 3 points (+ 1 point of hidden tests)",
        "",
    ]
    assert "  PASS    test_sigmoid      2 points" in out[second:]
    assert ("Hidden tests (1 more point) run when your instructor grades: they check edge cases "
            "(large inputs, shapes, dtypes).") in out


def test_runs_in_the_notebooks_folder(correct_run):
    # The set-up cell reads counts.csv next to the notebook; the CLI ran from another folder.
    assert "FileNotFoundError" not in correct_run.result.stdout
    assert correct_run.result.returncode == 0


def test_students_file_is_unchanged_byte_for_byte(correct_run):
    assert snapshot(correct_run.folder) == correct_run.before  # no new file either
    assert correct_run.path.stat().st_mtime_ns == correct_run.mtime


def test_kernel_noise_stays_off_stderr(correct_run):
    assert correct_run.result.stderr == ""


# ----------------------------------------------------------------------------------------------
# A wrong notebook, through the Python API


@pytest.fixture(scope="module")
def wrong_run(tmp_path_factory):
    extra = [
        new_markdown_cell("## Exercise 3 — Odd cases (4 points)"),
        new_code_cell("def flatten(a):\n    return a.reshape(2)\n\nflatten(np.ones(3))",
                      metadata=nbgrader("test_in_function", grade=True, points=1)),
        new_code_cell("x = 1\nassert x == 2", metadata=nbgrader("test_bare", grade=True, points=1)),
        new_code_cell("while True:\n    pass",
                      metadata=nbgrader("test_endless", grade=True, points=1)),
        new_code_cell("import os\nos._exit(1)"),
        new_code_cell("x = 3", metadata=nbgrader("test_after_crash", grade=True, points=1)),
    ]
    notebook = exercise_notebook(relu_body=WRONG_RELU, sigmoid_body=STUB, extra_cells=extra)
    path = write_exercise(tmp_path_factory.mktemp("wrong"), notebook)
    before = path.read_bytes()
    report = check_notebook(path, timeout=3, released=path.parent / "absent.ipynb")
    return SimpleNamespace(path=path, before=before, report=report, text=format_report(report))


def test_wrong_solution_fails_with_the_assertion_message(wrong_run):
    test = by_id(wrong_run.report)["test_relu_values"]
    assert not test.passed
    assert test.message == ("AssertionError: relu(z)[0] is -2, expected 0 for input -2 "
                            "(2 of 3 values differ)")
    assert "Traceback" not in test.message and "\x1b[" not in test.message
    assert "\n  FAIL    test_relu_values  2 points\n          AssertionError: relu(z)[0] is -2" \
        in wrong_run.text


def test_wrong_notebook_scores_only_passing_tests(wrong_run):
    report = wrong_run.report
    assert not report.passed
    assert [(e.title.split(" —")[0], e.points, e.max_points) for e in report.exercises] == [
        ("Exercise 1", 1.0, 3.0), ("Exercise 2", 0.0, 2.0), ("Exercise 3", 0.0, 4.0)]
    assert (report.points, report.max_points) == (1.0, 9.0)
    assert "Visible tests: 1 / 9 points" in wrong_run.text
    assert "6 test cells failed" in wrong_run.text


def test_stub_is_reported_as_not_written_yet(wrong_run):
    exercise = wrong_run.report.exercises[1]
    assert [error.cell for error in exercise.errors] == [11]  # the example call sigmoid(...)
    line = exercise.errors[0].describe()
    assert line == ("cell 11 (`sigmoid(np.array([0.0]))`) raised NotImplementedError in "
                    "sigmoid() (not written yet?)")
    assert f"  ERROR   {line}" in wrong_run.text
    assert by_id(wrong_run.report)["test_sigmoid"].message == "NotImplementedError in sigmoid()"
    assert ("  FAIL    test_sigmoid      2 points\n"
            "          NotImplementedError in sigmoid() (not written yet?)") in wrong_run.text


def test_error_message_names_the_students_function(wrong_run):
    message = by_id(wrong_run.report)["test_in_function"].message
    assert message == "ValueError: cannot reshape array of size 3 into shape (2,) (in flatten())"


def test_hidden_test_cells_are_listed_but_not_counted(wrong_run):
    hidden = by_id(wrong_run.report)["test_relu_hidden"]
    assert hidden.hidden and hidden.passed is None and hidden.status == "HIDDEN"
    assert wrong_run.report.hidden_points == 1.0


def test_bare_assert_quotes_the_failing_line(wrong_run):
    assert by_id(wrong_run.report)["test_bare"].message == "AssertionError at `assert x == 2`"


def test_endless_cell_is_stopped_at_the_timeout_and_the_run_goes_on(wrong_run):
    test = by_id(wrong_run.report)["test_endless"]
    assert not test.passed
    assert test.message.startswith("TimeoutError: the cell ran longer than 3 s")


def test_dead_kernel_stops_the_run_and_says_so(wrong_run):
    test = by_id(wrong_run.report)["test_after_crash"]
    assert not test.passed and test.message.startswith("not run: the kernel died")
    assert any("the kernel died while running cell 17" in note for note in wrong_run.report.notes)


def test_missing_release_is_noted_not_fatal(wrong_run):
    notes = wrong_run.report.notes
    assert any("(absent.ipynb) is not in this copy of the course" in note for note in notes)


def test_json_report_is_plain_data(wrong_run):
    data = json.loads(json.dumps(wrong_run.report.to_dict()))
    assert data["passed"] is False and data["points"] == 1.0 and data["max_points"] == 9.0
    assert data["hidden_points"] == 1.0
    first = data["exercises"][0]
    assert first["title"] == "Exercise 1 — ReLU (3 points)"
    assert [t["grade_id"] for t in first["tests"]] == ["test_relu_values", "test_relu_shape",
                                                      "test_relu_hidden"]
    assert set(first["tests"][0]) == {"grade_id", "points", "passed", "cell", "message",
                                      "restored", "replaced", "hidden"}


def test_wrong_notebook_file_is_unchanged(wrong_run):
    assert wrong_run.path.read_bytes() == wrong_run.before


# ----------------------------------------------------------------------------------------------
# Deleted and edited test cells, restored from the released exercise


def test_deleted_and_edited_test_cells_come_from_the_release(tmp_path, monkeypatch, capsys):
    released = write_exercise(tmp_path / "exercises" / UNIT, exercise_notebook(), f"{UNIT}.ipynb")
    monkeypatch.setattr(restore.paths, "released_notebook",
                        lambda unit: released if unit == UNIT else tmp_path / "none.ipynb")
    student = exercise_notebook(relu_body=WRONG_RELU)
    student.cells = [c for c in student.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "test_relu_shape"]
    edited = next(c for c in student.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "test_relu_values")
    edited.source = "pass  # the test was in my way"
    path = write_exercise(tmp_path / "student", student)
    before = path.read_bytes()

    code = selfcheck.main(["--json", str(path)])
    data = json.loads(capsys.readouterr().out)

    assert code == 1
    tests = {t["grade_id"]: t for t in data["exercises"][0]["tests"]}
    assert list(tests) == ["test_relu_values", "test_relu_shape", "test_relu_hidden"]
    assert tests["test_relu_shape"]["restored"] and tests["test_relu_shape"]["passed"]
    assert tests["test_relu_shape"]["cell"] is None
    assert tests["test_relu_values"]["replaced"] and not tests["test_relu_values"]["passed"]
    assert "relu(z)[0] is -2" in tests["test_relu_values"]["message"]
    notes = data["notes"]
    assert ("test cell 'test_relu_shape' was missing: restored from the released exercise "
            "(grading does the same)") in notes
    assert any("'test_relu_values' was edited: the released version was run" in n for n in notes)
    assert path.read_bytes() == before


def cell_ids(cells) -> list[str]:
    return [c.metadata.get("nbgrader", {}).get("grade_id", c.source[:12]) for c in cells]


def test_restore_puts_consecutive_deleted_cells_back_in_order():
    released = exercise_notebook()
    student = exercise_notebook()
    dropped = {"test_relu_values", "test_relu_shape"}
    cells = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade_id")
             not in dropped]
    origins = list(range(1, len(cells) + 1))

    result = restore_test_cells(cells, origins, released)

    assert cell_ids(cells) == cell_ids(released.cells)
    assert result.restored == dropped and result.replaced == set()
    assert origins.count(None) == 2 and len(origins) == len(cells)


def test_restore_leaves_an_intact_notebook_alone():
    released = exercise_notebook()
    # The solutions keep the hidden tests that nbgrader takes out of the released copy.
    student = exercise_notebook(hidden=f"{HIDDEN}\n### BEGIN HIDDEN TESTS\nassert relu(-1) == 0\n"
                                       "### END HIDDEN TESTS")
    cells = list(student.cells)
    result = restore_test_cells(cells, list(range(len(cells))), released)
    assert result.notes == [] and cell_ids(cells) == cell_ids(released.cells)


# ----------------------------------------------------------------------------------------------
# Bad input: one line on stderr, exit code 2, no kernel started


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_INPUTS = {
    "missing": (lambda d: d / "nowhere.ipynb", "no such file"),
    "folder": (lambda d: d, "is a folder"),
    "not ipynb": (lambda d: _write(d, "answers.py", "x = 1\n"), "expected a .ipynb file"),
    "empty": (lambda d: _write(d, "empty.ipynb", ""), "is empty"),
    "corrupt json": (lambda d: _write(d, "broken.ipynb", '{\n "cells": [\n  {"a": 1,,}\n ]\n}'),
                     "is not valid JSON (line 3, column"),
    "json not notebook": (lambda d: _write(d, "data.ipynb", '{"species": ["Adelie"]}'),
                          "is JSON but not a Jupyter notebook"),
    "invalid notebook": (lambda d: _write(d, "bad.ipynb", json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]})),
        "is JSON but not a Jupyter notebook"),
    "no graded cells": (lambda d: write_exercise(d, new_notebook(cells=[new_code_cell("1 + 1")]),
                                                 "other-course.ipynb"),
                        "has no graded test cells: is it an exercise notebook of this course?"),
}


@pytest.fixture(scope="module")
def bad_input_runs(tmp_path_factory):
    """Run the command line on every bad input at once (each start imports nbformat: ~1-4 s)."""
    running = {}
    for case, (make, _) in BAD_INPUTS.items():
        folder = tmp_path_factory.mktemp("bad")
        running[case] = subprocess.Popen(
            [sys.executable, "-m", "dlcourse.check", str(make(folder))], cwd=folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {}
    for case, process in running.items():
        stdout, stderr = process.communicate(timeout=180)
        results[case] = SimpleNamespace(returncode=process.returncode, stdout=stdout,
                                        stderr=stderr)
    return results


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gets_one_clear_line_and_exit_2(case, bad_input_runs):
    expected = BAD_INPUTS[case][1]
    result = bad_input_runs[case]
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_a_check_error_in_python(case, tmp_path):
    make, expected = BAD_INPUTS[case]
    with pytest.raises(NotebookCheckError) as info:
        check_notebook(make(tmp_path))
    assert expected in str(info.value)


def test_old_notebook_without_cell_ids_reads_quietly(tmp_path):
    data = nbformat.writes(exercise_notebook())
    raw = json.loads(data)
    for cell in raw["cells"]:
        del cell["id"]
    path = _write(tmp_path, "old.ipynb", json.dumps(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook = read_notebook(path)
    assert len(notebook.cells) == len(raw["cells"])


@pytest.mark.parametrize("value", ["0", "-5", "two"])
def test_timeout_must_be_a_positive_whole_number(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        selfcheck.main(["--timeout", value, str(tmp_path / "x.ipynb")])
    assert info.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_strip_ansi_and_failure_message_on_a_real_ipython_error():
    error = execution.ErrorInfo(
        ename="ValueError",
        evalue="operands could not be broadcast together with shapes (3,) (4,) ",
        traceback="\x1b[31mValueError\x1b[39m: operands could not be broadcast",
    )
    assert execution.strip_ansi(error.traceback) == "ValueError: operands could not be broadcast"
    assert execution.failure_message(error) == (
        "ValueError: operands could not be broadcast together with shapes (3,) (4,)")
