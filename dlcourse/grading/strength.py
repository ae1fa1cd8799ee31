"""How strong are the tests? Mutate each graded function and count the mutants the tests catch.

For each exercise of a source notebook (``solutions/UNIT/UNIT.ipynb``), every function defined
in its solution cells is mutated by the operators of :mod:`~dlcourse.grading.mutation` (swapped
operators, changed constants, off-by-one indices, dropped statements, wrong ``axis=``...). Each
mutant runs, in a forked copy of a process that ran the set-up cells once
(:mod:`~dlcourse.grading.strength_runner`): the solution cells, the mutated function in place of
the right one, then that exercise's test cells, visible and hidden. A mutant is *caught* when a
test cell raises or the copy runs out of time. The report
(:mod:`~dlcourse.grading.strength_report`) gives, per exercise and function, the mutants, the
share caught and the survivors; equivalent mutants (that cannot change any output) are left out
through the allow-list of :mod:`~dlcourse.grading.strength_equivalents`.

Command line (``course strength`` runs the same)::

    python -m dlcourse.grading.strength                  # every unit of solutions/
    python -m dlcourse.grading.strength 01-perceptron --threshold 90 --jobs 2
    python -m dlcourse.grading.strength path/to/source.ipynb --json

Exit status: 0 when every graded function has at least the threshold caught (default 90 %),
1 when one is below, 2 when a notebook cannot be checked (missing, damaged, or its own
solution fails its tests).
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dlcourse.grading.mutation import (
    DEFAULT_MAX_MUTANTS,
    Mutant,
    function_mutants,
    graded_functions,
    sample_mutants,
)
from dlcourse.grading.strength_cli import add_arguments, add_command, run
from dlcourse.grading.strength_equivalents import EquivalentMutant, equivalents_for
from dlcourse.grading.strength_notebook import (
    Exercise,
    NotebookCell,
    SourceNotebook,
    StrengthError,
    read_source_notebook,
)
from dlcourse.grading.strength_report import (
    CAUGHT,
    DEFAULT_THRESHOLD,
    EQUIVALENT,
    SURVIVED,
    ExerciseStrength,
    FunctionStrength,
    MutantResult,
    UnitStrength,
)
from dlcourse.grading.strength_runner import CellFailure, ForkRunner, Program, default_timeout
from dlcourse.paths import COURSE_ROOT

__all__ = [
    "DEFAULT_MAX_MUTANTS",
    "DEFAULT_THRESHOLD",
    "StrengthError",
    "all_units",
    "main",
    "measure_strength",
    "register",
    "resolve_notebook",
]


def resolve_notebook(name: str | Path, course_root: Path = COURSE_ROOT) -> Path:
    """Return the source notebook of a unit (``"01-perceptron"``) or a notebook's path.

    Raises
    ------
    StrengthError
        When ``name`` is neither a unit of ``solutions/`` nor a notebook file.
    """
    path = Path(name)
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise StrengthError(f"no such notebook: {path}")
        return path
    candidate = course_root / "solutions" / str(name) / f"{name}.ipynb"
    if candidate.is_file():
        return candidate
    known = ", ".join(all_units(course_root)) or "none"
    raise StrengthError(f"no unit {str(name)!r} in solutions/ (the units are: {known})")


def all_units(course_root: Path = COURSE_ROOT) -> list[str]:
    """The units of ``solutions/`` that have a source notebook, in order."""
    return sorted(path.parent.name for path in (course_root / "solutions").glob("*/*.ipynb")
                  if path.stem == path.parent.name)


def _compile(cell: NotebookCell, module: ast.Module | None = None) -> tuple[str, object]:
    tree = module if module is not None else ast.parse(cell.source, filename=cell.label)
    return cell.label, compile(tree, filename=f"<{cell.label}>", mode="exec")


def _mutated_cell(cell: NotebookCell, module: ast.Module, mutant: Mutant) -> tuple[str, object]:
    """The cell with the mutant in place of its function, compiled."""
    body = [mutant.node if isinstance(node, ast.FunctionDef) and node.name == mutant.function
            else node for node in module.body]
    return _compile(cell, ast.Module(body=body, type_ignores=[]))


class _Plan:
    """The programs of one exercise: the solution's and one per mutant."""

    def __init__(self, notebook: SourceNotebook, exercise: Exercise, max_mutants: int):
        self.exercise = exercise
        self.tests = [_compile(cell) for cell in exercise.tests]
        self.solutions = {cell.label: _compile(cell) for cell in notebook.solutions}
        self.functions: list[FunctionStrength] = []
        self.mutants: list[Mutant] = []
        self.programs: list[Program] = []
        for cell in exercise.solutions:
            module = ast.parse(cell.source, filename=cell.label)
            for function in graded_functions(module):
                generated = function_mutants(function)
                kept = sample_mutants(generated, max_mutants)
                self.functions.append(FunctionStrength(function.name, [], len(generated)))
                for mutant in kept:
                    self.mutants.append(mutant)
                    self.programs.append(self._program(notebook, cell, module, mutant))

    def _program(self, notebook: SourceNotebook, cell: NotebookCell | None = None,
                 module: ast.Module | None = None, mutant: Mutant | None = None) -> Program:
        cells = [_mutated_cell(cell, module, mutant) if mutant and other.label == cell.label
                 else self.solutions[other.label] for other in notebook.solutions]
        return [*cells, *self.tests]

    def solution_program(self, notebook: SourceNotebook) -> Program:
        return self._program(notebook)


def _exercise_progress(progress: Callable[[str, int, int], None] | None, title: str,
                       total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(title, done, total)


def _classify(mutant: Mutant, outcome, allowed: dict[tuple[str, str, str], EquivalentMutant],
              matched: set[EquivalentMutant]) -> MutantResult:
    entry = allowed.get((mutant.function, mutant.before, mutant.after))
    if outcome.caught:
        status, reason = CAUGHT, ""
    elif entry is not None:
        status, reason = EQUIVALENT, entry.reason
        matched.add(entry)
    else:
        status, reason = SURVIVED, ""
    return MutantResult(mutant.function, mutant.operator, mutant.describe(), mutant.before,
                        mutant.after, status, outcome.by, outcome.message,
                        round(outcome.seconds, 4), reason)


def measure_strength(
    notebook: str | Path,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    timeout: float | None = None,
    jobs: int = 1,
    max_mutants: int = DEFAULT_MAX_MUTANTS,
    progress: Callable[[str, int, int], None] | None = None,
) -> UnitStrength:
    """Mutate every graded function of a source notebook and run its exercise's tests on each.

    The notebook's set-up cells run once in this process, which then forks one copy per mutant
    (see :mod:`~dlcourse.grading.strength_runner`): call it from a single-threaded process.

    Parameters
    ----------
    notebook : str or pathlib.Path
        A source notebook with solutions and hidden tests, or a unit of ``solutions/``.
    threshold : float
        The share of mutants each function's tests should catch, from 0 to 1 (default 0.9).
    timeout : float, optional
        Seconds per mutant. By default ten times as long as the exercise's tests take on the
        solution, and at least 5 s.
    jobs : int
        How many mutants run at the same time (default 1).
    max_mutants : int
        The most mutants per function; beyond, an even sample of them (default 120).
    progress : callable, optional
        Called as ``progress(exercise_title, done, total)`` as mutants finish.

    Returns
    -------
    UnitStrength
        The mutants of each function, caught or not; ``result.passed`` tells whether every
        function reaches the threshold.

    Raises
    ------
    StrengthError
        When the notebook cannot be read, a set-up cell fails, or the unmutated solution fails
        one of its own test cells.

    Examples
    --------
    >>> result = measure_strength("01-perceptron")  # doctest: +SKIP
    >>> [(f.name, f.share) for f in result.functions][:2]  # doctest: +SKIP
    [('sigmoid', 1.0), ('relu', 1.0)]
    """
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a share between 0 and 1, got {threshold!r}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not isinstance(max_mutants, int) or max_mutants < 1:
        raise ValueError(f"max_mutants must be a whole number >= 1, got {max_mutants!r}")
    started = time.perf_counter()
    source = read_source_notebook(resolve_notebook(notebook))
    runner = ForkRunner([_compile(cell) for cell in source.setup], jobs=jobs)
    plans = [_Plan(source, exercise, max_mutants) for exercise in source.exercises]
    try:
        runner.prepare()
    except CellFailure as failure:
        raise StrengthError(f"{source.path.name}: set-up cell {failure}") from None
    for plan in plans:
        try:
            runner.warm_up(plan.solution_program(source))
        except CellFailure as failure:
            raise StrengthError(
                f"{source.path.name}: the solution itself fails test cell {failure}; the "
                "strength of tests is measured on a solution that passes them") from None
    allowed = equivalents_for(source.unit)
    matched: set[EquivalentMutant] = set()
    exercises = []
    for plan in plans:
        baseline = runner.run([plan.solution_program(source)], timeout=max(600.0, timeout or 0))[0]
        if baseline.caught:
            raise StrengthError(
                f"{source.path.name}: the solution fails {baseline.by} when run in a forked "
                f"copy ({baseline.message}); the strength check cannot run this exercise")
        limit = timeout or default_timeout(baseline.seconds)
        outcomes = runner.run(plan.programs, limit, progress=_exercise_progress(
            progress, plan.exercise.title, len(plan.programs)))
        by_name = {function.name: function for function in plan.functions}
        for mutant, outcome in zip(plan.mutants, outcomes, strict=True):
            by_name[mutant.function].results.append(_classify(mutant, outcome, allowed, matched))
        exercises.append(ExerciseStrength(
            plan.exercise.key, plan.exercise.title, [cell.label for cell in plan.exercise.tests],
            plan.functions, round(baseline.seconds, 4), round(limit, 3)))
    stale = [f"{entry.describe()}: no surviving mutant matches it"
             for entry in allowed.values() if entry not in matched]
    return UnitStrength(source.unit, source.path, exercises, threshold,
                        round(time.perf_counter() - started, 2), stale)


# ------------------------------------------------------------------------------ command line


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``strength`` command to a command line's subparsers (as ``course strength``).

    The parser's default ``run`` is :func:`dlcourse.grading.strength_cli.run`, which takes the
    parsed arguments and returns the exit status.
    """
    return add_command(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dlcourse.grading.strength``: see the module's docstring."""
    parser = argparse.ArgumentParser(prog="python -m dlcourse.grading.strength",
                                     description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\nerror: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
