"""The self-check a student runs without an instructor: ``python -m dlcourse.check NOTEBOOK``.

It runs a copy of an exercise notebook headless, in memory, and reports each exercise: which
visible test cells pass, the first lines of each failure, the points, and the cells that raised
an error outside the tests. The student's file is only read, never written.

The steps, one module each: read the notebook (:mod:`~dlcourse.check.notebook_io`), put back
deleted or edited test cells from the released exercise (:mod:`~dlcourse.check.restore`), run
the copy (:mod:`~dlcourse.check.execution`), then group the results by exercise into a report
(:mod:`~dlcourse.check.report`). Which cells are tests is read by :mod:`~dlcourse.check.cells`.

Exit codes: 0 when every test cell passes, 1 when one fails, 2 when the notebook cannot be
checked (missing, damaged, not an exercise of this course).

Examples
--------
From a terminal, at the root of the course::

    python -m dlcourse.check exercises/01-perceptron/01-perceptron.ipynb
    python -m dlcourse.check --json exercises/01-perceptron/01-perceptron.ipynb

From Python, the report is a dataclass:

>>> report = check_notebook("exercises/01-perceptron/01-perceptron.ipynb")  # doctest: +SKIP
>>> report.points, report.max_points  # doctest: +SKIP
(7.0, 7.0)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dlcourse.check.cells import (
    clean_copy,
    exercise_title,
    first_code_line,
    grade_id_of,
    has_code,
    is_manual_cell,
    is_test_cell,
    points_of,
)
from dlcourse.check.execution import DEFAULT_TIMEOUT, Execution, execute_copy, failure_message
from dlcourse.check.notebook_io import NotebookCheckError, read_notebook
from dlcourse.check.report import (
    OTHER,
    CellError,
    CheckReport,
    ExerciseReport,
    TestResult,
    format_report,
)
from dlcourse.check.restore import (
    Restoration,
    compare_with_release,
    duplicate_grade_id_notes,
    released_path,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode


def check_notebook(path: str | Path, timeout: int = DEFAULT_TIMEOUT, *,
                   released: str | Path | None = None,
                   progress: Callable[[int, int], None] | None = None) -> CheckReport:
    """Run a copy of an exercise notebook and report its visible tests, exercise by exercise.

    Parameters
    ----------
    path : str or pathlib.Path
        The student's notebook. It is read, never written.
    timeout : int
        The time limit of each cell, in seconds.
    released : str or pathlib.Path, optional
        The released exercise to compare test cells with. By default, the one of the unit named
        in the notebook's metadata (``{"dlcourse": {"unit": ...}}``), when there is one.
    progress : callable, optional
        Called as ``progress(i, n)`` before the i-th of n code cells runs.

    Returns
    -------
    CheckReport
        The results; ``report.passed`` is True when every test cell passes.

    Raises
    ------
    NotebookCheckError
        When the notebook cannot be checked: missing, damaged, not an exercise of this course.
    """
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    path = Path(path)
    notebook = read_notebook(path)  # a fresh object: the copy that runs
    cells: list[NotebookNode] = [clean_copy(cell) for cell in notebook.cells]
    origins: list[int | None] = list(range(1, len(cells) + 1))
    release = Path(released) if released is not None else released_path(notebook)
    restoration = compare_with_release(cells, origins, release)
    if not any(is_test_cell(cell) or is_manual_cell(cell) for cell in cells):
        raise NotebookCheckError(
            f"{path} has no graded test cells: is it an exercise notebook of this course?"
        )
    notebook.cells = cells
    execution = execute_copy(notebook, path.resolve().parent, timeout, progress)
    return _build_report(path, cells, origins, execution, restoration, timeout)


def _build_report(path: Path, cells: Sequence[NotebookNode], origins: Sequence[int | None],
                  execution: Execution, restoration: Restoration, timeout: int) -> CheckReport:
    """Group the test results and cell errors by exercise."""
    exercises = [ExerciseReport(OTHER)]
    manual_points = 0.0
    for index, cell in enumerate(cells):
        title = exercise_title(cell)
        if title is not None:
            exercises.append(ExerciseReport(title))
        elif is_manual_cell(cell):
            manual_points += points_of(cell)
        elif is_test_cell(cell):
            exercises[-1].tests.append(
                _test_result(cell, index, origins[index], execution, restoration)
            )
        elif (error := execution.errors.get(index)) is not None:
            exercises[-1].errors.append(CellError(
                cell=origins[index] or index + 1,
                first_line=first_code_line(cell),
                ename=error.ename,
                message=failure_message(error),
                order=index,
            ))
    kept = [exercise for exercise in exercises if exercise.tests or exercise.errors]
    notes = [*restoration.notes, *duplicate_grade_id_notes(cells)]
    if execution.stopped_at is not None:
        cell = origins[execution.stopped_at] or execution.stopped_at + 1
        notes.append(f"{execution.stop_reason} while running cell {cell}: the cells after it did "
                     "not run (too much memory? restart and run all in JupyterLab to see)")
    return CheckReport(path, kept, notes, manual_points, timeout)


def _test_result(cell: NotebookNode, index: int, origin: int | None, execution: Execution,
                 restoration: Restoration) -> TestResult:
    grade_id = grade_id_of(cell) or f"cell {origin or index + 1}"
    error = execution.errors.get(index)
    hidden = not has_code(cell)
    if hidden:
        message = ""
    elif execution.stopped_at is not None and index > execution.stopped_at:
        message = f"not run: {execution.stop_reason} before it"
    elif error is not None:
        message = failure_message(error)
    elif index == execution.stopped_at:
        message = execution.stop_reason
    else:
        message = ""
    return TestResult(
        grade_id=grade_id,
        points=points_of(cell),
        passed=None if hidden else not message,
        cell=origin,
        message=message,
        restored=grade_id in restoration.restored,
        replaced=grade_id in restoration.replaced,
        hidden=hidden,
        order=index,
    )


# ----------------------------------------------------------------------------------------------
# Command line


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of seconds, got {text!r}"
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse.check",
        description="Check an exercise notebook yourself: run a copy of it and report each "
                    "exercise's visible tests. Your file is not changed.",
    )
    parser.add_argument("notebook", help="the exercise notebook (.ipynb) to check")
    parser.add_argument("--timeout", type=_positive_int, default=DEFAULT_TIMEOUT,
                        help=f"time limit of each cell, in seconds (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--json", action="store_true",
                        help="print the report as JSON instead of text")
    return parser


_PROGRESS_WIDTH = 40


def _terminal_progress(done: int, total: int) -> None:
    text = f"Running a copy: cell {done}/{total}"
    print(f"\r{text:<{_PROGRESS_WIDTH}}", end="", flush=True)


def _erase_progress() -> None:
    print("\r" + " " * _PROGRESS_WIDTH + "\r", end="", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the self-check from the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every test cell passes, 1 when one fails, 2 when the notebook cannot be checked.
    """
    args = _parser().parse_args(argv)
    show_progress = not args.json and sys.stdout.isatty()
    try:
        report = check_notebook(args.notebook, args.timeout,
                                progress=_terminal_progress if show_progress else None)
    except NotebookCheckError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nerror: interrupted: the check stopped before the end", file=sys.stderr)
        return 130
    finally:
        if show_progress:
            _erase_progress()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(report))
    return 0 if report.passed else 1
