"""A temporary copy of the course for nbgrader round trips, and submissions made from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from dlcourse.grading.release import copy_course, run_nbgrader
from dlcourse.paths import COURSE_ROOT

_SOLUTION_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n(?P<body>.*?)^[ \t]*### END SOLUTION\n?",
    re.DOTALL | re.MULTILINE,
)


def solution_sources(unit: str) -> dict[str, str]:
    """Source of every solution cell of ``unit``'s source notebook, markers removed, by grade_id."""
    notebook = nbformat.read(COURSE_ROOT / "solutions" / unit / f"{unit}.ipynb", as_version=4)
    sources = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            sources[meta["grade_id"]] = _SOLUTION_BLOCK.sub(r"\g<body>", cell.source)
    return sources


def fill_solutions(
    released: nbformat.NotebookNode, answers: dict[str, str]
) -> nbformat.NotebookNode:
    """Return a copy of a released notebook whose solution cells hold ``answers`` (by grade_id)."""
    notebook = nbformat.from_dict(released)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


@dataclass
class GradingCourse:
    """A course copy in ``root`` where stock nbgrader grades submissions."""

    root: Path
    unit: str

    @property
    def grader(self) -> Path:
        return self.root / "grader"

    def released(self) -> nbformat.NotebookNode:
        path = self.root / "exercises" / self.unit / f"{self.unit}.ipynb"
        return nbformat.read(path, as_version=4)

    def submit(self, student: str, notebook: nbformat.NotebookNode | bytes | str,
               name: str | None = None) -> Path:
        """Place a submission of ``student`` (a notebook, or raw bytes / text for broken files)."""
        folder = self.grader / "submitted" / student / self.unit
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{self.unit}.ipynb")
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        elif isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)
        return path

    def autograde(self) -> None:
        run_nbgrader(["autograde", self.unit, "--create"], self.grader)

    def cell_scores(self, student: str) -> dict[str, float]:
        """Autograded score of each test cell of ``student``'s notebook, by grade_id."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.grader / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook(self.unit, self.unit, student)
            return {grade.name: grade.score for grade in notebook.grades
                    if grade.auto_score is not None}

    def max_scores(self) -> dict[str, float]:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.grader / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_notebook(self.unit, self.unit)
            return {cell.name: cell.max_score for cell in notebook.grade_cells}


def make_grading_course(tmp_path: Path, unit: str) -> GradingCourse:
    """Copy the course to ``tmp_path`` and create the assignment in a fresh gradebook."""
    root = copy_course(tmp_path / "course")
    course = GradingCourse(root, unit)
    run_nbgrader(["generate_assignment", unit, "--force"], course.grader)
    return course


def feedback_and_export(course: GradingCourse) -> None:
    """Run stock ``generate_feedback`` and ``export`` in the course copy."""
    run_nbgrader(["generate_feedback", course.unit], course.grader)
    run_nbgrader(["export"], course.grader)
