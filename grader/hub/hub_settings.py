"""Settings of the course's JupyterHub, read from the environment, and the class roster.

``jupyterhub_config.py`` and ``launch.py`` both read their settings here, so the defaults live
in one place. Every setting is an environment variable:

- ``DLCOURSE_HUB_IP``, ``DLCOURSE_HUB_PORT``: where the hub listens (127.0.0.1, 8000);
- ``DLCOURSE_HUB_API_PORT``, ``DLCOURSE_PROXY_API_PORT``: the hub's own port behind the proxy
  and the proxy's API port, both on 127.0.0.1 (8081, 8001);
- ``DLCOURSE_HUB_STATE``: the folder of the hub's database, cookie secret, the nbgrader exchange
  and the users' home folders (``state/`` beside this file);
- ``DLCOURSE_HUB_CLASS``: the class roster, a JSON file read by :func:`read_class`
  (``demo_class.json`` beside this file);
- ``DLCOURSE_COURSE_ROOT``: the course the instructors grade, with its ``grader/`` folder
  (the course this file belongs to);
- ``DLCOURSE_HUB_DB_URL``: the hub's own database as an SQLAlchemy URL (SQLite in the state
  folder); the gradebook's is ``CourseDirectory.db_url`` in ``grader/nbgrader_config.py``;
- ``DLCOURSE_HUB_PASSWORD``: the shared password of the demo login (generated once and kept in
  the state folder);
- ``DLCOURSE_HUB_OPERATOR_TOKEN``: when set, an API token of an admin service named
  ``course-operator``, for scripts and tests that drive the hub.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
COURSE_ROOT = HUB_DIR.parent.parent
PROXY_COMMAND = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
# Hub user names become nbgrader student ids and file names in the exchange:
# no '+' (nbgrader's separator), no '*', no '/'.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


@dataclass(frozen=True)
class CourseClass:
    """Who is in a course: instructors grade, students fetch and submit, visitors see nothing.

    Attributes
    ----------
    course_id : str
        nbgrader's course id; it must equal ``CourseDirectory.course_id`` of the course.
    instructors, students, visitors : tuple of str
        Hub user names. Instructors join ``formgrade-<course_id>``, students
        ``nbgrader-<course_id>``; visitors may log in but belong to no course group.
    """

    course_id: str
    instructors: tuple[str, ...]
    students: tuple[str, ...]
    visitors: tuple[str, ...] = field(default=())

    @property
    def student_group(self) -> str:
        return f"nbgrader-{self.course_id}"

    @property
    def instructor_group(self) -> str:
        return f"formgrade-{self.course_id}"

    @property
    def users(self) -> tuple[str, ...]:
        return self.instructors + self.students + self.visitors


def read_class(path: Path) -> CourseClass:
    """Read a class roster: a JSON object with ``course_id``, ``instructors``, ``students``
    and optionally ``visitors`` (lists of hub user names).

    Raises
    ------
    ValueError
        With a message naming the file and what is wrong with it.

    Examples
    --------
    ``{"course_id": "dlcourse", "instructors": ["ada"], "students": ["s1", "s2"]}``
    """
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read the class roster {path}: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the class roster must be a JSON object")
    unknown = set(data) - {"course_id", "instructors", "students", "visitors"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    course_id = data.get("course_id")
    if not isinstance(course_id, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", course_id):
        raise ValueError(f"{path}: course_id must be a name of letters, digits, '.', '_', '-'")
    lists = {}
    for key in ("instructors", "students", "visitors"):
        names = data.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{path}: {key} must be a list of user names")
        bad = [n for n in names if not re.fullmatch(USERNAME_PATTERN, n)]
        if bad:
            raise ValueError(f"{path}: user names {bad} do not match {USERNAME_PATTERN}")
        lists[key] = tuple(names)
    if not lists["instructors"]:
        raise ValueError(f"{path}: a class needs at least one instructor")
    everyone = lists["instructors"] + lists["students"] + lists["visitors"]
    twice = sorted({n for n in everyone if everyone.count(n) > 1})
    if twice:
        raise ValueError(f"{path}: {twice} listed more than once")
    return CourseClass(course_id, lists["instructors"], lists["students"], lists["visitors"])


@dataclass(frozen=True)
class HubSettings:
    """Where the hub listens and keeps its files; see the module docstring for the variables."""

    ip: str
    port: int
    api_port: int
    proxy_api_port: int
    state: Path
    class_file: Path
    course_root: Path
    hub_db_url: str
    operator_token: str | None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> HubSettings:
        """Read the settings from ``environ`` (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        state = Path(env.get("DLCOURSE_HUB_STATE") or HUB_DIR / "state").resolve()
        ports = {}
        for name, variable, default in (("port", "DLCOURSE_HUB_PORT", 8000),
                                        ("api_port", "DLCOURSE_HUB_API_PORT", 8081),
                                        ("proxy_api_port", "DLCOURSE_PROXY_API_PORT", 8001)):
            value = env.get(variable) or str(default)
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise ValueError(f"{variable} must be a port number, not {value!r}")
            ports[name] = int(value)
        return cls(
            ip=env.get("DLCOURSE_HUB_IP") or "127.0.0.1",
            state=state,
            class_file=Path(env.get("DLCOURSE_HUB_CLASS") or HUB_DIR / "demo_class.json"),
            course_root=Path(env.get("DLCOURSE_COURSE_ROOT") or COURSE_ROOT).resolve(),
            hub_db_url=env.get("DLCOURSE_HUB_DB_URL") or f"sqlite:///{state / 'jupyterhub.sqlite'}",
            operator_token=env.get("DLCOURSE_HUB_OPERATOR_TOKEN") or None,
            **ports,
        )

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}/"

    @property
    def exchange_root(self) -> Path:
        return self.state / "exchange"

    @property
    def homes(self) -> Path:
        return self.state / "home"

    @property
    def password_file(self) -> Path:
        return self.state / "password"
