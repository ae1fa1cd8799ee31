"""Grading round trip with stock nbgrader, in a temporary copy of the course, for every unit.

The solution earns every point; the released exercise, untouched, earns none without
crashing the grader; every plausible wrong answer of ``wrong_answers.py`` loses points in the
test cells it should; a student who deletes or edits a test cell gains nothing.

Cell ids follow the course's convention: every graded or solution cell of exercise N has a
``grade_id`` starting with ``exN_``. Submissions are graded in groups (the basics of a unit, and
the wrong answers of each exercise), each group once, in its own course copy, so that pytest-xdist
spreads the groups over the cores.
"""

from __future__ import annotations

import csv
import re

import nbformat
import pytest
from nbgrader_course import (
    GradingCourse,
    feedback_and_export,
    fill_solutions,
    make_grading_course,
    solution_sources,
)
from wrong_answers import WRONG_ANSWERS

from dlcourse.paths import COURSE_ROOT

pytestmark = pytest.mark.grading

UNITS = sorted(WRONG_ANSWERS)


def _exercise(grade_id: str) -> str:
    return grade_id.split("_")[0]


def _source_cells(unit: str) -> list:
    path = COURSE_ROOT / "solutions" / unit / f"{unit}.ipynb"
    return [c for c in nbformat.read(path, as_version=4).cells if "nbgrader" in c.metadata]


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _first_test_cell(unit: str) -> str:
    return next(_grade_id(c) for c in _source_cells(unit) if c.metadata.nbgrader.get("grade"))


def _last_solution_cell(unit: str) -> str:
    return [_grade_id(c) for c in _source_cells(unit) if c.metadata.nbgrader.get("solution")][-1]


def _basics(course: GradingCourse) -> None:
    released = course.released()
    solutions = solution_sources(course.unit)
    course.submit("solution", fill_solutions(released, solutions))
    course.submit("untouched", released)
    # Correct answers, but the first test cell deleted.
    deleted = fill_solutions(released, solutions)
    first_test = _first_test_cell(course.unit)
    deleted.cells = [c for c in deleted.cells if _grade_id(c) != first_test]
    course.submit("deleted_test_correct", deleted)
    # Untouched stubs, and every test cell deleted.
    stripped = fill_solutions(released, {})
    stripped.cells = [c for c in stripped.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    course.submit("deleted_tests_blank", stripped)
    # Untouched stubs, the tests rewritten to pass.
    edited = fill_solutions(released, {})
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "print('all good')"
    course.submit("edited_tests_blank", edited)
    # The last solution cell deleted: its functions are undefined.
    no_solution = fill_solutions(released, solutions)
    last_solution = _last_solution_cell(course.unit)
    no_solution.cells = [c for c in no_solution.cells if _grade_id(c) != last_solution]
    course.submit("deleted_solution", no_solution)


def _wrong(course: GradingCourse, exercise: str) -> None:
    released = course.released()
    solutions = solution_sources(course.unit)
    for wrong in WRONG_ANSWERS[course.unit]:
        if _exercise(wrong.solution_cell) != exercise:
            continue
        answers = dict(solutions)
        answers[wrong.solution_cell] = solutions[wrong.solution_cell] + "\n\n" + wrong.code + "\n"
        course.submit(wrong.name, fill_solutions(released, answers))


_graded: dict[tuple[str, str], GradingCourse | Exception] = {}


@pytest.fixture
def graded(tmp_path_factory):
    """Grade a group of submissions once per worker, and return the course it was graded in."""

    def get(unit: str, group: str) -> GradingCourse:
        key = (unit, group)
        if key not in _graded:
            try:
                course = make_grading_course(tmp_path_factory.mktemp(f"grading-{unit}-{group}"),
                                             unit)
                _basics(course) if group == "basics" else _wrong(course, group)
                course.autograde()
                if group == "basics":
                    feedback_and_export(course)
            except Exception as error:  # grade once: later tests of the group report the same
                _graded[key] = error
            else:
                _graded[key] = course
        result = _graded[key]
        if isinstance(result, Exception):
            raise result
        return result

    return get


def _in_group(unit: str, group: str, *values, id: str):
    return pytest.param(unit, *values, id=id,
                        marks=pytest.mark.xdist_group(f"grading-{unit}-{group}"))


def _basics_params():
    return [_in_group(unit, "basics", id=unit) for unit in UNITS]


@pytest.mark.parametrize("unit", _basics_params())
def test_solution_earns_every_point(graded, unit):
    course = graded(unit, "basics")
    maximum = course.max_scores()
    assert sum(maximum.values()) >= 10, "a unit's exercise should be worth at least 10 points"
    assert course.cell_scores("solution") == maximum


@pytest.mark.parametrize("unit", _basics_params())
def test_untouched_exercise_earns_nothing(graded, unit):
    course = graded(unit, "basics")
    scores = course.cell_scores("untouched")
    assert set(scores) == set(course.max_scores())
    assert sum(scores.values()) == 0, scores


@pytest.mark.parametrize("unit", _basics_params())
def test_deleted_test_cell_is_restored_and_graded(graded, unit):
    course = graded(unit, "basics")
    scores = course.cell_scores("deleted_test_correct")
    assert scores == course.max_scores(), "a restored test cell should grade a correct answer"
    blank = course.cell_scores("deleted_tests_blank")
    assert set(blank) == set(course.max_scores()), "every deleted test cell is graded"
    assert sum(blank.values()) == 0, blank


@pytest.mark.parametrize("unit", _basics_params())
def test_edited_test_cells_are_overwritten(graded, unit):
    scores = graded(unit, "basics").cell_scores("edited_tests_blank")
    assert sum(scores.values()) == 0, scores


@pytest.mark.parametrize("unit", _basics_params())
def test_deleted_solution_cell_loses_its_points_only(graded, unit):
    course = graded(unit, "basics")
    scores = course.cell_scores("deleted_solution")
    maximum = course.max_scores()
    lost = _exercise(_last_solution_cell(unit))
    for cell, score in scores.items():
        expected = 0 if _exercise(cell) == lost else maximum[cell]
        assert score == expected, (cell, score)


@pytest.mark.parametrize("unit", _basics_params())
def test_feedback_and_export_with_stock_nbgrader(graded, unit):
    course = graded(unit, "basics")
    total = sum(course.max_scores().values())
    feedback = course.grader / "feedback" / "solution" / unit / f"{unit}.html"
    assert feedback.is_file(), "generate_feedback wrote no feedback for the student"
    assert "NotImplementedError" in (
        course.grader / "feedback" / "untouched" / unit / f"{unit}.html"
    ).read_text(), "the untouched exercise's feedback should show why its tests fail"
    with open(course.grader / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["solution"]["score"]) == total
    assert float(rows["untouched"]["score"]) == 0
    assert float(rows["solution"]["max_score"]) == total


@pytest.mark.parametrize(
    ("unit", "wrong"),
    [_in_group(unit, _exercise(w.solution_cell), w, id=f"{unit}-{w.name}")
     for unit in UNITS for w in WRONG_ANSWERS[unit]],
)
def test_wrong_answer_loses_points(graded, unit, wrong):
    course = graded(unit, _exercise(wrong.solution_cell))
    scores = course.cell_scores(wrong.name)
    maximum = course.max_scores()
    for cell in wrong.loses:
        assert scores[cell] < maximum[cell], f"{wrong.name} still earns full points in {cell}"
    assert sum(scores.values()) < sum(maximum.values())


@pytest.mark.parametrize("unit", UNITS)
def test_at_least_three_wrong_answers_per_graded_function(unit):
    counts: dict[str, int] = {}
    for wrong in WRONG_ANSWERS[unit]:
        name = re.search(r"^def (\w+)", wrong.code, flags=re.MULTILINE).group(1)
        counts[name] = counts.get(name, 0) + 1
    graded_functions = set()
    for source in solution_sources(unit).values():
        graded_functions.update(re.findall(r"^def (\w+)", source, flags=re.MULTILINE))
    assert graded_functions, "no graded function found"
    short = {name: counts.get(name, 0) for name in graded_functions if counts.get(name, 0) < 3}
    assert not short, f"fewer than three wrong answers for {short}"


def test_every_unit_with_an_exercise_has_wrong_answers():
    units = {p.parent.name for p in (COURSE_ROOT / "solutions").glob("*/*.ipynb")}
    missing = units - set(UNITS)
    assert not missing, f"units without wrong answers in tests/wrong_answers.py: {missing}"
