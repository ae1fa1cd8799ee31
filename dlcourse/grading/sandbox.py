"""The grading sandbox: every submission's kernel runs in bubblewrap, with limits.

This module gathers the public API; the parts live in small modules:

- :mod:`~dlcourse.grading.sandbox_settings`: ``c.Sandbox.*`` (limits, opt-out);
- :mod:`~dlcourse.grading.sandbox_check`: is bubblewrap there and usable, what to install;
- :mod:`~dlcourse.grading.sandbox_bwrap`: the bubblewrap command line (what the kernel sees);
- :mod:`~dlcourse.grading.sandbox_launch`: limits and user set inside the sandbox;
- :mod:`~dlcourse.grading.sandbox_kernel`: the jupyter_client kernel manager;
- :mod:`~dlcourse.grading.sandbox_execute`: nbgrader's Execute preprocessor, sandboxed, where
  a dead or hung kernel costs only its cells.

``grader/nbgrader_config.py`` turns it on with :func:`use_sandbox`; the instructor guide
(``grader/README.md``, *Safety: the sandbox*) explains what it protects and what it does not.
"""

from dlcourse.grading.sandbox_check import INSTALL_HINT, SandboxUnavailable, check_sandbox
from dlcourse.grading.sandbox_execute import SandboxedExecute, use_sandbox
from dlcourse.grading.sandbox_kernel import SandboxKernelManager
from dlcourse.grading.sandbox_settings import (
    UNSAFE_ENV,
    Sandbox,
    allow_unsafe_grading,
    unsafe_grading_requested,
)

__all__ = [
    "INSTALL_HINT",
    "UNSAFE_ENV",
    "Sandbox",
    "SandboxKernelManager",
    "SandboxUnavailable",
    "SandboxedExecute",
    "allow_unsafe_grading",
    "check_sandbox",
    "unsafe_grading_requested",
    "use_sandbox",
]
