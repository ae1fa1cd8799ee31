"""Gradient checking: compare a gradient with the slope of tiny chords (finite differences)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike


def numerical_gradient(
    f: Callable[[np.ndarray], float], array: ArrayLike, eps: float = 1e-6
) -> np.ndarray:
    """Gradient of a scalar function by central differences, one entry at a time.

    For each entry ``a_i`` of ``array``, the slope of the chord from ``a_i - eps`` to
    ``a_i + eps``:

    .. math:: \\frac{\\partial f}{\\partial a_i} \\approx
              \\frac{f(a + \\epsilon e_i) - f(a - \\epsilon e_i)}{2 \\epsilon}

    Its error shrinks like ``eps**2``, so with ``eps = 1e-6`` in float64 it agrees with the
    exact gradient to about 1e-9 (relative). It costs two calls of ``f`` per entry: use it to
    check a gradient on a small network, never to train one.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``array`` and returns a number (a loss).
    array : array-like
        The point where the gradient is taken (any shape; a plain number works too). It is
        copied, never modified.
    eps : float
        The half-width of the chord, > 0.

    Returns
    -------
    numpy.ndarray
        The gradient, with the shape of ``array``.

    Examples
    --------
    >>> grad = numerical_gradient(lambda a: float(np.sum(a ** 2)), np.array([1.0, -2.0]))
    >>> np.round(grad, 6).tolist()
    [2.0, -4.0]
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    point = np.array(array, dtype=np.float64)  # a copy: the caller's array is never touched
    grad = np.zeros_like(point)
    flat, flat_grad = point.reshape(-1), grad.reshape(-1)  # views on point and grad
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        up = float(f(point))
        flat[i] = original - eps
        down = float(f(point))
        flat[i] = original
        flat_grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """How far two arrays are apart, relative to their size: ``|a - b| / (|a| + |b|)``.

    The norms are Euclidean, over all entries. The result is 0 for equal arrays (also when
    both are 0) and at most 1. Two correct gradients, one exact and one by central differences,
    typically differ by less than 1e-7; a bug gives 1e-2 or more.

    Parameters
    ----------
    a, b : array-like
        Two arrays of the same shape (or two numbers).

    Returns
    -------
    float

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> round(relative_error([1.0, 2.0], [1.0, 2.2]), 3)
    0.043
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)
