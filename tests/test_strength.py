"""How strong are the tests? The mutation operators, the forking runner and the course's check.

The operators are tested on tiny functions, each producing the mutant it should. The runner is
tested through the command line (``python -m dlcourse.grading.strength``) on tiny source
notebooks: a weak test suite is reported weak, a mutant that loops forever counts as caught by
the timeout, a crash counts as caught, copies do not share state, bad input gets a clear message.
The last test runs the check on every unit of ``solutions/``: every graded function's tests must
catch at least 90 % of its mutants, and the allow-list of equivalent mutants must not go stale.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import nbformat
import pytest

from dlcourse.grading.mutation import (
    OPERATORS,
    arithmetic,
    axis,
    boolean,
    comparison,
    constant,
    function_mutants,
    index,
    sample_mutants,
    statement,
    swap,
    twin,
)
from dlcourse.grading.strength import all_units, main, resolve_notebook
from dlcourse.grading.strength_equivalents import EQUIVALENT_MUTANTS
from dlcourse.grading.strength_notebook import StrengthError, read_source_notebook
from dlcourse.paths import COURSE_ROOT

# ------------------------------------------------------------------------------ operators


def _function(source: str) -> ast.FunctionDef:
    return ast.parse(textwrap.dedent(source)).body[0]


def _afters(source: str, operator) -> list[str]:
    """The changed lines made by one operator on a tiny function (a dropped one is "")."""
    return [m.after for m in function_mutants(_function(source), {"op": operator})]


@pytest.mark.parametrize(("source", "operator", "expected"), [
    ("def f(a, b):\n    return a + b", arithmetic, ["return a - b"]),
    ("def f(a, b):\n    return a * b", arithmetic, ["return a / b"]),
    ("def f(a, b):\n    return a @ b", arithmetic, ["return a * b"]),
    ("def f(a):\n    return a ** 2", arithmetic, ["return a * 2"]),
    ("def f(a):\n    return -a", arithmetic, ["return a"]),
    ("def f(a, m):\n    return a[~m]", arithmetic, ["return a[m]"]),
    ("def f(n):\n    n += 1", arithmetic, ["n -= 1"]),
    ("def f(a, b):\n    return a < b", comparison, ["return a <= b", "return a >= b"]),
    ("def f(a, b):\n    return a >= b", comparison, ["return a > b", "return a < b"]),
    ("def f(a):\n    return a == 0", comparison, ["return a != 0"]),
    ("def f(a):\n    return a is None", comparison, ["return a is not None"]),
    ("def f(a, b):\n    return a and b", boolean, ["return a or b"]),
    ("def f(a):\n    return not a", boolean, ["return a"]),
    ("def f():\n    return True", boolean, ["return False"]),
    ("def f(a):\n    return a + 0", constant, ["return a + 1"]),
    ("def f(a):\n    return 2 * a", constant, ["return 3 * a", "return -2 * a"]),
    ("def f(a):\n    return 0.5 * a", constant, ["return 1.5 * a", "return -0.5 * a"]),
    ("def f(a=0.1):\n    return a", constant, ["def f(a=1.1):", "def f(a=-0.1):"]),
    ("def f():\n    return True", constant, []),
    ("def f(x):\n    return x[1]", index, ["return x[2]", "return x[0]"]),
    ("def f(x, n):\n    return x[:n]", index,
     ["return x[1:n]", "return x[:n + 1]", "return x[:n - 1]"]),
    ("def f(x):\n    return x[2:]", index, ["return x[3:]", "return x[1:]", "return x[2:-1]"]),
    ("def f(n):\n    for i in range(n):\n        pass", index,
     ["for i in range(n + 1):", "for i in range(n - 1):"]),
    ("def f(x):\n    return x['key']", index, []),
    ("def f(x):\n    y = x\n    return y", statement, ["", ""]),
    ("def f(x):\n    return x.sum(axis=0)", axis, ["return x.sum()", "return x.sum(axis=1)"]),
    ("def f(x):\n    return x.mean(axis=1)", axis, ["return x.mean()", "return x.mean(axis=0)"]),
    ("def f(x):\n    return np.sum(x, axis=-1)", axis,
     ["return np.sum(x)", "return np.sum(x, axis=0)"]),
    ("def f(x):\n    return np.sum(x)", twin, ["return np.mean(x)"]),
    ("def f(x):\n    return np.maximum(0, x)", twin, ["return np.minimum(0, x)"]),
    ("def f(x):\n    return x.argmax()", twin, ["return x.argmin()"]),
    ("def f(a, b, c):\n    return a, b, c", swap, ["return (b, a, c)", "return (a, c, b)"]),
    ("def f(z):\n    return np.where(z > 0, z, 0)", swap, ["return np.where(z > 0, 0, z)"]),
])
def test_operator_makes_the_expected_mutants(source, operator, expected):
    assert _afters(source, operator) == expected


def test_dropping_statements_spares_the_docstring_and_keeps_bodies_valid():
    function = _function('''
        def f(x):
            """Docstring."""
            if x:
                return 1
            return 0
    ''')
    mutants = function_mutants(function, {"statement": statement})
    assert [m.before for m in mutants] == ["if x:", "return 1", "return 0"]
    dropped_body = mutants[1].source
    assert "pass" in dropped_body and '"""Docstring."""' in dropped_body
    for mutant in mutants:
        ast.parse(mutant.source)  # every mutant is valid Python


def test_mutants_are_distinct_deterministic_and_changed():
    source = """
        def f(x, y, n=2):
            z = np.asarray(x, dtype=float)
            total = z[1:n].sum(axis=0) + y * 2
            if total >= 0 and n > 1:
                return total, -z
            return np.maximum(z, 0.0), z
    """
    first = function_mutants(_function(source))
    second = function_mutants(_function(source))
    assert [m.source for m in first] == [m.source for m in second]
    sources = [m.source for m in first]
    assert len(set(sources)) == len(sources), "duplicate mutants"
    original = ast.unparse(_function(source))
    assert original not in sources
    assert {m.operator for m in first} == set(OPERATORS), "every operator applies here"
    lines = [m.line for m in first]
    assert lines == sorted(lines), "mutants come in source order"


def test_the_cap_per_function_keeps_an_even_deterministic_sample():
    mutants = function_mutants(_function("""
        def f(a, b):
            return (a + 1) * (b - 2) / (a ** 3 + b[4] - 5)
    """))
    assert len(mutants) > 10
    kept = sample_mutants(mutants, 5)
    assert kept == sample_mutants(mutants, 5)
    positions = [mutants.index(mutant) for mutant in kept]
    assert positions == sorted(set(positions)) and positions[0] == 0
    assert positions[-1] >= len(mutants) * 3 // 4, "the sample spreads over the whole function"
    assert sample_mutants(mutants, len(mutants) + 1) == mutants


def test_a_long_change_is_shown_by_its_changed_part():
    function = _function("""
        def settings():
            return {'features': ('x1', 'x2', 'sin(x1)'), 'hidden': (8, 4), 'batch_size': 10}
    """)
    described = [m.describe() for m in function_mutants(function, {"constant": constant})]
    assert "line 3: `...'batch_size': 10}` -> `...'batch_size': 11}`" in described
    assert all(len(line) < 120 for line in described), described


# ------------------------------------------------------------------------------ runner


def _source_notebook(path, solution: str, tests: list[str], setup: str = "import math"):
    """Write a tiny source notebook with nbgrader's metadata, as the course's are."""
    def meta(grade_id, grade=False, solution_cell=False, points=None):
        data = {"grade": grade, "grade_id": grade_id, "locked": not solution_cell,
                "schema_version": 3, "solution": solution_cell}
        if points is not None:
            data["points"] = points
        return {"nbgrader": data}

    cells = [nbformat.v4.new_code_cell(setup, metadata=meta("setup")),
             nbformat.v4.new_markdown_cell("## Exercise 1 — A function (1 point)",
                                           metadata=meta("ex1_task")),
             nbformat.v4.new_code_cell(textwrap.dedent(solution),
                                       metadata=meta("ex1_solution", solution_cell=True)),
             nbformat.v4.new_code_cell("print(f(3))", metadata=meta("ex1_example"))]
    cells += [nbformat.v4.new_code_cell(textwrap.dedent(test),
                                        metadata=meta(f"ex1_test_{i}", grade=True, points=1))
              for i, test in enumerate(tests)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    for cell in notebook.cells:
        cell.id = cell.metadata["nbgrader"]["grade_id"].replace("_", "-")
    nbformat.write(notebook, path)
    return path


def _strength(*args, timeout=120):
    result = subprocess.run([sys.executable, "-m", "dlcourse.grading.strength", *map(str, args)],
                            capture_output=True, text=True, timeout=timeout, check=False,
                            cwd=COURSE_ROOT)
    return result


def _functions(stdout: str) -> dict:
    return {function["name"]: function for unit in json.loads(stdout)
            for exercise in unit["exercises"] for function in exercise["functions"]}


def test_weak_tests_are_reported_weak_and_copies_share_no_state(tmp_path):
    notebook = _source_notebook(tmp_path / "weak.ipynb", """
        def add(a, b):
            return a + b
    """, [
        # Every copy starts from the set-up's state: a copy that saw another's append fails.
        "seen.append(1)\nassert len(seen) == 1",
        "assert add(0, 0) == 0",
    ], setup="seen = []")
    result = _strength(notebook, "--json")
    assert result.returncode == 1, result.stderr
    add = _functions(result.stdout)["add"]
    assert add["below_threshold"]
    survivors = [r["change"] for r in add["results"] if r["status"] == "survived"]
    assert "line 3: `return a + b` -> `return a - b`" in survivors
    assert add["share"] < 0.9
    text = _strength(notebook)
    assert text.returncode == 1
    assert "BELOW 90 %" in text.stdout and "survived" in text.stdout


def test_a_mutant_that_hangs_or_crashes_counts_as_caught(tmp_path):
    notebook = _source_notebook(tmp_path / "loops.ipynb", """
        def countdown(n):
            while n > 0:
                n -= 1
            return n
    """, [
        "import os\nif countdown(3) is None:\n    os._exit(3)  # a kernel that dies",
        "assert countdown(3) == 0, 'countdown(3) should reach 0'",
    ])
    result = _strength(notebook, "--json", "--timeout", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    countdown = _functions(result.stdout)["countdown"]
    assert countdown["share"] == 1.0
    by = {r["change"]: r["by"] for r in countdown["results"]}
    assert by["line 4: `n -= 1` -> `n += 1`"] == "timeout"
    assert by["line 5: dropped `return n`"] == "crash"
    assert by["line 3: `while n > 0:` -> `while n > 1:`"] == "ex1_test_1"


def test_threshold_and_jobs_options(tmp_path):
    notebook = _source_notebook(tmp_path / "weak.ipynb", """
        def add(a, b):
            return a + b
    """, ["assert add(0, 0) == 0"])
    result = _strength(notebook, "--json", "--threshold", "0", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert not _functions(result.stdout)["add"]["below_threshold"]


# Bad input is found before anything forks: these run the command in this process.


@pytest.mark.parametrize(("content", "message"), [
    (None, "no unit 'no-such-unit' in solutions/ (the units are: 01-perceptron"),
    (b"{not json", "is not a readable notebook"),
    (b'{"cells": "none", "nbformat": 4}', "is not a readable notebook"),
])
def test_bad_input_is_reported_with_exit_status_2(tmp_path, capsys, content, message):
    target = "no-such-unit"
    if content is not None:
        target = tmp_path / "broken.ipynb"
        target.write_bytes(content)
    assert main([str(target)]) == 2
    assert message in capsys.readouterr().err


def test_a_solution_that_fails_its_own_tests_is_refused(tmp_path, capsys):
    notebook = _source_notebook(tmp_path / "wrong.ipynb", """
        def add(a, b):
            return a - b
    """, ["assert add(1, 1) == 2, 'add(1, 1) should be 2'"])
    assert main([str(notebook)]) == 2
    error = capsys.readouterr().err
    assert "the solution itself fails test cell ex1_test_0" in error
    assert "add(1, 1) should be 2" in error


def test_a_notebook_without_graded_functions_is_refused(tmp_path):
    notebook = _source_notebook(tmp_path / "empty.ipynb", "x = 1", ["assert x == 1"])
    with pytest.raises(StrengthError, match="no exercise with both a graded function"):
        read_source_notebook(notebook)


# ------------------------------------------------------------------------------ the course


def test_allow_list_entries_name_graded_functions_and_give_a_reason():
    units = set(all_units())
    for entry in EQUIVALENT_MUTANTS:
        assert entry.unit in units, entry
        notebook = read_source_notebook(resolve_notebook(entry.unit))
        functions = {name for exercise in notebook.exercises for name in exercise.functions}
        assert entry.function in functions, entry
        assert len(entry.reason) > 20, f"say why no test can catch it: {entry}"
    assert len(EQUIVALENT_MUTANTS) == len(set(EQUIVALENT_MUTANTS))


@pytest.mark.grading
@pytest.mark.xdist_group("strength")
def test_every_graded_function_of_the_course_catches_90_percent_of_its_mutants():
    units = all_units()
    assert units, "no unit in solutions/"
    result = _strength("--json", timeout=600)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert [unit["unit"] for unit in report] == units
    weak = {}
    for unit in report:
        assert not unit["stale"], f"stale allow-list entries: {unit['stale']}"
        for exercise in unit["exercises"]:
            for function in exercise["functions"]:
                assert function["counted"] >= 3, f"too few mutants for {function['name']}"
                if function["below_threshold"]:
                    weak[f"{unit['unit']} {function['name']}"] = [
                        r["change"] for r in function["results"] if r["status"] == "survived"]
    assert not weak, f"functions whose tests catch under 90 % of mutants (survivors): {weak}"
    assert result.returncode == 0
