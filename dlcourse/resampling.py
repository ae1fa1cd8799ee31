"""Rebalancing a training set: random over- and undersampling, and SMOTE.

When one class holds 40 % of the images and another 1.5 %, a classifier that ignores the rare
class still scores well on accuracy. Besides weighting the classes, one can change the
training set itself:

- **random oversampling** repeats images of the small classes;
- **random undersampling** drops images of the large classes;
- **SMOTE** (Synthetic Minority Over-sampling TEchnique, Chawla et al. 2002) makes *new*
  examples of a small class, each on the segment between one of its examples and one of that
  example's ``k`` nearest neighbours *of the same class*.

Only the training set is ever resampled: the validation and test sets keep the real class
frequencies, so that their scores say how the model does on real data.

Examples
--------
>>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
>>> new = smote(X, n_new=4, k=1, seed=0)
>>> new.shape
(4, 2)
>>> bool(smote_segments(X, new, k=1)["distance"].max() < 1e-12)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "k_nearest_neighbours",
    "random_oversample",
    "random_undersample",
    "smote",
    "smote_oversample",
    "smote_segments",
]


def _as_points(X, name: str = "X") -> np.ndarray:
    """``X`` as a finite float array of shape (n, d); a clear ValueError otherwise."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers, shape (n_points, n_features): {error}") from None
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n_points, n_features), got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return X


def _check_k(k, n_points: int, what: str = "the class") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k must be a whole number of neighbours, got {k!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if k >= n_points:
        raise ValueError(
            f"k={k} is too large for {what}: it has {n_points} point(s), so each point has "
            f"only {n_points - 1} neighbour(s) of its class; use k <= {n_points - 1}, or "
            "oversample this class at random")
    return int(k)


def k_nearest_neighbours(X, k: int) -> np.ndarray:
    """Indices of the ``k`` nearest other points of every point (Euclidean distance).

    Parameters
    ----------
    X : array of shape (n, d)
    k : int
        From 1 to n - 1.

    Returns
    -------
    ndarray of shape (n, k), int64
        Row ``i`` lists the neighbours of point ``i``, nearest first (a tie goes to the lower
        index). A point is never its own neighbour; a duplicate of it is, at distance 0.

    Examples
    --------
    >>> k_nearest_neighbours([[0.0], [1.0], [3.0]], k=1).ravel().tolist()
    [1, 0, 1]
    """
    X = _as_points(X)
    k = _check_k(k, len(X), "X")
    squared = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=2)
    np.fill_diagonal(squared, np.inf)
    return np.argsort(squared, axis=1, kind="stable")[:, :k].astype(np.int64)


def smote(X, n_new: int, k: int = 5, seed: int | None = None) -> np.ndarray:
    """Synthetic points of one class, SMOTE's way.

    Each new point is ``x_i + gap * (x_j - x_i)``: ``x_i`` drawn uniformly among the class's
    points, ``x_j`` uniformly among the ``k`` nearest neighbours of ``x_i`` within the class,
    ``gap`` uniformly in [0, 1).

    Parameters
    ----------
    X : array of shape (n, d)
        The points of one (rare) class only.
    n_new : int
        How many points to make (0 gives an empty array).
    k : int
        Neighbours to choose from, 1 to n - 1 (SMOTE's default is 5).
    seed : int, optional
        Seed of the random generator: the same seed gives the same points.

    Returns
    -------
    ndarray of shape (n_new, d), float64

    Raises
    ------
    ValueError
        If ``k`` is not smaller than the number of points (each point has only n - 1
        neighbours), or ``X`` or ``n_new`` is malformed.

    Examples
    --------
    >>> smote([[0.0, 0.0], [2.0, 0.0]], n_new=3, k=1, seed=1)[:, 1].tolist()
    [0.0, 0.0, 0.0]
    """
    X = _as_points(X)
    if isinstance(n_new, bool) or not isinstance(n_new, (int, np.integer)) or n_new < 0:
        raise ValueError(f"n_new must be a whole number >= 0, got {n_new!r}")
    k = _check_k(k, len(X))
    neighbours = k_nearest_neighbours(X, k)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, len(X), size=n_new)
    partner = neighbours[base, rng.integers(0, k, size=n_new)]
    gap = rng.random((n_new, 1))
    return X[base] + gap * (X[partner] - X[base])


def smote_segments(X, new, k: int) -> pd.DataFrame:
    """For every synthetic point, the closest segment SMOTE may draw on, and how far it lies.

    A segment joins a point ``x_i`` of ``X`` to one of its ``k`` nearest neighbours ``x_j``.
    For each new point ``s``, the function finds the segment nearest to ``s`` and the position
    of ``s``'s projection along it. A correct SMOTE puts every point *on* a segment: distance 0
    (to rounding), ``gap`` between 0 and 1.

    Parameters
    ----------
    X : array of shape (n, d)
        The class's original points.
    new : array of shape (m, d)
        Synthetic points to check.
    k : int

    Returns
    -------
    pandas.DataFrame
        One row per new point: ``base`` (i), ``neighbour`` (j), ``gap`` (position from x_i,
        0 to 1 on the segment) and ``distance`` (from the point to that segment). A segment
        counts once, from the lower index: the segment i-j and the segment j-i are the same.

    Examples
    --------
    >>> smote_segments([[0.0, 0.0], [2.0, 0.0], [9.0, 9.0]], [[1.0, 0.5]], k=1).iloc[0].tolist()
    [0.0, 1.0, 0.5, 0.5]
    """
    X = _as_points(X)
    new = _as_points(new, "new")
    if new.shape[1] != X.shape[1]:
        raise ValueError(f"new has {new.shape[1]} features, X has {X.shape[1]}")
    neighbours = k_nearest_neighbours(X, k)
    pairs = {(min(i, j), max(i, j)) for i in range(len(X)) for j in neighbours[i]}
    pairs = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    start, end = X[pairs[:, 0]], X[pairs[:, 1]]
    direction = end - start  # (p, d)
    length2 = np.sum(direction**2, axis=1)  # (p,)
    offset = new[:, None, :] - start[None, :, :]  # (m, p, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(length2 > 0, np.sum(offset * direction, axis=2) / length2, 0.0)
    clipped = np.clip(gap, 0.0, 1.0)
    distance = np.linalg.norm(offset - clipped[..., None] * direction, axis=2)  # (m, p)
    best = np.argmin(distance, axis=1)
    rows = np.arange(len(new))
    return pd.DataFrame({"base": pairs[best, 0], "neighbour": pairs[best, 1],
                         "gap": gap[rows, best], "distance": distance[rows, best]})


def _as_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must hold one label per row of X ({n}), got shape {y.shape}")
    return y


def _targets(y: np.ndarray, target: int | None, default: str) -> tuple[np.ndarray, np.ndarray, int]:
    classes, counts = np.unique(y, return_counts=True)
    if target is None:
        target = int(counts.max() if default == "max" else counts.min())
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or target < 1:
        raise ValueError(f"target must be a whole number >= 1 of examples per class, "
                         f"got {target!r}")
    return classes, counts, int(target)


def random_oversample(X, y, target: int | None = None,
                      seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Repeat examples of every class with fewer than ``target``, drawn at random.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    target : int, optional
        Examples wanted per class; by default the count of the largest class.
    seed : int, optional

    Returns
    -------
    X_resampled, y_resampled
        The original examples first, then the copies. Classes at or above ``target`` keep
        their examples.

    Examples
    --------
    >>> X, y = np.arange(8.0).reshape(4, 2), np.array([0, 0, 0, 1])
    >>> np.bincount(random_oversample(X, y, seed=0)[1]).tolist()
    [3, 3]
    """
    X = _as_points(X)
    y = _as_labels(y, len(X))
    classes, counts, target = _targets(y, target, "max")
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(y == c), size=target - count, replace=True)
             for c, count in zip(classes, counts, strict=True) if count < target]
    extra = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
    return np.concatenate([X, X[extra]]), np.concatenate([y, y[extra]])


def random_undersample(X, y, target: int | None = None,
                       seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``target`` examples of every class, drawn at random without replacement.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    target : int, optional
        Examples kept per class; by default the count of the smallest class.
    seed : int, optional

    Returns
    -------
    X_resampled, y_resampled
        The kept examples, in their original order.

    Examples
    --------
    >>> X, y = np.arange(8.0).reshape(4, 2), np.array([0, 0, 0, 1])
    >>> np.bincount(random_undersample(X, y, seed=0)[1]).tolist()
    [1, 1]
    """
    X = _as_points(X)
    y = _as_labels(y, len(X))
    classes, counts, target = _targets(y, target, "min")
    rng = np.random.default_rng(seed)
    keep = np.concatenate([
        rng.choice(np.flatnonzero(y == c), size=min(count, target), replace=False)
        for c, count in zip(classes, counts, strict=True)])
    keep.sort()
    return X[keep], y[keep]


def smote_oversample(X, y, target: int | None = None, k: int = 5, seed: int | None = None,
                     classes: Sequence | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top up every class with fewer than ``target`` examples with SMOTE's synthetic points.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    target : int, optional
        Examples wanted per class; by default the count of the largest class.
    k : int
        SMOTE's neighbours; each class topped up needs more than ``k`` examples.
    seed : int, optional
    classes : sequence, optional
        Only these classes are topped up (all by default).

    Returns
    -------
    X_resampled, y_resampled
        The original examples first, then the synthetic ones, class by class.

    Raises
    ------
    ValueError
        If a class to top up has ``k`` examples or fewer; the message names it.

    Examples
    --------
    >>> X = np.array([[0.0, 0], [1, 0], [2, 0], [9, 9], [9, 8]])
    >>> np.bincount(smote_oversample(X, [0, 0, 0, 1, 1], k=1, seed=0)[1]).tolist()
    [3, 3]
    """
    X = _as_points(X)
    y = _as_labels(y, len(X))
    labels, counts, target = _targets(y, target, "max")
    chosen = set(labels.tolist() if classes is None else list(classes))
    rng = np.random.default_rng(seed)
    new_X, new_y = [X], [y]
    for label, count in zip(labels.tolist(), counts.tolist(), strict=True):
        if label not in chosen or count >= target:
            continue
        _check_k(k, count, f"class {label!r}")
        seed_of_class = int(rng.integers(2**32))
        new_X.append(smote(X[y == label], target - count, k=k, seed=seed_of_class))
        new_y.append(np.full(target - count, label, dtype=y.dtype))
    return np.concatenate(new_X), np.concatenate(new_y)
