"""The course in a real browser: JupyterLab, its widgets and nbgrader's Validate button.

Headless Chromium (Debian's package; the test never downloads a browser) driven by
Playwright. Screenshots are saved in ``tests/artifacts/``. Set DLCOURSE_CHROMIUM to use a
browser elsewhere than ``/usr/bin/chromium``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from lab_server import chromium, lab_server, run_all_cells
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    workdir = tmp_path_factory.mktemp("lab")
    with lab_server(workdir, ARTIFACTS / "jupyterlab.log") as (url, token), chromium() as browser:
        yield browser, url, token


@contextmanager
def _evidence(page, name: str):
    """On failure, keep a screenshot and the page's text in tests/artifacts/ to see why."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"), full_page=True)
        (ARTIFACTS / f"{name}-failure.txt").write_text(page.inner_text("body"))
        raise


def _open(lab, notebook: str):
    browser, url, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # A workspace of its own per page, so that no notebook opened earlier is restored.
    workspace = Path(notebook).stem
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={token}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").wait_for(timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    return page


def test_lesson_widgets_render_and_respond(lab):
    page = _open(lab, "lessons/01-perceptron.ipynb")
    with _evidence(page, "lesson-01"):
        _run_lesson_and_move_a_slider(page)
    page.close()


def _run_lesson_and_move_a_slider(page):
    run_all_cells(page)
    explorer = page.locator(".widget-vbox").filter(
        has=page.locator(".widget-slider", has_text="w1")).last
    explorer.wait_for(timeout=120_000)
    explorer.scroll_into_view_if_needed()
    label = explorer.locator(".widget-html").first
    page.wait_for_function("el => /accuracy/i.test(el.textContent)", arg=label.element_handle(),
                           timeout=30_000)
    before = label.inner_text()
    image_before = explorer.locator("img").first.get_attribute("src")
    readout = explorer.locator(".widget-slider", has_text="b").locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("4.5")
    page.keyboard.press("Enter")
    page.wait_for_function("([el, old]) => el.textContent !== old",
                           arg=[label.element_handle(), before], timeout=30_000)
    # The explorer redraws by replacing its image: wait for one with other pixels.
    expect(explorer.locator("img").first).not_to_have_attribute("src", image_before,
                                                                timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "lesson-01-neuron-explorer.png"))
    assert "accuracy" in label.inner_text().lower()
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [text for text in errors.all_inner_texts() if "Traceback" in text]
    assert not tracebacks, tracebacks


def test_validate_button_reports_the_failing_tests(lab):
    page = _open(lab, "exercises/01-perceptron/01-perceptron.ipynb")
    with _evidence(page, "exercise-01"):
        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=120_000)
        page.wait_for_function("el => el.textContent.includes('NotImplementedError')",
                               arg=dialog.element_handle(), timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "exercise-01-validate.png"))
        text = dialog.inner_text()
    assert "Validation Results" in text
    assert "failed" in text and "NotImplementedError" in text
    page.close()
