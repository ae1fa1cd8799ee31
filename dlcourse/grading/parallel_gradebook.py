"""Move one student's autograde results from a worker's scratch gradebook to the course's.

Parallel grading never lets two processes write the course's gradebook (SQLite serialises
writers and fails with "database is locked" under contention). Each worker grades in a private
copy of the gradebook, made when it starts, with stock nbgrader; when a submission is done,
:func:`read_submission` takes everything autograding can change for that student (the
submission's timestamp; each notebook's flag and late penalty; each grade's automatic and
manual scores, extra credit and review flag; each comment) into plain data, and the parent
process, the only writer, stores it with :func:`write_submission`. The course's gradebook
then holds what sequential ``nbgrader autograde`` would have written.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

__all__ = [
    "copy_gradebook",
    "read_submission",
    "sqlite_path",
    "write_submission",
    "write_zero_submission",
]

_GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")
_COMMENT_FIELDS = ("auto_comment", "manual_comment")
_NOTEBOOK_FIELDS = ("flagged", "late_submission_penalty")


def sqlite_path(db_url: str) -> Path:
    """Return the file of a ``sqlite:///PATH`` URL; raise ``ValueError`` for other databases."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        raise ValueError(f"parallel grading needs an SQLite gradebook (sqlite:///...), "
                         f"got {db_url!r}")
    return Path(db_url[len(prefix):])


def copy_gradebook(db_url: str, destination: str | os.PathLike) -> str:
    """Copy an SQLite gradebook consistently (even while it is open) and return the copy's URL."""
    source = sqlite3.connect(f"file:{sqlite_path(db_url)}?mode=ro", uri=True)
    target = sqlite3.connect(os.fspath(destination))
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{os.fspath(destination)}"


def read_submission(db_url: str, assignment: str, student: str,
                    course_id: str = "default_course") -> dict[str, Any]:
    """Return what autograding wrote for one student's submission, as plain data.

    Parameters
    ----------
    db_url : str
        The gradebook to read (a worker's scratch copy).
    assignment, student : str
        The submission.
    course_id : str
        nbgrader's course id.

    Returns
    -------
    dict
        ``{"timestamp": datetime | None, "notebooks": {name: {"flagged", "late_submission_penalty",
        "grades": {cell: {field: value}}, "comments": {cell: {field: value}}}}}``.
    """
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        notebooks = {}
        for notebook in submission.notebooks:
            record = {name: getattr(notebook, name) for name in _NOTEBOOK_FIELDS}
            record["grades"] = {grade.name: {name: getattr(grade, name) for name in _GRADE_FIELDS}
                                for grade in notebook.grades}
            record["comments"] = {comment.name: {name: getattr(comment, name)
                                                 for name in _COMMENT_FIELDS}
                                  for comment in notebook.comments}
            notebooks[notebook.name] = record
        return {"timestamp": submission.timestamp, "notebooks": notebooks}


def write_submission(gradebook, assignment: str, student: str, record: dict[str, Any]) -> None:
    """Store a record of :func:`read_submission` in an open ``nbgrader.api.Gradebook``.

    The student and the submission are created when missing, as ``nbgrader autograde`` does.
    """
    gradebook.update_or_create_student(student)
    if record["timestamp"] is not None:
        submission = gradebook.update_or_create_submission(
            assignment, student, timestamp=record["timestamp"])
    else:
        submission = gradebook.update_or_create_submission(assignment, student)
    by_name = {notebook.name: notebook for notebook in submission.notebooks}
    for name, values in record["notebooks"].items():
        notebook = by_name[name]
        for field in _NOTEBOOK_FIELDS:
            setattr(notebook, field, values[field])
        grades = {grade.name: grade for grade in notebook.grades}
        for cell, fields in values["grades"].items():
            for field, value in fields.items():
                setattr(grades[cell], field, value)
        comments = {comment.name: comment for comment in notebook.comments}
        for cell, fields in values["comments"].items():
            for field, value in fields.items():
                setattr(comments[cell], field, value)
    gradebook.db.commit()


def write_zero_submission(gradebook, assignment: str, student: str,
                          timestamp: str | None = None) -> None:
    """Record a submission with nothing to grade: every test scores 0, as nbgrader does for a
    missing notebook (``auto_score = 0``, no manual grading needed)."""
    gradebook.update_or_create_student(student)
    if timestamp:
        submission = gradebook.update_or_create_submission(assignment, student,
                                                           timestamp=timestamp)
    else:
        submission = gradebook.update_or_create_submission(assignment, student)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
    gradebook.db.commit()
