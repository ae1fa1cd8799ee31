"""The playground widget's model, without a browser: traits, frames and the training thread."""

from __future__ import annotations

import time

import numpy as np
import pytest
import traitlets

from dlcourse.playground.playground import Playground
from dlcourse.playground.widget import (
    GRID_RESOLUTION,
    THUMB_RESOLUTION,
    PlaygroundWidget,
    grid_points,
)


def _floats(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)


def _wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)


@pytest.fixture
def widget():
    widget = PlaygroundWidget(Playground(dataset="xor", hidden=(4, 2), seed=0))
    yield widget
    widget.pause()
    widget.close()


def test_the_first_frame_shows_the_untrained_playground(widget):
    pg = widget.playground
    assert widget.epoch == 0 and widget.frame == 1
    assert widget.train_loss == pytest.approx(pg.history["train_loss"][0])
    assert widget.layer_sizes == [2, 4, 2, 1]
    assert widget.hidden == [4, 2] and widget.dataset == "xor"
    points = _floats(widget.points).reshape(-1, 4)
    assert len(points) == len(pg.X_train) + len(pg.X_test)
    np.testing.assert_allclose(points[: len(pg.X_train), :2], pg.X_train, rtol=1e-6)


def test_step_trains_one_epoch_and_sends_a_consistent_frame(widget):
    pg = widget.playground
    widget.step()
    assert widget.epoch == pg.epoch == 1 and widget.frame == 2
    assert widget.train_loss == pytest.approx(pg.history["train_loss"][-1])
    assert widget.test_loss == pytest.approx(pg.history["test_loss"][-1])
    grid = _floats(widget.output_grid)
    assert grid.shape == (GRID_RESOLUTION**2,), "the output grid must be 100 x 100 float32"
    expected = pg.predict(grid_points(GRID_RESOLUTION))
    np.testing.assert_allclose(grid, expected, atol=1e-6,
                               err_msg="the output grid disagrees with pg.predict")
    thumbs = _floats(widget.neuron_grids).reshape(-1, THUMB_RESOLUTION**2)
    assert len(thumbs) == 4 + 2 + 1, "one thumbnail per hidden neuron and one for the output"
    np.testing.assert_allclose(thumbs[-1], pg.predict(grid_points(THUMB_RESOLUTION)), atol=1e-6)
    assert [np.asarray(w).shape for w in widget.weights] == [(4, 2), (2, 4), (1, 2)]
    np.testing.assert_allclose(widget.weights[0], pg.network.weights[0], atol=1e-5)
    history = _floats(widget.history).reshape(3, -1)
    np.testing.assert_array_equal(history[0], [0, 1])
    np.testing.assert_allclose(history[1], pg.history["train_loss"], rtol=1e-6)


def test_a_setting_changed_as_the_browser_does_rebuilds_and_resets(widget):
    widget.step().step()
    widget.hidden = [3, 3, 2]
    pg = widget.playground
    assert pg.hidden == (3, 3, 2) and pg.epoch == 0 and widget.epoch == 0
    assert widget.layer_sizes == [2, 3, 3, 2, 1]
    assert len(_floats(widget.neuron_grids)) == (3 + 3 + 2 + 1) * THUMB_RESOLUTION**2
    widget.features = ["x1", "x2", "x1*x2"]
    assert widget.playground.features == ("x1", "x2", "x1*x2") and widget.layer_sizes[0] == 3
    assert widget.playground.epoch == 0 and widget.error == ""
    points_before = widget.points
    widget.dataset = "circle"
    assert widget.playground.dataset == "circle" and widget.points != points_before
    widget.problem = "regression"  # circle cannot be regressed: the first regression set
    pg = widget.playground
    assert pg.problem == "regression" and widget.dataset == pg.dataset == "plane"


def test_the_learning_rate_changes_without_a_reset_as_in_tf_playground(widget):
    widget.step()
    widget.learning_rate = 0.1
    assert widget.playground.learning_rate == 0.1 and widget.epoch == 1


def test_an_invalid_setting_shows_an_error_and_keeps_the_playground(widget):
    widget.batch_size = 99
    assert "batch_size" in widget.error
    assert widget.batch_size == widget.playground.batch_size == 10
    widget.batch_size = 20
    assert widget.error == "" and widget.playground.batch_size == 20


def test_browser_buttons_step_reset_and_regenerate(widget):
    pg = widget.playground
    widget._on_message(widget, {"action": "step"}, [])
    assert widget.epoch == 1
    widget._on_message(widget, {"action": "reset"}, [])
    assert widget.epoch == 0
    seed, X = pg.seed, pg.X_train.copy()
    widget._on_message(widget, {"action": "regenerate"}, [])
    assert pg.seed == seed + 1 and not np.array_equal(pg.X_train, X) and widget.epoch == 0


def test_view_options_follow_the_playground_display(widget):
    widget.show_test = True
    widget.discretize = True
    assert widget.playground.display["show_test_data"] is True
    assert widget.playground.display["discretize"] is True


def test_play_trains_in_a_thread_and_pause_stops_it(widget):
    widget.play()
    assert widget.playing
    _wait_for(lambda: widget.epoch >= 3)
    start = time.monotonic()
    widget.pause()
    assert time.monotonic() - start < 2.0, "pause must return within 2 s"
    assert not widget.playing and not widget._thread.is_alive()
    stopped = widget.epoch
    time.sleep(0.3)
    assert widget.epoch == stopped == widget.playground.epoch


def test_fast_forward_trains_k_epochs_per_frame(widget):
    widget.epochs_per_frame = 5
    seen = []
    widget.observe(lambda change: seen.append(widget.epoch), names="frame")
    widget.play()
    _wait_for(lambda: len(seen) >= 4)
    widget.pause()
    assert np.all(np.diff(seen) == 5), f"epochs at successive frames: {seen}"
    with pytest.raises(traitlets.TraitError, match="epochs_per_frame"):
        widget.epochs_per_frame = 7


def test_frames_are_capped_at_max_fps(widget):
    widget.step()  # compile the fast engine, if any, before timing
    frames = widget.frame
    widget.play()
    time.sleep(1.0)
    widget.pause()
    sent = widget.frame - frames
    assert 2 <= sent <= widget.max_fps + 2, f"{sent} frames in 1 s; the cap is {widget.max_fps}"


def test_repr_is_short(widget):
    assert repr(widget).startswith("PlaygroundWidget(epoch=0")
    assert len(repr(widget)) < 100
