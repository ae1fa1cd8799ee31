"""Per-student HTML feedback that never shows the code of hidden tests.

Stock nbgrader 0.9.6 renders the *autograded* notebook as feedback, and autograding puts back
every test cell as the gradebook stores it: hidden tests included, between their
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` markers, and in the tracebacks of the
tests that failed. :class:`HideHiddenTests`, added to ``GenerateFeedback``'s preprocessors in
``grader/nbgrader_config.py`` by :func:`hide_hidden_tests_in_feedback`, fixes that for
``nbgrader generate_feedback``, the formgrader and ``course feedback`` alike. In the feedback:

- a table at the top lists every test cell: its points, *passed* or *failed*, and the test's
  message (``AssertionError: sigmoid(1000) should be 1.0, got nan``);
- each test cell shows its visible tests; the hidden part is replaced by one comment line;
- a failed test cell that holds hidden tests shows only its error's name and message, not the
  traceback (which quotes the failing line).

:func:`generate_feedback` runs ``nbgrader generate_feedback`` with the course's configuration.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["HIDDEN_PLACEHOLDER", "HideHiddenTests", "generate_feedback",
           "hide_hidden_tests_in_feedback"]

#: What replaces the hidden part of a test cell in the feedback.
HIDDEN_PLACEHOLDER = "# Hidden tests ran here when your work was graded; their code is not shown."
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MESSAGE_LIMIT = 400


def _error_line(output: NotebookNode) -> str:
    value = _ANSI.sub("", str(output.get("evalue", ""))).strip()
    name = output.get("ename", "Error")
    return f"{name}: {value}" if value else name


def _cell_text(text: str) -> str:
    """Text safe in a Markdown table cell (no HTML, no column breaks, one line)."""
    one_line = " ".join(text.split())
    if len(one_line) > _MESSAGE_LIMIT:
        one_line = one_line[: _MESSAGE_LIMIT - 1] + "…"
    return html.escape(one_line).replace("|", "&#124;")


class HideHiddenTests(ClearHiddenTests):
    """Feedback preprocessor: results table first, hidden test code and tracebacks removed.

    Run it after nbgrader's ``GetGrades`` (which puts each test cell's score in its metadata).
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self._rows: list[str] = []
        nb, resources = super().preprocess(nb, resources)
        if self._rows:
            header = ("## Your results\n\n"
                      "Each test cell earns its points when all its tests pass. Hidden tests "
                      "run only at grading; their code is not shown, their messages are.\n\n"
                      "| test cell | points | result | message |\n|---|---|---|---|\n")
            nb.cells.insert(0, new_markdown_cell(header + "\n".join(self._rows)))
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict,
                        cell_index: int) -> tuple[NotebookNode, dict]:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            return cell, resources
        hidden = self._remove_hidden_test_region(cell)
        errors = [output for output in cell.get("outputs", [])
                  if output.get("output_type") == "error"]
        if hidden:
            cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_PLACEHOLDER
            for output in errors:
                output["traceback"] = [_error_line(output)]
        score, points = meta.get("score"), meta.get("points")
        passed = not errors and (score is None or points is None or score >= points)
        message = "; ".join(_error_line(output) for output in errors)
        shown = f"{score:g} / {points:g}" if score is not None and points is not None else ""
        self._rows.append(f"| {_cell_text(meta.get('grade_id', ''))} | {shown} | "
                          f"{'passed' if passed else 'failed'} | {_cell_text(message)} |")
        return cell, resources


def hide_hidden_tests_in_feedback(config) -> None:
    """Add :class:`HideHiddenTests` to ``GenerateFeedback``'s preprocessors, after ``GetGrades``.

    Call it in ``nbgrader_config.py`` (``hide_hidden_tests_in_feedback(c)``); the other
    preprocessors, configured or nbgrader's defaults, are kept.

    Parameters
    ----------
    config : traitlets.config.Config
        The ``c`` of ``nbgrader_config.py``.
    """
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import GetGrades

    configured = config.GenerateFeedback.get("preprocessors")
    steps = list(configured) if configured else list(
        GenerateFeedback.class_traits()["preprocessors"].default())
    if HideHiddenTests in steps:
        return
    after = next((index + 1 for index, step in enumerate(steps)
                  if step in (GetGrades, "nbgrader.preprocessors.GetGrades")), len(steps))
    steps.insert(after, HideHiddenTests)
    config.GenerateFeedback.preprocessors = steps


def generate_feedback(unit: str, grader_dir: str | os.PathLike,
                      students: list[str] | None = None) -> list[Path]:
    """Write each graded student's HTML feedback with ``nbgrader generate_feedback``.

    Parameters
    ----------
    unit : str
        The assignment.
    grader_dir : str or path-like
        The folder of the course's ``nbgrader_config.py``.
    students : list of str, optional
        Only these students (default: every autograded one).

    Returns
    -------
    list of pathlib.Path
        The feedback files of ``unit`` in the feedback folder.

    Raises
    ------
    RuntimeError
        If nbgrader fails (its log is in the message).
    """
    from dlcourse.grading.release import run_nbgrader

    grader_dir = Path(grader_dir)
    if students is None:
        run_nbgrader(["generate_feedback", unit, "--force"], grader_dir)
    else:
        for student in students:
            run_nbgrader(["generate_feedback", unit, "--force", f"--student={student}"],
                         grader_dir)
    written = sorted(_feedback_dir(grader_dir).glob(f"*/{unit}/*.html"))
    if students is not None:
        written = [path for path in written if path.parent.parent.name in students]
    return written


def _feedback_dir(grader_dir: Path) -> Path:
    """The feedback folder of the course whose configuration is in ``grader_dir``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(grader_dir)).load_config()
    course = config.get("CourseDirectory", {})
    root = Path(course.get("root", grader_dir))
    return root / course.get("feedback_directory", "feedback")
