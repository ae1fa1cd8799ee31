"""Classes of a classification playground: probabilities, class numbers, confusion matrices.

Two classes are labelled ±1 (TF Playground's coding) and numbered 0 (for -1) and 1 (for +1);
k >= 3 classes are labelled and numbered 0..k-1. Probabilities and confusion matrices follow
the numbers: column ``j`` of :func:`probabilities` is class ``j``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def class_labels(n_classes: int) -> np.ndarray:
    """The labels of the classes, in the order of their numbers: ``[-1, 1]`` or ``0..k-1``."""
    return np.array([-1, 1]) if n_classes == 2 else np.arange(n_classes)


def class_numbers(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels (±1, or 0..k-1) to class numbers 0..k-1, as integers."""
    labels = np.asarray(labels)
    return (labels > 0).astype(int) if n_classes == 2 else labels.astype(int)


def probabilities(output: np.ndarray, output_activation: str) -> np.ndarray:
    """Class probabilities ``(n, k)`` from the network's output.

    Parameters
    ----------
    output : ndarray, shape (n,) or (n, k)
        One output node (two classes) or a softmax over k classes (returned as it is).
    output_activation : str
        For one node: ``"sigmoid"`` gives P(+1) itself; a tanh or linear output ``o`` gives
        P(+1) = ``(o + 1) / 2`` clipped to [0, 1] (TF Playground's scale of -1 to +1).

    Returns
    -------
    ndarray, shape (n, k)
        Rows sum to 1; for two classes, column 0 is P(-1) and column 1 is P(+1).

    Examples
    --------
    >>> probabilities(np.array([0.0, 1.0]), "tanh").tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    if output.ndim == 2:
        return output
    positive = output if output_activation == "sigmoid" else np.clip((output + 1) / 2, 0, 1)
    return np.column_stack([1 - positive, positive])


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts of points by true class (rows) and predicted class (columns).

    Parameters
    ----------
    true, predicted : ndarray of int, shape (n,)
        Class numbers 0..k-1.
    n_classes : int

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    """
    counts = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def point_label(label: Any, problem: str, n_classes: int | None,
                class_names: tuple[str, ...] | None = None) -> float:  # fmt: skip
    """The playground's label for one point added by hand, or ValueError.

    Two classes take -1 or +1 (0 also means the -1 class); k classes take 0..k-1; a class
    name of the data works too. Regression takes any finite number.
    """
    if class_names is not None and isinstance(label, str):
        if label not in class_names:
            raise ValueError(f"label must be one of the classes {class_names}; got {label!r}")
        number = class_names.index(label)
        return float(class_labels(n_classes)[number])
    is_number = isinstance(label, (int, float, np.integer, np.floating)) and not isinstance(
        label, (bool, np.bool_)
    )
    if problem == "regression":
        if not is_number or not np.isfinite(label):
            raise ValueError(f"label must be a finite number (a regression target); got {label!r}")
        return float(label)
    allowed = (-1, 0, 1) if n_classes == 2 else tuple(range(n_classes))
    if not is_number or label not in allowed:
        meaning = " (0 and -1 both mean the -1 class)" if n_classes == 2 else ""
        raise ValueError(f"label must be one of {allowed}{meaning}; got {label!r}")
    return (1.0 if label > 0 else -1.0) if n_classes == 2 else float(label)
