"""``course grade UNIT``: grade every submission of a unit in parallel, then report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dlcourse.grading.badinput import DEFAULT_MAX_BYTES
from dlcourse.grading.parallel import DEFAULT_TIMEOUT

__all__ = ["add_command", "run"]


def _megabytes(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of megabytes: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"the size limit must be positive, got {text!r}")
    return int(value * 1e6)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_command(commands) -> None:
    """Register ``course grade``."""
    parser = commands.add_parser(
        "grade", help="grade a unit's submissions in parallel, with a report",
        description="Grade every submission in grader/submitted/*/UNIT with nbgrader's "
                    "autograde and the course's nbgrader configuration (sandbox included), "
                    "in parallel, writing the same gradebook entries as `nbgrader autograde "
                    "UNIT`. Submitted files are never modified. Ends with a summary and a "
                    "report in grader/reports/UNIT.html (also .png and .json).",
        epilog="Exit status: 0 when every submission was graded without problem, 1 when some "
               "had problems (bad input, errors, timeouts: see the report), 2 when grading "
               "could not start.")
    parser.add_argument("unit", help="the unit (assignment), e.g. 01-perceptron")
    parser.add_argument("--workers", type=_positive, default=None,
                        help="grading processes (default: the number of CPU cores)")
    parser.add_argument("--student", nargs="+", metavar="ID", default=None,
                        help="grade only these students")
    parser.add_argument("--unsafe", action="store_true",
                        help="run student code WITHOUT the sandbox (trusted material only)")
    parser.add_argument("--max-size", type=_megabytes, default=DEFAULT_MAX_BYTES,
                        metavar="MB", help=f"size limit of a submitted file, in MB "
                                           f"(default {DEFAULT_MAX_BYTES / 1e6:g})")
    parser.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds one submission may take before it is stopped "
                             f"(default {DEFAULT_TIMEOUT})")
    parser.add_argument("--cell-timeout", type=_positive, default=None, metavar="S",
                        help="seconds per cell (default: c.Execute.timeout of the "
                             "configuration)")
    parser.add_argument("--no-prestart", action="store_true",
                        help="do not start the next kernel while a notebook runs")
    parser.add_argument("--feedback", action="store_true",
                        help="write each student's HTML feedback afterwards")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--grader-dir", type=Path, default=None,
                        help="the folder of nbgrader_config.py (default: the current folder "
                             "if it has one, else the course's grader/)")
    parser.add_argument("--report-dir", type=Path, default=None,
                        help="where to write the report (default: grader/reports)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Grade, print the summary, write the report (and the feedback if asked)."""
    from dlcourse.grading.feedback import generate_feedback
    from dlcourse.grading.parallel import GradingError, default_grader_dir, grade_class
    from dlcourse.grading.report import summary_text, write_report

    grader_dir = (args.grader_dir or default_grader_dir()).resolve()
    try:
        result = grade_class(
            args.unit, grader_dir=grader_dir, workers=args.workers, students=args.student,
            unsafe=args.unsafe, max_bytes=args.max_size, timeout=args.timeout,
            cell_timeout=args.cell_timeout, prestart=not args.no_prestart,
            progress=not args.no_progress)
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    paths = write_report(result, args.report_dir or grader_dir / "reports", unsafe=args.unsafe)
    print(summary_text(result, report=paths["html"]))
    if args.unsafe:
        print("Graded WITHOUT the sandbox (--unsafe).")
    if args.feedback:
        graded = [sub.student for sub in result.submissions if sub.status != "not graded"]
        try:  # one nbgrader run for the whole class, one per student for a selection
            written = generate_feedback(args.unit, grader_dir,
                                        None if args.student is None else graded)
        except RuntimeError as error:
            print(f"error: feedback: {error}", file=sys.stderr)
            return 2
        print(f"Feedback: {len(written)} file(s) in "
              f"{written[0].parents[2] if written else 'the feedback folder'}")
    troubled = [sub for sub in result.submissions
                if sub.problems or sub.status != "graded" or sub.timeouts]
    return 1 if troubled else 0
