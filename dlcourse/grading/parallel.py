"""Grade a whole class in parallel, with nbgrader's own machinery: ``course grade UNIT``.

Design
------
- **Workers execute, the parent writes.** ``workers`` long-lived processes
  (:mod:`~dlcourse.grading.parallel_worker`) each import nbgrader once, load the course's
  nbgrader configuration, and grade submissions with nbgrader's ``Autograde`` converter
  against a private copy of the gradebook. The parent process is the only writer of the
  course's gradebook: it stores each student's results as they arrive
  (:mod:`~dlcourse.grading.parallel_gradebook`). SQLite never sees two writers, and the
  gradebook holds the same entries as after sequential ``nbgrader autograde``.
- **Small overhead per submission.** Each worker is sent the next submission ahead of time and
  starts its kernel while the current notebook runs; kernels are stopped in the background
  (:mod:`~dlcourse.grading.parallel_kernels`).
- **One student's trouble stays theirs.** Bad input is reported and graded as far as it can be
  (:mod:`~dlcourse.grading.badinput`); an error inside nbgrader fails that submission only; a
  submission that runs past ``timeout`` seconds has its worker and kernels killed (scoring 0),
  and a fresh worker takes over the rest. Submitted files are only read: nbgrader grades a
  copy.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from dlcourse.grading.badinput import DEFAULT_MAX_BYTES
from dlcourse.grading.parallel_worker import WorkerSettings, worker_main
from dlcourse.paths import COURSE_ROOT

__all__ = [
    "DEFAULT_TIMEOUT",
    "ClassResult",
    "GradingError",
    "SubmissionResult",
    "default_grader_dir",
    "grade_class",
    "list_submissions",
]

#: Seconds one submission may take before its worker is killed (a safety net: nbgrader's own
#: per-cell timeout, ``Execute.timeout``, normally stops a runaway cell first).
DEFAULT_TIMEOUT = 1800
_STARTUP_TIMEOUT = 300
_UNSAFE_VARIABLE = "DLCOURSE_UNSAFE_GRADING"


class GradingError(RuntimeError):
    """Grading could not start (no such assignment, no submissions, a worker failed)."""


@dataclass
class SubmissionResult:
    """One student's grading, as the report shows it.

    Attributes
    ----------
    student : str
    status : str
        ``"graded"``, ``"failed"`` (nbgrader stopped on this submission), ``"not graded"``
        (nothing could be graded: every test scores 0) or ``"timed out"`` (killed after the
        time limit: every test scores 0).
    cell_scores : dict
        The gradebook's score of each test cell (``None`` when nbgrader recorded none).
    tests : dict
        ``{test cell: {"error": exception name or None, "message": str}}`` read from the
        graded notebook.
    timeouts : list
        ``[cell, message]`` for each cell (test or not) stopped by a time limit.
    problems : list of str
        Bad input and repairs, one line each.
    reason : str
        Why a failed or timed-out submission stopped.
    seconds, compute_seconds, kernel_wait_seconds : float
        Wall time in the worker; time spent running cells; time spent waiting for the kernel.
    slowest_cell : tuple or None
        ``(cell name, seconds)``.
    prestarted : bool
        Whether the kernel was started ahead of time.
    phases : dict
        Seconds spent in each preprocessor (``module.Class``), execution included.
    """

    student: str
    status: str
    cell_scores: dict[str, float | None]
    tests: dict[str, dict] = field(default_factory=dict)
    timeouts: list[list[str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reason: str = ""
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    compute_seconds: float = 0.0
    kernel_wait_seconds: float = 0.0
    slowest_cell: tuple[str, float] | None = None
    prestarted: bool = False
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """The total of the cell scores (a missing score counts 0)."""
        return float(sum(score or 0.0 for score in self.cell_scores.values()))

    @property
    def overhead_seconds(self) -> float:
        """Worker time beyond running the notebook's cells (staging, nbgrader, kernel wait)."""
        return max(self.seconds - self.compute_seconds, 0.0)


@dataclass
class ClassResult:
    """The grading of a class: every submission, and what the report needs besides."""

    unit: str
    submissions: list[SubmissionResult]
    max_scores: dict[str, float]
    wall_seconds: float
    workers: int
    worker_log: list[str] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        return float(sum(self.max_scores.values()))

    def by_student(self) -> dict[str, SubmissionResult]:
        return {result.student: result for result in self.submissions}


def default_grader_dir() -> Path:
    """The folder of ``nbgrader_config.py``: the current folder if it has one, else the course's
    ``grader/``."""
    here = Path.cwd()
    return here if (here / "nbgrader_config.py").is_file() else COURSE_ROOT / "grader"


def list_submissions(submitted: str | os.PathLike, unit: str,
                     students: list[str] | None = None) -> tuple[list[str], list[str]]:
    """The students with a folder ``submitted/STUDENT/UNIT``, sorted.

    Parameters
    ----------
    submitted : str or path-like
        nbgrader's submitted folder.
    unit : str
        The assignment.
    students : list of str, optional
        Keep only these students.

    Returns
    -------
    found : list of str
        The students to grade.
    missing : list of str
        Requested students with no submission folder.
    """
    submitted = Path(submitted)
    found = sorted(path.parent.name for path in submitted.glob(f"*/{unit}")
                   if path.is_dir() and not path.parent.name.startswith("."))
    if students is None:
        return found, []
    wanted = list(dict.fromkeys(students))
    return [s for s in wanted if s in found], [s for s in wanted if s not in found]


def _allow_unsafe_grading() -> None:
    """Turn the sandbox off for the workers (the sandbox's own switch, when the course has it)."""
    try:
        from dlcourse.grading.sandbox import allow_unsafe_grading
    except ImportError:
        os.environ[_UNSAFE_VARIABLE] = "1"
    else:
        allow_unsafe_grading()


def _kill_tree(pid: int) -> None:
    """Kill a process and all its descendants (a worker and its kernels)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, context, settings: WorkerSettings) -> None:
        self.settings = settings
        self.connection, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, settings), daemon=True)
        self.process.start()
        child.close()
        self.queue: deque[str] = deque()
        self.current: str | None = None
        self.started_at = 0.0
        self.info: dict[str, Any] | None = None

    def send(self, student: str) -> None:
        self.queue.append(student)
        self.connection.send(("task", student))

    def log_tail(self, lines: int = 20) -> str:
        path = Path(self.settings.scratch_dir) / "worker.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        try:
            self.connection.send(("stop",))
        except (OSError, BrokenPipeError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            _kill_tree(self.process.pid)
            self.process.join(5)
        self.connection.close()


class _ClassGrader:
    """Run the workers and store their results; see :func:`grade_class`."""

    def __init__(self, unit: str, grader_dir: Path, workers: int, max_bytes: int, timeout: float,
                 cell_timeout: int | None, prestart: bool, scratch: Path) -> None:
        self.unit = unit
        self.grader_dir = grader_dir
        self.count = workers
        self.timeout = timeout
        self.scratch = scratch
        self.template = dict(grader_dir=str(grader_dir), unit=unit, max_bytes=max_bytes,
                             prestart=prestart, cell_timeout=cell_timeout)
        self.context = multiprocessing.get_context("spawn")
        self.prefetch = 2 if prestart else 1
        self.started = 0
        self.workers: list[_Worker] = []
        self.results: list[SubmissionResult] = []
        self.worker_log: list[str] = []
        self.gradebook = None
        self.info: dict[str, Any] = {}

    # ------------------------------------------------------------------ workers

    def _spawn(self) -> _Worker:
        self.started += 1
        folder = self.scratch / f"worker-{self.started}"
        folder.mkdir()
        return _Worker(self.context, WorkerSettings(scratch_dir=str(folder), **self.template))

    def _await_ready(self, workers: list[_Worker]) -> None:
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        for worker in workers:
            remaining = max(deadline - time.monotonic(), 0.1)
            if not worker.connection.poll(remaining):
                raise GradingError(f"a grading worker did not start within {_STARTUP_TIMEOUT} s:"
                                   f"\n{worker.log_tail()}")
            try:
                kind, payload = worker.connection.recv()
            except EOFError:
                raise GradingError(f"a grading worker died while starting:\n"
                                   f"{worker.log_tail()}") from None
            if kind == "error":
                raise GradingError(payload)
            worker.info = payload
            self.info = payload

    def start(self) -> None:
        """Start the workers and wait until each has loaded nbgrader and the configuration."""
        self.workers = [self._spawn() for _ in range(self.count)]
        self._await_ready(self.workers)

    def _replace(self, worker: _Worker) -> None:
        """Swap a dead or killed worker for a fresh one; hand its queued work back."""
        self.workers.remove(worker)
        self.pending.extendleft(reversed(worker.queue))
        worker.connection.close()
        if self.pending:
            fresh = self._spawn()
            self._await_ready([fresh])
            self.workers.append(fresh)

    # ------------------------------------------------------------------ results

    def _store(self, payload: dict[str, Any], status: str | None = None, reason: str = "") -> None:
        from dlcourse.grading.parallel_gradebook import write_submission, write_zero_submission

        student = payload["student"]
        if payload.get("record") is not None:
            write_submission(self.gradebook, self.unit, student, payload["record"])
        else:
            write_zero_submission(self.gradebook, self.unit, student, payload.get("timestamp"))
        notebook = self.gradebook.find_submission_notebook(self.info["notebook"], self.unit,
                                                           student)
        scores = {grade.name: grade.score for grade in notebook.grades}
        result = SubmissionResult(
            student=student, status=status or payload["status"], cell_scores=scores,
            tests=payload.get("tests", {}), timeouts=payload.get("timeouts", []),
            problems=payload.get("problems", []),
            reason=reason or payload.get("reason", ""), errors=payload.get("errors", []),
            seconds=payload.get("seconds", 0.0),
            compute_seconds=payload.get("compute_seconds", 0.0),
            kernel_wait_seconds=payload.get("kernel_wait_seconds", 0.0),
            slowest_cell=payload.get("slowest_cell"),
            prestarted=payload.get("prestarted", False), phases=payload.get("phases", {}))
        self.results.append(result)
        self.bar.update(1)
        total = sum(self.info["max_scores"].values())
        self.bar.set_postfix_str(f"{student}: {result.score:g}/{total:g}", refresh=False)

    def _lost(self, worker: _Worker, status: str, reason: str) -> None:
        """The worker was killed or died: its current submission scores 0."""
        student = worker.current or (worker.queue[0] if worker.queue else None)
        if student is not None:
            if worker.queue and worker.queue[0] == student:
                worker.queue.popleft()
            self._store({"student": student, "seconds": time.monotonic() - worker.started_at},
                        status=status, reason=reason)
        log = worker.log_tail()
        if log:
            self.worker_log.append(f"{student}: {reason}\n{log}")
        worker.current = None
        self._replace(worker)

    def _receive(self, worker: _Worker) -> None:
        try:
            while worker.connection.poll(0):
                kind, payload = worker.connection.recv()
                if kind == "started":
                    worker.current, worker.started_at = payload, time.monotonic()
                elif kind == "done":
                    if payload.get("fatal"):
                        raise GradingError(payload["fatal"])
                    worker.queue.popleft()
                    worker.current = None
                    self._store(payload)
        except (EOFError, OSError):
            self._lost(worker, "failed", "its grading process died (out of memory, or killed)")

    # ------------------------------------------------------------------ loop

    def run(self, students: list[str], progress: bool) -> None:
        from nbgrader.api import Gradebook
        from tqdm import tqdm

        self.pending = deque(students)
        for worker in self.workers[len(students):]:
            worker.stop()
        self.workers = self.workers[: max(len(students), 1)]
        self.gradebook = Gradebook(self.info["db_url"], self.info["course_id"])
        self.bar = tqdm(total=len(students), desc=f"grading {self.unit}", unit="notebook",
                        disable=not progress, file=sys.stderr, dynamic_ncols=True)
        try:
            while self.pending or any(worker.queue for worker in self.workers):
                self._feed()
                objects = {}
                for worker in self.workers:
                    objects[worker.connection] = worker
                    objects[worker.process.sentinel] = worker
                for ready in wait(list(objects), timeout=1.0):
                    worker = objects[ready]
                    if worker in self.workers:
                        self._receive(worker)
                for worker in list(self.workers):
                    if worker in self.workers and not worker.process.is_alive():
                        self._receive(worker)
                        if worker in self.workers and worker.queue:
                            self._lost(worker, "failed", "its grading process died")
                self._watchdog()
        finally:
            self.bar.close()
            self.gradebook.close()

    def _feed(self) -> None:
        for worker in self.workers:
            limit = self.prefetch if len(self.pending) > len(self.workers) else 1
            while self.pending and len(worker.queue) < limit:
                worker.send(self.pending.popleft())

    def _watchdog(self) -> None:
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.current is not None and now - worker.started_at > self.timeout:
                _kill_tree(worker.process.pid)
                worker.process.join(5)
                self._lost(worker, "timed out",
                           f"still running after {self.timeout:g} s: stopped (worker and kernel "
                           "killed)")

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def grade_class(
    unit: str,
    *,
    grader_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    students: list[str] | None = None,
    unsafe: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    cell_timeout: int | None = None,
    prestart: bool = True,
    progress: bool = True,
) -> ClassResult:
    """Grade every submission of ``unit`` in parallel and store the grades in the gradebook.

    Parameters
    ----------
    unit : str
        The assignment, e.g. ``"01-perceptron"``; it must be in the gradebook
        (``nbgrader generate_assignment`` adds it).
    grader_dir : str or path-like, optional
        The folder of the course's ``nbgrader_config.py`` (default: :func:`default_grader_dir`).
    workers : int, optional
        Number of worker processes (default: the number of CPU cores).
    students : list of str, optional
        Grade only these students.
    unsafe : bool
        Run student code without the sandbox (sets ``DLCOURSE_UNSAFE_GRADING=1`` for the
        workers); only for trusted material.
    max_bytes : int
        Size limit of a submitted file (default 20 MB).
    timeout : float
        Seconds a submission may take before its worker and kernel are killed.
    cell_timeout : int, optional
        Overrides the configured ``Execute.timeout`` (seconds per cell).
    prestart : bool
        Start the next kernel while a notebook runs (default true).
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    ClassResult

    Raises
    ------
    GradingError
        If the assignment is not in the gradebook, there is no submission to grade, or a
        worker cannot start.
    """
    start = time.perf_counter()
    grader_dir = Path(grader_dir or default_grader_dir()).resolve()
    if not (grader_dir / "nbgrader_config.py").is_file():
        raise GradingError(f"no nbgrader_config.py in {grader_dir}")
    count = workers or os.cpu_count() or 1
    if count < 1:
        raise GradingError(f"workers must be at least 1, got {count}")
    bin_dir = str(Path(sys.executable).parent)
    saved = {name: os.environ.get(name) for name in ("PATH", _UNSAFE_VARIABLE)}
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    if unsafe:
        _allow_unsafe_grading()
    try:
        with tempfile.TemporaryDirectory(prefix="course-grade-") as scratch:
            grader = _ClassGrader(unit, grader_dir, count, max_bytes, timeout, cell_timeout,
                                  prestart, Path(scratch))
            try:
                grader.start()
                found, missing = list_submissions(grader.info["submitted"], unit, students)
                if missing:
                    raise GradingError(f"no submission of {unit} for: {', '.join(missing)}")
                if not found:
                    raise GradingError(f"no submission to grade in "
                                       f"{grader.info['submitted']}/*/{unit}")
                used = min(count, len(found))
                grader.run(found, progress)
            finally:
                grader.stop()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    results = sorted(grader.results, key=lambda result: result.student)
    return ClassResult(unit, results, dict(grader.info["max_scores"]),
                       time.perf_counter() - start, used, grader.worker_log)
