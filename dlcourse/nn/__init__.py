"""Readable from-scratch pieces the lessons show.

``activations``  the activation zoo and its derivatives
``neuron``       the formal neuron, y_hat = f(w · x + b)
``perceptron``   Rosenblatt's learning rule
``mlp``          a two-layer network: forward pass, cross-entropy, backpropagation
``gradcheck``    gradients by finite differences, to check backpropagation
"""

from dlcourse.nn import mlp
from dlcourse.nn.activations import ACTIVATIONS, Activation, get_activation
from dlcourse.nn.gradcheck import numerical_gradient, relative_error
from dlcourse.nn.neuron import neuron_forward
from dlcourse.nn.perceptron import Perceptron

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Perceptron",
    "get_activation",
    "mlp",
    "neuron_forward",
    "numerical_gradient",
    "relative_error",
]
