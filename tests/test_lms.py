"""The Moodle round trip: a "Download all submissions" zip in, a grade-import CSV out."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from dlcourse.grading.lms import export_moodle_grades, import_moodle_zip, read_roster

ASSIGNMENT = "01-perceptron"
ROOT = Path(__file__).resolve().parent.parent

ROSTER = """\
participant_id,student_id,first_name,last_name,email
101,alice,Alice,Martin,alice@example.org
102,bob,Bob,Durand,bob@example.org
103,chloe,Chloé,Lefèvre,chloe@example.org
"""


def notebook_bytes(marker: str) -> bytes:
    """A tiny valid notebook whose one cell holds ``marker``."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = {marker!r}")])
    return nbformat.writes(nb).encode("utf-8")


def folder(name: str, pid: int) -> str:
    return f"{name}_{pid}_assignsubmission_file_"


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return path


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def submitted_notebook(submitted: Path, student: str) -> Path:
    return submitted / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def cell_source(path: Path) -> str:
    return nbformat.read(path, as_version=4).cells[0].source


def test_normal_import_of_three_students(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("alice"),
        f"{folder('Bob Durand', 102)}/{ASSIGNMENT}.ipynb": notebook_bytes("bob"),
        f"{folder('Chloé Lefèvre', 103)}/{ASSIGNMENT}.ipynb": notebook_bytes("chloe"),
    })
    submitted = tmp_path / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert sorted(report.imported) == ["alice", "bob", "chloe"]
    assert report.renamed == [] and report.problems == []
    for student in ("alice", "bob", "chloe"):
        assert cell_source(submitted_notebook(submitted, student)) == f"x = {student!r}"
    assert report.summary().startswith("imported 3 submission(s), renamed 0, 0 problem(s)")


def test_renamed_notebook_is_copied_under_the_expected_name(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT} (1).ipynb": notebook_bytes("alice"),
        f"{folder('Bob Durand', 102)}/my work.ipynb": notebook_bytes("bob"),
        f"{folder('Bob Durand', 102)}/notes.txt": b"not a notebook",
    })
    submitted = tmp_path / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert sorted(report.imported) == ["alice", "bob"]
    assert len(report.renamed) == 2 and report.problems == []
    assert any("my work.ipynb" in line and line.startswith("bob") for line in report.renamed)
    assert cell_source(submitted_notebook(submitted, "bob")) == "x = 'bob'"
    assert sorted(p.name for p in (submitted / "bob" / ASSIGNMENT).iterdir()) == [
        f"{ASSIGNMENT}.ipynb"]


def test_accented_name_matched_when_the_participant_id_is_unknown(tmp_path, roster):
    # Unknown id, different case and no accents: found by name.
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('CHLOE LEFEVRE', 999)}/{ASSIGNMENT}.ipynb": notebook_bytes("chloe"),
        f"{folder('Durand Bob', 998)}/{ASSIGNMENT}.ipynb": notebook_bytes("bob"),
    })
    submitted = tmp_path / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert sorted(report.imported) == ["bob", "chloe"], report.summary()
    assert cell_source(submitted_notebook(submitted, "chloe")) == "x = 'chloe'"


def test_flat_layout_and_other_plugins(tmp_path, roster):
    # Downloaded without folders: the file name follows the prefix. Online text is ignored.
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}my nb.ipynb": notebook_bytes("alice"),
        "Alice Martin_101_assignsubmission_onlinetext_onlinetext.html": b"<p>hi</p>",
        "__MACOSX/._x": b"",
        "readme.txt": b"",
    })
    report = import_moodle_zip(zip_path, roster, tmp_path / "submitted", ASSIGNMENT)
    assert report.imported == ["alice"] and len(report.renamed) == 1
    assert len(report.problems) == 1 and "'readme.txt': not a Moodle" in report.problems[0]


def test_folder_not_in_the_roster_is_reported(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Eve Intruder', 555)}/{ASSIGNMENT}.ipynb": notebook_bytes("eve"),
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("alice"),
    })
    submitted = tmp_path / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert report.imported == ["alice"]
    assert len(report.problems) == 1
    assert "555" in report.problems[0] and "not in the roster" in report.problems[0]
    assert sorted(p.name for p in submitted.iterdir()) == ["alice"]


def test_folder_without_notebook_and_with_two_notebooks(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/answers.pdf": b"%PDF-1.4",
        f"{folder('Bob Durand', 102)}/a.ipynb": notebook_bytes("a"),
        f"{folder('Bob Durand', 102)}/b.ipynb": notebook_bytes("b"),
        f"{folder('Chloé Lefèvre', 103)}/{ASSIGNMENT}.ipynb": notebook_bytes("chloe"),
    })
    submitted = tmp_path / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert report.imported == ["chloe"]
    assert len(report.problems) == 2
    no_notebook = next(line for line in report.problems if "(alice)" in line)
    assert "no notebook" in no_notebook and "answers.pdf" in no_notebook
    several = next(line for line in report.problems if "(bob)" in line)
    assert "several notebooks" in several and "a.ipynb" in several and "b.ipynb" in several
    assert not (submitted / "alice").exists() and not (submitted / "bob").exists()
    assert all("\n" not in line for line in report.problems)


def test_corrupt_notebook_is_not_copied(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": b'{"cells": [',
        f"{folder('Bob Durand', 102)}/{ASSIGNMENT}.ipynb": notebook_bytes("bob"),
    })
    submitted = tmp_path / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert report.imported == ["bob"]
    assert len(report.problems) == 1 and "not a valid notebook" in report.problems[0]
    assert not (submitted / "alice").exists()


def test_zip_slip_entries_are_refused(tmp_path, roster):
    target = tmp_path / "course"
    target.mkdir()
    zip_path = make_zip(tmp_path / "moodle.zip", {
        "../escaped.ipynb": notebook_bytes("evil"),
        f"{folder('Bob Durand', 102)}/../../../escaped2.ipynb": notebook_bytes("evil"),
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("alice"),
    })
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    submitted = target / "submitted"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert report.imported == ["alice"]
    unsafe = [line for line in report.problems if "unsafe path" in line]
    assert len(unsafe) == 2, report.summary()
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                   if not p.is_relative_to(submitted))
    assert after == before
    assert not list(tmp_path.parent.glob("escaped*"))
    assert [p.name for p in submitted.rglob("*.ipynb")] == [f"{ASSIGNMENT}.ipynb"]


def test_absolute_path_in_the_zip_is_refused(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {"/abs/evil.ipynb": notebook_bytes("evil")})
    report = import_moodle_zip(zip_path, roster, tmp_path / "submitted", ASSIGNMENT)
    assert report.imported == [] and len(report.problems) == 1
    assert "unsafe path" in report.problems[0]


def test_non_utf8_folder_name_is_reported(tmp_path, roster):
    placeholder = folder("JosX Smith", 777)
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{placeholder}/{ASSIGNMENT}.ipynb": notebook_bytes("jose"),
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("alice"),
    })
    # Latin-1 "é" without the UTF-8 flag, as some old zip tools write it.
    raw = zip_path.read_bytes()
    assert raw.count(b"JosX") == 2
    zip_path.write_bytes(raw.replace(b"JosX", b"Jos\xe9"))
    report = import_moodle_zip(zip_path, roster, tmp_path / "submitted", ASSIGNMENT)
    assert report.imported == ["alice"]
    assert len(report.problems) == 1 and "not valid UTF-8" in report.problems[0]


def test_existing_submission_is_not_overwritten_unless_asked(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("new"),
    })
    submitted = tmp_path / "submitted"
    existing = submitted_notebook(submitted, "alice")
    existing.parent.mkdir(parents=True)
    existing.write_bytes(notebook_bytes("old"))
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT)
    assert report.imported == []
    assert len(report.problems) == 1 and "already" in report.problems[0]
    assert cell_source(existing) == "x = 'old'"
    report = import_moodle_zip(zip_path, roster, submitted, ASSIGNMENT, overwrite=True)
    assert report.imported == ["alice"] and report.problems == []
    assert cell_source(existing) == "x = 'new'"


def test_the_zip_is_left_unchanged(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("alice"),
        f"{folder('Bob Durand', 102)}/my work.ipynb": notebook_bytes("bob"),
    })
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    mtime = zip_path.stat().st_mtime_ns
    import_moodle_zip(zip_path, roster, tmp_path / "submitted", ASSIGNMENT)
    assert hashlib.sha256(zip_path.read_bytes()).hexdigest() == digest
    assert zip_path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moodle.zip", "roster.csv",
                                                          "submitted"]


def test_roster_in_any_order_with_bom_and_spaces(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(" Email , last_name,student_id ,first_name,participant_id\n"
                    " a@x.org , Martin , alice , Alice , 101 \n\n",
                    encoding="utf-8-sig")
    (entry,) = read_roster(path)
    assert (entry.participant_id, entry.student_id, entry.email) == ("101", "alice", "a@x.org")
    assert entry.full_name == "Alice Martin"


def test_roster_errors_name_the_problem(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("participant_id,student_id,first_name,last_name\n1,a,A,B\n")
    with pytest.raises(ValueError, match="lacks column.*email"):
        read_roster(path)
    path.write_text(ROSTER + "104,alice,Al,Ice,al@example.org\n")
    with pytest.raises(ValueError, match="student_id appears more than once: alice"):
        read_roster(path)
    path.write_text(ROSTER + "105,../evil,E,V,e@example.org\n")
    with pytest.raises(ValueError, match=r"row 5.*'\.\./evil'"):
        read_roster(path)


def test_bad_arguments_raise_clear_errors(tmp_path, roster):
    not_zip = tmp_path / "moodle.zip"
    not_zip.write_text("hello")
    with pytest.raises(ValueError, match="is not a zip file"):
        import_moodle_zip(not_zip, roster, tmp_path / "s", ASSIGNMENT)
    with pytest.raises(FileNotFoundError, match="missing.zip"):
        import_moodle_zip(tmp_path / "missing.zip", roster, tmp_path / "s", ASSIGNMENT)
    with pytest.raises(ValueError, match=r"assignment.*'\.\./x'"):
        import_moodle_zip(not_zip, roster, tmp_path / "s", "../x")


GRADES = """\
assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,\
late_submission_penalty,score,max_score
01-perceptron,,2024-10-01 10:00:00.000000,alice,Martin,Alice,,7.456,0.0,7.456,10.0
01-perceptron,,,bob,Durand,Bob,,0.0,0.0,0.0,10.0
01-perceptron,,2024-10-02 09:00:00.000000,zoe,Zed,Zoe,,5.0,0.0,5.0,10.0
02-mlp,,2024-10-09 10:00:00.000000,alice,Martin,Alice,,3.0,0.0,3.0,5.0
02-mlp,,2024-10-09 10:00:00.000000,chloe,Lefèvre,Chloé,,4.0,1.0,3.0,5.0
"""


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_export_writes_moodle_grade_import_csv(tmp_path, roster):
    grades = tmp_path / "grades.csv"
    grades.write_text(GRADES, encoding="utf-8")
    out = tmp_path / "moodle.csv"
    with pytest.warns(UserWarning, match="zoe"):
        result = export_moodle_grades(grades, roster, ASSIGNMENT, out)
    assert result == out
    assert read_csv(out) == [
        ["Email address", "Student ID", "Full name", "Grade", "Max grade"],
        ["alice@example.org", "alice", "Alice Martin", "7.46", "10.00"],
        ["bob@example.org", "bob", "Bob Durand", "", "10.00"],  # no timestamp: no submission
        ["chloe@example.org", "chloe", "Chloé Lefèvre", "", "10.00"],  # no row at all
    ]
    export_moodle_grades(grades, roster, "02-mlp", out)
    assert [row[3] for row in read_csv(out)[1:]] == ["3.00", "", "3.00"]  # after penalty


def test_export_errors(tmp_path, roster):
    grades = tmp_path / "grades.csv"
    grades.write_text("assignment,student_id,score\n01-perceptron,alice,1\n")
    with pytest.raises(ValueError, match="lacks column.*timestamp.*max_score"):
        export_moodle_grades(grades, roster, ASSIGNMENT, tmp_path / "out.csv")
    grades.write_text(GRADES, encoding="utf-8")
    with pytest.raises(ValueError, match="no row for assignment '03-cnn'.*01-perceptron"):
        export_moodle_grades(grades, roster, "03-cnn", tmp_path / "out.csv")
    grades.write_text(GRADES.replace("7.456,10.0", "lots,10.0"), encoding="utf-8")
    with pytest.raises(ValueError, match="score of student 'alice'.*'lots'"), \
            pytest.warns(UserWarning, match="zoe"):
        export_moodle_grades(grades, roster, ASSIGNMENT, tmp_path / "out.csv")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlcourse.grading.lms", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_cli_import_export_and_errors(tmp_path, roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        f"{folder('Alice Martin', 101)}/{ASSIGNMENT}.ipynb": notebook_bytes("alice"),
    })
    submitted = tmp_path / "submitted"
    ok = run_cli("import", str(zip_path), "--roster", str(roster), "--assignment", ASSIGNMENT,
                 "--submitted", str(submitted))
    assert ok.returncode == 0, ok.stderr
    assert "imported 1 submission(s)" in ok.stdout
    assert submitted_notebook(submitted, "alice").is_file()

    again = run_cli("import", str(zip_path), "--roster", str(roster), "--assignment",
                    ASSIGNMENT, "--submitted", str(submitted))
    assert again.returncode == 1 and "already" in again.stdout

    for bad_zip in (tmp_path / "missing.zip", roster):
        bad = run_cli("import", str(bad_zip), "--roster", str(roster), "--assignment",
                      ASSIGNMENT, "--submitted", str(submitted))
        assert bad.returncode == 2
        lines = bad.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), bad.stderr

    grades = tmp_path / "grades.csv"
    grades.write_text(GRADES, encoding="utf-8")
    out = tmp_path / "moodle.csv"
    exported = run_cli("export", "--grades", str(grades), "--roster", str(roster),
                       "--assignment", ASSIGNMENT, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert read_csv(out)[1][3] == "7.46"
    missing = run_cli("export", "--grades", str(tmp_path / "nope.csv"), "--roster",
                      str(roster), "--assignment", ASSIGNMENT, "--out", str(out))
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "nope.csv" in missing.stderr
