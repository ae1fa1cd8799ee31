"""Grading round trip with stock nbgrader, in a temporary copy of the course.

The solution earns every point; the released exercise, untouched, earns none without
crashing the grader; every plausible wrong answer of ``wrong_answers.py`` loses points in the
test cells it should; a student who deletes or edits a test cell gains nothing.
"""

from __future__ import annotations

import pytest
from nbgrader_course import (
    GradingCourse,
    feedback_and_export,
    fill_solutions,
    make_grading_course,
    solution_sources,
)
from wrong_answers import WRONG_ANSWERS

pytestmark = pytest.mark.grading

UNIT = "01-perceptron"
_GROUPS = ("basics", "ex1", "ex2_ex3", "ex4")


def _group_of(solution_cell: str) -> str:
    exercise = solution_cell.split("_")[0]
    return {"ex1": "ex1", "ex2": "ex2_ex3", "ex3": "ex2_ex3", "ex4": "ex4"}[exercise]


def _basics(course: GradingCourse) -> None:
    released = course.released()
    solutions = solution_sources(UNIT)
    course.submit("solution", fill_solutions(released, solutions))
    course.submit("untouched", released)
    # Correct answers, but the visible test of exercise 3 deleted.
    deleted = fill_solutions(released, solutions)
    deleted.cells = [c for c in deleted.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "ex3_test_values"]
    course.submit("deleted_test_correct", deleted)
    # Untouched stubs, and every test cell deleted.
    stripped = fill_solutions(released, {})
    stripped.cells = [c for c in stripped.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    course.submit("deleted_tests_blank", stripped)
    # Untouched stubs, the visible tests rewritten to pass.
    edited = fill_solutions(released, {})
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "print('all good')"
    course.submit("edited_tests_blank", edited)
    # The solution cell of exercise 4 deleted: its function is undefined.
    no_solution = fill_solutions(released, solutions)
    no_solution.cells = [c for c in no_solution.cells
                         if c.metadata.get("nbgrader", {}).get("grade_id") != "ex4_solution"]
    course.submit("deleted_solution", no_solution)


def _wrong(course: GradingCourse, group: str) -> None:
    released = course.released()
    solutions = solution_sources(UNIT)
    for wrong in WRONG_ANSWERS[UNIT]:
        if _group_of(wrong.solution_cell) != group:
            continue
        answers = dict(solutions)
        answers[wrong.solution_cell] = solutions[wrong.solution_cell] + "\n\n" + wrong.code + "\n"
        course.submit(wrong.name, fill_solutions(released, answers))


_graded: dict[str, GradingCourse | Exception] = {}


@pytest.fixture
def graded(tmp_path_factory):
    """Grade a group of submissions once per worker, and return the course it was graded in."""

    def get(group: str) -> GradingCourse:
        if group not in _graded:
            try:
                course = make_grading_course(tmp_path_factory.mktemp(f"grading-{group}"), UNIT)
                _basics(course) if group == "basics" else _wrong(course, group)
                course.autograde()
                if group == "basics":
                    feedback_and_export(course)
            except Exception as error:  # grade once: later tests of the group report the same
                _graded[group] = error
            else:
                _graded[group] = course
        result = _graded[group]
        if isinstance(result, Exception):
            raise result
        return result

    return get


def _param(group: str, *values, id: str):
    return pytest.param(*values, id=id, marks=pytest.mark.xdist_group(f"grading-{group}"))


basics_group = pytest.mark.xdist_group("grading-basics")


@basics_group
def test_solution_earns_every_point(graded):
    course = graded("basics")
    maximum = course.max_scores()
    assert sum(maximum.values()) >= 10, "the unit's exercise should be worth at least 10 points"
    assert course.cell_scores("solution") == maximum


@basics_group
def test_untouched_exercise_earns_nothing(graded):
    course = graded("basics")
    scores = course.cell_scores("untouched")
    assert set(scores) == set(course.max_scores())
    assert sum(scores.values()) == 0, scores


@basics_group
def test_deleted_test_cell_is_restored_and_graded(graded):
    course = graded("basics")
    scores = course.cell_scores("deleted_test_correct")
    assert scores == course.max_scores(), "a restored test cell should grade a correct answer"
    blank = course.cell_scores("deleted_tests_blank")
    assert set(blank) == set(course.max_scores()), "every deleted test cell is graded"
    assert sum(blank.values()) == 0, blank


@basics_group
def test_edited_test_cells_are_overwritten(graded):
    scores = graded("basics").cell_scores("edited_tests_blank")
    assert sum(scores.values()) == 0, scores


@basics_group
def test_deleted_solution_cell_loses_its_points_only(graded):
    course = graded("basics")
    scores = course.cell_scores("deleted_solution")
    maximum = course.max_scores()
    for cell, score in scores.items():
        if cell.startswith("ex4"):
            assert score == 0, (cell, score)
        else:
            assert score == maximum[cell], (cell, score)


@pytest.mark.parametrize(
    "wrong",
    [_param(_group_of(w.solution_cell), w, id=w.name) for w in WRONG_ANSWERS[UNIT]],
)
def test_wrong_answer_loses_points(graded, wrong):
    course = graded(_group_of(wrong.solution_cell))
    scores = course.cell_scores(wrong.name)
    maximum = course.max_scores()
    for cell in wrong.loses:
        assert scores[cell] < maximum[cell], f"{wrong.name} still earns full points in {cell}"
    assert sum(scores.values()) < sum(maximum.values())


def test_at_least_three_wrong_answers_per_graded_function():
    import re

    counts: dict[str, int] = {}
    for wrong in WRONG_ANSWERS[UNIT]:
        name = re.search(r"^def (\w+)", wrong.code, flags=re.MULTILINE).group(1)
        counts[name] = counts.get(name, 0) + 1
    graded_functions = set()
    for source in solution_sources(UNIT).values():
        graded_functions.update(re.findall(r"^def (\w+)", source, flags=re.MULTILINE))
    assert graded_functions, "no graded function found"
    short = {name: counts.get(name, 0) for name in graded_functions if counts.get(name, 0) < 3}
    assert not short, f"fewer than three wrong answers for {short}"


@basics_group
def test_feedback_and_export_with_stock_nbgrader(graded):
    import csv

    course = graded("basics")
    total = sum(course.max_scores().values())
    feedback = course.grader / "feedback" / "solution" / UNIT / f"{UNIT}.html"
    assert feedback.is_file(), "generate_feedback wrote no feedback for the student"
    assert "NotImplementedError" in (
        course.grader / "feedback" / "untouched" / UNIT / f"{UNIT}.html"
    ).read_text(), "the untouched exercise's feedback should show why its tests fail"
    with open(course.grader / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["solution"]["score"]) == total
    assert float(rows["untouched"]["score"]) == 0
    assert float(rows["solution"]["max_score"]) == total
