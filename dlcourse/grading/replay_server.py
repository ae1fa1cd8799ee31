"""The replay server: trusted replays, each in a disposable process, for the grader.

nbgrader runs in one process for a whole class. The replays (:mod:`dlcourse.grading.replay`)
run elsewhere, so that nothing they do (state left in a library, a claimed value that breaks a
trusted function, a replay that never ends) reaches nbgrader or the next student:

- :class:`ReplayServer` starts ``python -m dlcourse.grading.replay_server`` once, with
  single-threaded linear algebra (so that forking is safe), and talks to it in JSON lines;
- the server loads each source notebook once and *warms up* on it: it runs the whole source
  notebook (solutions included) once, so that the libraries the tests import and compile are
  ready;
- for each submission it forks a fresh child that replays the tests in the source notebook's
  folder and streams each cell's outcome back; the child is killed if it runs out of time, and
  its state is thrown away with it. Where ``os.fork`` does not exist, the server replays in its
  own process instead.

The server never sees a student's process; it only reads the records, as plain data.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dlcourse.grading.replay import dry_run, replay_notebook
from dlcourse.grading.replay_cells import CellOutcome, read_notebook, replayed_cells

__all__ = ["ReplayServer", "ReplayUnavailable", "shared_server"]

#: Environment of the server: one thread per library, so that forked replays cannot deadlock.
SERVER_ENVIRONMENT = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1",
}
_SPARE_SECONDS = 30.0


class ReplayUnavailable(RuntimeError):
    """The replay server stopped or did not answer: the submission could not be verified."""


# --------------------------------------------------------------------------- the server


class _Notebooks:
    """Source notebooks by path, read once (again if the file changes), warmed up once."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, Any]] = {}

    def get(self, path: str, warm_up: bool, timeout: float | None) -> Any:
        stamp = os.stat(path).st_mtime
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        notebook = read_notebook(path)
        if warm_up:
            with _working_directory(os.path.dirname(path)):
                dry_run(notebook, timeout=timeout)
        self._cache[path] = (stamp, notebook)
        return notebook


class _working_directory:  # noqa: N801 (used as a context manager)
    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __enter__(self) -> None:
        self.previous = os.getcwd()
        os.chdir(self.folder)
        sys.path.insert(0, self.folder)

    def __exit__(self, *exc: object) -> None:
        os.chdir(self.previous)
        if self.folder in sys.path:
            sys.path.remove(self.folder)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _forked_replay(notebook: Any, folder: str, payloads: list[Any],
                   timeout: float | None) -> tuple[list[dict[str, Any]], str | None]:
    """Replay in a forked child; collect its outcomes until it ends or runs out of time."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: replay, stream the outcomes, and leave without clean-up
        status = 1
        try:
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.chdir(folder)
            sys.path.insert(0, folder)

            def send(outcome: CellOutcome) -> None:
                _write_all(write_end, (json.dumps(outcome.to_dict()) + "\n").encode())

            replay_notebook(notebook, payloads, timeout=timeout, on_outcome=send)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    cells = len(replayed_cells(notebook))
    deadline = (time.monotonic() + timeout * cells + _SPARE_SECONDS) if timeout else None
    buffer, stopped = b"", None
    try:
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                os.kill(pid, signal.SIGKILL)
                stopped = "the grader's replay of this notebook ran out of time"
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            buffer += chunk
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if stopped is None and status != 0:
        stopped = f"the grader's replay of this notebook stopped ({_describe_status(status)})"
    outcomes = [json.loads(line) for line in buffer.decode().splitlines() if line.strip()]
    return outcomes, stopped


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _handle(request: dict[str, Any], notebooks: _Notebooks) -> dict[str, Any]:
    start = time.perf_counter()
    path = os.path.abspath(request["notebook"])
    timeout = request.get("timeout")
    notebook = notebooks.get(path, bool(request.get("warm_up", True)), timeout)
    folder = os.path.dirname(path)
    if hasattr(os, "fork"):
        outcomes, stopped = _forked_replay(notebook, folder, request["payloads"], timeout)
    else:  # pragma: no cover (no fork: replay here, still outside nbgrader's process)
        with _working_directory(folder):
            results = replay_notebook(notebook, request["payloads"], timeout=timeout)
        outcomes, stopped = [outcome.to_dict() for outcome in results], None
    return {"outcomes": outcomes, "stopped": stopped, "seconds": time.perf_counter() - start}


def serve(requests: Any, replies: Any) -> None:
    """Answer replay requests, one JSON line each, until ``requests`` ends."""
    notebooks = _Notebooks()
    for line in requests:
        try:
            reply = _handle(json.loads(line), notebooks)
        except Exception as error:  # reported to the grader, which fails that submission
            reply = {"error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main() -> None:
    """Serve on standard input and output; anything else printed goes to standard error."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)


# --------------------------------------------------------------------------- the client


class ReplayServer:
    """A replay server process, started on first use and stopped with :meth:`close`.

    Parameters
    ----------
    python : str
        The Python that runs the server (the grader's own by default).
    """

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._process: subprocess.Popen | None = None
        self._buffer = b""
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            environment = {**os.environ, **SERVER_ENVIRONMENT}
            self._process = subprocess.Popen(
                [self.python, "-m", "dlcourse.grading.replay_server"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment)
            self._buffer = b""
        return self._process

    def _read_line(self, process: subprocess.Popen, seconds: float | None) -> bytes:
        """The server's next line, or b"" if it stopped or ``seconds`` passed."""
        deadline = None if seconds is None else time.monotonic() + seconds
        fd = process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return b""
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b""
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def replay(self, notebook: str | os.PathLike, payloads: list[Any], *,
               timeout: float | None = 120, warm_up: bool = True,
               ) -> tuple[list[CellOutcome], str | None]:
        """Replay a source notebook on a kernel's records.

        Parameters
        ----------
        notebook : str or path-like
            The source notebook (``solutions/UNIT/UNIT.ipynb``).
        payloads : list
            The records published by the student's kernel (plain data).
        timeout : float or None
            Most seconds per cell.
        warm_up : bool
            Run the source notebook once before its first replay (see the module's docstring).

        Returns
        -------
        outcomes : list of CellOutcome
            One per replayed cell that finished.
        stopped : str or None
            Why the replay stopped before the end, if it did.

        Raises
        ------
        ReplayUnavailable
            If the server failed or did not answer in time (it is then restarted next time).
        """
        path = Path(notebook).resolve()
        request = json.dumps({"notebook": str(path), "payloads": payloads,
                              "timeout": timeout, "warm_up": warm_up})
        # Enough for a warm-up and a replay that use every cell's time limit.
        cells = sum(cell.cell_type == "code" for cell in read_notebook(path).cells)
        limit = None if timeout is None else timeout * (2 * cells + 2) + _SPARE_SECONDS
        with self._lock:
            process = self._start()
            try:
                process.stdin.write(request.encode("utf-8") + b"\n")
                process.stdin.flush()
                line = self._read_line(process, limit)
            except (BrokenPipeError, OSError) as error:
                self.close()
                raise ReplayUnavailable(f"the replay server failed: {error}") from None
            if not line:
                self.close()
                raise ReplayUnavailable("the replay server stopped or did not answer in time")
        reply = json.loads(line)
        if "error" in reply:
            raise ReplayUnavailable(f"the replay server could not replay {notebook}: "
                                    f"{reply['error']}")
        outcomes = [CellOutcome.from_dict(data) for data in reply["outcomes"]]
        return outcomes, reply.get("stopped")

    def close(self) -> None:
        """Stop the server (it also stops by itself when the grader ends)."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


_shared: tuple[int, ReplayServer] | None = None


def shared_server() -> ReplayServer:
    """The replay server of this process, started on first use and stopped at exit.

    A process forked from one that had a server (a grading worker) starts its own: the pipes
    of its parent's server are not its to use.
    """
    global _shared
    if _shared is None or _shared[0] != os.getpid():
        _shared = (os.getpid(), ReplayServer())
        atexit.register(_shared[1].close)
    return _shared[1]


if __name__ == "__main__":
    main()
