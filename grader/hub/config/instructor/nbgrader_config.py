"""nbgrader settings of an instructor's server on the course's hub: the course's own settings.

The hub puts this folder on ``JUPYTER_CONFIG_PATH`` for members of ``formgrade-<course>``. It
loads the course's ``grader/nbgrader_config.py`` (folders, gradebook, grading and, once it is
configured there, the sandbox), so the formgrader grades exactly as ``nbgrader`` run from
``grader/`` does.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

_grader_dir = os.path.join(os.environ["DLCOURSE_COURSE_ROOT"], "grader")
if not os.path.isfile(os.path.join(_grader_dir, "nbgrader_config.py")):
    raise FileNotFoundError(f"the course's nbgrader configuration is missing in {_grader_dir}")
load_subconfig("nbgrader_config.py", _grader_dir)  # noqa: F821 (provided by traitlets)

# Every server runs as one OS account: a submission's file owner says nothing about the
# student. The student id comes from the hub (see hub_assignments.py), so nbgrader's
# owner check would only warn about every submission.
c.ExchangeCollect.check_owner = False
