"""Look at a feature space: PCA or t-SNE maps of images' features, coloured by class.

Each image is a point in a space of 20 native descriptors or 192 deep features. A map in two
dimensions shows whether the classes form separate groups there, which is what a classifier
needs. PCA keeps the two directions of largest variance (a projection: distances are
faithful, groups may overlap); t-SNE places the points so that near neighbours stay near
(groups show well, but distances between groups and group sizes mean little).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import display

from dlcourse.viz import MARKERS, class_color, label_axes
from dlcourse.widgets._render import FigureView

__all__ = ["METHODS", "FeatureSpaceExplorer", "neighbour_agreement"]

#: The maps the explorer draws.
METHODS = ("PCA", "t-SNE")
_TSNE_INPUT_DIMENSIONS = 50  # t-SNE runs on the first 50 principal components, as usual
_BACKGROUND = "#BBBBBB"


def neighbour_agreement(points, labels) -> np.ndarray:
    """For each point, whether its nearest other point has the same class (True or False).

    The mean of the result is a simple measure of how well a map (or a feature space) keeps
    the classes apart: near 1 when every class forms its own group.

    Examples
    --------
    >>> neighbour_agreement([[0.0], [0.1], [5.0], [5.1]], [0, 0, 1, 1]).tolist()
    [True, True, True, True]
    """
    from sklearn.neighbors import NearestNeighbors  # imported on first use: it takes a while

    points = np.asarray(points, dtype=np.float64)
    labels = np.asarray(labels)
    if points.ndim != 2 or labels.shape != (len(points),) or len(points) < 2:
        raise ValueError(f"points must have shape (n, d) with n >= 2 and labels shape (n,), "
                         f"got {points.shape} and {labels.shape}")
    _, index = NearestNeighbors(n_neighbors=2).fit(points).kneighbors(points)
    return labels[index[:, 1]] == labels


def _validate(feature_sets: Mapping[str, np.ndarray], labels,
              class_names: Sequence[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    if not isinstance(feature_sets, Mapping) or not feature_sets:
        raise ValueError("feature_sets must be a dict of name -> array (n_images, n_features), "
                         "with at least one entry")
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) < 3:
        raise ValueError(f"labels must be a 1-D array of at least 3 labels, got shape "
                         f"{labels.shape}")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= len(class_names):
        raise ValueError(f"labels must be integers from 0 to {len(class_names) - 1} "
                         f"(one per class name), got values {np.unique(labels)[:10].tolist()}")
    sets = {}
    for name, values in feature_sets.items():
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] != len(labels) or array.shape[1] < 2:
            raise ValueError(f"feature set {name!r} must have shape ({len(labels)}, d) with "
                             f"d >= 2 (one row per label), got {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"feature set {name!r} holds NaN or infinite values")
        sets[str(name)] = array
    return sets, labels.astype(np.int64)


def _subsample(labels: np.ndarray, max_points: int, seed: int) -> np.ndarray:
    """Row indices: all rows, or ``max_points`` with every class's share kept (at least 30)."""
    if len(labels) <= max_points:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    keep = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        size = min(len(rows), max(30, round(max_points * len(rows) / len(labels))))
        keep.append(rng.choice(rows, size=size, replace=False))
    return np.sort(np.concatenate(keep))


class FeatureSpaceExplorer:
    """Maps of feature spaces in two dimensions, by PCA or t-SNE, coloured by class.

    Parameters
    ----------
    feature_sets : mapping of str to array of shape (n, d)
        The descriptions to compare, e.g. ``{"native": ..., "deep": ..., "both": ...}``, with
        the same images in the same order.
    labels : array of shape (n,)
        Integer labels, ``k`` meaning ``class_names[k]``.
    class_names : sequence of str
    feature_set : str, optional
        The set shown first (the first one by default).
    method : {"PCA", "t-SNE"}
    perplexity : float
        t-SNE's number of effective neighbours (5 to 50 are common).
    standardize : bool
        Scale every feature to mean 0 and standard deviation 1 first, so that a descriptor in
        square pixels does not outweigh one between 0 and 1.
    max_points : int
        Larger sets are subsampled at random (each class keeps its share, at least 30 points).
    seed : int
        Seeds the subsample and t-SNE: the same seed, the same map.

    Attributes
    ----------
    feature_picker : ipywidgets.Dropdown
    method_picker : ipywidgets.ToggleButtons
    class_picker : ipywidgets.SelectMultiple
        The classes drawn in colour; the others are grey dots in the background.
    perplexity_slider : ipywidgets.IntSlider
        Enabled with t-SNE only.
    status : ipywidgets.HTML
        What the map shows, with its neighbour agreement.
    figure : matplotlib.figure.Figure
    widget : ipywidgets.VBox

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> labels = np.repeat([0, 1], 50)
    >>> features = rng.normal(size=(100, 5)) + 4 * labels[:, None]
    >>> explorer = FeatureSpaceExplorer({"toy": features}, labels, ["a", "b"])
    >>> explorer.embedding().shape, explorer.agreement()
    ((100, 2), 1.0)
    """

    def __init__(self, feature_sets: Mapping[str, np.ndarray], labels,
                 class_names: Sequence[str], feature_set: str | None = None,
                 method: str = "PCA", perplexity: float = 30, standardize: bool = True,
                 max_points: int = 2000, seed: int = 0):
        self.class_names = tuple(str(name) for name in class_names)
        sets, labels = _validate(feature_sets, labels, self.class_names)
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if feature_set is not None and feature_set not in sets:
            raise ValueError(f"feature_set must be one of {list(sets)}, got {feature_set!r}")
        if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 3:
            raise ValueError(f"max_points must be a whole number >= 3, got {max_points!r}")
        self.rows = _subsample(labels, max_points, seed)
        self.labels = labels[self.rows]
        self.feature_sets = {name: array[self.rows] for name, array in sets.items()}
        self.standardize = bool(standardize)
        self.seed = int(seed)
        self._cache: dict[tuple, tuple[np.ndarray, str]] = {}
        most = max(2, min(50, len(self.labels) - 1))
        present = [self.class_names[k] for k in np.unique(self.labels)]
        self.feature_picker = widgets.Dropdown(options=list(self.feature_sets),
                                               value=feature_set or next(iter(self.feature_sets)),
                                               description="features")
        self.method_picker = widgets.ToggleButtons(options=list(METHODS), value=method,
                                                   description="map")
        self.class_picker = widgets.SelectMultiple(options=present, value=tuple(present),
                                                   rows=min(8, len(present)),
                                                   description="classes")
        self.perplexity_slider = widgets.IntSlider(
            value=int(min(max(perplexity, 2), most)), min=2, max=most, step=1,
            description="perplexity", continuous_update=False)
        self.status = widgets.HTML()
        self._view = FigureView(ncols=1, width=7.0, height=5.5)
        self.figure = self._view.figure
        self.widget = widgets.VBox([
            widgets.HBox([self.feature_picker, self.method_picker]),
            widgets.HBox([self.class_picker, self.perplexity_slider]),
            self.status, self._view.output])
        self._holding = False
        for control in (self.feature_picker, self.method_picker, self.class_picker,
                        self.perplexity_slider):
            control.observe(self._redraw, names="value")
        self._redraw()

    @property
    def draw_count(self) -> int:
        """How many times the figure has been drawn."""
        return self._view.draw_count

    def _prepared(self, name: str) -> np.ndarray:
        values = self.feature_sets[name]
        if not self.standardize:
            return values
        spread = values.std(axis=0)
        return (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)

    def embedding(self) -> np.ndarray:
        """The map's coordinates of every shown image, shape (n, 2), for the current settings."""
        return self._embedding()[0]

    def _embedding(self) -> tuple[np.ndarray, str]:
        name, method = self.feature_picker.value, self.method_picker.value
        perplexity = self.perplexity_slider.value if method == "t-SNE" else None
        key = (name, method, perplexity)
        if key not in self._cache:
            from sklearn.decomposition import PCA
            from sklearn.manifold import TSNE
            from threadpoolctl import threadpool_limits

            values = self._prepared(name)
            pca = PCA(n_components=min(values.shape[1], len(values), _TSNE_INPUT_DIMENSIONS),
                      random_state=self.seed).fit(values)
            if method == "PCA":
                points = pca.transform(values)[:, :2]
                kept = pca.explained_variance_ratio_[:2]
                note = (f"the two axes keep {kept.sum():.0%} of the variance "
                        f"({kept[0]:.0%} + {kept[1]:.0%})")
            else:
                # One thread: on a map of a few thousand points, threads that wait for each
                # other cost more than they save (and far more on a busy machine).
                with threadpool_limits(limits=1):
                    points = TSNE(n_components=2, perplexity=perplexity, init="pca",
                                  random_state=self.seed).fit_transform(pca.transform(values))
                note = f"perplexity {perplexity}: distances between groups mean little"
            self._cache[key] = (points, note)
        return self._cache[key]

    def agreement(self) -> float:
        """Share of shown images whose nearest neighbour on the map has the same class."""
        return float(neighbour_agreement(self.embedding(), self.labels).mean())

    def agreement_by_class(self) -> pd.Series:
        """Neighbour agreement of each class's images on the map (rare classes included)."""
        same = neighbour_agreement(self.embedding(), self.labels)
        return pd.Series({self.class_names[k]: float(same[self.labels == k].mean())
                          for k in np.unique(self.labels)}, name="neighbour agreement")

    def set(self, feature_set: str | None = None, method: str | None = None,
            classes: Sequence[str] | None = None, perplexity: int | None = None) -> None:
        """Change several controls at once and redraw once."""
        self._holding = True
        try:
            if feature_set is not None:
                self.feature_picker.value = feature_set
            if method is not None:
                self.method_picker.value = method
            if classes is not None:
                self.class_picker.value = tuple(classes)
            if perplexity is not None:
                self.perplexity_slider.value = perplexity
        finally:
            self._holding = False
        self._redraw()

    def _redraw(self, change: dict | None = None) -> None:
        if self._holding:
            return
        method = self.method_picker.value
        self.perplexity_slider.disabled = method != "t-SNE"
        points, note = self._embedding()
        (ax,) = self._view.clear()
        shown = set(self.class_picker.value)
        background = np.array([self.class_names[k] not in shown for k in self.labels])
        if background.any():
            ax.scatter(points[background, 0], points[background, 1], s=6, color=_BACKGROUND,
                       label="other classes", zorder=1)
        for k in np.unique(self.labels):
            name = self.class_names[k]
            if name not in shown:
                continue
            mask = self.labels == k
            ax.scatter(points[mask, 0], points[mask, 1], s=16, color=class_color(int(k)),
                       marker=MARKERS[int(k) % len(MARKERS)], edgecolor="white",
                       linewidth=0.4, label=f"{name} ({mask.sum()})", zorder=2)
        ax.legend(loc="best", fontsize="small", framealpha=0.9, markerscale=1.5)
        name = self.feature_picker.value
        width = self.feature_sets[name].shape[1]
        axis = "principal component" if method == "PCA" else "t-SNE axis"
        label_axes(ax, f"{method} map of the {name} features ({width} columns)",
                   f"{axis} 1 (no unit)", f"{axis} 2 (no unit)")
        self.status.value = (f"{method} of <b>{name}</b> ({width} features, {len(points)} "
                             f"images): {note}. Nearest neighbour on the map of the same "
                             f"class: <b>{self.agreement():.0%}</b>.")
        self._view.show()

    def _ipython_display_(self) -> None:
        display(self.widget)
