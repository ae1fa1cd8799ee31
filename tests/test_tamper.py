"""Tests that cannot be fooled: hostile submissions earn no point they did not earn honestly.

A test's verdict comes from the trusted replay (``dlcourse.grading.verify``), never from the
student's kernel. The first part checks the pieces in this process: values as plain data, the
recorder and the replay on a small notebook. The second part grades hostile submissions of the
course's exercises with stock ``nbgrader autograde`` (one nbgrader run per unit) and asserts
their exact scores: each patches, lies, rewrites, swallows, kills or forges in one exercise
and answers the others correctly, so it must earn exactly the points of the honest exercises.
"""

from __future__ import annotations

import collections
import textwrap
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
from nbgrader_course import GradingCourse, fill_solutions, make_grading_course, solution_sources

from dlcourse.grading.release import run_nbgrader
from dlcourse.grading.replay import dry_run, replay_notebook
from dlcourse.grading.replay_cells import (
    CellOutcome,
    replayed_cells,
    setup_names,
    student_names,
)
from dlcourse.grading.replay_data import MalformedValue, NotDecodable, decode, encode, same
from dlcourse.grading.replay_record import RECORD_MIME, Recorder, cell_key
from dlcourse.grading.replay_records import parse_records
from dlcourse.grading.replay_server import ReplayServer
from dlcourse.grading.verify import RecordCalls, VerifyByReplay, take_records, with_replay

# --------------------------------------------------------------------------- plain data


def _round_trip(value):
    return decode(encode(value))


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int8", "uint16",
                                   "bool", "complex128"])
def test_arrays_come_back_as_fresh_plain_arrays(dtype):
    original = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    back = _round_trip(original)
    assert type(back) is np.ndarray and back.dtype == original.dtype
    assert back.shape == (2, 3, 4) and np.array_equal(back, original)
    assert back.flags.writeable and not np.shares_memory(back, original)


def test_python_and_numpy_values_keep_their_types():
    point = collections.namedtuple("Point", ["x", "y"])
    value = {"w": np.array([1.5, -2.0]), ("a", 1): [1, 2.5, None, True, "text", b"\x00\xff"],
             "big": 2**80, "nan": float("nan"), "inf": -np.inf, "scalar": np.float32(0.25),
             "int": np.int64(7), "complex": 1 + 2j, "point": point(1, 2.0),
             "sets": (frozenset({1, 2}), {3})}
    back = _round_trip(value)
    assert list(back) == list(value)
    assert type(back[("a", 1)]) is list and back[("a", 1)] == [1, 2.5, None, True, "text",
                                                                b"\x00\xff"]
    assert back["big"] == 2**80 and np.isnan(back["nan"]) and back["inf"] == -np.inf
    assert type(back["scalar"]) is np.float32 and back["scalar"] == 0.25
    assert type(back["int"]) is np.int64 and back["complex"] == 1 + 2j
    assert back["point"].x == 1 and back["point"]._fields == ("x", "y")
    assert back["sets"] == (frozenset({1, 2}), {3})
    assert type(back["sets"]) is tuple


class _LyingArray(np.ndarray):
    """An array that says it equals anything, and that every NumPy function agrees."""

    def __eq__(self, other):
        return True

    def __array_function__(self, func, types, args, kwargs):
        return np.True_

    def __bool__(self):
        return True


class _Impostor:
    """Claims to be an array of the right shape, equal to everything."""

    shape = (41,)
    dtype = np.dtype(float)
    __class__ = np.ndarray  # isinstance(x, np.ndarray) is True

    def __eq__(self, other):
        return True

    def __lt__(self, other):
        return True

    def __bool__(self):
        return True

    def __len__(self):
        return 41

    def __array__(self, dtype=None, copy=None):
        return np.zeros(41)


def test_tensors_come_back_as_fresh_tensors():
    import torch

    weights = {"w": torch.arange(6.0).reshape(2, 3).requires_grad_(), "mask": torch.tensor([True])}
    back = _round_trip(weights)
    assert torch.equal(back["w"], weights["w"].detach()) and back["w"].requires_grad
    assert back["w"].dtype == torch.float32 and back["mask"].dtype == torch.bool
    big = torch.zeros(300, 300)
    assert "ndsummary" in encode(big, summarize=True)
    assert same(encode(big, summarize=True), encode(big.clone(), summarize=True))


def test_lying_objects_become_their_plain_data_or_nothing():
    lying = np.zeros(3).view(_LyingArray)
    back = _round_trip(lying)
    assert type(back) is np.ndarray and not np.allclose(back, [1.0, 2.0, 3.0])
    data = encode(_Impostor())
    assert "unsupported" in data
    with pytest.raises(NotDecodable):
        decode(data)


@pytest.mark.parametrize("forged", [
    [1, 2, 3],
    3.0,
    {"float": "1.0", "int": "1"},
    {"pickle": "gASVAAAAAAAAAAB9lC4="},
    {"ndarray": {"dtype": "|O", "shape": [1], "data": "gASVAAAAAAAAAAB9lC4="}},
    {"ndarray": {"dtype": "V8", "shape": [1], "data": "AAAAAAAAAAA="}},
    {"ndarray": {"dtype": "<f8", "shape": [2**39], "data": "AAAAAAAAAAA="}},
    {"ndarray": {"dtype": "<f8", "shape": [2], "data": "not base64!"}},
    {"ndarray": {"dtype": "<f8", "shape": [-1], "data": "AAAAAAAAAAA="}},
    {"int": "1e5"},
    {"float": "__import__('os')"},
    {"namedtuple": {"name": "P", "fields": ["def"], "items": [None]}},
    {"dict": [[{"list": []}, None]]},
])
def test_forged_data_is_refused(forged):
    with pytest.raises(MalformedValue):
        decode(forged, limit=2**20)


def test_nesting_is_limited():
    deep = {"list": []}
    for _ in range(40):
        deep = {"list": [deep]}
    with pytest.raises(MalformedValue, match="nested"):
        decode(deep)
    nested: list = []
    for _ in range(40):
        nested = [nested]
    assert "unsupported" in str(encode(nested))


def test_decoding_has_a_size_budget():
    data = encode(np.zeros(1000))
    assert decode(data, limit=10_000).shape == (1000,)
    with pytest.raises(MalformedValue, match="larger"):
        decode(data, limit=1000)


def test_arguments_are_the_same_within_a_tolerance_only():
    x = np.linspace(-1.0, 1.0, 7)
    assert same(encode(x), encode(x * (1 + 1e-13)))
    assert not same(encode(x), encode(x * (1 + 1e-6)))
    assert not same(encode(x), encode(x[:-1]))
    assert not same(encode(x), encode(x.astype(np.float32)))
    assert not same(encode([1, 2]), encode((1, 2)))
    assert same(encode({"a": 0.1 + 0.2}), encode({"a": 0.3}))
    assert not same(encode(3), encode(4))
    big = np.random.default_rng(0).normal(size=100_000)
    assert "ndsummary" in encode(big, summarize=True)
    assert same(encode(big, summarize=True), encode(big.copy(), summarize=True))
    assert not same(encode(big, summarize=True), encode(big + 1e-3, summarize=True))
    assert not same({"ndarray": "forged"}, encode(x))


# --------------------------------------------------------------------------- the replay


def _code(source: str, grade_id: str, *, solution=False, grade=False, points=0):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return nbformat.v4.new_code_cell(textwrap.dedent(source).strip() + "\n",
                                     metadata={"nbgrader": meta})


SOLUTION = """
def double(x):
    ### BEGIN SOLUTION
    return 2 * np.asarray(x, dtype=float)
    ### END SOLUTION
"""


def _source_notebook():
    """A small exercise: a set-up cell with a seeded rng, one graded function, five tests."""
    cells = [
        _code("import numpy as np\nrng = np.random.default_rng(0)", "setup"),
        _code(SOLUTION, "solution", solution=True),
        _code("print(double([1, 2]))", "example"),
        _code("""
            x = rng.normal(size=5)
            result = double(x)
            if not (isinstance(result, np.ndarray) and np.allclose(result, 2 * x)):
                raise AssertionError("double(x) should be 2 x")
            print("visible tests passed")
            """, "test_values", grade=True, points=2),
        _code("""
            ### BEGIN HIDDEN TESTS
            big = rng.normal(size=(3, 4))
            if not np.array_equal(np.asarray(double(big)), 2 * big):
                raise AssertionError("double is wrong on a (3, 4) array")
            ### END HIDDEN TESTS
            """, "test_hidden", grade=True, points=1),
        _code("""
            a = np.ones(3)
            double(a)
            if not np.array_equal(a, np.ones(3)):
                raise AssertionError("double changed its input")
            """, "test_inputs", grade=True, points=1),
        _code("""
            try:
                double("text")
            except ValueError:
                pass
            else:
                raise AssertionError("double('text') should raise a ValueError")
            """, "test_raises", grade=True, points=1),
        _code("""
            try:
                answer = double(np.zeros(2))
            except Exception:  # a careless test: it swallows everything
                answer = np.zeros(2)
            answer.sum()
            """, "test_careless", grade=True, points=1),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def _kernel_run(notebook, solution: str, before_tests: str = "", dies_in: str = "") -> list:
    """Run ``notebook`` as a kernel would, with ``solution`` as the solution cell, recording.

    Returns the records the kernel published. ``before_tests`` runs as a student's own cell
    right after the solution. The kernel dies in the cell labelled ``dies_in``: as the grader's
    sandbox does, a fresh kernel runs the cells before again (their records are thrown away)
    and goes on with the next cell.
    """
    names = student_names(notebook)
    keys: dict = {}
    for cell in replayed_cells(notebook):
        keys.setdefault(cell_key(cell.source), []).append(cell.label)
    payloads: list = []

    def start(publish):
        namespace = {"__name__": "__main__"}
        return namespace, Recorder(namespace, names, keys, setup_names(notebook), publish=publish)

    namespace, recorder = start(payloads.append)
    sources = []
    for cell in notebook.cells:
        if cell.metadata.nbgrader.get("solution"):
            sources += [(solution, ""), (before_tests, "")]
        else:
            sources.append((cell.source, cell.metadata.nbgrader["grade_id"]))
    ran = []
    for source, label in sources:
        if label and label == dies_in:
            namespace, recorder = start(lambda record: None)
            for earlier in ran:
                _run_recorded(recorder, namespace, earlier)
            recorder.publish = payloads.append
            continue
        _run_recorded(recorder, namespace, source)
        ran.append(source)
    return payloads


def _run_recorded(recorder, namespace, source):
    recorder.pre_run_cell(SimpleNamespace(raw_cell=source))
    try:
        exec(source, namespace)  # noqa: S102 (the test's own code)
    except Exception:
        pass
    recorder.post_run_cell()


def _verdicts(outcomes: list[CellOutcome]) -> dict[str, bool]:
    return {outcome.label: outcome.passed for outcome in outcomes if outcome.graded}


def _messages(outcomes: list[CellOutcome]) -> dict[str, str]:
    return {o.label: f"{o.ename}: {o.evalue}" for o in outcomes if o.graded and not o.passed}


ALL_PASS = {"test_values": True, "test_hidden": True, "test_inputs": True, "test_raises": True,
            "test_careless": True}


def test_honest_solution_passes_the_replay():
    notebook = _source_notebook()
    solution = SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    outcomes = replay_notebook(notebook, _kernel_run(notebook, solution))
    assert _verdicts(outcomes) == ALL_PASS
    values = next(o for o in outcomes if o.label == "test_values")
    assert values.stdout == "visible tests passed\n"
    assert next(o for o in outcomes if o.label == "example").stdout == "[2. 4.]\n"


def test_wrong_answers_fail_with_the_trusted_message():
    notebook = _source_notebook()
    outcomes = replay_notebook(notebook, _kernel_run(
        notebook, "def double(x):\n    return 3 * np.asarray(x, dtype=float)\n"))
    assert _verdicts(outcomes) == {**ALL_PASS, "test_values": False, "test_hidden": False}
    assert _messages(outcomes)["test_values"] == "AssertionError: double(x) should be 2 x"
    failed = next(o for o in outcomes if o.label == "test_values")
    assert failed.line == 4 and failed.hidden is False
    assert next(o for o in outcomes if o.label == "test_hidden").hidden is True


def test_a_list_is_not_an_array_in_the_replay():
    notebook = _source_notebook()
    outcomes = replay_notebook(notebook, _kernel_run(
        notebook, "def double(x):\n    return [2.0 * v for v in np.ravel(x)] if "
                  "np.ndim(x) == 1 else 2 * np.asarray(x, dtype=float)\n"))
    # test_careless sums the answer: a list has no .sum(), in the kernel as in the replay.
    assert _verdicts(outcomes) == {**ALL_PASS, "test_values": False, "test_careless": False}


def test_changing_an_input_in_place_is_replayed():
    notebook = _source_notebook()
    outcomes = replay_notebook(notebook, _kernel_run(
        notebook, "def double(x):\n    x = np.asarray(x, dtype=float)\n    x *= 2\n"
                  "    return x\n"))
    # double(x) doubled x too, so 2 * x is now 4 x0: the tests fail, as in the kernel.
    assert _verdicts(outcomes) == {**ALL_PASS, "test_values": False, "test_hidden": False,
                                   "test_inputs": False}


def test_exceptions_are_replayed_and_records_cannot_be_swallowed():
    notebook = _source_notebook()
    records = _kernel_run(notebook, "def double(x):\n    raise NotImplementedError()\n")
    outcomes = replay_notebook(notebook, records)
    # The careless test catches the NotImplementedError, in the kernel as in the replay.
    assert _verdicts(outcomes) == {**{key: False for key in ALL_PASS}, "test_careless": True}
    assert _messages(outcomes)["test_values"] == "NotImplementedError: raised by your double"
    # No record at all for the careless test: its `except Exception` cannot hide that.
    for payload in records:
        if payload["label"] == "test_careless":
            payload["calls"] = []
    outcomes = replay_notebook(notebook, records)
    assert _messages(outcomes)["test_careless"].startswith("NotVerified: double(array (2,) "
                                                           "float64) cannot be checked")


def test_a_notebook_without_records_earns_nothing():
    notebook = _source_notebook()
    outcomes = replay_notebook(notebook, [])
    assert _verdicts(outcomes) == {key: False for key in ALL_PASS}
    assert "did not run in your notebook" in _messages(outcomes)["test_hidden"]


def test_a_students_own_cell_does_not_change_the_tests_inputs():
    notebook = _source_notebook()
    assert setup_names(notebook) == ["np", "rng"]
    solution = SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    playing = "rng.normal(size=10)  # the student tries things out\nrng = None\nnp = None\n"
    outcomes = replay_notebook(notebook, _kernel_run(notebook, solution, playing))
    assert _verdicts(outcomes) == ALL_PASS


def test_a_kernel_that_died_costs_only_the_cells_it_stopped():
    notebook = _source_notebook()
    notebook.cells[2] = _code("print(double(rng.normal(size=2)))", "example")
    solution = SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    for dies_in, lost in (("example", {}), ("test_hidden", {"test_hidden": False})):
        payloads = _kernel_run(notebook, solution, dies_in=dies_in)
        assert len({payload["kernel"] for payload in payloads}) == 2
        outcomes = replay_notebook(notebook, payloads)
        # After a restart the kernel drew from a fresh rng again: so does the replay.
        assert _verdicts(outcomes) == {**ALL_PASS, **lost}, dies_in


def test_cells_with_the_same_source_are_told_apart():
    notebook = _source_notebook()
    notebook.cells.append(_code(notebook.cells[3].source, "test_values_again", grade=True,
                                points=1))
    solution = SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    outcomes = replay_notebook(notebook, _kernel_run(notebook, solution))
    assert _verdicts(outcomes) == {**ALL_PASS, "test_values_again": True}


def test_a_function_that_draws_from_the_tests_rng_is_told_why():
    notebook = _source_notebook()
    outcomes = replay_notebook(notebook, _kernel_run(
        notebook, "def double(x):\n    rng.normal()\n    return 2 * np.asarray(x, dtype=float)\n"))
    messages = _messages(outcomes)
    # The example cell's call drew from rng in the kernel: every later input differs.
    assert "never with these inputs" in messages["test_values"]
    assert "rng" in messages["test_hidden"]


def test_forged_records_earn_nothing():
    notebook = _source_notebook()
    wrong = "def double(x):\n    return np.zeros(np.shape(x))\n"
    honest = SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    right = _kernel_run(notebook, honest)
    forged = _kernel_run(notebook, wrong)
    wildcards = 0
    for payload in forged:
        for call in payload["calls"]:
            call.pop("args")  # a wildcard?
            wildcards += 1
    values = next(p for p in right if p["label"] == "test_values")
    for result in ({"unsupported": "builtins.object"}, {"function": "double"},
                   {"ndsummary": {"dtype": "<f8", "shape": [5], "digest": "", "samples": ""}},
                   {"ndarray": {"dtype": "|O", "shape": [5], "data": "AAAA"}}):
        forged.append({**values, "calls": [{**values["calls"][0], "result": result}]})
    for kind in ("SystemExit", "KeyboardInterrupt", "StopIteration", "NoSuchError"):
        forged.append({**values, "calls": [{**values["calls"][0], "raised": {"type": kind}}]})
    forged += [None, "text", {"format": 99}, {"format": 1, "label": 3, "state": {}, "calls": []}]
    records, ignored = parse_records(forged)
    assert ignored == 4 + wildcards
    outcomes = replay_notebook(notebook, forged)
    assert not any(_verdicts(outcomes).values())


def test_graded_values_and_undefined_names():
    notebook = _source_notebook()
    notebook.cells[1] = _code("RATE = 0.5\n" + SOLUTION, "solution", solution=True)
    notebook.cells.append(_code("""
        if RATE != 0.5:
            raise AssertionError("RATE should be 0.5")
        """, "test_rate", grade=True, points=1))
    assert student_names(notebook) == ["RATE", "double"]
    outcomes = replay_notebook(notebook, _kernel_run(notebook, "RATE = 0.25\n"))
    messages = _messages(outcomes)
    assert messages["test_rate"] == "AssertionError: RATE should be 0.5"
    assert messages["test_values"] == "NameError: name 'double' is not defined"
    outcomes = replay_notebook(notebook, _kernel_run(notebook, "RATE = object()\n"))
    assert _messages(outcomes)["test_rate"].startswith("NotVerified: RATE cannot be checked")


def test_the_replay_keeps_numpy_settings_and_has_a_time_limit():
    notebook = _source_notebook()
    notebook.cells[2] = _code("np.set_printoptions(precision=2)\nimport time\ntime.sleep(3)",
                              "example")
    before = np.get_printoptions()
    outcomes = replay_notebook(notebook, [], timeout=0.3)
    assert np.get_printoptions() == before
    slow = next(o for o in outcomes if o.label == "example")
    assert slow.evalue == "this test ran more than 0.3 s in the grader's replay"
    assert slow.seconds < 2
    assert dry_run(notebook, timeout=0.3) < 3


def test_the_server_replays_in_a_disposable_process(tmp_path):
    notebook = _source_notebook()
    solution = SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    records = _kernel_run(notebook, solution)
    # The replay's process ends in a last cell, which never reports.
    notebook.cells.append(_code("import os\nos._exit(3)", "the_end"))
    path = tmp_path / "unit" / "unit.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    server = ReplayServer()
    try:
        outcomes, stopped = server.replay(path, records, timeout=30, warm_up=False)
        assert _verdicts(outcomes) == ALL_PASS
        assert "the_end" not in [outcome.label for outcome in outcomes]
        assert stopped == "the grader's replay of this notebook stopped (exit status 3)"
        first_pid = server._process.pid
        outcomes, _ = server.replay(path, [], timeout=30, warm_up=False)
        assert server._process.pid == first_pid, "one server for every submission"
        assert not any(_verdicts(outcomes).values())
    finally:
        server.close()


def test_with_replay_wraps_whatever_executes():
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    from dlcourse.grading.sandbox import SandboxedExecute

    assert with_replay([Execute, SaveAutoGrades]) == [RecordCalls, Execute, VerifyByReplay,
                                                      SaveAutoGrades]
    twice = with_replay(with_replay([SandboxedExecute, SaveAutoGrades]))
    assert twice == [RecordCalls, SandboxedExecute, VerifyByReplay, SaveAutoGrades]
    assert with_replay()[:3] == [RecordCalls, Execute, VerifyByReplay]
    with pytest.raises(ValueError, match="no Execute"):
        with_replay([SaveAutoGrades])


def test_the_recorder_never_breaks_a_call():
    class Stubborn(int):
        def __int__(self):
            raise RuntimeError("no")

    records: list = []
    namespace = {"f": lambda x: x}
    recorder = Recorder(namespace, ["f"], {cell_key("f(x)"): ["test"]}, publish=records.append)
    recorder.pre_run_cell(SimpleNamespace(raw_cell="f(x)"))
    value = Stubborn(3)
    assert namespace["f"](value) is value
    recorder.post_run_cell()
    (call,) = records[0]["calls"]
    assert call["result"] == {"unsupported": "Stubborn (RuntimeError)"}


def test_records_and_the_recorder_cell_are_taken_out():
    notebook = _source_notebook()
    notebook.cells.insert(0, nbformat.v4.new_code_cell("recorder", metadata={
        "dlcourse_recorder": True}))
    record = {"format": 1, "label": "setup", "state": {}, "calls": []}
    notebook.cells[1].outputs = [
        nbformat.v4.new_output("display_data", data={RECORD_MIME: record}),
        nbformat.v4.new_output("stream", name="stdout", text="kept\n")]
    payloads = take_records(notebook)
    assert payloads == [record]
    assert len(notebook.cells) == len(_source_notebook().cells)
    assert [o.output_type for o in notebook.cells[0].outputs] == ["stream"]


# --------------------------------------------------------------------------- hostile students

# Every hostile submission answers some exercises honestly (the source's solutions) and attacks
# in one place. Each snippet is appended to the named solution cell.

_ZEROS = {  # wrong answers of unit 01 that look right: arrays of the right shape
    "ex2_solution": """
def sigmoid_derivative(z):
    return np.zeros(np.shape(z))


def tanh_derivative(z):
    return np.zeros(np.shape(z))


def relu_derivative(z):
    return np.zeros(np.shape(z))
""",
    "ex3_solution": """
def neuron_forward(X, w, b, activation=None):
    return np.zeros(np.shape(X)[0])
""",
    "ex4_solution": """
def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):
    return np.zeros(np.shape(X)[1]), 0.0, [0]
""",
}

_PATCH_HELPERS = """
import math
import numpy
import numpy.testing
import dlcourse.check
import dlcourse.check.asserts as _asserts


def _pass(*args, **kwargs):
    return None


numpy.allclose = lambda *args, **kwargs: True
numpy.array_equal = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, **kwargs: numpy.ones(numpy.broadcast(a, b).shape, dtype=bool)
numpy.testing.assert_allclose = _pass
math.isclose = lambda *args, **kwargs: True
for _name in ("check_array", "check_scalar", "check_shape", "check_callable", "check_gradient",
              "check_keys"):
    setattr(dlcourse.check, _name, _pass)
    setattr(_asserts, _name, _pass)
    globals()[_name] = _pass
_asserts._fail = _pass
check_no_float_error = lambda function, *args, name="", **kwargs: function(*args, **kwargs)
"""

_LIARS = """
import sys as _sys


class _Liar:  # an 'array' equal to anything, whose values are what the caller expects
    dtype = np.dtype(float)
    __class__ = np.ndarray

    def __init__(self, shape):
        self.shape = shape

    def __array__(self, dtype=None, copy=None):
        frame = _sys._getframe(1)
        while frame is not None:  # steal the checking helper's expected value
            expected = frame.f_locals.get("expected")
            if isinstance(expected, np.ndarray) and expected.shape == self.shape:
                return expected.copy()
            frame = frame.f_back
        return np.zeros(self.shape)

    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __gt__(self, other): return True
    def __bool__(self): return True
    def __len__(self): return self.shape[0] if self.shape else 1
    def all(self): return True


def sigmoid_derivative(z):
    return _Liar(np.shape(z))


def tanh_derivative(z):
    return _Liar(np.shape(z))


def relu_derivative(z):
    return _Liar(np.shape(z))
"""
_LYING_FORWARD = """
def neuron_forward(X, w, b, activation=None):
    return _Liar((np.shape(X)[0],))
"""

# train_perceptron returns a list, not a tuple (its values are right): the visible test
# checks the type with isinstance, which is patched, together with len, abs and unittest.
_PATCH_BUILTINS = """
import builtins
import sys
import unittest

_real = {name: getattr(builtins, name) for name in ("isinstance", "len", "abs")}


def _from_main():
    return sys._getframe(2).f_globals.get("__name__") == "__main__"


builtins.isinstance = lambda obj, kind: True if _from_main() else _real["isinstance"](obj, kind)
builtins.len = lambda obj: 3 if _from_main() and type(obj) is not list else _real["len"](obj)
builtins.abs = lambda x: 0.0 if _from_main() else _real["abs"](x)
unittest.TestCase.assertEqual = lambda *args, **kwargs: None
unittest.TestCase.assertTrue = lambda *args, **kwargs: None

_train = train_perceptron


def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):
    return list(_train(X, y, learning_rate, max_epochs))
"""

_BLANK_TESTS = """
def _blank(lines):
    text = "".join(lines)
    if any(name in text for name in ("_derivative(", "neuron_forward(", "train_perceptron(")):
        return ["pass\\n"]
    return lines


get_ipython().input_transformers_cleanup.append(_blank)
"""

_SWALLOW = """
import ast
import sys


class _Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None,
                                    body=[ast.Pass()])
        body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[],
                        finalbody=[])]
        return ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))


sys.excepthook = lambda *args: None
_shell = get_ipython()
_shell.showtraceback = lambda *args, **kwargs: None
_shell.ast_transformers.append(_Swallow())
"""

_KILL = """
import os

os._exit(0)
"""

_KILL_IN_HIDDEN_TEST = """
import os

_sigmoid = sigmoid


def sigmoid(z):
    if np.shape(z) == (3, 4, 5):  # only exercise 1's hidden test passes one
        os._exit(1)
    return _sigmoid(z)
"""

_FORGE = """
from IPython.display import publish_display_data

_MIME = "application/vnd.dlcourse.replay-record+json"
_grid = np.linspace(-6.0, 6.0, 25) + 0.01
_args = [{"ndarray": {"dtype": "<f8", "shape": [25], "data": __import__("base64").b64encode(
    _grid.tobytes()).decode()}}]
_forged = [
    {"name": "sigmoid_derivative", "kwargs": {}, "result": {"float": "0x1p-2"}},  # no args
    {"name": "sigmoid_derivative", "args": _args, "kwargs": {},
     "result": {"ndarray": {"dtype": "|O", "shape": [25], "data": "gASVAAAAAAAAAAB9lC4="}}},
    {"name": "tanh_derivative", "args": _args, "kwargs": {}, "result": {"function": "relu"}},
    {"name": "relu_derivative", "args": _args, "kwargs": {}, "raised": {"type": "SystemExit"}},
    {"name": "relu_derivative", "args": _args, "kwargs": {},
     "result": {"ndsummary": {"dtype": "<f8", "shape": [25], "digest": "", "samples": ""}}},
]
for _label in ("ex2_test_values", "ex2_test_hidden", "ex3_test_values", "ex3_test_hidden",
               "ex4_test_penguins", "ex4_test_hidden"):
    publish_display_data({_MIME: {"format": 1, "label": _label, "calls": _forged, "state": {
        "sigmoid_derivative": {"kind": "function"}, "tanh_derivative": {"kind": "function"},
        "relu_derivative": {"kind": "function"}, "neuron_forward": {"kind": "function"},
        "train_perceptron": {"kind": "value", "value": {"unsupported": "x"}}}}})
    publish_display_data({_MIME: "not a record"})
"""


def _hostile_unit_01():
    """Hostile submissions of unit 01: (snippets by solution cell, exercises answered honestly)."""
    wrong_234 = dict(_ZEROS)
    return {
        # (a) NumPy, math and the course's checking helpers replaced to always pass.
        "patch_helpers": ({"ex1_solution": _PATCH_HELPERS, **wrong_234}, {"ex1"}),
        # (b) objects that lie about ==, <, bool, len, shape, type and __array__.
        "lying_objects": ({"ex2_solution": _LIARS, "ex3_solution": _LYING_FORWARD},
                          {"ex1", "ex4"}),
        # (c) isinstance, len, abs and unittest patched; a list where a tuple is due.
        "patch_builtins": ({"ex4_solution": _PATCH_BUILTINS}, {"ex1", "ex2", "ex3",
                                                                 "ex4_test_hidden"}),
        # (d) an input transformer that blanks the tests of exercises 2 to 4.
        "blank_tests": ({"ex1_solution": _BLANK_TESTS, **wrong_234}, {"ex1"}),
        # (f) every cell's exceptions swallowed (an AST transformer), tracebacks hidden.
        "swallow_errors": ({"ex1_solution": _SWALLOW, **wrong_234}, {"ex1"}),
        # (g) correct-looking stubs, then the kernel killed.
        "kill_kernel": ({**wrong_234, "ex2_solution": wrong_234["ex2_solution"] + _KILL},
                        {"ex1"}),
        "kill_in_hidden_test": ({"ex1_solution": _KILL_IN_HIDDEN_TEST},
                                {"ex1_test_values", "ex2", "ex3", "ex4"}),
        # (h) fake records printed for exercises 2 to 4.
        "forged_records": ({"ex1_solution": _FORGE, **wrong_234}, {"ex1"}),
    }


def _edited_cells(course: GradingCourse):
    """(e) Test cells deleted, rewritten, turned into markdown worth 100 points; stubs in 2-4."""
    answers = dict(solution_sources(course.unit))
    for cell, code in _ZEROS.items():
        answers[cell] += "\n" + code
    notebook = fill_solutions(course.released(), answers)
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if grade_id.startswith("ex2_test"):
            continue  # deleted
        if grade_id.startswith("ex3_test"):
            cell.source = "print('Exercise 3: visible tests passed.')"
        if grade_id.startswith("ex4_test"):
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            meta.update(points=100, locked=False)
        cells.append(cell)
    cells.append(nbformat.v4.new_code_cell("print('Exercise 4: visible tests passed.')"))
    notebook.cells = cells
    return notebook


def _expected(maximum: dict[str, float], honest: set[str]) -> dict[str, float]:
    """Full points for the cells (or exercises) in ``honest``, none for the others."""
    return {cell: points if (cell in honest or cell.split("_")[0] in honest) else 0.0
            for cell, points in maximum.items()}


_courses: dict[str, GradingCourse | Exception] = {}


def _graded_unit_01(tmp_path_factory) -> GradingCourse:
    if "01" not in _courses:
        try:
            course = make_grading_course(tmp_path_factory.mktemp("tamper-01"), "01-perceptron")
            solutions = solution_sources(course.unit)
            released = course.released()
            course.submit("honest", fill_solutions(released, solutions))
            for student, (snippets, _) in _hostile_unit_01().items():
                answers = dict(solutions)
                for cell, code in snippets.items():
                    answers[cell] = solutions[cell] + "\n\n" + code.strip("\n") + "\n"
                course.submit(student, fill_solutions(released, answers))
            course.submit("edited_cells", _edited_cells(course))
            course.autograde()
        except Exception as error:  # grade once: the other tests report the same error
            _courses["01"] = error
        else:
            _courses["01"] = course
    if isinstance(_courses["01"], Exception):
        raise _courses["01"]
    return _courses["01"]


_unit_01 = pytest.mark.xdist_group("tamper-01")


@_unit_01
@pytest.mark.grading
def test_honest_submission_earns_every_point(tmp_path_factory):
    course = _graded_unit_01(tmp_path_factory)
    assert course.cell_scores("honest") == course.max_scores()


@_unit_01
@pytest.mark.grading
@pytest.mark.parametrize("student", sorted(_hostile_unit_01()))
def test_hostile_submission_earns_only_its_honest_points(tmp_path_factory, student):
    course = _graded_unit_01(tmp_path_factory)
    honest = _hostile_unit_01()[student][1]
    assert course.cell_scores(student) == _expected(course.max_scores(), honest)


@_unit_01
@pytest.mark.grading
def test_edited_and_deleted_test_cells_earn_nothing(tmp_path_factory):
    course = _graded_unit_01(tmp_path_factory)
    assert course.cell_scores("edited_cells") == _expected(course.max_scores(), {"ex1"})


@_unit_01
@pytest.mark.grading
def test_graded_notebook_shows_trusted_messages_only(tmp_path_factory):
    course = _graded_unit_01(tmp_path_factory)
    path = course.grader / "autograded" / "patch_helpers" / course.unit / f"{course.unit}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    submitted = nbformat.read(course.grader / "submitted" / "patch_helpers" / course.unit
                              / f"{course.unit}.ipynb", as_version=4)
    assert len(notebook.cells) == len(submitted.cells), "the recorder cell is removed"
    text = nbformat.writes(notebook)
    assert RECORD_MIME not in text, "records are removed"
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in notebook.cells}
    visible, hidden = cells["ex2_test_values"].outputs, cells["ex2_test_hidden"].outputs
    assert [output.output_type for output in visible] == ["error"]
    message, where = visible[0].traceback
    assert message.startswith("AssertionError: sigmoid_derivative(z)[0] is 0, expected 0.00")
    source = cells["ex2_test_values"].source.splitlines()
    line = int(where.split()[1])
    assert where == f"(line {line} of the test: {source[line - 1].strip()})"
    assert [output.output_type for output in hidden] == ["error"]
    assert len(hidden[0].traceback) == 1, "a hidden test shows its message only"
    assert cells["ex1_test_values"].outputs[0].text == "Exercise 1: visible tests passed.\n"


# --------------------------------------------------------------------------- unit 03

_FAKE_TRAINING = """
import dlcourse.playground


def _perfect(self, epochs=1, *args, **kwargs):
    self.history = {"train_loss": [0.0] * epochs, "test_loss": [0.0] * epochs}
    return self


dlcourse.playground.Playground.train = _perfect
Playground.train = _perfect


class _Settings(dict):
    def keys(self):
        return ["features"]

    def __iter__(self):
        return iter(["features"])


def spiral_settings():
    return _Settings(features=("x1", "x2"), hidden=(2,), activation="tanh")
"""


@pytest.mark.grading
@pytest.mark.xdist_group("tamper-03")
def test_faked_training_and_lying_settings_earn_nothing(tmp_path):
    course = make_grading_course(tmp_path, "03-multilayer")
    solutions = solution_sources(course.unit)
    answers = {**solutions, "ex3_solution": solutions["ex3_solution"] + "\n\n" + _FAKE_TRAINING}
    course.submit("fake_training", fill_solutions(course.released(), answers))
    # One submission: the replay server's warm-up (three more trainings) would not pay off.
    run_nbgrader(["autograde", course.unit, "--create", "--VerifyByReplay.warm_up=False"],
                 course.grader)
    assert course.cell_scores("fake_training") == _expected(course.max_scores(), {"ex1", "ex2"})
