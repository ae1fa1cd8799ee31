"""TensorFlow Playground in the notebook: a readable numpy engine first.

``engine``       the :class:`Network` class: forward pass, gradients, TF-compatible training
``activations``  relu, tanh, sigmoid and linear with TF Playground's derivatives
"""

from dlcourse.playground.activations import ACTIVATIONS, Activation, get_activation
from dlcourse.playground.engine import Network

__all__ = ["ACTIVATIONS", "Activation", "Network", "get_activation"]
