"""TensorFlow Playground in the notebook: a readable numpy engine first.

``playground``    the :class:`Playground` class: data, network, training, history, outputs
``engine``        the :class:`Network` class: forward pass, gradients, TF-compatible training
``activations``   relu, tanh, sigmoid and linear with TF Playground's derivatives
``datasets``      TF Playground's six toy data sets and their train/test split
``features``      the input features x1, x2, x1², x2², x1·x2, sin x1, sin x2
``settings``      the allowed values of every setting, and their checks
``state``         saving a playground to a dict, and TF Playground links
``torch_export``  the network as a torch module
"""

from dlcourse.playground.activations import ACTIVATIONS, Activation, get_activation
from dlcourse.playground.engine import Network
from dlcourse.playground.playground import Playground

__all__ = ["ACTIVATIONS", "Activation", "Network", "Playground", "get_activation"]
