"""Scores for imbalanced classes: per-class reports, averages of F1, and calibration.

With EcoTaxa-like data (detritus 40 %, a rare class 1.5 %), accuracy is dominated by the
common classes. The functions here put the rare ones back in view:

- :func:`summary_scores`: accuracy beside balanced accuracy (the mean of per-class recalls)
  and F1 averaged three ways: *micro* (every image counts once: equal to accuracy for
  single-label classes), *macro* (every class counts once) and *weighted* (every class
  counts by its number of images);
- :func:`per_class_report`: support, precision, recall and F1 of each class;
- :func:`reliability_curve` and :func:`expected_calibration_error`: do predicted
  probabilities mean what they say? Among the images predicted with confidence 0.8, about
  80 % should be right.

Examples
--------
>>> y_true = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
>>> y_pred = np.zeros(10, dtype=int)   # always the common class
>>> scores = summary_scores(y_true, y_pred)
>>> scores["accuracy"], scores["balanced_accuracy"]
(0.8, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    precision_recall_fscore_support,
)

__all__ = [
    "expected_calibration_error",
    "per_class_report",
    "rare_class_recall",
    "reliability_curve",
    "summary_scores",
]


def _as_label_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError("y_true and y_pred must be two non-empty 1-D arrays of the same length, "
                         f"got shapes {y_true.shape} and {y_pred.shape}")
    return y_true, y_pred


def summary_scores(y_true, y_pred) -> dict[str, float]:
    """Accuracy, balanced accuracy, and F1 averaged micro, macro and weighted.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (n,)
        True and predicted labels.

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``f1_micro``, ``f1_macro``, ``f1_weighted``,
        each between 0 and 1. The averages are over the classes present in ``y_true`` or
        ``y_pred``.

    Examples
    --------
    >>> s = summary_scores([0, 0, 1, 2], [0, 0, 1, 1])
    >>> round(s["f1_micro"], 3), round(s["f1_macro"], 3), round(s["f1_weighted"], 3)
    (0.75, 0.556, 0.667)
    """
    y_true, y_pred = _as_label_pair(y_true, y_pred)
    scores = {"accuracy": accuracy_score(y_true, y_pred),
              "balanced_accuracy": balanced_accuracy_score(y_true, y_pred)}
    for average in ("micro", "macro", "weighted"):
        scores[f"f1_{average}"] = f1_score(y_true, y_pred, average=average, zero_division=0)
    return {name: float(value) for name, value in scores.items()}


def per_class_report(y_true, y_pred, class_names: Sequence[str]) -> pd.DataFrame:
    """Support, share, precision, recall and F1 of every class.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (n,)
        Integer labels, ``k`` meaning ``class_names[k]``.
    class_names : sequence of str

    Returns
    -------
    pandas.DataFrame
        Indexed by class name, in label order; columns ``support`` (true images of the
        class), ``share`` (support / n), ``precision``, ``recall``, ``f1``. A class never
        predicted has precision 0; a class absent from ``y_true`` has recall NaN.

    Examples
    --------
    >>> per_class_report([0, 0, 1], [0, 1, 1], ["a", "b"])["recall"].tolist()
    [0.5, 1.0]
    """
    y_true, y_pred = _as_label_pair(y_true, y_pred)
    labels = np.arange(len(class_names))
    outside = np.setdiff1d(np.union1d(y_true, y_pred), labels)
    if outside.size:
        raise ValueError(f"labels {outside.tolist()} have no name: class_names has "
                         f"{len(class_names)} entries")
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    recall = np.where(support > 0, recall, np.nan)
    return pd.DataFrame({"support": support, "share": support / len(y_true),
                         "precision": precision, "recall": recall, "f1": f1},
                        index=pd.Index(list(class_names), name="class"))


def rare_class_recall(y_true, y_pred, class_names: Sequence[str],
                      rare: Sequence[str]) -> dict[str, float]:
    """Recall of each rare class: the share of its images found.

    Examples
    --------
    >>> rare_class_recall([0, 1, 1], [0, 1, 0], ["common", "rare"], ["rare"])
    {'rare': 0.5}
    """
    report = per_class_report(y_true, y_pred, class_names)
    unknown = [name for name in rare if name not in report.index]
    if unknown:
        raise ValueError(f"unknown class(es) {unknown}; the classes are {list(class_names)}")
    return {name: float(report.loc[name, "recall"]) for name in rare}


def _as_probabilities(y_true, proba) -> tuple[np.ndarray, np.ndarray]:
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    if proba.ndim != 2 or y_true.shape != (proba.shape[0],) or proba.shape[0] == 0:
        raise ValueError("proba must have shape (n, n_classes) and y_true shape (n,), got "
                         f"{proba.shape} and {y_true.shape}")
    if np.any(proba < -1e-9) or not np.allclose(proba.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("each row of proba must hold probabilities that add up to 1")
    return y_true, proba


def reliability_curve(y_true, proba, n_bins: int = 10) -> pd.DataFrame:
    """How often the predicted class is right, by bins of its predicted probability.

    The *confidence* of an image is the probability of its predicted (most probable) class.
    Images are grouped in ``n_bins`` equal bins of confidence between 0 and 1; in a
    well-calibrated model, the share of right predictions in each bin (its ``accuracy``)
    equals the bin's mean confidence.

    Parameters
    ----------
    y_true : array of shape (n,)
        Integer labels, the columns of ``proba``.
    proba : array of shape (n, n_classes)
        Predicted probabilities, rows adding up to 1.
    n_bins : int

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``lower``, ``upper``, ``confidence`` (mean), ``accuracy``
        and ``count``.

    Examples
    --------
    >>> curve = reliability_curve([0, 1, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]],
    ...                           n_bins=5)
    >>> curve[["confidence", "accuracy", "count"]].values.tolist()
    [[0.6, 0.0, 1.0], [0.75, 1.0, 2.0], [0.9, 1.0, 1.0]]
    """
    y_true, proba = _as_probabilities(y_true, proba)
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a whole number >= 1, got {n_bins!r}")
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    rows = []
    for b in np.unique(bins):
        inside = bins == b
        rows.append({"lower": edges[b], "upper": edges[b + 1],
                     "confidence": float(confidence[inside].mean()),
                     "accuracy": float(correct[inside].mean()), "count": int(inside.sum())})
    return pd.DataFrame(rows)


def expected_calibration_error(y_true, proba, n_bins: int = 10) -> float:
    """The gap between confidence and accuracy, averaged over the bins weighted by their images.

    0 for a perfectly calibrated model; 0.1 means that predictions are, on average, 10
    points of percentage more (or less) confident than right.

    Examples
    --------
    >>> expected_calibration_error([0, 1], [[1.0, 0.0], [0.0, 1.0]])
    0.0
    """
    curve = reliability_curve(y_true, proba, n_bins)
    weights = curve["count"] / curve["count"].sum()
    return float(np.sum(weights * np.abs(curve["confidence"] - curve["accuracy"])))
