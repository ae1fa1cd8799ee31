"""The four activations of TensorFlow Playground, with their derivatives.

Each activation is a pair of functions. ``output(z)`` maps a node's total input ``z`` to its
output; ``der(z, out)`` gives d output / d z, from the input ``z`` or from the output ``out``
whichever TensorFlow Playground uses (``nn.ts``, ``Activations``):

=========  ===================  ==================================
name       output               derivative
=========  ===================  ==================================
relu       max(0, z)            0 where z <= 0, else 1
tanh       tanh(z)              1 - out²
sigmoid    1 / (1 + exp(-z))    s(1 - s), s = sigmoid(z) (= out)
linear     z                    1
=========  ===================  ==================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """A named activation and its derivative.

    Attributes
    ----------
    name : str
        Lower-case name, one of :data:`ACTIVATIONS`.
    output : callable
        ``output(z) -> out``, elementwise.
    der : callable
        ``der(z, out) -> d out / d z``, elementwise, where ``out = output(z)``.
    """

    name: str
    output: Callable[[np.ndarray], np.ndarray]
    der: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # TF Playground's own form. exp(-z) overflows to inf for z < -709, giving exactly 0.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, out: (z > 0) * 1.0),
    "tanh": Activation("tanh", np.tanh, lambda z, out: 1.0 - out * out),
    # s(1 - s) with s = sigmoid(z): TF recomputes sigmoid(z), which is bit-identical to out.
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z, out: out * (1.0 - out)),
    "linear": Activation("linear", lambda z: z * 1.0, lambda z, out: np.ones_like(z)),
}


def get_activation(name: str | Activation, parameter: str = "activation") -> Activation:
    """Look an activation up by name (case-insensitive, so TF's ``"TANH"`` works too).

    Parameters
    ----------
    name : str or Activation
        ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``; an :class:`Activation` is
        returned unchanged.
    parameter : str
        The parameter name to put in the error message.

    Raises
    ------
    ValueError
        If the name is unknown; the message names ``parameter`` and the allowed values.
    """
    if isinstance(name, Activation):
        return name
    key = str(name).lower()
    if key not in ACTIVATIONS:
        allowed = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"{parameter} must be one of {allowed}; got {name!r}")
    return ACTIVATIONS[key]
