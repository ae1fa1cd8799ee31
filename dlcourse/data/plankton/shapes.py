"""Drawing primitives of the plankton generator: signed distances and soft edges, on a batch.

Every function works on whole batches at once: coordinates ``u, v`` have shape
``(m, H, W)`` (one local frame per image), and shape parameters have shape ``(m, 1, 1)`` so
that they broadcast. A signed distance is negative inside a shape, zero on its edge and
positive outside, in the same units as ``u`` and ``v``.
"""

from __future__ import annotations

import numpy as np


def soft_edge(distance: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """Coverage in [0, 1] of a shape with a blurred edge ``edge`` wide.

    Parameters
    ----------
    distance : ndarray
        Signed distance to the shape (negative inside).
    edge : ndarray
        Width of the blurred edge, same units, broadcastable to ``distance``; wider is blurrier.

    Returns
    -------
    ndarray
        1 well inside, 0 well outside, a smooth step across the edge. A shape thinner than
        ``edge`` comes out fainter and wider, as a thin line does when out of focus.

    Examples
    --------
    >>> soft_edge(np.array([-5.0, 0.0, 5.0]), np.array(1.0)).tolist()
    [1.0, 0.5, 0.0]
    """
    t = 0.5 - distance * (1.0 / edge)
    np.clip(t, 0.0, 1.0, out=t)
    return t * t * (3.0 - 2.0 * t)


def disc_distance(u: np.ndarray, v: np.ndarray, cu, cv, radius) -> np.ndarray:
    """Signed distance to a disc of centre ``(cu, cv)`` and radius ``radius``."""
    return np.sqrt((u - cu) ** 2 + (v - cv) ** 2) - radius


def ellipse_distance(u: np.ndarray, v: np.ndarray, cu, cv, a, b) -> np.ndarray:
    """Approximate signed distance to an axis-aligned ellipse (half-axes ``a`` along u, ``b``).

    Uses the implicit function f = (du/a)^2 + (dv/b)^2 - 1 divided by its gradient's norm:
    exact on the edge, which is all a soft edge needs.
    """
    inv_a, inv_b = 1.0 / a, 1.0 / b
    du = (u - cu) * inv_a
    dv = (v - cv) * inv_b
    gradient = 2.0 * np.sqrt((du * inv_a) ** 2 + (dv * inv_b) ** 2) + 1e-6
    return (du * du + dv * dv - 1.0) / gradient


def capsule_distance(u: np.ndarray, v: np.ndarray, u0, v0, u1, v1, radius) -> np.ndarray:
    """Signed distance to a capsule: the segment (u0, v0)-(u1, v1) thickened by ``radius``."""
    su, sv = u1 - u0, v1 - v0
    pu, pv = u - u0, v - v0
    inv_length2 = 1.0 / (su * su + sv * sv + 1e-12)
    t = (pu * (su * inv_length2) + pv * (sv * inv_length2))
    np.clip(t, 0.0, 1.0, out=t)
    return np.sqrt((pu - t * su) ** 2 + (pv - t * sv) ** 2) - radius


def polar_angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The polar angle of every point (u, v), in radians in [-pi, pi]."""
    return np.arctan2(v, u)


def column(rng: np.random.Generator, low: float, high: float, m: int) -> np.ndarray:
    """``m`` uniform draws in [low, high), as float32 of shape (m, 1, 1) ready to broadcast."""
    return rng.uniform(low, high, m).astype(np.float32).reshape(m, 1, 1)


def choose(flags: np.ndarray, if_true: np.ndarray, if_false: np.ndarray) -> np.ndarray:
    """Per-image choice: ``flags`` of shape (m,) picks ``if_true`` or ``if_false``."""
    return np.where(flags.reshape(-1, 1, 1), if_true, if_false)
