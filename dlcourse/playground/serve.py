"""The playground widget alone in a web page, for a lecture-room projector.

``python -m dlcourse.playground.serve`` writes a one-cell notebook that shows a
:class:`~dlcourse.playground.widget.PlaygroundWidget` into a temporary folder and serves it
with Voilà: the page shows the widget and no code. Ctrl+C stops the server and removes the
folder. Every browser tab that opens the page gets its own kernel and its own playground.

Examples
--------
::

    python -m dlcourse.playground.serve --open
    python -m dlcourse.playground.serve --dataset spiral --hidden 8,8 --noise 0.1
    python -m dlcourse.playground.serve --url "https://playground.tensorflow.org/#dataset=xor"
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import nbformat

from dlcourse.playground.playground import Playground

PROG = "python -m dlcourse.playground.serve"
HOST = "127.0.0.1"
NOTEBOOK = "playground.ipynb"
LAB_EXTENSIONS = ("@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager",
                  "anywidget")
WIDGET_SIZE = (1370, 680)  # pixels the widget and Voilà's margins take at scale 1
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
# The Playground settings that have a command-line flag (``--train-ratio`` for train_ratio).
SETTING_FLAGS = ("dataset", "noise", "train_ratio", "batch_size", "features", "hidden",
                 "activation", "learning_rate", "regularization", "reg_rate", "seed", "mode")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``PROG: error: message``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _int_list(text: str) -> tuple[int, ...]:
    """``"8,8"`` -> ``(8, 8)``; ``""`` or ``"none"`` -> ``()`` (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 4,2; got {text!r}") from None


def _name_list(text: str) -> tuple[str, ...]:
    """``"x1,x2,x1^2"`` -> ``("x1", "x2", "x1^2")``."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _optional(text: str) -> str | None:
    """``"none"`` -> None, anything else unchanged."""
    return None if text.lower() == "none" else text


def _zoom(text: str) -> str | float:
    """``"auto"`` or a scale between 0.25 and 4."""
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.25 <= value <= 4:
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a number from 0.25 to 4; got {text!r}")
    return value


def zoom_css(zoom: str | float) -> str:
    """The CSS that scales the widget (its class is ``dlpg``).

    Parameters
    ----------
    zoom : "auto" or float
        A fixed scale, or ``"auto"``: the largest of 1, 1.1, ..., 2.5 at which the widget
        (about 1370 by 680 pixels at scale 1) fits the browser window.

    Returns
    -------
    str
        A ``<style>`` element; empty for a scale of 1.
    """
    if zoom != "auto":
        return "" if zoom == 1 else f"<style>.dlpg {{ zoom: {zoom:g}; }}</style>"
    rules = [f"@media (min-width: {round(WIDGET_SIZE[0] * z)}px) and "
             f"(min-height: {round(WIDGET_SIZE[1] * z)}px) {{ .dlpg {{ zoom: {z:g}; }} }}"
             for z in (step / 10 for step in range(11, 26))]
    return "<style>" + " ".join(rules) + "</style>"


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m dlcourse.playground.serve``.

    Returns
    -------
    argparse.ArgumentParser
        The parser; unset playground settings are absent from the parsed namespace.
    """
    parser = _Parser(
        prog=PROG,
        description="Serve TensorFlow Playground's widget alone in a web page (Voilà), for a "
                    "lecture-room projector. The page shows no code; Ctrl+C stops the server.",
        epilog="examples:\n"
               "  %(prog)s --open\n"
               "  %(prog)s --dataset spiral --hidden 8,8 --noise 0.1 --zoom 1.2\n"
               "  %(prog)s --url 'https://playground.tensorflow.org/#dataset=xor'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    server = parser.add_argument_group("server")
    server.add_argument("--port", type=int, default=8866,
                        help="port on 127.0.0.1 to serve the page on (default: %(default)s)")
    server.add_argument("--open", action="store_true",
                        help="open the page in the default web browser once it is served")
    server.add_argument("--zoom", type=_zoom, default="auto",
                        help="scale of the widget: a number such as 1.5, or 'auto' to fill the "
                             "browser window, up to 2.5 (default: %(default)s; the browser's "
                             "Ctrl + and Ctrl - also work)")
    settings = parser.add_argument_group(
        "playground settings", "Unset settings keep Playground's defaults (or the URL's).",
        argument_default=argparse.SUPPRESS)
    settings.add_argument("--url", default=None,
                          help="a TensorFlow Playground link (full URL or its # part) to start "
                               "from; the flags below override it")
    settings.add_argument("--dataset",
                          help="circle, xor, gauss, spiral, plane or multi-gaussian")
    settings.add_argument("--noise", type=float, help="0 to 0.5")
    settings.add_argument("--train-ratio", type=float, help="0.1 to 0.9")
    settings.add_argument("--batch-size", type=int, help="1 to 30")
    settings.add_argument("--features", type=_name_list,
                          help="comma-separated inputs among x1,x2,x1^2,x2^2,x1*x2,sin(x1),"
                               "sin(x2)")
    settings.add_argument("--hidden", type=_int_list,
                          help="comma-separated sizes of the hidden layers, e.g. 8,8; "
                               "'none' for no hidden layer")
    settings.add_argument("--activation", help="relu, tanh, sigmoid or linear")
    settings.add_argument("--learning-rate", type=float, help="e.g. 0.03 (TF's ladder)")
    settings.add_argument("--regularization", type=_optional, help="L1, L2 or none")
    settings.add_argument("--reg-rate", type=float, help="e.g. 0.001 (TF's ladder)")
    settings.add_argument("--seed", type=int, help="seed of the data and the initial weights")
    settings.add_argument("--mode", choices=("compat", "modern"),
                          help="compat: TensorFlow Playground's training (the default); modern: "
                               "cross-entropy, optimisers, initialisations, schedules, dropout, "
                               "3 classes (all chosen in the page)")
    return parser


def playground_code(settings: dict[str, Any], url: str | None = None,
                    zoom: str | float = "auto") -> str:
    """The code of the served notebook's one cell.

    Parameters
    ----------
    settings : dict
        Keyword arguments of :class:`Playground` (plain Python values).
    url : str, optional
        A TF Playground link to start from; ``settings`` then override its settings.
    zoom : "auto" or float
        Scale of the widget (see :func:`zoom_css`).

    Returns
    -------
    str
        Python source that displays the widget as the cell's output.
    """
    lines = ["from dlcourse.playground import Playground",
             "from dlcourse.playground.widget import PlaygroundWidget"]
    css = zoom_css(zoom)
    if css:
        lines += ["from IPython.display import HTML, display", f"display(HTML({css!r}))"]
    if url is None:
        lines.append(f"PlaygroundWidget(Playground(**{settings!r}))")
    else:
        lines.append(f"PlaygroundWidget(Playground.from_url({url!r}).set_params(**{settings!r}))")
    return "\n".join(lines) + "\n"


def check_playground(settings: dict[str, Any], url: str | None = None) -> None:
    """Build the playground once here, so that bad settings fail before the server starts.

    Raises
    ------
    ValueError
        If a setting or the URL is invalid (the message names it).
    """
    if url is None:
        Playground(**settings)
    else:
        Playground.from_url(url).set_params(**settings)


def write_notebook(folder: Path, code: str) -> Path:
    """Write the one-cell notebook into ``folder`` and return its path."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)], metadata=KERNEL)
    path = folder / NOTEBOOK
    nbformat.write(notebook, path)
    return path


def voila_command(notebook: Path, port: int) -> list[str]:
    """The Voilà command line that serves ``notebook`` on 127.0.0.1:``port``."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            f"--Voila.ip={HOST}", "--Voila.port_retries=0", "--strip_sources=True",
            "--theme=light", "--Voila.log_level=ERROR",
            # Only the widgets' front ends: other JupyterLab extensions (nbgrader's, ...) fail
            # outside JupyterLab and fill the browser's console with errors.
            *(f"--VoilaConfiguration.extension_allowlist={name}" for name in LAB_EXTENSIONS)]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _wait_listening(port: int, server: subprocess.Popen, timeout: float = 60) -> bool:
    """Wait until something accepts connections on ``port``; False if ``server`` exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the playground widget with Voilà until Ctrl+C (or SIGTERM).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit status: 0 after Ctrl+C, 1 if Voilà failed. Bad arguments exit with status 2
        and a one-line ``error:`` message.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = {name: getattr(args, name) for name in SETTING_FLAGS if hasattr(args, name)}
    try:
        check_playground(settings, args.url)
    except ValueError as error:
        parser.error(str(error).splitlines()[0])
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535; got {args.port}")
    if not _port_free(args.port):
        parser.error(f"port {args.port} on {HOST} is in use; choose another with --port")

    folder = Path(tempfile.mkdtemp(prefix="dlcourse-playground-"))
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    server = None
    try:
        notebook = write_notebook(folder, playground_code(settings, args.url, args.zoom))
        server = subprocess.Popen(voila_command(notebook, args.port), cwd=folder)
        if not _wait_listening(args.port, server):
            print(f"{PROG}: error: Voilà did not start (see its messages above)",
                  file=sys.stderr)
            return 1
        url = f"http://{HOST}:{args.port}/"
        print(f"Playground served at {url}  (Ctrl+C stops it)", flush=True)
        if args.open:
            webbrowser.open(url)
        return 0 if server.wait() == 0 else 1
    except KeyboardInterrupt:
        print("\nStopping the playground server.", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server is not None and server.poll() is None:
            server.terminate()  # Voilà stops its kernels on SIGTERM
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
