"""The report at the end of ``course grade``: a terminal summary, an HTML page, a figure.

:func:`summary_text` is what the terminal shows; :func:`write_report` writes, in
``grader/reports/``, ``UNIT.html`` (self-contained: the figure is embedded), ``UNIT.png`` (the
score distribution of each exercise and of the total) and ``UNIT.json`` (the same data, for
scripts). Both say, for the class:

- the score distribution per exercise (an exercise is the test cells whose ids share the part
  before the first ``_``, e.g. ``ex1_test_values`` and ``ex1_test_hidden``);
- every problem with the input (one line each: the student, then what was wrong and what was
  graded);
- the submissions that failed or timed out, and why (nbgrader's error, a cell's timeout, a
  dead kernel);
- the slowest submissions, with their slowest cell.

Everything a student wrote (ids, error messages) is escaped in the HTML page.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from dlcourse.grading.parallel import ClassResult, SubmissionResult

__all__ = [
    "ExerciseStats",
    "exercise_of",
    "exercise_stats",
    "incidents",
    "report_data",
    "summary_text",
    "write_report",
]

#: Error names of test cells that lost their kernel.
KERNEL_ERRORS = ("DeadKernelError",)
_SLOWEST = 10


def exercise_of(cell: str) -> str:
    """The exercise a test cell belongs to: its id up to the first ``_`` (``ex1_test`` → ``ex1``).

    Examples
    --------
    >>> exercise_of("ex2_test_hidden")
    'ex2'
    """
    return cell.split("_", 1)[0]


@dataclass(frozen=True)
class ExerciseStats:
    """The distribution of one exercise's scores over the class."""

    name: str
    max_score: float
    scores: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0

    @property
    def full_marks(self) -> int:
        return sum(score >= self.max_score for score in self.scores)

    @property
    def zeros(self) -> int:
        return sum(score == 0 for score in self.scores)


def _exercises(result: ClassResult) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for cell in result.max_scores:
        groups.setdefault(exercise_of(cell), []).append(cell)
    return groups


def _exercise_score(submission: SubmissionResult, cells: list[str]) -> float:
    return float(sum(submission.cell_scores.get(cell) or 0.0 for cell in cells))


def exercise_stats(result: ClassResult) -> list[ExerciseStats]:
    """Score distribution of each exercise, then of the total (named ``total``)."""
    stats = []
    for name, cells in _exercises(result).items():
        scores = tuple(_exercise_score(sub, cells) for sub in result.submissions)
        stats.append(ExerciseStats(name, float(sum(result.max_scores[c] for c in cells)), scores))
    totals = tuple(sub.score for sub in result.submissions)
    stats.append(ExerciseStats("total", result.max_score, totals))
    return stats


def incidents(submission: SubmissionResult) -> list[str]:
    """Why a submission errored or timed out, one line each (empty when it ran normally)."""
    lines = []
    if submission.status in ("failed", "timed out"):
        lines.append(f"{submission.status}: {submission.reason or 'no reason given'}")
    lines += [f"timed out in {cell}: {message}" for cell, message in submission.timeouts]
    lines += [f"kernel died in {cell}: {test['message']}"
              for cell, test in submission.tests.items() if test["error"] in KERNEL_ERRORS]
    return lines


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _slowest(result: ClassResult) -> list[SubmissionResult]:
    ran = [sub for sub in result.submissions if sub.seconds > 0]
    return sorted(ran, key=lambda sub: sub.seconds, reverse=True)[:_SLOWEST]


def _timing(result: ClassResult) -> dict[str, float]:
    ran = [sub for sub in result.submissions if sub.status != "not graded" and sub.seconds > 0]
    if not ran:
        return {}
    return {
        "wall_seconds": result.wall_seconds,
        "mean_seconds": statistics.fmean(sub.seconds for sub in ran),
        "median_compute_seconds": statistics.median(sub.compute_seconds for sub in ran),
        "median_overhead_seconds": statistics.median(sub.overhead_seconds for sub in ran),
        "median_kernel_wait_seconds": statistics.median(sub.kernel_wait_seconds for sub in ran),
        "prestarted_share": sum(sub.prestarted for sub in ran) / len(ran),
    }


def summary_text(result: ClassResult, report: str | os.PathLike | None = None) -> str:
    """The terminal summary of a graded class.

    Parameters
    ----------
    result : ClassResult
        What :func:`dlcourse.grading.parallel.grade_class` returned.
    report : path-like, optional
        The HTML report, named on the last line.

    Returns
    -------
    str
        A few lines: counts and time, score distribution per exercise, problems, errors and
        timeouts, the slowest submissions.
    """
    count = len(result.submissions)
    lines = [f"Graded {result.unit}: {count} submission(s) in {_duration(result.wall_seconds)} "
             f"with {result.workers} worker(s)"]
    lines.append("Scores (points)      mean  median   full marks   zero")
    for stats in exercise_stats(result):
        lines.append(f"  {stats.name:<8} / {_number(stats.max_score):>5}  {stats.mean:6.2f}  "
                     f"{stats.median:6.2f}   {stats.full_marks:5d}        {stats.zeros:5d}")
    problems = [(sub.student, line) for sub in result.submissions for line in sub.problems]
    if problems:
        affected = len({student for student, _ in problems})
        lines.append(f"Problems with the input ({len(problems)}, {affected} submission(s)):")
        lines += [f"  {student}: {line}" for student, line in problems]
    trouble = [(sub.student, line) for sub in result.submissions for line in incidents(sub)]
    if trouble:
        lines.append(f"Errors and timeouts ({len(trouble)}):")
        lines += [f"  {student}: {line}" for student, line in trouble]
    slowest = _slowest(result)[:3]
    if slowest:
        parts = []
        for sub in slowest:
            cell = (f" ({sub.slowest_cell[0]} {sub.slowest_cell[1]:.1f} s)"
                    if sub.slowest_cell else "")
            parts.append(f"{sub.student} {sub.seconds:.1f} s{cell}")
        lines.append("Slowest: " + "; ".join(parts))
    timing = _timing(result)
    if timing:
        lines.append(f"Per submission: {timing['mean_seconds']:.2f} s on average, of which "
                     f"{timing['median_overhead_seconds']:.2f} s (median) beyond running cells")
    if report is not None:
        lines.append(f"Report: {report}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- figure


def _figure_png(result: ClassResult) -> bytes:
    """Histograms of each exercise's scores and of the total, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from dlcourse.viz import class_color, label_axes

    stats = exercise_stats(result)
    columns = min(len(stats), 3)
    rows = -(-len(stats) // columns)
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(f"{result.unit}: score distribution of {len(result.submissions)} "
                    "submission(s)")
    for index, exercise in enumerate(stats):
        ax = figure.add_subplot(rows, columns, index + 1)
        values = sorted(set(exercise.scores) | {0.0, exercise.max_score})
        counts = [sum(score == value for score in exercise.scores) for value in values]
        width = max(exercise.max_score, 1.0) / max(len(values), 4) * 0.8
        color = class_color(7 if exercise.name == "total" else index)
        ax.bar(values, counts, width=width, color=color)
        ax.yaxis.get_major_locator().set_params(integer=True)
        label_axes(ax, f"{exercise.name} (out of {_number(exercise.max_score)})",
                   "score (points)", "submissions")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- HTML

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.failed, .timed-out { color: #b00020; } .not-graded { color: #8a5a00; }
img { max-width: 100%; } code { font-size: 90%; }
"""


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{cell}</td>' if index in numeric else f"<td>{cell}</td>"
                         for index, cell in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _html(result: ClassResult, png: bytes, data: dict) -> str:
    esc = html.escape
    stats = exercise_stats(result)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(result.unit)}: "
             f"grading report</title><style>{_STYLE}</style></head><body>",
             f"<h1>{esc(result.unit)}: grading report</h1>",
             f"<p>{len(result.submissions)} submission(s) graded in "
             f"{esc(_duration(result.wall_seconds))} with {result.workers} worker(s).</p>"]
    if data.get("unsafe"):
        parts.append("<p class='failed'><b>Graded without the sandbox (--unsafe).</b></p>")
    parts.append("<h2>Score distribution per exercise</h2>")
    parts.append(_table(
        ["exercise", "out of", "mean", "median", "min", "max", "full marks", "zero"],
        [[esc(s.name), _number(s.max_score), f"{s.mean:.2f}", f"{s.median:.2f}",
          _number(min(s.scores, default=0)), _number(max(s.scores, default=0)),
          str(s.full_marks), str(s.zeros)] for s in stats], numeric=set(range(1, 8))))
    encoded = base64.b64encode(png).decode("ascii")
    parts.append(f"<img alt='score distribution per exercise' src='data:image/png;base64,"
                 f"{encoded}'>")
    problems = [[esc(sub.student), esc(line)] for sub in result.submissions
                for line in sub.problems]
    parts.append(f"<h2>Problems with the input ({len(problems)})</h2>")
    parts.append(_table(["student", "problem, and what was graded"], problems)
                 if problems else "<p>None.</p>")
    trouble = [[esc(sub.student), esc(line)] for sub in result.submissions
               for line in incidents(sub)]
    parts.append(f"<h2>Errors and timeouts ({len(trouble)})</h2>")
    parts.append(_table(["student", "what happened"], trouble) if trouble else "<p>None.</p>")
    parts.append("<h2>Slowest submissions</h2>")
    parts.append(_table(
        ["student", "time (s)", "running cells (s)", "slowest cell", "its time (s)"],
        [[esc(sub.student), f"{sub.seconds:.1f}", f"{sub.compute_seconds:.1f}",
          esc(sub.slowest_cell[0]) if sub.slowest_cell else "",
          f"{sub.slowest_cell[1]:.1f}" if sub.slowest_cell else ""]
         for sub in _slowest(result)], numeric={1, 2, 4}))
    timing = data.get("timing") or {}
    if timing:
        parts.append(
            f"<p>Per submission: {timing['mean_seconds']:.2f} s on average in a worker; median "
            f"{timing['median_compute_seconds']:.2f} s running cells, "
            f"{timing['median_overhead_seconds']:.2f} s beyond (nbgrader, kernel start "
            f"{timing['median_kernel_wait_seconds']:.2f} s); "
            f"{timing['prestarted_share']:.0%} of the kernels started ahead of time.</p>")
    groups = _exercises(result)
    exercises = list(groups)
    rows = []
    for sub in result.submissions:
        rows.append([esc(sub.student), f"<span class='{sub.status.replace(' ', '-')}'>"
                     f"{esc(sub.status)}</span>", _number(sub.score)]
                    + [_number(_exercise_score(sub, groups[name])) for name in exercises]
                    + [str(len(sub.problems))])
    parts.append("<h2>Every submission</h2>")
    parts.append(_table(["student", "status", "total"] + exercises + ["problems"], rows,
                        numeric=set(range(2, len(exercises) + 4))))
    parts.append("</body></html>")
    return "\n".join(parts)


def report_data(result: ClassResult, unsafe: bool = False) -> dict:
    """The report's content as plain data (what ``UNIT.json`` holds)."""
    return {
        "unit": result.unit,
        "unsafe": unsafe,
        "workers": result.workers,
        "max_scores": result.max_scores,
        "exercises": {s.name: {"max_score": s.max_score, "mean": s.mean, "median": s.median,
                               "full_marks": s.full_marks, "zeros": s.zeros}
                      for s in exercise_stats(result)},
        "timing": _timing(result),
        "submissions": [
            {"student": sub.student, "status": sub.status, "score": sub.score,
             "cell_scores": sub.cell_scores, "problems": sub.problems,
             "incidents": incidents(sub), "tests": sub.tests, "seconds": sub.seconds,
             "compute_seconds": sub.compute_seconds,
             "kernel_wait_seconds": sub.kernel_wait_seconds,
             "slowest_cell": sub.slowest_cell, "prestarted": sub.prestarted,
             "phases": sub.phases}
            for sub in result.submissions],
    }


def write_report(result: ClassResult, folder: str | os.PathLike,
                 unsafe: bool = False) -> dict[str, Path]:
    """Write ``UNIT.html``, ``UNIT.png`` and ``UNIT.json`` into ``folder`` (created if needed).

    Parameters
    ----------
    result : ClassResult
        The graded class.
    folder : str or path-like
        Usually ``grader/reports``.
    unsafe : bool
        Whether the class was graded without the sandbox (the page says so).

    Returns
    -------
    dict
        ``{"html": path, "png": path, "json": path}``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png = _figure_png(result)
    data = report_data(result, unsafe)
    paths = {kind: folder / f"{result.unit}.{kind}" for kind in ("html", "png", "json")}
    paths["png"].write_bytes(png)
    paths["json"].write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    paths["html"].write_text(_html(result, png, data), encoding="utf-8")
    return paths
