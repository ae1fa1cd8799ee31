"""Over- and undersampling and the reference SMOTE: counts, segments, seeds and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.check.smote import check_smote_points
from dlcourse.resampling import (
    k_nearest_neighbours,
    random_oversample,
    random_undersample,
    smote,
    smote_oversample,
    smote_segments,
)

# Five points on a line, unevenly spaced: 0 -- 1 ----- 2 -------- 3 - 4
LINE = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0], [9.0, 0.0], [10.0, 0.0]])
# Six points in general position: no three on a line, so no two segments overlap.
SCATTER = np.array([[0.0, 0.0], [1.0, 0.3], [3.0, -0.4], [2.2, 2.9], [6.0, 1.1], [4.5, 4.0]])


def test_nearest_neighbours_exclude_the_point_itself():
    np.testing.assert_array_equal(k_nearest_neighbours(LINE, 1).ravel(), [1, 0, 1, 4, 3])
    np.testing.assert_array_equal(k_nearest_neighbours(LINE, 2),
                                  [[1, 2], [0, 2], [1, 0], [4, 2], [3, 2]])


def test_a_duplicate_is_a_neighbour_at_distance_zero():
    np.testing.assert_array_equal(k_nearest_neighbours([[0.0], [0.0], [5.0]], 1).ravel(),
                                  [1, 0, 0])


@pytest.mark.parametrize("k", [1, 2, 5])
def test_smote_points_lie_on_segments_to_the_k_nearest(k):
    new = smote(SCATTER, n_new=600, k=k, seed=3)
    assert new.shape == (600, 2) and new.dtype == np.float64
    found = smote_segments(SCATTER, new, k)
    assert found["distance"].max() < 1e-12
    assert found["gap"].between(0, 1).all()
    allowed = {(min(i, j), max(i, j)) for i, row in enumerate(k_nearest_neighbours(SCATTER, k))
               for j in row.tolist()}
    used = set(zip(found["base"], found["neighbour"], strict=True))
    assert used == allowed, "every segment to a k-nearest neighbour is used, and no other"


def test_smote_segments_measures_the_distance_to_the_nearest_allowed_segment():
    far = np.array([[20.0, 0.0], [2.0, 3.0]])
    found = smote_segments(LINE, far, k=1)
    np.testing.assert_allclose(found["distance"], [10.0, 3.0])  # segment 3-4; 1-2
    assert found["gap"].iloc[0] == pytest.approx(11.0)  # beyond the end of segment 3-4


def test_smote_is_seeded_and_uniform():
    assert np.array_equal(smote(LINE, 50, k=2, seed=7), smote(LINE, 50, k=2, seed=7))
    assert not np.array_equal(smote(LINE, 50, k=2, seed=7), smote(LINE, 50, k=2, seed=8))
    new = smote(LINE, 40000, k=1, seed=0)
    # Base uniform over the points, partner its nearest one, gap uniform: the expected mean.
    partners = LINE[k_nearest_neighbours(LINE, 1)[:, 0]]
    expected = (LINE + 0.5 * (partners - LINE)).mean(axis=0)
    np.testing.assert_allclose(new.mean(axis=0), expected, atol=0.06)


def test_smote_makes_nothing_when_asked_for_nothing():
    assert smote(LINE, 0, k=2, seed=0).shape == (0, 2)


@pytest.mark.parametrize(("k", "message"), [
    (5, "k=5 is too large for the class: it has 5 point"),
    (9, "use k <= 4"),
    (0, "k must be at least 1"),
    (2.5, "k must be a whole number"),
])
def test_bad_k_gets_a_clear_message(k, message):
    with pytest.raises(ValueError, match=message):
        smote(LINE, 3, k=k)


@pytest.mark.parametrize(("X", "n_new", "message"), [
    ([1.0, 2.0, 3.0], 2, "shape"),
    ([[0.0, np.nan], [1.0, 1.0]], 2, "NaN"),
    (LINE, -1, "n_new must be"),
    (LINE, 2.0, "n_new must be"),
])
def test_bad_points_get_a_clear_message(X, n_new, message):
    with pytest.raises(ValueError, match=message):
        smote(X, n_new, k=1)


def _imbalanced():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [20, 6, 3])
    X = rng.normal(size=(29, 3)) + 5 * y[:, None]
    return X, y


def test_random_oversampling_repeats_real_examples():
    X, y = _imbalanced()
    X_new, y_new = random_oversample(X, y, seed=0)
    assert np.bincount(y_new).tolist() == [20, 20, 20]
    np.testing.assert_array_equal(X_new[:29], X)
    rows = {tuple(row): label for row, label in zip(X, y, strict=True)}
    assert all(rows.get(tuple(row)) == label for row, label in zip(X_new, y_new, strict=True)), \
        "oversampling only copies examples, with their class"


def test_random_undersampling_keeps_a_subset():
    X, y = _imbalanced()
    X_new, y_new = random_undersample(X, y, seed=0)
    assert np.bincount(y_new).tolist() == [3, 3, 3]
    X_kept, y_kept = random_undersample(X, y, target=10, seed=0)
    assert np.bincount(y_kept).tolist() == [10, 6, 3]
    rows = {tuple(row): label for row, label in zip(X, y, strict=True)}
    assert all(rows[tuple(row)] == label for row, label in zip(X_new, y_new, strict=True))


def test_smote_oversampling_tops_up_each_class_within_its_own_points():
    X, y = _imbalanced()
    X_new, y_new = smote_oversample(X, y, k=2, seed=0)
    assert np.bincount(y_new).tolist() == [20, 20, 20]
    np.testing.assert_array_equal(X_new[:29], X)
    for label in (1, 2):
        synthetic = X_new[29:][y_new[29:] == label]
        assert smote_segments(X[y == label], synthetic, k=2)["distance"].max() < 1e-12
    again = smote_oversample(X, y, k=2, seed=0)
    np.testing.assert_array_equal(again[0], X_new)


def test_smote_oversampling_names_the_class_too_small_for_k():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="k=3 is too large for class 2: it has 3 point"):
        smote_oversample(X, y, k=3)
    X_new, y_new = smote_oversample(X, y, k=3, classes=[1], seed=0)  # class 2 left alone
    assert np.bincount(y_new).tolist() == [20, 20, 3]


@pytest.mark.parametrize("function", [random_oversample, random_undersample, smote_oversample])
def test_resamplers_reject_mismatched_labels(function):
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="one label per row"):
        function(X, y[:-1])
    with pytest.raises(ValueError, match="target must be"):
        function(X, y, target=0)


# ------------------------------------------------------------------------- the exercise's check


def test_check_smote_points_accepts_the_reference():
    check_smote_points(SCATTER, smote(SCATTER, 500, k=2, seed=0), 2, "smote")


def _wrong_smotes():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 6, size=500)
    u = rng.random((500, 1))
    nearest = k_nearest_neighbours(SCATTER, 2)
    on_any_pair = SCATTER[base] + u * (SCATTER[rng.integers(0, 6, size=500)] - SCATTER[base])
    only_nearest = SCATTER[base] + u * (SCATTER[nearest[base, 0]] - SCATTER[base])
    beyond = SCATTER[base] + 2 * u * (SCATTER[nearest[base, 1]] - SCATTER[base])
    with_self = np.concatenate([SCATTER[base[:100]], only_nearest[100:]])
    return {
        "a partner that is not a neighbour": (on_any_pair, "away from every segment"),
        "u up to 2": (beyond, "is u between 0 and 1"),
        "each point its own neighbour": (with_self, "copies of examples"),
        "the nearest neighbour only": (only_nearest, "none lies on the segment"),
        "a missing return": (None, "returned None"),
        "a column lost": (only_nearest[:, :1], r"expected \(n_new, 2\)"),
        "NaN": (np.full((3, 2), np.nan), "NaN"),
    }


@pytest.mark.parametrize("case", list(_wrong_smotes()))
def test_check_smote_points_says_what_is_wrong(case):
    new, message = _wrong_smotes()[case]
    with pytest.raises(AssertionError, match=message):
        check_smote_points(SCATTER, new, 2, "smote(SCATTER, 500, k=2)")
