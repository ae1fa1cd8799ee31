"""``course``: the instructor's command line (installed with the package).

Each subcommand lives in its own module of ``dlcourse.grading`` named ``cli_<name>.py`` or
``<name>_cli.py``, which defines::

    def add_command(commands: argparse._SubParsersAction) -> None:
        parser = commands.add_parser("name", help="...", description="...")
        parser.add_argument(...)
        parser.set_defaults(run=run)      # run(args) -> int, the exit status

:func:`main` finds these modules by name, so adding a subcommand is adding one module: no
other file changes. Keep their top-level imports light (import nbgrader inside ``run``), so
that ``course --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import dlcourse.grading as grading

__all__ = ["build_parser", "command_modules", "main"]


def command_modules() -> list[str]:
    """The names of the modules that define ``course`` subcommands, sorted."""
    names = []
    for module in pkgutil.iter_modules(grading.__path__):
        if module.name.startswith("cli_") or module.name.endswith("_cli"):
            names.append(f"{grading.__name__}.{module.name}")
    return sorted(names)


def build_parser() -> argparse.ArgumentParser:
    """The ``course`` parser, with every subcommand of :func:`command_modules`."""
    parser = argparse.ArgumentParser(
        prog="course",
        description="The course's instructor commands: grade a class in parallel, write "
                    "feedback, exchange with Moodle, measure the tests' strength.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in command_modules():
        importlib.import_module(name).add_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``course``; return the exit status of the subcommand."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
