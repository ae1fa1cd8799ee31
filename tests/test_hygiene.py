"""The course's hygiene: clean notebooks, lint, released exercises in step, environments in step."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml
from notebook_runner import ALL_NOTEBOOKS, EXERCISES, LESSONS, SOLUTIONS

from dlcourse.grading.release import generate_release
from dlcourse.paths import COURSE_ROOT

NOTEBOOK_IDS = [str(p.relative_to(COURSE_ROOT)) for p in ALL_NOTEBOOKS]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_is_valid_and_has_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"cells {dirty} of {path.name} have outputs: commit notebooks clean"


def test_ruff_passes_on_code_and_notebooks():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=COURSE_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _canonical(path: Path) -> dict:
    notebook = json.loads(path.read_text())
    return notebook


def test_exercises_are_what_nbgrader_makes_of_solutions(tmp_path):
    units = sorted(p.parent.name for p in SOLUTIONS)
    assert units, "no unit in solutions/"
    released = generate_release(units, tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in released) == sorted(
        p.relative_to(COURSE_ROOT / "exercises") for p in EXERCISES
    ), "exercises/ and solutions/ hold different notebooks: run `make release`"
    for path in released:
        committed = COURSE_ROOT / "exercises" / path.relative_to(tmp_path)
        assert _canonical(path) == _canonical(committed), (
            f"{committed.relative_to(COURSE_ROOT)} is out of date: run `make release`"
        )


def test_same_slug_in_lessons_solutions_and_exercises():
    lessons = {p.stem for p in LESSONS}
    for solution in SOLUTIONS:
        unit = solution.parent.name
        assert solution.stem == unit, f"{solution} should be named {unit}.ipynb"
        assert unit in lessons, f"unit {unit} has an exercise but no lessons/{unit}.ipynb"


def _normalise(requirement: str) -> str:
    requirement = requirement.replace(" ", "")
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)(.*)", requirement).groups()
    name = name.lower().replace("_", "-")
    name = {"pytorch": "torch"}.get(name, name)
    if re.fullmatch(r"=[^=].*", spec):  # conda's single '=' pins like pip's '=='
        spec = "=" + spec
    return name + spec


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        wanted |= set(extra)
    environment = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip |= {item for item in entry.get("pip", []) if not item.startswith("-e")}
        elif not re.match(r"(python|pip)\b", entry):
            conda.add(entry)
    assert {_normalise(r) for r in wanted} == {_normalise(r) for r in conda | pip}


def _course_files() -> list[str]:
    """The files git tracks, or, outside a git checkout (a downloaded archive), the course's."""
    listing = subprocess.run(["git", "ls-files"], cwd=COURSE_ROOT, capture_output=True, text=True,
                             check=False)
    if listing.returncode == 0:
        return listing.stdout.split()
    skip = {".venv", ".git", "artifacts", "__pycache__", ".pytest_cache", ".ruff_cache"}
    return [str(p.relative_to(COURSE_ROOT)) for p in COURSE_ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(COURSE_ROOT).parts)]


def test_no_machine_paths_in_committed_files():
    files = _course_files()
    pattern = re.compile(r"(?<![\w.])/(?:work|tmp|root|home)/")
    offenders = []
    for name in files:
        path = COURSE_ROOT / name
        if path.suffix in {".csv", ".db"} or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        if pattern.search(text):
            offenders.append(name)
    assert not offenders, f"machine paths named in {offenders}"


LESSON_PARTS = ("You will learn", "Prerequisites", "Time", "Check your understanding",
                "Summary", "Next")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_follows_the_course_anatomy(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert re.match(r"#\s+Unit\s+\d\d", notebook.cells[0].source), "first cell: '# Unit NN ...'"
    missing = [part for part in LESSON_PARTS if part not in markdown]
    assert not missing, f"{path.name} lacks {missing}"


def test_readme_links_every_notebook():
    readme = (COURSE_ROOT / "README.md").read_text()
    for path in ALL_NOTEBOOKS:
        link = str(path.relative_to(COURSE_ROOT))
        assert f"({link})" in readme, f"README does not link {link}"
    assert "make lab" in readme and "make test" in readme
