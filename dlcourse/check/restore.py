"""Test cells deleted or edited by the student: compare with the released exercise, as grading does.

When the notebook's metadata names its unit (``{"dlcourse": {"unit": "01-perceptron"}}``) and
the released exercise of that unit is at hand, a deleted test cell is put back and an edited one
is replaced by its released source, in the in-memory copy only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dlcourse import paths
from dlcourse.check.cells import clean_copy, grade_id_of, is_test_cell, points_of
from dlcourse.check.notebook_io import NotebookCheckError, read_notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

_BEGIN_HIDDEN, _END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's markers


@dataclass
class Restoration:
    """What comparing with the released exercise changed in the in-memory copy.

    Attributes
    ----------
    notes : list of str
        One line per change, for the student.
    restored, replaced : set of str
        The grade_ids of the test cells put back, and of those whose released source was used.
    """

    notes: list[str] = field(default_factory=list)
    restored: set[str] = field(default_factory=set)
    replaced: set[str] = field(default_factory=set)


def released_path(notebook: NotebookNode) -> Path | None:
    """Return the released exercise of the unit named in the notebook's metadata, if any.

    Parameters
    ----------
    notebook : NotebookNode
        The student's notebook.

    Returns
    -------
    pathlib.Path or None
        Where the released exercise would be; None when the metadata names no valid unit.
    """
    meta = notebook.metadata.get("dlcourse", {})
    unit = meta.get("unit") if isinstance(meta, dict) else None
    if not isinstance(unit, str) or not unit or "/" in unit or "\\" in unit or ".." in unit:
        return None
    return paths.released_notebook(unit)


def compare_with_release(cells: list[NotebookNode], origins: list[int | None],
                         release: Path | None) -> Restoration:
    """Restore the test cells from the released exercise at ``release``, when it can be read.

    Parameters
    ----------
    cells : list of NotebookNode
        The cells of the in-memory copy; changed in place.
    origins : list of int or None
        Each cell's 1-based position in the student's notebook; kept parallel to ``cells``.
    release : pathlib.Path or None
        The released exercise; None to compare with nothing.

    Returns
    -------
    Restoration
        The changes, or a note saying why the comparison could not be made.
    """
    if release is None:
        return Restoration()
    if not release.is_file():
        return Restoration(notes=[
            f"the released exercise ({release.name}) is not in this copy of the "
            "course: deleted or edited test cells were not checked (grading checks them)"
        ])
    try:
        released = read_notebook(release)
    except NotebookCheckError as error:
        return Restoration(notes=[f"the released exercise could not be read ({error})"])
    return restore_test_cells(cells, origins, released)


def restore_test_cells(cells: list[NotebookNode], origins: list[int | None],
                       released: NotebookNode) -> Restoration:
    """Put back deleted test cells and replace edited ones, from the released exercise.

    Parameters
    ----------
    cells : list of NotebookNode
        The cells of the in-memory copy; changed in place.
    origins : list of int or None
        Each cell's 1-based position in the student's notebook (None for a restored cell);
        kept parallel to ``cells``.
    released : NotebookNode
        The released exercise.

    Returns
    -------
    Restoration
        The notes for the student and the grade_ids restored or replaced.

    Notes
    -----
    A deleted cell goes back after the nearest earlier cell of the release that is still there,
    as nbgrader's ``OverwriteCells.add_missing_cells`` does when it grades.
    """
    result = Restoration()
    for index, released_cell in enumerate(released.cells):
        grade_id = grade_id_of(released_cell)
        if not is_test_cell(released_cell) or grade_id is None:
            continue
        found = _find_cell(cells, released_cell)
        if found is None:
            position = _insert_position(cells, released.cells, index)
            cells.insert(position, clean_copy(released_cell))
            origins.insert(position, None)
            result.restored.add(grade_id)
            result.notes.append(
                f"test cell '{grade_id}' was missing: restored from the released exercise "
                "(grading does the same)"
            )
        elif not is_test_cell(cells[found]) or not _same_test(cells[found].source,
                                                               released_cell.source):
            cells[found] = clean_copy(released_cell)
            result.replaced.add(grade_id)
            result.notes.append(
                f"test cell '{grade_id}' was edited: the released version was run instead "
                "(grading does the same)"
            )
        else:
            cells[found].metadata["nbgrader"]["points"] = points_of(released_cell)
    return result


def duplicate_grade_id_notes(cells: Sequence[NotebookNode]) -> list[str]:
    """Return one note per grade_id that several cells use (grading needs each once).

    Parameters
    ----------
    cells : sequence of NotebookNode
        The cells of the notebook.

    Returns
    -------
    list of str
        The notes, in the order the grade_ids first appear.
    """
    counts = Counter(grade_id for cell in cells if (grade_id := grade_id_of(cell)) is not None)
    return [
        f"grade_id '{grade_id}' is used by {count} cells (a copied cell?): grading needs each "
        "once, delete the copies"
        for grade_id, count in counts.items() if count > 1
    ]


def _first_index(cells: Sequence[NotebookNode],
                 matches: Callable[[NotebookNode], bool]) -> int | None:
    return next((i for i, cell in enumerate(cells) if matches(cell)), None)


def _find_cell(cells: Sequence[NotebookNode], wanted: NotebookNode) -> int | None:
    """Find ``wanted`` (a cell of the release) in ``cells``: by grade_id, cell id, then source."""
    grade_id = grade_id_of(wanted)
    if grade_id is not None:
        return _first_index(cells, lambda cell: grade_id_of(cell) == grade_id)
    cell_id = wanted.get("id")
    found = _first_index(cells, lambda cell: cell.get("id") == cell_id) if cell_id else None
    if found is None and wanted.source.strip():
        found = _first_index(cells, lambda cell: cell.source == wanted.source)
    return found


def _insert_position(cells: Sequence[NotebookNode], released: Sequence[NotebookNode],
                     index: int) -> int:
    """Where to put back released cell ``index``: after the nearest earlier cell still present."""
    for earlier in range(index - 1, -1, -1):
        found = _find_cell(cells, released[earlier])
        if found is not None:
            return found + 1
    return 0


def _same_test(source: str, released_source: str) -> bool:
    """Return True when ``source`` is the released test, up to blank lines and hidden tests.

    nbgrader takes the hidden tests out of the released copy; the solutions keep them.
    """
    def lines(text: str) -> list[str]:
        kept, hidden = [], False
        for line in text.splitlines():
            if _BEGIN_HIDDEN in line:
                hidden = True
            elif _END_HIDDEN in line:
                hidden = False
            elif not hidden and line.strip():
                kept.append(line.rstrip())
        return kept

    return lines(source) == lines(released_source)
