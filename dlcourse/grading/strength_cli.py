"""``course strength``: how strong are the tests? (see :mod:`dlcourse.grading.strength`).

::

    course strength                      # every unit of solutions/
    course strength 01-perceptron --threshold 90 --jobs 2 --show-caught
    course strength path/to/source.ipynb --json

Exit status: 0 when every graded function's tests catch at least the threshold of its mutants,
1 when one is below, 2 when a notebook cannot be checked. The same runs as
``python -m dlcourse.grading.strength``. Only light modules are imported until the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from dlcourse.grading.mutation import DEFAULT_MAX_MUTANTS
from dlcourse.grading.strength_report import DEFAULT_THRESHOLD
from dlcourse.grading.strength_runner import MIN_TIMEOUT, TIMEOUT_FACTOR

__all__ = ["add_arguments", "add_command", "run"]


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a percentage such as 90, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


def _positive(kind: type) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the strength check's arguments to ``parser``."""
    parser.add_argument("units", nargs="*", metavar="UNIT",
                        help="units of solutions/ (e.g. 01-perceptron) or source notebooks; "
                             "default: every unit")
    parser.add_argument("--threshold", type=_percent, default=100 * DEFAULT_THRESHOLD,
                        metavar="PERCENT",
                        help="share of mutants each graded function's tests must catch "
                             f"(default {100 * DEFAULT_THRESHOLD:g})")
    parser.add_argument("--timeout", type=_positive(float), default=None, metavar="SECONDS",
                        help=f"time allowed per mutant (default: {TIMEOUT_FACTOR:g} times the "
                             f"exercise's tests on the solution, at least {MIN_TIMEOUT:g} s)")
    parser.add_argument("--jobs", type=_positive(int), default=1,
                        help="mutants run at the same time (default 1)")
    parser.add_argument("--max-mutants", type=_positive(int), default=DEFAULT_MAX_MUTANTS,
                        metavar="N", help="most mutants per function "
                                          f"(default {DEFAULT_MAX_MUTANTS})")
    parser.add_argument("--show-caught", action="store_true",
                        help="also list each caught mutant and the test cell that caught it")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def _terminal_progress(title: str, done: int, total: int) -> None:
    end = "\n" if done == total else ""
    print(f"\r{title[:50]}: {done}/{total} mutants", end=end, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Run the strength check for parsed arguments; return the exit status (0, 1 or 2)."""
    from dlcourse.grading.strength import StrengthError, all_units, measure_strength
    from dlcourse.grading.strength_report import format_report

    units = args.units or all_units()
    if not units:
        print("error: no source notebook in solutions/", file=sys.stderr)
        return 2
    results, status = [], 0
    show_progress = not args.json and sys.stderr.isatty()
    for unit in units:
        try:
            result = measure_strength(
                unit, threshold=args.threshold / 100, timeout=args.timeout, jobs=args.jobs,
                max_mutants=args.max_mutants,
                progress=_terminal_progress if show_progress else None)
        except StrengthError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2
            continue
        results.append(result)
        if not result.passed:
            status = max(status, 1)
        if not args.json:
            print(format_report(result, show_caught=args.show_caught), end="\n\n", flush=True)
    if args.json:
        print(json.dumps([result.to_dict() for result in results], indent=2))
    return status


def add_command(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``strength`` to the ``course`` command line; its ``run`` returns the exit status."""
    parser = commands.add_parser(
        "strength", help="how strong are the tests? mutate the solutions and count the "
                         "mutants the tests catch",
        description="How strong are the tests? Mutate each graded function of the source "
                    "notebooks and report, per exercise and function, the share of mutants "
                    "the visible and hidden tests catch, and the survivors.")
    add_arguments(parser)
    parser.set_defaults(run=run)
    return parser
