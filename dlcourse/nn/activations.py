"""The activation zoo, with derivatives, written to be read.

Every function takes an array ``z`` (any shape) and returns an array of the same shape,
as float64. The sigmoid is written in its numerically stable form, so it stays finite and
exact for very large ``|z|``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ArrayLike = np.ndarray | float | list


def _as_float_array(z: ArrayLike) -> np.ndarray:
    return np.asarray(z, dtype=np.float64)


def sigmoid(z: ArrayLike) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-z)), stable for any finite ``z``.

    For ``z >= 0`` it computes 1 / (1 + exp(-z)); for ``z < 0`` the equal form
    exp(z) / (1 + exp(z)). Neither ever takes the exponential of a large positive number.

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    z = _as_float_array(z)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


def sigmoid_derivative(z: ArrayLike) -> np.ndarray:
    """Derivative of the sigmoid: s(z) (1 - s(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: ArrayLike) -> np.ndarray:
    """Hyperbolic tangent."""
    return np.tanh(_as_float_array(z))


def tanh_derivative(z: ArrayLike) -> np.ndarray:
    """Derivative of tanh: 1 - tanh(z)^2."""
    return 1.0 - np.tanh(_as_float_array(z)) ** 2


def relu(z: ArrayLike) -> np.ndarray:
    """Rectified linear unit max(0, z)."""
    return np.maximum(0.0, _as_float_array(z))


def relu_derivative(z: ArrayLike) -> np.ndarray:
    """Derivative of ReLU: 1 where z > 0, else 0 (0 is the convention at z = 0)."""
    return (_as_float_array(z) > 0).astype(np.float64)


def leaky_relu(z: ArrayLike, slope: float = 0.1) -> np.ndarray:
    """Leaky ReLU max(slope * z, z); the course's slides use slope 0.1."""
    z = _as_float_array(z)
    return np.where(z > 0, z, slope * z)


def leaky_relu_derivative(z: ArrayLike, slope: float = 0.1) -> np.ndarray:
    """Derivative of leaky ReLU: 1 where z > 0, else ``slope``."""
    z = _as_float_array(z)
    return np.where(z > 0, 1.0, slope)


def elu(z: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: z for z >= 0, alpha (exp(z) - 1) below."""
    z = _as_float_array(z)
    return np.where(z >= 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_derivative(z: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """Derivative of ELU: 1 for z >= 0, alpha exp(z) below."""
    z = _as_float_array(z)
    return np.where(z >= 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def maxout(z: ArrayLike, slopes: tuple[float, float] = (1.0, -0.5),
           intercepts: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Maxout of two linear pieces, max(a1 z + c1, a2 z + c2), drawn as a function of one input.

    In a network each piece has its own weight vector and bias, max(w1·x + b1, w2·x + b2);
    with one input this is a convex, piecewise-linear function. ReLU is the special case
    slopes (1, 0) and intercepts (0, 0).
    """
    z = _as_float_array(z)
    (a1, a2), (c1, c2) = slopes, intercepts
    return np.maximum(a1 * z + c1, a2 * z + c2)


def maxout_derivative(z: ArrayLike, slopes: tuple[float, float] = (1.0, -0.5),
                      intercepts: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Derivative of :func:`maxout`: the slope of whichever piece is larger."""
    z = _as_float_array(z)
    (a1, a2), (c1, c2) = slopes, intercepts
    return np.where(a1 * z + c1 >= a2 * z + c2, float(a1), float(a2))


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation function, its derivative and what a lesson says about it.

    Attributes
    ----------
    name : str
        The name used across the course (``"sigmoid"``, ``"leaky_relu"``...).
    function, derivative : callable
        ``f(z, **params)`` and ``f'(z, **params)``.
    formula : str
        LaTeX of f.
    saturates : str
        Where the derivative tends to 0 (``"both sides"``, ``"left"`` or ``"never"``).
    params : dict
        The parameter of the function, if any, with its default.
    """

    name: str
    function: Callable[..., np.ndarray]
    derivative: Callable[..., np.ndarray]
    formula: str
    saturates: str
    params: dict

    def __call__(self, z: ArrayLike, **params) -> np.ndarray:
        return self.function(z, **params)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_derivative,
                   r"\sigma(z) = \frac{1}{1 + e^{-z}}", "both sides", {}),
        Activation("tanh", tanh, tanh_derivative, r"\tanh(z)", "both sides", {}),
        Activation("relu", relu, relu_derivative, r"\max(0, z)", "left", {}),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative,
                   r"\max(s z, z)", "never", {"slope": 0.1}),
        Activation("elu", elu, elu_derivative,
                   r"z \text{ if } z \geq 0 \text{ else } \alpha (e^{z} - 1)", "left",
                   {"alpha": 1.0}),
        Activation("maxout", maxout, maxout_derivative,
                   r"\max(a_1 z + c_1, a_2 z + c_2)", "never",
                   {"slopes": (1.0, -0.5), "intercepts": (0.0, 0.0)}),
    )
}


def get_activation(name: str) -> Activation:
    """Return the :class:`Activation` called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not one of the course's activations; the message lists them.

    Examples
    --------
    >>> get_activation("relu")([-2.0, 3.0]).tolist()
    [0.0, 3.0]
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
