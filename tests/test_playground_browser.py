"""The playground widget in a real browser: JupyterLab, headless Chromium, Playwright.

The test writes a small notebook into the scratch copy of the course, runs it, presses play,
and checks that the epoch counter and the losses move and that the page redraws at least 15
times a second. Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from lab_server import chromium, lab_server, run_all_cells

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ARTIFACTS = Path(__file__).parent / "artifacts"
NOTEBOOK = "playground-widget-test.ipynb"
CELLS = [
    "from dlcourse.playground.playground import Playground\n"
    "from dlcourse.playground.widget import PlaygroundWidget",
    'pg = Playground(dataset="xor", noise=0.1, hidden=(4, 2), seed=0)\n'
    "widget = PlaygroundWidget(pg)\n"
    "widget",
]
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
COUNT_FRAMES = """async (root) => {
    const start = Number(root.dataset.frames), t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return (Number(root.dataset.frames) - start) / ((performance.now() - t0) / 1000);
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    workdir = tmp_path_factory.mktemp("lab")
    with lab_server(workdir, ARTIFACTS / "jupyterlab-playground.log") as (url, token):
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(c) for c in CELLS], metadata=KERNEL)
        nbformat.write(notebook, workdir / NOTEBOOK)
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"{url}/lab/workspaces/playground/tree/{NOTEBOOK}?reset&token={token}")
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").wait_for(
                timeout=60_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=60_000)
            yield page


def test_play_trains_and_redraws_fast(page):
    run_all_cells(page)
    root = page.locator(".dlpg")
    try:
        root.wait_for(timeout=120_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "playground-widget-failure.png"))
        raise
    root.scroll_into_view_if_needed()
    epoch = root.locator(".dlpg-epoch-value")
    loss = root.locator(".dlpg-loss-train .dlpg-loss-value")
    page.wait_for_function("el => el.dataset.epoch === '0'", arg=root.element_handle(),
                           timeout=60_000)
    assert epoch.inner_text() == "000,000"
    loss_before = loss.inner_text()
    assert re.fullmatch(r"\d\.\d{3}", loss_before), loss_before
    page.screenshot(path=str(ARTIFACTS / "playground-widget-start.png"))

    root.locator(".dlpg-play").click()
    # Let the first frames (and the compiled engine's loading) pass before timing.
    page.wait_for_function("el => Number(el.dataset.epoch) >= 20", arg=root.element_handle(),
                           timeout=90_000)
    fps = root.evaluate(COUNT_FRAMES)
    print(f"redraws per second while playing: {fps:.1f}")
    assert fps >= 15, f"the widget redrew {fps:.1f} times a second; expected at least 15"
    assert epoch.inner_text() != "000,000"
    assert loss.inner_text() != loss_before

    # Hovering a hidden neuron shows its thumbnail large.
    root.locator(".dlpg-node:not(.dlpg-feature)").first.hover()
    tooltip = root.locator(".dlpg-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert "Layer 1, neuron 1" in tooltip.inner_text()
    root.screenshot(path=str(ARTIFACTS / "playground-widget-playing.png"))
    page.mouse.move(5, 5)

    root.locator(".dlpg-play").click()
    page.wait_for_function("el => el.getAttribute('aria-label') === 'Play'",
                           arg=root.locator(".dlpg-play").element_handle(), timeout=10_000)
    page.wait_for_timeout(1000)  # a frame already on its way may still land
    stopped = epoch.inner_text()
    page.wait_for_timeout(1000)
    assert epoch.inner_text() == stopped, "the epoch counter still moves after pause"

    # A setting changed in the browser rebuilds the network: one hidden layer more.
    root.locator(".dlpg-net-header button").first.click()
    expect_text = "3 hidden layers"
    page.wait_for_function("([el, text]) => el.textContent.toLowerCase().includes(text)",
                           arg=[root.locator(".dlpg-layers-label").element_handle(), expect_text],
                           timeout=10_000)
    page.wait_for_function("el => el.dataset.epoch === '0'", arg=root.element_handle(),
                           timeout=10_000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [text for text in errors.all_inner_texts() if "Traceback" in text]
    assert not tracebacks, tracebacks
