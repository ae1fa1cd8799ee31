"""Convolution by hand: the reference operations of unit 07 and the shape arithmetic.

``conv2d`` and ``max_pool2d`` are the readable NumPy versions the lesson shows (one channel,
no kernel flip, as in every deep-learning library); ``torch_conv2d`` runs the same through
``torch.nn.functional.conv2d`` to check them. ``conv_output_size`` is the formula of the
output size, and ``layer_shapes`` measures it layer by layer on a real network.
``small_cnn`` is the unit's small network for 32 x 32 plankton images.

Examples
--------
>>> float(conv2d(SEED_IMAGE, SEED_KERNEL)[0, 0])
4.0
>>> conv_output_size(32, kernel_size=3, stride=2, padding=1)
16
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

if TYPE_CHECKING:  # PyTorch is imported when first needed: the NumPy part loads without it.
    import pandas as pd
    import torch
    from torch import nn

__all__ = [
    "KERNELS",
    "KERNEL_NAMES",
    "SEED_IMAGE",
    "SEED_KERNEL",
    "blob_kernel",
    "cnn_weights",
    "conv2d",
    "conv_output_size",
    "count_parameters",
    "describe_layer",
    "gaussian_kernel",
    "layer_outputs",
    "layer_shapes",
    "max_pool2d",
    "small_cnn",
    "torch_conv2d",
]

#: The 5 x 5 binary image of the convolution example in the Concepts slides of the Master's
#: course.
SEED_IMAGE = np.array([
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 0],
    [0, 1, 1, 0, 0],
])

#: The slides' 3 x 3 kernel (written there as the small factors x1, x0 in the image's corner).
SEED_KERNEL = np.array([
    [1, 0, 1],
    [0, 1, 0],
    [1, 0, 1],
])

#: Preset 3 x 3 kernels, by name: what the convolution explorer offers.
KERNELS: dict[str, np.ndarray] = {
    "seed": SEED_KERNEL.astype(float),
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "box_blur": np.full((3, 3), 1.0 / 9.0),
    "gaussian_blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16.0,
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "blob": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float) / 8.0,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
}

#: What each preset kernel is called on screen, and what it detects.
KERNEL_NAMES: dict[str, str] = {
    "seed": "the slides' kernel (an X of ones)",
    "identity": "identity (copies the image)",
    "box_blur": "box blur (mean of 3 x 3)",
    "gaussian_blur": "Gaussian blur",
    "sobel_x": "vertical edges (Sobel x)",
    "sobel_y": "horizontal edges (Sobel y)",
    "laplacian": "edges in every direction (Laplacian)",
    "blob": "bright spot (centre minus surround)",
    "sharpen": "sharpen",
}


def _as_image(array, name: str) -> np.ndarray:
    try:
        image = np.asarray(array, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a 2-D array of numbers ({error})") from None
    if image.ndim != 2 or 0 in image.shape:
        raise ValueError(f"{name} must be a non-empty 2-D array (height, width), "
                         f"got shape {image.shape}")
    return image


def _as_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Output size of a convolution (or a pooling) along one axis.

    ``floor((size + 2 * padding - kernel_size) / stride) + 1``, as in PyTorch.

    Parameters
    ----------
    size : int
        Input size (height or width), in pixels.
    kernel_size : int
        Size of the kernel (or of the pooling window) along that axis.
    stride : int
        Step between two positions of the kernel.
    padding : int
        Zeros added on each side.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When the kernel does not fit in the padded input, or an argument is not a
        non-negative integer (stride, size and kernel_size at least 1).

    Examples
    --------
    >>> conv_output_size(5, 3)
    3
    >>> conv_output_size(64, kernel_size=2, stride=2)
    32
    """
    size = _as_count(size, "size", 1)
    kernel_size = _as_count(kernel_size, "kernel_size", 1)
    stride = _as_count(stride, "stride", 1)
    padding = _as_count(padding, "padding", 0)
    if kernel_size > size + 2 * padding:
        raise ValueError(f"a kernel of {kernel_size} does not fit in {size} pixels with "
                         f"padding {padding}")
    return (size + 2 * padding - kernel_size) // stride + 1


def conv2d(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Slide ``kernel`` over ``image``: at each position, the sum of their element-wise product.

    This is what deep-learning libraries call a convolution (strictly, a cross-correlation:
    the kernel is not flipped). One channel in, one channel out, no bias.

    Parameters
    ----------
    image : array-like of shape (H, W)
    kernel : array-like of shape (kh, kw)
    stride : int
        Step between two positions of the kernel, in pixels.
    padding : int
        Rows and columns of zeros added on every side of the image first.

    Returns
    -------
    ndarray of shape (conv_output_size(H, kh, stride, padding), conv_output_size(W, ...))
        float64.

    Examples
    --------
    >>> conv2d(SEED_IMAGE, SEED_KERNEL)
    array([[4., 3., 4.],
           [2., 4., 3.],
           [2., 3., 4.]])
    """
    image = _as_image(image, "image")
    kernel = _as_image(kernel, "kernel")
    stride = _as_count(stride, "stride", 1)
    padding = _as_count(padding, "padding", 0)
    for axis in (0, 1):
        conv_output_size(image.shape[axis], kernel.shape[axis], stride, padding)
    padded = np.pad(image, padding)
    windows = sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def torch_conv2d(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The same as :func:`conv2d`, computed by ``torch.nn.functional.conv2d`` (float64).

    Examples
    --------
    >>> float(torch_conv2d(SEED_IMAGE, SEED_KERNEL)[0, 0])
    4.0
    """
    import torch

    stride = _as_count(stride, "stride", 1)
    padding = _as_count(padding, "padding", 0)
    image = torch.as_tensor(_as_image(image, "image"), dtype=torch.float64)
    kernel = torch.as_tensor(_as_image(kernel, "kernel"), dtype=torch.float64)
    output = torch.nn.functional.conv2d(image[None, None], kernel[None, None], stride=stride,
                                        padding=padding)
    return output[0, 0].numpy()


def max_pool2d(image, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Keep the largest value of each ``size`` x ``size`` window (stride = size by default).

    Rows and columns that do not fill a whole window are dropped, as in PyTorch.

    Examples
    --------
    >>> max_pool2d(np.arange(16).reshape(4, 4))
    array([[ 5.,  7.],
           [13., 15.]])
    """
    image = _as_image(image, "image")
    size = _as_count(size, "size", 1)
    stride = size if stride is None else _as_count(stride, "stride", 1)
    for axis in (0, 1):
        conv_output_size(image.shape[axis], size, stride)
    windows = sliding_window_view(image, (size, size))[::stride, ::stride]
    return windows.max(axis=(2, 3))


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """A ``size`` x ``size`` Gaussian blur kernel whose weights add up to 1.

    Examples
    --------
    >>> float(gaussian_kernel(5, 1.0).sum())
    1.0
    """
    size = _as_count(size, "size", 1)
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    offsets = np.arange(size) - (size - 1) / 2
    profile = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def blob_kernel(size: int = 9, sigma: float = 1.5) -> np.ndarray:
    """A bright-spot detector: a narrow Gaussian minus a wide one (a difference of Gaussians).

    Its weights add up to 0, so a flat region gives 0; a bright disc about ``2 * sigma``
    pixels across, on a darker surround, gives the strongest response.

    Examples
    --------
    >>> kernel = blob_kernel(9, 1.5)
    >>> abs(float(kernel.sum())) < 1e-12, bool(kernel[4, 4] > 0 > kernel[0, 4])
    (True, True)
    """
    return gaussian_kernel(size, sigma) - gaussian_kernel(size, 1.6 * sigma)


def small_cnn(n_classes: int = 8, channels: Sequence[int] = (8, 16, 32),
              image_size: int = 32, seed: int | None = None) -> nn.Sequential:
    """The unit's small CNN: blocks of convolution 3 x 3, ReLU and 2 x 2 max pooling, then a
    linear layer from the flattened feature maps to one score per class.

    Every block keeps the size (padding 1) then halves it (pooling), so the last feature maps
    are ``image_size / 2 ** len(channels)`` pixels on a side. Seed PyTorch before calling it
    to get the same initial weights every time.

    Parameters
    ----------
    n_classes : int
    channels : sequence of int
        Feature maps of each block.
    image_size : int
        Side of the square input images; a multiple of ``2 ** len(channels)``.
    seed : int, optional
        Draw the initial weights from this seed, leaving PyTorch's global random state as it
        was; without it they come from (and advance) the global state.

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> import torch
    >>> model = small_cnn()
    >>> tuple(model(torch.zeros(2, 1, 32, 32)).shape), count_parameters(model)
    ((2, 8), 9992)
    >>> bool((small_cnn(seed=0)[0].weight == small_cnn(seed=0)[0].weight).all())
    True
    """
    import torch
    from torch import nn

    if seed is not None:
        seed = _as_count(seed, "seed", 0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return small_cnn(n_classes, channels, image_size)
    n_classes = _as_count(n_classes, "n_classes", 2)
    channels = [_as_count(c, "each number of channels", 1) for c in channels]
    image_size = _as_count(image_size, "image_size", 1)
    if not channels:
        raise ValueError("channels must name at least one block")
    if image_size % 2 ** len(channels):
        raise ValueError(f"image_size must be a multiple of {2 ** len(channels)} for "
                         f"{len(channels)} pooling layers, got {image_size}")
    layers: list[nn.Module] = []
    widths = [1, *channels]
    for c_in, c_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    side = image_size // 2 ** len(channels)
    layers += [nn.Flatten(), nn.Linear(channels[-1] * side * side, n_classes)]
    return nn.Sequential(*layers)


def cnn_weights(model: nn.Sequential) -> dict[str, torch.Tensor]:
    """The weights and biases of a network's layers, named by layer: ``"conv1.weight"``...

    Convolutions are numbered ``conv1``, ``conv2``... and linear layers ``linear`` (or
    ``linear1``, ``linear2``... when there are several), in order; layers without weights
    (ReLU, pooling, flatten) are skipped.

    Parameters
    ----------
    model : torch.nn.Sequential

    Returns
    -------
    dict of str to torch.Tensor
        Detached copies: changing them leaves the model alone.

    Examples
    --------
    >>> weights = cnn_weights(small_cnn(seed=0))
    >>> {name: tuple(w.shape) for name, w in weights.items() if name.startswith("conv2")}
    {'conv2.weight': (16, 8, 3, 3), 'conv2.bias': (16,)}
    """
    from torch import nn

    if not isinstance(model, nn.Sequential):
        raise ValueError(f"model must be a torch.nn.Sequential, got a {type(model).__name__}")
    n_linear = sum(isinstance(layer, nn.Linear) for layer in model)
    counts = {"conv": 0, "linear": 0}
    weights = {}
    for layer in model:
        kind = ("conv" if isinstance(layer, nn.Conv2d)
                else "linear" if isinstance(layer, nn.Linear) else None)
        if kind is None:
            continue
        counts[kind] += 1
        name = "linear" if kind == "linear" and n_linear == 1 else f"{kind}{counts[kind]}"
        for key, value in layer.named_parameters():
            weights[f"{name}.{key}"] = value.detach().clone()
    return weights


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (weights and biases) of ``model``.

    Examples
    --------
    >>> from torch import nn
    >>> count_parameters(nn.Conv2d(1, 8, kernel_size=3))
    80
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def describe_layer(layer: nn.Module) -> str:
    """A layer's type and the settings that decide its output, on one line.

    Convolutions show channels, kernel, stride and padding; pooling its window and stride;
    linear layers their sizes; other layers their type. ``ReLU(inplace=True)`` and ``ReLU()``
    read the same, since they compute the same.

    Examples
    --------
    >>> from torch import nn
    >>> describe_layer(nn.Conv2d(1, 8, kernel_size=3, padding=1))
    'Conv2d(1 -> 8, kernel 3x3, stride 1, padding 1)'
    >>> describe_layer(nn.MaxPool2d(2)), describe_layer(nn.Linear(512, 8))
    ('MaxPool2d(window 2x2, stride 2)', 'Linear(512 -> 8)')
    """
    from torch import nn

    def pair(value) -> tuple[int, int]:
        return tuple(value) if isinstance(value, (tuple, list)) else (value, value)

    def size(value) -> str:
        first, second = pair(value)
        return f"{first}x{second}"

    def single(value) -> str:
        first, second = pair(value)
        return str(first) if first == second else f"{first}x{second}"

    if isinstance(layer, nn.Conv2d):
        bias = "" if layer.bias is not None else ", no bias"
        return (f"Conv2d({layer.in_channels} -> {layer.out_channels}, kernel "
                f"{size(layer.kernel_size)}, stride {single(layer.stride)}, padding "
                f"{single(layer.padding)}{bias})")
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        return (f"{type(layer).__name__}(window {size(layer.kernel_size)}, stride "
                f"{single(layer.stride)})")
    if isinstance(layer, nn.Linear):
        bias = "" if layer.bias is not None else ", no bias"
        return f"Linear({layer.in_features} -> {layer.out_features}{bias})"
    return type(layer).__name__


def _batch(x, name: str = "x") -> torch.Tensor:
    import torch

    x = torch.as_tensor(x) if not torch.is_tensor(x) else x
    if x.ndim == 2:
        x = x[None, None]
    elif x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f"{name} must be an image (H, W), images (n, H, W) or a batch "
                         f"(n, C, H, W), got shape {tuple(x.shape)}")
    return x.float()


def layer_outputs(model: nn.Sequential, x) -> list[tuple[str, torch.Tensor]]:
    """Run ``x`` through a ``nn.Sequential`` and keep the output of every layer.

    Parameters
    ----------
    model : torch.nn.Sequential
    x : array or tensor
        An image (H, W), images (n, H, W) or a batch (n, C, H, W).

    Returns
    -------
    list of (str, torch.Tensor)
        The layer's description (:func:`describe_layer`) and its output, in order.
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Sequential):
        raise ValueError(f"model must be a torch.nn.Sequential, got a {type(model).__name__}")
    was_training = model.training
    model.eval()
    outputs = []
    out = _batch(x)
    try:
        with torch.no_grad():
            for layer in model:
                out = layer(out)
                outputs.append((describe_layer(layer), out))
    finally:
        model.train(was_training)
    return outputs


def layer_shapes(model: nn.Sequential, input_shape: Sequence[int] = (1, 1, 32, 32)
                 ) -> pd.DataFrame:
    """The shape of every layer's output and the layer's parameters, for one input shape.

    Parameters
    ----------
    model : torch.nn.Sequential
    input_shape : sequence of int
        Shape of the input batch, (n, C, H, W).

    Returns
    -------
    pandas.DataFrame
        One row per layer: ``layer``, ``output shape`` (without the batch axis) and
        ``parameters``.

    Examples
    --------
    >>> layer_shapes(small_cnn())["output shape"].tolist()[:3]
    ['8 x 32 x 32', '8 x 32 x 32', '8 x 16 x 16']
    """
    import pandas as pd
    import torch

    shape = tuple(int(n) for n in input_shape)
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"input_shape must be (n, C, H, W) of positive sizes, "
                         f"got {tuple(input_shape)}")
    outputs = layer_outputs(model, torch.zeros(shape))
    rows = []
    for (description, out), layer in zip(outputs, model, strict=True):
        rows.append({"layer": description,
                     "output shape": " x ".join(str(n) for n in out.shape[1:]),
                     "parameters": count_parameters(layer)})
    return pd.DataFrame(rows)
