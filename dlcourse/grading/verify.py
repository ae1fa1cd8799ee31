"""nbgrader preprocessors that make every test's verdict independent of the student's kernel.

Stock nbgrader gives a test cell its points when the student's kernel ran it without an error
output. A student's code runs in that kernel first, so it can make any test pass: replace
``np.allclose`` or the course's checking helpers, return objects that lie about ``==``, rewrite
the test cells through an IPython input transformer, hide the errors, or kill the kernel so that
later cells never run. The course grades differently, with two preprocessors around nbgrader's
``Execute`` (``grader/nbgrader_config.py`` puts them there with :func:`with_replay`):

:class:`RecordCalls`, before ``Execute``
    inserts a first cell that starts the recorder (:mod:`dlcourse.grading.replay_record`): in
    each locked cell, what the graded functions (those the source notebook's solution cells
    define) are given and return is published as plain data.
:class:`VerifyByReplay`, after ``Execute``
    takes the records out of the notebook (and the inserted cell), reruns the source
    notebook's set-up, example and test cells outside the student's process on the recorded
    values (:mod:`dlcourse.grading.replay`, in a disposable process of
    :mod:`dlcourse.grading.replay_server`) and sets each test cell's outputs from that trusted
    run: the trusted error message where it fails (for hidden tests, the message only), what
    it printed where it passes. ``SaveAutoGrades`` then scores the cells as usual.

The test cells need no special care: they run as written, with real NumPy and the course's
real helpers; only the graded functions are replaced by the values the student's kernel
recorded, and a test passes only if those values are right.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float

from dlcourse.grading.replay_cells import (
    CellOutcome,
    replayed_cells,
    setup_names,
    student_names,
)
from dlcourse.grading.replay_record import RECORD_MIME, cell_key
from dlcourse.grading.replay_server import shared_server

__all__ = ["RecordCalls", "VerifyByReplay", "with_replay"]

_MARK = "dlcourse_recorder"
_RECORD_OUTPUTS = ("display_data", "execute_result", "update_display_data")
_MAX_RECORD_TEXT = 64 * 2**20


def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _is_test_cell(cell: NotebookNode) -> bool:
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


_sources: dict[str, tuple[float, NotebookNode]] = {}


def source_notebook(preprocessor: NbGraderPreprocessor, resources: ResourcesDict) -> str:
    """The path of the source notebook (in ``solutions/``) of the notebook being graded."""
    coursedir = CourseDirectory(parent=preprocessor)
    assignment = resources["nbgrader"]["assignment"]
    notebook = resources["nbgrader"]["notebook"]
    folder = coursedir.format_path(coursedir.source_directory, ".", assignment)
    path = os.path.join(folder, f"{notebook}.ipynb")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"the source notebook {path!r} of {assignment}/{notebook} is "
                                "missing: the grader verifies every test against it")
    return path


def _read(path: str) -> NotebookNode:
    stamp = os.stat(path).st_mtime
    cached = _sources.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, nbformat.read(path, as_version=4))
        _sources[path] = cached
    return cached[1]


class RecordCalls(NbGraderPreprocessor):
    """Insert, as the first cell, the recorder of the graded functions' calls.

    It runs before nbgrader's ``Execute``; :class:`VerifyByReplay` removes the cell again.
    """

    def preprocess(self, nb: NotebookNode,
                   resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """Insert the recorder cell."""
        source = _read(source_notebook(self, resources))
        labels = {cell.label for cell in replayed_cells(source)}
        cells: dict[str, list[str]] = {}
        for cell in nb.cells:
            grade_id = _nbgrader(cell).get("grade_id")
            if cell.cell_type == "code" and grade_id in labels:
                cells.setdefault(cell_key(cell.source), []).append(grade_id)
        code = ("# Inserted by the course's grader, removed after grading: it records what "
                "your functions return.\n"
                "__import__('dlcourse.grading.replay_record', fromlist=['start_recording'])"
                f".start_recording(\n    {student_names(source)!r},\n    {cells!r},\n"
                f"    {setup_names(source)!r})\n")
        recorder = nbformat.v4.new_code_cell(code, metadata={_MARK: True})
        nb.cells.insert(0, recorder)
        return nb, resources


def _record_payload(data: Any) -> Any:
    if isinstance(data, str) and len(data) <= _MAX_RECORD_TEXT:
        try:
            return json.loads(data)
        except ValueError:
            return None
    return data


def take_records(nb: NotebookNode) -> list[Any]:
    """Remove the recorder cell and every record output from ``nb``; return the records."""
    payloads = []
    kept = []
    for cell in nb.cells:
        if cell.get("metadata", {}).get(_MARK):
            continue
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if output.get("output_type") in _RECORD_OUTPUTS and RECORD_MIME in data:
                    payloads.append(_record_payload(data[RECORD_MIME]))
                else:
                    outputs.append(output)
            cell.outputs = outputs
        kept.append(cell)
    nb.cells = kept
    return payloads


def _line_of(source: str, line: int | None) -> str:
    lines = source.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return ""
    return lines[line - 1].strip()


def trusted_outputs(outcome: CellOutcome | None, source: str, execution_count: int | None,
                    why_missing: str) -> list[NotebookNode]:
    """The outputs a test cell gets from its replay: what it printed, or its error.

    A hidden test that fails shows its message only: neither its source nor what it printed.
    """
    if outcome is None:
        return [nbformat.v4.new_output("error", ename="NotVerified", evalue=why_missing,
                                       traceback=[f"NotVerified: {why_missing}"])]
    outputs = []
    if outcome.stdout and (outcome.passed or not outcome.hidden):
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=outcome.stdout))
    if outcome.passed:
        if outcome.value is not None:
            outputs.append(nbformat.v4.new_output(
                "execute_result", data={"text/plain": outcome.value},
                execution_count=execution_count))
        return outputs
    message = f"{outcome.ename}: {outcome.evalue}" if outcome.evalue else outcome.ename
    traceback = [message]
    shown = "" if outcome.hidden else _line_of(source, outcome.line)
    if shown:
        traceback.append(f"(line {outcome.line} of the test: {shown})")
    outputs.append(nbformat.v4.new_output("error", ename=outcome.ename, evalue=outcome.evalue,
                                          traceback=traceback))
    return outputs


class VerifyByReplay(NbGraderPreprocessor):
    """Set every test cell's outputs from a trusted replay of the source notebook's tests."""

    timeout = Float(
        120, allow_none=True,
        help="Most seconds a cell may run in the replay (None: no limit).").tag(config=True)
    warm_up = Bool(
        True,
        help="Run each source notebook once in the replay server before its first replay, so "
             "that what its tests import and compile is ready for every submission.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode,
                   resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """Take the records out, replay, and set the test cells' outputs."""
        path = source_notebook(self, resources)
        source = _read(path)
        payloads = take_records(nb)
        start = time.perf_counter()
        outcomes, stopped = shared_server().replay(path, payloads, timeout=self.timeout,
                                                   warm_up=self.warm_up)
        by_label = {outcome.label: outcome for outcome in outcomes}
        sources = {cell.label: cell.source for cell in replayed_cells(source)}
        why_missing = stopped or "this test is not in the course's source notebook"
        passed = 0
        for cell in nb.cells:
            if not _is_test_cell(cell):
                continue
            grade_id = _nbgrader(cell).get("grade_id")
            outcome = by_label.get(grade_id)
            if outcome is not None and not outcome.graded:
                outcome = None
            cell.outputs = trusted_outputs(outcome, sources.get(grade_id, ""),
                                           cell.get("execution_count"), why_missing)
            passed += bool(outcome and outcome.passed)
        self.log.info("Verified %s: %d record(s), %d of %d test cell(s) passed the replay "
                      "(%.2f s)", resources["nbgrader"].get("student", "?"), len(payloads),
                      passed, sum(map(_is_test_cell, nb.cells)), time.perf_counter() - start)
        return nb, resources


def _is_execute(preprocessor: Any) -> bool:
    from nbconvert.preprocessors import ExecutePreprocessor
    from traitlets.utils.importstring import import_item

    if isinstance(preprocessor, str):
        preprocessor = import_item(preprocessor)
    return isinstance(preprocessor, type) and issubclass(preprocessor, ExecutePreprocessor)


def with_replay(preprocessors: Any = None) -> list[Any]:
    """nbgrader's autograde preprocessors with :class:`RecordCalls` and :class:`VerifyByReplay`
    around the first ``Execute``.

    Parameters
    ----------
    preprocessors : list or traitlets LazyConfigValue, optional
        The configured ``Autograde.autograde_preprocessors``; nbgrader's default when None or
        not configured yet.

    Returns
    -------
    list
        The same list, the two preprocessors inserted (once) around the execution.

    Examples
    --------
    In ``nbgrader_config.py``, after any other change to the list::

        c.Autograde.autograde_preprocessors = with_replay(c.Autograde.autograde_preprocessors)
    """
    from nbgrader.converters import Autograde
    from traitlets.config import LazyConfigValue

    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    if preprocessors is None:
        preprocessors = default
    elif isinstance(preprocessors, LazyConfigValue):
        preprocessors = preprocessors.get_value(default)
    items = [p for p in preprocessors if p not in (RecordCalls, VerifyByReplay)]
    executes = [index for index, item in enumerate(items) if _is_execute(item)]
    if not executes:
        raise ValueError("the autograde preprocessors have no Execute: nothing to verify")
    items.insert(executes[0] + 1, VerifyByReplay)
    items.insert(executes[0], RecordCalls)
    return items
