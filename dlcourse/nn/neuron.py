"""The formal neuron: y_hat = f(w · x + b)."""

from __future__ import annotations

import numpy as np

from dlcourse.nn.activations import get_activation


def neuron_forward(X: np.ndarray, w: np.ndarray, b: float,
                   activation: str | None = None) -> np.ndarray:
    """Forward pass of one neuron on a batch: f(X @ w + b).

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        One example per row.
    w : array of shape (n_features,)
        The weights.
    b : float
        The bias.
    activation : str, optional
        A name from :data:`dlcourse.nn.ACTIVATIONS`; None returns the raw score w · x + b.

    Returns
    -------
    numpy.ndarray of shape (n_samples,)

    Examples
    --------
    The worked separation of the course slides: W = (0.985, 2.186), b = -0.522.

    >>> neuron_forward([[0.896, 1.410]], [0.985, 2.186], -0.522).round(3).tolist()
    [3.443]
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if w.shape != (X.shape[1],):
        raise ValueError(
            f"w must have shape ({X.shape[1]},) to match X's {X.shape[1]} features, got {w.shape}"
        )
    z = X @ w + float(b)
    if activation is None:
        return z
    return get_activation(activation)(z)
