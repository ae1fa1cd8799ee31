"""The playground widget's model, without a browser: traits, frames and the training thread."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
import traitlets

from dlcourse.playground import inspect
from dlcourse.playground.playground import Playground
from dlcourse.playground.snapshots import SnapshotStore
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


# ---------------------------------------------------------------------- modern mode and classes


def test_modern_mode_controls_reach_the_playground_and_back():
    widget = PlaygroundWidget(Playground(dataset="xor", hidden=(3,), seed=0))
    widget.mode = "modern"
    pg = widget.playground
    assert pg.mode == "modern" and widget.output_range == [0.0, 1.0]
    grid = _floats(widget.output_grid)
    assert grid.min() >= 0.0 and grid.max() <= 1.0, "a sigmoid output is a probability"
    np.testing.assert_allclose(grid, pg.predict(grid_points(GRID_RESOLUTION)), atol=1e-6)
    for name, value in (("optimizer", "adam"), ("init", "he"), ("loss", "mse"),
                        ("shuffle", True), ("dropout", 0.2), ("lr_schedule", "step"),
                        ("lr_decay", 0.1), ("lr_step", 50), ("max_epochs", 500),
                        ("early_stopping", 20)):
        setattr(widget, name, value)
        assert widget.error == "", widget.error
        assert getattr(pg, name) == value, name
    assert widget.output_range == [-1.0, 1.0], "an MSE output is linear, drawn on [-1, 1]"
    widget.max_epochs = 0
    widget.early_stopping = 0
    assert pg.max_epochs is None and pg.early_stopping is None, "0 stands for None"
    widget.mode = "compat"  # the modern-only settings go back to TF Playground's
    assert pg.mode == "compat" and widget.error == ""
    assert (pg.optimizer, pg.init, pg.loss, pg.shuffle, pg.dropout) == ("sgd", "tf", None,
                                                                        False, 0.0)
    assert widget.optimizer == "sgd" and widget.loss == "auto"


def test_an_activation_per_layer_follows_the_layers():
    widget = PlaygroundWidget(Playground(dataset="circle", hidden=(4, 2), mode="modern", seed=0))
    widget.layer_activations = ["relu", "elu"]
    pg = widget.playground
    assert pg.activation == ("relu", "elu") and widget.activation == "mixed"
    widget.hidden = [4, 2, 3]  # a new layer takes the last layer's activation
    assert pg.activation == ("relu", "elu", "elu")
    assert widget.layer_activations == ["relu", "elu", "elu"]
    widget.activation = "leaky_relu"  # the global choice sets every layer
    assert pg.activation == "leaky_relu" and widget.layer_activations == ["leaky_relu"] * 3
    widget.mode = "compat"  # TF Playground has no leaky ReLU: its default comes back
    assert pg.mode == "compat" and pg.activation == "tanh" and widget.error == ""


def test_three_classes_colour_each_point_by_its_predicted_class():
    widget = PlaygroundWidget(Playground(dataset="xor", seed=0))
    widget.dataset = "spiral3"
    pg = widget.playground
    assert pg.mode == "modern", "a 3-class data set switches to the modern mode (softmax)"
    assert widget.class_count == 3 and widget.error == ""
    widget.step()
    res = GRID_RESOLUTION
    grid = _floats(widget.output_grid)
    assert grid.shape == (2 * res * res,), "class index, then confidence, for every cell"
    proba = pg.predict_proba(grid_points(res))
    np.testing.assert_array_equal(grid[: res * res], proba.argmax(axis=1))
    np.testing.assert_allclose(grid[res * res:], proba.max(axis=1), atol=1e-6)
    confusion = np.array(widget.confusion)
    assert confusion.shape == (3, 3) and confusion.sum() == len(pg.X_test)
    np.testing.assert_array_equal(confusion, pg.confusion_matrix("test"))
    assert widget.score_name == "accuracy"
    assert widget.test_score == pytest.approx(np.trace(confusion) / confusion.sum())
    assert widget.layer_sizes[-1] == 3, "one output node per class"
    assert set(_floats(widget.points).reshape(-1, 4)[:, 2]) == {0.0, 1.0, 2.0}


def test_regression_shows_r2_and_no_confusion_matrix():
    widget = PlaygroundWidget(Playground(dataset="plane", seed=0)).step()
    assert widget.class_count == 0 and widget.score_name == "R²" and widget.confusion == []
    assert widget.test_score == pytest.approx(widget.playground.r2()["test"])


# ---------------------------------------------------------------------- gradient views


def test_gradients_norms_and_dead_neurons_are_sent_every_frame():
    pg = Playground(dataset="circle", hidden=(3, 2), activation="relu", seed=0)
    pg.network.weights[0][1] = 0.0
    pg.network.biases[0][1] = -1.0  # a dead ReLU
    widget = PlaygroundWidget(pg)
    widget.step().step()
    dW, _ = inspect.link_gradients(pg)
    np.testing.assert_allclose(_floats(widget.link_gradients),
                               np.concatenate([g.ravel() for g in dW]), rtol=1e-6)
    assert widget.dead[0][1] == 1, "the neuron whose total input is -1 everywhere is dead"
    assert widget.dead == [m.astype(int).tolist() for m in inspect.dead_neurons(pg)]
    norms = _floats(widget.grad_history).reshape(-1, 1 + len(pg.network.weights))
    np.testing.assert_array_equal(norms[:, 0], [0, 1, 2])
    np.testing.assert_allclose(norms[-1, 1:], inspect.layer_gradient_norms(pg), rtol=1e-6)
    widget.link_view = "gradients"
    with pytest.raises(traitlets.TraitError, match="link_view"):
        widget.link_view = "biases"


def test_a_diverging_run_stops_with_a_plain_message():
    widget = PlaygroundWidget(Playground(dataset="plane", learning_rate=10, hidden=(8, 8),
                                         activation="linear", seed=0))
    widget.epochs_per_frame = 20
    widget.play()
    _wait_for(lambda: not widget.playing)
    assert "exploded" in widget.error and "learning rate" in widget.error
    widget.reset()
    assert widget.error == ""


# ---------------------------------------------------------------------- the history scrubber


def test_the_scrubber_replays_a_past_epoch_without_touching_training():
    widget = PlaygroundWidget(Playground(dataset="xor", hidden=(4,), seed=0))
    for _ in range(5):
        widget.step()
    pg = widget.playground
    weights = [w.copy() for w in pg.network.weights]
    assert widget.snapshot_epochs == [0, 1, 2, 3, 4, 5]
    widget._on_message(widget, {"action": "live"}, [])
    widget.scrub = 2  # as the slider does
    twin = Playground(dataset="xor", hidden=(4,), seed=0).train(epochs=2)
    assert widget.epoch == 2 and widget.train_loss == pytest.approx(twin.history["train_loss"][-1])
    np.testing.assert_allclose(_floats(widget.output_grid),
                               twin.predict(grid_points(GRID_RESOLUTION)), atol=1e-6)
    np.testing.assert_allclose(widget.weights[0], twin.network.weights[0], atol=1e-5)
    assert pg.epoch == 5 and len(pg.history["epoch"]) == 6
    for before, after in zip(weights, pg.network.weights, strict=True):
        np.testing.assert_array_equal(before, after)
    history = _floats(widget.history).reshape(3, -1)
    assert history[0, -1] == 5, "the loss curve stays whole; the marker shows the epoch"
    widget.live()
    assert widget.epoch == 5 and widget.scrub == -1
    widget.replay(epoch=3)
    assert widget.scrub == 3 and widget.epoch == 3
    widget.play()  # playing comes back to the present first
    _wait_for(lambda: widget.epoch > 5)
    widget.pause()
    assert widget.scrub == -1 and widget.playground.epoch >= 6


def test_scrubbing_while_playing_pauses_and_png_shows_the_replay(tmp_path):
    widget = PlaygroundWidget(Playground(dataset="circle", seed=0))
    widget.step().step().step()
    live = widget.save_png(tmp_path / "live.png")
    widget.play()
    widget.scrub = 1
    assert not widget.playing and widget.epoch == 1
    replay = widget.save_png(tmp_path / "replay.png")
    assert live.read_bytes() != replay.read_bytes()
    widget.scrub = 99  # beyond the last snapshot: the last one
    assert widget.scrub == len(widget.snapshot_epochs) - 1


def test_snapshots_are_thinned_to_a_bounded_number():
    store = SnapshotStore(capacity=10)
    w, b = [np.zeros((2, 2))], [np.zeros(2)]
    for epoch in range(1000):
        store.add(epoch, w, b)
    assert 5 <= len(store) <= 10
    epochs = store.epochs
    assert epochs[0] == 0 and epochs[-1] >= 1000 - store.gap
    assert np.all(np.diff(epochs) == store.gap), "evenly spread over the whole run"
    assert store.index_at(500) == max(i for i, e in enumerate(epochs) if e <= 500)
    store.add(3, w, b)  # an earlier epoch: training was reset
    assert store.epochs == [3] and store.gap == 1
    with pytest.raises(ValueError, match="capacity"):
        SnapshotStore(capacity=1)


# ---------------------------------------------------------------------- A/B, PNG


def test_pinning_a_run_keeps_its_curves_across_resets():
    widget = PlaygroundWidget(Playground(dataset="xor", hidden=(2,), seed=0))
    widget.step().step()
    widget._on_message(widget, {"action": "pin"}, [])
    pinned = _floats(widget.pinned).reshape(3, -1)
    np.testing.assert_array_equal(pinned[0], [0, 1, 2])
    np.testing.assert_allclose(pinned[1], widget.playground.history["train_loss"], rtol=1e-6)
    assert widget.pinned_label.startswith("A (tanh, [2], lr 0.03")
    widget.hidden = [4, 4]  # B: another network
    widget.step()
    assert widget.pinned_run["train_loss"] == pytest.approx(pinned[1].tolist())
    assert _floats(widget.pinned).size == pinned.size
    widget._on_message(widget, {"action": "unpin"}, [])
    assert widget.pinned == b"" and widget.pinned_run is None


def test_save_png_writes_the_view_at_the_size_asked(tmp_path):
    widget = PlaygroundWidget(Playground(dataset="spiral", seed=0)).step().pin()
    path = widget.save_png(tmp_path / "view.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1500, 500)
    small = widget.save_png(tmp_path / "small.png", size=(900, 300)).read_bytes()
    assert struct.unpack(">II", small[16:24]) == (900, 300)
    with pytest.raises(ValueError, match="folder"):
        widget.save_png(tmp_path / "missing" / "view.png")


# ---------------------------------------------------------------------- editing by clicking


def test_a_weight_and_a_bias_edited_in_the_browser_reach_the_network(widget):
    widget.step()
    frame = widget.frame
    widget._on_message(widget, {"action": "set_weight", "layer": 1, "row": 0, "col": 3,
                                "value": 2.5}, [])
    pg = widget.playground
    assert pg.network.weights[1][0, 3] == 2.5 and widget.weights[1][0][3] == 2.5
    assert widget.frame == frame + 1 and widget.error == ""
    assert widget.train_loss == pytest.approx(inspect.current_losses(pg)["train"])
    assert widget.train_loss != pytest.approx(pg.history["train_loss"][-1])
    widget._on_message(widget, {"action": "set_bias", "layer": 2, "row": 0, "value": -0.25}, [])
    assert pg.network.biases[2][0] == -0.25 and widget.biases[2][0] == -0.25
    widget.step()  # training goes on from the edited network
    assert widget.train_loss == pytest.approx(pg.history["train_loss"][-1])


@pytest.mark.parametrize("content, message", [
    ({"action": "set_weight", "layer": 5, "row": 0, "col": 0, "value": 1.0}, "layer"),
    ({"action": "set_weight", "layer": 0, "row": 9, "col": 0, "value": 1.0}, "row"),
    ({"action": "set_weight", "layer": 0, "row": 0, "col": 0, "value": "x"}, "number"),
    ({"action": "set_weight", "layer": 0, "row": 0, "col": 0, "value": 1e9}, "number"),
    ({"action": "set_bias", "layer": 0, "row": 0}, "value"),
])
def test_a_bad_edit_is_reported_and_changes_nothing(widget, content, message):
    before = [w.copy() for w in widget.playground.network.weights]
    widget._on_message(widget, content, [])
    assert message in widget.error
    for w0, w1 in zip(before, widget.playground.network.weights, strict=True):
        np.testing.assert_array_equal(w0, w1)


def test_an_edited_link_killed_by_l1_comes_back(widget):
    net = widget.playground.network
    net.dead[0][0, 1] = True
    widget.set_weight(0, 0, 1, 0.4)
    assert not net.dead[0][0, 1] and net.weights[0][0, 1] == 0.4


# ---------------------------------------------------------------------- drawing points


def test_a_point_drawn_on_the_map_joins_the_training_points(widget):
    widget.step()
    pg = widget.playground
    n = len(pg.X_train)
    widget._on_message(widget, {"action": "add_point", "x1": 1.5, "x2": -2.0, "label": 1}, [])
    assert len(pg.X_train) == n + 1 and pg.X_train[-1].tolist() == [1.5, -2.0]
    assert pg.y_train[-1] == 1 and widget.dataset == "custom" and widget.epoch == 1
    assert len(_floats(widget.points)) == 4 * (n + 1 + len(pg.X_test))
    widget._on_message(widget, {"action": "add_point", "x1": 9.0, "x2": 0.0, "label": 1}, [])
    assert "x1" in widget.error and len(pg.X_train) == n + 1


def test_clear_data_then_draw_a_new_data_set(widget):
    widget._on_message(widget, {"action": "clear_data"}, [])
    assert widget.drawing and widget.draw_mode and widget.points == b""
    widget.play()
    assert not widget.playing and "Still needed" in widget.notice
    widget.add_point(-3.0, 0.0, -1)
    widget.add_point(-3.5, 1.0, -1)
    assert widget.drawing and len(_floats(widget.points)) == 8 and "class 1" in widget.notice
    widget.add_point(3.0, 0.0, 1)
    widget.add_point(3.5, -1.0, 1)
    pg = widget.playground
    assert not widget.drawing and widget.notice == "" and pg.dataset == "custom"
    assert len(pg.X_train) + len(pg.X_test) == 4 and widget.epoch == 0
    widget.step()
    assert widget.epoch == 1
