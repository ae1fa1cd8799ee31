"""Your own points in the playground: numpy arrays, a DataFrame or a scikit-learn generator.

:func:`read_data` checks the points and labels, decides the problem from the labels and puts
the points on the playground's plane; :class:`CustomData` keeps them, and splits them into
training and test points.

Labels
    ``0``/``1`` or ``-1``/``+1`` make two classes, stored as ±1 like TF Playground's (0 becomes
    -1); whole numbers ``0, 1, ..., k-1`` with 3 <= k <= 8 make k classes; any other numbers
    are regression targets (kept as they are). Text or other non-numeric labels name classes,
    numbered in sorted order (``class_names`` keeps the names). ``problem="regression"`` or
    ``"classification"`` forces the choice.

Coordinates
    By default (``rescale=True``) each axis is centred on the middle of its range, then both
    are multiplied by the same factor so that the wider range spans [-5, 5], as TF's data sets
    do, inside the [-6, 6] square the playground draws. Shapes keep their proportions.
    ``rescale=False`` keeps the coordinates as they are (points outside [-6, 6] are then off the
    picture). :meth:`CustomData.to_plane` applies the same change to new points.

Split
    Without a test set, the points are shuffled with the playground's seed and the first
    ``floor(n * train_ratio)`` are the training points, as for the built-in sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PLANE_HALF_WIDTH = 5.0  # rescaled points span [-5, 5] on their wider axis
MAX_CLASSES = 8
PROBLEMS = ("classification", "regression")


# --------------------------------------------------------------------------- reading


def _is_dataframe(value: Any) -> bool:
    return hasattr(value, "columns") and hasattr(value, "iloc")


def _columns_of(frame: Any, columns: Any, label: str | None, name: str) -> tuple[Any, Any]:
    """The two coordinate columns of a DataFrame, and its label column (or None)."""
    available = list(frame.columns)
    if label is not None and label not in available:
        raise ValueError(f"label column {label!r} is not in {name}; its columns are {available}")
    if columns is None:
        columns = [c for c in available if c != label]
        if len(columns) != 2:
            raise ValueError(
                f"{name} has {len(columns)} columns besides the label: choose the two "
                f"coordinates with columns=(first, second); its columns are {available}"
            )
    columns = list(columns)
    if len(columns) != 2:
        raise ValueError(f"columns must name two columns (x1, x2); got {columns!r}")
    missing = [c for c in columns if c not in available]
    if missing:
        raise ValueError(f"columns {missing} are not in {name}; its columns are {available}")
    points = frame[columns].to_numpy()
    labels = frame[label].to_numpy() if label is not None else None
    return points, labels


def _points(X: Any, name: str) -> np.ndarray:
    try:
        points = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers (two coordinates per point)") from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(
            f"{name} must have shape (n_points, 2), two coordinates per point; "
            f"got {points.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(points).all(axis=1))
    if bad.size:
        raise ValueError(f"{name} has NaN or infinite coordinates, at rows {bad[:5].tolist()}")
    return points


def _split_input(
    X: Any, y: Any, columns: Any, label: str | None, name: str, label_name: str
) -> tuple[np.ndarray, Any]:
    """Points and raw labels from arrays, a DataFrame or an ``(X, y)`` tuple."""
    if isinstance(X, tuple) and len(X) == 2 and y is None:  # scikit-learn's make_moons() etc.
        X, y = X
    if _is_dataframe(X):
        if label is not None and y is not None:
            raise ValueError(f"give the labels either as {label_name} or as label=, not both")
        points, labels = _columns_of(X, columns, label, name)
        y = labels if labels is not None else y
    else:
        if columns is not None or label is not None:
            raise ValueError(
                f"columns= and label= choose columns of a DataFrame; {name} is not one"
            )
        points = X
    if y is None:
        raise ValueError(f"{label_name} is missing: give one label per point (or label= for a "
                         "DataFrame)")  # fmt: skip
    points = _points(points, name)
    labels = np.asarray(y)
    if _is_dataframe(y) or labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.reshape(-1)
    if labels.ndim != 1:
        raise ValueError(
            f"{label_name} must be one label per point, shape (n,); got {labels.shape}"
        )
    if len(labels) != len(points):
        raise ValueError(
            f"{name} has {len(points)} points but {label_name} has {len(labels)} labels"
        )
    return points, labels


def read_labels(
    labels: np.ndarray, problem: str | None = None
) -> tuple[np.ndarray, str, int | None, tuple[str, ...] | None]:
    """The playground's labels for raw labels (see the module's docstring).

    Parameters
    ----------
    labels : ndarray, shape (n,)
    problem : {None, "classification", "regression"}
        None decides from the labels.

    Returns
    -------
    coded : ndarray of float
        ±1 for two classes, 0..k-1 for k classes, the numbers themselves to regress.
    problem : str
    n_classes : int or None
        None to regress.
    class_names : tuple of str or None
        The names of the classes when the labels were not numbers.

    Examples
    --------
    >>> read_labels(np.array([0, 1, 1]))[:3]
    (array([-1.,  1.,  1.]), 'classification', 2)
    """
    if problem is not None and problem not in PROBLEMS:
        raise ValueError(f"problem must be one of {PROBLEMS} or None; got {problem!r}")
    if labels.dtype.kind == "O" and all(
        isinstance(v, (int, float, np.integer, np.floating)) for v in labels.tolist()
    ):  # numbers in an object column (e.g. from a DataFrame): read them as numbers
        whole = all(float(v).is_integer() for v in labels.tolist())  # False for NaN, inf
        labels = labels.astype(np.int64 if whole else np.float64)
    numeric = labels.dtype.kind in "biuf"
    if not numeric:
        if problem == "regression":
            raise ValueError("labels must be numbers to regress; these are "
                             f"{labels.dtype} (e.g. {labels[0]!r})")  # fmt: skip
        if any(v is None or v != v for v in labels.tolist()):
            raise ValueError("labels have missing values (None or NaN)")
        names, codes = np.unique(labels.astype(str), return_inverse=True)
        return (*_classes_from_codes(codes.astype(float), len(names)),
                tuple(str(n) for n in names))  # fmt: skip
    values = labels.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"labels have NaN or infinite values, at rows {bad[:5].tolist()}")
    if problem == "regression":
        return values, "regression", None, None
    distinct = np.unique(values)
    if set(distinct) <= {0.0, 1.0} or set(distinct) <= {-1.0, 1.0}:
        return (*_classes_from_codes(np.where(values > 0, 1.0, 0.0), 2), None)
    whole = np.array_equal(distinct, np.arange(len(distinct)))
    if whole and len(distinct) <= MAX_CLASSES:
        return (*_classes_from_codes(values, len(distinct)), None)
    as_classes = problem == "classification" or labels.dtype.kind in "biu"
    if whole and as_classes:
        raise ValueError(
            f"at most {MAX_CLASSES} classes; the labels hold {len(distinct)} (0 to "
            f"{len(distinct) - 1})" + ("" if problem else "; pass problem='regression' to regress")
        )
    if as_classes:
        shown = distinct[:10].tolist()
        raise ValueError(
            f"class labels must be 0/1, -1/+1 or 0, 1, ..., k-1 with k <= {MAX_CLASSES}; got "
            f"the values {shown}{' ...' if len(distinct) > 10 else ''}"
            + ("" if problem else "; pass problem='regression' to regress on them")
        )
    return values, "regression", None, None


def _classes_from_codes(codes: np.ndarray, k: int) -> tuple[np.ndarray, str, int]:
    """Class numbers 0..k-1 to the playground's labels: ±1 for two classes."""
    present = np.unique(codes)
    if len(present) < 2:
        raise ValueError(
            f"the labels hold one class only ({present.tolist()}): a classifier needs two or more"
        )
    if k == 2:
        return np.where(codes > 0, 1.0, -1.0), "classification", 2
    if k > MAX_CLASSES:
        raise ValueError(f"at most {MAX_CLASSES} classes; the labels hold {k}")
    return codes.astype(np.float64), "classification", k


# --------------------------------------------------------------------------- the data


@dataclass
class CustomData:
    """Points given by the user, on the playground's plane, with their labels.

    Attributes
    ----------
    X, y : ndarray
        The pool of points (all of them when no test set was given, else the training points)
        in plane coordinates, and their labels in the playground's coding.
    test_X, test_y : ndarray or None
        The test points given, or None: :meth:`split` then draws them from the pool.
    problem : str
    n_classes : int or None
    class_names : tuple of str or None
    offset : ndarray, shape (2,)
    scale : float
        Plane coordinates are ``(original - offset) * scale``.
    """

    X: np.ndarray
    y: np.ndarray
    test_X: np.ndarray | None
    test_y: np.ndarray | None
    problem: str
    n_classes: int | None
    class_names: tuple[str, ...] | None = None
    offset: np.ndarray = field(default_factory=lambda: np.zeros(2))
    scale: float = 1.0

    def to_plane(self, X: Any) -> np.ndarray:
        """Original coordinates ``(n, 2)`` to the playground's plane."""
        return (_points(X, "X") - self.offset) * self.scale

    def split(self, train_ratio: float, seed: int) -> tuple[np.ndarray, ...]:
        """``X_train, y_train, X_test, y_test``: the given split, or one drawn from ``seed``.

        At least one point goes to each side.
        """
        if self.test_X is not None:
            return self.X.copy(), self.y.copy(), self.test_X.copy(), self.test_y.copy()
        n = len(self.X)
        order = np.random.default_rng(seed).permutation(n)
        cut = int(np.clip(np.floor(round(n * train_ratio, 9)), 1, n - 1))
        train, test = order[:cut], order[cut:]
        return self.X[train], self.y[train], self.X[test], self.y[test]

    def add(self, point: np.ndarray, label: float, test: bool) -> None:
        """Keep a new point (plane coordinates) so that later splits hold it too."""
        if test and self.test_X is not None:
            self.test_X = np.vstack([self.test_X, point])
            self.test_y = np.append(self.test_y, label)
        else:
            self.X = np.vstack([self.X, point])
            self.y = np.append(self.y, label)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; :meth:`from_dict` reads it back."""
        def listed(a: np.ndarray | None) -> list | None:
            return None if a is None else a.tolist()

        return {
            "X": listed(self.X), "y": listed(self.y),
            "test_X": listed(self.test_X), "test_y": listed(self.test_y),
            "problem": self.problem, "n_classes": self.n_classes,
            "class_names": None if self.class_names is None else list(self.class_names),
            "offset": self.offset.tolist(), "scale": float(self.scale),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomData:
        """The data written by :meth:`to_dict`."""
        def points(a: list | None) -> np.ndarray | None:
            return None if a is None else np.array(a, dtype=np.float64).reshape(-1, 2)

        def labels(a: list | None) -> np.ndarray | None:
            return None if a is None else np.array(a, dtype=np.float64)

        names = data.get("class_names")
        return cls(
            points(data["X"]), labels(data["y"]), points(data["test_X"]), labels(data["test_y"]),
            data["problem"], data["n_classes"], None if names is None else tuple(names),
            np.array(data["offset"], dtype=np.float64), float(data["scale"]),
        )  # fmt: skip

    @classmethod
    def from_split(
        cls,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_test: np.ndarray,
        y_test: np.ndarray,
        problem: str,
        n_classes: int | None,
    ) -> CustomData:
        """Points already on the plane and already split (a built-in set taken over)."""
        return cls(X_train.copy(), y_train.copy(), X_test.copy(), y_test.copy(), problem,
                   n_classes)  # fmt: skip


def read_data(
    X: Any,
    y: Any = None,
    test_X: Any = None,
    test_y: Any = None,
    *,
    columns: Any = None,
    label: str | None = None,
    rescale: bool = True,
    problem: str | None = None,
) -> CustomData:
    """Check the user's points and labels and put them on the playground's plane.

    Parameters
    ----------
    X : array_like of shape (n, 2), DataFrame, or tuple ``(X, y)``
        The points. A tuple is what scikit-learn's generators return (``make_moons()``).
    y : array_like of shape (n,), optional
        The labels; for a DataFrame, name its label column with ``label`` instead.
    test_X, test_y : optional
        A test set in the same form; None draws one from ``X`` at each split.
    columns : pair of str, optional
        A DataFrame's coordinate columns; by default its two columns besides ``label``.
    label : str, optional
        A DataFrame's label column.
    rescale : bool
        Centre and scale the coordinates onto the plane (see the module's docstring).
    problem : {None, "classification", "regression"}
        None decides from the labels.

    Raises
    ------
    ValueError
        For a wrong shape, NaN, one class only, lengths that differ, a missing column; the
        message says which.

    Examples
    --------
    >>> data = read_data(np.array([[0.0, 0.0], [2.0, 1.0]]), [0, 1])
    >>> data.X.tolist(), data.y.tolist(), data.n_classes
    ([[-5.0, -2.5], [5.0, 2.5]], [-1.0, 1.0], 2)
    """
    if not isinstance(rescale, (bool, np.bool_)):
        raise ValueError(f"rescale must be True or False; got {rescale!r}")
    points, raw = _split_input(X, y, columns, label, "X", "y")
    if len(points) < 2:
        raise ValueError(
            f"X needs at least 2 points (one to train, one to test); got {len(points)}"
        )
    given_test = test_X is not None or test_y is not None
    if given_test:
        test_points, test_raw = _split_input(test_X, test_y, columns, label, "test_X", "test_y")
        if len(test_points) < 1:
            raise ValueError("test_X has no points")
        if (raw.dtype.kind in "biuf") != (test_raw.dtype.kind in "biuf"):
            raise ValueError("y and test_y must both be numbers or both be class names")
        raw = np.concatenate([raw, test_raw])
    coded, problem, n_classes, names = read_labels(raw, problem)
    everything = np.vstack([points, test_points]) if given_test else points
    offset, scale = _plane_transform(everything) if rescale else (np.zeros(2), 1.0)
    n = len(points)
    return CustomData(
        (points - offset) * scale, coded[:n],
        (test_points - offset) * scale if given_test else None, coded[n:] if given_test else None,
        problem, n_classes, names, offset, scale,
    )  # fmt: skip


def _plane_transform(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Offset and common scale that put ``points`` within [-5, 5] on their wider axis."""
    low, high = points.min(axis=0), points.max(axis=0)
    half_range = float(np.max(high - low)) / 2
    scale = PLANE_HALF_WIDTH / half_range if half_range > 0 else 1.0
    return (low + high) / 2, scale
