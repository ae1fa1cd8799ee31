"""Native (handcrafted) descriptors of plankton images, like those ZooProcess computes.

EcoTaxa describes every object by a few dozen measurements of its shape and grey levels,
taken on the object's mask: the pixels above a grey-level threshold that form the largest
connected object of the vignette. :func:`native_descriptors` computes the main ones for a
whole batch of images at once; :data:`DESCRIPTOR_COLUMNS` says what each column means.

Images are bright objects on a dark background, grey levels in [0, 1] (ZooScan vignettes are
the other way round: pass ``1 - images``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import ndimage

#: Every column of :func:`native_descriptors`: its meaning and unit. "px" stands for pixels,
#: or millimetres when a pixel size is given.
DESCRIPTOR_COLUMNS: dict[str, str] = {
    "area": "number of object pixels (px^2)",
    "esd": "equivalent spherical diameter, the diameter of a disc of the same area (px)",
    "perimeter": "length of the object's outline, Cauchy-Crofton estimate over 4 directions (px)",
    "major": "major axis of the ellipse with the object's second moments (px)",
    "minor": "minor axis of that ellipse (px)",
    "angle": "direction of the major axis, degrees counter-clockwise from horizontal [0, 180)",
    "eccentricity": "eccentricity of that ellipse: 0 for a disc, near 1 for a line",
    "elongation": "major / minor (1 for a disc)",
    "circularity": "4 pi area / perimeter^2: 1 for a disc, small for thin or jagged objects",
    "convex_area": "area of the convex hull of the object (px^2)",
    "convex_perimeter": "perimeter of the convex hull (px)",
    "solidity": "area / convex_area: 1 for a convex object, small for spiny or branched ones",
    "feret": "largest caliper width (maximum Feret diameter) (px)",
    "feret_min": "smallest caliper width (minimum Feret diameter) (px)",
    "grey_mean": "mean grey level of the object's pixels",
    "grey_std": "standard deviation of the object's grey levels",
    "grey_min": "darkest object pixel",
    "grey_max": "brightest object pixel",
    "grey_skew": "skewness of the object's grey levels",
    "grey_kurtosis": "excess kurtosis of the object's grey levels (0 for a normal distribution)",
}

_SLICE_ONLY = np.zeros((3, 3, 3), dtype=bool)
_SLICE_ONLY[1] = True  # 8-connected within an image, never across images


def _as_batch(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W) or (H, W), got {images.shape}")
    if images.shape[1] < 3 or images.shape[2] < 3:
        raise ValueError(f"images must be at least 3 x 3 pixels, got {images.shape[1:]}")
    real = np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)
    if not real:
        raise ValueError(f"images must hold real numbers, got dtype {images.dtype}")
    if not np.issubdtype(images.dtype, np.floating):
        images = images.astype(np.float64)
    return images


def auto_threshold(images) -> np.ndarray:
    """The grey level above which a pixel belongs to the object, per image.

    The background level (median of the one-pixel border) plus the larger of 0.1 and four
    times the background noise (1.4826 times the border's median absolute deviation).

    Parameters
    ----------
    images : array of shape (n, H, W)

    Returns
    -------
    ndarray of shape (n,)
    """
    images = _as_batch(images)
    border = np.concatenate(
        [images[:, 0], images[:, -1], images[:, 1:-1, 0], images[:, 1:-1, -1]], axis=1
    )
    level = np.median(border, axis=1)
    noise = 1.4826 * np.median(np.abs(border - level[:, None]), axis=1)
    return level + np.maximum(0.1, 4.0 * noise)


def object_mask(images, threshold: float | str = "auto") -> np.ndarray:
    """The object of every image: the largest 8-connected group of pixels above the threshold.

    Parameters
    ----------
    images : array of shape (n, H, W) or (H, W)
        Bright objects on a dark background.
    threshold : float or "auto"
        A grey level for all images, or ``"auto"`` for :func:`auto_threshold` per image.

    Returns
    -------
    ndarray of bool, shape (n, H, W)
        All False for an image with no pixel above the threshold.

    Examples
    --------
    >>> image = np.zeros((7, 7)); image[2:5, 1:6] = 1.0; image[0, 0] = 1.0
    >>> int(object_mask(image, threshold=0.5).sum())  # the speck in the corner is dropped
    15
    """
    images = _as_batch(images)
    if isinstance(threshold, str):
        if threshold != "auto":
            raise ValueError(f"threshold must be a number or 'auto', got {threshold!r}")
        cut = auto_threshold(images)[:, None, None]
    else:
        cut = float(threshold)
    above = images > cut
    labels, n_labels = ndimage.label(above, structure=_SLICE_ONLY)
    if n_labels == 0:
        return above
    sizes = np.bincount(labels.ravel(), minlength=n_labels + 1)
    owner = np.zeros(n_labels + 1, dtype=np.int64)
    owner[labels.reshape(len(images), -1)] = np.arange(len(images))[:, None]
    # For each image, the label with the most pixels (label 0, the background, never wins).
    candidates = np.arange(1, n_labels + 1)
    order = np.lexsort((sizes[candidates], owner[candidates]))
    ranked = candidates[order]
    last_of_image = np.r_[owner[ranked][1:] != owner[ranked][:-1], True]
    keep = np.zeros(n_labels + 1, dtype=bool)
    keep[ranked[last_of_image]] = True
    return keep[labels]


def _crofton_perimeter(mask: np.ndarray) -> np.ndarray:
    """Perimeter from the number of object/background transitions in 4 directions."""
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    horizontal = (padded[:, :, 1:] != padded[:, :, :-1]).sum(axis=(1, 2))
    vertical = (padded[:, 1:, :] != padded[:, :-1, :]).sum(axis=(1, 2))
    diagonal = (padded[:, 1:, 1:] != padded[:, :-1, :-1]).sum(axis=(1, 2))
    antidiagonal = (padded[:, 1:, :-1] != padded[:, :-1, 1:]).sum(axis=(1, 2))
    return np.pi / 8.0 * (horizontal + vertical + (diagonal + antidiagonal) / np.sqrt(2.0))


def _half_hull(abscissa: np.ndarray, ordinate: np.ndarray, valid: np.ndarray,
               lower: bool) -> tuple[np.ndarray, np.ndarray]:
    """One side of the convex hull of one point per row, for every image at once.

    Andrew's monotone chain, run in step over the images: the points of row ``r`` are pushed
    together, each image popping what no longer turns the right way.

    Returns
    -------
    stack : ndarray of int, shape (n, H)
        The rows of the hull's vertices, in order; entries past ``size`` repeat the last one.
    size : ndarray of int, shape (n,)
    """
    n, height = valid.shape
    stack = np.zeros((n, height), dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    images = np.arange(n)
    sign = 1.0 if lower else -1.0
    for row in range(height):
        point = ordinate[:, row]
        while True:
            ready = valid[:, row] & (size >= 2)
            if not ready.any():
                break
            a = stack[images, np.maximum(size - 2, 0)]
            b = stack[images, np.maximum(size - 1, 0)]
            oa, ob = ordinate[images, a], ordinate[images, b]
            turn = (b - a) * (point - oa) - (ob - oa) * (abscissa[row] - a)
            pop = ready & (sign * turn <= 0)
            if not pop.any():
                break
            size[pop] -= 1
        push = valid[:, row]
        stack[push, size[push]] = row
        size[push] += 1
    last = stack[images, np.maximum(size - 1, 0)]
    beyond = np.arange(height)[None, :] >= size[:, None]
    stack[beyond] = np.broadcast_to(last[:, None], stack.shape)[beyond]
    return stack, size


def _hull_measures(mask: np.ndarray) -> dict[str, np.ndarray]:
    """Convex area and perimeter and Feret diameters of every object.

    The hull is that of the pixel centres grown by a disc of half a pixel (so that a
    rectangle of a x b pixels has a convex area of about a b): its area is the centres' hull
    area plus half its perimeter plus pi / 4, its perimeter grows by pi, every caliper width
    by 1. Only the first and last object pixel of each row can be vertices.
    """
    n, height, width = mask.shape
    rows = mask.any(axis=2)
    first = mask.argmax(axis=2).astype(np.float64)
    last = (width - 1 - mask[:, :, ::-1].argmax(axis=2)).astype(np.float64)
    y = np.arange(height, dtype=np.float64)
    images = np.arange(n)[:, None]
    left, left_size = _half_hull(y, first, rows, lower=True)
    right, right_size = _half_hull(y, last, rows, lower=False)
    # Keep as many columns as the longest chain needs (repeats add nothing).
    left = left[:, : max(int(left_size.max()), 1)]
    longest = max(int(right_size.max()), 1)
    backwards = np.clip(right_size[:, None] - 1 - np.arange(longest)[None, :], 0, None)
    right = right[images, backwards]
    # The hull polygon: down the left side, back up the right side (repeats add nothing).
    px = np.concatenate([first[images, left], last[images, right]], axis=1)
    py = np.concatenate([y[left], y[right]], axis=1)
    ex, ey = np.roll(px, -1, axis=1) - px, np.roll(py, -1, axis=1) - py
    area = 0.5 * np.abs((px * np.roll(py, -1, axis=1) - np.roll(px, -1, axis=1) * py).sum(axis=1))
    lengths = np.sqrt(ex**2 + ey**2)
    perimeter = lengths.sum(axis=1)
    # Largest caliper width: the longest distance between two vertices.
    gaps = (px[:, :, None] - px[:, None, :]) ** 2 + (py[:, :, None] - py[:, None, :]) ** 2
    feret = np.sqrt(gaps.max(axis=(1, 2)))
    # Smallest caliper width: over the hull's edges, the farthest vertex from the edge's line.
    real = lengths > 0
    safe = np.where(real, lengths, 1.0)
    heights = np.abs(ex[:, :, None] * (py[:, None, :] - py[:, :, None])
                     - ey[:, :, None] * (px[:, None, :] - px[:, :, None])) / safe[:, :, None]
    widest = np.where(real, heights.max(axis=2), np.inf).min(axis=1)
    feret_min = np.where(np.isfinite(widest), widest, 0.0)
    return {
        "convex_area": area + 0.5 * perimeter + np.pi / 4.0,
        "convex_perimeter": perimeter + np.pi,
        "feret": feret + 1.0,
        "feret_min": feret_min + 1.0,
    }


def native_descriptors(images, threshold: float | str = "auto",
                       pixel_size: float = 1.0) -> pd.DataFrame:
    """Measure the shape and grey levels of the object of every image.

    Parameters
    ----------
    images : array of shape (n, H, W) or (H, W)
        Bright objects on a dark background (e.g. ``PlanktonSet.images``).
    threshold : float or "auto"
        How the object is found, see :func:`object_mask`.
    pixel_size : float
        Length of a pixel (EcoTaxa's ``process_pixel``, in mm): lengths are multiplied by it,
        areas by its square. 1 keeps pixels.

    Returns
    -------
    pandas.DataFrame
        One row per image, the columns of :data:`DESCRIPTOR_COLUMNS` in that order. An image
        whose mask is empty gets area 0 and NaN elsewhere (with a warning).

    Examples
    --------
    >>> yy, xx = np.mgrid[:64, :64]
    >>> disc = ((xx - 31.5) ** 2 + (yy - 31.5) ** 2 <= 20**2).astype(float)
    >>> row = native_descriptors(disc, threshold=0.5).iloc[0]
    >>> round(row["esd"]), round(row["perimeter"]), round(float(row["circularity"]), 2)
    (40, 126, 1.0)
    """
    images = _as_batch(images)
    if not np.isfinite(pixel_size) or pixel_size <= 0:
        raise ValueError(f"pixel_size must be a positive number, got {pixel_size!r}")
    mask = object_mask(images, threshold)
    n = len(mask)
    # Work on the object pixels only: their image, row, column and grey level.
    image_of, rows, cols = np.nonzero(mask)
    values = images[mask].astype(np.float64)
    area = np.bincount(image_of, minlength=n).astype(np.float64)
    empty = area == 0
    if empty.any():
        warnings.warn(f"{int(empty.sum())} image(s) have no pixel above the threshold: their "
                      "descriptors are NaN", RuntimeWarning, stacklevel=2)
    safe_area = np.where(empty, 1.0, area)

    def mean_of(per_pixel: np.ndarray) -> np.ndarray:
        return np.bincount(image_of, weights=per_pixel, minlength=n) / safe_area

    cx, cy = mean_of(cols.astype(np.float64)), mean_of(rows.astype(np.float64))
    dx, dy = cols - cx[image_of], rows - cy[image_of]
    # Second moments of the pixels as unit squares (hence the 1/12).
    mu20, mu02 = mean_of(dx * dx) + 1.0 / 12.0, mean_of(dy * dy) + 1.0 / 12.0
    mu11 = mean_of(dx * dy)
    half_sum, half_diff = (mu20 + mu02) / 2.0, np.sqrt(((mu20 - mu02) / 2.0) ** 2 + mu11**2)
    lambda1, lambda2 = half_sum + half_diff, np.maximum(half_sum - half_diff, 0.0)
    major, minor = 4.0 * np.sqrt(lambda1), 4.0 * np.sqrt(lambda2)
    angle = np.degrees(0.5 * np.arctan2(-2.0 * mu11, mu20 - mu02)) % 180.0
    perimeter = _crofton_perimeter(mask)
    hull = _hull_measures(mask)
    convex_area = np.maximum(hull["convex_area"], area)

    mean = mean_of(values)
    centred = values - mean[image_of]
    std = np.sqrt(mean_of(centred**2))
    safe_std = np.where(std > 0, std, 1.0)
    skew = np.where(std > 0, mean_of(centred**3) / safe_std**3, 0.0)
    kurtosis = np.where(std > 0, mean_of(centred**4) / safe_std**4 - 3.0, 0.0)
    grey_min, grey_max = np.full(n, np.nan), np.full(n, np.nan)
    starts = np.searchsorted(image_of, np.flatnonzero(~empty))
    if len(values):
        grey_min[~empty] = np.minimum.reduceat(values, starts)
        grey_max[~empty] = np.maximum.reduceat(values, starts)

    length, surface = float(pixel_size), float(pixel_size) ** 2
    table = pd.DataFrame({
        "area": area * surface,
        "esd": 2.0 * np.sqrt(area / np.pi) * length,
        "perimeter": perimeter * length,
        "major": major * length,
        "minor": minor * length,
        "angle": angle,
        "eccentricity": np.sqrt(1.0 - lambda2 / lambda1),
        "elongation": major / np.maximum(minor, 1e-12),
        "circularity": 4.0 * np.pi * area / np.maximum(perimeter, 1e-12) ** 2,
        "convex_area": convex_area * surface,
        "convex_perimeter": hull["convex_perimeter"] * length,
        "solidity": area / convex_area,
        "feret": hull["feret"] * length,
        "feret_min": hull["feret_min"] * length,
        "grey_mean": mean,
        "grey_std": std,
        "grey_min": grey_min,
        "grey_max": grey_max,
        "grey_skew": skew,
        "grey_kurtosis": kurtosis,
    })
    table.loc[empty, table.columns != "area"] = np.nan
    return table
