"""Headless tests of the feature-space explorer: its controls change what it computes and draws."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from dlcourse.viz import class_color
from dlcourse.widgets import FeatureSpaceExplorer
from dlcourse.widgets.feature_space import neighbour_agreement

CLASSES = ("blob", "rod", "star")


@pytest.fixture(scope="module")
def toy():
    """Three classes: well apart in the 'clear' set, mixed at random in the 'noise' set."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], [60, 30, 10])
    centres = np.array([[0.0, 0, 0, 0], [8, 0, 0, 0], [0, 8, 0, 0]])
    clear = centres[labels] + rng.normal(size=(100, 4))
    noise = rng.normal(size=(100, 6))
    return {"clear": clear, "noise": noise}, labels


def _scatter_labels(explorer):
    return [c.get_label() for c in explorer.figure.axes[0].collections]


def test_pca_map_is_the_pca_of_the_standardized_features(toy):
    sets, labels = toy
    explorer = FeatureSpaceExplorer(sets, labels, CLASSES)
    values = sets["clear"]
    scaled = (values - values.mean(axis=0)) / values.std(axis=0)
    expected = PCA(n_components=2).fit_transform(scaled)
    got = explorer.embedding()
    assert got.shape == (100, 2)
    for axis in range(2):  # a principal axis is defined up to its sign
        np.testing.assert_allclose(np.abs(got[:, axis]), np.abs(expected[:, axis]), atol=1e-9)
    assert "variance" in explorer.status.value


def test_the_feature_picker_changes_the_map_and_redraws_once(toy):
    sets, labels = toy
    explorer = FeatureSpaceExplorer(sets, labels, CLASSES)
    clear_map, draws = explorer.embedding(), explorer.draw_count
    assert explorer.agreement() > 0.95, "separate classes stay apart on the map"
    explorer.feature_picker.value = "noise"
    assert explorer.draw_count == draws + 1
    assert not np.allclose(explorer.embedding(), clear_map)
    assert explorer.agreement() < 0.8, "random features mix the classes"
    title = explorer.figure.axes[0].get_title()
    assert "noise" in title and "6 columns" in title
    assert explorer.figure.axes[0].get_xlabel().startswith("principal component 1")


def test_tsne_is_seeded_cached_and_enables_the_perplexity(toy):
    sets, labels = toy
    explorer = FeatureSpaceExplorer(sets, labels, CLASSES, perplexity=10)
    assert explorer.perplexity_slider.disabled, "perplexity means nothing to PCA"
    explorer.method_picker.value = "t-SNE"
    assert not explorer.perplexity_slider.disabled
    first = explorer.embedding()
    assert first.shape == (100, 2) and "t-SNE" in explorer.figure.axes[0].get_title()
    again = FeatureSpaceExplorer(sets, labels, CLASSES, perplexity=10, method="t-SNE")
    np.testing.assert_array_equal(again.embedding(), first)
    assert explorer.agreement() > 0.95
    explorer.perplexity_slider.value = 5
    assert not np.allclose(explorer.embedding(), first), "the perplexity changes the map"
    explorer.perplexity_slider.value = 10
    assert explorer.embedding() is first, "a map already computed comes from the cache"


def test_unselected_classes_become_grey_background(toy):
    sets, labels = toy
    explorer = FeatureSpaceExplorer(sets, labels, CLASSES)
    assert _scatter_labels(explorer) == ["blob (60)", "rod (30)", "star (10)"]
    explorer.set(classes=["star"])
    assert _scatter_labels(explorer) == ["other classes", "star (10)"]
    star = explorer.figure.axes[0].collections[1]
    np.testing.assert_allclose(star.get_facecolor()[0][:3],
                               np.array([int(class_color(2)[i:i + 2], 16) for i in (1, 3, 5)])
                               / 255)
    assert len(explorer.figure.axes[0].collections[0].get_offsets()) == 90


def test_set_changes_several_controls_with_one_redraw(toy):
    sets, labels = toy
    explorer = FeatureSpaceExplorer(sets, labels, CLASSES)
    draws = explorer.draw_count
    explorer.set(feature_set="noise", classes=["blob", "rod"])
    assert explorer.draw_count == draws + 1
    assert explorer.feature_picker.value == "noise"


def test_agreement_by_class_shows_each_class():
    labels = np.array([0, 0, 0, 1, 1, 1])
    points = np.array([[0.0, 0], [0.1, 0], [0.2, 0], [5, 0], [5.1, 0], [0.04, 0.01]])
    explorer = FeatureSpaceExplorer({"map": points}, labels, ["a", "b"], standardize=False)
    by_class = explorer.agreement_by_class()
    # The last "b" sits among the "a": it and its two nearest "a" disagree.
    np.testing.assert_array_equal(neighbour_agreement(points, labels),
                                  [False, False, True, True, True, False])
    assert by_class.to_dict() == pytest.approx({"a": 1 / 3, "b": 2 / 3})
    assert explorer.agreement() == pytest.approx(0.5)


def test_large_sets_are_subsampled_keeping_every_class():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], [950, 50])
    explorer = FeatureSpaceExplorer({"x": rng.normal(size=(1000, 3))}, labels, ["a", "b"],
                                    max_points=200)
    counts = np.bincount(explorer.labels)
    assert counts.sum() <= 230 and counts[1] >= 30, counts
    assert len(explorer.embedding()) == counts.sum()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"feature_sets": {}}, "at least one entry"),
    ({"feature_sets": {"x": np.zeros((5, 3))}}, "shape (6, d)"),
    ({"feature_sets": {"x": np.full((6, 3), np.nan)}}, "NaN"),
    ({"labels": np.array([0, 1, 2, 0, 1, 2])}, "integers from 0 to 1"),
    ({"labels": np.array([0.5] * 6)}, "integers from 0 to 1"),
    ({"method": "UMAP"}, "method must be one of"),
    ({"feature_set": "deep"}, "feature_set must be one of ['x']"),
])
def test_bad_input_gets_a_clear_message(kwargs, message):
    arguments = {"feature_sets": {"x": np.arange(18.0).reshape(6, 3)},
                 "labels": np.array([0, 1, 0, 1, 0, 1]), "class_names": ["a", "b"], **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        FeatureSpaceExplorer(**arguments)
