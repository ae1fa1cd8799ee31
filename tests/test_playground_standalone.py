"""The playground widget served alone by Voilà (``python -m dlcourse.playground.serve``).

The browser test starts the server on a free loopback port, opens the page in headless
Chromium, presses play and checks that the epoch counter and the loss move; then that the
gradient view, the modern mode's controls and the PNG download work there too. The screenshot
goes to ``tests/artifacts/playground-standalone.png``. The command line's checks run in-process,
without a browser.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from lab_server import chromium, free_port

from dlcourse.paths import COURSE_ROOT
from dlcourse.playground import serve

ARTIFACTS = Path(__file__).parent / "artifacts"
SERVE = [sys.executable, "-m", "dlcourse.playground.serve"]


def _stop(server: subprocess.Popen) -> bool:
    """Stop the server as Ctrl+C does; kill what is left. True if all of it stopped by itself."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    time.sleep(0.5)  # let Voilà's kernels finish exiting
    try:  # Voilà and its kernels run in the server's own session (start_new_session)
        os.killpg(server.pid, signal.SIGKILL)
        clean = False
    except ProcessLookupError:
        clean = True
    server.wait(timeout=10)
    return clean


@pytest.fixture
def served(tmp_path):
    """Run the server on a free port; yield its URL and its log file."""
    port = free_port()
    log = ARTIFACTS / "playground-standalone.log"
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # where the server writes its notebook
    with open(log, "w") as log_file:
        server = subprocess.Popen([*SERVE, "--port", str(port), "--seed", "1"], cwd=COURSE_ROOT,
                                  env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        clean = False
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 60
            while "Playground served at" not in log.read_text():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the playground server did not start: see {log}")
                time.sleep(0.2)
            yield url, log
        finally:
            clean = _stop(server)
    assert clean, "processes of the server were left after Ctrl+C"
    assert server.returncode == 0, f"the server exited with {server.returncode}"
    left = [path.name for path in tmp_path.iterdir()]
    assert not left, f"the server left {left} in its temporary folder"
    with pytest.raises(OSError):  # nothing listens any more
        urllib.request.urlopen(url, timeout=2)


def _run_cli(args, capsys) -> tuple[int, str, str]:
    """Run the command line in-process; return its exit status, stdout and stderr."""
    with pytest.raises(SystemExit) as exited:
        serve.main(args)
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def test_cli_rejects_unknown_dataset(capsys):
    code, out, err = _run_cli(["--dataset", "moons", "--port", "1"], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0] and "moons" in lines[0] and "spiral" in lines[0]


def test_cli_rejects_bad_hidden_layers_and_modes(capsys):
    code, _, err = _run_cli(["--hidden", "4,x"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "error:" in err and "--hidden" in err
    code, _, err = _run_cli(["--mode", "future"], capsys)
    assert code == 2 and "--mode" in err and "modern" in err


def test_help_documents_the_flags(capsys):
    code, out, _ = _run_cli(["--help"], capsys)
    assert code == 0
    for flag in ("--port", "--open", "--url", "--dataset", "--hidden", "--zoom", "--mode"):
        assert flag in out


def test_the_served_cell_builds_the_playground_asked_for():
    code = serve.playground_code({"dataset": "spiral", "mode": "modern"}, zoom=1)
    namespace: dict = {}
    exec(code.replace("PlaygroundWidget(", "widget = PlaygroundWidget("), namespace)
    widget = namespace["widget"]
    assert widget.playground.dataset == "spiral" and widget.mode == "modern"
    widget.close()


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_served_page_trains(served):
    url, log = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        page.goto(url)
        root = page.locator(".dlpg")
        try:
            root.wait_for(timeout=60_000)
            page.wait_for_function("el => el.dataset.epoch === '0'",
                                   arg=root.element_handle(), timeout=60_000)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "playground-standalone-failure.png"))
            raise
        # No code on the page, and the widget is scaled up to fill a 1080p projector.
        assert page.locator(".jp-InputArea, .jp-Cell-inputWrapper").count() == 0
        box = root.bounding_box()
        assert box["width"] > 1500 and box["y"] + box["height"] <= 1080, box
        epoch = root.locator(".dlpg-epoch-value")
        loss = root.locator(".dlpg-loss-train .dlpg-loss-value")
        assert epoch.inner_text() == "000,000"
        loss_before = loss.inner_text()
        assert re.fullmatch(r"\d\.\d{3}", loss_before), loss_before

        play = root.locator(".dlpg-play")
        play.click()
        page.wait_for_function("el => Number(el.dataset.epoch) >= 30",
                               arg=root.element_handle(), timeout=60_000)
        assert epoch.inner_text() != "000,000"
        assert loss.inner_text() != loss_before
        page.screenshot(path=str(ARTIFACTS / "playground-standalone.png"))

        play.click()
        page.wait_for_function("el => el.getAttribute('aria-label') === 'Play'",
                               arg=play.element_handle(), timeout=10_000)
        page.wait_for_timeout(1000)  # a frame already on its way may still land
        stopped = epoch.inner_text()
        page.wait_for_timeout(1000)
        assert epoch.inner_text() == stopped, "the epoch counter still moves after pause"
        _check_new_controls(page, root)
    assert "Traceback" not in log.read_text()


def _check_new_controls(page, root) -> None:
    """The gradient view, the modern mode and the PNG download, on the projector's page."""
    root.locator(".dlpg-toggle[data-view='gradients']").click()
    page.wait_for_function("el => el.textContent.includes('\u2202loss')",
                           arg=root.locator(".dlpg-link-legend").element_handle(),
                           timeout=10_000)
    root.locator(".dlpg-mode").select_option("modern")
    root.locator(".dlpg-modern").wait_for(state="visible", timeout=10_000)
    root.locator(".dlpg-optimizer").select_option("momentum")
    page.wait_for_function("el => el.textContent.includes('P(class 1)')",
                           arg=root.locator(".dlpg-colorbar").element_handle(), timeout=10_000)
    assert root.locator(".dlpg-error").is_hidden()
    with page.expect_download() as download:
        root.locator(".dlpg-png").click()
    path = ARTIFACTS / "playground-standalone-view.png"
    download.value.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{struct.unpack('>I', data[16:20])[0]}x{struct.unpack('>I', data[20:24])[0]}" == \
        root.get_attribute("data-png")
