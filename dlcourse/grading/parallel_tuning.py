"""Speed-ups for grading workers that change no result, only time.

Measured on unit 01, each costs stock nbgrader about a third of a second per submission:

- nbgrader checks its own JSON schema again for every cell's metadata
  (``jsonschema.validate`` calls ``check_schema`` each time): :func:`cache_schema_checks`
  checks each schema once and validates every cell as before, raising the same errors;
- SQLite waits for the disk at every commit: a worker's gradebook is a scratch copy, thrown
  away after grading, so :func:`skip_disk_sync_for` lets it skip the wait
  (``PRAGMA synchronous = OFF``). The course's own gradebook is written by the parent
  process, with SQLite's usual durability;
- nbgrader opens the gradebook about ten times per submission, each time with a new
  SQLAlchemy engine, whose cache of compiled statements starts empty:
  :func:`reuse_gradebook_engines` gives every opening of the same database one engine
  (closing the gradebook still closes its connections).

Both act only in the worker process that calls them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = ["cache_schema_checks", "reuse_gradebook_engines", "skip_disk_sync_for"]


class _CachedValidation:
    """``jsonschema.validate`` with each distinct schema checked and compiled once."""

    def __init__(self) -> None:
        self._validators: dict[str, Any] = {}

    def validate(self, instance: Any, schema: dict) -> None:
        import jsonschema

        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


def cache_schema_checks() -> None:
    """Make nbgrader's cell-metadata validation check its schema once per process."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, SimpleNamespace):
        common.jsonschema = SimpleNamespace(validate=_CachedValidation().validate)


def skip_disk_sync_for(folder: str | os.PathLike) -> None:
    """Let SQLite databases inside ``folder`` commit without waiting for the disk.

    Parameters
    ----------
    folder : str or path-like
        A scratch folder whose databases are thrown away after use.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    scratch = Path(folder).resolve()

    @event.listens_for(Engine, "connect")
    def _no_sync(connection, _record) -> None:
        try:
            rows = connection.execute("PRAGMA database_list").fetchall()
        except Exception:  # not SQLite
            return
        files = [Path(row[2]).resolve() for row in rows if row[2]]
        if files and all(scratch in path.parents for path in files):
            connection.execute("PRAGMA synchronous = OFF")


def reuse_gradebook_engines() -> None:
    """Make ``nbgrader.api.Gradebook`` use one SQLAlchemy engine per database URL."""
    from nbgrader import api
    from sqlalchemy import create_engine

    if getattr(api.create_engine, "reuses_engines", False):
        return
    engines: dict[tuple, Any] = {}

    def shared_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, **kwargs)
        return engines[key]

    shared_engine.reuses_engines = True
    api.create_engine = shared_engine
