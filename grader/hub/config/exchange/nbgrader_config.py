"""nbgrader settings of every single-user server of the course's hub (students and instructors).

The hub puts this folder on ``JUPYTER_CONFIG_PATH``. The exchange is a folder shared by every
server; ``path_includes_course`` keeps each course in its own sub-folder of the students' homes.
Who may see a course is decided by the user's JupyterHub groups (``nbgrader-<course>`` for
students, ``formgrade-<course>`` for instructors). For the Assignments panel these settings are
also enforced by ``hub_assignments.py``, so a student's own configuration files cannot change
them.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.Exchange.root = os.environ["DLCOURSE_EXCHANGE_ROOT"]
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = "nbgrader.auth.jupyterhub.JupyterHubAuthPlugin"
