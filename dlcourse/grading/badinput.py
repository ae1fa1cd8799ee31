"""Check a student's submission folder before grading, and make a gradable copy of it.

:func:`inspect_submission` reads a folder of ``grader/submitted/STUDENT/UNIT/`` (never writing
to it) and returns a :class:`StagedSubmission`: the bytes of the notebook to grade, the other
files to copy beside it, and one line for each problem found. A problem costs the student only
what cannot be graded:

- a notebook saved under another name is graded as if it had the expected name;
- a missing notebook, a file over the size limit, or bytes that are no notebook at all leave
  nothing to grade (every test scores 0);
- bytes that are not UTF-8 are read as Windows-1252 (or UTF-16 when they start with its
  byte-order mark); JSON with stray control characters or trailing garbage is read anyway;
- duplicated or missing cell ids are replaced by unique ones;
- a kernel name that is not the assignment's is reported (nbgrader runs the assignment's);
- cells whose nbgrader ids do not belong to the assignment (a notebook from another unit) are
  graded as ordinary cells, so that the assignment's tests are restored and run.

:func:`stage_submission` writes the gradable copy into a scratch folder, which is what
nbgrader then grades: the submitted files are never modified. When nothing needed repair, the
copy is byte for byte the student's file, so the grades are those of stock ``nbgrader
autograde``.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from fnmatch import fnmatch
from pathlib import Path

__all__ = [
    "DEFAULT_MAX_BYTES",
    "AssignmentCells",
    "StagedSubmission",
    "decode_text",
    "inspect_submission",
    "parse_notebook_json",
    "stage_submission",
    "staged_timestamp",
    "submission_files",
]

#: The default size limit of a submitted file, in bytes (20 MB).
DEFAULT_MAX_BYTES = 20 * 1000 * 1000
#: Files and folders of a submission that are never copied (nbgrader's own ``ignore``).
IGNORED = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*")
_CELL_ID_LIMIT = 64


@dataclass(frozen=True)
class AssignmentCells:
    """The nbgrader cells of one assignment's source notebook.

    Attributes
    ----------
    unit : str
        The assignment, e.g. ``"01-perceptron"``.
    grade_ids : frozenset of str
        The ``grade_id`` of every nbgrader cell (tests, solutions, locked cells).
    locked_sources : tuple of str
        The source of every locked cell that is not a test (task text, set-up, examples):
        students cannot edit them, so a submission of the assignment holds them verbatim.
    kernel_name : str or None
        The name of the notebook's kernel (``metadata.kernelspec.name``).
    """

    unit: str
    grade_ids: frozenset[str]
    locked_sources: tuple[str, ...]
    kernel_name: str | None = None

    @classmethod
    def from_notebook(cls, path: str | os.PathLike, unit: str | None = None) -> AssignmentCells:
        """Read the cells of a source notebook (``solutions/UNIT/UNIT.ipynb``).

        Parameters
        ----------
        path : str or path-like
            The notebook.
        unit : str, optional
            The assignment's name; by default the name of the notebook's folder.

        Returns
        -------
        AssignmentCells
        """
        path = Path(path)
        content = json.loads(path.read_text(encoding="utf-8"))
        ids, locked = set(), []
        for cell in content.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if "grade_id" not in meta:
                continue
            ids.add(meta["grade_id"])
            if meta.get("locked") and not meta.get("grade"):
                locked.append(_source(cell))
        kernel = content.get("metadata", {}).get("kernelspec", {}).get("name")
        return cls(unit or path.parent.name, frozenset(ids), tuple(locked), kernel)

    def share_of_locked_cells_in(self, sources: set[str]) -> float:
        """The share of this assignment's locked cells found verbatim among ``sources``."""
        if not self.locked_sources:
            return 0.0
        found = sum(source in sources for source in self.locked_sources)
        return found / len(self.locked_sources)


@dataclass
class StagedSubmission:
    """What :func:`inspect_submission` found in a submission folder.

    Attributes
    ----------
    student : str
        The student's id (the name of the folder above the unit's).
    notebook_name : str
        The name the notebook is graded under (``UNIT.ipynb``).
    notebook : bytes or None
        The notebook to grade, as UTF-8 JSON; ``None`` when nothing can be graded.
    source_name : str or None
        The name of the submitted file the notebook comes from.
    extra_files : list of str
        Other files of the folder to copy beside the notebook (relative paths).
    timestamp : str or None
        The content of ``timestamp.txt`` when it holds a valid time.
    problems : list of str
        One line per problem, for the report.
    """

    student: str
    notebook_name: str
    notebook: bytes | None = None
    source_name: str | None = None
    extra_files: list[str] = field(default_factory=list)
    timestamp: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def gradable(self) -> bool:
        """Whether there is a notebook to run."""
        return self.notebook is not None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode a notebook file's bytes; say how when they are not plain UTF-8.

    Parameters
    ----------
    data : bytes
        The file's content.

    Returns
    -------
    text : str
        The decoded text.
    problem : str or None
        ``None`` for UTF-8 (with or without a byte-order mark), else a sentence naming the
        first invalid byte and the encoding used instead.

    Examples
    --------
    >>> decode_text("é".encode("cp1252"))
    ('é', 'the file is not UTF-8 (byte 0xe9 at offset 0): read as Windows-1252')
    """
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
                return text, f"the file is {encoding.upper()}, not UTF-8: read as such"
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
    try:
        return data.decode("cp1252"), f"the file is not UTF-8 ({where}): read as Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"the file is not UTF-8 ({where}): read as Latin-1"


def parse_notebook_json(text: str) -> tuple[dict | None, str | None]:
    """Parse a notebook's JSON, leniently when strict parsing fails.

    Control characters inside strings and anything after the closing brace are tolerated.

    Parameters
    ----------
    text : str
        The decoded file.

    Returns
    -------
    content : dict or None
        The notebook, or ``None`` when it cannot be read as a notebook.
    problem : str or None
        ``None`` when the JSON was valid, else what was wrong (and whether it was read anyway).

    Examples
    --------
    >>> parse_notebook_json('{"cells": [], "nbformat": 4} garbage')[1]
    'the JSON is followed by 8 stray characters (from line 1, column 30): they were ignored'
    """
    try:
        content, problem = json.loads(text), None
    except json.JSONDecodeError as error:
        content, problem = None, error
    if problem is not None:
        try:
            content = json.loads(text, strict=False)
            problem_text = "the JSON holds raw control characters in strings: read anyway"
        except json.JSONDecodeError:
            try:
                content, end = json.JSONDecoder(strict=False).raw_decode(text.lstrip())
                stray = len(text.lstrip()) - end
                problem_text = (f"the JSON is followed by {stray} stray characters (from line "
                                f"{problem.lineno}, column {problem.colno}): they were ignored")
            except json.JSONDecodeError:
                return None, (f"the file is not valid JSON ({problem.msg} at line "
                              f"{problem.lineno}, column {problem.colno}): it may be truncated "
                              "or edited by hand")
    else:
        problem_text = None
    if not (isinstance(content, dict) and isinstance(content.get("cells"), list)):
        return None, "the file is JSON but not a notebook (no list of cells)"
    if not isinstance(content.get("nbformat"), int) or content["nbformat"] < 4:
        return None, (f"the notebook format {content.get('nbformat')!r} is not supported "
                      "(nbformat 4 is): save it again with a recent Jupyter")
    if not all(isinstance(cell, dict) for cell in content["cells"]):
        return None, "the file is JSON but its cells are not notebook cells"
    return content, problem_text


def _repair_cell_ids(content: dict) -> list[str]:
    """Give every cell a unique id (nbformat 4.5+); return what was repaired."""
    if content.get("nbformat") == 4 and content.get("nbformat_minor", 0) < 5:
        return []
    seen: set[str] = set()
    missing = duplicated = 0
    for index, cell in enumerate(content["cells"]):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id:
            missing += 1
            cell_id = None
        elif cell_id in seen:
            duplicated += 1
            cell_id = None
        if cell_id is None:
            base = f"cell-{index}"
            cell_id = base
            while cell_id in seen:
                cell_id = f"{base}-{len(seen)}"
            cell["id"] = cell_id[:_CELL_ID_LIMIT]
        seen.add(cell["id"])
    problems = []
    if duplicated:
        problems.append(f"{duplicated} cell(s) share an id with an earlier cell: given new ids")
    if missing:
        problems.append(f"{missing} cell(s) have no id: ids added")
    return problems


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    if not isinstance(nbgrader, dict):
        return None
    grade_id = nbgrader.get("grade_id")
    return grade_id if isinstance(grade_id, str) else ""


def _check_cells(
    content: dict, cells: AssignmentCells, others: list[AssignmentCells]
) -> tuple[list[str], bool]:
    """Compare the notebook's cells with the assignment's; strip cells that do not belong.

    Returns the problems and whether the notebook was changed.
    """
    sources = {_source(cell) for cell in content["cells"]}
    ids = [_grade_id(cell) for cell in content["cells"]]
    foreign = sorted({grade_id for grade_id in ids
                      if grade_id is not None and grade_id not in cells.grade_ids})
    own = {grade_id for grade_id in ids if grade_id in cells.grade_ids}
    share = cells.share_of_locked_cells_in(sources)
    best = max(others, key=lambda other: other.share_of_locked_cells_in(sources), default=None)
    best_share = best.share_of_locked_cells_in(sources) if best else 0.0
    problems = []
    if best is not None and best_share >= 0.5 and best_share > share:
        problems.append(
            f"the notebook is from another assignment: {best_share:.0%} of {best.unit}'s "
            f"read-only cells are in it, {share:.0%} of {cells.unit}'s; it is graded as "
            f"{cells.unit} (the missing tests are put back, so most of them fail)")
    elif not own and share == 0:
        problems.append(f"none of {cells.unit}'s cells are in the notebook: it is not this "
                        "exercise; it is graded as such (the tests are put back and fail)")
    if not foreign:
        return problems, False
    shown = ", ".join(repr(grade_id) for grade_id in foreign[:5])
    more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
    problems.append(f"{len(foreign)} cell id(s) unknown to {cells.unit} ({shown}{more}): "
                    "graded as ordinary cells")
    for cell in content["cells"]:
        grade_id = _grade_id(cell)
        if grade_id is not None and grade_id not in cells.grade_ids:
            del cell["metadata"]["nbgrader"]
    return problems, True


def _kernel_problem(content: dict, cells: AssignmentCells) -> str | None:
    kernelspec = content.get("metadata", {}).get("kernelspec")
    name = kernelspec.get("name") if isinstance(kernelspec, dict) else None
    if cells.kernel_name is None or name == cells.kernel_name:
        return None
    if name is None:
        return (f"the notebook names no kernel: it runs with the assignment's "
                f"({cells.kernel_name!r})")
    return (f"the notebook asks for kernel {name!r}, not the assignment's: it runs with "
            f"{cells.kernel_name!r}")


def _ignored(name: str) -> bool:
    return any(fnmatch(name, pattern) for pattern in IGNORED)


def submission_files(folder: str | os.PathLike) -> list[Path]:
    """The files of a submission folder that nbgrader would copy, recursively, sorted.

    Names nbgrader ignores (checkpoints, caches, hidden files) are left out.
    """
    folder = Path(folder)
    found = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(name for name in subdirs if not _ignored(name))
        found += [Path(directory, name) for name in sorted(files) if not _ignored(name)]
    return found


def _choose_notebook(
    folder: Path, expected: str, candidates: list[Path], cells: AssignmentCells
) -> tuple[Path | None, list[str]]:
    """Pick the notebook to grade among the folder's notebooks.

    The expected name wins; else the only notebook; else the one holding most of the
    assignment's cells, then the one whose name is closest to the expected one, then the newest.
    """
    exact = folder / expected
    others = [path for path in candidates if path != exact]
    listed = ", ".join(repr(str(path.relative_to(folder))) for path in others)
    if exact in candidates:
        return exact, ([f"other notebook(s) in the folder are not graded: {listed}"]
                       if others else [])
    if not candidates:
        return None, []
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        def score(path: Path) -> tuple[int, float, float]:
            try:
                content = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
                ids = {_grade_id(cell) for cell in content.get("cells", [])}
            except (OSError, ValueError, AttributeError, TypeError):
                ids = set()
            likeness = SequenceMatcher(None, path.name.lower(), expected.lower()).ratio()
            return len(ids & cells.grade_ids), likeness, path.stat().st_mtime

        chosen = max(candidates, key=score)
    name = str(chosen.relative_to(folder))
    rest = [str(path.relative_to(folder)) for path in candidates if path != chosen]
    line = f"the notebook is saved as {name!r}, not {expected!r}: graded as {expected!r}"
    if rest:
        line += f" (the other notebook(s) {', '.join(map(repr, rest))} are not graded)"
    return chosen, [line]


def staged_timestamp(folder: str | os.PathLike) -> str | None:
    """The ``timestamp.txt`` that :func:`stage_submission` writes for a submission folder.

    Returns
    -------
    str or None
        The file's content, or ``None`` when the folder has no valid ``timestamp.txt``.
    """
    path = Path(folder) / "timestamp.txt"
    if not path.is_file() or path.is_symlink():
        return None
    text, _ = _read_timestamp(path)
    return None if text is None else text + "\n"


def _read_timestamp(path: Path) -> tuple[str | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None, "timestamp.txt is unreadable: the submission time is ignored"
    from nbgrader.utils import parse_utc  # how nbgrader reads it (imported only when needed)

    try:
        parse_utc(text)
    except (ValueError, OverflowError):
        return None, (f"timestamp.txt holds {text[:40]!r}, not a time: the submission time is "
                      "ignored")
    return text, None


def inspect_submission(
    folder: str | os.PathLike,
    cells: AssignmentCells,
    other_assignments: list[AssignmentCells] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    notebook_name: str | None = None,
) -> StagedSubmission:
    """Check a submission folder and prepare the notebook to grade; never write to the folder.

    Parameters
    ----------
    folder : str or path-like
        ``grader/submitted/STUDENT/UNIT``.
    cells : AssignmentCells
        The assignment's cells (from its source notebook).
    other_assignments : list of AssignmentCells
        The course's other assignments, to recognise a notebook handed in to the wrong one.
    max_bytes : int
        Files larger than this are not read (default 20 MB).
    notebook_name : str, optional
        The expected notebook name; by default ``UNIT.ipynb``.

    Returns
    -------
    StagedSubmission
        The notebook to grade (``None`` if nothing can be graded) and the problems found.
    """
    folder = Path(folder)
    expected = notebook_name or f"{cells.unit}.ipynb"
    staged = StagedSubmission(student=folder.parent.name, notebook_name=expected)
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, got {max_bytes!r}")
    if not folder.is_dir():
        staged.problems.append(f"no submission folder {cells.unit}/: nothing to grade")
        return staged
    notebooks, extras = [], []
    for path in submission_files(folder):
        relative = str(path.relative_to(folder))
        if path.is_symlink():
            staged.problems.append(f"{relative!r} is a symbolic link: not copied")
        elif path.name == "timestamp.txt" and path.parent == folder:
            staged.timestamp, problem = _read_timestamp(path)
            if problem:
                staged.problems.append(problem)
        elif path.suffix.lower() == ".ipynb":
            notebooks.append(path)
        elif path.stat().st_size > max_bytes:
            staged.problems.append(f"{relative!r} is {_size(path.stat().st_size)}, over the "
                                   f"{_size(max_bytes)} limit: not copied")
        else:
            extras.append(relative)
    staged.extra_files = extras
    chosen, lines = _choose_notebook(folder, expected, notebooks, cells)
    staged.problems += lines
    if chosen is None:
        found = ", ".join(repr(name) for name in extras) or "nothing"
        staged.problems.append(f"no notebook in the folder (found: {found}): every test "
                               "scores 0")
        return staged
    staged.source_name = str(chosen.relative_to(folder))
    size = chosen.stat().st_size
    if size > max_bytes:
        staged.problems.append(f"the notebook is {_size(size)}, over the {_size(max_bytes)} "
                               "limit (raise it with --max-size): not graded, every test "
                               "scores 0")
        return staged
    data = chosen.read_bytes()
    text, problem = decode_text(data)
    changed = problem is not None
    if problem:
        staged.problems.append(problem)
    content, problem = parse_notebook_json(text)
    if problem:
        staged.problems.append(problem if content is not None
                               else f"{problem}; not graded, every test scores 0")
        changed = True
    if content is None:
        return staged
    repairs = _repair_cell_ids(content)
    staged.problems += repairs
    kernel = _kernel_problem(content, cells)
    if kernel:
        staged.problems.append(kernel)
    cell_problems, stripped = _check_cells(content, cells, list(other_assignments))
    staged.problems += cell_problems
    if changed or repairs or stripped:
        staged.notebook = (json.dumps(content, indent=1, ensure_ascii=False) + "\n").encode()
    else:
        staged.notebook = data
    return staged


def stage_submission(
    staged: StagedSubmission, source_folder: str | os.PathLike, destination: str | os.PathLike
) -> Path | None:
    """Write the gradable copy of a submission into ``destination`` (emptied first).

    Parameters
    ----------
    staged : StagedSubmission
        What :func:`inspect_submission` returned for ``source_folder``.
    source_folder : str or path-like
        The submission folder the extra files are copied from (only read).
    destination : str or path-like
        The scratch folder nbgrader grades (``.../submitted/STUDENT/UNIT``).

    Returns
    -------
    pathlib.Path or None
        The notebook written, or ``None`` when there is nothing to grade.
    """
    destination = Path(destination)
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    for relative in staged.extra_files:
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(source_folder) / relative, target)
    if staged.timestamp is not None:
        (destination / "timestamp.txt").write_text(staged.timestamp + "\n", encoding="utf-8")
    if staged.notebook is None:
        return None
    path = destination / staged.notebook_name
    path.write_bytes(staged.notebook)
    return path
