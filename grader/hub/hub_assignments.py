"""Jupyter server extension: nbgrader's Assignments panel acts as the hub user.

Stock nbgrader names a submission after the *operating-system* account that runs the server
(``nbgrader.utils.get_username``), unless that account is ``jovyan``. On a server where every
single-user server runs as one OS account, every student would then submit as that account,
and one student's submission would replace another's. It also reads its settings at each request
from ``nbgrader_config.py`` files that a student can write (in the home folder, in
``~/.jupyter``), so a student could claim another student's id.

This extension serves the same endpoints as nbgrader's ``assignment_list`` extension
(``/assignments``, ``/assignments/fetch``, ``/assignments/submit``,
``/assignments/fetch_feedback``, ``/courses``, ``/nbgrader_version``; the ones JupyterLab's
Assignments panel calls), with one difference: after the configuration files are read, it sets
what decides identity and access from the environment the hub gave the server, which a student
cannot change:

- ``CourseDirectory.student_id`` is ``JUPYTERHUB_USER``, the name the hub authenticated;
- ``Authenticator.plugin_class`` is nbgrader's ``JupyterHubAuthPlugin``: a user sees and submits
  to the courses of their hub groups (``nbgrader-<course>``, ``formgrade-<course>``) only;
- ``Exchange.root`` is ``DLCOURSE_EXCHANGE_ROOT``, ``Exchange.path_includes_course`` is on, and
  the exchange is nbgrader's own (any ``ExchangeFactory`` setting is dropped).

The hub's spawner (``jupyterhub_config.py``) loads it instead of nbgrader's extension, with
``--ServerApp.jpserver_extensions``, which configuration files cannot override.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.assignment_list import handlers
from traitlets.config import Config

ENFORCED_PLUGIN = "nbgrader.auth.jupyterhub.JupyterHubAuthPlugin"


class HubIdentityError(RuntimeError):
    """The server was not started by the course's hub (a variable it sets is missing)."""


def _required(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise HubIdentityError(
            f"{variable} is not set: this server must be started by the course's JupyterHub "
            "(grader/hub/jupyterhub_config.py)"
        )
    return value


def enforce_hub_identity(config: Config) -> Config:
    """Set, in ``config``, the student id, access plugin and exchange the hub decided.

    Parameters
    ----------
    config : traitlets.config.Config
        nbgrader's configuration as read from files; modified in place.

    Returns
    -------
    traitlets.config.Config
        The same object.

    Raises
    ------
    HubIdentityError
        When ``JUPYTERHUB_USER`` or ``DLCOURSE_EXCHANGE_ROOT`` is missing.
    """
    config.CourseDirectory.student_id = _required("JUPYTERHUB_USER")
    config.Authenticator.plugin_class = ENFORCED_PLUGIN
    config.Exchange.root = _required("DLCOURSE_EXCHANGE_ROOT")
    config.Exchange.path_includes_course = True
    config.pop("ExchangeFactory", None)
    return config


class HubUserAssignmentList(handlers.AssignmentList):
    """nbgrader's assignment manager, with the hub's identity applied to every configuration."""

    def load_config(self) -> Config:
        return enforce_hub_identity(super().load_config())

    @contextlib.contextmanager
    def get_assignment_dir_config(self) -> Iterator[Config]:
        with super().get_assignment_dir_config() as config:
            yield enforce_hub_identity(config)


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "hub_assignments"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Serve nbgrader's assignment endpoints through :class:`HubUserAssignmentList`."""
    # Fail at start-up, not at the first click, when the hub's variables are missing.
    enforce_hub_identity(Config())
    webapp = serverapp.web_app
    manager = HubUserAssignmentList(parent=serverapp)
    manager.root_dir = serverapp.root_dir
    webapp.settings["assignment_list_manager"] = manager
    base_url = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [(url_path_join(base_url, pattern), handler)
                                for pattern, handler in handlers.default_handlers])
    serverapp.log.info("nbgrader assignments served as hub user %s",
                       os.environ["JUPYTERHUB_USER"])
