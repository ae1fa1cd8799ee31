"""The course palette and the plotting functions every unit shares.

One colour per class across the whole course (the Okabe-Ito palette, safe for the common
forms of colour blindness), and one diverging colour map for every decision boundary and
heatmap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, ListedColormap

#: Okabe-Ito colours, in the order classes are coloured across the course.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

#: The diverging colour map of every decision boundary and heatmap: negative scores take the
#: colour of class 0 (label -1), positive ones the colour of class 1 (label +1), white at 0.
DIVERGING_CMAP = LinearSegmentedColormap.from_list(
    "dlcourse_diverging", [PALETTE[0], "#FFFFFF", PALETTE[1]]
)

#: Marker per class, so that classes stay distinct in grey-scale prints.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")


def class_color(index: int) -> str:
    """Return the course colour of class ``index`` (0-based).

    Examples
    --------
    >>> class_color(0)
    '#0072B2'
    """
    if index < 0:
        raise ValueError(f"class index must be >= 0, got {index}")
    return PALETTE[index % len(PALETTE)]


def class_cmap(n_classes: int) -> ListedColormap:
    """Return a colour map with the course colours of ``n_classes`` classes."""
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    return ListedColormap([class_color(i) for i in range(n_classes)])


def label_axes(ax: Axes, title: str, xlabel: str, ylabel: str) -> Axes:
    """Give ``ax`` a title and labelled axes (include units in the labels), and return it."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def _as_points(X: np.ndarray, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n_points, 2), got {X.shape}")
    return X


def scatter_classes(
    ax: Axes,
    X: np.ndarray,
    y: np.ndarray,
    class_names: Sequence[str] | None = None,
    **kwargs,
) -> Axes:
    """Scatter 2-D points coloured and marked by class, with a legend.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    X : array of shape (n_points, 2)
        The points.
    y : array of shape (n_points,)
        Integer class labels 0, 1, ... (a label of -1 is read as class 0, so ±1 labels work).
    class_names : sequence of str, optional
        Legend entries, one per class.
    **kwargs
        Passed to ``ax.scatter``.
    """
    X = _as_points(X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    labels = np.where(y < 0, 0, y).astype(int)
    classes = np.unique(labels)
    for k in classes:
        mask = labels == k
        name = class_names[k] if class_names is not None and k < len(class_names) else f"class {k}"
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            color=class_color(int(k)),
            marker=MARKERS[int(k) % len(MARKERS)],
            edgecolor="white",
            linewidth=0.6,
            label=name,
            **kwargs,
        )
    if len(classes) > 1 or class_names is not None:
        ax.legend(loc="best", framealpha=0.9)
    return ax


def plot_decision_boundary(
    ax: Axes,
    score: Callable[[np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 200,
    center: float = 0.0,
) -> Axes:
    """Shade the plane by the sign of a score function, with the course's diverging colour map.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    score : callable
        Maps points, an array of shape (m, 2), to scores of shape (m,) (a raw neuron output, a
        probability...); the boundary is where the score equals ``center``.
    xlim, ylim : (float, float)
        The extent of the plane.
    resolution : int
        Grid points per axis.
    center : float
        The score at the boundary (0 for a raw neuron output, 0.5 for a probability).
    """
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    scores = np.asarray(score(grid), dtype=float)
    if scores.shape != (grid.shape[0],):
        raise ValueError(
            f"score must map ({grid.shape[0]}, 2) points to shape ({grid.shape[0]},), "
            f"got {scores.shape}"
        )
    scores = scores.reshape(gx.shape)
    span = float(np.nanmax(np.abs(scores - center))) or 1.0
    ax.contourf(
        gx, gy, scores, levels=21, cmap=DIVERGING_CMAP, vmin=center - span, vmax=center + span,
        alpha=0.35,
    )
    ax.contour(gx, gy, scores, levels=[center], colors="black", linewidths=1.5)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax


def new_figure(ncols: int = 1, width: float = 5.0, height: float = 4.0):
    """Return ``(fig, axes)`` with the course's size per panel and a tight layout."""
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), layout="constrained")
    return fig, axes
