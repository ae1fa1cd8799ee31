"""Your own points in the playground: numpy arrays, DataFrames, scikit-learn generators and
points added by hand; how labels are read, how points are rescaled and split, saving, and the
message for each kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs, make_moons

from dlcourse.playground import Playground
from dlcourse.playground.custom_data import read_labels


def _round_trip(pg: Playground) -> Playground:
    return Playground.from_state(json.loads(json.dumps(pg.to_state())))


# --------------------------------------------------------------------------- arrays


def test_arrays_are_rescaled_onto_the_plane_keeping_their_shape():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(10, 30, 100), rng.uniform(-1, 4, 100)])
    y = (X[:, 0] > 20).astype(int)
    pg = Playground.from_data(X, y, seed=0)
    everything = np.vstack([pg.X_train, pg.X_test])
    low, high = everything.min(axis=0), everything.max(axis=0)
    # The wider axis (x1, range 20) spans [-5, 5]; x2 (range 5) is scaled by the same factor
    np.testing.assert_allclose([low[0], high[0]], [-5, 5], atol=1e-12)
    np.testing.assert_allclose(high[1] - low[1], np.ptp(X[:, 1]) * 10 / np.ptp(X[:, 0]))
    np.testing.assert_allclose((low[1] + high[1]) / 2, 0, atol=1e-12)
    np.testing.assert_allclose(np.sort(pg.to_plane(X), axis=0), np.sort(everything, axis=0))
    assert set(pg.y_train) == {-1.0, 1.0} and pg.n_classes == 2 and pg.dataset == "custom"
    assert len(pg.X_train) == 50 and len(pg.X_test) == 50
    kept = Playground.from_data(X, y, rescale=False, seed=0)
    np.testing.assert_array_equal(np.sort(np.vstack([kept.X_train, kept.X_test]), axis=0),
                                  np.sort(X, axis=0))  # fmt: skip
    np.testing.assert_array_equal(kept.to_plane(X), X)


def test_the_split_follows_train_ratio_and_seed_unless_a_test_set_is_given():
    X = np.random.default_rng(1).normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    pg = Playground.from_data(X, y, train_ratio=0.7, seed=3)
    assert len(pg.X_train) == 42 and len(pg.X_test) == 18
    again = Playground.from_data(X, y, train_ratio=0.7, seed=3)
    np.testing.assert_array_equal(again.X_train, pg.X_train)
    other = Playground.from_data(X, y, train_ratio=0.7, seed=4)
    assert not np.array_equal(other.X_train, pg.X_train)
    pg.set_params(train_ratio=0.5)
    assert len(pg.X_train) == 30 and pg.dataset == "custom", "a new ratio splits the points again"
    given = Playground.from_data(X[:40], y[:40], X[40:], y[40:], rescale=False, seed=3)
    np.testing.assert_array_equal(given.X_train, X[:40])
    np.testing.assert_array_equal(given.X_test, X[40:])
    given.set_params(seed=9, train_ratio=0.3)
    np.testing.assert_array_equal(given.X_test, X[40:])  # a given test set stays as it is


def test_labels_make_two_classes_k_classes_or_a_regression():
    assert read_labels(np.array([0, 1, 0]))[1:3] == ("classification", 2)
    np.testing.assert_array_equal(read_labels(np.array([0, 1, 0]))[0], [-1, 1, -1])
    np.testing.assert_array_equal(read_labels(np.array([-1.0, 1.0]))[0], [-1, 1])
    np.testing.assert_array_equal(read_labels(np.array([True, False]))[0], [1, -1])
    coded, problem, k, names = read_labels(np.array([2, 0, 1, 3]))
    assert (problem, k, names) == ("classification", 4, None)
    np.testing.assert_array_equal(coded, [2, 0, 1, 3])
    assert read_labels(np.array([0.5, 1.25, -3.0]))[1:3] == ("regression", None)
    assert read_labels(np.array([0, 1, 0]), "regression")[1:3] == ("regression", None)
    numbers_in_objects = pd.Series([0, 2, 1], dtype="Int64").astype(object).to_numpy()
    assert read_labels(numbers_in_objects)[1:] == ("classification", 3, None)
    coded, _, k, names = read_labels(np.array(["moss", "lichen", "moss", "fern"]))
    assert k == 3 and names == ("fern", "lichen", "moss")
    np.testing.assert_array_equal(coded, [2, 1, 2, 0])


def test_regression_on_your_own_targets():
    rng = np.random.default_rng(2)
    X = rng.uniform(-3, 3, (200, 2))
    pg = Playground.from_data(X, 0.1 * X[:, 0] - 0.05 * X[:, 1], mode="modern", seed=0)
    assert pg.problem == "regression" and pg.n_classes is None and pg.loss_name == "mse"
    pg.train(40)
    assert pg.r2()["test"] > 0.9, pg.r2()


# --------------------------------------------------------------------------- DataFrames


def test_a_dataframe_by_column_names_with_text_labels():
    rng = np.random.default_rng(3)
    centres = {"fern": (0, 0), "lichen": (4, 0), "moss": (2, 4)}
    rows = [(name, *rng.normal(centre, 0.5), rng.random()) for name, centre in centres.items()
            for _ in range(40)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["species", "width", "height", "noise"])
    pg = Playground.from_data(frame, columns=("width", "height"), label="species",
                              mode="modern", optimizer="adam", seed=0)  # fmt: skip
    assert pg.n_classes == 3 and pg.class_names == ("fern", "lichen", "moss")
    np.testing.assert_array_equal(pg.classes, [0, 1, 2])
    pg.train(30)
    assert pg.accuracy()["test"] > 0.95, pg.accuracy()
    assert pg.confusion_matrix("test").sum() == len(pg.X_test)
    copy = _round_trip(pg)
    assert copy.class_names == pg.class_names
    np.testing.assert_array_equal(copy.predict(pg.X_test), pg.predict(pg.X_test))
    # Without columns=, the two columns besides the label are used
    two = frame[["width", "height", "species"]].query("species != 'moss'")
    binary = Playground.from_data(two, label="species", seed=0)
    assert binary.n_classes == 2 and binary.class_names == ("fern", "lichen")
    binary.add_point(0.0, 0.0, "lichen")
    assert binary.y_train[-1] == 1.0


def test_a_dataframe_with_separate_labels_and_a_test_frame():
    frame = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]})
    test = pd.DataFrame({"a": [0.5, 2.5], "b": [0.0, 1.0]})
    pg = Playground.from_data(frame, [0, 0, 1, 1], test, [0, 1], rescale=False)
    np.testing.assert_array_equal(pg.X_train, frame.to_numpy())
    np.testing.assert_array_equal(pg.y_test, [-1, 1])


# --------------------------------------------------------------------------- scikit-learn


def test_make_moons_trains_and_round_trips_through_state():
    # Measured: test accuracy 0.97 after 60 epochs of Adam (seed 0)
    moons = make_moons(200, noise=0.1, random_state=0)
    pg = Playground.from_data(moons, mode="modern", optimizer="adam", hidden=(6, 4),
                              activation="relu", seed=0)  # fmt: skip
    assert pg.n_classes == 2 and len(pg.X_train) == 100
    pg.train(60)
    assert pg.accuracy()["test"] >= 0.9, pg.accuracy()
    copy = _round_trip(pg)
    assert copy.get_params() == pg.get_params() and copy.history == pg.history
    np.testing.assert_array_equal(copy.X_train, pg.X_train)
    grid = np.random.default_rng(0).uniform(-6, 6, (100, 2))
    pg.train(3)
    copy.train(3)
    np.testing.assert_array_equal(copy.predict(grid), pg.predict(grid))
    X, _ = make_moons(200, noise=0.1, random_state=0)
    np.testing.assert_allclose(copy.to_plane(X), pg.to_plane(X))
    copy.set_params(train_ratio=0.8)  # the saved points can be split again
    assert len(copy.X_train) == 160


def test_make_blobs_needs_the_modern_mode():
    blobs = make_blobs(150, centers=3, random_state=0)
    with pytest.raises(ValueError, match="3 classes: it needs mode='modern'"):
        Playground.from_data(blobs)
    pg = Playground.from_data(blobs, mode="modern", seed=0)
    assert pg.network.weights[-1].shape[0] == 3 and pg.output_activation == "softmax"


# --------------------------------------------------------------------------- set_data, add_point


def test_set_data_replaces_the_points_and_restarts():
    pg = Playground(mode="modern", seed=0).train(3)
    pg.set_data(make_blobs(90, centers=4, random_state=1))
    assert pg.dataset == "custom" and pg.n_classes == 4 and pg.epoch == 0
    assert pg.network.weights[-1].shape[0] == 4 and len(pg.X_train) == 45
    before = pg.X_train.copy()
    with pytest.raises(ValueError, match="one class only"):
        pg.set_data(np.zeros((5, 2)), np.ones(5))
    np.testing.assert_array_equal(pg.X_train, before)  # bad data leaves the playground as it was
    pg.set_params(dataset="xor")
    assert pg.n_classes == 2 and pg.network.weights[-1].shape[0] == 1
    pg.set_params(dataset="custom")
    assert pg.n_classes == 4, "the points given are kept"


def test_add_point_to_a_built_in_data_set_and_to_custom_data():
    pg = Playground(seed=0)
    n_train, n_test = len(pg.X_train), len(pg.X_test)
    pg.train(2, engine="numpy")
    pg.add_point(1.5, -2.0, 0)
    assert pg.dataset == "custom" and pg.epoch == 2, "the network carries on"
    np.testing.assert_array_equal(pg.X_train[-1], [1.5, -2.0])
    assert pg.y_train[-1] == -1.0 and len(pg.X_train) == n_train + 1
    pg.add_point(0.0, 0.0, 1, split="test")
    assert pg.y_test[-1] == 1.0 and len(pg.X_test) == n_test + 1
    copy = _round_trip(pg)
    np.testing.assert_array_equal(copy.X_train, pg.X_train)
    copy.regenerate()  # the points were given: a new seed keeps them
    np.testing.assert_array_equal(copy.X_test, pg.X_test)
    three = Playground.from_data(make_blobs(30, centers=3, random_state=0), mode="modern")
    three.add_point(-1.0, 2.0, 2)
    assert three.y_train[-1] == 2.0
    regression = Playground(dataset="plane", seed=0).add_point(0.0, 1.0, 0.37)
    assert regression.y_train[-1] == 0.37


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("a", 0.0, 1), ["x1 and x2 must be finite numbers"]),
        ((np.nan, 0.0, 1), ["x1 and x2 must be finite numbers"]),
        ((0.0, 0.0, 2), ["label must be one of (-1, 0, 1)", "got 2"]),
        ((0.0, 0.0, "moss"), ["label must be one of (-1, 0, 1)"]),
        ((0.0, 0.0, 1, "validation"), ["split must be one of ('train', 'test')"]),
    ],
)
def test_bad_points_added_by_hand(args, words):
    pg = Playground(seed=0)
    with pytest.raises(ValueError) as info:
        pg.add_point(*args)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"
    assert pg.dataset == "circle" and len(pg.X_train) == 250


# --------------------------------------------------------------------------- bad input

GOOD_X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, 2.0]])
GOOD_Y = np.array([0, 1, 0, 1])
FRAME = pd.DataFrame({"a": GOOD_X[:, 0], "b": GOOD_X[:, 1], "c": 1.0, "label": GOOD_Y})


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        ((np.zeros((4, 3)), GOOD_Y), {}, ["X must have shape (n_points, 2)", "(4, 3)"]),
        ((np.zeros(4), GOOD_Y), {}, ["X must have shape (n_points, 2)", "(4,)"]),
        (([["a", "b"]] * 4, GOOD_Y), {}, ["X must hold numbers"]),
        ((np.array([[0, 0], [1, np.nan], [2, 0], [0, 2]]), GOOD_Y), {}, ["NaN", "rows [1]"]),
        ((GOOD_X, [0, 1, np.nan, 1]), {}, ["labels have NaN", "rows [2]"]),
        ((GOOD_X, np.array([0, None, 1, 0], dtype=object)), {}, ["missing values"]),
        ((GOOD_X, np.array([0, np.nan, 1, 0], dtype=object)), {}, ["labels have NaN"]),
        ((GOOD_X, [1, 1, 1, 1]), {}, ["one class only"]),
        ((GOOD_X, ["a", "a", "a", "a"]), {}, ["one class only"]),
        ((GOOD_X, [0, 1, 1]), {}, ["X has 4 points but y has 3 labels"]),
        ((GOOD_X, np.zeros((4, 2))), {}, ["y must be one label per point"]),
        ((GOOD_X,), {}, ["y is missing"]),
        ((GOOD_X[:1], [0]), {}, ["at least 2 points"]),
        ((GOOD_X, [1, 2, 3, 1]), {}, ["0, 1, ..., k-1", "problem='regression'"]),
        ((GOOD_X, np.arange(4) * 3), {}, ["0, 1, ..., k-1"]),
        ((GOOD_X, [0.5, 1, 2, 3]), {"problem": "classification"}, ["class labels must be"]),
        ((GOOD_X, ["a", "b", "a", "b"]), {"problem": "regression"}, ["must be numbers"]),
        ((np.zeros((9, 2)), np.arange(9)), {"mode": "modern"}, ["at most 8 classes"]),
        ((GOOD_X, GOOD_Y, GOOD_X[:2]), {}, ["test_y is missing"]),
        ((GOOD_X, GOOD_Y, GOOD_X, [0, 1]), {}, ["test_X has 4 points but test_y has 2"]),
        ((FRAME,), {"label": "species"}, ["label column 'species' is not in X", "'label'"]),
        ((FRAME,), {"label": "label", "columns": ("a", "z")}, ["columns ['z'] are not in X"]),
        ((FRAME,), {"label": "label"}, ["3 columns besides the label", "columns="]),
        ((FRAME,), {"label": "label", "columns": ("a",)}, ["columns must name two columns"]),
        ((FRAME, GOOD_Y), {"label": "label"}, ["either as y or as label="]),
        ((GOOD_X, GOOD_Y), {"label": "label"}, ["choose columns of a DataFrame"]),
        ((GOOD_X, GOOD_Y), {"rescale": "yes"}, ["rescale must be True or False"]),
        ((GOOD_X, GOOD_Y), {"dataset": "circle"}, ["leave the dataset setting out"]),
        ((GOOD_X, GOOD_Y), {"problem": "regression", "loss": "cross_entropy", "mode": "modern"},
         ["loss='cross_entropy' needs a classification"]),
        ((GOOD_X, GOOD_Y), {"hidden": (9,)}, ["hidden", "1 to 8"]),
        ((GOOD_X, GOOD_Y), {"lr": 0.1}, ["unknown settings ['lr']"]),
    ],
)
def test_bad_input_gets_a_clear_message(args, kwargs, words):
    with pytest.raises(ValueError) as info:
        Playground.from_data(*args, **kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_custom_data_cannot_be_asked_for_by_name_or_sent_as_a_tf_link():
    with pytest.raises(ValueError, match="dataset='custom' needs your points"):
        Playground(dataset="custom")
    with pytest.raises(ValueError, match="dataset='custom' needs your points"):
        Playground(seed=0).set_params(dataset="custom")
    with pytest.raises(ValueError, match="cannot go into a TensorFlow Playground link"):
        Playground.from_data(GOOD_X, GOOD_Y).to_url()
    pg = Playground.from_data(GOOD_X, GOOD_Y)
    with pytest.raises(ValueError, match="does not fit your points"):
        pg.set_params(problem="regression")
