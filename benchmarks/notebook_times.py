"""How long each course notebook takes to execute headless, against the 60 s target.

Run with ``make bench``. Each notebook runs in a fresh kernel in its own folder; the figure
printed is the wall time of the execution, kernel start included.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

COURSE_ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


def notebooks() -> list[Path]:
    """Lessons and solution notebooks, in course order."""
    return sorted((COURSE_ROOT / "lessons").glob("*.ipynb")) + sorted(
        (COURSE_ROOT / "solutions").glob("*/*.ipynb")
    )


def time_notebook(path: Path) -> float:
    """Execute ``path`` and return its wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> int:
    print(f"Notebook execution times ({os.cpu_count()} CPU cores; "
          f"target < {TARGET_SECONDS:.0f} s each)")
    worst = 0.0
    for path in notebooks():
        seconds = time_notebook(path)
        worst = max(worst, seconds)
        verdict = "ok" if seconds < TARGET_SECONDS else "OVER TARGET"
        print(f"  {seconds:6.1f} s  {seconds / TARGET_SECONDS:5.2f} of target  {verdict:11s} "
              f"{path.relative_to(COURSE_ROOT)}")
    print(f"  slowest: {worst:.1f} s ({worst / TARGET_SECONDS:.2f} of the target)")
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
