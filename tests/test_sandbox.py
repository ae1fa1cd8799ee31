"""The grading sandbox, tried by hostile submissions graded with stock nbgrader.

A class of two is graded once, in a temporary copy of the course, by ``nbgrader autograde``
with the course's configuration (the sandbox on) and short limits:

- ``vandal`` answers every exercise correctly, and its solution cells also try to write into
  the course, the gradebook and a classmate's submission, read ``solutions/`` (the hidden
  tests), the gradebook and the classmate's work, reach a server on the host's loopback and
  the internet, read the grader's secrets from the environment, allocate 8 GiB three ways,
  fork a thousand processes, and sleep forever while ignoring interrupts (exercise 3). Every
  attempt is recorded in its output;
- ``xavier``, the classmate, graded after the vandal, answers correctly, but its exercise 2
  cell ends the kernel with ``os._exit``.

Nothing of the host changes, every attempt fails, and each student earns every point except
those of the exercise whose cell hung or killed the kernel. Smaller tests check the refusal
without bubblewrap, the opt-out, the time limit of a notebook and the output cap.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbgrader_course import fill_solutions, make_grading_course, solution_sources

from dlcourse.grading import sandbox_check
from dlcourse.grading.release import run_nbgrader
from dlcourse.grading.sandbox import (
    INSTALL_HINT,
    UNSAFE_ENV,
    Sandbox,
    SandboxedExecute,
    SandboxUnavailable,
    allow_unsafe_grading,
    check_sandbox,
    use_sandbox,
)
from dlcourse.grading.sandbox_bwrap import (
    SCRATCH,
    Layout,
    bwrap_command,
    check_not_exposed,
    kernel_environment,
    launcher_settings,
    visible_paths,
)
from dlcourse.grading.sandbox_kernel import protected_paths
from dlcourse.paths import COURSE_ROOT

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("sandbox")]

UNIT = "01-perceptron"
CELL_TIMEOUT = 5
SECRET = "DLCOURSE_TEST_GRADER_TOKEN"

# Test-only limits, appended to the course copy's nbgrader_config.py: a short cell timeout so
# that a hang costs seconds, and 1 GiB of memory so that a failed cap cannot take the host's.
TEST_CONFIG = f"""
c.Execute.timeout = {CELL_TIMEOUT}
c.Sandbox.memory_gib = 1
c.Sandbox.notebook_timeout = 240
"""

# Prepended to a solution cell; TARGETS is replaced by a JSON object of host paths.
ATTACK_PRELUDE = '''
import json as _json
import os as _os

_targets = _json.loads(TARGETS)
_report = {}


def _attempt(name, action):
    try:
        result = action()
    except BaseException as error:  # what the sandbox should cause
        _report[name] = "blocked: " + type(error).__name__ + ": " + str(error)[:120]
    else:
        _report[name] = "SUCCEEDED " + repr(result)[:120]


def _write(path, mode="w"):
    with open(path, mode) as handle:
        handle.write("pwned" if "b" not in mode else b"pwned")


def _read(path):
    with open(path, "rb") as handle:
        return len(handle.read())
'''

FILE_ATTACKS = '''
import socket as _socket
import sqlite3 as _sqlite3

_attempt("write into the library", lambda: _write(_targets["library_init"], "a"))
_attempt("create a file in the library", lambda: _write(_targets["library_new"]))
_attempt("create a file at the course root", lambda: _write(_targets["course_new"]))
_attempt("overwrite the released exercise", lambda: _write(_targets["release"]))
_attempt("overwrite the solutions", lambda: _write(_targets["solution_copy"]))
_attempt("overwrite a classmate's submission", lambda: _write(_targets["classmate"]))
_attempt("delete a classmate's submission", lambda: _os.remove(_targets["classmate"]))
_attempt("corrupt the gradebook", lambda: _write(_targets["gradebook"], "r+b"))
_attempt("delete the gradebook", lambda: _os.remove(_targets["gradebook"]))
_attempt("rewrite grades with SQL", lambda: _sqlite3.connect(
    "file:" + _targets["gradebook"] + "?mode=rw", uri=True).execute("DELETE FROM grade"))
_attempt("create a file in the grader folder", lambda: _write(_targets["grader_new"]))
_attempt("create a file in the home folder", lambda: _write(_targets["home_new"]))
_attempt("create a file in the host's /tmp", lambda: _write(_targets["host_tmp_new"]))
_attempt("read the hidden tests (course copy)", lambda: _read(_targets["solution_copy"]))
_attempt("read the hidden tests (course)", lambda: _read(_targets["solution_course"]))
_attempt("read the course's git history", lambda: _read(_targets["git_head"]))
_attempt("read a classmate's submission", lambda: _read(_targets["classmate"]))
_attempt("read the gradebook", lambda: _read(_targets["gradebook"]))
_attempt("read the grader's secret", lambda: _os.environ[_targets["secret_name"]])
_attempt("connect to the host's loopback", lambda: _socket.create_connection(
    ("127.0.0.1", _targets["port"]), timeout=3))
_attempt("connect to the internet", lambda: _socket.create_connection(
    ("pypi.org", 443), timeout=3))
_attempt("list the home folder", lambda: sorted(_os.listdir(_targets["home"])))
# What a student may do: read the library, write in the working directory.
_attempt("read the library", lambda: _read(_targets["library_init"]))
_attempt("write in the scratch folder", lambda: _write("notes.txt"))
print("SANDBOX-REPORT " + _json.dumps(_report))
'''

MEMORY_ATTACKS = '''
import mmap as _mmap

import numpy as _np

_GIB = 2**30
_attempt("allocate 8 GiB at once", lambda: _np.ones(8 * _GIB, dtype=_np.uint8).size)
_chunks = []


def _grow():
    while len(_chunks) * 64 < 8 * 1024:
        _chunks.append(_np.ones(64 * 2**20, dtype=_np.uint8))
    return len(_chunks)


_attempt("allocate 8 GiB in 64 MiB steps", _grow)
_report["reached MiB"] = len(_chunks) * 64
_chunks.clear()
_attempt("map 8 GiB of shared memory", lambda: len(_mmap.mmap(-1, 8 * _GIB)))
print("SANDBOX-REPORT " + _json.dumps(_report))
'''

FORK_BOMB = '''
import time as _time

_children = []


def _fork_bomb():
    for _ in range(1000):
        pid = _os.fork()
        if pid == 0:
            _time.sleep(120)
            _os._exit(0)
        _children.append(pid)
    return len(_children)


_attempt("fork 1000 processes", _fork_bomb)
_report["children"] = len(_children)
print("SANDBOX-REPORT " + _json.dumps(_report))
'''

EXIT_KERNEL = '''
import os as _os

_os._exit(0)
'''

HANG_KERNEL = '''
import signal as _signal
import time as _time

_signal.signal(_signal.SIGINT, _signal.SIG_IGN)
_time.sleep(10**9)
'''


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _solution_cells() -> list[str]:
    return list(solution_sources(UNIT))


def _exercise(grade_id: str) -> str:
    return grade_id.split("_")[0]


class _Listener:
    """A TCP server on the host's loopback that counts the connections it accepts."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self):
        self.server.close()


class GradedClass:
    """The hostile class, graded once (see the module's documentation)."""

    def __init__(self, tmp: Path):
        self.course = make_grading_course(tmp, UNIT)
        with open(self.course.grader / "nbgrader_config.py", "a") as config:
            config.write(TEST_CONFIG)
        self.listener = _Listener()
        grader = self.course.grader
        self.classmate = grader / "submitted" / "xavier" / UNIT / f"{UNIT}.ipynb"
        self.targets = {
            "library_init": str(COURSE_ROOT / "dlcourse" / "__init__.py"),
            "library_new": str(COURSE_ROOT / "dlcourse" / "sandbox_pwned.py"),
            "course_new": str(COURSE_ROOT / "sandbox_pwned.txt"),
            "release": str(self.course.root / "exercises" / UNIT / f"{UNIT}.ipynb"),
            "solution_copy": str(self.course.root / "solutions" / UNIT / f"{UNIT}.ipynb"),
            "solution_course": str(COURSE_ROOT / "solutions" / UNIT / f"{UNIT}.ipynb"),
            "git_head": str(COURSE_ROOT / ".git" / "HEAD"),
            "classmate": str(self.classmate),
            "gradebook": str(grader / "gradebook.db"),
            "grader_new": str(grader / "sandbox_pwned.txt"),
            "home": str(Path.home()),
            "home_new": str(Path.home() / ".dlcourse_sandbox_pwned"),
            "host_tmp_new": str(tmp / "sandbox_pwned.txt"),
            "secret_name": SECRET,
            "port": self.listener.port,
        }
        self.created = [Path(self.targets[k]) for k in
                        ("library_new", "course_new", "grader_new", "home_new", "host_tmp_new")]
        self.watched = [COURSE_ROOT / "dlcourse" / "__init__.py",
                        Path(self.targets["release"]), Path(self.targets["solution_copy"])]
        self._submit()
        self.before = {path: _sha256(path) for path in [*self.watched, self.classmate]}
        os.environ[SECRET] = "grader-secret-value"
        try:
            self.course.autograde()
        finally:
            del os.environ[SECRET]
            self.listener.close()

    def _submit(self):
        released = self.course.released()
        answers = solution_sources(UNIT)
        first, second, third, fourth = _solution_cells()[:4]
        prelude = ATTACK_PRELUDE.replace("TARGETS", repr(json.dumps(self.targets)))
        vandal = dict(answers)
        vandal[first] = prelude + FILE_ATTACKS + "\n" + answers[first]
        vandal[second] = MEMORY_ATTACKS + "\n" + answers[second]
        vandal[third] = answers[third] + "\n" + HANG_KERNEL
        vandal[fourth] = FORK_BOMB + "\n" + answers[fourth]
        self.course.submit("vandal", fill_solutions(released, vandal))
        classmate = dict(answers)
        classmate[second] = answers[second] + "\n" + EXIT_KERNEL
        self.course.submit("xavier", fill_solutions(released, classmate))

    def reports(self, student: str) -> dict[str, str]:
        """Merge the SANDBOX-REPORT lines printed by the student's cells."""
        path = self.course.grader / "autograded" / student / UNIT / f"{UNIT}.ipynb"
        merged: dict[str, str] = {}
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                for line in output.get("text", "").splitlines():
                    if line.startswith("SANDBOX-REPORT "):
                        merged.update(json.loads(line.removeprefix("SANDBOX-REPORT ")))
        return merged

    def errors(self, student: str) -> dict[str, list[str]]:
        """Error names in the outputs of each solution cell of the autograded notebook."""
        path = self.course.grader / "autograded" / student / UNIT / f"{UNIT}.ipynb"
        found = {}
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            found[grade_id] = [o["ename"] for o in cell.get("outputs", [])
                               if o.get("output_type") == "error"]
        return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> GradedClass:
    graded_class = GradedClass(tmp_path_factory.mktemp("sandbox-class"))
    yield graded_class
    for path in graded_class.created:  # only there if the sandbox failed
        path.unlink(missing_ok=True)


def test_hostile_code_ran_and_every_attempt_failed(graded):
    report = graded.reports("vandal")
    attempts = [line.split('"')[1] for line in FILE_ATTACKS.splitlines()
                if line.startswith("_attempt(")]
    attempts += ["allocate 8 GiB at once", "allocate 8 GiB in 64 MiB steps",
                 "map 8 GiB of shared memory", "fork 1000 processes"]
    missing = [name for name in attempts if name not in report]
    assert not missing, f"these attempts did not run: {missing}"
    allowed = {"read the library", "write in the scratch folder", "list the home folder"}
    succeeded = {name: report[name] for name in attempts
                 if name not in allowed and not report[name].startswith("blocked")}
    assert not succeeded, f"the sandbox let these through: {succeeded}"
    for name in allowed:
        assert report[name].startswith("SUCCEEDED"), (name, report[name])


def test_host_files_unchanged_and_nothing_created(graded):
    after = {path: _sha256(path) for path in graded.before}
    assert after == graded.before
    assert [path for path in graded.created if path.exists()] == []


def test_home_folder_shows_only_the_python_installation(graded):
    listing = json.loads(graded.reports("vandal")["list the home folder"]
                         .removeprefix("SUCCEEDED ").replace("'", '"'))
    home = Path.home()
    needed = {path.relative_to(home).parts[0] for path in visible_paths(Sandbox())
              if home in path.parents}
    assert set(listing) <= needed, f"the kernel sees {listing} in the home folder"


def test_no_network_even_to_the_host_loopback(graded):
    assert graded.listener.accepted == 0


def test_memory_cap_stops_allocations_and_the_kernel_survives(graded):
    report = graded.reports("vandal")
    assert "MemoryError" in report["allocate 8 GiB at once"]
    assert "MemoryError" in report["allocate 8 GiB in 64 MiB steps"]
    assert 0 < report["reached MiB"] <= 1024, report["reached MiB"]
    assert report["map 8 GiB of shared memory"].startswith("blocked: OSError")


def test_fork_bomb_stops_at_the_process_limit(graded):
    report = graded.reports("vandal")
    assert report["fork 1000 processes"].startswith("blocked: BlockingIOError")
    assert 0 < report["children"] < Sandbox().process_limit


def _assert_only_exercise_lost(graded, student: str, lost_cell: str, error: str) -> None:
    """Every test cell earns its points except those of ``lost_cell``'s exercise."""
    course = graded.course
    maximum = course.max_scores()
    scores = course.cell_scores(student)
    assert set(scores) == set(maximum)
    for cell, score in scores.items():
        expected = 0 if _exercise(cell) == _exercise(lost_cell) else maximum[cell]
        assert score == expected, (student, cell, score, expected)
    assert error in graded.errors(student)[lost_cell], graded.errors(student)[lost_cell]


def test_hung_kernel_costs_only_its_exercise(graded):
    # The vandal's exercise 3 cell sleeps forever, deaf to interrupts: the kernel is replaced,
    # the cells before run again, and exercise 4 (after the fork bomb) is graded as usual.
    _assert_only_exercise_lost(graded, "vandal", _solution_cells()[2], "CellTimeoutError")


def test_dead_kernel_costs_only_its_exercise(graded):
    _assert_only_exercise_lost(graded, "xavier", _solution_cells()[1], "DeadKernelError")


def test_gradebook_and_classmate_submission_intact(graded):
    assert _sha256(graded.classmate) == graded.before[graded.classmate]
    with sqlite3.connect(graded.course.grader / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = {row[0] for row in db.execute("SELECT id FROM student")}
    assert {"vandal", "xavier"} <= students


def test_grading_refuses_without_bubblewrap_and_runs_nothing(graded):
    course = graded.course
    marker = course.grader / "canary_ran.txt"
    answers = solution_sources(UNIT)
    first = _solution_cells()[0]
    answers[first] = f"open({str(marker)!r}, 'w').write('ran')\n" + answers[first]
    course.submit("canary", fill_solutions(course.released(), answers))
    with pytest.raises(RuntimeError) as refused:
        run_nbgrader(["autograde", UNIT, "--create", "--student", "canary",
                      "--Sandbox.bwrap=/nonexistent/bwrap"], course.grader)
    message = str(refused.value)
    assert INSTALL_HINT in message and UNSAFE_ENV in message, message[-2000:]
    assert "/nonexistent/bwrap" in message
    assert not marker.exists(), "student code ran although the sandbox was missing"


def test_refusal_names_the_package_when_bwrap_is_not_on_path(monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    with pytest.raises(SandboxUnavailable) as refused:
        check_sandbox(Sandbox())
    assert INSTALL_HINT in str(refused.value)
    assert isinstance(refused.value, SystemExit), "nbgrader should stop, not go on"


def test_refusal_explains_user_namespaces_when_bwrap_cannot_start(tmp_path, monkeypatch):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    monkeypatch.setattr(sandbox_check.os, "getuid", lambda: 1000)
    with pytest.raises(SandboxUnavailable) as refused:
        check_sandbox(Sandbox(bwrap=str(fake)))
    message = str(refused.value)
    assert "No permissions to create new namespace" in message
    assert "user.max_user_namespaces" in message
    assert "kernel.apparmor_restrict_unprivileged_userns" in message


def test_unsafe_opt_out_is_explicit(monkeypatch):
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    assert Sandbox().active
    assert check_sandbox(Sandbox(bwrap="/nonexistent/bwrap", enabled=False)) is None
    environ = allow_unsafe_grading({})
    assert environ == {UNSAFE_ENV: "1"}
    monkeypatch.setenv(UNSAFE_ENV, "1")
    assert not Sandbox().active
    assert check_sandbox(Sandbox(bwrap="/nonexistent/bwrap")) is None


def _notebook(*sources: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


def _execute(notebook, config_lines: dict, folder: Path) -> nbformat.NotebookNode:
    from traitlets.config import Config

    config = Config()
    for section, values in config_lines.items():
        for name, value in values.items():
            setattr(config[section], name, value)
    executor = SandboxedExecute(config=config)
    notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(folder)}})
    return notebook


def _enames(cell) -> list[str]:
    return [o["ename"] for o in cell.outputs if o["output_type"] == "error"]


def test_notebook_time_limit_and_output_cap(tmp_path, monkeypatch):
    from nbgrader.utils import determine_grade

    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    (tmp_path / "data.csv").write_text("1,2\n")
    (tmp_path / "graded.ipynb").write_text("{}")
    notebook = _notebook(
        "for _ in range(3 * 1024): print('x' * 1023)\nraise ValueError('after the flood')",
        "import os; print(sorted(n for n in os.listdir('.') if n[0] != '.'), os.getcwd())",
        "import time; time.sleep(30)",
        "print('never')",
    )
    notebook = _execute(notebook, {"Execute": {"timeout": 60},
                                   "Sandbox": {"notebook_timeout": 5, "output_mib": 1}},
                        tmp_path)
    cap, listing, cut, skipped = notebook.cells
    kept = sum(len(o.get("text", "")) for o in cap.outputs)
    assert 0 < kept <= 2**20 + 1000, kept
    assert any("left out" in o.get("text", "") for o in cap.outputs)
    assert _enames(cap) == ["ValueError"], "an error is never left out: it makes a test fail"
    assert f"['data.csv'] {SCRATCH}" in listing.outputs[0]["text"], (
        "the scratch folder holds the notebook's folder, notebooks left out")
    assert _enames(listing) == []
    assert "NotebookTimeLimit" in _enames(cut)
    assert _enames(skipped) == ["CellNotRun"]
    skipped.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1,
                                    "grade_id": "t", "locked": True}
    assert determine_grade(skipped)[0] == 0, "a test cell that never ran must score 0"


def test_unsafe_grading_runs_without_the_sandbox(tmp_path, monkeypatch):
    marker = tmp_path / "host_file.txt"
    marker.write_text("visible")
    monkeypatch.setenv(UNSAFE_ENV, "0")  # removed again after the test
    allow_unsafe_grading()
    assert os.environ[UNSAFE_ENV] == "1"
    notebook = _execute(_notebook(f"print(open({str(marker)!r}).read())"), {}, tmp_path)
    assert notebook.cells[0].outputs[0]["text"] == "visible\n"


def test_command_line_shows_nothing_protected():
    settings = Sandbox()
    visible = visible_paths(settings)
    check_not_exposed(visible, protected_paths(None))
    layout = Layout(ipc_dir=Path("/run/k/ipc"), seed_dir=Path("/run/k/seed"), uid=1, gid=1)
    command = bwrap_command(settings, layout, ["python"], {}, visible, "bwrap")
    sources = [command[i + 1] for i, arg in enumerate(command)
               if arg in ("--bind", "--ro-bind", "--ro-bind-try")]
    for secret in protected_paths(None):
        for source in sources:
            assert not (Path(source) == secret or Path(source) in secret.parents), (
                source, secret)
    for namespace in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent"):
        assert namespace in command
    with pytest.raises(ValueError, match="would show"):
        check_not_exposed([COURSE_ROOT], protected_paths(None))


def test_default_limits_and_clean_environment():
    limits = launcher_settings(Sandbox(), Layout(Path("/i"), Path("/s"), 1, 1))["limits"]
    assert limits["data"] == 4 * 2**30
    assert limits["address_space"] == 8 * 2**30
    assert limits["processes"] == 128
    env = kernel_environment(Sandbox(), {"AWS_SECRET_ACCESS_KEY": "k", "GITHUB_TOKEN": "t",
                                         "LANG": "fr_FR.UTF-8", "NBGRADER_EXECUTION": "x"})
    assert "AWS_SECRET_ACCESS_KEY" not in env and "GITHUB_TOKEN" not in env
    assert env["LANG"] == "fr_FR.UTF-8" and env["NBGRADER_EXECUTION"] == "x"
    assert env["HOME"] == SCRATCH


def test_course_configuration_selects_the_sandbox():
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    loader = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE_ROOT / "grader"))
    steps = loader.load_config().Autograde.autograde_preprocessors
    assert SandboxedExecute in steps and Execute not in steps
    config = Config()
    config.Autograde.autograde_preprocessors = [Execute, "other"]
    use_sandbox(config)
    assert config.Autograde.autograde_preprocessors == [SandboxedExecute, "other"]


def test_numba_cache_is_laid_out_as_numba_looks_for_it(tmp_path):
    from numba.core.caching import _CacheLocator

    from dlcourse.grading.sandbox_kernel import copy_numba_cache

    package = tmp_path / "library" / "engine"
    (package / "__pycache__").mkdir(parents=True)
    (package / "fast.py").write_text("")
    for name in ("fast._train-12.py311.nbi", "fast._train-12.py311.1.nbc", "fast.cpython.pyc"):
        (package / "__pycache__" / name).write_bytes(b"cache")
    assert copy_numba_cache([tmp_path / "library"], tmp_path / "cache") == 2
    expected = tmp_path / "cache" / _CacheLocator.get_suitable_cache_subpath(
        str(package / "fast.py"))
    assert sorted(p.name for p in expected.iterdir()) == ["fast._train-12.py311.1.nbc",
                                                         "fast._train-12.py311.nbi"]
