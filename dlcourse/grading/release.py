"""Release exercises: what ``nbgrader generate_assignment`` makes of ``solutions/``.

``python -m dlcourse.grading.release UNIT [UNIT ...]`` regenerates ``exercises/UNIT/`` with
stock nbgrader, working in a temporary copy so that the instructor's gradebook is left alone.
``make release`` calls it for every unit; a test checks that ``exercises/`` is up to date.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dlcourse.paths import COURSE_ROOT


def nbgrader_env() -> dict[str, str]:
    """Return an environment whose ``PATH`` starts with this Python's ``bin/``.

    nbgrader runs ``alembic`` as a command when it creates a gradebook, so the environment's
    scripts must be found first.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(
    args: list[str], grader_dir: Path, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``grader_dir``; raise ``RuntimeError`` with its log if it fails."""
    command = [sys.executable, "-m", "nbgrader", *args]
    result = subprocess.run(
        command, cwd=grader_dir, env=nbgrader_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed (exit {result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result


def copy_course(destination: Path, course_root: Path = COURSE_ROOT) -> Path:
    """Copy what nbgrader needs (``solutions/``, ``exercises/``, its config) to ``destination``."""
    destination = Path(destination)
    (destination / "grader").mkdir(parents=True, exist_ok=True)
    shutil.copy2(course_root / "grader" / "nbgrader_config.py", destination / "grader")
    for folder in ("solutions", "exercises"):
        source = course_root / folder
        if source.is_dir():
            shutil.copytree(source, destination / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return destination


def generate_release(
    units: list[str], output_dir: Path, course_root: Path = COURSE_ROOT
) -> list[Path]:
    """Generate the released notebooks of ``units`` into ``output_dir/UNIT/``.

    Parameters
    ----------
    units : list of str
        Unit slugs such as ``"01-perceptron"``; each must be a folder of ``solutions/``.
    output_dir : pathlib.Path
        Where the released folders are written (``exercises/`` for a real release).
    course_root : pathlib.Path
        The course to release from.

    Returns
    -------
    list of pathlib.Path
        The notebooks written.
    """
    missing = [unit for unit in units if not (course_root / "solutions" / unit).is_dir()]
    if missing:
        known = sorted(p.name for p in (course_root / "solutions").iterdir() if p.is_dir())
        raise ValueError(f"no such unit in solutions/: {missing}; the units are {known}")
    written = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        work = copy_course(Path(tmp), course_root)
        shutil.rmtree(work / "exercises", ignore_errors=True)
        for unit in units:
            run_nbgrader(["generate_assignment", unit, "--force"], work / "grader")
            target = Path(output_dir) / unit
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(work / "exercises" / unit, target)
            written.extend(sorted(target.glob("*.ipynb")))
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate ``exercises/UNIT`` for each unit given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("units", nargs="+", help="unit slugs, e.g. 01-perceptron")
    args = parser.parse_args(argv)
    try:
        written = generate_release(args.units, COURSE_ROOT / "exercises")
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"released {path.relative_to(COURSE_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
