"""Reading the records a student's kernel published: checked, never trusted.

A record (see :mod:`dlcourse.grading.replay_record`) is a dict of plain data for one locked
cell: its label, an id of the kernel that ran it, the state of each graded name before the cell
(undefined, a function, or a value), and the calls of graded functions during the cell. It may
be forged, truncated or repeated; :func:`parse_records` keeps what has the right form and counts
the rest. Values inside stay encoded until the replay needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlcourse.grading.replay_record import RECORD_FORMAT

__all__ = ["Call", "CellRecord", "parse_records"]

#: Most calls read from one notebook's records.
MAX_CALLS = 200_000


@dataclass
class Call:
    """One recorded call of a graded function.

    Attributes
    ----------
    name : str
        The graded name it was called by.
    args, kwargs
        Its encoded arguments, as given (large arrays summarised).
    result
        Its encoded result (when it returned).
    raised : dict or None
        ``{"type", "message"}`` of the exception it raised, if it did.
    after : dict
        ``{"args": {index: value}, "kwargs": {name: value}}``: arguments it changed in place,
        encoded in full after the call.
    used : bool
        Whether the replay has answered a call with it.
    """

    name: str
    args: list[Any]
    kwargs: dict[str, Any]
    result: Any = None
    raised: dict[str, str] | None = None
    after: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: bool = False


@dataclass
class CellRecord:
    """What a kernel recorded for one cell.

    Attributes
    ----------
    kernel : str or None
        The id of the kernel that ran the cell (a new one after the kernel died and restarted).
    state : dict
        The state of each graded name before the cell, by name.
    calls : list of Call
        The calls, in order.
    """

    kernel: str | None = None
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)


def _call(data: Any) -> Call | None:
    if not isinstance(data, dict):
        return None
    name, args, kwargs = data.get("name"), data.get("args"), data.get("kwargs")
    if not (isinstance(name, str) and isinstance(args, list) and isinstance(kwargs, dict)
            and all(isinstance(key, str) for key in kwargs)):
        return None
    raised = data.get("raised")
    if raised is not None:
        if not (isinstance(raised, dict) and isinstance(raised.get("type"), str)
                and isinstance(raised.get("message", ""), str)):
            return None
    elif "result" not in data:
        return None
    after = data.get("after", {})
    if not (isinstance(after, dict) and set(after) <= {"args", "kwargs"}
            and all(isinstance(part, dict) for part in after.values())):
        return None
    return Call(name, args, kwargs, data.get("result"), raised, after)


def _is_record(payload: Any) -> bool:
    return (isinstance(payload, dict) and payload.get("format") == RECORD_FORMAT
            and isinstance(payload.get("label"), str) and isinstance(payload.get("state"), dict)
            and isinstance(payload.get("calls"), list)
            and isinstance(payload.get("kernel", ""), str))


def parse_records(payloads: list[Any]) -> tuple[dict[str, CellRecord], int]:
    """Read a kernel's records (possibly forged) into one record per cell label.

    Parameters
    ----------
    payloads : list
        The data of each record output, in the order of the notebook.

    Returns
    -------
    records : dict of str to CellRecord
        By label: the calls of all its records, in order; the kernel id and the state of the
        last one (the recorder publishes after everything else in its cell).
    ignored : int
        How many records and calls were malformed, and left out.
    """
    records: dict[str, CellRecord] = {}
    ignored = 0
    count = 0
    for payload in payloads:
        if not _is_record(payload):
            ignored += 1
            continue
        record = records.setdefault(payload["label"], CellRecord())
        record.kernel = payload.get("kernel")
        record.state = {name: state for name, state in payload["state"].items()
                        if isinstance(name, str) and isinstance(state, dict)}
        for data in payload["calls"]:
            call = _call(data)
            count += 1
            if call is None or count > MAX_CALLS:
                ignored += 1
                continue
            record.calls.append(call)
    return records, ignored
