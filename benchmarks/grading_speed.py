"""Grading a class: stock sequential ``nbgrader autograde`` against ``course grade --workers 2``.

Run with ``make bench`` (or ``python benchmarks/grading_speed.py [--students N]``). A synthetic
class of unit 01 (default 100 submissions: correct answers, the plausible wrong answers of
``tests/wrong_answers.py``, and broken ones: a syntax error, an exception, the untouched
exercise) is graded in two copies of the course, with the course's nbgrader configuration
(sandbox and trusted re-check included) in both. Printed: both wall times (start-up
included), their ratio (target >= 1.8 on 2 cores), what one submission costs in a worker
beyond running its cells and the trusted re-check (target < 0.5 s), and whether every grade of
every cell is identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

COURSE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE_ROOT / "tests"))

from nbgrader_course import (  # noqa: E402
    GradingCourse,
    fill_solutions,
    make_grading_course,
    solution_sources,
)
from wrong_answers import WRONG_ANSWERS  # noqa: E402

from dlcourse.grading.parallel_gradebook import read_submission  # noqa: E402
from dlcourse.grading.release import nbgrader_env  # noqa: E402

UNIT = "01-perceptron"
TARGET_RATIO = 1.8
TARGET_OVERHEAD = 0.5
#: Preprocessors whose time is checking work, not overhead: the trusted re-check of the tests.
CHECKING = ("verify", "replay")


def make_class(course: GradingCourse, size: int) -> list[str]:
    """Submit ``size`` notebooks: 40 % correct, 40 % wrong answers, 20 % broken."""
    released = course.released()
    solutions = solution_sources(UNIT)
    wrong = WRONG_ANSWERS[UNIT]
    broken = [
        ("syntax_error", "ex2_solution", "def sigmoid_derivative(z)\n    return z\n"),
        ("exception", "ex3_solution", "raise RuntimeError('not finished')\n"),
        ("untouched", None, None),
    ]
    students = []
    for index in range(size):
        kind = index % 5
        answers = dict(solutions)
        if kind in (0, 1):
            name = "correct"
        elif kind in (2, 3):
            answer = wrong[(index // 5 * 2 + kind - 2) % len(wrong)]
            name = answer.name
            answers[answer.solution_cell] += "\n\n" + answer.code + "\n"
        else:
            name, cell, code = broken[(index // 5) % len(broken)]
            if cell is None:
                answers = {}
            else:
                answers[cell] = code
        student = f"s{index:03d}_{name}"
        course.submit(student, fill_solutions(released, answers))
        students.append(student)
    return students


class TreeCpu:
    """CPU seconds used by a process and all its descendants, sampled every 0.1 s.

    ``getrusage`` misses the kernels (a sandboxed kernel is killed, not waited for), so the
    tree is sampled; a process's last tenth of a second may be missed.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                processes = []
            for process in processes:
                try:
                    times = process.cpu_times()
                    key = (process.pid, process.create_time())
                except psutil.Error:
                    continue
                self.seen[key] = times.user + times.system
            self._stop.wait(0.1)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return sum(self.seen.values())


def timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``command``; return its wall time, the CPU time of its process tree, its result.

    The CPU time hardly depends on what else the machine runs; the wall time does.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=nbgrader_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    sampler = TreeCpu(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    cpu = sampler.stop()
    return seconds, cpu, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def gradebook(course: GradingCourse, students: list[str]) -> dict:
    url = f"sqlite:///{course.grader / 'gradebook.db'}"
    return {student: read_submission(url, UNIT, student, "dlcourse") for student in students}


def overheads(report: dict) -> dict[str, float]:
    """Median seconds per submission in a worker: total, cells, re-check, the rest."""
    rows = [entry for entry in report["submissions"] if entry["status"] == "graded"]
    checking = [sum(seconds for name, seconds in entry["phases"].items()
                    if any(word in name.lower() for word in CHECKING)) for entry in rows]
    rest = [entry["seconds"] - entry["compute_seconds"] - check
            for entry, check in zip(rows, checking, strict=True)]
    return {
        "worker": statistics.median(entry["seconds"] for entry in rows),
        "cells": statistics.median(entry["compute_seconds"] for entry in rows),
        "checking": statistics.median(checking),
        "kernel_wait": statistics.median(entry["kernel_wait_seconds"] for entry in rows),
        "overhead": statistics.median(rest),
        "prestarted": sum(entry["prestarted"] for entry in rows) / len(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100, help="class size (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="parallel workers (default 2)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        sequential = make_grading_course(Path(tmp) / "sequential", UNIT)
        students = make_class(sequential, args.students)
        shutil.copytree(sequential.root, Path(tmp) / "parallel" / "course")
        parallel = GradingCourse(Path(tmp) / "parallel" / "course", UNIT)
        print(f"Grading {len(students)} submissions of {UNIT} ({os.cpu_count()} CPU cores, "
              "the course's nbgrader configuration in both)")
        print(f"  load average before: {os.getloadavg()[0]:.1f}")
        stock_seconds, stock_cpu, stock = timed(
            [sys.executable, "-m", "nbgrader", "autograde", UNIT], sequential.grader)
        print(f"  stock nbgrader autograde, sequential: {stock_seconds:7.1f} s "
              f"(CPU {stock_cpu:6.1f} s, exit {stock.returncode})")
        print(f"  load average before: {os.getloadavg()[0]:.1f}")
        course_seconds, course_cpu, ours = timed(
            [sys.executable, "-m", "dlcourse.grading.cli", "grade", UNIT, "--workers",
             str(args.workers), "--no-progress"], parallel.grader)
        print(f"  course grade --workers {args.workers}:          {course_seconds:7.1f} s "
              f"(CPU {course_cpu:6.1f} s, exit {ours.returncode})")
        ratio = stock_seconds / course_seconds
        print(f"  speed-up: {ratio:.2f}x (target >= {TARGET_RATIO}x on 2 cores)")
        cores = min(args.workers, os.cpu_count() or 1)
        print(f"  CPU per submission: stock {stock_cpu / len(students):.2f} s, course grade "
              f"{course_cpu / len(students):.2f} s; on {cores} idle cores course grade would "
              f"take at least {course_cpu / cores:.0f} s (speed-up <= "
              f"{stock_seconds / (course_cpu / cores):.2f}x against this stock run)")
        report = json.loads((parallel.grader / "reports" / f"{UNIT}.json").read_text())
        cost = overheads(report)
        print(f"  per submission in a worker (median): {cost['worker']:.2f} s = cells "
              f"{cost['cells']:.2f} s + trusted re-check {cost['checking']:.2f} s + overhead "
              f"{cost['overhead']:.2f} s (target < {TARGET_OVERHEAD} s; kernel wait "
              f"{cost['kernel_wait']:.2f} s, {cost['prestarted']:.0%} of kernels started "
              "ahead)")
        identical = gradebook(sequential, students) == gradebook(parallel, students)
        print(f"  grades identical for every cell of every submission: {identical}")
        if ours.returncode not in (0, 1) or stock.returncode != 0:
            print(stock.stderr[-2000:], ours.stderr[-2000:], sep="\n")
    good = identical and ratio >= TARGET_RATIO and cost["overhead"] < TARGET_OVERHEAD
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
