"""Start the course's JupyterHub on this machine (``make hub``).

``python grader/hub/launch.py [JUPYTERHUB OPTIONS]`` checks that the proxy is installed and that
the class roster and the course agree, prepares the state folder (the nbgrader exchange,
world-writable; one home folder per user; the shared password, generated once), prints the URL
and the accounts, then becomes ``jupyterhub -f grader/hub/jupyterhub_config.py``. Settings are
environment variables (see ``hub_settings.py``); options given here are passed to JupyterHub.
"""

from __future__ import annotations

import ast
import os
import secrets
import sys
from pathlib import Path

from hub_settings import HUB_DIR, PROXY_COMMAND, CourseClass, HubSettings, read_class


class LaunchError(RuntimeError):
    """The hub cannot start; the message says what to do."""


def course_id_of(course_root: Path) -> str | None:
    """Return the ``CourseDirectory.course_id`` that ``grader/nbgrader_config.py`` sets.

    The file is read, not run (running it imports nbgrader and the course's grading code, which
    takes seconds): the last plain ``c.CourseDirectory.course_id = "..."`` wins; ``None`` when
    the file sets it some other way.
    """
    path = course_root / "grader" / "nbgrader_config.py"
    if not path.is_file():
        raise LaunchError(f"no grader/nbgrader_config.py in the course folder {course_root}")
    found = None
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and ast.unparse(node.targets[0]) == "c.CourseDirectory.course_id"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            found = node.value.value
    return found


def prepare_state(settings: HubSettings) -> str:
    """Create the state folder, the exchange and the homes; return the shared password."""
    settings.state.mkdir(parents=True, exist_ok=True)
    settings.homes.mkdir(exist_ok=True)
    settings.exchange_root.mkdir(exist_ok=True)
    # nbgrader's exchange root must be writable by every user who releases or submits.
    settings.exchange_root.chmod(0o777)
    password = os.environ.get("DLCOURSE_HUB_PASSWORD", "")
    if password:
        return password
    if settings.password_file.is_file():
        return settings.password_file.read_text().strip()
    password = secrets.token_urlsafe(12)
    settings.password_file.touch(mode=0o600)
    settings.password_file.write_text(password + "\n")
    return password


def banner(settings: HubSettings, course: CourseClass, password: str) -> str:
    """What ``make hub`` prints: where to go and who can log in."""
    lines = [
        f"The course's JupyterHub: {settings.url}",
        f"Shared password of every account: {password}",
        f"  instructors (formgrader of {course.course_id}): {', '.join(course.instructors)}",
        f"  students (Assignments panel): {', '.join(course.students) or '-'}",
        f"  visitors (in no course, see nothing): {', '.join(course.visitors) or '-'}",
        f"State (exchange, homes, hub database): {settings.state}",
        "Stop it with Ctrl-C.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Prepare and start the hub; return 2 with a message when it cannot start."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        settings = HubSettings.from_env()
        course = read_class(settings.class_file)
        found = course_id_of(settings.course_root)
        if found is not None and found != course.course_id:
            raise LaunchError(
                f"the class roster {settings.class_file} is for course {course.course_id!r}, "
                f"but {settings.course_root}/grader/nbgrader_config.py says {found!r}")
        if not PROXY_COMMAND.exists():
            raise LaunchError("the proxy is not installed: run `make hub-proxy` "
                              "(needs Node.js and npm)")
        password = prepare_state(settings)
    except (LaunchError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(banner(settings, course, password), flush=True)
    env = dict(os.environ, DLCOURSE_HUB_PASSWORD=password)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    os.chdir(settings.state)
    command = [sys.executable, "-m", "jupyterhub", "-f", str(HUB_DIR / "jupyterhub_config.py"),
               *argv]
    os.execve(sys.executable, command, env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
