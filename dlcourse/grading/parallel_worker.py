"""A grading worker: a long-lived process that grades submissions one at a time.

Each worker imports nbgrader once, loads the course's nbgrader configuration exactly as
``nbgrader autograde UNIT`` run from ``grader/`` would (so every preprocessor configured there
applies: the sandboxed kernel, the trusted re-check, ...), and then, for each submission the
parent sends:

1. checks the submission folder and writes a gradable copy of it into the worker's scratch
   folder (:mod:`dlcourse.grading.badinput`); the submitted files are only read;
2. runs nbgrader's own ``Autograde`` converter on that copy, against the worker's private copy
   of the gradebook, writing the graded notebook to ``grader/autograded/`` as usual;
3. sends back what autograding wrote in the gradebook for that student (the parent, the only
   writer of the course's gradebook, stores it), the outcome of every test cell and timings.

The worker's stdout and stderr (and its kernels') go to a log file in its scratch folder, so
that nothing garbles the parent's progress bar.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlcourse.grading.badinput import (
    AssignmentCells,
    inspect_submission,
    stage_submission,
    staged_timestamp,
    submission_files,
)

__all__ = ["WorkerSettings", "SubmissionGrader", "worker_main"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RESTORED = re.compile(r"Missing grade cell (\S+) encountered, adding it back")
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to know, sent by the parent when it starts the worker.

    Attributes
    ----------
    grader_dir : str
        The folder of the course's ``nbgrader_config.py``.
    unit : str
        The assignment to grade.
    scratch_dir : str
        The worker's private folder (its gradebook copy, staged submissions, its log).
    max_bytes : int
        The size limit of a submitted file.
    prestart : bool
        Whether to start the next submission's kernel ahead of time.
    cell_timeout : int or None
        Overrides ``Execute.timeout`` (seconds per cell) when set.
    """

    grader_dir: str
    unit: str
    scratch_dir: str
    max_bytes: int
    prestart: bool = True
    cell_timeout: int | None = None


class _Records(logging.Handler):
    """Keep the log records of the submission being graded."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _one_line(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    line = " ".join(_ANSI.sub("", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _failure_reason(records: list[logging.LogRecord]) -> str:
    """The most telling line of nbgrader's error log for a failed submission."""
    errors = [record.getMessage() for record in records if record.levelno >= logging.ERROR]
    for message in reversed(errors):
        if message.startswith("Traceback"):
            lines = [line.strip() for line in message.splitlines() if line.strip()]
            return _one_line(lines[-1])
    for message in errors:
        if "became unresponsive" in message:
            return "the kernel became unresponsive and could not be interrupted"
    useful = [message for message in errors if not message.startswith("There was an error")]
    return _one_line(useful[0] if useful else (errors[0] if errors else "unknown error"))


def _error_message(output: dict) -> str:
    """A one-line message for an error output: ``Name: value`` (or the traceback's last line)."""
    value = output.get("evalue") or ""
    if not value:
        lines = [line for line in output.get("traceback", []) if _ANSI.sub("", line).strip()]
        value = _ANSI.sub("", lines[-1]).split(":", 1)[-1] if lines else ""
    return _one_line(f"{output.get('ename', 'Error')}: {value.strip()}".rstrip(": "))


#: Error names of cells stopped by a time limit (nbgrader's per-cell timeout, the sandbox's).
TIMEOUT_ERRORS = ("CellTimeoutError", "NotebookTimeLimit", "CellNotRun")


def read_test_outcomes(path: str | os.PathLike) -> tuple[dict[str, dict], list[list[str]]]:
    """Read a graded notebook: the outcome of each test cell, and the cells that timed out.

    Returns
    -------
    tests : dict
        ``{grade_id: {"error": ename or None, "message": str}}`` for every code test cell.
    timeouts : list
        ``[cell name, message]`` for every code cell (test or not) stopped by a time limit.
    """
    content = json.loads(Path(path).read_text(encoding="utf-8"))
    tests, timeouts = {}, []
    for index, cell in enumerate(content.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        errors = [output for output in cell.get("outputs", [])
                  if output.get("output_type") == "error"]
        name = meta.get("grade_id") or f"cell {index + 1}"
        timeouts += [[name, _error_message(error)] for error in errors
                     if error.get("ename") in TIMEOUT_ERRORS]
        if meta.get("grade"):
            tests[name] = {"error": errors[0].get("ename") if errors else None,
                           "message": _error_message(errors[0]) if errors else ""}
    return tests, timeouts


def _assignment_cells(gradebook: Any, unit: str) -> AssignmentCells:
    """The cells of ``unit``'s notebook as the gradebook records them."""
    assignment = gradebook.find_assignment(unit)
    ids, locked, kernel = set(), [], None
    for notebook in assignment.notebooks:
        graded = {cell.name for cell in notebook.grade_cells}
        ids |= graded | {cell.name for cell in notebook.solution_cells}
        ids |= {cell.name for cell in notebook.task_cells}
        for cell in notebook.source_cells:
            ids.add(cell.name)
            if cell.locked and cell.name not in graded:
                locked.append(cell.source or "")
        if notebook.kernelspec:
            kernel = json.loads(notebook.kernelspec).get("name")
    return AssignmentCells(unit, frozenset(ids), tuple(locked), kernel)


def _empty_folder(folder: str) -> None:
    """Remove what a folder holds, keeping the folder itself."""
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.remove(entry.path)


def _only_notebooks(folder: Path) -> bool:
    """Whether a submission folder holds nothing but notebooks and ``timestamp.txt``."""
    return folder.is_dir() and all(
        path.suffix == ".ipynb" or path.relative_to(folder).parts == ("timestamp.txt",)
        for path in submission_files(folder))


def _time_preprocessor(preprocessor: Any, phase_times: dict[str, float]) -> None:
    """Add the time ``preprocessor`` takes to ``phase_times[module.Class]``."""
    cls = type(preprocessor)
    name = f"{cls.__module__}.{cls.__qualname__}"
    original = preprocessor.preprocess

    def preprocess(nb, resources, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(nb, resources, *args, **kwargs)
        finally:
            phase_times[name] = phase_times.get(name, 0.0) + time.perf_counter() - start

    preprocessor.preprocess = preprocess


def _make_converter_class():
    """nbgrader's ``Autograde``, with two worker-only changes that do not touch grades.

    - An existing autograded folder is emptied rather than deleted (``--force`` deletes it),
      because the kernel started ahead of time already runs in it.
    - The ``Execute`` preprocessor gets the kernel pool's hooks and the cell timer.
    """
    from nbclient import NotebookClient
    from nbgrader.converters import Autograde

    class WorkerAutograde(Autograde):
        pool = None
        next_cwd = None
        cell_times: list = []
        phase_times: dict = {}

        def init_destination(self, assignment_id: str, student_id: str) -> bool:
            excluded = (self.coursedir.student_id_exclude or "").split(",")
            if student_id in excluded:
                return False
            destination = os.path.normpath(self._format_dest(assignment_id, student_id))
            if os.path.isdir(destination):
                _empty_folder(destination)
            return True

        def _init_preprocessors(self) -> None:
            super()._init_preprocessors()
            for preprocessor in self.exporter._preprocessors:
                _time_preprocessor(preprocessor, self.phase_times)
                if not self._sanitizing and isinstance(preprocessor, NotebookClient):
                    self.pool.install(preprocessor, self.next_cwd, self.cell_times)

    return WorkerAutograde


class SubmissionGrader:
    """Grades one submission at a time in this process; see the module's docstring.

    Parameters
    ----------
    settings : WorkerSettings
    """

    def __init__(self, settings: WorkerSettings) -> None:
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.apps import AutogradeApp

        from dlcourse.grading.parallel_gradebook import copy_gradebook, sqlite_path
        from dlcourse.grading.parallel_kernels import KernelPool
        from dlcourse.grading.parallel_tuning import (
            cache_schema_checks,
            reuse_gradebook_engines,
            skip_disk_sync_for,
        )

        self.settings = settings
        self.unit = settings.unit
        scratch = Path(settings.scratch_dir)
        cache_schema_checks()
        skip_disk_sync_for(scratch)
        reuse_gradebook_engines()
        os.chdir(settings.grader_dir)
        app = AutogradeApp.instance()
        app.initialize([settings.unit, "--log-level=WARN"])
        if settings.cell_timeout:
            from traitlets.config import Config

            app.update_config(Config({"Execute": {"timeout": settings.cell_timeout}}))
        self.app = app
        self.handler = _Records()
        for handler in list(app.log.handlers):
            app.log.removeHandler(handler)
        app.log.addHandler(self.handler)
        app.log.propagate = False
        coursedir = app.coursedir
        coursedir.assignment_id = settings.unit
        self.course_db = coursedir.db_url
        self.submitted = Path(coursedir.format_path(coursedir.submitted_directory, ".", "."))
        self.autograded = Path(coursedir.format_path(coursedir.autograded_directory, ".", "."))
        if not sqlite_path(self.course_db).is_file():
            raise LookupError(f"no gradebook at {sqlite_path(self.course_db)}: run `nbgrader "
                              f"generate_assignment {settings.unit}` in grader/ first")
        with Gradebook(self.course_db, coursedir.course_id) as gradebook:
            try:
                self.cells = _assignment_cells(gradebook, settings.unit)
            except MissingEntry:
                raise LookupError(
                    f"assignment {settings.unit!r} is not in the gradebook: run `nbgrader "
                    f"generate_assignment {settings.unit}` in grader/ first") from None
            notebooks = gradebook.find_assignment(settings.unit).notebooks
            self.notebook_names = [notebook.name for notebook in notebooks]
            self.max_scores = {cell.name: cell.max_score
                               for notebook in notebooks for cell in notebook.grade_cells}
            self.others = [_assignment_cells(gradebook, assignment.name)
                           for assignment in gradebook.assignments
                           if assignment.name != settings.unit]
        if len(self.notebook_names) != 1:
            raise ValueError(f"assignment {settings.unit!r} has {len(self.notebook_names)} "
                             "notebooks: course grade grades assignments of one notebook")
        known = {other.unit for other in self.others} | {settings.unit}
        source = Path(coursedir.format_path(coursedir.source_directory, ".", "."))
        for path in sorted(source.glob("*/*.ipynb")):
            if path.parent.name not in known and path.stem == path.parent.name:
                try:  # a source notebook being written must not stop grading
                    self.others.append(AssignmentCells.from_notebook(path))
                except (OSError, ValueError):
                    pass
        self.source_has_files = any(
            path.suffix != ".ipynb" for path in submission_files(source / settings.unit))
        self._check_sandbox()
        self.scratch_db = copy_gradebook(self.course_db, scratch / "gradebook.db")
        self.staging = scratch / "submitted"
        self.staging.mkdir(parents=True, exist_ok=True)
        coursedir.db_url = self.scratch_db
        coursedir.submitted_directory = str(self.staging)
        self.course_id = coursedir.course_id
        self.pool = KernelPool(enabled=settings.prestart)
        self.converter_class = _make_converter_class()

    def _check_sandbox(self) -> None:
        """Refuse to start when the configured sandbox cannot run (it says what to install)."""
        try:
            from dlcourse.grading.sandbox import Sandbox, check_sandbox
        except ImportError:  # a course without the sandbox
            return
        check_sandbox(Sandbox(parent=self.app))

    @property
    def info(self) -> dict[str, Any]:
        """What the parent needs: the course's gradebook and folders, the maximum scores."""
        return {"db_url": self.course_db, "course_id": self.course_id,
                "submitted": str(self.submitted), "autograded": str(self.autograded),
                "max_scores": self.max_scores, "notebook": self.notebook_names[0]}

    def grade(self, student: str,
              next_student: Callable[[], str | None] | None = None) -> dict[str, Any]:
        """Grade one student's submission; return the result for the parent (plain data).

        ``next_student``, called once the notebook's kernel is up, names the student graded
        next (or ``None``), whose kernel is then started ahead of time.
        """
        from nbgrader.converters import NbGraderException

        from dlcourse.grading.parallel_gradebook import read_submission

        start = time.perf_counter()
        self.pool.reap()
        self.pool.kernel_wait_seconds = 0.0
        folder = self.submitted / student / self.unit
        staged = inspect_submission(folder, self.cells, self.others, self.settings.max_bytes,
                                    notebook_name=f"{self.notebook_names[0]}.ipynb")
        result: dict[str, Any] = {
            "student": student, "problems": list(staged.problems), "errors": [],
            "tests": {}, "timeouts": [], "phases": {}, "record": None,
            "timestamp": staged.timestamp,
            "status": "not graded", "reason": "", "compute_seconds": 0.0,
            "kernel_wait_seconds": 0.0, "slowest_cell": None, "prestarted": False,
        }
        destination = self.staging / student / self.unit
        try:
            stage_submission(staged, folder, destination)
            if staged.gradable:
                self._run(student, next_student, result, NbGraderException)
                result["record"] = read_submission(self.scratch_db, self.unit, student,
                                                   self.course_id)
        finally:
            shutil.rmtree(self.staging / student, ignore_errors=True)
        if not staged.gradable:  # no graded copy: remove one left by an earlier grading
            shutil.rmtree(self.autograded / student / self.unit, ignore_errors=True)
            try:
                (self.autograded / student).rmdir()
            except OSError:  # it holds other units
                pass
        result["seconds"] = time.perf_counter() - start
        return result

    def _run(self, student: str, next_student: Callable[[], str | None] | None, result: dict,
             failure: type) -> None:
        def next_cwd() -> str | None:
            following = next_student() if next_student is not None else None
            if following is None or self.source_has_files or not _only_notebooks(
                    self.submitted / following / self.unit):
                return None
            # The folder must hold, when the kernel starts, what nbgrader will have put in it
            # (a sandbox copies it at start): nothing but timestamp.txt, notebooks aside.
            folder = self.autograded / following / self.unit
            if folder.is_dir():
                _empty_folder(str(folder))
            folder.mkdir(parents=True, exist_ok=True)
            timestamp = staged_timestamp(self.submitted / following / self.unit)
            if timestamp is not None:
                (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
            return str(folder)
        cell_times: list[tuple[str, float]] = []
        self.app.coursedir.student_id = student
        converter = self.converter_class(coursedir=self.app.coursedir, parent=self.app)
        converter.force = True
        converter.pool, converter.next_cwd, converter.cell_times = self.pool, next_cwd, cell_times
        converter.phase_times = result["phases"]
        self.handler.records = []
        try:
            converter.start()
            result["status"] = "graded"
        except failure:
            result["status"] = "failed"
        except SystemExit as stop:  # the sandbox refuses to run student code: stop everything
            result["status"], result["fatal"] = "failed", str(stop)
        except Exception:  # anything else nbgrader lets through: this student only
            result["status"] = "failed"
            self.app.log.error("Traceback (most recent call last):\n%s", traceback.format_exc())
        records = self.handler.records
        result["errors"] = [_one_line(r.getMessage(), 2000) for r in records
                            if r.levelno >= logging.ERROR]
        result["problems"] += [f"test cell {match[1]!r} was deleted: it was put back and graded"
                               for r in records if (match := _RESTORED.search(r.getMessage()))]
        if result["status"] == "failed":
            result["reason"] = _failure_reason(records)
        notebook = self.autograded / student / self.unit / f"{self.notebook_names[0]}.ipynb"
        if notebook.is_file():
            result["tests"], result["timeouts"] = read_test_outcomes(notebook)
        result["compute_seconds"] = sum(seconds for _, seconds in cell_times)
        result["kernel_wait_seconds"] = self.pool.kernel_wait_seconds
        result["prestarted"] = self.pool.adopted
        if cell_times:
            result["slowest_cell"] = max(cell_times, key=lambda item: item[1])

    def close(self) -> None:
        """Stop the kernels this worker started."""
        self.pool.close()


def _redirect_output(path: Path) -> None:
    """Send this process's (and its children's) stdout and stderr to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(handle, 1)
    os.dup2(handle, 2)
    os.close(handle)


class _Inbox:
    """The parent's messages, read without blocking while a submission is being graded."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.queue: deque[str] = deque()
        self.stopping = False

    def drain(self, block: bool = False) -> None:
        while self.connection.poll(0) or (block and not self.queue and not self.stopping):
            message = self.connection.recv()
            if message[0] == "task":
                self.queue.append(message[1])
            else:
                self.stopping = True

    def peek(self) -> str | None:
        """The student graded after the current one, if the parent has sent it yet."""
        self.drain()
        return self.queue[0] if self.queue else None


def worker_main(connection, settings: WorkerSettings) -> None:
    """Entry point of a worker process: grade the students the parent sends until told to stop.

    Messages from the parent: ``("task", student)`` and ``("stop",)``. Messages to the parent:
    ``("ready", info)`` or ``("error", message)`` once, then ``("started", student)`` and
    ``("done", result)`` for each submission.
    """
    _redirect_output(Path(settings.scratch_dir) / "worker.log")
    logging.captureWarnings(True)
    try:
        grader = SubmissionGrader(settings)
    except (Exception, SystemExit) as error:  # SystemExit: the sandbox cannot start
        connection.send(("error", str(error)))
        return
    connection.send(("ready", grader.info))
    inbox = _Inbox(connection)
    try:
        while True:
            inbox.drain(block=True)
            if not inbox.queue:
                break
            student = inbox.queue.popleft()
            connection.send(("started", student))
            connection.send(("done", grader.grade(student, inbox.peek)))
    except (EOFError, BrokenPipeError):  # the parent is gone
        pass
    finally:
        grader.close()
