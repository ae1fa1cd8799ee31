"""Checks for a student's SMOTE: where its new points lie, with messages that say what is wrong.

A right SMOTE puts every new point on a segment between an example of the class and one of
that example's ``k`` nearest neighbours, never on an example itself, and, given enough new
points, on every such segment. :func:`check_smote_points` checks all three; the tests of
unit 08 call it on small hand-made classes.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
>>> check_smote_points(X, np.array([[0.5, 0.0]]), k=1, name="smote(X, 1, k=1)",
...                    every_segment=False)
>>> check_smote_points(X, np.array([[0.5, 1.0]]), k=1, name="smote(X, 1, k=1)")
Traceback (most recent call last):
...
AssertionError: smote(X, 1, k=1): new point 0, [0.5, 1.0], lies 0.5 away from every ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcourse.resampling import k_nearest_neighbours, smote_segments

__all__ = ["check_smote_points"]


def _fail(message: str) -> None:
    raise AssertionError(message)


def check_smote_points(X: Any, new: Any, k: int, name: str, *, every_segment: bool = True,
                       tolerance: float = 1e-9) -> None:
    """Fail unless the points ``new`` could have been made by SMOTE from ``X`` with ``k``.

    Parameters
    ----------
    X : array of shape (n, d)
        The class's examples.
    new : array of shape (m, d)
        What the student's SMOTE returned.
    k : int
        The neighbours SMOTE was asked to use.
    name : str
        How to call ``new`` in messages, e.g. ``"smote(POINTS, 300, k=2, seed=1)"``.
    every_segment : bool
        Also require at least one new point on every allowed segment (ask for many points,
        a few hundred on a handful of segments, so that a right SMOTE misses none).
    tolerance : float
        Largest distance from a segment counted as on it.
    """
    X = np.asarray(X, dtype=np.float64)
    if new is None:
        _fail(f"{name} returned None: did you forget the `return` statement?")
    try:
        new = np.asarray(new, dtype=np.float64)
    except (TypeError, ValueError) as error:
        _fail(f"{name} should be an array of numbers, got a {type(new).__name__} ({error})")
    if new.ndim != 2 or new.shape[1] != X.shape[1]:
        _fail(f"{name} has shape {new.shape}, expected (n_new, {X.shape[1]}): one row per new "
              "point, one column per feature")
    if not np.isfinite(new).all():
        _fail(f"{name} contains NaN or inf")
    found = smote_segments(X, new, k)
    worst = int(np.argmax(found["distance"].to_numpy()))
    if found["distance"].iloc[worst] > tolerance:
        _fail(f"{name}: new point {worst}, {np.round(new[worst], 3).tolist()}, lies "
              f"{found['distance'].iloc[worst]:.3g} away from every segment between an example "
              f"and one of its k={k} nearest neighbours: is u between 0 and 1, is x_j one of the "
              "k nearest neighbours, and is the point x_i + u (x_j - x_i)?")
    copies = (new[:, None, :] == X[None, :, :]).all(axis=2).any(axis=1)
    if copies.mean() > 0.01:
        _fail(f"{name}: {copies.sum()} of {len(new)} new points are copies of examples: is "
              "each example its own nearest neighbour? Put np.inf on the diagonal of the "
              "distance matrix before sorting it")
    if every_segment:
        allowed = {(min(i, j), max(i, j))
                   for i, row in enumerate(k_nearest_neighbours(X, k).tolist()) for j in row}
        used = set(zip(found["base"].tolist(), found["neighbour"].tolist(), strict=True))
        missing = sorted(allowed - used)
        if missing:
            _fail(f"{name}: of {len(new)} new points, none lies on the segment(s) between "
                  f"examples {missing[:3]}{' ...' if len(missing) > 3 else ''}, although each "
                  f"is an example and one of its k={k} nearest neighbours: pick x_j among all k "
                  "nearest neighbours, the nearest included, and x_i among all examples")
