"""The results of the strength check, per unit, exercise and function, as text or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "CAUGHT",
    "DEFAULT_THRESHOLD",
    "EQUIVALENT",
    "SURVIVED",
    "ExerciseStrength",
    "FunctionStrength",
    "MutantResult",
    "UnitStrength",
    "format_report",
]

#: The share of mutants each graded function's tests should catch, by default.
DEFAULT_THRESHOLD = 0.9
#: A mutant that made a test cell fail (or time out).
CAUGHT = "caught"
#: A mutant that passed every test cell of its exercise.
SURVIVED = "survived"
#: A mutant that passed, and that the allow-list explains (it cannot change any output).
EQUIVALENT = "equivalent"


@dataclass(frozen=True)
class MutantResult:
    """One mutant and what the tests made of it.

    Attributes
    ----------
    function : str
        The mutated function.
    operator : str
        The mutation operator (see :data:`dlcourse.grading.mutation.OPERATORS`).
    change : str
        The change, readable, e.g. ``"line 6: `z >= 0` -> `z > 0`"``.
    before, after : str
        The whole changed statement before and after (``after`` empty when it was dropped), as
        an allow-list entry names it.
    status : str
        ``"caught"``, ``"survived"`` or ``"equivalent"``.
    by : str
        The test cell that failed, ``"timeout"`` or ``"crash"``; empty when it passed.
    message : str
        The first line of the failure.
    seconds : float
        How long the tests ran on it.
    reason : str
        Why an equivalent mutant cannot change any output (from the allow-list).
    """

    function: str
    operator: str
    change: str
    before: str
    after: str
    status: str
    by: str = ""
    message: str = ""
    seconds: float = 0.0
    reason: str = ""


@dataclass
class FunctionStrength:
    """The mutants of one graded function.

    Attributes
    ----------
    name : str
        The function.
    results : list of MutantResult
        Its mutants, in the order they were made.
    generated : int
        How many mutants the operators made before the cap per function (``len(results)`` when
        the cap was not reached).
    """

    name: str
    results: list[MutantResult] = field(default_factory=list)
    generated: int = 0

    def count(self, status: str) -> int:
        """How many mutants have ``status``."""
        return sum(result.status == status for result in self.results)

    @property
    def counted(self) -> int:
        """The mutants that count: all of them but the equivalent ones."""
        return len(self.results) - self.count(EQUIVALENT)

    @property
    def caught(self) -> int:
        """The mutants the tests caught."""
        return self.count(CAUGHT)

    @property
    def share(self) -> float | None:
        """The share of counted mutants caught, from 0 to 1 (None when there is none)."""
        return self.caught / self.counted if self.counted else None

    @property
    def survivors(self) -> list[MutantResult]:
        """The mutants no test caught, equivalent ones excluded."""
        return [result for result in self.results if result.status == SURVIVED]

    def below(self, threshold: float) -> bool:
        """Whether the share caught is below ``threshold`` (a share from 0 to 1)."""
        return self.share is not None and self.share < threshold - 1e-12


@dataclass
class ExerciseStrength:
    """The graded functions of one exercise.

    Attributes
    ----------
    key, title : str
        ``"ex1"`` and the exercise's heading.
    test_cells : list of str
        The grade_ids of its test cells, visible and hidden.
    functions : list of FunctionStrength
        Its graded functions.
    test_seconds : float
        How long its tests take on the unmutated solution.
    timeout : float
        The time each mutant was given.
    """

    key: str
    title: str
    test_cells: list[str]
    functions: list[FunctionStrength]
    test_seconds: float
    timeout: float

    @property
    def counted(self) -> int:
        """The counted mutants of all its functions."""
        return sum(function.counted for function in self.functions)

    @property
    def caught(self) -> int:
        """The caught mutants of all its functions."""
        return sum(function.caught for function in self.functions)


@dataclass
class UnitStrength:
    """The strength of one source notebook's tests.

    Attributes
    ----------
    unit : str
        The unit, e.g. ``"01-perceptron"``.
    notebook : pathlib.Path
        The source notebook.
    exercises : list of ExerciseStrength
        Its exercises with graded functions and tests.
    threshold : float
        The share each function should reach, from 0 to 1.
    seconds : float
        How long the check took.
    stale : list of str
        Allow-list entries of this unit that no surviving mutant matches (fix or remove them).
    """

    unit: str
    notebook: Path
    exercises: list[ExerciseStrength]
    threshold: float
    seconds: float = 0.0
    stale: list[str] = field(default_factory=list)

    @property
    def functions(self) -> list[FunctionStrength]:
        """Every graded function, in notebook order."""
        return [function for exercise in self.exercises for function in exercise.functions]

    @property
    def weak(self) -> list[FunctionStrength]:
        """The functions whose share caught is below the threshold."""
        return [function for function in self.functions if function.below(self.threshold)]

    @property
    def passed(self) -> bool:
        """True when no function is below the threshold."""
        return not self.weak

    def to_dict(self) -> dict:
        """The results as plain data (for ``--json``), shares and totals included."""
        data = asdict(self)
        data["notebook"] = str(self.notebook)
        data["passed"] = self.passed
        for exercise, exercise_data in zip(self.exercises, data["exercises"], strict=True):
            for function, function_data in zip(exercise.functions, exercise_data["functions"],
                                               strict=True):
                function_data.update(counted=function.counted, caught=function.caught,
                                     equivalent=function.count(EQUIVALENT), share=function.share,
                                     below_threshold=function.below(self.threshold))
        return data


def _percent(share: float | None) -> str:
    return "  n/a" if share is None else f"{100 * share:4.0f} %"


def format_report(result: UnitStrength, *, show_caught: bool = False) -> str:
    """Return the report of one unit as text: per exercise, per function, the survivors.

    Parameters
    ----------
    result : UnitStrength
        What :func:`dlcourse.grading.strength.measure_strength` returned.
    show_caught : bool
        Also list each caught mutant with the test cell that caught it.
    """
    threshold = f"{100 * result.threshold:g} %"
    counted = sum(exercise.counted for exercise in result.exercises)
    caught = sum(exercise.caught for exercise in result.exercises)
    share = caught / counted if counted else None
    lines = [f"Test strength of {result.unit} ({result.notebook.name}): {caught} of {counted} "
             f"mutants caught ({_percent(share).strip()}), in {result.seconds:.1f} s"]
    for exercise in result.exercises:
        lines += ["", f"{exercise.title}",
                  f"  tests {', '.join(exercise.test_cells)}: {exercise.test_seconds:.2f} s on "
                  f"the solution, {exercise.timeout:.3g} s allowed per mutant",
                  f"  {'function':<24}{'mutants':>8}{'caught':>8}{'share':>8}"]
        for function in exercise.functions:
            flag = f"  BELOW {threshold}" if function.below(result.threshold) else ""
            extra = (f"  (capped: {len(function.results)} of {function.generated})"
                     if function.generated > len(function.results) else "")
            lines.append(f"  {function.name:<24}{function.counted:>8}{function.caught:>8}"
                         f"{_percent(function.share):>8}{flag}{extra}")
            for mutant in function.results:
                if mutant.status == SURVIVED:
                    lines.append(f"      survived    {mutant.change}")
                elif mutant.status == EQUIVALENT:
                    lines.append(f"      equivalent  {mutant.change}  ({mutant.reason})")
                elif show_caught:
                    lines.append(f"      caught by {mutant.by}: {mutant.change}")
    lines.append("")
    for entry in result.stale:
        lines.append(f"warning: stale allow-list entry: {entry}")
    weak = result.weak
    if weak:
        names = ", ".join(f"{f.name} ({_percent(f.share).strip()})" for f in weak)
        lines.append(f"{len(weak)} function(s) below {threshold}: {names}. Strengthen their "
                     "tests in the source notebook (the survivors above show what they miss).")
    else:
        lines.append(f"Every graded function has at least {threshold} of its mutants caught.")
    return "\n".join(lines)
