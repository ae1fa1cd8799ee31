"""One neuron with sliders for w1, w2 and b, drawing its decision line over 2-D data."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from dlcourse.nn import neuron_forward
from dlcourse.viz import label_axes, plot_decision_boundary, scatter_classes
from dlcourse.widgets._render import FigureView


def _validate(X: np.ndarray, y: np.ndarray, class_names: Sequence[str],
              feature_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Check the explorer's data and return it as arrays; raise ValueError naming what is wrong."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (n_points, 2) with n_points >= 1, got {X.shape}")
    if not np.isfinite(X).all():
        rows = np.flatnonzero(~np.isfinite(X).all(axis=1))
        raise ValueError(f"X holds NaN or infinite values, in rows {rows[:5].tolist()}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must have one label per row of X: X has {X.shape[0]} rows, y has shape {y.shape}"
        )
    if not np.isin(y, (-1, 1)).all():
        bad = np.unique(y[~np.isin(y, (-1, 1))]).tolist()
        raise ValueError(f"y must hold only the labels -1 and +1, got {bad}")
    for name, value in (("class_names", class_names), ("feature_names", feature_names)):
        if isinstance(value, str) or len(value) != 2:
            raise ValueError(f"{name} must be two names, got {value!r}")
    return X, y.astype(int)


def _limits(values: np.ndarray, margin: float = 0.1) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = margin * (high - low) or 1.0
    return low - pad, high + pad


class NeuronExplorer:
    """Move w1, w2 and b of one neuron and watch its decision line w1 x1 + w2 x2 + b = 0.

    The neuron says +1 where w1 x1 + w2 x2 + b > 0, else -1 (the rule of
    :class:`dlcourse.nn.Perceptron`). The figure shades the two sides with the course's
    diverging colour map and draws the weight vector w, which points to the +1 side.

    Parameters
    ----------
    X : array of shape (n_points, 2)
        The data.
    y : array of shape (n_points,)
        Labels -1 and +1.
    class_names : (str, str)
        Names of class -1 and class +1, for the legend.
    feature_names : (str, str)
        Axis labels, with units.
    w1, w2, b : float
        The starting weights and bias.
    weight_range, bias_range : (float, float)
        The range of the weight sliders and of the bias slider.

    Attributes
    ----------
    w1_slider, w2_slider, b_slider : ipywidgets.FloatSlider
    accuracy_label : ipywidgets.HTML
        The accuracy, updated live.
    figure : matplotlib.figure.Figure
        Redrawn on every change.
    widget : ipywidgets.VBox
        The whole explorer.

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [-1.0, -1.0]])
    >>> explorer = NeuronExplorer(X, [1, -1])
    >>> explorer.set_weights(-1.0, 0.0, 0.0)
    >>> explorer.accuracy
    0.0
    """

    def __init__(self, X: np.ndarray, y: np.ndarray,
                 class_names: Sequence[str] = ("class -1", "class +1"),
                 feature_names: Sequence[str] = ("x1", "x2"),
                 w1: float = 1.0, w2: float = 1.0, b: float = 0.0,
                 weight_range: tuple[float, float] = (-5.0, 5.0),
                 bias_range: tuple[float, float] = (-5.0, 5.0)):
        self.X, self.y = _validate(X, y, class_names, feature_names)
        self.class_names = tuple(class_names)
        self.feature_names = tuple(feature_names)
        self.xlim = _limits(self.X[:, 0])
        self.ylim = _limits(self.X[:, 1])

        def slider(description: str, value: float, bounds: tuple[float, float]):
            return widgets.FloatSlider(
                value=value, min=min(bounds[0], value), max=max(bounds[1], value), step=0.01,
                description=description, continuous_update=True, readout_format=".3f",
            )

        self.w1_slider = slider("w1", w1, weight_range)
        self.w2_slider = slider("w2", w2, weight_range)
        self.b_slider = slider("b", b, bias_range)
        self.accuracy_label = widgets.HTML()
        self._view = FigureView(ncols=1, width=5.5, height=4.5)
        self.figure = self._view.figure
        self.widget = widgets.VBox([
            widgets.HBox([self.w1_slider, self.w2_slider, self.b_slider]),
            self.accuracy_label, self._view.output,
        ])
        self._holding = False
        for s in (self.w1_slider, self.w2_slider, self.b_slider):
            s.observe(self._redraw, names="value")
        self._redraw()

    @property
    def weights(self) -> np.ndarray:
        """The weight vector (w1, w2) the sliders show."""
        return np.array([self.w1_slider.value, self.w2_slider.value])

    @property
    def bias(self) -> float:
        """The bias b the slider shows."""
        return float(self.b_slider.value)

    @property
    def draw_count(self) -> int:
        """How many times the figure has been drawn."""
        return self._view.draw_count

    def scores(self) -> np.ndarray:
        """Return the raw scores w1 x1 + w2 x2 + b of every point."""
        return neuron_forward(self.X, self.weights, self.bias)

    def predict(self) -> np.ndarray:
        """Return the neuron's label of every point: +1 where the score is > 0, else -1."""
        return np.where(self.scores() > 0, 1, -1)

    @property
    def accuracy(self) -> float:
        """The fraction of points on their own class's side of the line."""
        return float(np.mean(self.predict() == self.y))

    def set_weights(self, w1: float, w2: float, b: float) -> None:
        """Move the three sliders at once (widening a slider's range if needed); redraw once."""
        values = {"w1": float(w1), "w2": float(w2), "b": float(b)}
        for name, value in values.items():
            if not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        self._holding = True
        try:
            for s, value in zip((self.w1_slider, self.w2_slider, self.b_slider), values.values(),
                                strict=True):
                s.min, s.max = min(s.min, value), max(s.max, value)
                s.value = value
        finally:
            self._holding = False
        self._redraw()

    def decision_line(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Return two points ``(x1s, x2s)`` of the line w · x + b = 0 spanning the plot.

        None when w = (0, 0): then there is no line, every point gets the same label.
        """
        (w1, w2), b = self.weights, self.bias
        if w1 == 0 and w2 == 0:
            return None
        if abs(w2) >= abs(w1):  # closer to horizontal: x2 as a function of x1
            x1s = np.array(self.xlim)
            return x1s, -(w1 * x1s + b) / w2
        x2s = np.array(self.ylim)
        return -(w2 * x2s + b) / w1, x2s

    def _accuracy_text(self) -> str:
        right = int(np.sum(self.predict() == self.y))
        return (f"<b>accuracy: {self.accuracy:.1%}</b> ({right} of {len(self.y)} points on "
                f"their class's side of the line)")

    def _draw_weight_vector(self, ax) -> None:
        """Draw w from the point of the line nearest the centre of the plot."""
        w, b = self.weights, self.bias
        centre = np.array([np.mean(self.xlim), np.mean(self.ylim)])
        foot = centre - (centre @ w + b) / (w @ w) * w
        span = min(self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0])
        tip = foot + 0.15 * span * w / np.linalg.norm(w)
        ax.annotate("", xy=tip, xytext=foot,
                    arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.5})
        ax.annotate("w", xy=tip, xytext=(3, 3), textcoords="offset points")

    def _redraw(self, change: dict | None = None) -> None:
        if self._holding:
            return
        (ax,) = self._view.clear()
        w, b = self.weights, self.bias
        plot_decision_boundary(ax, lambda grid: neuron_forward(grid, w, b), self.xlim, self.ylim,
                               resolution=100)
        scatter_classes(ax, self.X, self.y, class_names=self.class_names, zorder=3)
        line = self.decision_line()
        if line is not None:
            ax.plot(*line, color="black", linewidth=1.5, label="w1 x1 + w2 x2 + b = 0")
            self._draw_weight_vector(ax)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.legend(loc="best", framealpha=0.9)
        label_axes(ax, f"w = ({w[0]:.2f}, {w[1]:.2f}), b = {b:.2f}: accuracy {self.accuracy:.1%}",
                   *self.feature_names)
        self.accuracy_label.value = self._accuracy_text()
        self._view.show()

    def _ipython_display_(self) -> None:
        display(self.widget)
