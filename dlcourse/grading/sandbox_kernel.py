"""A jupyter_client kernel manager that starts each kernel in the bubblewrap sandbox.

The kernel has no network, so the grader talks to it over ZeroMQ IPC sockets (``transport =
"ipc"``) in a private host folder bound into the sandbox at the same path. Interrupts go as
messages on the control channel: a signal to the kernel's process group would stop
bubblewrap itself.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import stat
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from dlcourse.grading.sandbox_bwrap import (
    NUMBA_SEED,
    Layout,
    bwrap_command,
    check_not_exposed,
    kernel_environment,
    visible_paths,
)
from dlcourse.grading.sandbox_check import SandboxUnavailable, find_bwrap
from dlcourse.grading.sandbox_settings import MIB, Sandbox
from dlcourse.paths import COURSE_ROOT

_UID_SPAN = 100_000_000


def protected_paths(config) -> list[Path]:
    """Host paths student code must never see, from the course and nbgrader's configuration.

    Parameters
    ----------
    config : traitlets.config.Config
        nbgrader's configuration (for ``CourseDirectory``).

    Returns
    -------
    list of pathlib.Path
    """
    paths = [COURSE_ROOT / "solutions", COURSE_ROOT / "grader", COURSE_ROOT / ".git",
             Path.home()]
    course = config.get("CourseDirectory", {}) if config is not None else {}
    root = course.get("root")
    if root:
        root = Path(root)
        paths.append(root / course.get("source_directory", "source"))
        for key, default in (("submitted_directory", "submitted"),
                             ("autograded_directory", "autograded"),
                             ("feedback_directory", "feedback")):
            paths.append(root / course.get(key, default))
    return paths


def copy_seed(folder: Path | None, seed: Path, budget_bytes: int) -> list[str]:
    """Copy what the notebook's folder holds into ``seed``: regular files and folders only.

    Notebooks are left out (the graded copies hold the hidden tests), and so are symbolic
    links and special files (a link to a secret would otherwise be followed, by you).

    Parameters
    ----------
    folder : pathlib.Path or None
        The notebook's folder (nothing is copied when None).
    seed : pathlib.Path
        Destination, created.
    budget_bytes : int
        Files beyond this total are left out.

    Returns
    -------
    list of str
        The relative paths left out because of the budget.
    """
    seed.mkdir(mode=0o755, exist_ok=True)
    skipped: list[str] = []
    if folder is None or not folder.is_dir():
        return skipped
    used = 0
    for current, dirs, files in os.walk(folder, followlinks=False):
        here = Path(current)
        target = seed / here.relative_to(folder)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink() and not d.startswith(".")]
        for name in dirs:
            (target / name).mkdir(mode=0o755, exist_ok=True)
        for name in files:
            source = here / name
            info = source.lstat()
            if not stat.S_ISREG(info.st_mode) or name.endswith(".ipynb"):
                continue
            if used + info.st_size > budget_bytes:
                skipped.append(str(source.relative_to(folder)))
                continue
            used += info.st_size
            shutil.copyfile(source, target / name, follow_symlinks=False)
    return skipped


def copy_numba_cache(roots: list[Path], destination: Path) -> int:
    """Copy numba's compiled functions cached under ``roots`` into a ``NUMBA_CACHE_DIR``.

    The library is read-only in the sandbox, and numba then ignores its cache there and
    compiles again in every kernel (about 15 s for the playground). Each kernel gets its own
    copy of the cache that your runs of the library wrote, laid out as numba looks for it
    under ``NUMBA_CACHE_DIR``; what a kernel compiles or writes there is thrown away with it.

    Parameters
    ----------
    roots : list of pathlib.Path
        Folders searched for ``__pycache__/*.nbi`` and ``*.nbc`` files.
    destination : pathlib.Path
        The cache folder to fill (created when there is something to copy).

    Returns
    -------
    int
        The number of files copied.
    """
    copied = 0
    for root in roots:
        for cached in sorted(root.glob("**/__pycache__/*.nb[ic]")):
            if cached.is_symlink() or not cached.is_file():
                continue
            source_dir = os.path.abspath(cached.parent.parent)
            digest = hashlib.sha1(source_dir.encode()).hexdigest()  # numba's own layout
            target = destination / f"{os.path.basename(source_dir)}_{digest}"
            target.mkdir(parents=True, exist_ok=True, mode=0o755)
            shutil.copyfile(cached, target / cached.name)
            copied += 1
    return copied


def _make_readable(folder: Path) -> None:
    """Let the kernel's user read the seed whatever the umask (it holds nothing secret)."""
    for current, _dirs, files in os.walk(folder):
        os.chmod(current, 0o755)
        for name in files:
            os.chmod(os.path.join(current, name), 0o644)


def _check_kernel_visible(executable: str, visible: list[Path]) -> None:
    """Refuse, with what to change, a kernel whose program the sandbox would not show."""
    shown = [Path("/usr"), *visible]
    for path in {Path(executable), Path(executable).resolve()}:
        if path.is_absolute() and not any(path == p or p in path.parents for p in shown):
            raise SandboxUnavailable(
                f"Grading refuses to run student code: the kernel's program {executable} lies "
                "outside what the sandbox shows (Python, its environment, the course's "
                "library); add its environment to c.Sandbox.read_only_paths")


class SandboxKernelManager(AsyncKernelManager):
    """Start the kernel inside bubblewrap, with the limits of ``c.Sandbox``.

    Used by :class:`dlcourse.grading.sandbox_execute.SandboxedExecute`; any code that runs
    notebooks with ``jupyter_client`` or ``nbclient`` can use it too
    (``kernel_manager_class=SandboxKernelManager``).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.sandbox = Sandbox(parent=self)
        self._run_dir: Path | None = None

    @property
    def kernel_spec(self):
        """The kernelspec, interrupted by message: a signal would stop bubblewrap."""
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def _kernel_user(self) -> tuple[int, int]:
        if os.getuid() != 0:
            return os.getuid(), os.getgid()
        uid = self.sandbox.sandbox_uid_base + secrets.randbelow(_UID_SPAN)
        return uid, uid

    def _prepare(self, cwd: str | None) -> Layout:
        bwrap = find_bwrap(self.sandbox)
        run_dir = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-"))
        self._run_dir = run_dir
        self._bwrap = bwrap
        os.chmod(run_dir, 0o755)
        uid, gid = self._kernel_user()
        ipc_dir = run_dir / "ipc"
        ipc_dir.mkdir(mode=0o700)
        skipped = copy_seed(Path(cwd) if cwd else None, run_dir / "seed",
                            self.sandbox.scratch_mib * MIB // 2)
        import dlcourse

        library = [Path(dlcourse.__file__).parent, *map(Path, self.sandbox.read_only_paths)]
        copy_numba_cache([p for p in library if p.is_dir()], run_dir / "seed" / NUMBA_SEED)
        _make_readable(run_dir / "seed")
        if skipped:
            self.log.warning("Sandbox: files too large for the scratch folder, left out: %s",
                             ", ".join(skipped))
        if os.getuid() == 0:
            os.chown(ipc_dir, uid, gid)
        self.connection_file = str(ipc_dir / "kernel.json")
        self.ip = str(ipc_dir / "kernel")
        return Layout(ipc_dir=ipc_dir, seed_dir=run_dir / "seed", uid=uid, gid=gid)

    async def _async_pre_start_kernel(self, **kw):
        self.transport = "ipc"
        self.cleanup_run_dir()
        layout = self._prepare(kw.get("cwd"))
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        if os.getuid() == 0:
            os.chown(self.connection_file, layout.uid, layout.gid)
        visible = visible_paths(self.sandbox)
        try:
            check_not_exposed(visible, protected_paths(self.config))
        except ValueError as error:
            raise SandboxUnavailable(f"Grading refuses to run student code: {error}") from None
        _check_kernel_visible(kernel_cmd[0], visible)
        env = kernel_environment(self.sandbox, kw.get("env") or os.environ)
        command = bwrap_command(self.sandbox, layout, kernel_cmd, env, visible, self._bwrap)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        kw["cwd"] = str(self._run_dir)
        return command, kw

    def cleanup_run_dir(self) -> None:
        """Remove the kernel's host folder (sockets, connection file, seed)."""
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.cleanup_run_dir()

    pre_start_kernel = _async_pre_start_kernel
    cleanup_resources = _async_cleanup_resources

    def __del__(self):
        self.cleanup_run_dir()
        super().__del__()
