"""The recorder: what the student's functions returned, written down in the student's kernel.

While nbgrader runs a submission, the grader puts one cell first in the notebook that calls
:func:`start_recording`. From then on, before each of the notebook's locked cells (set-up,
examples, tests; recognised by the hash of their source), every graded name (the functions
the source notebook's solution cells define) is wrapped by a recorder, and after the cell,
everything those functions were given and returned during it is published as plain data
(:mod:`dlcourse.grading.replay_data`) in a display output of type :data:`RECORD_MIME`.

Nothing here is trusted, and nothing needs to be: a student's code can disable the recorder,
patch it or print records of its own. A record is only a *claim* of what the student's
function returned. The trusted grader (:mod:`dlcourse.grading.replay`) reruns the tests on
those claimed values, outside the student's process, and a test passes only if the claimed
values are right for the inputs the trusted test computes.

Only calls made directly by a locked cell's code are recorded (not the calls that a student's
function makes to another), and nothing is recorded while the student's own cells run.

Before each locked cell, the names that the set-up cells bind (``rng``, ``np``, the checking
helpers...) are put back as the last locked cell left them, random generators' states
included: a student's own cell that reuses ``rng``, or draws from it, does not change the
inputs of the tests, which the trusted replay computes without the student's cells.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

import numpy as np

from dlcourse.grading.replay_data import encode

__all__ = ["RECORD_MIME", "RECORD_FORMAT", "Recorder", "cell_key", "start_recording"]

#: The MIME type of the display outputs that carry records.
RECORD_MIME = "application/vnd.dlcourse.replay-record+json"
#: The version of the record format.
RECORD_FORMAT = 1
_MESSAGE_LENGTH = 2000


def cell_key(source: str) -> str:
    """The key of a cell in a recording: the SHA-256 of its source, in hexadecimal."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def _message(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # a student's exception whose __str__ fails
        text = ""
    return text[:_MESSAGE_LENGTH]


class Recorder:
    """Wraps the graded names of a namespace and records their calls, cell by cell.

    Parameters
    ----------
    namespace : dict
        The kernel's user namespace.
    names : iterable of str
        The graded names (the source notebook's solution cells define them).
    cells : mapping of str to list of str
        :func:`cell_key` of each locked cell's source to its label (its nbgrader ``grade_id``);
        to several labels, in order, when several cells have the same source.
    setup : iterable of str
        The names the set-up cells bind, put back before each locked cell.
    publish : callable, optional
        Called with each cell's record (a dict of plain data); by default it is displayed as
        :data:`RECORD_MIME`.
    """

    def __init__(self, namespace: MutableMapping[str, Any], names: Iterable[str],
                 cells: Mapping[str, list[str]], setup: Iterable[str] = (),
                 publish: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.namespace = namespace
        self.names = list(names)
        self.cells = {key: list(labels) for key, labels in cells.items()}
        self.published: set[str] = set()
        self.setup = list(setup)
        self._kept: dict[str, Any] = {}
        self._states: dict[str, Any] = {}
        self.publish = publish or _display
        self.label: str | None = None
        self.state: dict[str, Any] = {}
        self.calls: list[dict[str, Any]] = []
        self.depth = 0
        self.kernel = uuid.uuid4().hex  # a new id when the grader restarts a dead kernel
        self.wrappers: dict[int, str] = {}
        self._alive: list[Callable[..., Any]] = []  # keeps the ids of wrappers unique

    # IPython's events ------------------------------------------------------------------

    def pre_run_cell(self, info: Any = None) -> None:
        """Before a cell: start recording if it is a locked cell, wrapping the graded names."""
        source = getattr(info, "raw_cell", None)
        labels = self.cells.get(cell_key(source), []) if isinstance(source, str) else []
        self.label = next((label for label in labels if label not in self.published),
                          labels[-1] if labels else None)
        if self.label is None:
            return
        self._put_back()
        self.calls = []
        self.state = {name: self._watch(name) for name in self.names}

    def post_run_cell(self, result: Any = None) -> None:
        """After a cell: publish what was recorded during it."""
        if self.label is None:
            return
        record = {"format": RECORD_FORMAT, "label": self.label, "kernel": self.kernel,
                  "state": self.state, "calls": self.calls}
        self.published.add(self.label)
        self.label, self.calls = None, []
        self._keep()
        self.publish(record)

    # the set-up's names ------------------------------------------------------------------

    def _keep(self) -> None:
        self._kept = {name: self.namespace[name] for name in self.setup if name in self.namespace}
        self._states = {name: _random_state(value) for name, value in self._kept.items()
                        if _random_state(value) is not None}

    def _put_back(self) -> None:
        self.namespace.update(self._kept)
        for name, state in self._states.items():
            _set_random_state(self._kept[name], state)

    # wrapping ----------------------------------------------------------------------------

    def _watch(self, name: str) -> dict[str, Any]:
        if name not in self.namespace:
            return {"kind": "undefined"}
        value = self.namespace[name]
        if self.wrappers.get(id(value)) == name:
            return {"kind": "function"}
        if callable(value):
            self.namespace[name] = self._wrap(name, value)
            return {"kind": "function"}
        return {"kind": "value", "value": self._encode(value)}

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        recorder = self

        def recorded(*args: Any, **kwargs: Any) -> Any:
            if recorder.depth or recorder.label is None:
                return function(*args, **kwargs)
            recorder.depth += 1
            try:
                return recorder._call(name, function, args, kwargs)
            finally:
                recorder.depth -= 1

        try:
            functools.update_wrapper(recorded, function)
        except (AttributeError, TypeError):  # a callable object without a name
            recorded.__name__ = recorded.__qualname__ = name
        self.wrappers[id(recorded)] = name
        self._alive.append(recorded)
        return recorded

    def _call(self, name: str, function: Callable[..., Any], args: tuple,
              kwargs: dict[str, Any]) -> Any:
        given = [self._encode(arg, summarize=True) for arg in args]
        given_kw = {key: self._encode(value, summarize=True)
                    for key, value in kwargs.items()}
        call: dict[str, Any] = {"name": name, "args": given, "kwargs": given_kw}
        self.calls.append(call)
        try:
            result = function(*args, **kwargs)
        except BaseException as error:
            call["raised"] = {"type": type(error).__name__, "message": _message(error)}
            self._changes(call, args, kwargs)
            raise
        call["result"] = self._encode(result)
        self._changes(call, args, kwargs)
        return result

    def _encode(self, value: Any, summarize: bool = False) -> Any:
        """Encode ``value``; an object that fails to encode (its own code raised) is unsupported."""
        try:
            return encode(value, functions=self.wrappers, summarize=summarize)
        except Exception as error:
            return {"unsupported": f"{type(value).__name__} ({type(error).__name__})"}

    def _changes(self, call: dict[str, Any], args: tuple, kwargs: dict[str, Any]) -> None:
        """Record the arguments that the call changed in place, in full."""
        changed: dict[str, dict[str, Any]] = {"args": {}, "kwargs": {}}
        for index, arg in enumerate(args):
            if self._encode(arg, summarize=True) != call["args"][index]:
                changed["args"][str(index)] = self._encode(arg)
        for key, value in kwargs.items():
            if self._encode(value, summarize=True) != call["kwargs"][key]:
                changed["kwargs"][key] = self._encode(value)
        if changed["args"] or changed["kwargs"]:
            call["after"] = changed


def _random_state(value: Any) -> Any:
    if type(value) is np.random.Generator:
        return copy.deepcopy(value.bit_generator.state)
    if type(value) is np.random.RandomState:
        return value.get_state()
    return None


def _set_random_state(value: Any, state: Any) -> None:
    if type(value) is np.random.Generator:
        value.bit_generator.state = copy.deepcopy(state)
    else:
        value.set_state(state)


def _display(record: dict[str, Any]) -> None:
    from IPython.display import publish_display_data

    publish_display_data({RECORD_MIME: record})


def start_recording(names: Iterable[str], cells: Mapping[str, list[str]],
                    setup: Iterable[str] = ()) -> None:
    """Record the graded functions' calls in every later locked cell of this IPython kernel.

    Parameters
    ----------
    names : iterable of str
        The graded names.
    cells : mapping of str to list of str
        :func:`cell_key` of each locked cell's source to its labels.
    setup : iterable of str
        The names the set-up cells bind.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("the grader's recorder runs in an IPython kernel")
    recorder = Recorder(shell.user_ns, names, cells, setup)
    shell.events.register("pre_run_cell", recorder.pre_run_cell)
    shell.events.register("post_run_cell", recorder.post_run_cell)
