"""EcoTaxa's classifier: native descriptors + PCA of fixed deep features + Random Forest.

EcoTaxa describes every image twice: by its *native* descriptors (the shape and grey-level
measurements of ZooProcess) and by the features of a convolutional network trained once,
elsewhere, and kept fixed. The deep features are reduced to 50 numbers by a PCA, set beside
the native ones, and a Random Forest of 300 trees (at least 5 images per leaf, classes
weighted by the inverse of their frequency) predicts the class.

- :func:`feature_tables` computes both descriptions of a set of images;
- :func:`ecotaxa_forest` is the forest with EcoTaxa's settings (:data:`FOREST_SETTINGS`);
- :func:`ecotaxa_pipeline` chains the PCA of the deep columns and the forest, so that the PCA
  is fitted on the training images only;
- :func:`ecotaxa_features` and :func:`ecotaxa_classify` do the same on arrays, step by step
  (the course's answers to unit 08's exercise);
- :func:`plankton_tables` computes the exercise's two splits once per process.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X, y = rng.normal(size=(60, 4 + 10)), np.repeat([0, 1, 2], 20)
>>> model = ecotaxa_pipeline(n_native=4, n_components=3, n_estimators=10).fit(X, y)
>>> model[:-1].transform(X).shape   # 4 native columns, then 3 principal components
(60, 7)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

__all__ = [
    "FEATURE_SETS",
    "FOREST_SETTINGS",
    "PCA_COMPONENTS",
    "FeatureTables",
    "ecotaxa_classify",
    "ecotaxa_features",
    "ecotaxa_forest",
    "ecotaxa_pipeline",
    "feature_tables",
    "plankton_tables",
]

#: The Random Forest's settings in EcoTaxa.
FOREST_SETTINGS: dict[str, Any] = {"n_estimators": 300, "min_samples_leaf": 5,
                                   "class_weight": "balanced"}
#: How many principal components of the deep features EcoTaxa keeps.
PCA_COMPONENTS = 50
#: The three descriptions a pipeline can use.
FEATURE_SETS = ("native", "deep", "both")

FeatureSet = Literal["native", "deep", "both"]


@dataclass
class FeatureTables:
    """Two descriptions of the same images: native descriptors and deep features.

    Attributes
    ----------
    name : str
        Where the images come from (a split's name).
    labels : ndarray of shape (n,)
        Integer labels, ``k`` meaning ``class_names[k]``.
    class_names : tuple of str
    native : pandas.DataFrame of shape (n, n_native)
        :func:`dlcourse.data.plankton.native_descriptors`.
    deep : ndarray of shape (n, n_deep), float32
        The shipped extractor's features.
    """

    name: str
    labels: np.ndarray
    class_names: tuple[str, ...]
    native: pd.DataFrame
    deep: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.labels)
        if len(self.native) != n or len(self.deep) != n:
            raise ValueError(f"labels, native and deep must have as many rows: {n}, "
                             f"{len(self.native)} and {len(self.deep)}")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def n_native(self) -> int:
        """Number of native descriptor columns."""
        return self.native.shape[1]

    def table(self, features: FeatureSet = "both") -> np.ndarray:
        """The features as one float64 array: native columns first, then deep ones.

        Parameters
        ----------
        features : {"native", "deep", "both"}
        """
        if features not in FEATURE_SETS:
            raise ValueError(f"features must be one of {FEATURE_SETS}, got {features!r}")
        parts = {"native": [self.native.to_numpy(np.float64)],
                 "deep": [self.deep.astype(np.float64)]}
        parts["both"] = parts["native"] + parts["deep"]
        return np.hstack(parts[features])

    def subset(self, index) -> FeatureTables:
        """The tables restricted to some rows (a boolean mask or indices)."""
        index = np.asarray(index)
        return FeatureTables(self.name, self.labels[index], self.class_names,
                             self.native.iloc[index].reset_index(drop=True), self.deep[index])


def feature_tables(data, extractor=None, name: str = "", device=None,
                   progress: bool = False) -> FeatureTables:
    """Native descriptors and deep features of a :class:`~dlcourse.data.plankton.PlanktonSet`.

    Parameters
    ----------
    data : PlanktonSet
        Images and labels, e.g. ``load_split("train")``.
    extractor : torch.nn.Module, optional
        The network whose ``features`` describe the images; by default the shipped one
        (:func:`dlcourse.data.plankton.load_extractor`).
    name : str
        A name for the tables (the split's).
    device : str, optional
        Where the extractor runs: None picks CUDA, then MPS, then the CPU.
    progress : bool
        Show a progress bar of the extraction (images per second).

    Returns
    -------
    FeatureTables
    """
    from dlcourse.data.plankton import extract_features, load_extractor, native_descriptors

    if extractor is None:
        extractor = load_extractor(device=device)
    deep = extract_features(extractor, data.images, device=device, progress=progress)
    return FeatureTables(name, np.asarray(data.labels), tuple(data.class_names),
                         native_descriptors(data.images), deep)


def ecotaxa_forest(seed: int | None = 0, n_jobs: int | None = None,
                   **settings: Any) -> RandomForestClassifier:
    """A Random Forest with EcoTaxa's settings (:data:`FOREST_SETTINGS`).

    Parameters
    ----------
    seed : int, optional
        ``random_state``: the same seed, the same forest.
    n_jobs : int, optional
        Trees built at the same time (-1: one per core). It changes the speed, not the forest.
    **settings
        Overrides, e.g. ``n_estimators=100``.

    Examples
    --------
    >>> ecotaxa_forest().get_params()["min_samples_leaf"]
    5
    """
    return RandomForestClassifier(**{**FOREST_SETTINGS, **settings}, random_state=seed,
                                  n_jobs=n_jobs)


def ecotaxa_pipeline(n_native: int, n_components: int = PCA_COMPONENTS, seed: int | None = 0,
                     features: FeatureSet = "both", n_jobs: int | None = None,
                     **forest_settings: Any) -> Pipeline:
    """Descriptors and PCA of the deep features, then EcoTaxa's Random Forest, as one model.

    The model expects the columns of :meth:`FeatureTables.table` with ``features="both"``:
    the ``n_native`` native descriptors first, then the deep features.

    Parameters
    ----------
    n_native : int
        How many of the first columns are native descriptors; the others are deep features.
    n_components : int
        Principal components kept of the deep features (EcoTaxa: 50).
    seed : int, optional
        ``random_state`` of the PCA and of the forest.
    features : {"native", "deep", "both"}
        Which description the forest sees: the native columns as they are, the PCA of the
        deep ones, or both side by side (native first).
    n_jobs : int, optional
        Passed to the forest (speed only).
    **forest_settings
        Overrides of :data:`FOREST_SETTINGS`.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Two steps, ``"features"`` (a ColumnTransformer) and ``"forest"``. ``fit`` fits the PCA
        on the training rows only, then the forest on the transformed rows.
    """
    if features not in FEATURE_SETS:
        raise ValueError(f"features must be one of {FEATURE_SETS}, got {features!r}")
    if isinstance(n_native, bool) or not isinstance(n_native, (int, np.integer)) or n_native < 0:
        raise ValueError(f"n_native must be a whole number >= 0, got {n_native!r}")
    parts = []
    if features in ("native", "both"):
        parts.append(("native", "passthrough", slice(0, n_native)))
    if features in ("deep", "both"):
        parts.append(("deep", PCA(n_components=n_components, random_state=seed),
                      slice(n_native, None)))
    return Pipeline([("features", ColumnTransformer(parts)),
                     ("forest", ecotaxa_forest(seed, n_jobs, **forest_settings))])


def _as_table(X, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n_images, n_columns), got {X.shape}")
    return X


def ecotaxa_features(X_train, X_new, n_native: int,
                     n_components: int = PCA_COMPONENTS) -> np.ndarray:
    """The features EcoTaxa's forest sees: native columns, then a PCA of the deep ones.

    Parameters
    ----------
    X_train : array of shape (n, n_native + n_deep)
        The training images' columns, native first: the PCA is fitted on their deep columns.
    X_new : array of shape (m, n_native + n_deep)
        The images to describe (the training images themselves, or new ones).
    n_native : int
        How many of the first columns are native descriptors.
    n_components : int
        Principal components kept.

    Returns
    -------
    ndarray of shape (m, n_native + n_components)
        ``X_new``'s native columns unchanged, then its deep columns projected on the principal
        components of the training images' deep columns.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 0.0], [2.0, 1.0, 1.0], [3.0, 2.0, 2.0]])
    >>> np.round(ecotaxa_features(X, X, n_native=1, n_components=1), 6).tolist()
    [[1.0, -1.414214], [2.0, 0.0], [3.0, 1.414214]]
    """
    X_train, X_new = _as_table(X_train, "X_train"), _as_table(X_new, "X_new")
    if X_new.shape[1] != X_train.shape[1]:
        raise ValueError(f"X_new has {X_new.shape[1]} columns, X_train {X_train.shape[1]}")
    pca = PCA(n_components=n_components).fit(X_train[:, n_native:])
    return np.hstack([X_new[:, :n_native], pca.transform(X_new[:, n_native:])])


def ecotaxa_classify(X_train, y_train, X_new, n_native: int,
                     n_components: int = PCA_COMPONENTS,
                     n_trees: int = FOREST_SETTINGS["n_estimators"],
                     seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fit EcoTaxa's forest on :func:`ecotaxa_features` of the training images; classify new ones.

    Parameters
    ----------
    X_train : array of shape (n, n_native + n_deep)
    y_train : array of shape (n,)
    X_new : array of shape (m, n_native + n_deep)
    n_native, n_components : int
        As in :func:`ecotaxa_features`.
    n_trees : int
        Trees of the forest (EcoTaxa: 300).
    seed : int, optional
        The forest's ``random_state``.

    Returns
    -------
    labels : ndarray of shape (m,)
        The predicted class of every new image.
    probabilities : ndarray of shape (m, n_classes)
        The forest's probabilities (shares of votes), one column per class of ``y_train``.
    """
    train_features = ecotaxa_features(X_train, X_train, n_native, n_components)
    new_features = ecotaxa_features(X_train, X_new, n_native, n_components)
    forest = ecotaxa_forest(seed, n_estimators=n_trees).fit(train_features, np.asarray(y_train))
    return forest.predict(new_features), forest.predict_proba(new_features)


@functools.lru_cache(maxsize=4)
def plankton_tables(train_size: int | None = None, test_size: int | None = None,
                    device: str | None = None) -> tuple[FeatureTables, FeatureTables]:
    """Feature tables of the ``train`` and ``test`` splits, computed once per process.

    The first call draws the images, measures their native descriptors and extracts their deep
    features with the shipped extractor (seconds); later calls with the same arguments return
    the same tables at once. Nothing is written to disk. Use :meth:`FeatureTables.table`, which
    returns a fresh array, rather than changing the tables in place.

    Parameters
    ----------
    train_size, test_size : int, optional
        Images of each split (their own sizes by default: 3,000 and 1,000).
    device : str, optional
        Where the extractor runs (None: CUDA, then MPS, then the CPU).

    Returns
    -------
    train, test : FeatureTables
    """
    from dlcourse.data.plankton import load_extractor, load_split

    extractor = load_extractor(device=device)
    return (feature_tables(load_split("train", n=train_size), extractor, "train", device),
            feature_tables(load_split("test", n=test_size), extractor, "test", device))
