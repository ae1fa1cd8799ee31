"""Support library of the deep-learning course.

Notebooks import plotting, widgets, data, device and checking helpers from here, so that
no logic is copied from one notebook to another. The code a student must write stays in
the notebook.

Sub-packages
------------
data      toy 2-D sets, bundled real sets and the seed material's worked examples
nn        readable from-scratch pieces shown in the lessons (activations, perceptron)
widgets   interactive explorers for the lessons
check     what exercise tests call, and the self-check a student runs
viz       the course palette and the plotting functions every unit shares
device    CUDA, then Apple MPS, then CPU
"""

__version__ = "0.1.0"

__all__ = ["__version__", "seed_everything"]

from dlcourse.reproducibility import seed_everything  # noqa: E402
