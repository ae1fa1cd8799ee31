"""Bad input to ``course grade``: reported on one line, graded as far as it can be, nothing lost.

The first tests check :mod:`dlcourse.grading.badinput` alone (no kernel). The others grade one
class of broken submissions once (twice, for the tests that compare two gradings) with
``course grade`` in a temporary copy of the course, and check that each problem has its line in
the report, that each submission earns what could be graded, that the other students are not
affected and that the submitted files are never modified.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import nbformat
import pytest
from nbgrader_course import fill_solutions, solution_sources
from test_course_grade import generated_course

from dlcourse.grading.badinput import (
    AssignmentCells,
    decode_text,
    inspect_submission,
    parse_notebook_json,
    stage_submission,
)
from dlcourse.paths import COURSE_ROOT

UNIT = "01-perceptron"
OTHER = "03-multilayer"
NAME = f"{UNIT}.ipynb"


def _cells(unit: str) -> AssignmentCells:
    return AssignmentCells.from_notebook(COURSE_ROOT / "solutions" / unit / f"{unit}.ipynb")


def _released(unit: str = UNIT) -> nbformat.NotebookNode:
    return nbformat.read(COURSE_ROOT / "exercises" / unit / f"{unit}.ipynb", as_version=4)


def _solved() -> nbformat.NotebookNode:
    return fill_solutions(_released(), solution_sources(UNIT))


def _inspect(folder, **kwargs):
    return inspect_submission(folder, _cells(UNIT), [_cells(OTHER)], **kwargs)


def _submit(tmp_path, content, name: str = NAME):
    folder = tmp_path / "student" / UNIT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        nbformat.write(content, path)
    return folder


# --------------------------------------------------------------------------- no kernel


def test_a_good_submission_is_staged_byte_for_byte(tmp_path):
    folder = _submit(tmp_path, _solved())
    (folder / "timestamp.txt").write_text("2025-01-15 10:00:00.000000 UTC\n")
    (folder / "data.csv").write_text("x\n1\n")
    staged = _inspect(folder)
    assert staged.problems == []
    assert staged.notebook == (folder / NAME).read_bytes()
    target = stage_submission(staged, folder, tmp_path / "stage" / "student" / UNIT)
    assert target.read_bytes() == (folder / NAME).read_bytes()
    assert (target.parent / "data.csv").read_text() == "x\n1\n"
    assert "2025-01-15" in (target.parent / "timestamp.txt").read_text()


def test_decode_text_names_the_bad_byte_and_the_encoding_used():
    assert decode_text("né".encode()) == ("né", None)
    assert decode_text(b"\xef\xbb\xbf{}") == ("{}", None)
    text, problem = decode_text("élève".encode("cp1252"))
    assert text == "élève"
    assert problem == "the file is not UTF-8 (byte 0xe9 at offset 0): read as Windows-1252"
    text, problem = decode_text('{"a": "é"}'.encode("utf-16"))
    assert text == '{"a": "é"}' and "UTF-16" in problem


def test_parse_notebook_json_repairs_what_it_can_and_says_what_it_cannot():
    text = nbformat.writes(_solved())
    content, problem = parse_notebook_json(text)
    assert problem is None and len(content["cells"]) == len(_solved().cells)
    content, problem = parse_notebook_json(text + "\n}}garbage")
    assert content is not None and "stray characters" in problem
    content, problem = parse_notebook_json(text[: len(text) // 2])
    assert content is None
    assert problem.startswith("the file is not valid JSON (") and "line" in problem
    assert parse_notebook_json("[1, 2]") == (None, "the file is JSON but not a notebook "
                                                   "(no list of cells)")
    assert "not supported" in parse_notebook_json('{"cells": [], "nbformat": 3}')[1]


def test_raw_control_characters_in_strings_are_read_anyway():
    text = nbformat.writes(_solved()).replace("\\n", "\n", 1)
    content, problem = parse_notebook_json(text)
    assert content is not None and "control characters" in problem


@pytest.mark.parametrize("kind", ["duplicated", "missing"])
def test_cell_ids_are_repaired_and_reported(tmp_path, kind):
    notebook = json.loads(nbformat.writes(_solved()))
    for cell in notebook["cells"][:4]:
        if kind == "duplicated":
            cell["id"] = "same"
        else:
            del cell["id"]
    staged = _inspect(_submit(tmp_path, json.dumps(notebook)))
    ids = [cell["id"] for cell in json.loads(staged.notebook)["cells"]]
    assert len(ids) == len(set(ids)) == len(notebook["cells"])
    expected = ("3 cell(s) share an id" if kind == "duplicated" else "4 cell(s) have no id")
    assert [line for line in staged.problems if expected in line], staged.problems


def test_an_unknown_kernel_is_reported(tmp_path):
    notebook = _solved()
    notebook.metadata.kernelspec = {"name": "julia-1.9", "display_name": "Julia 1.9",
                                    "language": "julia"}
    staged = _inspect(_submit(tmp_path, notebook))
    assert staged.problems == ["the notebook asks for kernel 'julia-1.9', not the "
                               "assignment's: it runs with 'python3'"]
    assert staged.notebook == (tmp_path / "student" / UNIT / NAME).read_bytes()


def test_a_notebook_of_another_assignment_is_recognised_and_its_cells_made_ordinary(tmp_path):
    staged = _inspect(_submit(tmp_path, _released(OTHER)))
    assert any(f"from another assignment: 100% of {OTHER}'s" in line and
               f"0% of {UNIT}'s" in line for line in staged.problems), staged.problems
    assert any("unknown to 01-perceptron" in line for line in staged.problems)
    kept = {cell["metadata"].get("nbgrader", {}).get("grade_id")
            for cell in json.loads(staged.notebook)["cells"]}
    assert kept - {None} <= _cells(UNIT).grade_ids


def test_a_notebook_of_nothing_known_is_reported(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    staged = _inspect(_submit(tmp_path, notebook))
    assert staged.gradable
    assert staged.problems == [f"none of {UNIT}'s cells are in the notebook: it is not this "
                               "exercise; it is graded as such (the tests are put back and "
                               "fail)"]


def test_a_renamed_notebook_is_graded_under_the_expected_name(tmp_path):
    folder = _submit(tmp_path, _solved(), name=f"{UNIT} (1).ipynb")
    staged = _inspect(folder)
    assert staged.problems == [f"the notebook is saved as '{UNIT} (1).ipynb', not '{NAME}': "
                               f"graded as '{NAME}'"]
    assert staged.notebook == (folder / f"{UNIT} (1).ipynb").read_bytes()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]),
                   folder / "Untitled.ipynb")
    staged = _inspect(folder)
    assert staged.source_name == f"{UNIT} (1).ipynb", "the notebook with its cells is chosen"
    assert "'Untitled.ipynb' are not graded" in staged.problems[0]


def test_missing_and_oversized_notebooks_leave_nothing_to_grade(tmp_path):
    folder = tmp_path / "student" / UNIT
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("I could not finish")
    staged = _inspect(folder)
    assert not staged.gradable
    assert staged.problems == ["no notebook in the folder (found: 'notes.txt'): every test "
                               "scores 0"]
    nbformat.write(_solved(), folder / NAME)
    staged = _inspect(folder, max_bytes=1000)
    assert not staged.gradable
    assert "over the 1000 bytes limit (raise it with --max-size): not graded" in staged.problems[-1]
    assert "'notes.txt'" not in " ".join(staged.problems)


def test_links_large_files_and_bad_timestamps_are_left_out(tmp_path):
    folder = _submit(tmp_path, _solved())
    (folder / "big.bin").write_bytes(b"0" * 200_000)
    (folder / "secret").symlink_to("/etc/hostname")
    (folder / "timestamp.txt").write_text("yesterday, around noon")
    staged = _inspect(folder, max_bytes=100_000)
    assert staged.gradable and staged.extra_files == []
    assert staged.timestamp is None
    assert sorted(staged.problems) == sorted([
        "'big.bin' is 0.2 MB, over the 0.1 MB limit: not copied",
        "'secret' is a symbolic link: not copied",
        "timestamp.txt holds 'yesterday, around noon', not a time: the submission time is "
        "ignored"])


# --------------------------------------------------------------------------- a class


def _digest(folder) -> dict[str, str]:
    digests = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                digests[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return digests


#: bad input -> (the student who has it, a phrase of its report line). Two bad inputs share
#: a submission where they do not interfere, to grade fewer notebooks.
BAD = {
    "corrupt_json": ("corrupt_json", "the file is not valid JSON"),
    "trailing_garbage": ("garbage_no_ids", "stray characters"),
    "missing_ids": ("garbage_no_ids", "have no id"),
    "renamed": ("renamed_duplicated_ids", "saved as '01-perceptron (1).ipynb'"),
    "duplicated_ids": ("renamed_duplicated_ids", "share an id with an earlier cell"),
    "missing_notebook": ("missing_notebook", "no notebook in the folder (found: 'notes.txt')"),
    "too_large": ("too_large", "over the 1.0 MB limit"),
    "unknown_kernel": ("latin1_julia", "asks for kernel 'julia-1.9'"),
    "latin1": ("latin1_julia", "not UTF-8 (byte 0x"),
    "other_assignment": ("other_assignment", "from another assignment"),
}
#: student -> what the submission earns: every point, or none.
EARNS = {"corrupt_json": "none", "garbage_no_ids": "all", "renamed_duplicated_ids": "all",
         "missing_notebook": "none", "too_large": "none", "latin1_julia": "all",
         "other_assignment": "none"}


def _make_bad_class(course) -> None:
    solved = fill_solutions(course.released(), solution_sources(UNIT))
    text = nbformat.writes(solved)
    course.submit("good", solved)
    course.submit("corrupt_json", text[: len(text) // 2].encode())
    raw = json.loads(text)
    for cell in raw["cells"]:
        del cell["id"]
    course.submit("garbage_no_ids", (json.dumps(raw) + "\n}garbage").encode())
    raw = json.loads(text)
    for cell in raw["cells"][:3]:
        cell["id"] = "same-id"
    course.submit("renamed_duplicated_ids", json.dumps(raw).encode(),
                  name=f"{UNIT} (1).ipynb")
    folder = course.grader / "submitted" / "missing_notebook" / UNIT
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("I could not finish")
    big = nbformat.from_dict(solved)
    big.cells.append(nbformat.v4.new_code_cell("print('x')", outputs=[
        nbformat.v4.new_output("stream", text="x" * 1_200_000)]))
    course.submit("too_large", big)
    latin = nbformat.from_dict(solved)
    latin.metadata.kernelspec = {"name": "julia-1.9", "display_name": "Julia",
                                 "language": "julia"}
    latin.cells.insert(0, nbformat.v4.new_markdown_cell("Réponse de l'élève"))
    course.submit("latin1_julia", nbformat.writes(latin).encode("cp1252", errors="replace"))
    course.submit("other_assignment", nbformat.read(
        course.root / "exercises" / OTHER / f"{OTHER}.ipynb", as_version=4))
    too_new = nbformat.from_dict(solved)
    for cell in too_new.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["schema_version"] = 99
    course.submit("schema_too_new", too_new)


def _course_grade(course, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "dlcourse.grading.cli", "grade", UNIT, "--workers", "2",
               "--max-size", "1", "--no-progress", *args]
    return subprocess.run(command, cwd=course.grader, capture_output=True, text=True,
                          timeout=900, check=False)


#: Graded a second time, to compare.
TWICE = ("corrupt_json", "latin1_julia", "missing_notebook", "other_assignment",
         "renamed_duplicated_ids")


@pytest.fixture(scope="module")
def bad_class(tmp_path_factory):
    """The class graded; then part of it again, with a submission that never ends.

    The second run has a 20 s limit per submission: the never-ending one is stopped while
    the other worker grades the rest.
    """
    course = generated_course(tmp_path_factory, "bad-class")
    _make_bad_class(course)
    first_students = [*EARNS, "good", "schema_too_new"]
    solved = fill_solutions(course.released(), {**solution_sources(UNIT), "ex1_solution":
                                                "import time\ntime.sleep(10_000)\n"})
    course.submit("hangs", solved)
    before = _digest(course.grader / "submitted")
    first = _course_grade(course, "--student", *first_students)
    first_scores = {s: course.cell_scores(s) for s in first_students}
    first_report = json.loads((course.grader / "reports" / f"{UNIT}.json").read_text())
    first_page = (course.grader / "reports" / f"{UNIT}.html").read_text()
    second = _course_grade(course, "--student", "hangs", *TWICE, "--timeout", "20")
    after = _digest(course.grader / "submitted")
    second_report = json.loads((course.grader / "reports" / f"{UNIT}.json").read_text())
    return {"course": course, "first": first, "second": second, "before": before,
            "after": after, "first_scores": first_scores, "report": first_report,
            "page": first_page, "second_report": second_report}


def _class(test):
    """Mark a test that uses the graded class (graded once, in the process that also runs
    ``test_course_grade.py``: they share the generated assignment)."""
    return pytest.mark.grading(pytest.mark.xdist_group("course-grade")(test))


def _by_student(report) -> dict[str, dict]:
    return {entry["student"]: entry for entry in report["submissions"]}


@_class
def test_course_grade_reports_problems_with_exit_status_1(bad_class):
    for run, count in ((bad_class["first"], len(EARNS) + 2),
                       (bad_class["second"], len(TWICE) + 1)):
        assert run.returncode == 1, run.stderr[-3000:]
        assert f"Graded {UNIT}: {count} submission(s)" in run.stdout


@_class
@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_bad_input_has_one_clear_line(bad_class, kind):
    student, phrase = BAD[kind]
    entry = _by_student(bad_class["report"])[student]
    matching = [line for line in entry["problems"] if phrase in line]
    assert len(matching) == 1, entry["problems"]
    assert all("\n" not in line for line in entry["problems"])
    assert f"  {student}: {matching[0]}" in bad_class["first"].stdout


@_class
@pytest.mark.parametrize("student", sorted(EARNS))
def test_each_bad_input_is_graded_as_far_as_it_can_be(bad_class, student):
    course = bad_class["course"]
    scores = bad_class["first_scores"][student]
    maximum = course.max_scores()
    assert set(scores) == set(maximum), "every test cell has a grade"
    expected = maximum if EARNS[student] == "all" else dict.fromkeys(maximum, 0.0)
    assert scores == expected


@_class
def test_other_students_are_not_affected(bad_class):
    course = bad_class["course"]
    assert bad_class["first_scores"]["good"] == course.max_scores()
    entry = _by_student(bad_class["report"])["good"]
    assert entry["problems"] == [] and entry["status"] == "graded"


@_class
def test_an_error_inside_nbgrader_fails_that_submission_only(bad_class):
    entry = _by_student(bad_class["report"])["schema_too_new"]
    assert entry["status"] == "failed"
    assert "newer version of the nbgrader metadata format" in entry["incidents"][0], entry
    assert sum(score or 0 for score in bad_class["first_scores"]["schema_too_new"].values()) == 0


@_class
def test_submitted_files_are_never_modified(bad_class):
    assert bad_class["after"] == bad_class["before"]


@_class
def test_grading_twice_gives_the_same_grades(bad_class):
    course = bad_class["course"]
    again = {s: course.cell_scores(s) for s in bad_class["first_scores"]}
    assert again == bad_class["first_scores"]
    assert set(TWICE) <= set(again)


@_class
def test_the_html_report_lists_every_problem(bad_class):
    import html

    page = bad_class["page"]
    for student, entry in _by_student(bad_class["report"]).items():
        for line in entry["problems"]:
            assert html.escape(line) in page, (student, line)


@_class
def test_a_submission_past_the_time_limit_is_stopped_and_scores_nothing(bad_class):
    course = bad_class["course"]
    entry = _by_student(bad_class["second_report"])["hangs"]
    assert entry["status"] == "timed out"
    assert entry["incidents"] == ["timed out: still running after 20 s: stopped (worker and "
                                  "kernel killed)"]
    assert "hangs: timed out: still running after 20 s" in bad_class["second"].stdout
    assert course.cell_scores("hangs") == dict.fromkeys(course.max_scores(), 0.0)
    others = _by_student(bad_class["second_report"])
    assert all(others[student]["status"] != "timed out" for student in TWICE)
