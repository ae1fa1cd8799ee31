"""The input features of TensorFlow Playground, computed from a point's coordinates.

A network never sees the raw point ``(x1, x2)`` directly: it sees the features selected, in
the fixed order of :data:`FEATURES` (TF's ``constructInput``), whatever order they were asked
for in. TF Playground's hidden cos(x1) and cos(x2) inputs are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

#: Each feature of the two coordinates; ``lib`` is the array library (numpy, or torch for the
#: exported module), so that one table serves both.
FEATURES: dict[str, Callable[..., np.ndarray]] = {
    "x1": lambda x1, x2, lib=np: x1,
    "x2": lambda x1, x2, lib=np: x2,
    "x1^2": lambda x1, x2, lib=np: x1 * x1,
    "x2^2": lambda x1, x2, lib=np: x2 * x2,
    "x1*x2": lambda x1, x2, lib=np: x1 * x2,
    "sin(x1)": lambda x1, x2, lib=np: lib.sin(x1),
    "sin(x2)": lambda x1, x2, lib=np: lib.sin(x2),
}

# Our name -> the URL key of TF Playground
TF_NAMES = {
    "x1": "x",
    "x2": "y",
    "x1^2": "xSquared",
    "x2^2": "ySquared",
    "x1*x2": "xTimesY",
    "sin(x1)": "sinX",
    "sin(x2)": "sinY",
}


def check_features(features: Iterable[str]) -> tuple[str, ...]:
    """Validate a selection of features and put it in TF's order.

    Raises
    ------
    ValueError
        If a name is unknown, repeated, or nothing is selected.
    """
    if isinstance(features, str):
        features = (features,)
    chosen = tuple(features)
    allowed = tuple(FEATURES)
    unknown = [f for f in chosen if f not in FEATURES]
    if unknown or not chosen or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"features must be 1 to {len(allowed)} different names from {allowed}; got {chosen}"
        )
    return tuple(f for f in FEATURES if f in chosen)


def feature_matrix(X: np.ndarray, features: Iterable[str]) -> np.ndarray:
    """The network's inputs for raw points.

    Parameters
    ----------
    X : array_like, shape (n, 2)
        Points ``(x1, x2)``.
    features : iterable of str
        Names from :data:`FEATURES`.

    Returns
    -------
    ndarray, shape (n, n_features)
        One column per selected feature, in the order of :data:`FEATURES`.

    Examples
    --------
    >>> feature_matrix([[1.0, 2.0]], ["x1*x2", "x1"])
    array([[1., 2.]])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_points, 2); got {X.shape}")
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[f](x1, x2) for f in check_features(features)])
