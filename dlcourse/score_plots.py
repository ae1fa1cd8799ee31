"""Figures of classification scores: per-class bars, reliability diagrams, importances.

They draw on a matplotlib ``Axes`` you pass, with titles, labelled axes and legends, so that a
lesson composes them into its own figures.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> from dlcourse.metrics import per_class_report
>>> fig, ax = plt.subplots()
>>> report = per_class_report([0, 0, 1], [0, 1, 1], ["common", "rare"])
>>> _ = plot_class_scores(ax, {"model": report}, rare=["rare"])
>>> [label.get_text() for label in ax.get_xticklabels()]
['common', 'rare (rare)']
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from dlcourse.viz import label_axes

__all__ = ["SERIES_COLORS", "plot_class_scores", "plot_importance", "plot_reliability"]

#: Colours of compared models (not of classes): blue, vermillion, bluish green, purple, grey.
SERIES_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#777777")


def _series_color(index: int) -> str:
    return SERIES_COLORS[index % len(SERIES_COLORS)]


def plot_class_scores(ax: Axes, reports: Mapping[str, pd.DataFrame], column: str = "recall",
                      rare: Sequence[str] = (), title: str | None = None) -> Axes:
    """Grouped bars: one group per class, one bar per model.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    reports : mapping of str to DataFrame
        Per-class reports (:func:`dlcourse.metrics.per_class_report`) by model name, with the
        same classes.
    column : str
        The score to draw (``"recall"``, ``"precision"`` or ``"f1"``).
    rare : sequence of str
        Classes to mark as rare: shaded, and "(rare)" after their name.
    title : str, optional
    """
    if not reports:
        raise ValueError("reports must hold at least one model's report")
    frames = list(reports.values())
    classes = list(frames[0].index)
    if any(list(frame.index) != classes for frame in frames):
        raise ValueError("every report must list the same classes in the same order")
    if column not in frames[0].columns:
        raise ValueError(f"column must be one of {list(frames[0].columns)}, got {column!r}")
    width = 0.8 / len(reports)
    positions = np.arange(len(classes))
    for k, (name, frame) in enumerate(reports.items()):
        ax.bar(positions - 0.4 + width * (k + 0.5), frame[column].to_numpy(dtype=float), width,
               color=_series_color(k), label=name)
    for position, name in enumerate(classes):
        if name in rare:
            ax.axvspan(position - 0.5, position + 0.5, color="#F0E442", alpha=0.25, zorder=0)
    ax.set_xticks(positions, [f"{c} (rare)" if c in rare else c for c in classes],
                  rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower left", framealpha=0.9)
    return label_axes(ax, title or f"{column.capitalize()} of each class", "class",
                      f"{column} (fraction, 0 to 1)")


def plot_reliability(ax: Axes, curves: Mapping[str, pd.DataFrame],
                     title: str = "Reliability diagram") -> Axes:
    """Observed accuracy against predicted confidence, one line per model, and the diagonal.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    curves : mapping of str to DataFrame
        :func:`dlcourse.metrics.reliability_curve` by model name (a label may carry the
        model's calibration error). Marker areas grow with the images in each bin.
    title : str
    """
    ax.plot([0, 1], [0, 1], color="black", linestyle=":", label="perfectly calibrated")
    for k, (name, curve) in enumerate(curves.items()):
        sizes = 15 + 200 * curve["count"] / curve["count"].max()
        ax.plot(curve["confidence"], curve["accuracy"], color=_series_color(k), label=name)
        ax.scatter(curve["confidence"], curve["accuracy"], s=sizes, color=_series_color(k),
                   edgecolor="white", zorder=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper left", framealpha=0.9)
    return label_axes(ax, title, "confidence: predicted probability of the chosen class",
                      "accuracy: share of those predictions that are right")


def plot_importance(ax: Axes, values: pd.Series, errors: pd.Series | None = None,
                    title: str = "Importance", xlabel: str = "importance",
                    top: int | None = None, color_index: int = 0) -> Axes:
    """Horizontal bars, the largest at the top.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : pandas.Series
        One value per feature or group.
    errors : pandas.Series, optional
        Error bars (e.g. the standard deviation over repeats), same index.
    title, xlabel : str
        The x label should give the unit (e.g. "drop in balanced accuracy").
    top : int, optional
        Keep only the ``top`` largest.
    color_index : int
        Which of :data:`SERIES_COLORS`.
    """
    ordered = values.sort_values(ascending=False)
    if top is not None:
        ordered = ordered.iloc[:top]
    xerr = None if errors is None else errors.reindex(ordered.index).to_numpy(dtype=float)
    ax.barh(np.arange(len(ordered))[::-1], ordered.to_numpy(dtype=float), xerr=xerr,
            color=_series_color(color_index))
    ax.set_yticks(np.arange(len(ordered))[::-1], list(ordered.index))
    ax.axvline(0, color="black", linewidth=0.8)
    return label_axes(ax, title, xlabel, "feature")
