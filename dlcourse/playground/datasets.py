"""TensorFlow Playground's six toy data sets, generated as its ``dataset.ts`` does, and two
three-class sets in the same style.

Each generator takes the number of points, the noise (0 to 0.5, TF's 0 to 50 %) and a numpy
random generator, and returns the points ``X`` (shape ``(n, 2)``, coordinates within about
[-6, 6]) and their labels ``y``. TF draws from ``Math.random`` seeded with ``seedrandom``; here
a :class:`numpy.random.Generator` does it, so the recipes are TF's but the points are not the
same numbers as on the website.

==================  ==============  ========================================================
name                TF name         recipe
==================  ==============  ========================================================
``circle``          circle          half the points at radius U(0, 2.5) (label +1), half at
                                    U(3.5, 5) (label -1); the label is +1 when the point
                                    *plus noise* U(-5, 5)·noise lies within radius 2.5
``xor``             xor             x, y ~ U(-5, 5) pushed 0.3 away from the axes; label
                                    sign(x·y) of the point plus noise U(-5, 5)·noise
``gauss``           gauss           two Gaussians at (2, 2) (+1) and (-2, -2) (-1), variance
                                    0.5 to 4 as noise goes from 0 to 0.5
``spiral``          spiral          two arms of radius 0 to 5, turned by π from each other,
                                    points moved by U(-1, 1)·noise
``plane``           reg-plane       x, y ~ U(-6, 6); label (x + y) / 10 of the point plus
                                    noise U(-6, 6)·noise
``multi-gaussian``  reg-gauss       x, y ~ U(-6, 6); six bumps of height ±1 and radius 2
``gauss3``          (none)          three Gaussians at radius 3 (angles 90°, 210°, 330°),
                                    labels 0, 1, 2; variance as ``gauss``
``spiral3``         (none)          three arms as ``spiral``'s, turned by 120° from each
                                    other, labels 0, 1, 2
==================  ==============  ========================================================

Two-class labels are ±1 (TF's); the three-class sets label their points 0, 1 and 2 and need
the playground's modern mode (a softmax output).

:func:`make_data` then shuffles the points and splits them into training and test points,
as TF's ``generateData`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]

N_CLASSIFICATION = 500  # TF's NUM_SAMPLES_CLASSIFY
N_REGRESSION = 1200  # TF's NUM_SAMPLES_REGRESS


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, size=n)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc of positives (radius 2.5) inside a ring of negatives (radius 3.5 to 5)."""
    radius = 5.0
    half = n // 2
    r = np.concatenate(
        [_uniform(rng, 0, radius * 0.5, half), _uniform(rng, radius * 0.7, radius, n - half)]
    )
    angle = _uniform(rng, 0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    noisy = X + rng.uniform(-radius, radius, size=(n, 2)) * noise
    y = np.where(np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5, 1.0, -1.0)
    return X, y


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Four squares: positive where x and y have the same sign."""
    padding = 0.3
    X = rng.uniform(-5, 5, size=(n, 2))
    X += np.where(X > 0, padding, -padding)
    noisy = X + rng.uniform(-5, 5, size=(n, 2)) * noise
    y = np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1.0, -1.0)
    return X, y


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds; their variance grows linearly from 0.5 to 4 with the noise."""
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    half = n // 2
    positives = rng.normal(2.0, np.sqrt(variance), size=(half, 2))
    negatives = rng.normal(-2.0, np.sqrt(variance), size=(n - half, 2))
    X = np.concatenate([positives, negatives])
    y = np.concatenate([np.ones(half), -np.ones(n - half)])
    return X, y


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms, 1.75 turns each, radius 0 to 5."""
    half = n // 2
    i = np.arange(half)
    arms = []
    for delta_t in (0.0, np.pi):
        r = i / half * 5
        t = 1.75 * i / half * 2 * np.pi + delta_t
        arm = np.column_stack([r * np.sin(t), r * np.cos(t)])
        arms.append(arm + rng.uniform(-1, 1, size=(half, 2)) * noise)
    return np.concatenate(arms), np.concatenate([np.ones(half), -np.ones(half)])


def _class_sizes(n: int, k: int) -> list[int]:
    """``n`` points shared out between ``k`` classes, the first ones one point larger."""
    return [len(part) for part in np.array_split(np.arange(n), k)]


def gauss3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clouds at radius 3, labels 0, 1, 2; variance 0.5 to 4 as for ``gauss``."""
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    clouds, labels = [], []
    for label, size in enumerate(_class_sizes(n, 3)):
        angle = np.pi / 2 + label * 2 * np.pi / 3
        centre = 3.0 * np.array([np.cos(angle), np.sin(angle)])
        clouds.append(rng.normal(centre, np.sqrt(variance), size=(size, 2)))
        labels.append(np.full(size, float(label)))
    return np.concatenate(clouds), np.concatenate(labels)


def spiral3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms (``spiral``'s recipe, turned by 120°), labels 0, 1, 2."""
    arms, labels = [], []
    for label, size in enumerate(_class_sizes(n, 3)):
        i = np.arange(size)
        r = i / size * 5
        t = 1.75 * i / size * 2 * np.pi + label * 2 * np.pi / 3
        arm = np.column_stack([r * np.sin(t), r * np.cos(t)])
        arms.append(arm + rng.uniform(-1, 1, size=(size, 2)) * noise)
        labels.append(np.full(size, float(label)))
    return np.concatenate(arms), np.concatenate(labels)


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: the label is (x + y) / 10 (TF's linear scale from [-10, 10] to [-1, 1])."""
    radius = 6.0
    X = rng.uniform(-radius, radius, size=(n, 2))
    noisy = X + rng.uniform(-radius, radius, size=(n, 2)) * noise
    return X, (noisy[:, 0] + noisy[:, 1]) / 10


GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multi_gaussian_label(X: np.ndarray) -> np.ndarray:
    """TF's ``regressGaussian`` label: the bump ``sign · max(0, 1 - d / 2)`` largest in size.

    Ties keep the first bump in :data:`GAUSSIANS` order, as TF's strict ``>`` does.
    """
    label = np.zeros(len(X))
    for cx, cy, sign in GAUSSIANS:
        height = sign * np.clip(1 - np.hypot(X[:, 0] - cx, X[:, 1] - cy) / 2, 0, 1)
        label = np.where(np.abs(height) > np.abs(label), height, label)
    return label


def multi_gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: six bumps of height +1 or -1 on a 3 x 2 grid."""
    radius = 6.0
    X = rng.uniform(-radius, radius, size=(n, 2))
    noisy = X + rng.uniform(-radius, radius, size=(n, 2)) * noise
    return X, multi_gaussian_label(noisy)


CLASSIFICATION: dict[str, Generator] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
}
MULTICLASS: dict[str, Generator] = {"gauss3": gauss3, "spiral3": spiral3}
REGRESSION: dict[str, Generator] = {"plane": plane, "multi-gaussian": multi_gaussian}
DATASETS: dict[str, Generator] = {**CLASSIFICATION, **MULTICLASS, **REGRESSION}
#: The name of the data set of a playground made from your own points (``from_data``).
CUSTOM = "custom"


def n_classes_of(dataset: str) -> int | None:
    """Number of classes of a built-in data set: 2, 3 (``gauss3``, ``spiral3``), None to regress."""
    if dataset in REGRESSION:
        return None
    return 3 if dataset in MULTICLASS else 2


def make_data(
    dataset: str, noise: float, train_ratio: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate a data set, shuffle it and split it as TF Playground does.

    Parameters
    ----------
    dataset : str
        One of :data:`DATASETS`.
    noise : float
        0 to 0.5.
    train_ratio : float
        Share of the points used for training; the first ``floor(n * train_ratio)`` points
        after the shuffle are the training points.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same data.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Points of shape ``(m, 2)`` and labels of shape ``(m,)``.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = make_data("circle", 0.0, 0.5, seed=0)
    >>> X_train.shape, X_test.shape
    ((250, 2), (250, 2))
    """
    n = N_REGRESSION if dataset in REGRESSION else N_CLASSIFICATION
    rng = np.random.default_rng(seed)
    X, y = DATASETS[dataset](n, noise, rng)
    order = rng.permutation(n)
    X, y = X[order], y[order]
    # round() first so that 0.7 * 500 gives 350, as TF's integer percentage does
    split = int(np.floor(round(n * train_ratio, 9)))
    return X[:split], y[:split], X[split:], y[split:]
