"""Running the in-memory copy of a notebook with nbclient, and the errors it gives.

A test cell passes when running it produced no error output, which is how nbgrader decides too.
Errors do not stop the run; a cell that runs too long is interrupted and counted as an error; a
kernel that dies stops the run. ``nbclient`` is imported only when a notebook runs.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dlcourse.check.notebook_io import NotebookCheckError

if TYPE_CHECKING:
    from nbformat import NotebookNode

#: The per-cell time limit, in seconds, when none is given.
DEFAULT_TIMEOUT = 120

_TIMEOUT_ENAME = "CellTimeout"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# In an IPython traceback: a frame header "Cell In[4], line 5, in relu(z)", a failing line
# "----> 5     raise NotImplementedError()".
_CELL_FRAME = re.compile(r"^Cell In\[\d+\], line \d+(?:, in ([^\s(]+))?", re.MULTILINE)
_ARROW_LINE = re.compile(r"^\s*-+>\s*\d+\s(.*)$", re.MULTILINE)
_MESSAGE_LINES = 3
_LINE_WIDTH = 200


@dataclass
class ErrorInfo:
    """An error output of a cell, colour codes removed.

    Attributes
    ----------
    ename, evalue : str
        The exception's type and message.
    traceback : str
        The whole traceback, one frame after the other.
    """

    ename: str
    evalue: str
    traceback: str


@dataclass
class Execution:
    """What running the copy gave.

    Attributes
    ----------
    errors : dict of int to ErrorInfo
        The first error of each cell that raised one, by index in the copy.
    stopped_at : int or None
        The index of the cell during which the kernel died, if it did.
    stop_reason : str
        Why the run stopped there.
    """

    errors: dict[int, ErrorInfo] = field(default_factory=dict)
    stopped_at: int | None = None
    stop_reason: str = ""


def execute_copy(notebook: NotebookNode, folder: Path, timeout: int,
                 progress: Callable[[int, int], None] | None = None) -> Execution:
    """Run every code cell of ``notebook`` (in memory) with a fresh python3 kernel.

    Parameters
    ----------
    notebook : NotebookNode
        The copy to run; its cells get their outputs.
    folder : pathlib.Path
        The working directory of the kernel (the student's notebook's folder).
    timeout : int
        The time limit of each cell, in seconds.
    progress : callable, optional
        Called as ``progress(i, n)`` before the i-th of n code cells runs.

    Returns
    -------
    Execution
        The first error of each cell, and where and why the run stopped if the kernel died.

    Raises
    ------
    NotebookCheckError
        When the python3 kernel is not installed, does not start or fails.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    timeouts: set[int] = set()

    def on_cell_executed(cell: NotebookNode, cell_index: int,
                         execute_reply: dict[str, Any]) -> None:
        if execute_reply.get("content", {}).get("ename") == _TIMEOUT_ENAME:
            timeouts.add(cell_index)

    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": _TIMEOUT_ENAME, "evalue": "", "traceback": []},
        on_cell_executed=on_cell_executed,
        resources={"metadata": {"path": str(folder)}},
    )
    result = Execution()
    started = False
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    with tempfile.TemporaryFile() as kernel_log:
        try:
            with client.setup_kernel(stderr=kernel_log):
                started = True
                for done, index in enumerate(code_cells, start=1):
                    if progress is not None:
                        progress(done, len(code_cells))
                    try:
                        client.execute_cell(notebook.cells[index], index)
                    except DeadKernelError:
                        result.stopped_at = index
                        result.stop_reason = f"the kernel died{_last_words(kernel_log)}"
                        break
        except NoSuchKernel:
            raise NotebookCheckError(
                "the python3 Jupyter kernel is not installed: run `make install` first"
            ) from None
        except RuntimeError as error:
            if not started:
                raise NotebookCheckError(f"the Python kernel did not start: {error}") from None
            if result.stopped_at is None:  # a dead kernel may also fail to shut down: fine
                raise NotebookCheckError(f"the Python kernel failed: {error}") from None
    for index in code_cells:
        if index in timeouts:
            result.errors[index] = ErrorInfo(
                _TIMEOUT_ENAME,
                f"the cell ran longer than {timeout} s and was stopped (an endless loop? "
                "--timeout sets the limit)",
                "",
            )
        elif (error := _first_error(notebook.cells[index])) is not None:
            result.errors[index] = error
    return result


def _last_words(log: IO[bytes]) -> str:
    """Return the last meaningful line the kernel wrote to its stderr before it died."""
    log.seek(0)
    lines = [
        line.strip() for line in log.read().decode("utf-8", "replace").splitlines()
        if line.strip() and "running over TCP without encryption" not in line
    ]
    return f" ({lines[-1][:_LINE_WIDTH]})" if lines else ""


def _first_error(cell: NotebookNode) -> ErrorInfo | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return ErrorInfo(
                ename=strip_ansi(str(output.get("ename", "Error"))),
                evalue=strip_ansi(str(output.get("evalue", ""))),
                traceback=strip_ansi("\n".join(output.get("traceback", []))),
            )
    return None


def strip_ansi(text: str) -> str:
    """Remove the terminal colour codes that IPython puts in tracebacks.

    Parameters
    ----------
    text : str
        Text from a cell's error output.

    Returns
    -------
    str
        The text without colour codes.
    """
    return _ANSI.sub("", text)


def failure_message(error: ErrorInfo) -> str:
    """Return the first lines of an error: ``Type: message``, never the whole traceback.

    Parameters
    ----------
    error : ErrorInfo
        A cell's error.

    Returns
    -------
    str
        ``Type: message (in function())``, with at most three lines of message. The function
        of the notebook the error came from is named when there is one. An error with no
        message (a bare ``assert``, ``raise NotImplementedError()``) quotes the failing line.
    """
    if error.ename == _TIMEOUT_ENAME:
        return f"TimeoutError: {error.evalue}"
    function = _student_function(error.traceback)
    lines = [line.rstrip()[:_LINE_WIDTH] for line in error.evalue.splitlines() if line.strip()]
    if lines:
        suffix = f" (in {function}())" if function else ""
        return "\n".join([f"{error.ename}: {lines[0]}{suffix}", *lines[1:_MESSAGE_LINES]])
    where = f" in {function}()" if function else ""
    code = _failing_line(error.traceback)
    if code is None or code.startswith(f"raise {error.ename}"):
        return f"{error.ename}{where}"
    return f"{error.ename}{where} at `{code}`"


def _student_function(traceback: str) -> str | None:
    """Return the innermost function defined in a notebook cell that the error went through."""
    functions = _CELL_FRAME.findall(traceback)
    name = functions[-1] if functions else ""
    return name if name and name != "<module>" else None


def _failing_line(traceback: str) -> str | None:
    """Return the line of code the innermost frame points at (IPython marks it with an arrow)."""
    lines = _ARROW_LINE.findall(traceback)
    return lines[-1].strip()[:_LINE_WIDTH] if lines else None
