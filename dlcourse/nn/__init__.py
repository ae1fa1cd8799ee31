"""Readable from-scratch pieces the lessons show: activations, the formal neuron, the perceptron."""

from dlcourse.nn.activations import ACTIVATIONS, Activation, get_activation
from dlcourse.nn.neuron import neuron_forward
from dlcourse.nn.perceptron import Perceptron

__all__ = ["ACTIVATIONS", "Activation", "Perceptron", "get_activation", "neuron_forward"]
