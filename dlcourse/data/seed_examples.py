"""Worked examples taken from the course's seed material (the Master's course slides)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SeparationExample:
    """A linear separation worked on the slides: five points, a weight vector, a bias, scores.

    Attributes
    ----------
    X : ndarray of shape (5, 2)
        The points (x0, x1).
    w : ndarray of shape (2,)
        The weights W.
    b : float
        The bias B.
    y_hat_slides : ndarray of shape (5,)
        The scores w · x + b as printed on the slides (rounded there to three decimals).
    """

    X: np.ndarray
    w: np.ndarray
    b: float
    y_hat_slides: np.ndarray


#: "Example of a linear separation" from the Concepts slides: W = (0.985, 2.186), B = -0.522.
SEED_SEPARATION = SeparationExample(
    X=np.array([
        [0.896, 1.410],
        [-1.509, -1.438],
        [1.443, 1.333],
        [-1.895, -0.613],
        [-2.048, -2.420],
    ]),
    w=np.array([0.985, 2.186]),
    b=-0.522,
    y_hat_slides=np.array([3.445, -5.155, 3.816, -3.731, -7.833]),
)
