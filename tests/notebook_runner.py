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


def slowest_cells(notebook: nbformat.NotebookNode, count: int = 3) -> list[tuple[float, int]]:
    """``(seconds, index)`` of the ``count`` slowest code cells, from nbclient's timing records."""
    from datetime import datetime

    timings = []
    for index, cell in enumerate(notebook.cells):
        execution = cell.get("metadata", {}).get("execution", {})
        start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            timings.append((seconds, index))
    return sorted(timings, reverse=True)[:count]


def execute_notebook(path: Path, timeout: int = 300) -> tuple[nbformat.NotebookNode, float]:
    """Execute ``path`` in its own folder; return the executed notebook and the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start
