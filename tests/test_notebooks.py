"""Every lesson and solution notebook executes headless, top to bottom, without error."""

from __future__ import annotations

import pytest
from notebook_runner import LESSONS, SOLUTIONS, execute_notebook, slowest_cells

from dlcourse.paths import COURSE_ROOT

pytestmark = pytest.mark.notebooks


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_notebook_executes(path, record_property):
    notebook, seconds = execute_notebook(path)
    cells = ", ".join(f"cell {index}: {time:.1f} s" for time, index in slowest_cells(notebook))
    record_property("notebook_seconds", (str(path.relative_to(COURSE_ROOT)), seconds, cells))
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors, errors


def test_course_has_its_first_units():
    names = {path.stem for path in LESSONS}
    assert {"00-welcome", "01-perceptron"} <= names, names
    assert any(path.parent.name == "01-perceptron" for path in SOLUTIONS)
