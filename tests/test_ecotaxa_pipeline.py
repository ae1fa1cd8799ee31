"""The EcoTaxa pipeline's pieces: scores for imbalanced classes, calibration, importances, the
PCA + Random Forest model and its step-by-step twin, the plankton tables, and the figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier

from dlcourse.data.plankton import CLASS_NAMES, DESCRIPTOR_COLUMNS, load_split
from dlcourse.ecotaxa_pipeline import (
    FOREST_SETTINGS,
    FeatureTables,
    ecotaxa_classify,
    ecotaxa_features,
    ecotaxa_forest,
    ecotaxa_pipeline,
    plankton_tables,
)
from dlcourse.importance import impurity_importance_groups, permutation_importance_groups
from dlcourse.metrics import (
    expected_calibration_error,
    per_class_report,
    rare_class_recall,
    reliability_curve,
    summary_scores,
)
from dlcourse.score_plots import plot_class_scores, plot_importance, plot_reliability

# ------------------------------------------------------------------------------ scores

# 10 images: 6 of class 0, 3 of class 1, 1 of the rare class 2, never found.
Y_TRUE = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
Y_PRED = np.array([0, 0, 0, 0, 0, 1, 1, 1, 0, 0])


def test_summary_scores_by_hand():
    scores = summary_scores(Y_TRUE, Y_PRED)
    assert scores["accuracy"] == pytest.approx(0.7)
    # Recalls 5/6, 2/3, 0: their mean.
    assert scores["balanced_accuracy"] == pytest.approx((5 / 6 + 2 / 3 + 0) / 3)
    f1 = np.array([2 * (5 / 7) * (5 / 6) / (5 / 7 + 5 / 6), 2 / 3, 0.0])
    assert scores["f1_macro"] == pytest.approx(f1.mean())
    assert scores["f1_weighted"] == pytest.approx(np.average(f1, weights=[6, 3, 1]))
    assert scores["f1_micro"] == pytest.approx(scores["accuracy"])


def test_per_class_report_and_rare_recall():
    report = per_class_report(Y_TRUE, Y_PRED, ["a", "b", "rare"])
    assert report.index.tolist() == ["a", "b", "rare"]
    np.testing.assert_allclose(report["recall"], [5 / 6, 2 / 3, 0.0])
    np.testing.assert_allclose(report["precision"], [5 / 7, 2 / 3, 0.0])
    assert report["support"].tolist() == [6, 3, 1]
    np.testing.assert_allclose(report["share"], [0.6, 0.3, 0.1])
    assert rare_class_recall(Y_TRUE, Y_PRED, ["a", "b", "rare"], ["rare"]) == {"rare": 0.0}
    absent = per_class_report([0, 0], [0, 0], ["a", "b"])
    assert np.isnan(absent.loc["b", "recall"]), "a class with no true image has no recall"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: summary_scores([0, 1], [0]), "same length"),
    (lambda: per_class_report([0, 3], [0, 1], ["a", "b"]), r"labels \[3\] have no name"),
    (lambda: rare_class_recall([0, 1], [0, 1], ["a", "b"], ["c"]), "unknown class"),
    (lambda: reliability_curve([0], [[0.5, 0.6]]), "add up to 1"),
    (lambda: reliability_curve([0, 1], [[1.0, 0.0]]), "shape"),
    (lambda: reliability_curve([0], [[1.0, 0.0]], n_bins=0), "n_bins"),
])
def test_bad_scores_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reliability_of_a_calibrated_and_an_overconfident_model():
    rng = np.random.default_rng(0)
    n = 20000
    confidence = rng.uniform(0.5, 1.0, size=n)
    right = rng.random(n) < confidence  # right as often as it claims
    y_true = np.where(right, 0, 1)
    proba = np.column_stack([confidence, 1 - confidence])
    assert expected_calibration_error(y_true, proba) < 0.02
    sure = np.column_stack([np.full(n, 0.99), np.full(n, 0.01)])
    assert expected_calibration_error(y_true, sure) == pytest.approx(0.99 - right.mean(),
                                                                     abs=1e-9)
    curve = reliability_curve(y_true, proba, n_bins=10)
    assert curve["count"].sum() == n and curve["lower"].min() == pytest.approx(0.5)
    np.testing.assert_allclose(curve["accuracy"], curve["confidence"], atol=0.03)


# ------------------------------------------------------------------------------ importances


def test_permutation_importance_finds_the_only_useful_group():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 5))
    y = (X[:, 3] + X[:, 4] > 0).astype(int)
    forest = RandomForestClassifier(30, random_state=0).fit(X[:200], y[:200])
    groups = {"noise": [0, 1, 2], "signal": slice(3, 5)}
    drops = permutation_importance_groups(forest, X[200:], y[200:], groups, n_repeats=2)
    assert drops.index.tolist() == ["signal", "noise"]
    assert drops.loc["signal", "mean"] > 0.25 and abs(drops.loc["noise", "mean"]) < 0.05
    assert (drops["baseline"] > 0.8).all()
    again = permutation_importance_groups(forest, X[200:], y[200:], groups, n_repeats=2)
    pd.testing.assert_frame_equal(drops, again)
    impurity = impurity_importance_groups(forest.feature_importances_, groups)
    assert impurity.index[0] == "signal" and impurity.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("groups", "message"), [
    ({}, "at least one group"),
    ({"a": [7]}, "column indices from 0 to 4"),
    ({"a": []}, "column indices"),
])
def test_bad_groups_get_a_clear_message(groups, message):
    with pytest.raises(ValueError, match=message):
        impurity_importance_groups(np.full(5, 0.2), groups)


# ------------------------------------------------------------------------------ pipeline


def _toy(n=120, n_native=3, n_deep=12, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    X = rng.normal(size=(n, n_native + n_deep))
    X[:, n_native:] += 3 * y[:, None] * rng.normal(size=n_deep)  # deep columns hold the class
    return X, y


def test_forest_has_ecotaxa_settings():
    params = ecotaxa_forest(seed=4).get_params()
    assert {key: params[key] for key in FOREST_SETTINGS} == {
        "n_estimators": 300, "min_samples_leaf": 5, "class_weight": "balanced"}
    assert params["random_state"] == 4
    assert ecotaxa_forest(n_estimators=10).get_params()["n_estimators"] == 10


@pytest.mark.parametrize(("features", "width"), [("both", 3 + 4), ("native", 3), ("deep", 4)])
def test_pipeline_puts_native_columns_beside_the_pca_of_deep_ones(features, width):
    X, y = _toy()
    model = ecotaxa_pipeline(3, n_components=4, features=features, n_estimators=20)
    model.fit(X[:90], y[:90])
    transformed = model[:-1].transform(X[90:])
    assert transformed.shape == (30, width)
    pca = PCA(n_components=4, random_state=0).fit(X[:90, 3:])  # fitted on training rows only
    if features != "deep":
        np.testing.assert_array_equal(transformed[:, :3], X[90:, :3])
    if features != "native":
        np.testing.assert_allclose(transformed[:, -4:], pca.transform(X[90:, 3:]), atol=1e-10)
    assert model.score(X[90:], y[90:]) > 0.8 or features == "native"


def test_pipeline_is_seeded():
    X, y = _toy()
    first = ecotaxa_pipeline(3, 4, seed=1, n_estimators=15).fit(X, y).predict_proba(X)
    again = ecotaxa_pipeline(3, 4, seed=1, n_estimators=15).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_native": -1}, "n_native must be"),
    ({"n_native": 2.0}, "n_native must be"),
    ({"n_native": 3, "features": "all"}, "features must be one of"),
])
def test_bad_pipeline_settings_get_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ecotaxa_pipeline(**kwargs)


def test_feature_tables_stack_native_then_deep_and_subset():
    native = pd.DataFrame({"area": [1.0, 2.0, 3.0], "esd": [4.0, 5.0, 6.0]})
    deep = np.arange(9, dtype=np.float32).reshape(3, 3)
    tables = FeatureTables("toy", np.array([0, 1, 0]), ("a", "b"), native, deep)
    assert tables.n_native == 2 and len(tables) == 3
    np.testing.assert_array_equal(tables.table("both")[1], [2.0, 5.0, 3.0, 4.0, 5.0])
    assert tables.table("native").shape == (3, 2) and tables.table("deep").dtype == np.float64
    part = tables.subset(tables.labels == 0)
    np.testing.assert_array_equal(part.table("both")[:, 0], [1.0, 3.0])
    with pytest.raises(ValueError, match="features must be one of"):
        tables.table("everything")
    with pytest.raises(ValueError, match="as many rows"):
        FeatureTables("bad", np.array([0, 1]), ("a", "b"), native, deep)


# ------------------------------------------------------------------------------ figures


def test_figures_are_labelled_and_draw_what_they_are_given():
    report_a = per_class_report(Y_TRUE, Y_PRED, ["a", "b", "rare"])
    report_b = per_class_report(Y_TRUE, Y_TRUE, ["a", "b", "rare"])
    fig, axes = plt.subplots(1, 3)
    plot_class_scores(axes[0], {"model A": report_a, "model B": report_b}, rare=["rare"])
    heights = [patch.get_height() for patch in axes[0].patches if patch.get_width() < 0.5]
    np.testing.assert_allclose(heights[:3], report_a["recall"])
    np.testing.assert_allclose(heights[3:6], [1.0, 1.0, 1.0])
    assert axes[0].get_xticklabels()[2].get_text() == "rare (rare)"
    curve = reliability_curve([0, 1, 1], [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], n_bins=5)
    plot_reliability(axes[1], {"model": curve})
    plot_importance(axes[2], pd.Series({"x": 0.1, "y": 0.3}), title="Permutation importance",
                    xlabel="drop in balanced accuracy")
    assert [t.get_text() for t in axes[2].get_yticklabels()] == ["y", "x"]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="same classes"):
        plot_class_scores(axes[0], {"a": report_a, "b": report_b.iloc[:2]})
    plt.close(fig)


def test_step_by_step_features_and_classifier_equal_the_pipeline():
    X, y = _toy(n=150, n_native=4, n_deep=60)
    model = ecotaxa_pipeline(4, seed=2).fit(X[:120], y[:120])
    np.testing.assert_allclose(ecotaxa_features(X[:120], X[120:], 4), model[:-1].transform(X[120:]),
                               atol=1e-12)
    labels, probabilities = ecotaxa_classify(X[:120], y[:120], X[120:], 4, seed=2)
    np.testing.assert_array_equal(labels, model.predict(X[120:]))
    np.testing.assert_array_equal(probabilities, model.predict_proba(X[120:]))
    small = ecotaxa_classify(X[:120], y[:120], X[120:], 4, n_components=3, n_trees=7, seed=2)[1]
    assert small.shape == (30, 3) and not np.array_equal(small, probabilities)
    with pytest.raises(ValueError, match="X_new has 5 columns"):
        ecotaxa_features(X, X[:, :5], 2)


def test_plankton_tables_are_computed_once_per_process():
    train, test = plankton_tables(train_size=24, test_size=16, device="cpu")
    assert (len(train), len(test)) == (24, 16)
    assert train.n_native == len(DESCRIPTOR_COLUMNS) and train.deep.shape == (24, 192)
    assert train.class_names == CLASS_NAMES and (train.name, test.name) == ("train", "test")
    np.testing.assert_array_equal(train.labels, load_split("train", n=24).labels)
    again = plankton_tables(train_size=24, test_size=16, device="cpu")
    assert again[0] is train and again[1] is test, "the second call reuses the tables"
    assert train.table() is not train.table(), "table() gives a fresh array each time"
