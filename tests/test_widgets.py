"""Headless tests of the unit 01 explorers: their controls move what they compute and draw."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from dlcourse.data import SEED_SEPARATION, penguin_pair
from dlcourse.nn import ACTIVATIONS, neuron_forward
from dlcourse.nn.activations import elu, leaky_relu, maxout, maxout_derivative
from dlcourse.nn.saturation import describe_intervals, saturated_intervals
from dlcourse.widgets import ActivationExplorer, NeuronExplorer


def line_data(figure, label: str, panel: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) data of the line called ``label`` in a panel of ``figure``."""
    lines = [line for line in figure.axes[panel].lines if line.get_label() == label]
    assert len(lines) == 1, f"expected one line labelled {label!r}, found {len(lines)}"
    return np.asarray(lines[0].get_xdata()), np.asarray(lines[0].get_ydata())


# ---------------------------------------------------------------- ActivationExplorer


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_the_dropdown_changes_the_curves_and_the_figure(name):
    start = "tanh" if name == "sigmoid" else "sigmoid"
    explorer = ActivationExplorer(start)
    draws = explorer.draw_count
    explorer.function_picker.value = name
    z, f, fprime = explorer.curves()
    activation = ACTIVATIONS[name]
    # The sliders start at the library's defaults, so the curves are the default functions.
    np.testing.assert_allclose(f, activation.function(z), err_msg=f"{name}: f")
    np.testing.assert_allclose(fprime, activation.derivative(z), err_msg=f"{name}: f'")
    assert explorer.draw_count == draws + 1, "picking an activation must redraw the figure once"
    np.testing.assert_allclose(line_data(explorer.figure, "f(z)", 0)[1], f)
    np.testing.assert_allclose(line_data(explorer.figure, "f′(z)", 1)[1], fprime)
    assert name.replace("_", " ").lower() in explorer.figure.axes[0].get_title().lower()


def test_curves_differ_between_activations():
    explorer = ActivationExplorer("sigmoid")
    _, f_sigmoid, _ = explorer.curves()
    explorer.function_picker.value = "tanh"
    _, f_tanh, _ = explorer.curves()
    assert not np.allclose(f_sigmoid, f_tanh)


def test_the_grid_is_minus_six_to_six():
    z, f, fprime = ActivationExplorer().curves()
    assert z[0] == -6.0 and z[-1] == 6.0 and f.shape == fprime.shape == z.shape


def test_the_slider_changes_the_leaky_slope():
    explorer = ActivationExplorer("leaky_relu")
    slider = explorer.parameter_slider
    assert slider is not None and slider.value == ACTIVATIONS["leaky_relu"].params["slope"]
    slider.value = 0.3
    z, f, fprime = explorer.curves()
    np.testing.assert_allclose(f, leaky_relu(z, slope=0.3))
    np.testing.assert_allclose(fprime[z < 0], 0.3)
    np.testing.assert_allclose(line_data(explorer.figure, "f′(z)", 1)[1], fprime)
    assert "never" in explorer.note.value


def test_the_slider_changes_the_elu_alpha():
    explorer = ActivationExplorer("elu")
    explorer.parameter_slider.value = 2.0
    z, f, _ = explorer.curves()
    np.testing.assert_allclose(f, elu(z, alpha=2.0))
    assert f.min() < -1.9, "with alpha = 2 ELU tends to -2 on the left"


def test_the_maxout_sliders_change_both_slopes():
    explorer = ActivationExplorer("maxout")
    a1, a2 = explorer.parameter_sliders["maxout"]
    a1.value, a2.value = 0.5, -1.5
    z, f, fprime = explorer.curves()
    np.testing.assert_allclose(f, maxout(z, slopes=(0.5, -1.5)))
    np.testing.assert_allclose(fprime, maxout_derivative(z, slopes=(0.5, -1.5)))


def test_parameters_are_kept_per_activation():
    explorer = ActivationExplorer("leaky_relu")
    explorer.parameter_slider.value = 0.25
    explorer.function_picker.value = "sigmoid"
    assert explorer.parameter_slider is None and explorer.parameters == {}
    explorer.function_picker.value = "leaky_relu"
    assert explorer.parameters == {"slope": 0.25}


def test_the_note_says_where_it_saturates():
    explorer = ActivationExplorer("sigmoid")
    assert "both sides" in explorer.note.value
    # sigma' = 0.01 where sigma = (1 ± sqrt(0.96)) / 2, i.e. |z| = logit of that.
    s = (1 + np.sqrt(0.96)) / 2
    edge = np.log(s / (1 - s))
    assert f"z ≤ {-edge:.1f}" in explorer.note.value, explorer.note.value
    explorer.function_picker.value = "relu"
    assert "left" in explorer.note.value and "z ≤ 0.0" in explorer.note.value
    explorer.function_picker.value = "leaky_relu"
    assert "never" in explorer.note.value and "nowhere" in explorer.note.value


def test_the_explorer_is_a_displayable_widget():
    explorer = ActivationExplorer()
    assert isinstance(explorer.widget, widgets.VBox)
    assert callable(explorer._ipython_display_)
    children = explorer.widget.children
    assert explorer.function_picker in children[0].children
    assert explorer._view.render_png().startswith(b"\x89PNG"), "the figure renders to a PNG"


def test_an_unknown_activation_is_refused_with_the_list():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*sigmoid"):
        ActivationExplorer("swish")


def test_saturated_intervals_find_the_runs():
    z = np.linspace(-6, 6, 601)
    _, _, fprime = ActivationExplorer("tanh").curves()
    intervals = saturated_intervals(z, fprime)
    edge = np.arctanh(np.sqrt(0.99))  # tanh' = 1 - tanh^2 = 0.01
    assert len(intervals) == 2
    assert intervals[0][0] == -6.0 and intervals[1][1] == 6.0
    assert abs(intervals[0][1] + edge) < 0.02 and abs(intervals[1][0] - edge) < 0.02
    assert describe_intervals([(-1.0, 1.0)], -6.0, 6.0) == "-1.0 ≤ z ≤ 1.0"
    with pytest.raises(ValueError, match="same shape"):
        saturated_intervals(z, fprime[:-1])


# ---------------------------------------------------------------- NeuronExplorer


def seed_labels() -> np.ndarray:
    """The classes of the slides' five points: the side of the line the slides put them on."""
    return np.where(SEED_SEPARATION.y_hat_slides > 0, 1, -1)


def expected_accuracy(X, y, w, b) -> float:
    return float(np.mean(np.where(neuron_forward(X, w, b) > 0, 1, -1) == y))


def test_set_weights_with_the_slides_separation_gives_the_known_accuracy():
    example, y = SEED_SEPARATION, seed_labels()
    explorer = NeuronExplorer(example.X, y)
    explorer.set_weights(*example.w, example.b)
    expected = expected_accuracy(example.X, y, example.w, example.b)
    assert expected == 1.0, "the slides' line separates its five points"
    assert explorer.accuracy == expected
    np.testing.assert_allclose(explorer.scores(), neuron_forward(example.X, example.w, example.b))
    assert "100.0%" in explorer.accuracy_label.value


def test_set_weights_with_one_point_on_the_wrong_side():
    example, y = SEED_SEPARATION, seed_labels()
    y[0] = -y[0]
    explorer = NeuronExplorer(example.X, y)
    explorer.set_weights(*example.w, example.b)
    assert explorer.accuracy == expected_accuracy(example.X, y, example.w, example.b) == 0.8
    assert "4 of 5" in explorer.accuracy_label.value


def test_the_sliders_change_the_accuracy_and_the_line():
    X, y, info = penguin_pair()
    explorer = NeuronExplorer(X, y, class_names=info["species"], feature_names=("a (z)", "b (z)"))
    explorer.set_weights(-1.0, 2.0, 0.0)
    before = explorer.accuracy
    line_before = line_data(explorer.figure, "w1 x1 + w2 x2 + b = 0")
    draws = explorer.draw_count
    explorer.w2_slider.value = -2.0
    explorer.w1_slider.value = 1.0  # the opposite neuron: every label flips
    assert explorer.draw_count == draws + 2, "each slider move redraws the figure"
    assert explorer.accuracy == pytest.approx(1.0 - before)
    assert explorer.accuracy == expected_accuracy(X, y, [1.0, -2.0], 0.0)
    explorer.b_slider.value = 1.5
    x1s, x2s = line_data(explorer.figure, "w1 x1 + w2 x2 + b = 0")
    assert not np.allclose(x2s, line_before[1]), "moving b must move the line"
    np.testing.assert_allclose(1.0 * x1s - 2.0 * x2s + 1.5, 0.0, atol=1e-9)
    assert f"{explorer.accuracy:.1%}" in explorer.accuracy_label.value


def test_no_line_when_both_weights_are_zero():
    X, y = SEED_SEPARATION.X, seed_labels()
    explorer = NeuronExplorer(X, y, w1=0.0, w2=0.0, b=-1.0)
    assert explorer.decision_line() is None
    assert explorer.accuracy == np.mean(y == -1)
    explorer.set_weights(2.0, 0.0, -1.0)  # a vertical line, x1 = 0.5
    x1s, _ = explorer.decision_line()
    np.testing.assert_allclose(x1s, 0.5)


def test_set_weights_widens_a_slider_rather_than_clipping():
    explorer = NeuronExplorer(SEED_SEPARATION.X, seed_labels())
    explorer.set_weights(12.0, 0.0, -30.0)
    assert explorer.weights.tolist() == [12.0, 0.0] and explorer.bias == -30.0


def test_the_legend_names_the_classes():
    X, y, info = penguin_pair()
    explorer = NeuronExplorer(X, y, class_names=info["species"])
    legend = [text.get_text() for text in explorer.figure.axes[0].get_legend().get_texts()]
    assert {"Adelie", "Gentoo"} <= set(legend)


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (np.ones((5, 3)), np.ones(5), {}, r"X must have shape \(n_points, 2\).*\(5, 3\)"),
        (np.ones(5), np.ones(5), {}, r"X must have shape \(n_points, 2\).*\(5,\)"),
        (np.ones((5, 2)), np.ones(4), {}, "X has 5 rows, y has shape"),
        (np.ones((3, 2)), np.array([0, 1, 1]), {}, r"only the labels -1 and \+1, got \[0\]"),
        (np.ones((3, 2)), np.array([1, 2, -1]), {}, r"got \[2\]"),
        (np.array([[0.0, np.nan], [1.0, 1.0]]), np.array([1, -1]), {}, r"NaN .* rows \[0\]"),
        (np.ones((2, 2)), np.array([1, -1]), {"class_names": ("a",)}, "class_names must be two"),
        (np.ones((2, 2)), np.array([1, -1]), {"feature_names": "x1"}, "feature_names must be two"),
    ],
)
def test_bad_inputs_are_refused_with_a_message_naming_the_problem(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        NeuronExplorer(X, y, **kwargs)


def test_set_weights_refuses_a_non_finite_value():
    explorer = NeuronExplorer(SEED_SEPARATION.X, seed_labels())
    with pytest.raises(ValueError, match="w2 must be a finite number"):
        explorer.set_weights(1.0, np.inf, 0.0)
