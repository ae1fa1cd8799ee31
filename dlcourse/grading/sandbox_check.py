"""Is bubblewrap there and usable? If not, say exactly what to install or change."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

from dlcourse.grading.sandbox_settings import UNSAFE_ENV, Sandbox

INSTALL_HINT = "sudo apt-get install bubblewrap"


class SandboxUnavailable(SystemExit):
    """Grading refuses to run student code: the sandbox cannot start.

    It derives from ``SystemExit`` so that stock ``nbgrader autograde`` stops at once, with
    this message and exit status 1, instead of trying (and failing) every student in turn.
    Code that drives nbgrader itself can catch it, or call :func:`check_sandbox` first.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _refusal(reason: str, advice: str) -> SandboxUnavailable:
    return SandboxUnavailable(
        "Grading refuses to run student code: " + reason + "\n" + advice + "\n"
        "Only for trusted material (your own solutions, a demo), you can grade without the "
        f"sandbox: set {UNSAFE_ENV}=1 (student code then runs with your permissions)."
    )


def _userns_advice() -> str:
    return (
        "bubblewrap needs unprivileged user namespaces when you grade as a normal user. Check "
        "`sysctl user.max_user_namespaces` (must be > 0) and, on Debian before 11, "
        "`sysctl kernel.unprivileged_userns_clone` (must be 1); on Ubuntu 23.10 and later, "
        "`sysctl kernel.apparmor_restrict_unprivileged_userns` (1 blocks bwrap unless an "
        "AppArmor profile allows it; `sudo sysctl -w "
        "kernel.apparmor_restrict_unprivileged_userns=0` lifts it until reboot)."
    )


@functools.lru_cache(maxsize=8)
def _probe(bwrap_path: str, as_root: bool) -> str | None:
    """Start a trivial sandbox with the namespaces kernels get; return bwrap's error, if any."""
    namespaces = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    namespaces += ["--cap-drop", "ALL"] if as_root else ["--unshare-user", "--disable-userns"]
    command = [bwrap_path, "--die-with-parent", *namespaces, "--ro-bind", "/", "/",
               "--proc", "/proc", "--dev", "/dev", sys.executable, "-I", "-S", "-c", "pass"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except OSError as error:
        return str(error)
    except subprocess.TimeoutExpired:
        return "bwrap did not answer within 60 s"
    if result.returncode != 0:
        return (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
    return None


def find_bwrap(settings: Sandbox) -> str:
    """Return the path of a bubblewrap that can start a sandbox here.

    Parameters
    ----------
    settings : Sandbox
        Its ``bwrap`` names the executable.

    Returns
    -------
    str
        The executable's absolute path.

    Raises
    ------
    SandboxUnavailable
        When it is missing or cannot create the sandbox; the message says what to do.
    """
    path = shutil.which(settings.bwrap)
    if path is None:
        where = ("on PATH" if os.sep not in settings.bwrap
                 else f"at {settings.bwrap} (c.Sandbox.bwrap)")
        raise _refusal(
            f"the sandbox needs bubblewrap, and no `{settings.bwrap}` was found {where}.",
            f"Install it: {INSTALL_HINT} (Debian, Ubuntu; `sudo dnf install bubblewrap` on "
            "Fedora), then grade again.",
        )
    error = _probe(path, os.getuid() == 0)
    if error is not None:
        advice = ("Grading as root: bubblewrap must be able to create namespaces here (a "
                  "container may forbid it; run the container with user namespaces "
                  "allowed)." if os.getuid() == 0 else _userns_advice())
        raise _refusal(f"bubblewrap ({path}) cannot start a sandbox: {error}", advice)
    return path


def check_sandbox(settings: Sandbox | None = None) -> str | None:
    """Check, before grading, that submissions can run in the sandbox.

    Parameters
    ----------
    settings : Sandbox, optional
        The sandbox's settings (default: the defaults, which ``grader/nbgrader_config.py``
        may change).

    Returns
    -------
    str or None
        The bubblewrap executable, or None when the sandbox is turned off
        (``DLCOURSE_UNSAFE_GRADING=1`` or ``c.Sandbox.enabled = False``).

    Raises
    ------
    SandboxUnavailable
        With a message saying exactly what to install or change.
    """
    settings = settings or Sandbox()
    if not settings.active:
        return None
    return find_bwrap(settings)
