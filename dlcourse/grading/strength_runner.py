"""Run notebook code in forked copies of a prepared process, each with a time limit.

The strength check runs hundreds of mutants against the same tests. Starting a kernel for each
would take seconds; instead this process runs the notebook's set-up cells once (importing NumPy,
the course library...), and each mutant runs in a ``fork()`` of it: a copy made in a few
milliseconds, with the set-up's variables (the seeded random generator included) in the same
state for every mutant. A mutant cannot affect the next one, whatever it does to its copy.

A *program* is a list of ``(label, code)`` pairs: compiled cells run in order in the copy's
namespace. The outcome says which cell raised first (the mutant is *caught*), or that the copy ran
out of time (caught too: a kernel that hangs fails its tests at grading), or that every cell ran.

Forking is safe here because this process runs no Python threads of its own; call it from a
command-line process (``course strength``), not from a multi-threaded server. POSIX only.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import select
import signal
import sys
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

__all__ = [
    "MIN_TIMEOUT",
    "TIMEOUT_FACTOR",
    "CellFailure",
    "ForkRunner",
    "Outcome",
    "Program",
    "default_timeout",
    "first_line",
]

Program = Sequence[tuple[str, CodeType]]

#: The label of an outcome whose copy ran out of time.
TIMEOUT = "timeout"
#: The label of an outcome whose copy died without reporting (a crash, a signal, os._exit).
CRASH = "crash"
_MESSAGE_WIDTH = 300
#: By default a copy may run this many times as long as the tests take on the solution, ...
TIMEOUT_FACTOR = 10.0
#: ... and at least this many seconds.
MIN_TIMEOUT = 5.0


def default_timeout(solution_seconds: float) -> float:
    """The time a mutant may run when the tests take ``solution_seconds`` on the solution."""
    return max(MIN_TIMEOUT, TIMEOUT_FACTOR * solution_seconds)


@dataclass(frozen=True)
class Outcome:
    """How one program ended.

    Attributes
    ----------
    caught : bool
        True when a cell raised, the copy ran out of time or it crashed.
    by : str
        The label of the cell that raised, ``"timeout"`` or ``"crash"``; empty when every cell ran.
    message : str
        The first line of the error, e.g. ``"AssertionError: relu(z)[3] is 1, expected 0"``.
    seconds : float
        The wall-clock time of the copy.
    """

    caught: bool
    by: str
    message: str
    seconds: float


class CellFailure(Exception):
    """A cell raised while the parent process ran it (set-up or warm-up)."""

    def __init__(self, label: str, message: str):
        super().__init__(f"{label}: {message}")
        self.label = label
        self.message = message


def first_line(error: BaseException) -> str:
    """``"TypeName: first line of the message"``, at most 300 characters."""
    text = str(error).strip().splitlines()
    line = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    return line if len(line) <= _MESSAGE_WIDTH else line[:_MESSAGE_WIDTH - 3] + "..."


def fresh_namespace() -> dict[str, Any]:
    """A namespace like a new notebook kernel's."""
    return {"__name__": "__main__", "__builtins__": builtins}


def run_in_process(program: Program, namespace: dict[str, Any]) -> None:
    """Run ``program`` in ``namespace`` in this process, its output hidden.

    Raises
    ------
    CellFailure
        When a cell raises; names the cell and the error.
    """
    for label, code in program:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(code, namespace)
            except Exception as error:
                raise CellFailure(label, first_line(error)) from error


def _run_child(program: Program, namespace: dict[str, Any], channel: int) -> None:
    """In the forked copy: run the program, report to ``channel``, exit (never returns)."""
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # its own process group: a timeout kills what it started too
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(quiet, stream)
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        warnings.simplefilter("ignore")
        report = {"by": "", "message": ""}
        for label, code in program:
            try:
                exec(code, namespace)
            except BaseException as error:  # SystemExit, KeyboardInterrupt: caught as well
                report = {"by": label, "message": first_line(error)}
                break
        os.write(channel, json.dumps(report).encode())
    finally:
        os._exit(0)


def _exit_description(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"the process was killed by {name}"
    return f"the process exited with status {os.WEXITSTATUS(status)} without reporting"


@dataclass
class _Running:
    index: int
    pid: int
    started: float
    chunks: list[bytes]


class ForkRunner:
    """Run programs in forked copies of a namespace prepared once.

    Parameters
    ----------
    setup : sequence of (label, code)
        The set-up cells, run once in this process by :meth:`prepare`.
    jobs : int
        How many copies run at the same time (default 1).

    Examples
    --------
    >>> runner = ForkRunner([("setup", compile("x = 2", "setup", "exec"))])
    >>> runner.prepare()
    >>> test = compile("assert x == 2", "test", "exec")
    >>> [outcome.caught for outcome in runner.run([[("test", test)]], timeout=5)]
    [False]
    """

    def __init__(self, setup: Program, jobs: int = 1):
        if not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be a whole number >= 1, got {jobs!r}")
        if not hasattr(os, "fork"):
            raise OSError("the strength check forks processes: it needs Linux or macOS")
        self.setup = list(setup)
        self.jobs = jobs
        self.namespace: dict[str, Any] | None = None

    def prepare(self) -> None:
        """Run the set-up cells in this process; every copy starts from their namespace.

        Raises
        ------
        CellFailure
            When a set-up cell raises.
        """
        namespace = fresh_namespace()
        run_in_process(self.setup, namespace)
        self.namespace = namespace

    def warm_up(self, program: Program) -> None:
        """Run a program once in this process, in a namespace of its own (set-up cells first).

        What it loads or compiles (modules imported by the tests, numba's compiled loops...)
        is then shared by every copy, which saves each of them that time. The namespace the
        copies start from is left untouched.

        Raises
        ------
        CellFailure
            When a cell raises.
        """
        run_in_process([*self.setup, *program], fresh_namespace())

    def run(self, programs: Sequence[Program], timeout: float,
            progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Run each program in a fresh copy of the prepared namespace.

        Parameters
        ----------
        programs : sequence of programs
            Each a list of ``(label, code)``, run in order until a cell raises.
        timeout : float
            Seconds each copy may run; a copy still running then is killed and counts as caught.
        progress : callable, optional
            Called with the number of programs finished so far, after each one.

        Returns
        -------
        list of Outcome
            One per program, in the same order.
        """
        if self.namespace is None:
            raise RuntimeError("call prepare() before run()")
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        outcomes: list[Outcome | None] = [None] * len(programs)
        pending = deque(enumerate(programs))
        running: dict[int, _Running] = {}
        done = 0
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            while pending or running:
                while pending and len(running) < self.jobs:
                    index, program = pending.popleft()
                    channel, child_channel = os.pipe()
                    pid = os.fork()
                    if pid == 0:  # the copy
                        os.close(channel)
                        _run_child(program, self.namespace, child_channel)
                    os.close(child_channel)
                    with contextlib.suppress(OSError):
                        os.setpgid(pid, pid)
                    running[channel] = _Running(index, pid, time.monotonic(), [])
                deadline = min(job.started for job in running.values()) + timeout
                ready, _, _ = select.select(list(running), [], [],
                                            max(0.0, deadline - time.monotonic()))
                for channel in ready:
                    data = os.read(channel, 65536)
                    if data:
                        running[channel].chunks.append(data)
                        continue
                    job = running.pop(channel)
                    outcomes[job.index] = self._finish(job, channel)
                    done += 1
                    if progress:
                        progress(done)
                now = time.monotonic()
                for channel, job in list(running.items()):
                    if now - job.started >= timeout:
                        running.pop(channel)
                        self._kill(job, channel)
                        outcomes[job.index] = Outcome(True, TIMEOUT,
                                                      f"still running after {timeout:.3g} s",
                                                      now - job.started)
                        done += 1
                        if progress:
                            progress(done)
        finally:
            for channel, job in running.items():
                self._kill(job, channel)
        return [outcome for outcome in outcomes if outcome is not None]

    @staticmethod
    def _finish(job: _Running, channel: int) -> Outcome:
        os.close(channel)
        _, status = os.waitpid(job.pid, 0)
        seconds = time.monotonic() - job.started
        try:
            report = json.loads(b"".join(job.chunks).decode())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return Outcome(True, CRASH, _exit_description(status), seconds)
        return Outcome(bool(report["by"]), report["by"], report["message"], seconds)

    @staticmethod
    def _kill(job: _Running, channel: int) -> None:
        for kill in (lambda: os.killpg(job.pid, signal.SIGKILL),
                     lambda: os.kill(job.pid, signal.SIGKILL)):
            try:
                kill()
                break
            except OSError:
                continue
        os.close(channel)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(job.pid, 0)
