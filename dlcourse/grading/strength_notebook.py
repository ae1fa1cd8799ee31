"""What the strength check reads from a source notebook: set-up, solutions, tests, by exercise.

The course's convention (the one nbgrader's cells follow in ``solutions/``): every graded or
solution cell of exercise N has a ``grade_id`` starting with ``exN_``; a solution cell has
``solution`` true and ``grade`` false in its nbgrader metadata; a test cell has ``grade`` true
and ``solution`` false (its hidden tests, between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``, are comments to Python and run as the rest). The *set-up* cells are the
other code cells whose ``grade_id`` is not an exercise's (examples, which only print, are
left out). Every function a solution cell defines at its top level is *graded*.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcourse.check.cells import exercise_title, grade_id_of, is_test_cell
from dlcourse.grading.mutation import graded_functions

__all__ = ["Exercise", "NotebookCell", "SourceNotebook", "StrengthError", "read_source_notebook"]

_EXERCISE_ID = re.compile(r"^(ex\d+)_")


class StrengthError(Exception):
    """The strength of a notebook's tests cannot be measured; the message says why."""


@dataclass(frozen=True)
class NotebookCell:
    """A code cell: its label (``grade_id``, or ``cell N``), position and Python source."""

    label: str
    position: int
    source: str


@dataclass
class Exercise:
    """One exercise: its solution cells, graded functions and test cells."""

    key: str
    title: str
    solutions: list[NotebookCell] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    tests: list[NotebookCell] = field(default_factory=list)


@dataclass
class SourceNotebook:
    """A source notebook, split as the strength check runs it."""

    path: Path
    unit: str
    setup: list[NotebookCell]
    solutions: list[NotebookCell]
    exercises: list[Exercise]

    def parsed(self, cell: NotebookCell) -> ast.Module:
        """The cell's module (its line numbers are the cell's)."""
        return ast.parse(cell.source, filename=cell.label)


def _python_source(source: str) -> str:
    """The cell's source as plain Python: IPython's ``%magic`` and ``!shell`` lines translated."""
    if not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _Node(dict):
    """A dict whose keys read as attributes, like nbformat's ``NotebookNode``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _load_cells(path: Path) -> tuple[dict, list[_Node]]:
    """The notebook's metadata and cells, read as JSON (faster to import than nbformat)."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StrengthError(f"{path} is not a readable notebook ({error})") from None
    if not (isinstance(notebook, dict) and isinstance(notebook.get("cells"), list)
            and notebook.get("nbformat") == 4):
        raise StrengthError(f"{path} is not a readable notebook (not in nbformat 4)")
    cells = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            raise StrengthError(f"{path} is not a readable notebook (a cell is not an object)")
        source = cell.get("source", "")
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        cells.append(_Node(cell, metadata=metadata, cell_type=cell.get("cell_type", ""),
                           source="".join(source) if isinstance(source, list) else str(source)))
    metadata = notebook.get("metadata")
    return (metadata if isinstance(metadata, dict) else {}), cells


def _exercise_key(label: str | None) -> str | None:
    match = _EXERCISE_ID.match(label or "")
    return match.group(1) if match else None


def read_source_notebook(path: str | Path) -> SourceNotebook:
    """Read a source notebook (with solutions and hidden tests) for the strength check.

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook, e.g. ``solutions/01-perceptron/01-perceptron.ipynb``.

    Returns
    -------
    SourceNotebook
        Its set-up cells, solution cells and exercises, in notebook order.

    Raises
    ------
    StrengthError
        When the file is missing or not a notebook, a solution cell does not parse, or the
        notebook has no exercise with both a graded function and a test cell.
    """
    path = Path(path)
    if not path.is_file():
        raise StrengthError(f"no such notebook: {path}")
    metadata, cells = _load_cells(path)
    course = metadata.get("dlcourse")
    unit = (course.get("unit") if isinstance(course, dict) else None) or path.stem
    setup: list[NotebookCell] = []
    solutions: list[NotebookCell] = []
    exercises: dict[str, Exercise] = {}
    titles: dict[str, str] = {}
    for position, cell in enumerate(cells, start=1):
        label = grade_id_of(cell) or f"cell {position}"
        key = _exercise_key(grade_id_of(cell))
        if cell.cell_type == "markdown":
            title = exercise_title(cell)
            if key and title:
                titles[key] = title
            continue
        if cell.cell_type != "code":
            continue
        code = NotebookCell(label, position, _python_source(cell.source))
        meta = cell.metadata.get("nbgrader")
        meta = meta if isinstance(meta, dict) else {}
        if meta.get("solution") and not meta.get("grade"):
            try:
                functions = [node.name for node in graded_functions(ast.parse(code.source))]
            except SyntaxError as error:
                raise StrengthError(f"{path}: solution cell {label} does not parse: "
                                    f"{error.msg} (line {error.lineno})") from None
            solutions.append(code)
            if key:
                exercise = exercises.setdefault(key, Exercise(key, key))
                exercise.solutions.append(code)
                exercise.functions += functions
        elif is_test_cell(cell):
            if key:
                exercises.setdefault(key, Exercise(key, key)).tests.append(code)
        elif key is None and not meta.get("solution"):
            setup.append(code)
    for key, exercise in exercises.items():
        exercise.title = titles.get(key, key)
    graded = [exercise for exercise in exercises.values() if exercise.functions and exercise.tests]
    if not graded:
        raise StrengthError(
            f"{path} has no exercise with both a graded function (a `def` in a solution cell) "
            "and a test cell; grade_ids must start with the exercise, e.g. ex1_solution, ex1_test"
        )
    return SourceNotebook(path, unit, setup, solutions, graded)
