"""The bubblewrap command line that runs one kernel in the sandbox.

What the kernel sees (everything else of the host does not exist for it):

========================================  =====================================================
``/usr``, ``/bin``, ``/lib*``, ``/etc``   the system, read-only
Python, its environment (``sys.prefix``)  read-only
the course's library and data sets        read-only (``dlcourse/``, ``datasets/``; never
                                          ``solutions/``, ``grader/`` or ``.git``)
``/scratch``                              the scratch folder: working directory and HOME, a
                                          size-limited tmpfs holding a copy of the notebook's
                                          folder; thrown away with the kernel
``/tmp``, ``/dev/shm``                    size-limited private tmpfs
the kernel's socket folder                read-write, at its host path (ZeroMQ IPC sockets)
========================================  =====================================================

The kernel has its own network namespace (no network, not even the host's loopback), its own
process, IPC and host-name namespaces, no capability and no new privileges.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dlcourse.grading.sandbox_settings import GIB, MIB, Sandbox

#: The scratch folder inside the sandbox: the kernel's working directory and HOME.
SCRATCH = "/scratch"
#: Where the seed (a copy of the notebook's folder) is visible, read-only, inside the sandbox.
SEED = "/run/dlcourse/seed"
LAUNCHER = Path(__file__).with_name("sandbox_launch.py")
#: numba's cache folder, relative to the scratch folder (and to the seed copied there).
NUMBA_SEED = ".cache/numba"

_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SHM_MIB = 64
# Environment variables of the grader that the kernel may keep (never tokens or keys).
_KEPT_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION", "DLCOURSE_DATASETS",
             "JPY_SESSION_NAME")
_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMBA_NUM_THREADS", "TORCH_NUM_THREADS")


@dataclass(frozen=True)
class Layout:
    """The host side of one sandboxed kernel.

    Attributes
    ----------
    ipc_dir : pathlib.Path
        Host folder of the kernel's sockets and connection file, bound read-write at the
        same path.
    seed_dir : pathlib.Path
        Host folder copied into the scratch folder at start-up.
    uid, gid : int
        The user the kernel runs as (when grading as root: a fresh unprivileged one).
    """

    ipc_dir: Path
    seed_dir: Path
    uid: int
    gid: int


def visible_paths(settings: Sandbox) -> list[Path]:
    """Host paths the kernel sees read-only besides the system: Python, library, data.

    Parameters
    ----------
    settings : Sandbox
        For the extra ``read_only_paths``.

    Returns
    -------
    list of pathlib.Path
        Existing absolute paths, each given once, parents before children.
    """
    import dlcourse
    from dlcourse.paths import datasets_dir

    candidates = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
                  Path(dlcourse.__file__).parent, datasets_dir(), *settings.read_only_paths]
    paths: set[Path] = set()
    for candidate in candidates:
        path = Path(os.path.abspath(candidate))
        for variant in (path, path.resolve()):
            if variant.exists():
                paths.add(variant)
    return _outermost(paths)


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Drop paths inside another one (their parent's bind shows them already)."""
    kept: list[Path] = []
    for path in sorted(paths, key=lambda p: (len(p.parts), str(p))):
        if not any(path == k or k in path.parents for k in kept) and not _is_system(path):
            kept.append(path)
    return kept


def _is_system(path: Path) -> bool:
    return path == Path("/usr") or Path("/usr") in path.parents or str(path) == "/etc"


def check_not_exposed(paths: Iterable[Path], protected: Iterable[Path]) -> None:
    """Raise ``ValueError`` when a visible path would show a protected one.

    Parameters
    ----------
    paths : iterable of pathlib.Path
        What the kernel would see.
    protected : iterable of pathlib.Path
        What it must never see: ``solutions/``, ``grader/``, the home folder...
    """
    for path in paths:
        for secret in protected:
            secret = Path(os.path.abspath(secret))
            if path == secret or path in secret.parents:
                raise ValueError(
                    f"the sandbox would show {secret} to student code, because it lies inside "
                    f"{path}, which the kernel must read; move it (e.g. keep the course's "
                    "environment and Python outside the grader's and the instructor's folders)"
                )


def _parents_readable(path: Path, created: set[Path]) -> list[str]:
    """``--dir`` options (mode 0755) for the parents bubblewrap would create as 0700."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if parent == Path("/") or parent in created:
            continue
        created.add(parent)
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _SYSTEM_DIRS:
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    args += ["--ro-bind", "/etc", "/etc",
             "--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    return args


def kernel_environment(settings: Sandbox, environ: Mapping[str, str]) -> dict[str, str]:
    """The kernel's environment: a clean one, never the grader's secrets.

    Parameters
    ----------
    settings : Sandbox
        For the number of threads.
    environ : mapping
        The environment the kernel would have had; only a few harmless variables are kept.

    Returns
    -------
    dict
        Variable names to values.
    """
    env = {name: environ[name] for name in _KEPT_ENV if name in environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update({
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin",
                                 "/usr/bin", "/bin"]),
        "HOME": SCRATCH,
        "USER": "student",  # the kernel's user has no entry in /etc/passwd
        "LOGNAME": "student",
        "TMPDIR": "/tmp",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": f"{SCRATCH}/.config/matplotlib",
        "NUMBA_CACHE_DIR": f"{SCRATCH}/{NUMBA_SEED}",
        # The kernel's parent inside the sandbox is its PID 1: 1 tells ipykernel not to watch
        # it (bubblewrap stops the kernel when the grader goes) nor print a banner.
        "JPY_PARENT_PID": "1",
    })
    if settings.threads > 0:
        env.update({name: str(settings.threads) for name in _THREAD_ENV})
    return env


def launcher_settings(settings: Sandbox, layout: Layout) -> dict:
    """What ``sandbox_launch.py`` applies inside the sandbox before starting the kernel."""
    memory = int(settings.memory_gib * GIB)
    return {
        "uid": layout.uid,
        "gid": layout.gid,
        "seed": SEED,
        "scratch": SCRATCH,
        "limits": {
            "data": memory,
            "address_space": memory + int(settings.address_space_slack_gib * GIB),
            "processes": settings.process_limit,
            "open_files": settings.open_files,
            "file_size": settings.scratch_mib * MIB,
            "core": 0,
        },
    }


def bwrap_command(
    settings: Sandbox,
    layout: Layout,
    kernel_cmd: list[str],
    kernel_env: Mapping[str, str],
    visible: list[Path],
    bwrap: str,
) -> list[str]:
    """The full command line: bubblewrap, then the launcher, then the kernel.

    Parameters
    ----------
    settings : Sandbox
        Limits and sizes.
    layout : Layout
        Host folders and user of this kernel.
    kernel_cmd : list of str
        The kernel's own command (``python -m ipykernel_launcher -f ...``).
    kernel_env : mapping
        The kernel's environment (see :func:`kernel_environment`).
    visible : list of pathlib.Path
        Host paths shown read-only (see :func:`visible_paths`).
    bwrap : str
        Path of the bubblewrap executable.

    Returns
    -------
    list of str
    """
    import json

    scratch_bytes = str(settings.scratch_mib * MIB)
    args = [bwrap, "--die-with-parent", "--new-session",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox"]
    if os.getuid() == 0:
        # Root keeps every capability in bubblewrap unless told; the launcher needs these two
        # to become the kernel's unprivileged user, which drops them all.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--disable-userns"]
    args += _system_args()
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(_SHM_MIB * MIB), "--tmpfs", "/dev/shm",
             "--perms", "1777", "--size", scratch_bytes, "--tmpfs", "/tmp",
             "--perms", "1777", "--size", scratch_bytes, "--tmpfs", SCRATCH]
    created = {Path("/tmp"), Path(SCRATCH)}
    for path in visible:
        args += _parents_readable(path, created) + ["--ro-bind", str(path), str(path)]
    args += _parents_readable(Path(SEED), created) + ["--ro-bind", str(layout.seed_dir), SEED]
    args += _parents_readable(layout.ipc_dir, created)
    args += ["--bind", str(layout.ipc_dir), str(layout.ipc_dir)]
    args += ["--remount-ro", "/", "--chdir", SCRATCH, "--clearenv"]
    for name, value in sorted(kernel_env.items()):
        args += ["--setenv", name, value]
    launcher = [sys.executable, "-I", "-S", str(LAUNCHER),
                json.dumps(launcher_settings(settings, layout)), "--"]
    return args + ["--"] + launcher + list(kernel_cmd)
