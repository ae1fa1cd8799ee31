"""Shared test set-up: headless plotting, and a summary of notebook run times."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# Test helper modules (nbgrader_course, wrong_answers) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
# nbgrader calls `alembic` as a command: keep this environment's bin/ first on PATH.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
# Two test workers share two cores: one BLAS/OpenMP thread per process (kernels inherit it)
# avoids the oversubscription that made PyTorch training several times slower.
for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print how long each notebook took to execute (recorded by tests as ``notebook_seconds``)."""
    rows = []
    stats = terminalreporter.stats
    for report in stats.get("passed", []) + stats.get("failed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "notebook_seconds":
                rows.append(value)
    if rows:
        terminalreporter.section("notebook execution times")
        for path, seconds, cells in sorted(rows):
            terminalreporter.write_line(f"{seconds:7.1f} s  {path}  (slowest {cells})")
