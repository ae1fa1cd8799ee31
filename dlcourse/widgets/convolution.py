"""The convolution explorer of unit 07, and the figures of a convolution it shares with the lesson.

Pick an image and a preset kernel, or type the kernel's nine values, choose the stride and the
padding, and see the feature map: ``conv2d`` of :mod:`dlcourse.nn.conv`, drawn beside the image
and the kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from dlcourse.nn.conv import (
    KERNEL_NAMES,
    KERNELS,
    SEED_IMAGE,
    conv2d,
    conv_output_size,
)
from dlcourse.viz import DIVERGING_CMAP, PALETTE
from dlcourse.widgets._render import FigureView

#: The name of the seed image in the explorer's list.
SEED_IMAGE_NAME = "slides' 5 x 5 binary image"
#: The plankton classes the explorer shows by default, one image each.
DEFAULT_PLANKTON = ("copepod", "diatom_chain", "radiolarian", "appendicularian", "detritus")
#: The kernel picker's entry for a kernel typed by hand.
CUSTOM = "custom"
#: Grids up to this many cells on a side get their values written in them.
ANNOTATE_UP_TO = 9


def plankton_examples(classes: Sequence[str] = DEFAULT_PLANKTON, size: int = 64,
                      seed: int = 7) -> dict[str, np.ndarray]:
    """One generated plankton image of each class in ``classes``, by class name.

    Parameters
    ----------
    classes : sequence of str
        Class names of :data:`dlcourse.data.plankton.CLASS_NAMES`.
    size : int
        Side of the images, in pixels.
    seed : int
        Seed of the balanced set the images are taken from.

    Returns
    -------
    dict of str to ndarray of shape (size, size)
    """
    from dlcourse.data.plankton import CLASS_NAMES, make_plankton

    unknown = [name for name in classes if name not in CLASS_NAMES]
    if unknown:
        raise ValueError(f"unknown plankton class(es) {unknown}; the classes are {CLASS_NAMES}")
    data = make_plankton(n=4 * len(CLASS_NAMES), size=size, seed=seed, balanced=True)
    return {name: data.images[np.flatnonzero(data.labels == CLASS_NAMES.index(name))[0]]
            for name in classes}


def default_images() -> dict[str, np.ndarray]:
    """The explorer's images: the slides' binary image, then a few plankton images."""
    images = {SEED_IMAGE_NAME: SEED_IMAGE.astype(float)}
    images.update({name.replace("_", " "): image
                   for name, image in plankton_examples().items()})
    return images


def _symmetric_limit(values: np.ndarray) -> float:
    limit = float(np.max(np.abs(values))) if values.size else 0.0
    return limit if limit > 0 else 1.0


def _write_values(ax: Axes, values: np.ndarray, offset: int = 0) -> None:
    limit = _symmetric_limit(values)
    for (row, col), value in np.ndenumerate(values):
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
        ax.text(col + offset, row + offset, text, ha="center", va="center", fontsize=9,
                color="white" if abs(value) > 0.6 * limit else "black")


def draw_image(ax: Axes, image: np.ndarray, title: str, padding: int = 0,
               kernel_shape: tuple[int, int] | None = None, stride: int = 1) -> None:
    """Draw an image in grey, its zero padding outlined, and the kernel's first two windows.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    image : ndarray of shape (H, W)
    title : str
    padding : int
        Zeros drawn around the image (a dashed line marks the original border).
    kernel_shape : (int, int), optional
        Outline the first window of the kernel (solid) and the next one along the row
        (dotted), ``stride`` pixels further.
    stride : int
    """
    padded = np.pad(np.asarray(image, dtype=float), padding)
    low, high = min(float(padded.min()), 0.0), max(float(padded.max()), 1.0)
    ax.imshow(padded, cmap="gray", vmin=low, vmax=high)
    height, width = padded.shape
    if height <= ANNOTATE_UP_TO and width <= ANNOTATE_UP_TO:
        for (row, col), value in np.ndenumerate(padded):
            ax.text(col, row, f"{value:g}", ha="center", va="center", fontsize=9,
                    color="black" if value > (low + high) / 2 else "white")
    if padding:
        ax.add_patch(Rectangle((padding - 0.5, padding - 0.5), width - 2 * padding,
                               height - 2 * padding, fill=False, linestyle="--",
                               edgecolor=PALETTE[4], linewidth=1.5, label="image border"))
    if kernel_shape is not None:
        kh, kw = kernel_shape
        ax.add_patch(Rectangle((-0.5, -0.5), kw, kh, fill=False, edgecolor=PALETTE[1],
                               linewidth=2.5, label="first window"))
        if stride + kw <= width:
            ax.add_patch(Rectangle((stride - 0.5, -0.5), kw, kh, fill=False, linestyle=":",
                                   edgecolor=PALETTE[1], linewidth=2, label="next window"))
    ax.set_title(title)
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")


def draw_kernel(ax: Axes, kernel: np.ndarray, title: str = "kernel") -> None:
    """Draw a kernel with the course's diverging colour map (0 in white) and its values."""
    kernel = np.asarray(kernel, dtype=float)
    limit = _symmetric_limit(kernel)
    ax.imshow(kernel, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit)
    if max(kernel.shape) <= ANNOTATE_UP_TO:
        _write_values(ax, kernel)
        ax.set_xticks(range(kernel.shape[1]))
        ax.set_yticks(range(kernel.shape[0]))
    ax.set_title(title)
    ax.set_xlabel("column (weight)")
    ax.set_ylabel("row (weight)")


def draw_feature_map(ax: Axes, feature_map: np.ndarray, title: str = "feature map") -> None:
    """Draw a feature map: diverging colours when it has negative values, grey otherwise."""
    feature_map = np.asarray(feature_map, dtype=float)
    if feature_map.min() < 0:
        limit = _symmetric_limit(feature_map)
        ax.imshow(feature_map, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit)
    else:
        ax.imshow(feature_map, cmap="gray", vmin=0, vmax=max(float(feature_map.max()), 1e-12))
    if max(feature_map.shape) <= ANNOTATE_UP_TO:
        _write_values(ax, feature_map)
    ax.set_title(title)
    ax.set_xlabel("output column")
    ax.set_ylabel("output row")


def plot_convolution(image, kernel, stride: int = 1, padding: int = 0,
                     title: str | None = None) -> Figure:
    """Three panels: the (padded) image, the kernel, and the feature map ``conv2d`` computes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from dlcourse.nn.conv import SEED_KERNEL
    >>> fig = plot_convolution(SEED_IMAGE, SEED_KERNEL)
    >>> [ax.get_title() for ax in fig.axes]
    ['image 5 x 5', 'kernel 3 x 3', 'feature map 3 x 3']
    >>> plt.close(fig)
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    output = conv2d(image, kernel, stride=stride, padding=padding)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), layout="constrained")
    draw_image(axes[0], image, _shape_title("image", image.shape)
               + (f", padding {padding}" if padding else ""), padding=padding,
               kernel_shape=kernel.shape, stride=stride)
    draw_kernel(axes[1], kernel, _shape_title("kernel", kernel.shape))
    draw_feature_map(axes[2], output, _shape_title("feature map", output.shape)
                     + (f", stride {stride}" if stride > 1 else ""))
    if title:
        fig.suptitle(title)
    return fig


def plot_feature_maps(maps, title: str, ncols: int = 8, names: Sequence[str] | None = None
                      ) -> Figure:
    """A grid of feature maps (one per channel), each with its own grey scale.

    Parameters
    ----------
    maps : array of shape (channels, H, W)
    title : str
    ncols : int
        Maps per row.
    names : sequence of str, optional
        A title per map (default: "channel k").

    Returns
    -------
    matplotlib.figure.Figure
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (channels, H, W), got {maps.shape}")
    count = maps.shape[0]
    ncols = max(1, min(int(ncols), count))
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols + 0.4, 1.75 * nrows + 0.5),
                             squeeze=False, layout="constrained")
    for index, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= count:
            ax.set_visible(False)
            continue
        ax.imshow(maps[index], cmap="gray")
        ax.set_title(names[index] if names is not None else f"channel {index}", fontsize=9)
    fig.suptitle(f"{title} ({maps.shape[1]} x {maps.shape[2]} pixels each)")
    return fig


def _shape_title(what: str, shape: tuple[int, ...]) -> str:
    return f"{what} {shape[0]} x {shape[1]}"


class ConvolutionExplorer:
    """Choose an image and a 3 x 3 kernel, a stride and a padding; see the feature map.

    Parameters
    ----------
    images : mapping of str to array of shape (H, W), optional
        The images to choose from; by default the slides' 5 x 5 binary image and one
        generated plankton image of a few classes (:func:`default_images`).
    image : str, optional
        The image shown first (default: the first one).
    kernel : str
        The preset shown first, a key of :data:`dlcourse.nn.conv.KERNELS`.
    stride, padding : int
        The settings shown first (stride 1 to 3, padding 0 to 3).

    Attributes
    ----------
    image_picker, kernel_picker : ipywidgets.Dropdown
        The image shown, and the preset kernel (``"custom"`` once a value is typed).
    kernel_cells : list of ipywidgets.FloatText
        The kernel's nine values, row by row.
    stride_slider, padding_slider : ipywidgets.IntSlider
    note : ipywidgets.HTML
        The output size, computed with the formula.
    figure : matplotlib.figure.Figure
        Three panels: image, kernel, feature map.
    widget : ipywidgets.VBox
        The whole explorer.

    Examples
    --------
    >>> explorer = ConvolutionExplorer()
    >>> explorer.feature_map()
    array([[4., 3., 4.],
           [2., 4., 3.],
           [2., 3., 4.]])
    >>> explorer.kernel_picker.value = "identity"
    >>> explorer.feature_map().shape
    (3, 3)
    """

    def __init__(self, images: Mapping[str, np.ndarray] | None = None, image: str | None = None,
                 kernel: str = "seed", stride: int = 1, padding: int = 0):
        images = default_images() if images is None else dict(images)
        if not images:
            raise ValueError("images must hold at least one image")
        self.images = {str(name): self._checked_image(name, value)
                       for name, value in images.items()}
        image = next(iter(self.images)) if image is None else image
        if image not in self.images:
            raise ValueError(f"unknown image {image!r}; the images are {list(self.images)}")
        if kernel not in KERNELS:
            raise ValueError(f"unknown kernel {kernel!r}; the kernels are {list(KERNELS)}")
        for name, value, high in (("stride", stride, 3), ("padding", padding, 3)):
            low = 1 if name == "stride" else 0
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
                    low <= value <= high):
                raise ValueError(f"{name} must be an integer from {low} to {high}, "
                                 f"got {value!r}")
        self._updating = False
        self.image_picker = widgets.Dropdown(options=list(self.images), value=image,
                                             description="image")
        self.kernel_picker = widgets.Dropdown(
            options=[(KERNEL_NAMES[name], name) for name in KERNELS] + [(CUSTOM, CUSTOM)],
            value=kernel, description="kernel", layout=widgets.Layout(width="360px"))
        self.kernel_cells = [widgets.FloatText(value=float(v), step=0.1,
                                               layout=widgets.Layout(width="64px"))
                             for v in KERNELS[kernel].ravel()]
        self.stride_slider = widgets.IntSlider(value=int(stride), min=1, max=3,
                                               description="stride")
        self.padding_slider = widgets.IntSlider(value=int(padding), min=0, max=3,
                                                description="padding")
        self.note = widgets.HTML()
        self._view = FigureView(ncols=3, width=4.2, height=3.9)
        self.figure = self._view.figure
        grid = widgets.GridBox(self.kernel_cells, layout=widgets.Layout(
            grid_template_columns="repeat(3, 70px)"))
        controls = widgets.VBox([self.image_picker, self.kernel_picker, self.stride_slider,
                                 self.padding_slider])
        self.widget = widgets.VBox([
            widgets.HBox([controls, widgets.VBox([widgets.HTML("kernel values"), grid])]),
            self.note, self._view.output,
        ])
        self.kernel_picker.observe(self._on_preset, names="value")
        for cell in self.kernel_cells:
            cell.observe(self._on_cell, names="value")
        for control in (self.image_picker, self.stride_slider, self.padding_slider):
            control.observe(self._redraw, names="value")
        self._redraw()

    @staticmethod
    def _checked_image(name, value) -> np.ndarray:
        try:
            image = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"image {name!r} must be a 2-D array of numbers") from None
        if image.ndim != 2 or min(image.shape) < 3:
            raise ValueError(f"image {name!r} must be a 2-D array at least 3 x 3, "
                             f"got shape {image.shape}")
        if not np.all(np.isfinite(image)):
            raise ValueError(f"image {name!r} holds NaN or infinite values")
        return image

    @property
    def image(self) -> np.ndarray:
        """The image shown."""
        return self.images[self.image_picker.value]

    @property
    def kernel(self) -> np.ndarray:
        """The kernel's values as typed, a 3 x 3 array."""
        return np.array([cell.value for cell in self.kernel_cells], dtype=float).reshape(3, 3)

    @property
    def stride(self) -> int:
        """The stride chosen, in pixels."""
        return int(self.stride_slider.value)

    @property
    def padding(self) -> int:
        """The zero padding chosen, in pixels on each side."""
        return int(self.padding_slider.value)

    @property
    def draw_count(self) -> int:
        """How many times the figure has been drawn."""
        return self._view.draw_count

    def set_kernel(self, values) -> None:
        """Type nine values into the kernel (array-like of shape (3, 3)), then redraw once."""
        values = np.asarray(values, dtype=float)
        if values.shape != (3, 3):
            raise ValueError(f"the kernel must be 3 x 3, got shape {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("the kernel's values must be finite numbers")
        self._fill_cells(values)
        self._match_preset()
        self._redraw()

    def feature_map(self) -> np.ndarray:
        """The feature map of the image shown: ``conv2d(image, kernel, stride, padding)``."""
        return conv2d(self.image, self.kernel, stride=self.stride, padding=self.padding)

    def output_shape(self) -> tuple[int, int]:
        """The feature map's shape by the formula ``floor((n + 2p - k) / s) + 1``."""
        height, width = self.image.shape
        return (conv_output_size(height, 3, self.stride, self.padding),
                conv_output_size(width, 3, self.stride, self.padding))

    def describe_shape(self) -> str:
        """The output size computed with the formula, in words (for the note)."""
        height, width = self.image.shape
        out_h, out_w = self.output_shape()
        p, s = self.padding, self.stride
        return (f"output height = ⌊({height} + 2·{p} − 3) / {s}⌋ + 1 = {out_h}, "
                f"width = ⌊({width} + 2·{p} − 3) / {s}⌋ + 1 = {out_w}: "
                f"{out_h * out_w} outputs, each a weighted sum of 9 pixels")

    def _fill_cells(self, values: np.ndarray) -> None:
        self._updating = True
        try:
            for cell, value in zip(self.kernel_cells, values.ravel(), strict=True):
                cell.value = float(value)
        finally:
            self._updating = False

    def _match_preset(self) -> None:
        """Show the preset the typed values equal, or "custom"."""
        kernel = self.kernel
        match = next((name for name, preset in KERNELS.items() if np.allclose(preset, kernel)),
                     CUSTOM)
        if self.kernel_picker.value != match:
            self._updating = True
            try:
                self.kernel_picker.value = match
            finally:
                self._updating = False

    def _on_preset(self, change: dict | None = None) -> None:
        if self._updating or self.kernel_picker.value == CUSTOM:
            return
        self._fill_cells(KERNELS[self.kernel_picker.value])
        self._redraw()

    def _on_cell(self, change: dict | None = None) -> None:
        if self._updating:
            return
        self._match_preset()
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        ax_image, ax_kernel, ax_map = self._view.clear()
        image, kernel = self.image, self.kernel
        output = self.feature_map()
        draw_image(ax_image, image, f"{self.image_picker.value} ({image.shape[0]} x "
                   f"{image.shape[1]})", padding=self.padding, kernel_shape=kernel.shape,
                   stride=self.stride)
        name = KERNEL_NAMES.get(self.kernel_picker.value, CUSTOM)
        draw_kernel(ax_kernel, kernel, f"kernel: {name}")
        draw_feature_map(ax_map, output, _shape_title("feature map", output.shape)
                         + f" (stride {self.stride}, padding {self.padding})")
        self.note.value = self.describe_shape()
        self._view.show()

    def _ipython_display_(self) -> None:
        display(self.widget)
