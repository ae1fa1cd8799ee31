"""Interactive explorers for the lessons (ipywidgets and matplotlib, no ipympl).

End a cell with an explorer to show it; every control is a public attribute, so tests and
notebooks can also move it from code.
"""

from dlcourse.widgets.activation_explorer import ActivationExplorer, display_name
from dlcourse.widgets.convolution import ConvolutionExplorer
from dlcourse.widgets.feature_space import FeatureSpaceExplorer
from dlcourse.widgets.neuron_explorer import NeuronExplorer

__all__ = [
    "ActivationExplorer",
    "ConvolutionExplorer",
    "FeatureSpaceExplorer",
    "NeuronExplorer",
    "display_name",
]
