"""Rosenblatt's perceptron, in a dozen readable lines."""

from __future__ import annotations

import numpy as np


class Perceptron:
    """The perceptron learning rule for labels -1 and +1.

    For each example in turn, a *mistake* is y (w · x + b) <= 0; on a mistake the rule
    moves the boundary towards the example: w <- w + learning_rate * y * x and
    b <- b + learning_rate * y. Training stops after an epoch without mistakes, or after
    ``max_epochs``. On linearly separable data it always stops (Novikoff's theorem);
    on XOR it never does.

    Parameters
    ----------
    learning_rate : float
        The step size, > 0.
    max_epochs : int
        The most passes over the data, >= 1.

    Attributes
    ----------
    weights_ : ndarray of shape (n_features,)
    bias_ : float
    mistakes_ : list of int
        The number of mistakes in each epoch.
    converged_ : bool
        True when the last epoch made no mistake.

    Examples
    --------
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -1.0], [-2.0, 0.5]])
    >>> y = np.array([1, 1, -1, -1])
    >>> p = Perceptron().fit(X, y)
    >>> p.converged_, p.predict(X).tolist()
    (True, [1, 1, -1, -1])
    """

    def __init__(self, learning_rate: float = 1.0, max_epochs: int = 100):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
        if int(max_epochs) != max_epochs or max_epochs < 1:
            raise ValueError(f"max_epochs must be an integer >= 1, got {max_epochs!r}")
        self.learning_rate = float(learning_rate)
        self.max_epochs = int(max_epochs)

    def fit(self, X: np.ndarray, y: np.ndarray) -> Perceptron:
        """Train on ``X`` (n_samples, n_features) and labels ``y`` in {-1, +1}; return self."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        if not np.isin(y, (-1, 1)).all():
            raise ValueError(f"y must hold only -1 and +1, got values {np.unique(y).tolist()}")
        self.weights_ = np.zeros(X.shape[1])
        self.bias_ = 0.0
        self.mistakes_ = []
        for _ in range(self.max_epochs):
            mistakes = 0
            for x_i, y_i in zip(X, y, strict=True):
                if y_i * (x_i @ self.weights_ + self.bias_) <= 0:
                    self.weights_ += self.learning_rate * y_i * x_i
                    self.bias_ += self.learning_rate * y_i
                    mistakes += 1
            self.mistakes_.append(mistakes)
            if mistakes == 0:
                break
        self.converged_ = self.mistakes_[-1] == 0
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Return the raw scores w · x + b."""
        return np.asarray(X, dtype=np.float64) @ self.weights_ + self.bias_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Return +1 where the score is > 0, else -1."""
        return np.where(self.decision_function(X) > 0, 1, -1)
