"""Execute a course notebook headless, as CI and the benchmarks do."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlcourse.paths import COURSE_ROOT

LESSONS = sorted((COURSE_ROOT / "lessons").glob("*.ipynb"))
SOLUTIONS = sorted((COURSE_ROOT / "solutions").glob("*/*.ipynb"))
EXERCISES = sorted((COURSE_ROOT / "exercises").glob("*/*.ipynb"))
ALL_NOTEBOOKS = LESSONS + SOLUTIONS + EXERCISES


def execute_notebook(path: Path, timeout: int = 300) -> tuple[nbformat.NotebookNode, float]:
    """Execute ``path`` in its own folder; return the executed notebook and the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start
