"""The playground's view as a matplotlib figure, and as a PNG file.

:func:`view_figure` draws what the widget shows, in three panels: the network (a thumbnail of
every neuron's output over the plane, links whose width is ``|w|`` and whose colour is the sign
of ``w``), the output over ``[-6, 6]²`` with the data points, and the loss curves (with a
pinned run "A" beside them when one is given). :func:`save_png` writes it to a file of a fixed
size in pixels, for slides and reports.

Examples
--------
>>> from dlcourse.playground import Playground
>>> pg = Playground(dataset="xor", hidden=(4,), seed=0).train(epochs=20)
>>> fig = view_figure(pg)
>>> [ax.get_title() for ax in fig.axes][1:3]
['Output at epoch 20', 'Loss curves']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure

from dlcourse.playground import inspect
from dlcourse.viz import DIVERGING_CMAP, PALETTE

#: Pixels of the saved PNG at the default size: width, height.
DEFAULT_SIZE = (1500, 500)
GRID_RESOLUTION = 100
THUMB_RESOLUTION = 20
EXTENT = (-6.0, 6.0, -6.0, 6.0)
#: The output map is drawn lighter than the points, as in the widget and TF Playground.
HEAT_STRENGTH = 0.6
FEATURE_LABELS = {"x1": "$x_1$", "x2": "$x_2$", "x1^2": "$x_1^2$", "x2^2": "$x_2^2$",
                  "x1*x2": "$x_1 x_2$", "sin(x1)": r"$\sin x_1$", "sin(x2)": r"$\sin x_2$"}
#: The diverging colour map at the output map's strength: its ends are 60 % of the full colours.
LIGHT_CMAP = ListedColormap(DIVERGING_CMAP(np.linspace(0.5 - HEAT_STRENGTH / 2,
                                                       0.5 + HEAT_STRENGTH / 2, 256)))
LOSS_NAMES = {"half_squared_error": "half squared error", "cross_entropy": "cross-entropy",
              "mse": "mean squared error"}


def _class_colors(n: int) -> np.ndarray:
    return np.array([to_rgb(PALETTE[k % len(PALETTE)]) for k in range(n)])


def class_image(classes: np.ndarray, confidence: np.ndarray, n_classes: int) -> np.ndarray:
    """An RGB image: each cell in its class's colour, white when undecided.

    Parameters
    ----------
    classes : ndarray of int, shape (h, w)
    confidence : ndarray, shape (h, w)
        Probability of the predicted class, from ``1 / n_classes`` to 1.
    n_classes : int

    Returns
    -------
    ndarray, shape (h, w, 3)
        ``white + s (colour - white)`` with ``s`` the confidence rescaled to [0, 1], times 0.6
        (the widget's strength).
    """
    colors = _class_colors(n_classes)[np.asarray(classes, int)]
    floor = 1.0 / n_classes
    strength = np.clip((np.asarray(confidence) - floor) / (1.0 - floor), 0.0, 1.0)
    return 1.0 + (HEAT_STRENGTH * strength)[..., None] * (colors - 1.0)


def _grid_points(resolution: int) -> np.ndarray:
    axis = np.linspace(EXTENT[0], EXTENT[1], resolution)
    x1, x2 = np.meshgrid(axis, axis)  # row i has x2 = axis[i]: drawn with origin="lower"
    return np.column_stack([x1.ravel(), x2.ravel()])


def _n_classes(pg: Any) -> int:
    return int(getattr(pg, "n_classes", 2) or 2)


def _draw_output(ax: Any, pg: Any, show_test: bool, discretize: bool) -> None:
    res = GRID_RESOLUTION
    points = _grid_points(res)
    k = _n_classes(pg)
    if pg.problem == "classification" and k > 2:
        classes, confidence = inspect.class_confidence(pg, points)
        if discretize:
            confidence = np.ones_like(confidence)
        image = class_image(classes.reshape(res, res), confidence.reshape(res, res), k)
        ax.imshow(image, origin="lower", extent=EXTENT, interpolation="nearest")
    else:
        low, high = inspect.output_range(pg)
        with np.errstate(over="ignore", invalid="ignore"):
            output = pg.predict(points).reshape(res, res)
        middle, half = (low + high) / 2, (high - low) / 2
        scaled = np.clip((output - middle) / half, -1, 1)
        if discretize:
            scaled = np.where(scaled >= 0, 1.0, -1.0)
        image = ax.imshow(scaled, origin="lower", extent=EXTENT, cmap=LIGHT_CMAP, vmin=-1,
                          vmax=1, interpolation="nearest")
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03, ticks=[-1, 0, 1])
        bar.ax.set_yticklabels([f"{low:g}", f"{middle:g}", f"{high:g}"])
        bar.set_label("probability of class 1" if low == 0 else "network output")
    splits = [("train", pg.X_train, pg.y_train, "white")]
    if show_test:
        splits.append(("test", pg.X_test, pg.y_test, "black"))
    for name, X, y, edge in splits:
        if not len(X):
            continue
        if pg.problem == "classification":
            classes = y.astype(int) if k > 2 else (y > 0).astype(int)
            colors = _class_colors(max(k, 2))[classes]
        else:
            colors = DIVERGING_CMAP((np.clip(y, -1, 1) + 1) / 2)
        ax.scatter(X[:, 0], X[:, 1], c=colors, s=14, edgecolors=edge, linewidths=0.6,
                   label=f"{name} points")
    ax.set_xlim(EXTENT[:2])
    ax.set_ylim(EXTENT[2:])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$ (no unit)")
    ax.set_ylabel("$x_2$ (no unit)")
    ax.set_title(f"Output at epoch {pg.epoch}")
    if len(splits) > 1:
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)


def _activation_names(pg: Any) -> list[str]:
    net = pg.network
    return [net._activation_of(layer).name for layer in range(len(net.weights))]


def _draw_network(ax: Any, pg: Any) -> None:
    net = pg.network
    sizes = [net.weights[0].shape[1]] + [w.shape[0] for w in net.weights]
    rows = max(sizes)
    xs = np.linspace(0.0, 1.0, len(sizes))
    node = 0.32 / max(rows, 4)  # half the side of a node

    def y_of(row: int, size: int) -> float:
        return 1.0 - (row + 0.5 + (rows - size) / 2) / rows

    weights = [np.asarray(w) for w in net.weights]
    top = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    for layer, w in enumerate(weights):
        for r in range(w.shape[0]):
            for c in range(w.shape[1]):
                value = w[r, c]
                ax.plot([xs[layer], xs[layer + 1]],
                        [y_of(c, sizes[layer]), y_of(r, sizes[layer + 1])],
                        color=PALETTE[0] if value < 0 else PALETTE[1],
                        linewidth=0.3 + 4.0 * abs(value) / top,
                        alpha=0.35 + 0.65 * min(abs(value), 1.0), zorder=1)
    grids = pg.neuron_grids(THUMB_RESOLUTION)
    low, high = inspect.output_range(pg)
    for layer, layer_grids in enumerate(grids):
        for row, grid in enumerate(layer_grids):
            if layer == len(grids) - 1:  # the output node, on the output's scale
                grid = (grid - (low + high) / 2) / ((high - low) / 2)
            x, y = xs[layer], y_of(row, sizes[layer])
            ax.imshow(np.clip(grid, -1, 1), origin="lower", cmap=DIVERGING_CMAP, vmin=-1, vmax=1,
                      extent=(x - node, x + node, y - node, y + node), zorder=2,
                      interpolation="nearest")
            ax.add_patch(_square(x, y, node))
    for row, name in enumerate(pg.features):
        ax.text(xs[0] - 1.4 * node, y_of(row, sizes[0]), FEATURE_LABELS.get(name, name),
                ha="right", va="center", fontsize=9)
    names = _activation_names(pg)
    for layer in range(1, len(sizes)):
        caption = "output" if layer == len(sizes) - 1 else f"{sizes[layer]} neurons"
        ax.text(xs[layer], 1.02, f"{caption}\n{names[layer - 1]}", ha="center", va="bottom",
                fontsize=8)
    ax.text(xs[0], 1.02, "features", ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.12 - 2 * node, 1.0 + 2 * node)
    ax.set_ylim(-0.02, 1.12)
    ax.set_aspect("auto")
    ax.axis("off")
    shape = " → ".join(str(s) for s in sizes)
    ax.set_title(f"Network {shape}: width |w|, colour sign of w", fontsize=10)


def _square(x: float, y: float, half: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - half, y - half), 2 * half, 2 * half, fill=False, edgecolor="#555",
                     linewidth=0.8, zorder=3)


def _draw_losses(ax: Any, pg: Any, pinned: Mapping[str, Sequence[float]] | None,
                 marker: int | None) -> None:  # fmt: skip
    history = pg.history
    runs = [("", history, "-")]
    if pinned is not None:
        runs.insert(0, (f"{pinned.get('label', 'A')}: ", pinned, "--"))
    colors = {"test": "#000000", "train": "#888888"}
    pinned_colors = {"test": PALETTE[5], "train": "#EDA77F"}
    for prefix, run, style in runs:
        for split in ("test", "train"):
            values = np.asarray(run[f"{split}_loss"], dtype=float)
            color = (pinned_colors if prefix else colors)[split]
            ax.plot(np.asarray(run["epoch"]), values, style, color=color, linewidth=1.5,
                    label=f"{prefix}{split} loss")
    if marker is not None:
        ax.axvline(marker, color="#D55E00", linewidth=1, linestyle=":",
                   label=f"epoch shown ({marker})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({LOSS_NAMES.get(pg.loss_name, pg.loss_name)})")
    ax.set_title("Loss curves")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")


def view_figure(
    pg: Any,
    pinned: Mapping[str, Any] | None = None,
    show_test: bool | None = None,
    discretize: bool | None = None,
    size: tuple[int, int] = DEFAULT_SIZE,
    dpi: int = 100,
    epoch_marker: int | None = None,
) -> Figure:
    """The widget's view of ``pg`` as a matplotlib figure: network, output, loss curves.

    Parameters
    ----------
    pg : Playground
    pinned : mapping, optional
        A pinned run to overlay on the loss chart: ``"epoch"``, ``"train_loss"``,
        ``"test_loss"`` lists and a ``"label"`` (the widget's A/B comparison).
    show_test, discretize : bool, optional
        Draw the test points too; show the output as two colours. By default, the
        playground's ``display`` options.
    size : (int, int)
        Width and height of the figure in pixels.
    dpi : int
        Pixels per inch.
    epoch_marker : int, optional
        Draw a vertical line at this epoch on the loss chart (the scrubber's position).

    Returns
    -------
    matplotlib.figure.Figure
        A figure not registered with pyplot (no window opens; save it or display it).
    """
    display = getattr(pg, "display", {})
    show_test = bool(display.get("show_test_data", False)) if show_test is None else show_test
    discretize = bool(display.get("discretize", False)) if discretize is None else discretize
    width, height = size
    if width < 300 or height < 150:
        raise ValueError(f"size must be at least (300, 150) pixels; got {size!r}")
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    network_ax, output_ax, loss_ax = fig.subplots(1, 3, width_ratios=[1.25, 1.0, 1.1])
    _draw_network(network_ax, pg)
    _draw_output(output_ax, pg, show_test, discretize)
    _draw_losses(loss_ax, pg, pinned, epoch_marker)
    history = pg.history
    fig.suptitle(f"Epoch {pg.epoch}: training loss {history['train_loss'][-1]:.4f}, "
                 f"test loss {history['test_loss'][-1]:.4f}", fontsize=11)
    return fig


def save_png(pg: Any, path: str | Path, **options: Any) -> Path:
    """Write the view of ``pg`` (see :func:`view_figure`) to a PNG file.

    Parameters
    ----------
    pg : Playground
    path : str or Path
        The file to write; its folder must exist.
    **options
        Passed to :func:`view_figure` (``pinned``, ``show_test``, ``size``, ...).

    Returns
    -------
    Path
        ``path``; the image is ``size`` pixels (1500 × 500 by default).

    Examples
    --------
    >>> import tempfile
    >>> from dlcourse.playground import Playground
    >>> folder = tempfile.mkdtemp()
    >>> save_png(Playground(seed=0), f"{folder}/view.png").stat().st_size > 10_000
    True
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: its folder {path.parent} does not exist")
    fig = view_figure(pg, **options)
    fig.savefig(path, format="png", dpi=fig.dpi)
    return path
