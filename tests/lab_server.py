"""A JupyterLab server on a free loopback port, serving a scratch copy of the course."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlcourse.paths import COURSE_ROOT

CHROMIUM = os.environ.get("DLCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def lab_server(workdir: Path, log: Path) -> Iterator[str]:
    """Serve a copy of ``lessons/`` and ``exercises/`` from ``workdir``; yield the base URL.

    Working on a copy keeps the course's notebooks clean: JupyterLab saves what the test runs.
    """
    for folder in ("lessons", "exercises"):
        shutil.copytree(COURSE_ROOT / folder, workdir / folder)
    # Render every cell (JupyterLab 4 hides off-screen cells by default), and no news pop-up.
    settings = workdir / ".settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    apputils = settings / "@jupyterlab" / "apputils-extension"
    notification = apputils / "notification.jupyterlab-settings"
    notification.write_text(json.dumps({"fetchNews": "false"}))
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with open(log, "w") as log_file:
        server = subprocess.Popen(command, cwd=workdir, env=env, stdout=log_file,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}",
                                           timeout=2).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not start: see {log}") from None
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}", token
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


@contextmanager
def chromium() -> Iterator:
    """Yield a headless Chromium driven by Playwright (Debian's browser; none is downloaded)."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install it (`apt-get install chromium`) "
                    "or set DLCOURSE_CHROMIUM to its path")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def run_all_cells(page, attempts: int = 3) -> None:
    """Run → Run All Cells in JupyterLab, retried if no cell starts.

    On a busy machine a click can land before the kernel is ready, and JupyterLab may show a
    dialog (a kernel that took long to start, for instance); the dialog's text is printed and
    the dialog accepted before the next try, so that a failure says what JupyterLab said.
    """
    import re

    started = ".jp-InputPrompt:text-matches('\\[(\\*|\\d+)\\]')"
    for attempt in range(attempts):
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            print("JupyterLab dialog:", dialog.first.inner_text()[:300])
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
            dialog.first.wait_for(state="detached", timeout=10_000)
        page.get_by_role("menuitem", name="Run").click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        try:
            page.locator(started).first.wait_for(timeout=20_000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
