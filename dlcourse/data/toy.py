"""Seeded toy 2-D data sets."""

from __future__ import annotations

import numpy as np


def make_xor(n_points: int = 200, noise: float = 0.0, seed: int = 0,
             radius: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: label +1 where x1 and x2 have the same sign, -1 otherwise.

    Points are drawn uniformly in [-radius, radius]^2 (kept a small margin away from the
    axes, as TensorFlow Playground does), then shifted by Gaussian noise of standard
    deviation ``noise * radius``.

    Parameters
    ----------
    n_points : int
        How many points, >= 1.
    noise : float
        Noise level in [0, 1].
    seed : int
        Seed of the generator: same seed, same points.
    radius : float
        Half the side of the square.

    Returns
    -------
    X : ndarray of shape (n_points, 2)
    y : ndarray of shape (n_points,) with values -1 and +1

    Examples
    --------
    >>> X, y = make_xor(4, seed=1)
    >>> X.shape, sorted(set(y.tolist())) <= [-1, 1]
    ((4, 2), True)
    """
    if int(n_points) != n_points or n_points < 1:
        raise ValueError(f"n_points must be an integer >= 1, got {n_points!r}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise!r}")
    rng = np.random.default_rng(seed)
    padding = 0.3
    X = rng.uniform(-radius, radius, size=(int(n_points), 2))
    X += np.where(X > 0, padding, -padding)
    y = np.where(X[:, 0] * X[:, 1] > 0, 1, -1)
    X = X + rng.normal(0.0, noise * radius, size=X.shape)
    return X, y
