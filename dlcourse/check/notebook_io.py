"""Reading a notebook for the self-check, with one clear line for the student when it fails.

``nbformat`` is imported only once the file is known to be JSON, so that bad input (a wrong
path, a damaged file) is reported at once.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbformat import NotebookNode


class NotebookCheckError(Exception):
    """The notebook cannot be checked; the message is one line meant for the student."""


def read_notebook(path: str | Path) -> NotebookNode:
    """Read and validate a notebook, raising :class:`NotebookCheckError` with a clear message.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.ipynb`` file.

    Returns
    -------
    nbformat.NotebookNode
        The notebook, in format version 4.

    Raises
    ------
    NotebookCheckError
        When the file is missing, is not a ``.ipynb`` file, is not JSON or is not a notebook.
    """
    path = Path(path)
    if not path.exists():
        raise NotebookCheckError(f"{path}: no such file (check the path and the spelling)")
    if path.is_dir():
        raise NotebookCheckError(f"{path} is a folder: give the path of a .ipynb notebook in it")
    if path.suffix != ".ipynb":
        raise NotebookCheckError(f"{path} is not a Jupyter notebook: expected a .ipynb file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NotebookCheckError(f"cannot read {path}: {error}") from None
    return _to_notebook(_parse_json(text, path), path)


def _parse_json(text: str, path: Path) -> Any:
    damaged = "the file is damaged: restore a checkpoint or a fresh copy of the exercise"
    if not text.strip():
        raise NotebookCheckError(f"{path} is empty: {damaged}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookCheckError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}): "
            f"{damaged}"
        ) from None


def _to_notebook(data: Any, path: Path) -> NotebookNode:
    not_notebook = f"{path} is JSON but not a Jupyter notebook"
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookCheckError(f"{not_notebook} (no 'nbformat' field)")
    import nbformat

    try:
        with warnings.catch_warnings():  # e.g. cells with no id: harmless, and not for students
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(data), as_version=nbformat.NO_CONVERT)
            notebook = nbformat.convert(notebook, 4)
            nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds on malformed notebooks
        reason = _first_line(str(error)) or type(error).__name__
        raise NotebookCheckError(f"{not_notebook} ({reason})") from None
    return notebook


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else ""
