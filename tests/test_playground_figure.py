"""dlcourse.playground.figure: the view drawn with matplotlib, titled and labelled."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from dlcourse.playground import figure
from dlcourse.playground.playground import Playground
from dlcourse.viz import PALETTE


@pytest.fixture(scope="module")
def trained():
    return Playground(dataset="xor", hidden=(4,), seed=0).train(epochs=15)


def test_every_chart_has_a_title_and_labelled_axes(trained):
    fig = figure.view_figure(trained)
    network, output, losses = fig.axes[:3]
    assert network.get_title().startswith("Network 2 → 4 → 1")
    assert output.get_title() == "Output at epoch 15"
    assert "x_1" in output.get_xlabel() and "x_2" in output.get_ylabel()
    assert losses.get_xlabel() == "epoch" and "half squared error" in losses.get_ylabel()
    assert "Epoch 15" in fig.get_suptitle()
    assert {t.get_text() for t in losses.get_legend().get_texts()} == {"test loss",
                                                                       "train loss"}


def test_the_pinned_run_and_the_replay_marker_are_drawn(trained):
    pinned = {"epoch": [0, 5], "train_loss": [0.5, 0.4], "test_loss": [0.5, 0.45], "label": "A"}
    fig = figure.view_figure(trained, pinned=pinned, epoch_marker=7, show_test=True)
    texts = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert texts[:2] == ["A: test loss", "A: train loss"] and "epoch shown (7)" in texts
    output = fig.axes[1]
    assert {t.get_text() for t in output.get_legend().get_texts()} == {"train points",
                                                                       "test points"}


def test_a_modern_output_is_drawn_as_a_probability():
    pg = Playground(dataset="xor", hidden=(2,), mode="modern", seed=0)
    fig = figure.view_figure(pg)
    colorbar = fig.axes[-1]
    assert "probability" in colorbar.get_ylabel()
    assert [t.get_text() for t in colorbar.get_yticklabels()] == ["0", "0.5", "1"]


def test_class_image_fades_to_white_when_the_network_is_unsure():
    classes = np.array([[0, 1, 2]])
    image = figure.class_image(classes, np.array([[1.0, 1.0, 1 / 3]]), 3)
    strength = figure.HEAT_STRENGTH
    np.testing.assert_allclose(image[0, 0], 1 + strength * (np.array(to_rgb(PALETTE[0])) - 1))
    np.testing.assert_allclose(image[0, 1], 1 + strength * (np.array(to_rgb(PALETTE[1])) - 1))
    np.testing.assert_allclose(image[0, 2], [1.0, 1.0, 1.0])


def test_three_classes_are_drawn(tmp_path):
    pg = Playground(dataset="gauss3", hidden=(3,), mode="modern", seed=0).train(epochs=3)
    path = figure.save_png(pg, tmp_path / "three.png", size=(1200, 400))
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_bad_sizes_and_folders_are_refused(trained, tmp_path):
    with pytest.raises(ValueError, match="size"):
        figure.view_figure(trained, size=(100, 50))
    with pytest.raises(ValueError, match="does not exist"):
        figure.save_png(trained, tmp_path / "nowhere" / "view.png")
