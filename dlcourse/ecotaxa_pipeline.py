"""EcoTaxa's classifier: native descriptors + PCA of fixed deep features + Random Forest.

EcoTaxa describes every image twice: by its *native* descriptors (the shape and grey-level
measurements of ZooProcess) and by the features of a convolutional network trained once,
elsewhere, and kept fixed. The deep features are reduced to 50 numbers by a PCA, set beside
the native ones, and a Random Forest of 300 trees (at least 5 images per leaf, classes
weighted by the inverse of their frequency) predicts the class.

- :func:`feature_tables` computes both descriptions of a set of images;
- :func:`ecotaxa_forest` is the forest with EcoTaxa's settings (:data:`FOREST_SETTINGS`);
- :func:`ecotaxa_pipeline` chains the PCA of the deep columns and the forest, so that the PCA
  is fitted on the training images only.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X, y = rng.normal(size=(60, 4 + 10)), np.repeat([0, 1, 2], 20)
>>> model = ecotaxa_pipeline(n_native=4, n_components=3, n_estimators=10).fit(X, y)
>>> model[:-1].transform(X).shape   # 4 native columns, then 3 principal components
(60, 7)
"""

from __future__ import annotations

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
    "ecotaxa_forest",
    "ecotaxa_pipeline",
    "feature_tables",
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
