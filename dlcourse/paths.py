"""Where the course's files are, found from the library's own location."""

from __future__ import annotations

import os
from pathlib import Path

#: The root of the course: the folder that holds ``lessons/``, ``datasets/`` and ``dlcourse/``.
COURSE_ROOT = Path(__file__).resolve().parent.parent


def datasets_dir() -> Path:
    """Return the folder of the bundled data sets.

    The environment variable ``DLCOURSE_DATASETS`` overrides the default, which is the
    ``datasets/`` folder of the course.

    Returns
    -------
    pathlib.Path
        The folder; it is not checked for existence here (loaders say what is missing).
    """
    override = os.environ.get("DLCOURSE_DATASETS")
    return Path(override) if override else COURSE_ROOT / "datasets"


def released_notebook(unit: str) -> Path:
    """Return the path of the released exercise notebook of ``unit`` (e.g. ``"01-perceptron"``)."""
    return COURSE_ROOT / "exercises" / unit / f"{unit}.ipynb"
