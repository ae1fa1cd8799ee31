"""``course grade``: the same gradebook as sequential ``nbgrader autograde``, and the rest.

One small class (a solution, an untouched exercise, two wrong answers, a syntax error, a
deleted test cell) is graded twice, in two copies of the course: by stock ``nbgrader
autograde`` and by ``course grade --workers 2``. Every gradebook entry of every cell must be
equal. The parallel copy then serves the tests of the progress bar, the report, the feedback
(no hidden test code) and the Moodle subcommands.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbgrader_course import (
    GradingCourse,
    fill_solutions,
    make_grading_course,
    solution_sources,
)
from wrong_answers import WRONG_ANSWERS

from dlcourse.grading.cli import build_parser, command_modules
from dlcourse.grading.parallel_gradebook import read_submission
from dlcourse.grading.release import run_nbgrader
from dlcourse.paths import COURSE_ROOT

UNIT = "01-perceptron"
WRONG = {wrong.name: wrong for wrong in WRONG_ANSWERS[UNIT]}
STUDENTS = ("broken", "deleted_test", "perceptron_no_bias_update", "sigmoid_sign_error",
            "solution", "untouched")

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("course-grade")]


def _course(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlcourse.grading.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900, check=False)


_GENERATED: dict[str, GradingCourse] = {}


def generated_course(tmp_path_factory, name: str) -> GradingCourse:
    """A fresh copy of the course where ``nbgrader generate_assignment UNIT`` has run.

    The assignment is generated once per test process, then copied (this module and
    ``test_bad_submissions.py`` share an xdist group, hence a process).
    """
    if "base" not in _GENERATED:
        _GENERATED["base"] = make_grading_course(tmp_path_factory.mktemp("generated"), UNIT)
    destination = tmp_path_factory.mktemp(name) / "course"
    shutil.copytree(_GENERATED["base"].root, destination)
    return GradingCourse(destination, UNIT)


def _submit_class(course: GradingCourse) -> None:
    released = course.released()
    solutions = solution_sources(UNIT)
    course.submit("solution", fill_solutions(released, solutions))
    course.submit("untouched", released)
    for name in ("sigmoid_sign_error", "perceptron_no_bias_update"):
        answers = dict(solutions)
        cell = WRONG[name].solution_cell
        answers[cell] = solutions[cell] + "\n\n" + WRONG[name].code + "\n"
        course.submit(name, fill_solutions(released, answers))
    broken = dict(solutions)
    broken["ex2_solution"] = "def sigmoid_derivative(z)\n    return z\n"
    course.submit("broken", fill_solutions(released, broken))
    deleted = fill_solutions(released, solutions)
    deleted.cells = [cell for cell in deleted.cells
                     if cell.metadata.get("nbgrader", {}).get("grade_id") != "ex1_test_values"]
    course.submit("deleted_test", deleted)
    for day, student in enumerate(STUDENTS, start=10):  # as `nbgrader collect` leaves them
        folder = course.grader / "submitted" / student / UNIT
        (folder / "timestamp.txt").write_text(f"2025-03-{day} 09:30:00.000000 UTC\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded sequentially (stock) and in parallel, in two copies of the course."""
    sequential = generated_course(tmp_path_factory, "sequential")
    _submit_class(sequential)
    parallel = GradingCourse(tmp_path_factory.mktemp("parallel") / "course", UNIT)
    shutil.copytree(sequential.root, parallel.root)
    run_nbgrader(["autograde", UNIT], sequential.grader)
    run = _course("grade", UNIT, "--workers", "2", "--feedback", cwd=parallel.grader)
    return {"sequential": sequential, "parallel": parallel, "run": run}


def _gradebook(course: GradingCourse) -> dict[str, dict]:
    url = f"sqlite:///{course.grader / 'gradebook.db'}"
    return {student: read_submission(url, UNIT, student, "dlcourse") for student in STUDENTS}


def test_parallel_grading_writes_the_same_gradebook_as_sequential_autograde(graded):
    sequential, parallel = _gradebook(graded["sequential"]), _gradebook(graded["parallel"])
    assert parallel == sequential
    assert sequential["solution"]["timestamp"].day == 14
    grades = sequential["solution"]["notebooks"][UNIT]["grades"]
    assert len(grades) == 8 and all(grade["auto_score"] is not None for grade in grades.values())


def test_the_class_spans_full_partial_and_zero_scores(graded):
    course = graded["parallel"]
    maximum = sum(course.max_scores().values())
    totals = {student: sum(course.cell_scores(student).values()) for student in STUDENTS}
    assert totals["solution"] == totals["deleted_test"] == maximum
    assert totals["untouched"] == 0
    for partial in ("broken", "sigmoid_sign_error", "perceptron_no_bias_update"):
        assert 0 < totals[partial] < maximum, (partial, totals[partial])


def test_the_graded_notebooks_are_where_nbgrader_puts_them(graded):
    for student in STUDENTS:
        path = graded["parallel"].grader / "autograded" / student / UNIT / f"{UNIT}.ipynb"
        assert nbformat.read(path, as_version=4).cells, student


def test_progress_bar_and_terminal_summary(graded):
    run = graded["run"]
    assert run.returncode == 1, run.stderr[-3000:]  # the deleted test cell is a problem
    assert f"grading {UNIT}" in run.stderr and "6/6" in run.stderr
    assert f"Graded {UNIT}: 6 submission(s)" in run.stdout
    assert re.search(r"^  total\s+/\s+13 ", run.stdout, flags=re.MULTILINE), run.stdout
    assert ("  deleted_test: test cell 'ex1_test_values' was deleted: it was put back and "
            "graded") in run.stdout
    assert "Slowest: " in run.stdout and "Report: " in run.stdout


def test_report_content(graded):
    course = graded["parallel"]
    reports = course.grader / "reports"
    data = json.loads((reports / f"{UNIT}.json").read_text())
    assert (reports / f"{UNIT}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    by_student = {entry["student"]: entry for entry in data["submissions"]}
    assert set(by_student) == set(STUDENTS)
    for student, entry in by_student.items():
        assert entry["cell_scores"] == course.cell_scores(student)
        assert entry["status"] == "graded"
        assert entry["seconds"] >= entry["compute_seconds"] > 0
    ex1 = data["exercises"]["ex1"]
    ex1_scores = [sum(score for cell, score in course.cell_scores(student).items()
                      if cell.startswith("ex1_")) for student in STUDENTS]
    assert ex1["max_score"] == 4 and ex1["full_marks"] == ex1_scores.count(4)
    assert ex1["mean"] == pytest.approx(sum(ex1_scores) / len(ex1_scores))
    assert by_student["broken"]["tests"]["ex2_test_hidden"] == {
        "error": "NameError", "message": "NameError: name 'relu_derivative' is not defined"}
    page = (reports / f"{UNIT}.html").read_text()
    for heading in ("Score distribution per exercise", "Problems with the input (1)",
                    "Errors and timeouts", "Slowest submissions", "Every submission"):
        assert heading in page
    assert "data:image/png;base64," in page


def _hidden_test_lines() -> list[str]:
    notebook = nbformat.read(COURSE_ROOT / "solutions" / UNIT / f"{UNIT}.ipynb", as_version=4)
    lines = []
    for cell in notebook.cells:
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source,
                            flags=re.DOTALL)
        lines += [line.strip() for block in hidden for line in block.splitlines()
                  if len(line.strip()) > 30]
    assert len(lines) > 10, "the unit should have hidden tests"
    return lines


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_feedback_shows_results_and_messages_never_hidden_test_code(graded):
    course = graded["parallel"]
    assert f"Feedback: {len(STUDENTS)} file(s)" in graded["run"].stdout
    page = course.grader / "feedback" / "broken" / UNIT / f"{UNIT}.html"
    page.unlink()
    run = _course("feedback", UNIT, "--student", "broken", cwd=course.grader)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == f"wrote {page}"
    hidden = _hidden_test_lines()
    for student in STUDENTS:
        page = (course.grader / "feedback" / student / UNIT / f"{UNIT}.html").read_text()
        text = _visible_text(page)
        leaked = [line for line in hidden if " ".join(line.split()) in text]
        assert not leaked, (student, leaked[:3])
        assert "BEGIN HIDDEN TESTS" not in page
        assert "Your results" in text and "their code is not shown" in text
    solution = _visible_text(
        (course.grader / "feedback" / "solution" / UNIT / f"{UNIT}.html").read_text())
    assert "ex1_test_hidden 2 / 2 passed" in solution
    wrong = _visible_text((course.grader / "feedback" / "sigmoid_sign_error" / UNIT /
                           f"{UNIT}.html").read_text())
    message = re.search(r"ex1_test_values 0 / 2 failed (\w+Error: [^|]{10,}?) ex1_test_hidden",
                        wrong)
    assert message, "a failed test shows its message"
    broken = _visible_text(
        (course.grader / "feedback" / "broken" / UNIT / f"{UNIT}.html").read_text())
    assert "ex2_test_hidden 0 / 1 failed NameError: name 'relu_derivative' is not defined" \
        in broken


def test_moodle_export_and_import_through_course(graded, tmp_path):
    course = graded["parallel"]
    roster = tmp_path / "roster.csv"
    rows = ["participant_id,student_id,first_name,last_name,email"]
    rows += [f"{100 + i},{student},First{i},Last{i},{student}@example.org"
             for i, student in enumerate(STUDENTS)]
    roster.write_text("\n".join(rows) + "\n")
    out = tmp_path / "moodle.csv"
    run = _course("moodle-export", "--roster", str(roster), "--assignment", UNIT,
                  "--out", str(out), cwd=course.grader)
    assert run.returncode == 0, run.stderr[-3000:]
    grades = {row["Student ID"]: row["Grade"] for row in csv.DictReader(io.StringIO(
        out.read_text()))}
    assert grades["solution"] == "13.00" and grades["untouched"] == "0.00"
    archive = tmp_path / "moodle.zip"
    notebook = nbformat.writes(course.released()).encode()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"First0 Last0_100_assignsubmission_file_/{UNIT} (2).ipynb", notebook)
    submitted = tmp_path / "submitted"
    run = _course("moodle-import", str(archive), "--roster", str(roster), "--assignment",
                  UNIT, "--submitted", str(submitted), cwd=course.grader)
    assert run.returncode == 0, run.stdout + run.stderr
    copied = submitted / STUDENTS[0] / UNIT / f"{UNIT}.ipynb"
    assert copied.read_bytes() == notebook
    assert "renamed 1" in run.stdout


def test_unknown_assignment_is_refused_with_a_clear_message(graded):
    run = _course("grade", "99-nothing", "--workers", "1", "--no-progress",
                  cwd=graded["parallel"].grader)
    assert run.returncode == 2
    assert "assignment '99-nothing' is not in the gradebook" in run.stderr
    assert "nbgrader generate_assignment 99-nothing" in run.stderr


def test_subcommands_are_found_by_module_name():
    modules = command_modules()
    assert {"dlcourse.grading.cli_grade", "dlcourse.grading.cli_feedback",
            "dlcourse.grading.cli_moodle"} <= set(modules)
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"grade", "feedback", "moodle-import", "moodle-export"} <= set(commands)
