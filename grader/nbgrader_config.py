"""nbgrader configuration of the course.

Run stock nbgrader commands from this folder (``cd grader``). The course root is the folder
above: source notebooks live in ``solutions/``, released ones in ``exercises/``; submissions,
autograded copies, feedback and the gradebook stay here in ``grader/`` and are never committed.
"""

import os

from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
)

from dlcourse.grading.preprocessors import RestoreMissingCells

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

_grader_dir = os.path.dirname(os.path.abspath(__file__))
_course_root = os.path.dirname(_grader_dir)

c.CourseDirectory.root = _course_root
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = os.path.join("grader", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grader", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grader", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_grader_dir, "gradebook.db")
c.CourseDirectory.course_id = "dlcourse"
# Only notebooks are course material; anything else a student leaves in a folder stays out.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# A student who deletes a test cell gets it back, and it is graded, instead of a cell that
# waits for a manual grade forever. RestoreMissingCells is OverwriteCells with nbgrader's
# re-insertion repaired (see dlcourse/grading/preprocessors.py).
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreMissingCells,
    CheckCellMetadata,
]

# Released notebooks carry no outputs; a cell that runs longer than this is stopped.
c.ClearOutput.enabled = True
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Students are told to replace `raise NotImplementedError()` with their code.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# --- Tests that cannot be fooled (see README.md, "Safety: tests that cannot be fooled") -------
# A test's verdict never comes from the student's kernel: RecordCalls (before Execute) records
# what the graded functions return; VerifyByReplay (after Execute) reruns the tests of
# solutions/ on those values in a separate trusted process and sets each test cell's outputs.
from dlcourse.grading.verify import with_replay  # noqa: E402

c.Autograde.autograde_preprocessors = with_replay(c.Autograde.autograde_preprocessors)
c.VerifyByReplay.timeout = c.Execute.timeout  # seconds per cell in the replay

# --- Sandbox (see README.md, "Safety: the sandbox") -------------------------------------------
# Every submission's kernel runs in bubblewrap: no network, the course read-only without
# solutions/ or grader/, a private scratch folder, limits on memory, processes and time.
# Without bubblewrap, autograde refuses to run student code and says what to install;
# DLCOURSE_UNSAFE_GRADING=1 grades without the sandbox (trusted material only).
# Keep use_sandbox(c) after any other change to c.Autograde.autograde_preprocessors.
from dlcourse.grading.sandbox import use_sandbox  # noqa: E402

use_sandbox(c)
c.Sandbox.memory_gib = 4  # per kernel process (RLIMIT_DATA); MemoryError beyond
c.Sandbox.process_limit = 128  # processes and threads at once; a fork bomb stops there
c.Sandbox.notebook_timeout = 600  # seconds per notebook; c.Execute.timeout is per cell

# --- Feedback (see README.md, "Grading a class: course grade") --------------------------------
# Feedback lists each test's points, result and message, and never shows the code of hidden
# tests (stock nbgrader shows the graded notebook, hidden tests included).
from dlcourse.grading.feedback import hide_hidden_tests_in_feedback  # noqa: E402

hide_hidden_tests_in_feedback(c)
