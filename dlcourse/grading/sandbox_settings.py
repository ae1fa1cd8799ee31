"""The sandbox's settings: ``c.Sandbox.*`` in ``grader/nbgrader_config.py``.

One configurable object holds every limit, so the kernel manager (which starts the sandbox)
and the execute preprocessor (which enforces the notebook's time limit) read the same values.
"""

from __future__ import annotations

import os

from traitlets import Bool, Float, Integer, List, Unicode, validate
from traitlets.config import LoggingConfigurable

#: Set to 1 to grade WITHOUT the sandbox (trusted material only).
UNSAFE_ENV = "DLCOURSE_UNSAFE_GRADING"

GIB = 2**30
MIB = 2**20


class Sandbox(LoggingConfigurable):
    """Where and how a submission's kernel runs (bubblewrap, limits, opt-out)."""

    enabled = Bool(
        True,
        help="Run every submission's kernel in the bubblewrap sandbox. False (or the "
        f"environment variable {UNSAFE_ENV}=1) runs student code with your own permissions: "
        "only for trusted material.",
    ).tag(config=True)

    bwrap = Unicode(
        "bwrap", help="The bubblewrap executable: a name looked up on PATH, or a path."
    ).tag(config=True)

    memory_gib = Float(
        4.0,
        help="Memory a kernel process may allocate (RLIMIT_DATA: heap and private mappings), "
        "in GiB. An allocation beyond it fails with MemoryError; the kernel lives on.",
    ).tag(config=True)

    address_space_slack_gib = Float(
        4.0,
        help="Address space allowed beyond memory_gib (RLIMIT_AS = memory_gib + this). It "
        "leaves room for the libraries' code and reservations (torch, numba) and stops "
        "shared anonymous mappings, which RLIMIT_DATA does not count.",
    ).tag(config=True)

    process_limit = Integer(
        128,
        help="Processes and threads the kernel may run at once (RLIMIT_NPROC inside the "
        "sandbox): a fork bomb stops there.",
    ).tag(config=True)

    open_files = Integer(4096, help="Open file descriptors per process (RLIMIT_NOFILE).").tag(
        config=True
    )

    scratch_mib = Integer(
        512,
        help="Size of the kernel's private scratch folder (its working directory and HOME), "
        "and of its /tmp, in MiB. Both are in memory and thrown away.",
    ).tag(config=True)

    threads = Integer(
        2,
        help="Threads for numerical libraries (OMP_NUM_THREADS, MKL, OpenBLAS, numba, torch); "
        "0 leaves the libraries' defaults.",
    ).tag(config=True)

    notebook_timeout = Integer(
        600,
        help="Seconds a whole notebook may run (cells and kernel restarts included). Cells "
        "not run when it expires score nothing; grading goes on with the next notebook.",
    ).tag(config=True)

    max_kernel_restarts = Integer(
        3,
        help="Kernel restarts allowed per notebook after a cell kills or hangs the kernel; "
        "beyond them the remaining cells score nothing.",
    ).tag(config=True)

    output_mib = Integer(
        64,
        help="Output of one cell kept by the grader, in MiB; beyond it, output is left out "
        "(a cell printing without end cannot fill the grader's memory).",
    ).tag(config=True)

    read_only_paths = List(
        Unicode(),
        help="Extra host paths the kernel may read (e.g. another package installed in "
        "editable mode). The course's library, data sets, Python and its environment are "
        "always visible.",
    ).tag(config=True)

    sandbox_uid_base = Integer(
        1_500_000_000,
        help="When grading as root, each kernel runs as a fresh unprivileged user id drawn "
        "from [base, base + 100 000 000), so that process limits are counted per kernel.",
    ).tag(config=True)

    @validate("memory_gib", "address_space_slack_gib")
    def _positive_memory(self, proposal):
        if proposal["value"] <= 0:
            raise ValueError(f"{proposal['trait'].name} must be > 0, not {proposal['value']}")
        return proposal["value"]

    @validate("process_limit", "scratch_mib", "notebook_timeout", "open_files", "output_mib")
    def _positive_count(self, proposal):
        if proposal["value"] < 1:
            raise ValueError(f"{proposal['trait'].name} must be >= 1, not {proposal['value']}")
        return proposal["value"]

    @property
    def active(self) -> bool:
        """True unless the sandbox is turned off (configuration or environment variable)."""
        return self.enabled and not unsafe_grading_requested()


def unsafe_grading_requested(environ: dict[str, str] | None = None) -> bool:
    """Return True when ``DLCOURSE_UNSAFE_GRADING`` asks to grade without the sandbox.

    Parameters
    ----------
    environ : dict, optional
        The environment to read (default: ``os.environ``).

    Returns
    -------
    bool
        True for ``1``, ``true`` or ``yes`` (any case).
    """
    value = (os.environ if environ is None else environ).get(UNSAFE_ENV, "")
    return value.strip().lower() in {"1", "true", "yes"}


def allow_unsafe_grading(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Turn the sandbox off for this process and the nbgrader processes it starts.

    This is what a ``--unsafe`` command-line flag should call. Student code then runs with
    your permissions: use it only for trusted material (your own solutions, a demo).

    Parameters
    ----------
    environ : dict, optional
        The environment to change (default: ``os.environ``), e.g. the ``env`` given to a
        subprocess.

    Returns
    -------
    dict
        The environment, changed in place.

    Examples
    --------
    >>> env = allow_unsafe_grading({})
    >>> env["DLCOURSE_UNSAFE_GRADING"]
    '1'
    """
    target = os.environ if environ is None else environ
    target[UNSAFE_ENV] = "1"
    return target
