"""JupyterHub configuration of one course on one machine, with nbgrader's exchange.

Start it with ``make hub`` (``python grader/hub/launch.py``), which prepares the state folder and
prints the URL and the accounts; every setting comes from ``hub_settings.py``.

- **Login**: JupyterHub's shared-password authenticator, for trying the hub out. A real
  deployment replaces it (see ``README.md`` beside this file).
- **Who is who**: the class roster (``demo_class.json``) fills two JupyterHub groups per course,
  ``formgrade-<course>`` (instructors) and ``nbgrader-<course>`` (students), which nbgrader's
  ``JupyterHubAuthPlugin`` reads. Users in neither group can log in and see no course.
- **Servers**: every single-user server runs as the OS account of the hub, each in its own home
  folder. Instructors get the formgrader, working in the course's folder with the course's
  ``grader/nbgrader_config.py``; students get only the Assignments panel (fetch, validate,
  submit, fetch feedback).
- **Identity**: a submission is named after the hub user, never the OS account: the servers'
  Assignments endpoints are served by ``hub_assignments.py``, which takes the student id from
  ``JUPYTERHUB_USER`` whatever a student's configuration files say.
"""

import os
import sys

from jupyterhub.utils import random_port

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hub_settings import (  # noqa: E402
    HUB_DIR,
    PROXY_COMMAND,
    USERNAME_PATTERN,
    HubSettings,
    read_class,
)

settings = HubSettings.from_env()
course = read_class(settings.class_file)
config_dirs = HUB_DIR / "config"

# --- network: the proxy on the public address, everything else on loopback ------------------
c.JupyterHub.bind_url = settings.url
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.api_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [str(PROXY_COMMAND)]
c.ConfigurableHTTPProxy.pid_file = str(settings.state / "proxy.pid")
c.Spawner.ip = "127.0.0.1"

# --- the hub's own files ------------------------------------------------------------------------
c.JupyterHub.db_url = settings.hub_db_url
c.JupyterHub.cookie_secret_file = str(settings.state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(settings.state / "jupyterhub.pid")

# --- login ----------------------------------------------------------------------------------
password = os.environ.get("DLCOURSE_HUB_PASSWORD")
if not password and settings.password_file.is_file():
    password = settings.password_file.read_text().strip()
if not password:
    raise RuntimeError("no shared password: start the hub with `make hub`, "
                       "or set DLCOURSE_HUB_PASSWORD (8 characters or more)")
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allowed_users = set(course.users)
c.Authenticator.username_pattern = USERNAME_PATTERN

# --- the class: groups that nbgrader's JupyterHubAuthPlugin reads ------------------------------
c.JupyterHub.load_groups = {
    course.instructor_group: {"users": list(course.instructors)},
    course.student_group: {"users": list(course.students)},
}
# A server's token may read its own user's groups (the plugin asks the hub which courses the
# user belongs to), on top of the default rights of a server's token.
roles = [{
    "name": "server",
    "scopes": ["users:activity!user", "access:servers!server", "read:users:name!user",
               "read:users:groups!user"],
}]
if settings.operator_token:
    c.JupyterHub.services = [{"name": "course-operator", "api_token": settings.operator_token}]
    roles.append({"name": "course-operator", "services": ["course-operator"],
                  "scopes": ["admin:users", "admin:servers", "tokens", "read:groups",
                             "access:servers"]})
c.JupyterHub.load_roles = roles

# --- single-user servers: one OS account, one home folder per hub user ----------------------------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(settings.homes / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _server_args(instructor: bool) -> list[str]:
    """Extensions of a server: nbgrader's assignment endpoints always as the hub user."""
    extensions = {
        "hub_assignments": True,
        "nbgrader.server_extensions.assignment_list": False,
        "nbgrader.server_extensions.formgrader": instructor,
        "nbgrader.server_extensions.course_list": instructor,
    }
    args = [f"--ServerApp.jpserver_extensions={name}={value}"
            for name, value in extensions.items()]
    if os.getuid() == 0:  # containers and test machines run everything as root
        args.append("--allow-root")
    return args


# JupyterHub picks a free port for each server just before starting it; servers started at the
# same moment (a class logging in at once) can be handed the same port, and the hub then routes
# one user to another user's server. The hub hands out ports itself, never one it already gave.
_server_ports: dict[str, int] = {}


def _unique_port(key: str) -> int:
    taken = set(_server_ports.values()) | {settings.port, settings.api_port,
                                           settings.proxy_api_port}
    port = random_port()
    while port in taken:
        port = random_port()
    _server_ports[key] = port
    return port


def release_port(spawner) -> None:
    """Forget the port of a stopped server."""
    _server_ports.pop(f"{spawner.user.name}/{spawner.name}", None)


def prepare_server(spawner) -> None:
    """Give each server its role: the formgrader for instructors, the Assignments panel for all."""
    spawner.port = _unique_port(f"{spawner.user.name}/{spawner.name}")
    groups = {group.name for group in spawner.user.groups}
    instructor = course.instructor_group in groups
    role_dir = "instructor" if instructor else "student"
    spawner.args = _server_args(instructor)
    spawner.environment = {
        **spawner.environment,
        "JUPYTER_CONFIG_PATH": os.pathsep.join(
            [str(config_dirs / role_dir), str(config_dirs / "exchange")]),
        "DLCOURSE_EXCHANGE_ROOT": str(settings.exchange_root),
        "DLCOURSE_COURSE_ROOT": str(settings.course_root),
        # hub_assignments.py, the server extension beside this file.
        "PYTHONPATH": str(HUB_DIR),
        # nbgrader runs `alembic` as a command: this environment's scripts come first.
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
    }
    # The formgrader works on a course inside the server's root folder.
    spawner.notebook_dir = str(settings.course_root) if instructor else ""


c.Spawner.pre_spawn_hook = prepare_server
c.Spawner.post_stop_hook = release_port
