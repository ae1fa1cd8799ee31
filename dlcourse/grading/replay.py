"""The trusted replay: a notebook's tests rerun on what the student's functions returned.

After nbgrader has run a submission, nothing its kernel says can be trusted: a student's code
may have patched NumPy, the checking helpers or the built-ins, rewritten the test cells or
swallowed their errors. So the verdict of each test is not read from the kernel. Instead, the
locked cells of the *source* notebook (set-up, examples and tests, as in ``solutions/``) run
again here, in order, with real NumPy and the course's real helpers; every name the source's
solution cells define (the graded functions) is replaced by a stand-in that

- looks, among the calls the student's kernel recorded in this cell
  (:mod:`dlcourse.grading.replay_record`), for one with the arguments the trusted test gives
  (floating-point values within 1e-9);
- applies the changes that call made to its arguments, if any;
- returns a fresh copy of the recorded result, decoded from plain data
  (:mod:`dlcourse.grading.replay_data`), or raises the recorded exception.

Expected values are computed here, by trusted code, and compared here. A record is only a
claim; a missing, malformed or mismatched record fails the test with a message that says so
(:class:`~dlcourse.grading.replay_cells.NotVerified`, which ``except Exception`` does not
catch). To pass, a claim must be right for the inputs the trusted test computes: the student
has to produce the correct outputs.

When the student's kernel died and the grader restarted it (a new kernel id in the records),
the replay does as the grader did: a fresh namespace, the cells that had run before run again
quietly, then on.

:func:`replay_notebook` runs in the process that calls it; :mod:`dlcourse.grading.replay_server`
runs it in a disposable process per submission, and :mod:`dlcourse.grading.verify` puts the
verdicts into nbgrader's notebook.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dlcourse.grading.replay_cells import (
    CellOutcome,
    NotVerified,
    ReplayedCell,
    fresh_namespace,
    replayed_cells,
    run_cell,
    shared_state_kept,
    student_names,
)
from dlcourse.grading.replay_data import (
    MalformedValue,
    NotDecodable,
    builtin_exception,
    decode,
    describe,
    encode,
    same,
)
from dlcourse.grading.replay_records import Call, CellRecord, parse_records

__all__ = ["dry_run", "replay_notebook"]

#: Kernel restarts the replay follows; a notebook whose records claim more fails the rest.
MAX_RESTARTS = 5
_HINT = ("did your code change a variable the tests use (such as rng), patch a library, or "
         "stop this test early?")


class _Unreadable:
    """Stands for a graded value the grader could not read: any use fails the test."""

    def __init__(self, name: str, why: str) -> None:
        self._message = f"{name} cannot be checked: {why}"

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise NotVerified(self._message)

    __getattr__ = __call__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _fail
    __bool__ = __len__ = __iter__ = __getitem__ = __contains__ = __hash__ = _fail
    __float__ = __int__ = __index__ = __array__ = __neg__ = __abs__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _fail

    def __repr__(self) -> str:
        return f"<{self._message}>"


def _apply(target: Any, value: Any) -> None:
    """Change ``target`` in place to ``value`` (what a student's function did to an argument)."""
    if isinstance(target, np.ndarray):
        if not (isinstance(value, np.ndarray) and value.shape == target.shape):
            raise NotVerified("the record of an argument changed in place has another shape")
        if target.flags.writeable:
            np.copyto(target, value, casting="unsafe")
    elif isinstance(target, list) and isinstance(value, list):
        target[:] = value
    elif isinstance(target, dict) and isinstance(value, dict):
        for key in [key for key in target if key not in value]:
            del target[key]
        for key, item in value.items():
            old = target.get(key)
            if (isinstance(old, np.ndarray) and isinstance(item, np.ndarray)
                    and old.shape == item.shape and old.flags.writeable):
                np.copyto(old, item, casting="unsafe")
            else:
                target[key] = item
    elif isinstance(target, set) and isinstance(value, set):
        target.clear()
        target.update(value)


class _StandIns:
    """The stand-ins of the graded functions, and the records they answer from."""

    def __init__(self, records: dict[str, CellRecord], names: list[str]) -> None:
        self.records = records
        self.label = ""
        self.functions = {name: self._stand_in(name) for name in names}
        self.ids = {id(function): name for name, function in self.functions.items()}

    def _stand_in(self, name: str) -> Callable[..., Any]:
        def stand_in(*args: Any, **kwargs: Any) -> Any:
            return self.answer(name, args, kwargs)

        stand_in.__name__ = stand_in.__qualname__ = name
        stand_in.__module__ = "__main__"
        stand_in.__doc__ = f"The grader's stand-in for {name}: returns what the student's did."
        return stand_in

    def bind(self, namespace: dict[str, Any], label: str) -> CellRecord | None:
        """Bind the graded names for cell ``label`` as the kernel had them; return its record."""
        self.label = label
        record = self.records.get(label)
        for name, function in self.functions.items():
            state = record.state.get(name, {}) if record else {"kind": "function"}
            kind = state.get("kind")
            if kind == "function":
                namespace[name] = function
            elif kind == "value":
                try:
                    namespace[name] = decode(state.get("value"), functions=self.functions)
                except (MalformedValue, NotDecodable) as error:
                    namespace[name] = _Unreadable(name, f"it is {error}")
            else:
                namespace.pop(name, None)
        return record

    def answer(self, name: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        """Answer a call of a graded function from the current cell's records."""
        given = [encode(arg, functions=self.ids, summarize=True) for arg in args]
        given_kw = {key: encode(value, functions=self.ids, summarize=True)
                    for key, value in kwargs.items()}
        record = self.records.get(self.label)
        calls = [call for call in (record.calls if record else []) if call.name == name]
        for call in calls:
            if not call.used and _matches(call, given, given_kw):
                call.used = True
                return self._outcome(call, args, kwargs)
        shown = ", ".join([describe(arg, 30) for arg in given]
                          + [f"{key}={describe(value, 30)}" for key, value in given_kw.items()])
        if record is None:
            why = "this cell did not run in your notebook (the kernel stopped, or it was skipped)"
        elif not calls:
            why = f"your notebook's run of this cell made no call of {name}: {_HINT}"
        else:
            why = (f"your notebook's run of this cell called {name} {len(calls)} time(s), but "
                   f"never with these inputs: {_HINT}")
        raise NotVerified(f"{name}({shown}) cannot be checked: {why}")

    def _outcome(self, call: Call, args: tuple, kwargs: dict[str, Any]) -> Any:
        try:
            for index, data in call.after.get("args", {}).items():
                if index.isdigit() and int(index) < len(args):
                    _apply(args[int(index)], decode(data, functions=self.functions))
            for key, data in call.after.get("kwargs", {}).items():
                if key in kwargs:
                    _apply(kwargs[key], decode(data, functions=self.functions))
            if call.raised is not None:
                raise _exception(call)
            return decode(call.result, functions=self.functions)
        except NotDecodable as error:
            raise NotVerified(
                f"{call.name} returned {error}, which the grader cannot check: return numbers, "
                "arrays, strings, or lists, tuples and dicts of them") from None
        except MalformedValue as error:
            raise NotVerified(f"the record of {call.name}'s result is unreadable ({error})") \
                from None


def _matches(call: Call, given: list[Any], given_kw: dict[str, Any]) -> bool:
    return (len(call.args) == len(given) and set(call.kwargs) == set(given_kw)
            and all(same(a, b) for a, b in zip(call.args, given, strict=True))
            and all(same(call.kwargs[key], given_kw[key]) for key in given_kw))


def _exception(call: Call) -> BaseException:
    """The exception a recorded call raised: the built-in one of that name, else NotVerified."""
    kind, message = call.raised["type"], call.raised.get("message", "")
    found = builtin_exception(kind)
    error: BaseException
    try:
        error = found(message) if message else found()  # type: ignore[misc]
    except Exception:  # None, or an exception that needs other arguments
        error = NotVerified(f"{call.name} raised {kind[:80]}: {message}")
    error.__dlcourse_raised_by__ = call.name  # type: ignore[attr-defined]
    return error


def _not_run(cell: ReplayedCell, why: str) -> CellOutcome:
    return CellOutcome(cell.label, cell.graded, cell.hidden, passed=False, ename="NotVerified",
                       evalue=why)


def replay_notebook(
    notebook: Any,
    payloads: list[Any],
    *,
    timeout: float | None = 120,
    on_outcome: Callable[[CellOutcome], None] | None = None,
) -> list[CellOutcome]:
    """Rerun the source notebook's locked cells on a kernel's records, in this process.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The source notebook (``solutions/``): its locked cells run, its solution cells never.
    payloads : list
        The records the student's kernel published (see
        :func:`~dlcourse.grading.replay_records.parse_records`).
    timeout : float or None
        Most seconds per cell (enforced in the main thread on POSIX).
    on_outcome : callable, optional
        Called with each cell's outcome as soon as it is known.

    Returns
    -------
    list of CellOutcome
        One per replayed cell, in order. A test cell for which the kernel recorded nothing
        fails without running.
    """
    records, _ = parse_records(payloads)
    stand_ins = _StandIns(records, student_names(notebook))
    namespace = fresh_namespace()
    kernel: str | None = None
    ran: list[ReplayedCell] = []
    restarts = 0
    outcomes = []
    with shared_state_kept():
        for cell in replayed_cells(notebook):
            record = records.get(cell.label)
            if record is not None and kernel is not None and record.kernel != kernel:
                restarts += 1
                namespace = fresh_namespace()
                if restarts <= MAX_RESTARTS:
                    _run_again(ran, stand_ins, namespace, timeout)
            kernel = record.kernel if record is not None else kernel
            if restarts > MAX_RESTARTS:
                outcome = _not_run(cell, f"your notebook's records claim more than "
                                         f"{MAX_RESTARTS} kernel restarts")
            elif stand_ins.bind(namespace, cell.label) is None and cell.graded:
                outcome = _not_run(cell, "this test did not run in your notebook (the kernel "
                                         "stopped, or the cell was skipped), so the grader has "
                                         "nothing to check")
            else:
                outcome = run_cell(cell, namespace, timeout)
            if record is not None:
                ran.append(cell)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


def _run_again(ran: list[ReplayedCell], stand_ins: _StandIns, namespace: dict[str, Any],
               timeout: float | None) -> None:
    """After a kernel restart: run the cells that had run again, quietly, as the grader did."""
    for cell in ran:
        record = stand_ins.bind(namespace, cell.label)
        for call in record.calls if record else []:
            call.used = False
        run_cell(cell, namespace, timeout)


def dry_run(notebook: Any, *, timeout: float | None = 120) -> float:
    """Run every code cell of the source notebook, solutions included, and forget the results.

    The replay server does this once per source notebook, before its first replay, so that
    what the tests import and compile (NumPy, numba's loops) is ready in every replay it forks.

    Returns
    -------
    float
        The seconds it took.
    """
    start = time.perf_counter()
    namespace = fresh_namespace()
    with shared_state_kept():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                run_cell(ReplayedCell(f"dry-run-{index}", cell.source, False, False), namespace,
                         timeout)
    return time.perf_counter() - start
