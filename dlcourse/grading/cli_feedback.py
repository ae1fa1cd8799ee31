"""``course feedback UNIT``: each student's HTML feedback, without the hidden tests' code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_command", "run"]


def add_command(commands) -> None:
    """Register ``course feedback``."""
    parser = commands.add_parser(
        "feedback", help="write each graded student's HTML feedback",
        description="Run `nbgrader generate_feedback UNIT` with the course's configuration: "
                    "one HTML page per graded student in grader/feedback/STUDENT/UNIT/, with "
                    "a table of the tests (points, passed or failed, message) and no code of "
                    "the hidden tests.")
    parser.add_argument("unit", help="the unit (assignment), e.g. 01-perceptron")
    parser.add_argument("--student", nargs="+", metavar="ID", default=None,
                        help="only these students")
    parser.add_argument("--grader-dir", type=Path, default=None,
                        help="the folder of nbgrader_config.py (default: the current folder "
                             "if it has one, else the course's grader/)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the feedback; print where."""
    from dlcourse.grading.feedback import generate_feedback
    from dlcourse.grading.parallel import default_grader_dir

    grader_dir = (args.grader_dir or default_grader_dir()).resolve()
    try:
        written = generate_feedback(args.unit, grader_dir, args.student)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"no feedback written: is {args.unit} graded?", file=sys.stderr)
        return 1
    return 0
