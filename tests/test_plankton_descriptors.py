"""Native descriptors: known shapes, the batch against single images, the hull, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from dlcourse.data.plankton import make_plankton
from dlcourse.data.plankton.descriptors import (
    DESCRIPTOR_COLUMNS,
    auto_threshold,
    native_descriptors,
    object_mask,
)

ROWS, COLS = np.mgrid[:64, :64]


def disc(radius: float) -> np.ndarray:
    return ((COLS - 31.5) ** 2 + (ROWS - 31.5) ** 2 <= radius**2).astype(np.float32)


def rectangle(length: float, width: float, degrees: float = 0.0) -> np.ndarray:
    """A bright rectangle, its long side turned ``degrees`` counter-clockwise on screen."""
    angle = np.radians(degrees)
    x, y = COLS - 31.5, ROWS - 31.5
    if degrees % 90:  # off the pixel grid's symmetries, so that no pixel centre is on an edge
        x, y = x + 0.21, y - 0.37
    along = x * np.cos(angle) - y * np.sin(angle)
    across = x * np.sin(angle) + y * np.cos(angle)
    return ((np.abs(along) <= length / 2) & (np.abs(across) <= width / 2)).astype(np.float32)


def describe(image: np.ndarray):
    return native_descriptors(image, threshold=0.5).iloc[0]


def test_columns_are_the_documented_ones():
    table = native_descriptors(np.stack([disc(10), disc(5)]), threshold=0.5)
    assert list(table.columns) == list(DESCRIPTOR_COLUMNS)
    assert len(table) == 2 and table.notna().all().all()


def test_disc_of_radius_20():
    row = describe(disc(20))
    assert row["area"] == disc(20).sum()
    assert row["esd"] == pytest.approx(40, rel=0.01)
    assert row["perimeter"] == pytest.approx(2 * np.pi * 20, rel=0.02)
    assert row["major"] == pytest.approx(40, rel=0.01)
    assert row["minor"] == pytest.approx(40, rel=0.01)
    assert row["eccentricity"] < 0.05 and row["elongation"] == pytest.approx(1, abs=0.01)
    assert row["circularity"] == pytest.approx(1, abs=0.03)
    assert 0.95 < row["solidity"] <= 1.0
    assert row["feret"] == pytest.approx(40, rel=0.03)
    assert row["feret_min"] == pytest.approx(40, rel=0.03)


def test_axis_aligned_rectangle_of_40_by_10():
    row = describe(rectangle(40, 10))
    assert row["area"] == 400
    # The ellipse with the second moments of a rectangle: axes 4 * side / sqrt(12).
    assert row["major"] == pytest.approx(4 * 40 / np.sqrt(12), rel=1e-9)
    assert row["minor"] == pytest.approx(4 * 10 / np.sqrt(12), rel=1e-9)
    assert row["elongation"] == pytest.approx(4, rel=1e-9)
    assert row["angle"] == pytest.approx(0, abs=1e-9)
    assert row["convex_area"] == pytest.approx(400, rel=1e-9)
    assert row["solidity"] == pytest.approx(1, rel=1e-9)
    assert row["feret"] == pytest.approx(np.hypot(40, 10), rel=0.01)
    assert row["feret_min"] == pytest.approx(10, rel=1e-9)
    assert row["perimeter"] == pytest.approx(100, rel=0.07)


@pytest.mark.parametrize("degrees", [30.0, 45.0, 120.0])
def test_turned_rectangle_keeps_its_shape_and_gives_its_angle(degrees):
    row = describe(rectangle(40, 10, degrees))
    assert row["angle"] == pytest.approx(degrees, abs=1.0)
    assert row["area"] == pytest.approx(400, rel=0.03)
    assert row["elongation"] == pytest.approx(4, rel=0.05)
    assert row["solidity"] > 0.88
    assert row["feret"] == pytest.approx(np.hypot(40, 10), rel=0.03)
    assert row["feret_min"] == pytest.approx(10, rel=0.12)
    assert row["perimeter"] == pytest.approx(100, rel=0.07)


def test_concave_shapes_have_low_solidity():
    ell = np.zeros((64, 64), dtype=np.float32)
    ell[10:40, 10:14] = 1.0
    ell[36:40, 10:40] = 1.0
    row = describe(ell)
    assert row["area"] == 224
    assert row["solidity"] < 0.45
    assert describe(disc(15))["solidity"] > 2 * row["solidity"]


def test_grey_level_statistics_of_a_ramp():
    image = np.zeros((32, 32))
    ramp = np.linspace(0.5, 1.0, 100)
    image[10:20, 10:20] = ramp.reshape(10, 10)
    row = native_descriptors(image, threshold=0.4).iloc[0]
    assert row["grey_mean"] == pytest.approx(0.75)
    assert row["grey_std"] == pytest.approx(ramp.std())
    assert (row["grey_min"], row["grey_max"]) == (pytest.approx(0.5), pytest.approx(1.0))
    assert row["grey_skew"] == pytest.approx(0.0, abs=1e-9)
    assert row["grey_kurtosis"] == pytest.approx(-1.2, abs=0.01)  # a uniform distribution


def test_mask_keeps_the_largest_object_only():
    image = disc(6).copy()
    image[:3, :3] = 1.0  # a speck of 9 pixels
    image[60, 60] = 1.0
    mask = object_mask(image, threshold=0.5)[0]
    assert mask.sum() == disc(6).sum() and not mask[:3, :3].any()


def test_pixel_size_converts_lengths_and_areas():
    in_pixels = describe(rectangle(30, 12, 20))
    in_mm = native_descriptors(rectangle(30, 12, 20), threshold=0.5, pixel_size=0.1).iloc[0]
    for column in ("esd", "perimeter", "major", "minor", "feret", "feret_min"):
        assert in_mm[column] == pytest.approx(0.1 * in_pixels[column])
    for column in ("area", "convex_area"):
        assert in_mm[column] == pytest.approx(0.01 * in_pixels[column])
    for column in ("solidity", "circularity", "elongation", "grey_mean", "angle"):
        assert in_mm[column] == pytest.approx(in_pixels[column])


def test_a_batch_gives_what_single_images_give():
    data = make_plankton(n=24, size=48, seed=11)
    batch = native_descriptors(data.images)
    for i in (0, 5, 17, 23):
        single = native_descriptors(data.images[i])
        np.testing.assert_allclose(batch.iloc[i].to_numpy(), single.iloc[0].to_numpy(),
                                   rtol=1e-9, err_msg=f"image {i}")


def test_hull_matches_scipy_on_generated_objects():
    data = make_plankton(n=40, seed=5, balanced=True)
    table = native_descriptors(data.images)
    masks = object_mask(data.images)
    for i, mask in enumerate(masks):
        rows, cols = np.nonzero(mask)
        points = np.column_stack([cols, rows]).astype(float)
        hull = ConvexHull(points)
        # The hull of the pixel centres grown by half a pixel (see DESCRIPTOR_COLUMNS).
        assert table["convex_area"][i] == pytest.approx(
            max(hull.volume + 0.5 * hull.area + np.pi / 4, mask.sum()), rel=1e-9)
        assert table["convex_perimeter"][i] == pytest.approx(hull.area + np.pi, rel=1e-9)
        corners = points[hull.vertices]
        longest = np.sqrt(((corners[:, None] - corners[None]) ** 2).sum(-1)).max()
        assert table["feret"][i] == pytest.approx(longest + 1, rel=1e-9)


def test_auto_threshold_finds_every_generated_organism():
    data = make_plankton(n=400, seed=2)
    thresholds = auto_threshold(data.images)
    assert (thresholds > data.metadata["background"]).all()
    table = native_descriptors(data.images)
    assert table.notna().all().all()
    assert (table["area"] >= 10).all()


def test_descriptors_tell_the_classes_apart():
    data = make_plankton(n=400, seed=4, balanced=True)
    medians = native_descriptors(data.images).groupby(data.label_names).median()
    assert medians.loc["chaetognath", "elongation"] > 5
    assert medians.loc["radiolarian", "elongation"] < 1.3
    assert medians.loc["radiolarian", "solidity"] < medians.loc["fecal_pellet", "solidity"] - 0.2
    assert medians.loc["detritus", "circularity"] > medians.loc["copepod", "circularity"]


def test_an_empty_image_gets_nan_and_a_warning():
    images = np.stack([np.zeros((16, 16)), disc(20)[24:40, 24:40]])
    with pytest.warns(RuntimeWarning, match="1 image"):
        table = native_descriptors(images, threshold=0.5)
    assert table["area"][0] == 0 and table.iloc[0].drop("area").isna().all()
    assert table.iloc[1].notna().all()


@pytest.mark.parametrize(
    ("images", "kwargs", "message"),
    [(np.zeros(64), {}, "images must have shape"),
     (np.zeros((2, 2, 64, 64)), {}, "images must have shape"),
     (np.zeros((1, 2, 2)), {}, "at least 3 x 3"),
     (np.full((1, 8, 8), "a"), {}, "real numbers"),
     (np.zeros((1, 8, 8)), {"threshold": "otsu"}, "threshold must be"),
     (np.zeros((1, 8, 8)), {"pixel_size": 0}, "pixel_size must be")],
)
def test_bad_input_gets_a_clear_error(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        native_descriptors(images, **kwargs)
