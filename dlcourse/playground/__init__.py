"""TensorFlow Playground in the notebook: a readable numpy engine first.

``playground``    the :class:`Playground` class: data, network, training, history, outputs
``engine``        the :class:`Network` class: forward pass, gradients, TF-compatible training
``activations``   relu, tanh, sigmoid and linear with TF Playground's derivatives
``datasets``      TF Playground's six toy data sets, two three-class sets, train/test split
``custom_data``   your own points: arrays, DataFrames, scikit-learn generators
``classes``       class probabilities, class numbers and confusion matrices
``features``      the input features x1, x2, x1², x2², x1·x2, sin x1, sin x2
``modern``        the modern training mode: losses, softmax, dropout, optimisers
``schedules``     learning-rate schedules (step, exponential, cosine)
``settings``      the allowed values of every setting, and their checks
``state``         saving a playground to a dict, and TF Playground links
``torch_export``  the network as a torch module
"""

from dlcourse.playground.activations import ACTIVATIONS, Activation, get_activation
from dlcourse.playground.engine import Network
from dlcourse.playground.playground import Playground

__all__ = ["ACTIVATIONS", "Activation", "Network", "Playground", "get_activation"]
