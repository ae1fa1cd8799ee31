"""``course moodle-import`` and ``course moodle-export``: the Moodle round trip.

Both hand over to :mod:`dlcourse.grading.lms` (its command line does the work, prints the
same lines and returns the same exit status); ``moodle-export`` first runs ``nbgrader
export`` when no ``grades.csv`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_command", "run_export", "run_import"]


def add_command(commands) -> None:
    """Register ``course moodle-import`` and ``course moodle-export``."""
    from dlcourse.grading.lms import DEFAULT_SUBMITTED

    imp = commands.add_parser(
        "moodle-import", help="copy a Moodle 'Download all submissions' zip into "
                              "grader/submitted",
        description="Copy each student's notebook of a Moodle 'Download all submissions' zip "
                    "to grader/submitted/STUDENT/UNIT/UNIT.ipynb, mapping students through "
                    "the roster; the zip is only read. Exit status: 0 all imported, 1 "
                    "problems reported (the rest imported), 2 bad input.")
    imp.add_argument("zip", help="the zip downloaded from Moodle")
    imp.add_argument("--roster", required=True, help="the roster CSV (participant_id, "
                                                     "student_id, first_name, last_name, email)")
    imp.add_argument("--assignment", required=True, help="the unit, e.g. 01-perceptron")
    imp.add_argument("--submitted", default=str(DEFAULT_SUBMITTED),
                     help="nbgrader's submitted folder (default: the course's "
                          "grader/submitted)")
    imp.add_argument("--overwrite", action="store_true", help="replace submissions already "
                                                              "there")
    imp.set_defaults(run=run_import)

    exp = commands.add_parser(
        "moodle-export", help="write the grades as a CSV for Moodle's grade import",
        description="Write one row per roster student (Email address, Student ID, Full name, "
                    "Grade, Max grade) for Moodle's Grades > Import > CSV file, from the "
                    "grades.csv of `nbgrader export` (run first when --grades is not given).")
    exp.add_argument("--grades", default=None,
                     help="grades.csv of `nbgrader export` (default: run `nbgrader export` "
                          "and use the grades.csv it writes in the grader folder)")
    exp.add_argument("--roster", required=True, help="the roster CSV")
    exp.add_argument("--assignment", required=True, help="the unit, e.g. 01-perceptron")
    exp.add_argument("--out", required=True, help="the CSV to write for Moodle")
    exp.add_argument("--grader-dir", type=Path, default=None,
                     help="the folder of nbgrader_config.py, where `nbgrader export` runs "
                          "(default: the current folder if it has one, else the course's "
                          "grader/)")
    exp.set_defaults(run=run_export)


def run_import(args: argparse.Namespace) -> int:
    """``lms import`` with the same arguments."""
    from dlcourse.grading import lms

    argv = ["import", args.zip, "--roster", args.roster, "--assignment", args.assignment,
            "--submitted", args.submitted]
    return lms.main(argv + (["--overwrite"] if args.overwrite else []))


def run_export(args: argparse.Namespace) -> int:
    """``nbgrader export`` unless ``--grades`` is given, then ``lms export``."""
    from dlcourse.grading import lms
    from dlcourse.grading.parallel import default_grader_dir
    from dlcourse.grading.release import run_nbgrader

    grades = args.grades
    if grades is None:
        grader_dir = (args.grader_dir or default_grader_dir()).resolve()
        try:
            run_nbgrader(["export", "--to", "grades.csv"], grader_dir)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        grades = str(grader_dir / "grades.csv")
        print(f"nbgrader export wrote {grades}")
    return lms.main(["export", "--grades", grades, "--roster", args.roster,
                     "--assignment", args.assignment, "--out", args.out])
