"""The plankton image generator: determinism, class frequencies, values, splits, bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcourse.data.plankton import (
    CLASS_FREQUENCIES,
    CLASS_NAMES,
    RARE_CLASSES,
    SPLITS,
    PlanktonSet,
    class_counts,
    load_split,
    make_plankton,
    plot_gallery,
)

# A fingerprint of make_plankton(40, seed=0): the first labels, and the 4 x 4 block means of
# the first three images. It changes when the drawing or the random stream changes (a new
# numpy, another platform): then look at the images before updating it. Compared to 5e-4,
# so that floating-point rounding, which differs between processors, does not count.
FINGERPRINT_LABELS = [0, 2, 0, 1, 1, 0, 0, 4, 1, 0, 0, 1, 1, 2, 2, 3, 5, 5, 1, 0]
FINGERPRINT_BLOCKS = np.array([
    [[0.0863, 0.0877, 0.0876, 0.0875], [0.0877, 0.0901, 0.1258, 0.0885],
     [0.0861, 0.0909, 0.1219, 0.0908], [0.0865, 0.0892, 0.0867, 0.0894]],
    [[0.0321, 0.0348, 0.0344, 0.0328], [0.0341, 0.0622, 0.0745, 0.0346],
     [0.0349, 0.0348, 0.0939, 0.0357], [0.0345, 0.0347, 0.0343, 0.0314]],
    [[0.0808, 0.0831, 0.0752, 0.0764], [0.0797, 0.2305, 0.1554, 0.0787],
     [0.0798, 0.2117, 0.2432, 0.0791], [0.0750, 0.0790, 0.0765, 0.0800]],
])


@pytest.fixture(scope="module")
def imbalanced() -> PlanktonSet:
    return make_plankton(n=3000, seed=0)


def test_same_seed_same_images_other_seed_other_images():
    first = make_plankton(n=120, size=48, seed=7)
    second = make_plankton(n=120, size=48, seed=7)
    other = make_plankton(n=120, size=48, seed=8)
    assert np.array_equal(first.images, second.images)
    assert np.array_equal(first.labels, second.labels)
    assert first.metadata.equals(second.metadata)
    assert not np.allclose(first.images, other.images)


def test_images_match_the_stored_fingerprint():
    data = make_plankton(n=40, seed=0)
    assert data.labels[:20].tolist() == FINGERPRINT_LABELS, "the label stream changed"
    blocks = data.images[:3].reshape(3, 4, 16, 4, 16).mean(axis=(2, 4))
    worst = float(np.abs(blocks - FINGERPRINT_BLOCKS).max())
    assert worst < 5e-4, f"the images changed (largest block-mean difference {worst:.2e})"


def test_class_frequencies_are_the_stated_ones(imbalanced):
    shares = imbalanced.counts().to_numpy() / len(imbalanced)
    stated = np.array([CLASS_FREQUENCIES[name] for name in CLASS_NAMES])
    np.testing.assert_allclose(shares, stated, atol=1 / 3000)
    assert 0.35 <= shares.max() <= 0.45, "the commonest class should hold about 40 %"
    assert shares.argmax() == CLASS_NAMES.index("detritus")
    for name in RARE_CLASSES:
        assert 0.01 <= shares[CLASS_NAMES.index(name)] <= 0.03, name
    assert len(RARE_CLASSES) == 2


def test_balanced_sets_have_equal_classes():
    data = make_plankton(n=160, size=32, seed=1, balanced=True)
    assert data.counts().tolist() == [20] * 8


@pytest.mark.parametrize("n", [1, 7, 8, 99, 1001, 3000])
@pytest.mark.parametrize("balanced", [False, True])
def test_class_counts_add_up(n, balanced):
    counts = class_counts(n, balanced)
    assert counts.sum() == n and (counts >= 0).all()
    assert counts.max() - counts.min() <= (1 if balanced else n)


def test_images_are_float32_in_the_unit_interval(imbalanced):
    images = imbalanced.images
    assert images.shape == (3000, 64, 64) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert imbalanced.labels.dtype == np.int64
    # A dark background with a brighter organism in the middle of every image.
    border = np.concatenate([images[:, :3].reshape(3000, -1), images[:, -3:].reshape(3000, -1)],
                            axis=1).mean(axis=1)
    centre = images[:, 24:40, 24:40].max(axis=(1, 2))
    assert (border < 0.2).all()
    assert (centre > border + 0.15).mean() > 0.99


def test_other_sizes_draw_the_same_organisms():
    small = make_plankton(n=20, size=32, seed=3)
    large = make_plankton(n=20, size=128, seed=3)
    assert large.images.shape == (20, 128, 128)
    assert np.array_equal(small.labels, large.labels)
    shrunk = large.images.reshape(20, 32, 4, 32, 4).mean(axis=(2, 4))
    correlation = np.corrcoef(shrunk.ravel(), small.images.ravel())[0, 1]
    assert correlation > 0.8


def test_metadata_describes_each_image(imbalanced):
    meta = imbalanced.metadata
    assert list(meta["class_name"]) == list(imbalanced.label_names)
    assert meta["angle_deg"].between(0, 360).all()
    assert meta["blur_px"].between(0.8, 2.2).all()
    assert meta["shift_x_px"].abs().max() <= 0.1 * 32


def test_subset_keeps_images_labels_and_metadata_together(imbalanced):
    rare = imbalanced.subset(imbalanced.labels == CLASS_NAMES.index("copepod_with_eggs"))
    assert len(rare) == 45
    assert set(rare.label_names) == {"copepod_with_eggs"}
    assert (rare.metadata["class_name"] == "copepod_with_eggs").all()
    assert "45 images" in repr(rare)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n": 0}, "n must be"), ({"n": 2.5}, "n must be"), ({"size": 8}, "size must be"),
     ({"seed": -1}, "seed must be"), ({"balanced": "yes"}, "balanced must be")],
)
def test_bad_arguments_get_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_plankton(**{"n": 10, **kwargs})


def test_plankton_set_checks_its_shapes():
    with pytest.raises(ValueError, match="labels must have shape"):
        PlanktonSet(np.zeros((3, 8, 8)), np.zeros(2, dtype=int), ("a",))
    with pytest.raises(ValueError, match="labels must lie"):
        PlanktonSet(np.zeros((2, 8, 8)), np.array([0, 3]), ("a", "b"))


def test_splits_have_distinct_seeds_and_documented_purposes():
    assert {"train", "validation", "test", "extractor-train", "extractor-test"} <= set(SPLITS)
    seeds = [split.seed for split in SPLITS.values()]
    assert len(set(seeds)) == len(seeds) and 0 not in seeds
    assert SPLITS["extractor-train"].balanced and not SPLITS["train"].balanced
    small = load_split("validation", n=50, size=32)
    assert np.array_equal(small.images, make_plankton(50, 32, seed=SPLITS["validation"].seed,
                                                      balanced=False).images)
    with pytest.raises(ValueError, match="unknown split 'training'"):
        load_split("training")


def test_gallery_shows_every_class():
    data = make_plankton(n=64, size=32, seed=0, balanced=True)
    fig = plot_gallery(data, per_class=3)
    assert fig._suptitle.get_text().startswith("64 images")
    labelled = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert labelled == [name.replace("_", " ") for name in CLASS_NAMES]
    plt.close(fig)
    with pytest.raises(ValueError, match="per_class"):
        plot_gallery(data, per_class=0)
