"""The source notebook's cells as the replay sees them, and running one cell.

The replay runs the *locked* code cells of the source notebook (set-up, examples, tests), never
its solution cells, which are the student's; :func:`student_names` lists what those solution
cells define (the graded names). :func:`run_cell` runs one cell's code in a namespace, as
IPython would (the last expression is the cell's value), with a time limit, and says what
happened in a :class:`CellOutcome`.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "CellOutcome",
    "NotVerified",
    "ReplayedCell",
    "fresh_namespace",
    "read_notebook",
    "replayed_cells",
    "run_cell",
    "shared_state_kept",
    "setup_names",
    "student_names",
]

_HIDDEN_MARK = "BEGIN HIDDEN TESTS"
_MAGIC_LINE = re.compile(r"^\s*[%!]", re.MULTILINE)


class NotVerified(BaseException):  # noqa: N818 (reads as the verdict in a student's feedback)
    """A test that the grader cannot verify: no record of a call, an unreadable record, a timeout.

    It derives from ``BaseException`` so that a test's ``except Exception`` does not swallow it.
    """


# --------------------------------------------------------------------------- the notebook


class _Node(dict):
    """A dict whose keys read as attributes too, as nbformat's NotebookNode."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def read_notebook(path: str | os.PathLike) -> Any:
    """Read the cells of a notebook file (type, source, metadata) without nbformat.

    The replay server reads source notebooks with this: importing nbformat (and its JSON
    schema validator) takes longer than a replay.
    """
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    cells = []
    for cell in data.get("cells", []):
        source = cell.get("source", "")
        cells.append(_Node(cell_type=cell.get("cell_type", ""),
                           source="".join(source) if isinstance(source, list) else source,
                           metadata=cell.get("metadata", {})))
    return _Node(cells=cells)


def _nbgrader(cell: Any) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def python_source(source: str) -> str:
    """A cell's source as Python: IPython's magics become calls of ``get_ipython()``."""
    if not _MAGIC_LINE.search(source):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _Binder(ast.NodeVisitor):
    """Collects the names a statement binds (not those inside functions or classes)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def _add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        self._add(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815
    visit_ClassDef = visit_FunctionDef  # noqa: N815

    def visit_Lambda(self, node: ast.Lambda) -> None:  # noqa: N802
        return

    def visit_comprehension(self, node: ast.comprehension) -> None:
        return  # its variables do not leave the comprehension

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802
        for alias in node.names:
            self._add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        for alias in node.names:
            if alias.name != "*":
                self._add(alias.asname or alias.name)

    def visit_Name(self, node: ast.Name) -> None:  # noqa: N802
        if isinstance(node.ctx, ast.Store):
            self._add(node.id)


def _bound_names(sources: list[str], imports: bool) -> list[str]:
    binder = _Binder()
    for source in sources:
        try:
            tree = ast.parse(python_source(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if imports or not isinstance(node, (ast.Import, ast.ImportFrom)):
                binder.visit(node)
    return binder.names


def student_names(notebook: Any) -> list[str]:
    """The names the source notebook's solution cells define: the graded functions and values.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The source notebook (with solutions).

    Returns
    -------
    list of str
        Top-level ``def``, ``class`` and assignment targets of every solution code cell, in
        order (imports are left out).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("RATE = 0.1\\ndef f(x):\\n    y = x\\n    return y",
    ...                                  metadata={"nbgrader": {"solution": True}})
    >>> student_names(nbformat.v4.new_notebook(cells=[cell]))
    ['RATE', 'f']
    """
    return _bound_names([cell.source for cell in notebook.cells
                         if cell.cell_type == "code" and _nbgrader(cell).get("solution")],
                        imports=False)


def setup_names(notebook: Any) -> list[str]:
    """The names the set-up cells bind (imports included), other than the graded names.

    The set-up cells are the locked cells before the first solution cell. Before each locked
    cell, the recorder puts these names back as the last locked cell left them, random
    generators' states included, so that a student's own cell that reuses ``rng`` or draws from
    it does not change the tests' inputs.
    """
    sources = []
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            break
        if meta.get("locked") and not meta.get("grade"):
            sources.append(cell.source)
    graded = set(student_names(notebook))
    return [name for name in _bound_names(sources, imports=True) if name not in graded]


@dataclass(frozen=True)
class ReplayedCell:
    """A locked code cell of the source notebook, as the replay runs it.

    Attributes
    ----------
    label : str
        Its nbgrader ``grade_id``.
    source : str
        Its source, from the source notebook.
    graded : bool
        Whether it is an autograded test cell.
    hidden : bool
        Whether it holds hidden tests (its source must not be shown to students).
    """

    label: str
    source: str
    graded: bool
    hidden: bool


def replayed_cells(notebook: Any) -> list[ReplayedCell]:
    """The cells the replay runs: the source notebook's locked and test code cells, in order.

    Solution cells (the student's) and cells without nbgrader metadata (which a student may
    edit) are left out.
    """
    cells = []
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or meta.get("solution") or not meta.get("grade_id"):
            continue
        graded = bool(meta.get("grade"))
        if graded or meta.get("locked"):
            cells.append(ReplayedCell(str(meta["grade_id"]), cell.source, graded,
                                      _HIDDEN_MARK in cell.source))
    return cells


# --------------------------------------------------------------------------- running a cell


@dataclass
class CellOutcome:
    """What a replayed cell did.

    Attributes
    ----------
    label : str
        The cell's ``grade_id``.
    graded, hidden : bool
        As in :class:`ReplayedCell`.
    passed : bool
        Whether it ran without an error.
    stdout : str
        What it printed.
    ename, evalue : str
        The error's type and message ("" when it passed).
    line : int or None
        The line of the cell where the error was raised.
    value : str or None
        ``repr`` of the cell's last expression, as IPython would display it.
    seconds : float
        How long it ran.
    """

    label: str
    graded: bool
    hidden: bool
    passed: bool
    stdout: str = ""
    ename: str = ""
    evalue: str = ""
    line: int | None = None
    value: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """As plain data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellOutcome:
        """From :meth:`to_dict`'s plain data."""
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


class _CellTimeout(BaseException):  # noqa: N818
    pass


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_CellTimeout` after ``seconds`` (main thread on POSIX only; else no limit)."""
    if (not seconds or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _CellTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _NoMagics:
    """``get_ipython()`` in the replay: ``%matplotlib`` is ignored, other magics fail."""

    def run_line_magic(self, name: str, line: str, *args: Any, **kwargs: Any) -> None:
        if name != "matplotlib":
            raise NotVerified(f"the grader's replay does not run the magic %{name}")

    def run_cell_magic(self, name: str, *args: Any, **kwargs: Any) -> None:
        raise NotVerified(f"the grader's replay does not run the magic %%{name}")

    def system(self, *args: Any, **kwargs: Any) -> None:
        raise NotVerified("the grader's replay does not run shell commands")

    getoutput = system


def fresh_namespace() -> dict[str, Any]:
    """The globals of a replayed notebook, as a fresh kernel's."""
    return {"__name__": "__main__", "get_ipython": _NoMagics}


def _execute(source: str, filename: str, namespace: dict[str, Any]) -> Any:
    """Run a cell's code; return the value of its last expression (None if it has none)."""
    code = python_source(source)
    tree = ast.parse(code, filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = tree.body.pop()
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 (trusted course code)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)  # noqa: S307


def _error_line(error: BaseException, filename: str) -> int | None:
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return ""


def run_cell(cell: ReplayedCell, namespace: dict[str, Any],
             timeout: float | None) -> CellOutcome:
    """Run ``cell`` in ``namespace`` with what it prints captured; never raises but Ctrl-C.

    An exception raised by a student's function (re-raised by the replay) is reported as
    ``... (raised by your NAME)``.
    """
    filename = f"<cell {cell.label}>"
    stdout = io.StringIO()
    start = time.perf_counter()
    outcome = CellOutcome(cell.label, cell.graded, cell.hidden, passed=True)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()), \
                _time_limit(timeout):
            value = _execute(cell.source, filename, namespace)
        if value is not None:
            outcome.value = repr(value)
    except KeyboardInterrupt:
        raise
    except _CellTimeout:
        outcome.passed = False
        outcome.ename, outcome.evalue = "NotVerified", (
            f"this test ran more than {timeout:g} s in the grader's replay")
    except BaseException as error:  # a failed test, whatever it raised
        outcome.passed = False
        outcome.ename = type(error).__name__
        outcome.evalue = _message(error)
        outcome.line = _error_line(error, filename)
        by = getattr(error, "__dlcourse_raised_by__", None)
        if by:
            outcome.evalue = (f"{outcome.evalue} (raised by your {by})" if outcome.evalue
                              else f"raised by your {by}")
    outcome.stdout = stdout.getvalue()
    outcome.seconds = time.perf_counter() - start
    return outcome


@contextlib.contextmanager
def shared_state_kept() -> Iterator[None]:
    """Leave NumPy's print options, error handling and legacy random state, the warning
    filters and matplotlib's figures as they were; show no warning meanwhile."""
    printing, errors = np.get_printoptions(), np.geterr()
    random_state = np.random.get_state()  # noqa: NPY002 (the legacy global state, kept)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        np.set_printoptions(**printing)
        np.seterr(**errors)
        np.random.set_state(random_state)  # noqa: NPY002
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")
