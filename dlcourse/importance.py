"""Which features does a Random Forest rely on? Impurity and permutation importance, by group.

- **Impurity importance** (``feature_importances_``): how much the splits on a feature purify
  the nodes, summed over the trees. It comes free with the fitted forest, but is computed on
  the training images and favours features with many distinct values.
- **Permutation importance**: shuffle a feature's column among held-out images and measure
  how much the score drops. Breiman's original uses each tree's out-of-bag images; here, as in
  scikit-learn, a held-out set. A feature the model never needs costs nothing when shuffled.

The 50 principal components of the deep features mean little one by one, so both functions
can sum or shuffle columns in *groups* ("deep features", or one group per descriptor).

Examples
--------
>>> from sklearn.ensemble import RandomForestClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(300, 3))
>>> y = (X[:, 0] > 0).astype(int)            # only column 0 matters
>>> forest = RandomForestClassifier(20, random_state=0).fit(X, y)
>>> drops = permutation_importance_groups(forest, X, y, {"x0": [0], "x1": [1], "x2": [2]})
>>> drops.index[0], bool(drops.loc["x0", "mean"] > 0.3), bool(abs(drops.loc["x2", "mean"]) < 0.05)
('x0', True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

__all__ = ["impurity_importance_groups", "permutation_importance_groups"]

Groups = Mapping[str, Sequence[int] | slice]


def _columns(groups: Groups, n_columns: int) -> dict[str, np.ndarray]:
    if not groups:
        raise ValueError("groups must name at least one group of columns")
    columns = {}
    for name, spec in groups.items():
        index = np.arange(n_columns)[spec] if isinstance(spec, slice) else np.asarray(spec)
        if index.size == 0 or index.dtype.kind not in "iu" or index.min() < 0 \
                or index.max() >= n_columns:
            raise ValueError(f"group {name!r} must list column indices from 0 to "
                             f"{n_columns - 1}, got {spec!r}")
        columns[name] = index
    return columns


def impurity_importance_groups(importances, groups: Groups) -> pd.Series:
    """Sum a forest's impurity importances (``feature_importances_``) over groups of columns.

    Parameters
    ----------
    importances : array of shape (n_columns,)
        One value per column the forest saw; they add up to 1.
    groups : mapping of str to column indices or a slice

    Returns
    -------
    pandas.Series
        One value per group, largest first.

    Examples
    --------
    >>> impurity_importance_groups([0.5, 0.2, 0.3], {"a": [0], "rest": slice(1, None)}).tolist()
    [0.5, 0.5]
    """
    importances = np.asarray(importances, dtype=np.float64)
    if importances.ndim != 1:
        raise ValueError(f"importances must be 1-D, got shape {importances.shape}")
    columns = _columns(groups, importances.size)
    totals = {name: float(importances[index].sum()) for name, index in columns.items()}
    return pd.Series(totals, name="impurity importance").sort_values(ascending=False)


def permutation_importance_groups(
    model, X, y, groups: Groups, n_repeats: int = 3, seed: int = 0,
    score: Callable[[np.ndarray, np.ndarray], float] = balanced_accuracy_score,
) -> pd.DataFrame:
    """The drop in score when the columns of a group are shuffled together among the rows.

    Parameters
    ----------
    model : fitted estimator with ``predict``
    X : array of shape (n, n_columns)
        Held-out rows (not those the model was fitted on).
    y : array of shape (n,)
    groups : mapping of str to column indices or a slice
        The columns of a group are shuffled with the same permutation of the rows, so that a
        group keeps its own correlations and loses only its link with the class.
    n_repeats : int
        Shuffles per group; the result is their mean and standard deviation.
    seed : int
    score : callable
        ``score(y_true, y_pred)``; by default the balanced accuracy.

    Returns
    -------
    pandas.DataFrame
        Indexed by group, largest mean drop first; columns ``mean`` and ``std`` (of the drop
        in score), and ``baseline`` (the score before shuffling).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (n, n_columns) and y shape (n,), got {X.shape} "
                         f"and {y.shape}")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, int) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a whole number >= 1, got {n_repeats!r}")
    columns = _columns(groups, X.shape[1])
    baseline = float(score(y, model.predict(X)))
    rng = np.random.default_rng(seed)
    rows = []
    for name, index in columns.items():
        drops = []
        for _ in range(n_repeats):
            shuffled = X.copy()
            shuffled[:, index] = X[rng.permutation(len(X))][:, index]
            drops.append(baseline - float(score(y, model.predict(shuffled))))
        rows.append({"group": name, "mean": float(np.mean(drops)), "std": float(np.std(drops)),
                     "baseline": baseline})
    return pd.DataFrame(rows).set_index("group").sort_values("mean", ascending=False)
