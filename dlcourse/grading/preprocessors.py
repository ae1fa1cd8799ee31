"""nbgrader preprocessors of the course, used by ``grader/nbgrader_config.py``.

:class:`RestoreMissingCells` puts back the test cells a student deleted. Stock nbgrader 0.9.6
(``OverwriteCells.add_missing_cells``) only looks for the previous *graded or solution* cell
to insert after, and fails with a ``KeyError`` when the cell before a deleted test cell is a
read-only one (an example or a task description), which every course exercise has: grading
then stops for that student. This version inserts after the nearest earlier cell of the
source notebook that is still present, whatever its kind.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import OverwriteCells


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


class RestoreMissingCells(OverwriteCells):
    """Overwrite locked cells with their source version, and restore deleted test cells."""

    def add_missing_grade_cells(
        self, nb: NotebookNode, resources: dict
    ) -> tuple[NotebookNode, dict]:
        """Insert each deleted grade cell after the nearest earlier source cell still present."""
        source_notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_notebook.source_cells
        source_ids = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_notebook.grade_cells}
        solution_ids = {cell.name for cell in source_notebook.solution_cells}

        for order, grade_id in enumerate(source_ids):
            if grade_id not in grade_cells:
                continue
            present = {_grade_id(cell): index for index, cell in enumerate(nb.cells)}
            if grade_id in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_id)
            restored = self.missing_cell_transform(
                source_cells[order], grade_cells[grade_id].max_score,
                is_solution=grade_id in solution_ids,
            )
            position = 0
            for earlier in reversed(source_ids[:order]):
                if earlier in present:
                    position = present[earlier] + 1
                    break
            nb.cells.insert(position, restored)
        return nb, resources
