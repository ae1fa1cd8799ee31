"""The self-check's report: what it found, exercise by exercise, as data, JSON or text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dlcourse.check.execution import DEFAULT_TIMEOUT

#: The group of the cells that come before the first exercise heading.
OTHER = "Other"


@dataclass
class TestResult:
    """The outcome of one test cell.

    Attributes
    ----------
    grade_id : str
        The cell's nbgrader ``grade_id``.
    points : float
        The points the cell is worth.
    passed : bool or None
        True when running the cell produced no error; None for a hidden test cell.
    cell : int or None
        The cell's position (1-based) in the student's notebook; None for a restored cell.
    message : str
        The first lines of the failure (exception type and message); empty when it passed.
    restored : bool
        The cell was missing and was put back from the released exercise.
    replaced : bool
        The cell was edited and its released source was run instead.
    hidden : bool
        The cell holds no code here: its tests were taken out of the released exercise and
        run only when your instructor grades.
    """

    __test__ = False  # not a pytest test class, despite its name

    grade_id: str
    points: float
    passed: bool | None
    cell: int | None
    message: str = ""
    restored: bool = False
    replaced: bool = False
    hidden: bool = False
    order: int = field(default=0, repr=False)

    @property
    def status(self) -> str:
        """``"PASS"``, ``"FAIL"`` or ``"HIDDEN"``."""
        return "HIDDEN" if self.hidden else "PASS" if self.passed else "FAIL"


@dataclass
class CellError:
    """A cell that is not a test and raised an error (a stub not written yet, a typo...).

    Attributes
    ----------
    cell : int
        The cell's position (1-based) in the student's notebook.
    first_line : str
        The cell's first line of code, to find it.
    ename : str
        The exception's type, e.g. ``"NotImplementedError"``.
    message : str
        The first lines of the error (exception type and message).
    """

    cell: int
    first_line: str
    ename: str
    message: str
    order: int = field(default=0, repr=False)

    def describe(self) -> str:
        """Return one line for the student, e.g. ``cell 4 (`def relu(z):`) raised ...``."""
        where = f"cell {self.cell}" + (f" (`{self.first_line}`)" if self.first_line else "")
        return f"{where} raised {_with_hint(self.message)}"


@dataclass
class ExerciseReport:
    """The test cells and cell errors of one exercise (the cells under one "## Exercise" heading).

    Attributes
    ----------
    title : str
        The heading without its ``##``, or ``"Other"`` for the cells before the first exercise.
    tests : list of TestResult
        Its test cells, in notebook order.
    errors : list of CellError
        Its other cells that raised an error, in notebook order.
    """

    title: str
    tests: list[TestResult] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def visible_tests(self) -> list[TestResult]:
        """The test cells that hold tests here (not hidden)."""
        return [test for test in self.tests if not test.hidden]

    @property
    def points(self) -> float:
        """Points of the visible test cells that pass."""
        return sum((test.points for test in self.visible_tests if test.passed), 0.0)

    @property
    def max_points(self) -> float:
        """Points of all the visible test cells."""
        return sum((test.points for test in self.visible_tests), 0.0)

    @property
    def hidden_points(self) -> float:
        """Points of the hidden test cells, checked only when your instructor grades."""
        return sum((test.points for test in self.tests if test.hidden), 0.0)


@dataclass
class CheckReport:
    """What the self-check found in one notebook.

    Attributes
    ----------
    notebook : pathlib.Path
        The notebook that was checked.
    exercises : list of ExerciseReport
        One per exercise that has test cells or cell errors, in notebook order.
    notes : list of str
        Remarks on the notebook itself (a test cell restored or replaced...).
    manual_points : float
        Points of the answers your instructor grades by hand (not checked here).
    timeout : int
        The per-cell time limit used, in seconds.
    """

    notebook: Path
    exercises: list[ExerciseReport]
    notes: list[str] = field(default_factory=list)
    manual_points: float = 0.0
    timeout: int = DEFAULT_TIMEOUT

    @property
    def tests(self) -> list[TestResult]:
        """All the test cells, in notebook order."""
        return [test for exercise in self.exercises for test in exercise.tests]

    @property
    def points(self) -> float:
        """Points of the visible test cells that pass."""
        return sum((exercise.points for exercise in self.exercises), 0.0)

    @property
    def max_points(self) -> float:
        """Points of all the visible test cells."""
        return sum((exercise.max_points for exercise in self.exercises), 0.0)

    @property
    def hidden_points(self) -> float:
        """Points of the hidden test cells, checked only when your instructor grades."""
        return sum((exercise.hidden_points for exercise in self.exercises), 0.0)

    @property
    def passed(self) -> bool:
        """True when every visible test cell passes."""
        return all(test.passed for test in self.tests if not test.hidden)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain data (what ``--json`` prints)."""
        exercises = []
        for exercise in self.exercises:
            tests = [_public(asdict(test)) for test in exercise.tests]
            errors = [
                {**_public(asdict(error)), "description": error.describe()}
                for error in exercise.errors
            ]
            exercises.append(
                {
                    "title": exercise.title,
                    "points": exercise.points,
                    "max_points": exercise.max_points,
                    "hidden_points": exercise.hidden_points,
                    "tests": tests,
                    "errors": errors,
                }
            )
        return {
            "notebook": str(self.notebook),
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "hidden_points": self.hidden_points,
            "manual_points": self.manual_points,
            "timeout": self.timeout,
            "notes": list(self.notes),
            "exercises": exercises,
        }


def _with_hint(message: str) -> str:
    """Add "(not written yet?)" to the first line of a NotImplementedError message."""
    if not message.startswith("NotImplementedError"):
        return message
    first, _, rest = message.partition("\n")
    return f"{first} (not written yet?)" + (f"\n{rest}" if rest else "")


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "order"}


# ----------------------------------------------------------------------------------------------
# Text for a terminal


def _points_text(value: float) -> str:
    return f"{value:g}"


def _plural(value: float) -> str:
    return "point" if value == 1 else "points"


def _test_label(test: TestResult) -> str:
    tag = " (restored)" if test.restored else " (released version)" if test.replaced else ""
    return test.grade_id + tag


_STATUS_WIDTH = 6
_INDENT = " " * (2 + _STATUS_WIDTH + 2)


def _status_line(status: str, text: str) -> str:
    return f"  {status:<{_STATUS_WIDTH}}  {text}"


def _test_lines(test: TestResult, width: int) -> list[str]:
    points = f"{_points_text(test.points)} {_plural(test.points)}"
    if test.hidden:
        return [_status_line(test.status, f"{_test_label(test):<{width}}  {points}, "
                                          "checked when your instructor grades")]
    lines = [_status_line(test.status, f"{_test_label(test):<{width}}  {points}")]
    lines += [_INDENT + line for line in _with_hint(test.message).splitlines()]
    return lines


def _error_lines(error: CellError) -> list[str]:
    first, *rest = error.describe().splitlines()
    return [_status_line("ERROR", first), *(_INDENT + line for line in rest)]


def _exercise_lines(exercise: ExerciseReport, width: int) -> list[str]:
    lines = ["", exercise.title]
    for item in sorted([*exercise.tests, *exercise.errors], key=lambda item: item.order):
        lines += _test_lines(item, width) if isinstance(item, TestResult) else _error_lines(item)
    if exercise.tests:
        hidden = (f" (+ {_points_text(exercise.hidden_points)} "
                  f"{_plural(exercise.hidden_points)} of hidden tests)"
                  if exercise.hidden_points else "")
        lines.append(f"  Visible tests: {_points_text(exercise.points)} / "
                     f"{_points_text(exercise.max_points)} points{hidden}")
    return lines


def _total_lines(report: CheckReport) -> list[str]:
    lines = ["", f"Visible tests: {_points_text(report.points)} / "
                 f"{_points_text(report.max_points)} points"]
    if report.manual_points:
        lines.append(f"Graded by hand by your instructor: {_points_text(report.manual_points)} "
                     f"{_plural(report.manual_points)} (written answers, not checked here)")
    more = (f" ({_points_text(report.hidden_points)} more {_plural(report.hidden_points)})"
            if report.hidden_points else "")
    lines.append(f"Hidden tests{more} run when your instructor grades: they check edge cases "
                 "(large inputs, shapes, dtypes).")
    failed = sum(1 for test in report.tests if test.status == "FAIL")
    if failed:
        lines.append(f"{failed} test cell{'s' if failed > 1 else ''} failed: read the messages "
                     "above, fix your code, then check again.")
    else:
        lines.append("Every visible test passes.")
    return lines


def format_report(report: CheckReport) -> str:
    """Return the report as text for a terminal.

    Parameters
    ----------
    report : CheckReport
        What :func:`dlcourse.check.selfcheck.check_notebook` returned.

    Returns
    -------
    str
        Notes, then each exercise with its tests and errors, then the totals.
    """
    lines = [f"Self-check of {report.notebook.name} (a copy ran headless; your file is unchanged)"]
    if report.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in report.notes]
    width = max((len(_test_label(test)) for test in report.tests), default=0)
    for exercise in report.exercises:
        lines += _exercise_lines(exercise, width)
    lines += _total_lines(report)
    return "\n".join(lines)

