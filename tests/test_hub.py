"""The classroom loop on the course's JupyterHub (grader/hub), end to end, on two gradebooks.

Each run starts the hub with ``grader/hub/launch.py`` on free loopback ports, in a temporary
copy of the course, and drives it only through the hub's REST API and the single-user servers'
endpoints that JupyterLab's Assignments panel and the formgrader call: the instructor
generates and releases unit 01; two students fetch it, one saves the solution and the other a
wrong answer (and plants configuration files claiming to be the first), both submit; a visitor
in no course fetches nothing; the instructor collects, autogrades with the course's nbgrader
configuration, and releases feedback; each student fetches their own feedback.

Every server runs as the same OS account (``SimpleLocalProcessSpawner``), so the checks on names
prove that identity comes from the hub, not from the account. The loop runs once with the
gradebook in SQLite and once in a PostgreSQL server the test starts on loopback (the hub's own
database too), and both must give the same grades. The loop runs once per database; the tests
below check what it recorded and left on disk. Every process it starts is stopped, also when
a step fails.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest
import requests
from nbgrader_course import fill_solutions, solution_sources
from wrong_answers import WRONG_ANSWERS

from dlcourse.grading.release import copy_course
from dlcourse.paths import COURSE_ROOT

sys.path.insert(0, str(COURSE_ROOT / "grader" / "hub"))
from hub_assignments import HubIdentityError, enforce_hub_identity  # noqa: E402
from hub_settings import HubSettings, read_class  # noqa: E402
from launch import course_id_of  # noqa: E402
from launch import main as launch_main  # noqa: E402


def loop_test(test):
    """Mark a test that needs the classroom loop: slow, all on one worker."""
    return pytest.mark.hub(pytest.mark.xdist_group("hub")(test))


HUB_DIR = COURSE_ROOT / "grader" / "hub"
UNIT = "01-perceptron"
COURSE_ID = "dlcourse"
INSTRUCTOR, GOOD, WRONG, VISITOR = "teacher", "alice", "bob", "eve"
STUDENTS = (GOOD, WRONG)
WRONG_ANSWER = next(w for w in WRONG_ANSWERS[UNIT] if w.name == "sigmoid_sign_error")
PASSWORD = "classroom-test-password"
OPERATOR_TOKEN = "classroom-test-operator-token"
STEP_TIMEOUT = 120


# --- processes ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, grace: float = 20, sig: int = signal.SIGTERM) -> None:
    """Stop ``process`` and every process it started: ``sig`` first, then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.send_signal(sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    _gone, alive = psutil.wait_procs(family, timeout=5)
    for child in alive:
        child.kill()
    psutil.wait_procs(alive, timeout=5)


def _postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL server binaries (newest version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail("PostgreSQL's server is not installed: run `make postgres` "
                    "(apt-get install postgresql)")
    return Path(found[-1]).parent


@dataclass
class Postgres:
    """A throw-away PostgreSQL server on loopback, in a temporary folder.

    PostgreSQL refuses to run as root: when the tests run as root, the server runs as the
    unprivileged ``nobody`` account, in a folder it owns.
    """

    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dlcourse-postgres-"))
        self.account = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
            self.account = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://course@127.0.0.1:{self.port}/{database}"

    def start(self, databases: tuple[str, ...]) -> None:
        import psycopg

        binaries = _postgres_bin()
        data = self.folder / "data"
        subprocess.run([binaries / "initdb", "-D", data, "-U", "course", "--auth=trust",
                        "--encoding=UTF8", "--no-sync"], cwd=self.folder, check=True,
                       capture_output=True, timeout=120, **self.account)
        self.log = open(self.folder / "postgres.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [binaries / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(self.port),
             "-k", self.folder, "-c", "fsync=off", "-c", "full_page_writes=off"],
            cwd=self.folder, stdout=self.log, stderr=subprocess.STDOUT, **self.account)
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = psycopg.connect(host="127.0.0.1", port=self.port, user="course",
                                             dbname="postgres", autocommit=True)
                break
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "postgres.log").read_text()[-2000:]
                    raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
                time.sleep(0.2)
        with connection:
            for database in databases:
                connection.execute(f"CREATE DATABASE {database}")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, sig=signal.SIGINT)  # PostgreSQL's "fast" shutdown
            self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the hub -------------------------------------------------------------------------------------

@dataclass
class Hub:
    """The course's hub, started by ``launch.py`` in ``state``, driven through HTTP."""

    state: Path
    course_root: Path
    hub_db_url: str | None = None
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        roster = self.state.parent / "class.json"
        roster.write_text(json.dumps({"course_id": COURSE_ID, "instructors": [INSTRUCTOR],
                                      "students": list(STUDENTS), "visitors": [VISITOR]}))
        env = dict(os.environ,
                   DLCOURSE_HUB_STATE=str(self.state), DLCOURSE_HUB_CLASS=str(roster),
                   DLCOURSE_COURSE_ROOT=str(self.course_root), DLCOURSE_HUB_PORT=str(self.port),
                   DLCOURSE_HUB_API_PORT=str(_free_port()),
                   DLCOURSE_PROXY_API_PORT=str(_free_port()),
                   DLCOURSE_HUB_PASSWORD=PASSWORD, DLCOURSE_HUB_OPERATOR_TOKEN=OPERATOR_TOKEN)
        if self.hub_db_url:
            env["DLCOURSE_HUB_DB_URL"] = self.hub_db_url
        self.log_path = self.state.parent / "hub.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen([sys.executable, str(HUB_DIR / "launch.py")], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait(lambda: requests.get(f"{self.url}/hub/api/", timeout=5).ok, "the hub")

    def log_tail(self, size: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def _wait(self, ready, what: str, timeout: float = STEP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if ready():
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited while waiting for {what}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}:\n{self.log_tail()}")
            time.sleep(0.3)

    def operator(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the hub's REST API as the course-operator service (an admin)."""
        headers = {"Authorization": f"token {OPERATOR_TOKEN}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=30, **kwargs)

    def start_servers(self, users: tuple[str, ...]) -> None:
        """Start every user's server at once, each user a token; wait until all are ready."""

        def spawn(user: str) -> str:
            # The hub answers when the server is up or after 10 s: ask for all at once.
            response = self.operator("POST", f"/users/{user}/server")
            assert response.status_code in (201, 202), (user, response.text)
            token = self.operator("POST", f"/users/{user}/tokens",
                                  json={"note": "classroom test", "expires_in": 3600})
            assert token.status_code == 201, token.text
            return token.json()["token"]

        with ThreadPoolExecutor(len(users)) as pool:
            self.tokens.update(zip(users, pool.map(spawn, users), strict=True))

        def all_ready() -> bool:
            models = [self.operator("GET", f"/users/{user}").json() for user in users]
            return all(m["servers"].get("", {}).get("ready") for m in models)

        self._wait(all_ready, "the single-user servers")

    def call(self, user: str, method: str, path: str, as_user: str | None = None,
             **kwargs) -> requests.Response:
        """Call ``user``'s server with the token of ``as_user`` (``user`` by default)."""
        token = self.tokens[as_user or user]
        return requests.request(method, f"{self.url}/user/{user}/{path}", timeout=STEP_TIMEOUT,
                                headers={"Authorization": f"token {token}"}, **kwargs)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.log.close()


# --- the loop ------------------------------------------------------------------------------------

def _ok(response: requests.Response, what: str) -> dict | list:
    """The JSON of a successful nbgrader call; fail with its message otherwise."""
    assert response.status_code == 200, f"{what}: HTTP {response.status_code} {response.text}"
    body = response.json()
    if isinstance(body, dict) and "success" in body:
        assert body["success"], f"{what} failed: {body.get('error') or body.get('value')}"
    return body


def _assignments(hub: Hub, user: str) -> list[dict]:
    return _ok(hub.call(user, "GET", "assignments", params={"course_id": COURSE_ID}),
               f"{user} lists assignments")["value"]


def _assignment_action(hub: Hub, user: str, action: str) -> dict:
    return hub.call(user, "POST", f"assignments/{action}",
                    data={"course_id": COURSE_ID, "assignment_id": UNIT}).json()


def _formgrader(hub: Hub, path: str, method: str = "POST") -> dict | list:
    return _ok(hub.call(INSTRUCTOR, method, f"formgrader/api/{path}"), f"formgrader {path}")


def _notebook_path(user: str = "") -> str:
    return f"{COURSE_ID}/{UNIT}/{UNIT}.ipynb"


def _save_notebook(hub: Hub, user: str, notebook: nbformat.NotebookNode) -> None:
    """Save a notebook through the contents API, as JupyterLab does."""
    response = hub.call(user, "PUT", f"api/contents/{_notebook_path(user)}",
                        json={"type": "notebook", "format": "json", "content": notebook})
    assert response.status_code in (200, 201), response.text


def _save_text(hub: Hub, user: str, path: str, text: str) -> None:
    response = hub.call(user, "PUT", f"api/contents/{path}",
                        json={"type": "file", "format": "text", "content": text})
    assert response.status_code in (200, 201), response.text


@dataclass
class ClassroomRun:
    """What one run of the loop did and left: the tests below check it."""

    database: str
    root: Path
    course_root: Path
    state: Path
    gradebook_url: str
    seconds: float = 0.0
    responses: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    max_scores: dict = field(default_factory=dict)
    formgrader_scores: dict = field(default_factory=dict)
    inbound: list = field(default_factory=list)
    os_account: str = field(default_factory=lambda: pwd.getpwuid(os.getuid()).pw_name)
    steps: dict = field(default_factory=dict)

    @contextlib.contextmanager
    def step(self, name: str):
        """Time a step of the loop (printed by the first test)."""
        started = time.monotonic()
        yield
        self.steps[name] = round(time.monotonic() - started, 1)

    def home(self, user: str) -> Path:
        return self.state / "home" / user

    def fetched(self, user: str) -> Path:
        return self.home(user) / COURSE_ID / UNIT / f"{UNIT}.ipynb"

    def submitted(self, user: str) -> Path:
        return self.course_root / "grader" / "submitted" / user / UNIT / f"{UNIT}.ipynb"

    def feedback(self, user: str) -> list[Path]:
        return sorted((self.home(user) / COURSE_ID / UNIT / "feedback").glob(f"*/{UNIT}.html"))


def _drive(hub: Hub, run: ClassroomRun) -> None:
    with run.step("hub"):
        hub.start()
    with run.step("servers"):
        hub.start_servers((INSTRUCTOR, *STUDENTS, VISITOR))
    with run.step("generate and release"):
        _formgrader(hub, f"assignment/{UNIT}/assign")
        _formgrader(hub, f"assignment/{UNIT}/release")
    with run.step("fetch"):  # students fetch; the visitor tries to
        for user in (*STUDENTS, VISITOR):
            run.responses[f"list-before-{user}"] = _assignments(hub, user)
            run.responses[f"fetch-{user}"] = _assignment_action(hub, user, "fetch")
        run.responses["visitor-fetched"] = (run.home(VISITOR) / COURSE_ID).exists()
    with run.step("work"):
        _work(hub, run)
    with run.step("submit"):  # both submit; the visitor tries to
        for user in (*STUDENTS, VISITOR):
            run.responses[f"submit-{user}"] = _assignment_action(hub, user, "submit")
    run.inbound = sorted(p.name for p in (run.state / "exchange" / COURSE_ID / "inbound").iterdir())
    # Who can reach what.
    run.responses["student-formgrader"] = hub.call(GOOD, "GET", "formgrader/api/assignments")
    run.responses["cross-contents"] = hub.call(GOOD, "GET", "api/contents", as_user=WRONG)
    run.responses["cross-submit"] = hub.call(GOOD, "POST", "assignments/submit", as_user=WRONG,
                                             data={"course_id": COURSE_ID,
                                                   "assignment_id": UNIT})
    run.responses["student-lab"] = hub.call(GOOD, "GET", "lab")
    run.responses["instructor-lab"] = hub.call(INSTRUCTOR, "GET", "lab")
    with run.step("collect"):
        _formgrader(hub, f"assignment/{UNIT}/collect")
    with run.step("autograde"):
        for user in STUDENTS:
            _formgrader(hub, f"submission/{UNIT}/{user}/autograde")
    with run.step("feedback"):
        _formgrader(hub, f"assignment/{UNIT}/generate_feedback")
        _formgrader(hub, f"assignment/{UNIT}/release_feedback")
        for user in (*STUDENTS, VISITOR):
            run.responses[f"feedback-{user}"] = _assignment_action(hub, user, "fetch_feedback")
            run.responses[f"list-after-{user}"] = _assignments(hub, user)
    run.formgrader_scores = {s["student"]: s["score"]
                             for s in _formgrader(hub, f"submissions/{UNIT}", method="GET")}


def _work(hub: Hub, run: ClassroomRun) -> None:
    """Alice saves the solution; bob a wrong answer, and files that claim he is alice."""
    content = hub.call(GOOD, "GET", f"api/contents/{_notebook_path()}").json()["content"]
    released = nbformat.from_dict(content)
    answers = solution_sources(UNIT)
    _save_notebook(hub, GOOD, fill_solutions(released, answers))
    wrong = dict(answers)
    wrong[WRONG_ANSWER.solution_cell] += "\n\n" + WRONG_ANSWER.code + "\n"
    _save_notebook(hub, WRONG, fill_solutions(released, wrong))
    # Bob claims alice's id in the configuration files a student can write: his home folder
    # (through the contents API) and ~/.jupyter (hidden from that API: from a terminal).
    claim = f'c = get_config()\nc.CourseDirectory.student_id = "{GOOD}"\n'
    _save_text(hub, WRONG, "nbgrader_config.py", claim)
    (run.home(WRONG) / ".jupyter").mkdir(exist_ok=True)
    (run.home(WRONG) / ".jupyter" / "nbgrader_config.py").write_text(claim)
    # The visitor gets a copy of the notebook from a classmate, to try to submit it.
    for folder in (COURSE_ID, f"{COURSE_ID}/{UNIT}"):
        hub.call(VISITOR, "PUT", f"api/contents/{folder}", json={"type": "directory"})
    _save_notebook(hub, VISITOR, fill_solutions(released, answers))


def _read_gradebook(run: ClassroomRun) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(run.gradebook_url) as gradebook:
        notebook = gradebook.find_notebook(UNIT, UNIT)
        run.max_scores = {cell.name: cell.max_score for cell in notebook.grade_cells}
        for student in gradebook.students:
            submission = gradebook.find_submission_notebook(UNIT, UNIT, student.id)
            run.scores[student.id] = {grade.name: grade.score for grade in submission.grades
                                      if grade.auto_score is not None}


def _run_classroom(database: str, root: Path) -> ClassroomRun:
    course_root = copy_course(root / "course")
    postgres = Postgres() if database == "postgresql" else None
    gradebook_url = f"sqlite:///{course_root / 'grader' / 'gradebook.db'}"
    run = ClassroomRun(database, root, course_root, root / "state", gradebook_url)
    hub = Hub(run.state, course_root)
    started = time.monotonic()
    try:
        if postgres is not None:
            postgres.start(("gradebook", "jupyterhub"))
            run.gradebook_url = postgres.url("gradebook")
            hub.hub_db_url = postgres.url("jupyterhub")
            # An instructor sets the gradebook's database in the course's configuration.
            with open(course_root / "grader" / "nbgrader_config.py", "a") as config:
                config.write(f"\nc.CourseDirectory.db_url = {run.gradebook_url!r}\n")
        _drive(hub, run)
        run.seconds = time.monotonic() - started
        _read_gradebook(run)
    except Exception as error:
        raise RuntimeError(f"the classroom loop on {database} failed: {error}\n"
                           f"--- hub log ---\n{hub.log_tail() if hub.process else ''}") from error
    finally:
        hub.stop()
        if postgres is not None:
            postgres.stop()
    return run


_runs: dict[str, ClassroomRun | Exception] = {}


@pytest.fixture
def classroom(tmp_path_factory):
    """Run the loop once per database (per worker), and return what it recorded."""

    def get(database: str) -> ClassroomRun:
        if database not in _runs:
            try:
                _runs[database] = _run_classroom(
                    database, tmp_path_factory.mktemp(f"hub-{database}"))
            except Exception as error:  # run once: later tests of the run report the same
                _runs[database] = error
        result = _runs[database]
        if isinstance(result, Exception):
            raise result
        return result

    return get


DATABASES = ("sqlite", "postgresql")


# --- the tests ------------------------------------------------------------------------------------

@loop_test
@pytest.mark.parametrize("database", DATABASES)
def test_students_fetch_the_released_notebook_and_the_visitor_nothing(classroom, database,
                                                                     record_property):
    run = classroom(database)
    record_property("classroom_loop_seconds", round(run.seconds, 1))
    print(f"classroom loop on {database}: {run.seconds:.1f} s, steps {run.steps}")
    released = nbformat.read(run.course_root / "exercises" / UNIT / f"{UNIT}.ipynb", 4)
    outbound = run.state / "exchange" / COURSE_ID / "outbound" / UNIT / f"{UNIT}.ipynb"
    assert nbformat.read(outbound, 4) == released, "the exchange holds another notebook"
    for user in STUDENTS:
        listed = run.responses[f"list-before-{user}"]
        assert [(a["course_id"], a["assignment_id"], a["status"]) for a in listed] == [
            (COURSE_ID, UNIT, "released")], listed
        assert run.fetched(user).is_file(), f"{user} has no fetched notebook"
    assert run.responses[f"list-before-{VISITOR}"] == []
    assert run.responses[f"list-after-{VISITOR}"] == []
    assert run.responses["visitor-fetched"] is False, "the visitor fetched course files"


@loop_test
@pytest.mark.parametrize("database", DATABASES)
def test_each_submission_is_named_after_its_hub_user(classroom, database):
    run = classroom(database)
    owners = sorted({name.split("+")[0] for name in run.inbound})
    assert owners == sorted(STUDENTS), f"submissions in the exchange: {run.inbound}"
    assert run.os_account not in owners
    good = nbformat.read(run.submitted(GOOD), 4)
    wrong = nbformat.read(run.submitted(WRONG), 4)
    sources = lambda nb: "\n".join(cell.source for cell in nb.cells)  # noqa: E731
    assert WRONG_ANSWER.code in sources(wrong), "bob's submission is not bob's notebook"
    assert WRONG_ANSWER.code not in sources(good), "bob's answer was filed under alice"
    answers = solution_sources(UNIT)
    for cell in good.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            assert cell.source == answers[grade_id], f"alice's {grade_id} is not her answer"
    assert not (run.course_root / "grader" / "submitted" / run.os_account).exists()
    assert not (run.course_root / "grader" / "submitted" / VISITOR).exists()


@loop_test
@pytest.mark.parametrize("database", DATABASES)
def test_gradebook_holds_the_autograded_scores(classroom, database):
    run = classroom(database)
    assert sorted(run.scores) == sorted(STUDENTS), run.scores
    assert sum(run.max_scores.values()) >= 10
    assert run.scores[GOOD] == run.max_scores, "the solution should earn every point"
    for cell in WRONG_ANSWER.loses:
        assert run.scores[WRONG][cell] < run.max_scores[cell], f"{cell} should lose points"
    assert sum(run.scores[WRONG].values()) < sum(run.max_scores.values())
    # The formgrader shows the same totals as the gradebook.
    assert run.formgrader_scores == {user: sum(run.scores[user].values()) for user in STUDENTS}


@loop_test
@pytest.mark.parametrize("database", DATABASES)
def test_each_student_fetches_their_own_feedback(classroom, database):
    run = classroom(database)
    for user in STUDENTS:
        files = run.feedback(user)
        assert len(files) == 1, f"{user} fetched feedback {files}"
    total = sum(run.max_scores.values())
    for user in STUDENTS:
        # The feedback's first score is the notebook's: the student's own, from the gradebook.
        header = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", run.feedback(user)[0].read_text())
        assert header, f"{user}'s feedback shows no score"
        assert (float(header[1]), float(header[2])) == (sum(run.scores[user].values()), total)
        listed = [a for a in run.responses[f"list-after-{user}"] if a["status"] == "submitted"]
        assert [s["student_id"] for a in listed for s in a["submissions"]] == [user]
        assert listed[0]["submissions"][0]["has_local_feedback"], "the panel shows no feedback"


@loop_test
@pytest.mark.parametrize("database", DATABASES)
def test_students_reach_only_their_own_server_and_no_formgrader(classroom, database):
    run = classroom(database)
    assert run.responses["student-formgrader"].status_code == 404
    assert run.responses["cross-contents"].status_code == 403
    assert run.responses["cross-submit"].status_code == 403
    instructor_panels = {f"@jupyter/nbgrader:{name}"
                         for name in ("formgrader", "create-assignment", "course-list")}
    student = _disabled_lab_extensions(run.responses["student-lab"])
    assert instructor_panels <= student, f"students see {instructor_panels - student}"
    assert "@jupyter/nbgrader:assignment-list" not in student
    assert not instructor_panels & _disabled_lab_extensions(run.responses["instructor-lab"])
    submit = run.responses[f"submit-{VISITOR}"]
    assert submit["success"] is False, "a visitor could submit to the course"
    assert "You do not have access to this course" in submit["value"], submit["value"][-500:]


def _disabled_lab_extensions(page: requests.Response) -> set[str]:
    """The JupyterLab plugins a lab page disables (from its page configuration)."""
    assert page.status_code == 200, page.text
    data = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                     page.text, flags=re.DOTALL)
    assert data, "no page configuration in the lab page"
    disabled = json.loads(data.group(1)).get("disabledExtensions", [])
    if isinstance(disabled, dict):
        disabled = [name for name, off in disabled.items() if off]
    return set(disabled)


@loop_test
def test_same_grades_on_sqlite_and_postgresql(classroom):
    sqlite, postgresql = classroom("sqlite"), classroom("postgresql")
    assert postgresql.gradebook_url.startswith("postgresql+psycopg://")
    assert sqlite.scores == postgresql.scores
    assert sqlite.max_scores == postgresql.max_scores


# --- the pieces, without a hub ----------------------------------------------------------------

def test_identity_comes_from_the_hub_whatever_the_files_say(monkeypatch):
    from traitlets.config import Config

    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    monkeypatch.setenv("DLCOURSE_EXCHANGE_ROOT", "/srv/exchange")
    claimed = Config()
    claimed.CourseDirectory.student_id = "alice"
    claimed.Exchange.root = "/elsewhere"
    claimed.Exchange.path_includes_course = False
    claimed.Authenticator.plugin_class = "nbgrader.auth.NoAuthPlugin"
    claimed.ExchangeFactory.submit = "somewhere.ForgedSubmit"
    config = enforce_hub_identity(claimed)
    assert config.CourseDirectory.student_id == "bob"
    assert config.Exchange.root == "/srv/exchange"
    assert config.Exchange.path_includes_course is True
    assert config.Authenticator.plugin_class.endswith("JupyterHubAuthPlugin")
    assert "ExchangeFactory" not in config
    monkeypatch.delenv("JUPYTERHUB_USER")
    with pytest.raises(HubIdentityError, match="JUPYTERHUB_USER"):
        enforce_hub_identity(Config())


@pytest.mark.parametrize(("roster", "message"), [
    ("not json", "cannot read"),
    ('["a list"]', "JSON object"),
    ('{"course_id": "dlcourse", "instructors": [], "students": ["s1"]}', "at least one"),
    ('{"course_id": "dlcourse", "instructors": ["t"], "students": ["s+1"]}', "do not match"),
    ('{"course_id": "dlcourse", "instructors": ["t"], "students": ["t"]}', "more than once"),
    ('{"course_id": "dl course", "instructors": ["t"], "students": []}', "course_id"),
    ('{"course_id": "dlcourse", "instructors": ["t"], "student": []}', "unknown keys"),
])
def test_bad_roster_is_refused_with_a_clear_message(tmp_path, roster, message):
    path = tmp_path / "class.json"
    path.write_text(roster)
    with pytest.raises(ValueError, match=message):
        read_class(path)


def test_demo_roster_and_settings():
    course = read_class(HUB_DIR / "demo_class.json")
    assert course.course_id == course_id_of(COURSE_ROOT) == COURSE_ID
    assert (course.instructor_group, course.student_group) == ("formgrade-dlcourse",
                                                               "nbgrader-dlcourse")
    assert course.instructors and len(course.students) >= 2 and course.visitors
    settings = HubSettings.from_env({})
    assert settings.ip == "127.0.0.1" and settings.port == 8000
    with pytest.raises(ValueError, match="DLCOURSE_HUB_PORT"):
        HubSettings.from_env({"DLCOURSE_HUB_PORT": "eighty"})


def test_launch_refuses_a_roster_for_another_course(tmp_path, monkeypatch, capsys):
    roster = tmp_path / "class.json"
    roster.write_text('{"course_id": "another", "instructors": ["t"], "students": ["s"]}')
    monkeypatch.setenv("DLCOURSE_HUB_CLASS", str(roster))
    monkeypatch.setenv("DLCOURSE_HUB_STATE", str(tmp_path / "state"))
    assert launch_main([]) == 2
    error = capsys.readouterr().err
    assert "'another'" in error and "'dlcourse'" in error
    assert not (tmp_path / "state").exists(), "nothing is prepared for a hub that cannot start"


def test_launch_says_how_to_install_a_missing_proxy(tmp_path, monkeypatch, capsys):
    import launch

    monkeypatch.setattr(launch, "PROXY_COMMAND", tmp_path / "no-proxy-here")
    monkeypatch.setenv("DLCOURSE_HUB_CLASS", str(HUB_DIR / "demo_class.json"))
    monkeypatch.setenv("DLCOURSE_HUB_STATE", str(tmp_path / "state"))
    assert launch_main([]) == 2
    assert "make hub-proxy" in capsys.readouterr().err


def test_kubernetes_values_set_what_the_guide_promises():
    import yaml
    folder = HUB_DIR / "kubernetes"
    values = yaml.safe_load((folder / "values.yaml").read_text())
    hub, user = values["hub"], values["singleuser"]
    assert hub["db"]["type"] == "postgres" and hub["db"]["url"].startswith("postgresql")
    assert user["uid"] == 1000, "every pod runs as jovyan"
    assert user["cmd"] == "jupyterhub-singleuser"
    assert "ngshare" in hub["services"] and "ngshare" in hub["loadRoles"]
    exchange = user["extraFiles"]["nbgrader-exchange"]
    assert exchange["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    assert "configureExchange" in exchange["stringData"]
    assert "JupyterHubAuthPlugin" in exchange["stringData"]
    assert "read:users:groups!user" in hub["loadRoles"]["server"]["scopes"]
    groups = hub["config"]["JupyterHub"]["load_groups"]
    assert {"formgrade-dlcourse", "nbgrader-dlcourse"} <= set(groups)
    assert hub["config"]["JupyterHub"]["authenticator_class"] != "shared-password"
    assert values["proxy"]["https"]["enabled"] is True
    roles = hub["extraConfig"]["dlcourse-roles"]
    compile(roles, "dlcourse-roles", "exec")
    assert "c.KubeSpawner.pre_spawn_hook" in roles
    job = yaml.safe_load((folder / "grading-job.yaml").read_text())
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert job["kind"] == "Job" and pod["securityContext"]["runAsUser"] == user["uid"]
    assert container["resources"]["limits"] == {"memory": user["memory"]["limit"],
                                                "cpu": str(user["cpu"]["limit"])}
    assert pod["automountServiceAccountToken"] is False
