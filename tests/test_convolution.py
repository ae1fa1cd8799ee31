"""Unit 07's library: convolution by hand, the shape arithmetic, the small CNN, the explorer.

Every reference operation is checked against PyTorch's own and against an explicit loop
written here; the explorer is driven headless, like the explorers of unit 01.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from dlcourse.nn.conv import (
    KERNEL_NAMES,
    KERNELS,
    SEED_IMAGE,
    SEED_KERNEL,
    blob_kernel,
    cnn_weights,
    conv2d,
    conv_output_size,
    count_parameters,
    describe_layer,
    gaussian_kernel,
    layer_outputs,
    layer_shapes,
    max_pool2d,
    small_cnn,
    torch_conv2d,
)
from dlcourse.widgets import ConvolutionExplorer
from dlcourse.widgets.convolution import (
    CUSTOM,
    SEED_IMAGE_NAME,
    plankton_examples,
    plot_convolution,
    plot_feature_maps,
)


def loop_conv2d(image, kernel, stride=1, padding=0):
    """The definition, one output at a time: an independent check of the vectorised version."""
    image = np.pad(np.asarray(image, dtype=float), padding)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    rows = range(0, image.shape[0] - kh + 1, stride)
    cols = range(0, image.shape[1] - kw + 1, stride)
    return np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel) for j in cols] for i in rows])


# ------------------------------------------------------------------ the slides' example


def test_the_slides_example_first_output_is_4_and_the_whole_map():
    first = np.sum(SEED_IMAGE[:3, :3] * SEED_KERNEL)
    assert first == 4, "the slides give 4 for the first output"
    feature_map = conv2d(SEED_IMAGE, SEED_KERNEL)
    assert feature_map[0, 0] == 4
    np.testing.assert_array_equal(feature_map, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    np.testing.assert_array_equal(feature_map, loop_conv2d(SEED_IMAGE, SEED_KERNEL))
    assert set(np.unique(SEED_IMAGE)) == {0, 1}, "the slides' image is binary"


# ------------------------------------------------------------------ conv2d


@pytest.mark.parametrize(("shape", "kernel_shape", "stride", "padding"), [
    ((5, 5), (3, 3), 1, 0),
    ((7, 9), (3, 3), 2, 1),
    ((8, 6), (2, 3), 3, 2),
    ((6, 6), (6, 6), 1, 0),
    ((4, 5), (1, 1), 1, 0),
    ((10, 10), (5, 3), 2, 0),
])
def test_conv2d_matches_torch_and_the_explicit_loop(shape, kernel_shape, stride, padding):
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=shape), rng.normal(size=kernel_shape)
    ours = conv2d(image, kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(ours, torch_conv2d(image, kernel, stride, padding), atol=1e-12)
    np.testing.assert_allclose(ours, loop_conv2d(image, kernel, stride, padding), atol=1e-12)
    expected_shape = tuple(conv_output_size(n, k, stride, padding)
                           for n, k in zip(shape, kernel_shape, strict=True))
    assert ours.shape == expected_shape and ours.dtype == np.float64


def test_conv2d_does_not_flip_the_kernel():
    image = np.zeros((3, 3))
    image[0, 0] = 1.0
    kernel = np.arange(9.0).reshape(3, 3)
    assert conv2d(image, kernel)[0, 0] == kernel[0, 0]  # a flipped kernel would give 8


def test_conv2d_accepts_lists_and_integers():
    np.testing.assert_array_equal(conv2d(SEED_IMAGE.tolist(), SEED_KERNEL.tolist()),
                                  conv2d(SEED_IMAGE.astype(float), SEED_KERNEL.astype(float)))


@pytest.mark.parametrize(("image", "kernel", "kwargs", "match"), [
    (np.ones(5), np.ones((3, 3)), {}, r"image must be a non-empty 2-D array.*\(5,\)"),
    (np.ones((5, 5)), np.ones((3, 3, 1)), {}, r"kernel must be a non-empty 2-D array"),
    (np.ones((2, 2)), np.ones((3, 3)), {}, "a kernel of 3 does not fit in 2 pixels"),
    (np.ones((5, 5)), np.ones((3, 3)), {"stride": 0}, "stride must be an integer >= 1"),
    (np.ones((5, 5)), np.ones((3, 3)), {"padding": -1}, "padding must be an integer >= 0"),
    (np.ones((5, 5)), np.ones((3, 3)), {"stride": 1.5}, "stride must be an integer"),
    ([["a", "b"]], np.ones((1, 1)), {}, "image must be a 2-D array of numbers"),
])
def test_conv2d_refuses_bad_input_with_a_message(image, kernel, kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv2d(image, kernel, **kwargs)


# ------------------------------------------------------------------ shapes and pooling


def test_conv_output_size_matches_torch_for_many_settings():
    for size, kernel, stride, padding in itertools.product((5, 8, 13), (1, 2, 3, 5), (1, 2, 3),
                                                           (0, 1, 2)):
        if kernel > size + 2 * padding:
            with pytest.raises(ValueError, match="does not fit"):
                conv_output_size(size, kernel, stride, padding)
            continue
        layer = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
        out = layer(torch.zeros(1, 1, size, size))
        assert conv_output_size(size, kernel, stride, padding) == out.shape[-1], (
            size, kernel, stride, padding)
    assert isinstance(conv_output_size(7, 3, 2), int)


@pytest.mark.parametrize("kwargs", [
    {"size": 0, "kernel_size": 1}, {"size": 5, "kernel_size": 0},
    {"size": 5, "kernel_size": 3, "stride": True}, {"size": 5.0, "kernel_size": 3},
])
def test_conv_output_size_refuses_what_is_not_a_size(kwargs):
    with pytest.raises(ValueError, match="must be an integer"):
        conv_output_size(**kwargs)


def test_max_pool2d_matches_torch_and_drops_incomplete_windows():
    image = np.random.default_rng(1).normal(size=(7, 9))
    for size, stride in ((2, None), (3, None), (2, 1), (3, 2)):
        expected = nn.functional.max_pool2d(torch.tensor(image)[None, None], size,
                                            stride=stride)[0, 0].numpy()
        np.testing.assert_array_equal(max_pool2d(image, size, stride), expected)
    assert max_pool2d(image).shape == (3, 4)


def test_gaussian_and_blob_kernels():
    gauss = gaussian_kernel(7, 1.2)
    assert gauss.shape == (7, 7) and abs(gauss.sum() - 1) < 1e-12
    np.testing.assert_allclose(gauss, gauss.T)
    assert gauss[3, 3] == gauss.max()
    blob = blob_kernel(9, 1.5)
    assert abs(blob.sum()) < 1e-12 and blob[4, 4] == blob.max() and blob[0, 4] < 0
    # A bright disc answers strongly at its centre; a flat bright square, not at all inside it.
    yy, xx = np.mgrid[:21, :21]
    disc = ((yy - 10) ** 2 + (xx - 10) ** 2 <= 9).astype(float)
    flat = np.ones((21, 21))
    assert conv2d(disc, blob).max() > 10 * abs(conv2d(flat, blob)).max()
    with pytest.raises(ValueError, match="sigma must be positive"):
        gaussian_kernel(5, 0.0)


def test_every_preset_kernel_is_3_by_3_and_named():
    assert set(KERNELS) == set(KERNEL_NAMES)
    for name, kernel in KERNELS.items():
        assert kernel.shape == (3, 3), name
    np.testing.assert_array_equal(KERNELS["seed"], SEED_KERNEL)
    assert abs(KERNELS["laplacian"].sum()) < 1e-12 and abs(KERNELS["sobel_x"].sum()) < 1e-12


# ------------------------------------------------------------------ the small CNN


def test_small_cnn_shapes_and_parameters():
    model = small_cnn()
    assert tuple(model(torch.zeros(3, 1, 32, 32)).shape) == (3, 8)
    # Conv weights 9·c_in·c_out plus c_out biases; the linear layer (32·4·4)·8 + 8.
    expected = sum(9 * a * b + b for a, b in ((1, 8), (8, 16), (16, 32))) + 32 * 4 * 4 * 8 + 8
    assert count_parameters(model) == expected
    table = layer_shapes(model)
    assert table["output shape"].tolist() == [
        "8 x 32 x 32", "8 x 32 x 32", "8 x 16 x 16", "16 x 16 x 16", "16 x 16 x 16",
        "16 x 8 x 8", "32 x 8 x 8", "32 x 8 x 8", "32 x 4 x 4", "512", "8"]
    assert table["parameters"].sum() == expected
    other = small_cnn(n_classes=3, channels=(4,), image_size=16)
    assert tuple(other(torch.zeros(2, 1, 16, 16)).shape) == (2, 3)
    assert layer_shapes(other, (1, 1, 16, 16))["output shape"].tolist()[-2:] == ["256", "3"]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"image_size": 30}, "image_size must be a multiple of 8"),
    ({"channels": ()}, "at least one block"),
    ({"n_classes": 1}, "n_classes must be an integer >= 2"),
    ({"channels": (8, 0)}, "each number of channels must be an integer >= 1"),
])
def test_small_cnn_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        small_cnn(**kwargs)


def test_layer_outputs_keep_every_layer_and_restore_the_mode():
    torch.manual_seed(0)
    model = small_cnn()
    model.train()
    image = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    outputs = layer_outputs(model, image)
    assert len(outputs) == len(model) and outputs[0][0].startswith("Conv2d(1 -> 8")
    assert model.training, "the model's mode is restored"
    with torch.no_grad():
        np.testing.assert_allclose(outputs[-1][1].numpy(), model(torch.tensor(image)[None, None]))
    assert tuple(layer_outputs(model, np.zeros((4, 32, 32)))[0][1].shape) == (4, 8, 32, 32)
    with pytest.raises(ValueError, match="must be a torch.nn.Sequential"):
        layer_outputs(nn.Linear(2, 2), image)
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        layer_outputs(model, np.zeros(5))
    with pytest.raises(ValueError, match="input_shape must be"):
        layer_shapes(model, (32, 32))


# ------------------------------------------------------------------ figures


def test_plot_convolution_draws_the_three_panels():
    fig = plot_convolution(SEED_IMAGE, SEED_KERNEL, padding=1, stride=2, title="seed")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["image 5 x 5, padding 1", "kernel 3 x 3", "feature map 3 x 3, stride 2"]
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(),
                                  conv2d(SEED_IMAGE, SEED_KERNEL, stride=2, padding=1))
    written = [text.get_text() for text in fig.axes[2].texts]
    assert len(written) == 9
    plt.close(fig)


def test_plot_feature_maps_one_panel_per_channel():
    maps = np.random.default_rng(0).random((5, 6, 6))
    fig = plot_feature_maps(maps, "maps", ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 5 and visible[4].get_title() == "channel 4"
    assert "6 x 6 pixels" in fig._suptitle.get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match=r"maps must have shape \(channels, H, W\)"):
        plot_feature_maps(np.zeros((6, 6)), "bad")


# ------------------------------------------------------------------ the explorer


def test_the_explorer_starts_on_the_slides_example():
    explorer = ConvolutionExplorer()
    assert explorer.image_picker.value == SEED_IMAGE_NAME
    assert explorer.kernel_picker.value == "seed"
    np.testing.assert_array_equal(explorer.feature_map(), conv2d(SEED_IMAGE, SEED_KERNEL))
    np.testing.assert_array_equal(explorer.figure.axes[2].images[0].get_array(),
                                  explorer.feature_map())
    assert "= 3" in explorer.note.value


@pytest.mark.parametrize("name", list(KERNELS))
def test_a_preset_fills_the_nine_cells_and_redraws_once(name):
    explorer = ConvolutionExplorer(image="copepod", kernel="identity" if name != "identity"
                                   else "seed")
    draws = explorer.draw_count
    explorer.kernel_picker.value = name
    assert explorer.draw_count == draws + 1
    np.testing.assert_array_equal(explorer.kernel, KERNELS[name])
    np.testing.assert_allclose(explorer.feature_map(), torch_conv2d(explorer.image,
                                                                    KERNELS[name]), atol=1e-9)
    np.testing.assert_allclose(explorer.figure.axes[2].images[0].get_array(),
                               explorer.feature_map())


def test_typing_a_value_makes_the_kernel_custom_and_changes_the_map():
    explorer = ConvolutionExplorer()
    before = explorer.feature_map()
    explorer.kernel_cells[4].value = 0.0  # the centre of the slides' kernel
    assert explorer.kernel_picker.value == CUSTOM
    np.testing.assert_array_equal(explorer.feature_map(), before - SEED_IMAGE[1:4, 1:4])
    explorer.kernel_cells[4].value = 1.0  # back to the slides' kernel
    assert explorer.kernel_picker.value == "seed"
    explorer.kernel_picker.value = CUSTOM  # choosing "custom" keeps the values
    np.testing.assert_array_equal(explorer.kernel, SEED_KERNEL)


def test_set_kernel_shows_a_matching_preset():
    explorer = ConvolutionExplorer()
    draws = explorer.draw_count
    explorer.set_kernel(KERNELS["sobel_y"])
    assert explorer.kernel_picker.value == "sobel_y" and explorer.draw_count == draws + 1
    explorer.set_kernel(np.eye(3))
    assert explorer.kernel_picker.value == CUSTOM
    with pytest.raises(ValueError, match=r"must be 3 x 3, got shape \(2, 2\)"):
        explorer.set_kernel(np.eye(2))
    with pytest.raises(ValueError, match="finite"):
        explorer.set_kernel(np.full((3, 3), np.nan))


@pytest.mark.parametrize(("stride", "padding"), [(1, 1), (2, 0), (3, 2), (2, 3)])
def test_stride_and_padding_change_the_shape_as_the_formula_says(stride, padding):
    explorer = ConvolutionExplorer()
    explorer.image_picker.value = "radiolarian"
    explorer.stride_slider.value = stride
    explorer.padding_slider.value = padding
    image = explorer.image
    expected = torch_conv2d(image, SEED_KERNEL, stride, padding)
    np.testing.assert_allclose(explorer.feature_map(), expected, atol=1e-9)
    assert explorer.output_shape() == expected.shape
    assert f"= {expected.shape[0]}," in explorer.note.value
    assert f"stride {stride}, padding {padding}" in explorer.figure.axes[2].get_title()


def test_the_image_picker_changes_the_image_and_its_map():
    explorer = ConvolutionExplorer()
    explorer.image_picker.value = "diatom chain"
    assert explorer.image.shape == (64, 64)
    assert explorer.figure.axes[0].get_title().startswith("diatom chain")
    assert explorer.feature_map().shape == (62, 62)


def test_your_own_images():
    image = np.arange(36.0).reshape(6, 6)
    explorer = ConvolutionExplorer(images={"ramp": image}, kernel="sobel_x")
    # A ramp that rises by 1 per column: Sobel x gives (1 + 2 + 1) * 2 everywhere.
    np.testing.assert_allclose(explorer.feature_map(), np.full((4, 4), 8.0))
    assert explorer._view.render_png().startswith(b"\x89PNG")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"kernel": "emboss"}, "unknown kernel 'emboss'.*sobel_x"),
    ({"image": "fish"}, "unknown image 'fish'"),
    ({"stride": 0}, "stride must be an integer from 1 to 3"),
    ({"padding": 4}, "padding must be an integer from 0 to 3"),
    ({"images": {}}, "at least one image"),
    ({"images": {"flat": np.ones(9)}}, r"image 'flat' must be a 2-D array at least 3 x 3"),
    ({"images": {"nan": np.full((4, 4), np.nan)}}, "NaN or infinite"),
])
def test_the_explorer_refuses_bad_settings_with_a_message(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConvolutionExplorer(**kwargs)


def test_plankton_examples_one_image_per_class():
    images = plankton_examples(("copepod", "radiolarian"), size=32)
    assert list(images) == ["copepod", "radiolarian"]
    assert all(image.shape == (32, 32) for image in images.values())
    with pytest.raises(ValueError, match="unknown plankton class"):
        plankton_examples(("jellyfish",))


def test_small_cnn_with_a_seed_is_reproducible_and_leaves_the_global_state():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    first, second = small_cnn(seed=5), small_cnn(seed=5)
    after = torch.rand(3)
    np.testing.assert_array_equal(before, after)
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(small_cnn(seed=6)[0].weight, first[0].weight)


def test_cnn_weights_name_every_layer_with_weights():
    model = small_cnn(n_classes=3, seed=0)
    weights = cnn_weights(model)
    assert list(weights) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                             "conv3.weight", "conv3.bias", "linear.weight", "linear.bias"]
    assert tuple(weights["linear.weight"].shape) == (3, 512)
    assert torch.equal(weights["conv2.weight"], model[3].weight)
    weights["conv1.bias"] += 1.0
    assert not torch.equal(weights["conv1.bias"], model[0].bias), "copies, not the model's own"
    two = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
    assert list(cnn_weights(two)) == ["linear1.weight", "linear1.bias", "linear2.weight"]
    with pytest.raises(ValueError, match="must be a torch.nn.Sequential"):
        cnn_weights(nn.Linear(2, 2))


@pytest.mark.parametrize(("layer", "expected"), [
    (nn.Conv2d(1, 8, 3, padding=1), "Conv2d(1 -> 8, kernel 3x3, stride 1, padding 1)"),
    (nn.Conv2d(2, 4, (3, 5), stride=(1, 2), bias=False),
     "Conv2d(2 -> 4, kernel 3x5, stride 1x2, padding 0, no bias)"),
    (nn.MaxPool2d(2), "MaxPool2d(window 2x2, stride 2)"),
    (nn.AvgPool2d(3, stride=1), "AvgPool2d(window 3x3, stride 1)"),
    (nn.Linear(512, 8), "Linear(512 -> 8)"),
    (nn.ReLU(inplace=True), "ReLU"),
    (nn.Flatten(), "Flatten"),
])
def test_describe_layer(layer, expected):
    assert describe_layer(layer) == expected
