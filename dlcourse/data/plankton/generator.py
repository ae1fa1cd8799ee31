"""The seeded generator of plankton-like images, and the set it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dlcourse.data.plankton.classes import CLASS_NAMES, CLASSES
from dlcourse.data.plankton.organisms import DRAWERS, Frame

#: Side of the images, in pixels, unless asked otherwise.
DEFAULT_SIZE = 64
#: Blur (edge width), in pixels of a 64-pixel image, drawn uniformly per image.
BLUR_RANGE = (0.8, 2.2)
#: Standard deviation of the Gaussian pixel noise, drawn uniformly per image.
NOISE_RANGE = (0.01, 0.05)
#: Brightness of the background, drawn uniformly per image.
BACKGROUND_RANGE = (0.02, 0.1)
#: Largest shift of the organism from the centre, as a fraction of the half-side.
MAX_SHIFT = 0.1
_TEXTURE_GRID = 8


@dataclass
class PlanktonSet:
    """Images with their labels.

    Attributes
    ----------
    images : ndarray of shape (n, H, W), float32
        Grey levels in [0, 1]: bright organisms on a dark background.
    labels : ndarray of shape (n,), int64
        Class of each image, an index into ``class_names``.
    class_names : tuple of str
        Name of each class.
    metadata : pandas.DataFrame, optional
        One row per image. For generated images, how each was drawn (``angle_deg``,
        ``scale``, ``shift_x_px``, ``shift_y_px``, ``blur_px``, ``noise``, ``background``);
        for an EcoTaxa export, its table.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    metadata: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.images.ndim != 3:
            raise ValueError(f"images must have shape (n, H, W), got {self.images.shape}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"labels must have shape ({self.images.shape[0]},) to match the images, "
                f"got {self.labels.shape}"
            )
        if len(self.labels) and not 0 <= self.labels.min() <= self.labels.max() < len(
            self.class_names
        ):
            raise ValueError(f"labels must lie in [0, {len(self.class_names) - 1}]")

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        n, height, width = self.images.shape
        return (f"PlanktonSet({n} images of {height}x{width} pixels, "
                f"{len(self.class_names)} classes)")

    @property
    def label_names(self) -> np.ndarray:
        """The class name of every image, an array of str of shape (n,)."""
        return np.asarray(self.class_names, dtype=object)[self.labels]

    def counts(self) -> pd.Series:
        """Number of images per class (every class listed, in class order)."""
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return pd.Series(counts, index=pd.Index(self.class_names, name="class"), name="images")

    def subset(self, index) -> PlanktonSet:
        """Return the images selected by ``index`` (an integer array, a slice or a mask)."""
        metadata = None
        if self.metadata is not None:
            metadata = self.metadata.iloc[np.arange(len(self))[index]].reset_index(drop=True)
        return PlanktonSet(self.images[index], self.labels[index], self.class_names, metadata)


def class_counts(n: int, balanced: bool = False) -> np.ndarray:
    """Number of images of each class in a set of ``n``.

    Imbalanced sets follow :data:`CLASS_FREQUENCIES` times ``n``, rounded so that the counts
    add up to ``n`` (largest remainders first); balanced sets share ``n`` equally (the first
    classes get the remainder).

    Examples
    --------
    >>> class_counts(1000).tolist()
    [400, 230, 120, 100, 70, 40, 25, 15]
    >>> class_counts(10, balanced=True).tolist()
    [2, 2, 1, 1, 1, 1, 1, 1]
    """
    k = len(CLASSES)
    if balanced:
        return np.array([n // k + (i < n % k) for i in range(k)], dtype=np.int64)
    exact = np.array([c.frequency for c in CLASSES]) * n
    counts = np.floor(exact + 1e-9).astype(np.int64)
    remainder = exact - counts
    order = np.argsort(-remainder, kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def _validate(n, size, seed, balanced) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 16 <= size <= 512:
        raise ValueError(f"size must be an integer between 16 and 512 pixels, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(balanced, (bool, np.bool_)):
        raise ValueError(f"balanced must be True or False, got {balanced!r}")


def _bilinear_matrix(size: int, grid: int) -> np.ndarray:
    """The (size, grid) matrix that interpolates ``grid`` values linearly onto ``size`` pixels."""
    position = (np.arange(size) + 0.5) / size * (grid - 1)
    lower = np.minimum(np.floor(position).astype(int), grid - 2)
    weight = position - lower
    matrix = np.zeros((size, grid), dtype=np.float32)
    matrix[np.arange(size), lower] = 1.0 - weight
    matrix[np.arange(size), lower + 1] = weight
    return matrix


def make_plankton(n: int = 3000, size: int = DEFAULT_SIZE, seed: int = 0,
                  balanced: bool = False) -> PlanktonSet:
    """Draw ``n`` grey-level plankton-like images of eight classes.

    Each image holds one organism (see :data:`CLASSES` and the data sheet,
    ``datasets/plankton/README.md``), turned by a random angle, scaled, shifted a little,
    blurred, laid on a dark background and overlaid with Gaussian noise.

    Parameters
    ----------
    n : int
        Number of images, >= 1.
    size : int
        Side of the square images, in pixels (16 to 512). The drawing does not depend on it:
        a larger size shows the same organisms in more detail.
    seed : int
        Seed of the generator: the same seed gives the same images on every machine (to
        within floating-point rounding).
    balanced : bool
        False: EcoTaxa-like imbalance (:data:`CLASS_FREQUENCIES`, detritus 40 %, the two rare
        classes 2.5 % and 1.5 %). True: the same number of images in every class.

    Returns
    -------
    PlanktonSet
        ``images`` (n, size, size) float32 in [0, 1], ``labels`` (n,) int64,
        ``class_names`` and the drawing parameters of every image in ``metadata``.
        Class counts are exactly :func:`class_counts` of ``n``; the order is shuffled.

    Examples
    --------
    >>> data = make_plankton(n=100, size=32, seed=0)
    >>> data.images.shape, data.images.dtype.name, data.class_names[0]
    ((100, 32, 32), 'float32', 'detritus')
    >>> int(data.counts()["detritus"])
    40
    """
    _validate(n, size, seed, balanced)
    n, size = int(n), int(size)
    rng = np.random.default_rng(seed)
    counts = class_counts(n, balanced)
    labels = rng.permutation(np.repeat(np.arange(len(CLASSES)), counts))

    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    shift = rng.uniform(-MAX_SHIFT, MAX_SHIFT, (n, 2))
    scale_draw = rng.random(n)
    blur = rng.uniform(*BLUR_RANGE, n)
    noise = rng.uniform(*NOISE_RANGE, n)
    background = rng.uniform(*BACKGROUND_RANGE, n)
    texture_draw = rng.random(n)
    texture_field = rng.random((n, _TEXTURE_GRID, _TEXTURE_GRID), dtype=np.float32)

    low = np.array([CLASSES[k].scale[0] for k in labels])
    high = np.array([CLASSES[k].scale[1] for k in labels])
    scale = low + (high - low) * scale_draw
    low = np.array([CLASSES[k].texture[0] for k in labels])
    high = np.array([CLASSES[k].texture[1] for k in labels])
    texture = (low + (high - low) * texture_draw).astype(np.float32)

    # Pixel centres in canvas units: the image spans [-1, 1] on each axis.
    axis = ((np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0).astype(np.float32)
    x, y = axis[None, None, :], axis[:, None][None]
    images = np.empty((n, size, size), dtype=np.float32)
    for k, spec in enumerate(CLASSES):
        index = np.flatnonzero(labels == k)
        if index.size == 0:
            continue
        # Turn by the angle and shrink by the scale: the organism's frame, where it lies along u.
        cos_a = (np.cos(angle[index]) / scale[index]).astype(np.float32).reshape(-1, 1, 1)
        sin_a = (np.sin(angle[index]) / scale[index]).astype(np.float32).reshape(-1, 1, 1)
        dx = x - shift[index, 0].astype(np.float32).reshape(-1, 1, 1)
        dy = y - shift[index, 1].astype(np.float32).reshape(-1, 1, 1)
        edge = blur[index] * (2.0 / DEFAULT_SIZE) / scale[index]
        frame = Frame(u=dx * cos_a + dy * sin_a, v=dy * cos_a - dx * sin_a,
                      edge=edge.astype(np.float32).reshape(-1, 1, 1))
        images[index] = DRAWERS[spec.name](rng, frame)

    interpolate = _bilinear_matrix(size, _TEXTURE_GRID)
    blotches = interpolate @ texture_field @ interpolate.T
    t = texture.reshape(-1, 1, 1)
    images *= (1.0 - t) + t * blotches
    bg = background.astype(np.float32).reshape(-1, 1, 1)
    images *= 1.0 - bg
    images += bg
    images += rng.standard_normal((n, size, size), dtype=np.float32) * noise.astype(
        np.float32
    ).reshape(-1, 1, 1)
    np.clip(images, 0.0, 1.0, out=images)

    metadata = pd.DataFrame({
        "class_name": np.asarray(CLASS_NAMES, dtype=object)[labels],
        "angle_deg": np.degrees(angle),
        "scale": scale,
        "shift_x_px": shift[:, 0] * size / 2.0,
        "shift_y_px": shift[:, 1] * size / 2.0,
        "blur_px": blur,
        "noise": noise,
        "background": background,
    })
    return PlanktonSet(images, labels.astype(np.int64), CLASS_NAMES, metadata)
