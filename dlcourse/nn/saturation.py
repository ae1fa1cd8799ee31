"""Where an activation saturates: the stretches of z where its derivative is almost 0."""

from __future__ import annotations

import numpy as np

#: Below this absolute value the course calls a derivative saturated.
SATURATION_THRESHOLD = 0.01


def saturated_intervals(
    z: np.ndarray, fprime: np.ndarray, threshold: float = SATURATION_THRESHOLD
) -> list[tuple[float, float]]:
    """Return the intervals of a grid where ``|f'(z)| < threshold``.

    Parameters
    ----------
    z : array of shape (n,)
        An increasing grid.
    fprime : array of shape (n,)
        The derivative on that grid.
    threshold : float
        The cut-off, > 0.

    Returns
    -------
    list of (float, float)
        ``(first z, last z)`` of each run of consecutive saturated grid points, left to right.

    Examples
    --------
    >>> z = np.linspace(-3, 3, 7)
    >>> saturated_intervals(z, (z > 0).astype(float))
    [(-3.0, 0.0)]
    """
    z = np.asarray(z, dtype=np.float64)
    fprime = np.asarray(fprime, dtype=np.float64)
    if z.ndim != 1 or fprime.shape != z.shape:
        raise ValueError(
            f"z and fprime must be 1-D arrays of the same shape, got {z.shape} and {fprime.shape}"
        )
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    saturated = np.abs(fprime) < threshold
    # Indices where a run starts or ends: pad with False so every run has both.
    edges = np.flatnonzero(np.diff(np.concatenate([[False], saturated, [False]]).astype(int)))
    starts, stops = edges[::2], edges[1::2] - 1
    return [(float(z[i]), float(z[j])) for i, j in zip(starts, stops, strict=True)]


def describe_intervals(intervals: list[tuple[float, float]], z_min: float, z_max: float) -> str:
    """Say in words where the saturated ``intervals`` lie on the grid [z_min, z_max].

    An interval that reaches the edge of the grid is written as a half-line
    (``z ≤ -4.6``), since it goes on beyond what is plotted.

    Examples
    --------
    >>> describe_intervals([(-6.0, -4.6), (4.6, 6.0)], -6.0, 6.0)
    'z ≤ -4.6 and z ≥ 4.6'
    >>> describe_intervals([], -6.0, 6.0)
    'nowhere'
    """
    if not intervals:
        return "nowhere"
    parts = []
    for low, high in intervals:
        if low <= z_min and high >= z_max:
            parts.append("everywhere")
        elif low <= z_min:
            parts.append(f"z ≤ {high:.1f}")
        elif high >= z_max:
            parts.append(f"z ≥ {low:.1f}")
        else:
            parts.append(f"{low:.1f} ≤ z ≤ {high:.1f}")
    return " and ".join(parts)
