"""The round trip with Moodle: submissions in, grades out.

``import_moodle_zip`` copies the notebooks of a Moodle "Download all submissions" zip into
nbgrader's ``grader/submitted/<student_id>/<assignment>/<assignment>.ipynb``;
``export_moodle_grades`` turns the ``grades.csv`` that ``nbgrader export`` writes into a CSV
that Moodle's grade import accepts.

Both read a roster, a CSV file in UTF-8 (with or without a byte-order mark) whose header names,
in any order, the columns

``participant_id``
    Moodle's participant id: the number in the submission folder names
    (``Full Name_12345_assignsubmission_file_``). It may be left empty; the student is then
    found by name.
``student_id``
    The student's id in nbgrader's gradebook, and the name of their folder in
    ``grader/submitted``.
``first_name``, ``last_name``
    As in Moodle; used to find a student whose participant id is not in the roster.
``email``
    The e-mail address of the Moodle account: Moodle's grade import matches on it.

Other columns are ignored; whitespace around names and values is stripped.

Command line (run from anywhere; the default submitted folder is the course's)::

    python -m dlcourse.grading.lms import ZIP --roster R --assignment A [--submitted DIR]
    python -m dlcourse.grading.lms export --grades grades.csv --roster R --assignment A \\
        --out moodle.csv

``import`` exits 0 when every folder was imported, 1 when some problems were reported (the
rest was imported), 2 on bad input (missing file, bad zip, bad roster).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dlcourse.paths import COURSE_ROOT

__all__ = [
    "ImportReport",
    "RosterEntry",
    "export_moodle_grades",
    "import_moodle_zip",
    "main",
    "read_roster",
]

#: The columns a roster must have.
ROSTER_COLUMNS = ("participant_id", "student_id", "first_name", "last_name", "email")
#: The columns of ``nbgrader export``'s ``grades.csv`` that the export reads.
GRADES_COLUMNS = ("assignment", "student_id", "timestamp", "score", "max_score")
#: The columns of the CSV written for Moodle's grade import, in order.
MOODLE_COLUMNS = ("Email address", "Student ID", "Full name", "Grade", "Max grade")
#: The default folder of submissions: nbgrader's, in the course.
DEFAULT_SUBMITTED = COURSE_ROOT / "grader" / "submitted"

# "Full Name_12345_assignsubmission_file_" followed by "/path" (downloaded in folders) or
# directly by the file name (downloaded without folders).
_MOODLE_ENTRY = re.compile(
    r"^(?P<folder>(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[A-Za-z0-9]+)_)"
    r"(?P<rest>.*)$",
    re.DOTALL,
)
_UTF8_FLAG = 0x800
_IGNORED_PARTS = ("__MACOSX",)


# --------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster; see the module's docstring for the columns."""

    participant_id: str
    student_id: str
    first_name: str
    last_name: str
    email: str

    @property
    def full_name(self) -> str:
        """The name as Moodle shows it: first name, then last name."""
        return f"{self.first_name} {self.last_name}".strip()


def _check_file(path: str | os.PathLike, what: str) -> Path:
    """Return ``path`` as a ``Path``; raise ``FileNotFoundError`` naming it if it is no file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {str(path)!r}")
    return path


def _check_name(value: str, what: str) -> str:
    """Return ``value`` if it can be a single folder name, else raise ``ValueError``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    if value in (".", "..") or any(sep in value for sep in ("/", "\\", "\0")):
        raise ValueError(f"{what} must be a plain folder name (no '/', '\\' or '..'), "
                         f"got {value!r}")
    return value


def _normalise_header(name: str | None) -> str:
    return (name or "").strip().lower().replace(" ", "_").replace("-", "_")


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """Read a UTF-8 CSV into dicts keyed by normalised header; check ``required`` columns."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise ValueError(f"{what} {str(path)!r} is empty: it needs a header with "
                                 f"columns {', '.join(required)}")
            keys = [_normalise_header(name) for name in header]
            missing = [column for column in required if column not in keys]
            if missing:
                raise ValueError(
                    f"{what} {str(path)!r} lacks column(s) {', '.join(missing)}; "
                    f"its header is {', '.join(name.strip() for name in header)}")
            rows = []
            for values in reader:
                if not any(value.strip() for value in values):
                    continue
                row = {key: "" for key in keys}
                row.update((key, value.strip()) for key, value in zip(keys, values, strict=False))
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} {str(path)!r} is not UTF-8 text ({exc.reason} at byte "
                         f"{exc.start})") from None
    return rows


def read_roster(roster_csv: str | os.PathLike) -> list[RosterEntry]:
    """Read and check a roster.

    Parameters
    ----------
    roster_csv : str or path-like
        The roster, a UTF-8 CSV file with the columns ``participant_id``, ``student_id``,
        ``first_name``, ``last_name`` and ``email`` in any order (see the module's docstring).

    Returns
    -------
    list of RosterEntry
        The students, in the order of the file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a column is missing, a ``student_id`` is empty or not a plain folder name, or a
        ``student_id`` or ``participant_id`` appears twice.
    """
    path = _check_file(roster_csv, "roster")
    entries = []
    for line, row in enumerate(_read_csv(path, ROSTER_COLUMNS, "roster"), start=2):
        try:
            _check_name(row["student_id"], "student_id")
        except ValueError as exc:
            raise ValueError(f"roster {str(path)!r}, row {line}: {exc}") from None
        pid = row["participant_id"]
        if pid and not pid.isdigit():
            raise ValueError(f"roster {str(path)!r}, row {line}: participant_id must be a "
                             f"number (Moodle's participant id), got {pid!r}")
        entries.append(RosterEntry(**{column: row[column] for column in ROSTER_COLUMNS}))
    for column in ("student_id", "participant_id"):
        values = [getattr(entry, column) for entry in entries if getattr(entry, column)]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ValueError(f"roster {str(path)!r}: {column} appears more than once: "
                             f"{', '.join(duplicates)}")
    return entries


def _fold(name: str) -> str:
    """Fold a name for comparison: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().replace("_", " ").split())


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What ``import_moodle_zip`` did.

    Attributes
    ----------
    imported : list of str
        The ``student_id`` of each student whose notebook was copied.
    renamed : list of str
        One line for each notebook copied under another name than it had.
    problems : list of str
        One line for each folder or entry that was not imported, and why.
    """

    imported: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return a readable summary: counts, then the renamed notebooks and the problems."""
        lines = [f"imported {len(self.imported)} submission(s), renamed {len(self.renamed)}, "
                 f"{len(self.problems)} problem(s)"]
        lines += [f"  renamed: {line}" for line in self.renamed]
        lines += [f"  problem: {line}" for line in self.problems]
        return "\n".join(lines)


def _entry_name(info: zipfile.ZipInfo) -> str | None:
    """Return the entry's name as UTF-8 text, or ``None`` if its bytes are not UTF-8."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    # zipfile decoded the bytes as cp437, which round-trips exactly.
    try:
        return info.orig_filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return None


def _is_unsafe(name: str) -> bool:
    """Whether extracting ``name`` could write outside the target folder (zip-slip)."""
    unified = name.replace("\\", "/")
    parts = unified.split("/")
    return (unified.startswith("/") or re.match(r"^[A-Za-z]:", unified) is not None
            or ".." in parts or "\0" in unified)


def _is_ignored(name: str) -> bool:
    """Whether an entry is clutter: a folder, macOS metadata or a hidden file."""
    if name.endswith("/"):
        return True
    parts = PurePosixPath(name).parts
    return any(part in _IGNORED_PARTS or part.startswith(".") for part in parts)


def _find_student(name: str, pid: str, roster: list[RosterEntry]) -> list[RosterEntry]:
    """Return the roster entries that match a folder: by participant id, else by name."""
    by_id = [entry for entry in roster if entry.participant_id and entry.participant_id == pid]
    if by_id:
        return by_id
    folded = _fold(name)
    return [entry for entry in roster
            if folded in (_fold(f"{entry.first_name} {entry.last_name}"),
                          _fold(f"{entry.last_name} {entry.first_name}"))]


def _is_notebook(data: bytes) -> bool:
    """Whether ``data`` is a JSON notebook (an object with a list of cells)."""
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return (isinstance(content, dict) and isinstance(content.get("cells"), list)
            and isinstance(content.get("nbformat"), int))


def _write_atomically(destination: Path, data: bytes) -> None:
    """Write ``data`` to ``destination`` through a temporary file in the same folder."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".import-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _group_entries(
    archive: zipfile.ZipFile, report: ImportReport
) -> dict[str, dict[str, zipfile.ZipInfo]]:
    """Group the zip's file entries by Moodle submission folder; report what does not fit."""
    folders: dict[str, dict[str, zipfile.ZipInfo]] = {}
    strays: set[str] = set()
    for info in archive.infolist():
        name = _entry_name(info)
        if name is None:
            shown = info.orig_filename.encode("cp437").decode("utf-8", errors="replace")
            report.problems.append(f"{shown!r}: the name is not valid UTF-8; skipped "
                                   "(rename the folder and zip it again)")
            continue
        if _is_unsafe(name):
            report.problems.append(f"{name!r}: unsafe path in the zip (absolute or with "
                                   "'..'); refused")
            continue
        if _is_ignored(name):
            continue
        match = _MOODLE_ENTRY.match(name)
        if match is None:
            strays.add(name.split("/", 1)[0])
            continue
        if match["plugin"] != "file":
            continue  # online text, comments: nothing for nbgrader
        inner = match["rest"].lstrip("/")
        folders.setdefault(match["folder"], {})[inner] = info
    report.problems += [f"{stray!r}: not a Moodle submission folder "
                        "('Full Name_12345_assignsubmission_file_'); skipped"
                        for stray in sorted(strays)]
    return folders


def import_moodle_zip(
    zip_path: str | os.PathLike,
    roster_csv: str | os.PathLike,
    submitted_dir: str | os.PathLike,
    assignment: str,
    overwrite: bool = False,
) -> ImportReport:
    """Copy the notebooks of a Moodle "Download all submissions" zip into nbgrader's folders.

    Each folder of the zip, named ``Full Name_12345_assignsubmission_file_`` by Moodle, is
    matched to a roster student by its participant id (12345), or else by the full name
    (ignoring case and accents, first-last or last-first). Its notebook is copied to
    ``submitted_dir/<student_id>/<assignment>/<assignment>.ipynb``; a notebook saved under
    another name (``01-perceptron (1).ipynb``) is copied under that name if it is the folder's
    only notebook, and listed in ``renamed``. The zip is only read: nothing is extracted, and
    only the destination files are written.

    Problems do not stop the import: each is one line of ``problems``, and the folder (or
    entry) is skipped. Folders of other Moodle plugins (online text, comments), macOS
    metadata and hidden files are ignored silently. The problems are: a name that is not
    UTF-8, an unsafe path (absolute or with ``..``: zip-slip), a folder that is not Moodle's or
    whose student is not in the roster (or matches several), a folder with no notebook or
    several, a notebook that is not valid JSON, a student with several folders, and an
    existing submission when ``overwrite`` is false.

    Parameters
    ----------
    zip_path : str or path-like
        The zip downloaded from Moodle.
    roster_csv : str or path-like
        The roster (see ``read_roster``).
    submitted_dir : str or path-like
        nbgrader's folder of submissions, usually ``grader/submitted``; created if needed.
    assignment : str
        The assignment's name, e.g. ``"01-perceptron"``; also the notebook's name.
    overwrite : bool, default False
        Whether to replace a submission already in ``submitted_dir``.

    Returns
    -------
    ImportReport
        The students imported, the notebooks renamed, and the problems.

    Raises
    ------
    FileNotFoundError
        If the zip or the roster does not exist.
    ValueError
        If the zip is not a zip file, the roster is invalid, or ``assignment`` is not a plain
        folder name.
    """
    _check_name(assignment, "assignment")
    if not isinstance(overwrite, bool):
        raise ValueError(f"overwrite must be True or False, got {overwrite!r}")
    zip_path = _check_file(zip_path, "zip file")
    roster = read_roster(roster_csv)
    submitted_dir = Path(submitted_dir)
    expected = f"{assignment}.ipynb"
    report = ImportReport()
    try:
        archive = zipfile.ZipFile(zip_path, mode="r")
    except zipfile.BadZipFile:
        raise ValueError(f"{str(zip_path)!r} is not a zip file") from None
    with archive:
        folders = _group_entries(archive, report)
        for folder, entries in sorted(folders.items()):
            match = _MOODLE_ENTRY.match(folder)
            students = _find_student(match["name"], match["pid"], roster)
            if not students:
                report.problems.append(f"{folder!r}: participant {match['pid']} "
                                       f"({match['name']}) is not in the roster; skipped")
                continue
            if len(students) > 1:
                ids = ", ".join(entry.student_id for entry in students)
                report.problems.append(f"{folder!r}: the name matches several students of the "
                                       f"roster ({ids}); skipped")
                continue
            student = students[0]
            notebooks = sorted(name for name in entries if name.lower().endswith(".ipynb"))
            if not notebooks:
                found = ", ".join(sorted(entries)) or "nothing"
                report.problems.append(f"{folder!r} ({student.student_id}): no notebook in the "
                                       f"folder (found: {found}); skipped")
                continue
            if len(notebooks) > 1:
                report.problems.append(f"{folder!r} ({student.student_id}): several notebooks "
                                       f"({', '.join(notebooks)}); none imported")
                continue
            source = notebooks[0]
            if student.student_id in report.imported:
                report.problems.append(f"{folder!r} ({student.student_id}): a second folder "
                                       "for the same student; skipped")
                continue
            data = archive.read(entries[source])
            if not _is_notebook(data):
                report.problems.append(f"{folder!r} ({student.student_id}): {source!r} is not "
                                       "a valid notebook (not notebook JSON); not copied")
                continue
            destination = submitted_dir / student.student_id / assignment / expected
            if destination.exists() and not overwrite:
                report.problems.append(f"{student.student_id}: a submission is already in "
                                       f"{str(destination)!r}; skipped (overwrite to replace)")
                continue
            _write_atomically(destination, data)
            report.imported.append(student.student_id)
            if PurePosixPath(source).name != expected:
                report.renamed.append(f"{student.student_id}: {source!r} copied as "
                                      f"{expected!r}")
    return report


# --------------------------------------------------------------------------- export


def _number(value: str, what: str) -> float:
    """Parse a finite number from a CSV cell, or raise ``ValueError`` naming it."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return number


def export_moodle_grades(
    grades_csv: str | os.PathLike,
    roster_csv: str | os.PathLike,
    assignment: str,
    out_csv: str | os.PathLike,
) -> Path:
    """Write the grades of one assignment as a CSV for Moodle's grade import.

    The CSV has the columns ``Email address`` (what Moodle matches on), ``Student ID``,
    ``Full name``, ``Grade`` (nbgrader's ``score``, after any late penalty, rounded to 2
    decimals) and ``Max grade`` (the assignment's ``max_score``), and one row per roster
    student, in the roster's order. A student with no submission (no row in ``grades.csv``,
    or a row with an empty ``timestamp``, which is how ``nbgrader export`` writes a missing
    submission) gets an empty ``Grade``, which Moodle leaves alone. Students of
    ``grades.csv`` missing from the roster are left out, with a warning.

    Parameters
    ----------
    grades_csv : str or path-like
        The ``grades.csv`` written by ``nbgrader export``.
    roster_csv : str or path-like
        The roster (see ``read_roster``).
    assignment : str
        The assignment to export, e.g. ``"01-perceptron"``.
    out_csv : str or path-like
        Where to write the CSV (UTF-8); its folder must exist.

    Returns
    -------
    pathlib.Path
        ``out_csv``.

    Raises
    ------
    FileNotFoundError
        If ``grades_csv`` or the roster does not exist.
    ValueError
        If a column is missing, ``grades.csv`` has no row for ``assignment``, a score is not a
        number, or a student has two rows for the assignment.
    """
    _check_name(assignment, "assignment")
    grades_path = _check_file(grades_csv, "grades file")
    roster = read_roster(roster_csv)
    rows = _read_csv(grades_path, GRADES_COLUMNS, "grades file")
    rows_of_assignment = [row for row in rows if row["assignment"] == assignment]
    if not rows_of_assignment:
        found = ", ".join(sorted({row["assignment"] for row in rows})) or "none"
        raise ValueError(f"grades file {str(grades_path)!r} has no row for assignment "
                         f"{assignment!r}; assignments in it: {found}")
    by_student: dict[str, dict[str, str]] = {}
    for row in rows_of_assignment:
        if row["student_id"] in by_student:
            raise ValueError(f"grades file {str(grades_path)!r} has two rows for student "
                             f"{row['student_id']!r} and assignment {assignment!r}")
        by_student[row["student_id"]] = row
    first = rows_of_assignment[0]
    maximum = f"{_number(first['max_score'], f'max_score of {assignment!r}'):.2f}"
    known = {entry.student_id for entry in roster}
    unknown = sorted(set(by_student) - known)
    if unknown:
        warnings.warn(f"students of {grades_path.name} not in the roster, left out: "
                      f"{', '.join(unknown)}", UserWarning, stacklevel=2)
    out_path = Path(out_csv)
    with out_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MOODLE_COLUMNS)
        for entry in roster:
            row = by_student.get(entry.student_id)
            grade = ""
            if row is not None and row["timestamp"]:
                score = _number(row["score"], f"score of student {entry.student_id!r}")
                grade = f"{score:.2f}"
            writer.writerow([entry.email, entry.student_id, entry.full_name, grade, maximum])
    return out_path


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse.grading.lms",
        description="Import Moodle submissions into nbgrader; export grades for Moodle.")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="copy the notebooks of a Moodle zip into "
                                             "nbgrader's submitted folder")
    imp.add_argument("zip", help="the zip of Moodle's 'Download all submissions'")
    imp.add_argument("--roster", required=True, help="the roster CSV")
    imp.add_argument("--assignment", required=True, help="e.g. 01-perceptron")
    imp.add_argument("--submitted", default=str(DEFAULT_SUBMITTED),
                     help="nbgrader's submitted folder (default: the course's "
                          "grader/submitted)")
    imp.add_argument("--overwrite", action="store_true",
                     help="replace submissions already there")
    exp = commands.add_parser("export", help="write nbgrader's grades.csv as a CSV for "
                                             "Moodle's grade import")
    exp.add_argument("--grades", required=True, help="grades.csv of `nbgrader export`")
    exp.add_argument("--roster", required=True, help="the roster CSV")
    exp.add_argument("--assignment", required=True, help="e.g. 01-perceptron")
    exp.add_argument("--out", required=True, help="the CSV to write for Moodle")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 fine, 1 problems, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "import":
            report = import_moodle_zip(args.zip, args.roster, args.submitted, args.assignment,
                                       overwrite=args.overwrite)
            print(report.summary())
            return 1 if report.problems else 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = export_moodle_grades(args.grades, args.roster, args.assignment, args.out)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        print(f"wrote {out}")
        return 0
    except (OSError, ValueError) as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
