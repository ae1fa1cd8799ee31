"""What the self-check reads from a cell: nbgrader's metadata, exercise headings, code lines.

Test cells follow nbgrader's conventions: a code cell whose ``metadata.nbgrader`` has ``grade``
true and ``solution`` false. A cell with both true is an answer graded by hand.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbformat import NotebookNode

_EXERCISE_HEADING = re.compile(r"^##\s+Exercise\b", re.IGNORECASE)
_SHOWN_WIDTH = 60


def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def is_test_cell(cell: NotebookNode) -> bool:
    """Return True for an autograded test cell: a code cell with grade true and solution false."""
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_manual_cell(cell: NotebookNode) -> bool:
    """Return True for an answer graded by hand: grade and solution both true."""
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def grade_id_of(cell: NotebookNode) -> str | None:
    """Return the cell's nbgrader ``grade_id``, or None when it has none."""
    value = _nbgrader(cell).get("grade_id")
    return str(value) if value else None


def points_of(cell: NotebookNode) -> float:
    """Return the points the cell is worth (0 when none or not a number)."""
    try:
        return float(_nbgrader(cell).get("points", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def exercise_title(cell: NotebookNode) -> str | None:
    """Return the title if ``cell`` is a markdown cell starting with a "## Exercise" heading."""
    if cell.cell_type != "markdown":
        return None
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    if not lines or not _EXERCISE_HEADING.match(lines[0]):
        return None
    return lines[0].lstrip("#").strip()


def _code_lines(source: str) -> list[str]:
    """The lines of ``source`` that are neither blank nor a comment, stripped."""
    return [line.strip() for line in source.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def has_code(cell: NotebookNode) -> bool:
    """Return True when the cell has a line that is neither blank nor a comment."""
    return bool(_code_lines(cell.source))


def first_code_line(cell: NotebookNode) -> str:
    """Return the cell's first line of code, shortened to 60 characters ("" when none)."""
    lines = _code_lines(cell.source)
    if not lines:
        return ""
    line = lines[0]
    return line if len(line) <= _SHOWN_WIDTH else line[:_SHOWN_WIDTH - 3] + "..."


def clean_copy(cell: NotebookNode) -> NotebookNode:
    """Return a copy of the cell without outputs or execution count, ready to run."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell
