"""The playground widget in a real browser: JupyterLab, headless Chromium, Playwright.

The tests write a small notebook into the scratch copy of the course and run it once; then,
on the same widget, they press play (the epoch counter and the losses move, the page redraws
at least 15 times a second), switch the links to the gradient view, replay a past epoch with
the history scrubber, pin a run for A/B, edit a weight and a bias by clicking, draw a point,
download the view as a PNG, and use the modern mode's controls with three classes.
Screenshots and the PNG go to ``tests/artifacts/``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from lab_server import chromium, lab_server, run_all_cells

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ARTIFACTS = Path(__file__).parent / "artifacts"
NOTEBOOK = "playground-widget-test.ipynb"
# One cell: a run that loses an execution request (a busy machine) cannot half-run it.
CELLS = [
    "from dlcourse.playground.playground import Playground\n"
    "from dlcourse.playground.widget import PlaygroundWidget\n\n"
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
# The colours of the links in the weight view: the sign of the weight.
WEIGHT_COLOURS = {"rgb(0, 114, 178)", "rgb(230, 159, 0)"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    workdir = tmp_path_factory.mktemp("lab")
    with lab_server(workdir, ARTIFACTS / "jupyterlab-playground.log") as (url, token):
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(c) for c in CELLS], metadata=KERNEL)
        nbformat.write(notebook, workdir / NOTEBOOK)
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1500, "height": 1000},
                                    accept_downloads=True)
            page.goto(f"{url}/lab/workspaces/playground/tree/{NOTEBOOK}?reset&token={token}")
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").wait_for(
                timeout=60_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=60_000)
            yield page


@pytest.fixture(scope="module")
def root(page):
    """The widget, once the notebook has run (run again once if the widget does not come)."""
    root = page.locator(".dlpg")
    with _evidence(page, "playground-widget"):
        for attempt in range(2):
            run_all_cells(page)
            try:
                root.wait_for(timeout=75_000)
                break
            except Exception:
                if attempt:
                    raise
                print("the widget did not appear: running the notebook again")
        root.scroll_into_view_if_needed()
        _wait(root, "el => el.dataset.epoch === '0'", 60_000)
    return root


@contextmanager
def _evidence(page, name: str) -> Iterator[None]:
    """On failure, keep a screenshot in tests/artifacts/ to see why."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"), full_page=True)
        raise


def _wait(locator, predicate: str, timeout: int = 10_000) -> None:
    """Wait until ``predicate`` (a JS function of the element) is true for ``locator``."""
    locator.page.wait_for_function(predicate, arg=locator.element_handle(), timeout=timeout)


def _no_tracebacks(page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [text for text in errors.all_inner_texts() if "Traceback" in text]
    assert not tracebacks, tracebacks


def _paused(root):
    """The widget, paused (whatever a test before left)."""
    play = root.locator(".dlpg-play")
    if play.get_attribute("aria-label") == "Pause":
        play.click()
        _wait(play, "el => el.getAttribute('aria-label') === 'Play'")
        root.page.wait_for_timeout(500)  # a frame already on its way may still land
    return root


def _step(root, times: int) -> None:
    target = int(root.get_attribute("data-epoch")) + times
    for _ in range(times):
        root.locator("button[aria-label='Step']").click()
    _wait(root, f"el => el.dataset.epoch === '{target}'")


def test_play_trains_and_redraws_fast(page, root):
    epoch = root.locator(".dlpg-epoch-value")
    loss = root.locator(".dlpg-loss-train .dlpg-loss-value")
    assert epoch.inner_text() == "000,000"
    loss_before = loss.inner_text()
    assert re.fullmatch(r"\d\.\d{3}", loss_before), loss_before
    page.screenshot(path=str(ARTIFACTS / "playground-widget-start.png"))

    root.locator(".dlpg-play").click()
    # Let the first frames (and the compiled engine's loading) pass before timing.
    _wait(root, "el => Number(el.dataset.epoch) >= 20", 90_000)
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

    play = root.locator(".dlpg-play")
    play.click()
    _wait(play, "el => el.getAttribute('aria-label') === 'Play'")
    page.wait_for_timeout(1000)  # a frame already on its way may still land
    stopped = epoch.inner_text()
    page.wait_for_timeout(1000)
    assert epoch.inner_text() == stopped, "the epoch counter still moves after pause"

    # A setting changed in the browser rebuilds the network: one hidden layer more.
    root.locator(".dlpg-net-header button").first.click()
    _wait(root.locator(".dlpg-layers-label"),
          "el => el.textContent.toLowerCase().includes('3 hidden layers')")
    _wait(root, "el => el.dataset.epoch === '0'")
    _no_tracebacks(page)


def test_gradient_view_scrubber_and_pinned_run(page, root):
    with _evidence(page, "playground-widget-history"):
        _paused(root).locator("button[aria-label='Reset']").click()
        _wait(root, "el => el.dataset.epoch === '0'")
        _step(root, 3)
        links = root.locator(".dlpg-link")
        assert set(links.evaluate_all("ps => ps.map((p) => p.style.stroke)")) <= WEIGHT_COLOURS
        root.locator(".dlpg-toggle[data-view='gradients']").click()
        _wait(root.locator(".dlpg-link-legend"), "el => el.textContent.includes('\u2202loss')")
        strokes = links.evaluate_all("ps => ps.map((p) => p.style.stroke)")
        assert strokes and not set(strokes) & WEIGHT_COLOURS, "links not coloured by gradient"
        layers = len(root.locator(".dlpg-colctl").all())
        assert root.locator(".dlpg-gradlegend").inner_text().split() == [
            *[word for n in range(1, layers + 1) for word in ("layer", str(n))], "output"]

        root.locator(".dlpg-pin").click()
        _wait(root.locator(".dlpg-legend"), "el => el.textContent.includes('A (tanh')")
        _step(root, 1)

        scrubber = root.locator(".dlpg-scrubber")
        scrubber.fill("1")  # the slider at the second snapshot: epoch 1
        _wait(root, "el => el.dataset.scrub === '1' && el.dataset.epoch === '1'")
        assert root.locator(".dlpg-scrub-text").inner_text() == "replaying epoch 1"
        assert root.locator(".dlpg-epoch-value").inner_text() == "000,001"
        root.screenshot(path=str(ARTIFACTS / "playground-widget-replay.png"))
        root.locator(".dlpg-live").click()
        _wait(root, "el => el.dataset.scrub === '-1' && el.dataset.epoch === '4'")
        root.locator(".dlpg-toggle[data-view='weights']").click()


def test_a_weight_and_a_bias_edited_by_clicking(page, root):
    with _evidence(page, "playground-widget-edit"):
        _paused(root).locator(".dlpg-toggle[data-view='weights']").click()
        link = root.locator(".dlpg-link-hit").last  # into the output: nothing on top of it
        link.click()
        editor = root.locator(".dlpg-editor")
        editor.wait_for(state="visible")
        label = editor.locator(".dlpg-label").inner_text()
        assert re.fullmatch(r"Weight from layer \d, neuron 2 to the output", label), label
        editor.locator("input").fill("1.5")
        editor.locator("input").press("Enter")
        editor.wait_for(state="hidden")
        last = root.locator(".dlpg-link").last
        _wait(last, "el => Math.abs(parseFloat(el.style.strokeWidth) - 4.3) < 0.01")  # 1 + 2.2|w|
        page.mouse.move(5, 5)
        link.hover()
        assert "Weight 1.500" in root.locator(".dlpg-tooltip").inner_text()

        output = root.locator(".dlpg-output")
        output.click()
        editor.wait_for(state="visible")
        editor.locator("input").fill("-0.3")
        editor.locator("input").press("Enter")
        editor.wait_for(state="hidden")
        page.wait_for_timeout(300)
        output.click()  # the editor opens with the bias Python now holds
        editor.wait_for(state="visible")
        assert editor.locator("input").input_value() == "-0.3"
        editor.locator("input").press("Escape")


def test_draw_a_point_and_download_the_view(page, root):
    with _evidence(page, "playground-widget-draw"):
        _paused(root)
        before = int(root.get_attribute("data-points"))
        root.locator(".dlpg-draw-toggle").check()
        root.locator(".dlpg-draw-class[data-label='-1']").click()
        dots = root.locator(".dlpg-dots")
        box = dots.bounding_box()
        dots.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})
        _wait(root, f"el => el.dataset.points === '{before + 1}'")
        assert root.locator(".dlpg-dataset.dlpg-selected").inner_text() == "Your data"
        root.locator(".dlpg-draw-toggle").uncheck()

        with page.expect_download() as download:
            root.locator(".dlpg-png").click()
        path = ARTIFACTS / "playground-widget-view.png"
        download.value.save_as(path)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "the download is not a PNG"
        width, height = struct.unpack(">II", data[16:24])
        assert f"{width}x{height}" == root.get_attribute("data-png")
        assert width > 2000 and height > 800, (width, height)


def test_modern_mode_with_three_classes(page, root):
    with _evidence(page, "playground-widget-modern"):
        modern_bar = _paused(root).locator(".dlpg-modern")
        assert not modern_bar.is_visible()
        root.locator(".dlpg-mode").select_option("modern")
        modern_bar.wait_for(state="visible")
        _wait(root.locator(".dlpg-colorbar"), "el => el.textContent.includes('P(class 1)')")
        root.locator(".dlpg-optimizer").select_option("adam")
        root.locator(".dlpg-layer-act").first.select_option("leaky_relu")
        _wait(root.locator(".dlpg-activation"), "el => el.value === 'mixed'")
        root.locator(".dlpg-dropout").select_option("0.1")
        root.locator(".dlpg-schedule").select_option("step")
        root.locator(".dlpg-dataset[data-dataset='spiral3']").click()
        _wait(root, "el => el.dataset.classes === '3'")
        rows = root.locator(".dlpg-confusion tr")
        rows.nth(3).wait_for()
        assert rows.count() == 4, "a 3 x 3 confusion matrix and its header"
        assert root.locator(".dlpg-error").is_hidden()
        assert root.locator(".dlpg-optimizer").input_value() == "adam"
        assert root.locator(".dlpg-dropout").input_value() == "0.1"
        root.locator(".dlpg-play").click()
        _wait(root, "el => Number(el.dataset.epoch) >= 15", 30_000)
        root.locator(".dlpg-play").click()
        assert "accuracy" in root.locator(".dlpg-score").inner_text()
        root.screenshot(path=str(ARTIFACTS / "playground-widget-modern.png"))
    _no_tracebacks(page)
