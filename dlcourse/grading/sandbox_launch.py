"""First program run inside the sandbox: limits, user, scratch folder, then the kernel.

bubblewrap starts ``python -I -S sandbox_launch.py SETTINGS -- KERNEL_COMMAND...``, where
SETTINGS is a JSON object. This script (standard library only, no ``site``) then

1. when started as root (the grader runs as root): leaves root for the unprivileged user id
   of SETTINGS, so that no capability is left and the process limit applies;
2. sets the resource limits (``RLIMIT_DATA``, ``RLIMIT_AS``, ``RLIMIT_NPROC``...);
3. copies the read-only seed folder (what the notebook's folder holds) into the scratch folder;
4. replaces itself with the kernel.

Any failure stops here with exit status 70, before student code could run.
"""

import json
import os
import resource
import shutil
import sys

_LIMITS = {
    "data": resource.RLIMIT_DATA,
    "address_space": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "file_size": resource.RLIMIT_FSIZE,
    "core": resource.RLIMIT_CORE,
}


def _leave_root(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise RuntimeError("could not leave root")


def _set_limits(limits: dict) -> None:
    for name, value in limits.items():
        soft, hard = resource.getrlimit(_LIMITS[name])
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(_LIMITS[name], (value, value))


def _copy_seed(seed: str, scratch: str) -> None:
    """Copy the seed's files and folders (only those: it holds nothing else) into scratch."""
    for current, dirs, files in os.walk(seed):
        target = os.path.join(scratch, os.path.relpath(current, seed))
        for name in dirs:
            os.makedirs(os.path.join(target, name), exist_ok=True)
        for name in files:
            shutil.copyfile(os.path.join(current, name), os.path.join(target, name))


def main(argv: list) -> int:
    """Apply SETTINGS (``argv[1]``), then exec the command after ``--``."""
    settings = json.loads(argv[1])
    command = argv[argv.index("--") + 1:]
    if os.getuid() == 0:
        _leave_root(settings["uid"], settings["gid"])
    _set_limits(settings["limits"])
    _copy_seed(settings["seed"], settings["scratch"])
    os.chdir(settings["scratch"])
    os.execv(command[0], command)
    return 70  # not reached


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as error:  # report anything, run nothing
        print(f"sandbox launcher: {type(error).__name__}: {error}", file=sys.stderr)
    sys.exit(70)
