"""Tests of the library's from-scratch pieces (dlcourse.nn) and of its data loaders."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dlcourse.data import SEED_SEPARATION, load_penguins, make_xor, penguin_pair
from dlcourse.data.penguins import MEASUREMENTS, SPECIES
from dlcourse.nn import ACTIVATIONS, Perceptron, get_activation, neuron_forward
from dlcourse.nn.activations import sigmoid, sigmoid_derivative

# Parameters besides the defaults, so the derivative tests cover the parameters too.
EXTRA_PARAMETERS = {
    "leaky_relu": [{"slope": 0.3}, {"slope": 0.0}],
    "elu": [{"alpha": 2.5}],
    "maxout": [{"slopes": (0.5, -1.5), "intercepts": (1.0, 0.0)}, {"slopes": (1.0, 0.0)}],
}
CASES = [(name, {}) for name in ACTIVATIONS] + [
    (name, params) for name, variants in EXTRA_PARAMETERS.items() for params in variants
]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_derivative_matches_finite_differences(name, params):
    activation = ACTIVATIONS[name]
    z = np.linspace(-5.0, 5.0, 401)
    h = 1e-6
    f = activation.function
    left = (f(z, **params) - f(z - h, **params)) / h
    right = (f(z + h, **params) - f(z, **params)) / h
    central = (f(z + h, **params) - f(z - h, **params)) / (2 * h)
    smooth = np.abs(left - right) < 1e-4  # leaves out the kinks (ReLU at 0, maxout's corner)
    assert smooth.mean() > 0.95, f"{name}: too few smooth points to check ({smooth.sum()})"
    np.testing.assert_allclose(
        activation.derivative(z, **params)[smooth], central[smooth], atol=1e-6,
        err_msg=f"{name}{params}: derivative differs from finite differences",
    )


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_keeps_shape_and_returns_float64(name):
    z = np.arange(-3, 3).reshape(2, 3)  # integers in, floats out
    for out in (ACTIVATIONS[name](z), ACTIVATIONS[name].derivative(z)):
        assert out.shape == (2, 3), f"{name}: shape {out.shape}, expected (2, 3)"
        assert out.dtype == np.float64, f"{name}: dtype {out.dtype}, expected float64"


def test_sigmoid_is_finite_and_exact_at_plus_minus_1000_without_warnings():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            s = sigmoid(z)
            ds = sigmoid_derivative(z)
    assert np.isfinite(s).all() and np.isfinite(ds).all()
    assert s[0] == 0.0 and s[-1] == 1.0, f"sigmoid(±1000) = {s[[0, -1]]}, expected exactly 0 and 1"
    assert s[2] == 0.5
    assert ds[0] == 0.0 and ds[-1] == 0.0
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=0, atol=1e-15)


def test_sigmoid_agrees_with_the_textbook_formula_where_that_is_safe():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-12)


def test_get_activation_names_the_bad_name_and_lists_the_good_ones():
    with pytest.raises(ValueError, match="unknown activation 'softmax'") as error:
        get_activation("softmax")
    for name in ACTIVATIONS:
        assert repr(name) in str(error.value), f"the message does not list {name!r}"
    assert get_activation("tanh") is ACTIVATIONS["tanh"]


def test_every_activation_says_where_it_saturates():
    for name, activation in ACTIVATIONS.items():
        assert activation.saturates in {"both sides", "left", "never"}, name


def test_neuron_forward_reproduces_the_slides_table():
    example = SEED_SEPARATION
    scores = neuron_forward(example.X, example.w, example.b)
    np.testing.assert_allclose(scores, example.y_hat_slides, rtol=0, atol=0.005,
                               err_msg="w · x + b differs from the slides by more than rounding")
    assert (np.sign(scores) == np.sign(example.y_hat_slides)).all()


def test_neuron_forward_applies_the_activation():
    example = SEED_SEPARATION
    raw = example.X @ example.w + example.b
    np.testing.assert_allclose(neuron_forward(example.X, example.w, example.b, "sigmoid"),
                               sigmoid(raw))
    np.testing.assert_allclose(neuron_forward(example.X, example.w, example.b, "relu"),
                               np.maximum(raw, 0.0))


@pytest.mark.parametrize(
    ("X", "w", "match"),
    [(np.ones(3), np.ones(3), "X must be 2-D"),
     (np.ones((4, 2)), np.ones(3), r"w must have shape \(2,\)")],
)
def test_neuron_forward_rejects_bad_shapes(X, w, match):
    with pytest.raises(ValueError, match=match):
        neuron_forward(X, w, 0.0)


def test_perceptron_converges_on_adelie_versus_gentoo():
    X, y, _ = penguin_pair()
    model = Perceptron(max_epochs=100).fit(X, y)
    assert model.converged_, f"no convergence; mistakes per epoch {model.mistakes_}"
    assert model.mistakes_[-1] == 0 and len(model.mistakes_) < 100
    assert (model.predict(X) == y).all()
    assert (y * model.decision_function(X) > 0).all()


def test_perceptron_converges_on_the_harder_pair_only_after_many_epochs():
    X, y, _ = penguin_pair(("Chinstrap", "Gentoo"), ("bill_length_mm", "body_mass_g"))
    short = Perceptron(max_epochs=100).fit(X, y)
    long = Perceptron(max_epochs=5000).fit(X, y)
    assert not short.converged_
    assert long.converged_ and len(long.mistakes_) > 100
    assert (long.predict(X) == y).all()


def test_perceptron_never_converges_on_xor():
    X, y = make_xor(200, seed=0)
    model = Perceptron(max_epochs=50).fit(X, y)
    assert not model.converged_
    assert len(model.mistakes_) == 50
    assert min(model.mistakes_) > 0, "an epoch without mistakes on XOR is impossible"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"learning_rate": 0.0}, "learning_rate must be > 0"),
     ({"max_epochs": 0}, "max_epochs must be an integer >= 1"),
     ({"max_epochs": 2.5}, "max_epochs must be an integer >= 1")],
)
def test_perceptron_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Perceptron(**kwargs)


def test_perceptron_rejects_labels_other_than_plus_minus_one():
    with pytest.raises(ValueError, match=r"-1 and \+1, got values \[0, 1\]"):
        Perceptron().fit(np.ones((2, 2)), np.array([0, 1]))


def test_load_penguins_shape_and_columns():
    frame = load_penguins()
    assert frame.shape == (333, 8), f"shape {frame.shape}, expected (333, 8)"
    assert set(MEASUREMENTS) <= set(frame.columns)
    assert set(frame["species"]) == set(SPECIES)
    assert not frame.isna().any().any()
    assert len(load_penguins(dropna=False)) == 344


def test_penguin_pair_standardises_and_keeps_the_way_back_to_millimetres():
    X, y, info = penguin_pair()
    frame = load_penguins()
    frame = frame[frame["species"].isin(["Adelie", "Gentoo"])]
    assert X.shape == (len(frame), 2)
    assert (y == 1).sum() == (frame["species"] == "Gentoo").sum()
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0)
    np.testing.assert_allclose(X * info["std"] + info["mean"],
                               frame[["bill_depth_mm", "flipper_length_mm"]].to_numpy())


def test_penguin_pair_names_a_bad_species():
    with pytest.raises(ValueError, match="Emperor"):
        penguin_pair(("Adelie", "Emperor"))


def test_load_penguins_refuses_a_changed_file(monkeypatch, tmp_path):
    folder = tmp_path / "penguins"
    folder.mkdir()
    (folder / "penguins.csv").write_text("species,island\nAdelie,Dream\n")
    monkeypatch.setenv("DLCOURSE_DATASETS", str(tmp_path))
    with pytest.raises(ValueError, match="checksum") as error:
        load_penguins()
    assert "git checkout" in str(error.value)


def test_load_penguins_says_how_to_restore_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_DATASETS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="missing") as error:
        load_penguins()
    assert "git checkout -- datasets/penguins/penguins.csv" in str(error.value)


def test_make_xor_labels_follow_the_signs_and_the_seed():
    X, y = make_xor(300, seed=3)
    assert X.shape == (300, 2) and y.shape == (300,)
    np.testing.assert_array_equal(y, np.where(X[:, 0] * X[:, 1] > 0, 1, -1))
    X_again, _ = make_xor(300, seed=3)
    np.testing.assert_array_equal(X, X_again)
    assert not np.array_equal(X, make_xor(300, seed=4)[0])


@pytest.mark.parametrize(("kwargs", "match"), [({"n_points": 0}, "n_points"),
                                               ({"noise": 2.0}, "noise")])
def test_make_xor_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_xor(**kwargs)
