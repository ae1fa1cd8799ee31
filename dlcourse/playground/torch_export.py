"""The playground's network as a PyTorch module, to carry on with the framework's tools.

The module takes raw points ``(n, 2)``, computes the selected features itself and returns the
output neuron's value, shape ``(n,)`` (or the k class probabilities, ``(n, k)``, of a softmax
output), in float64 as the numpy engine does. Every layer keeps its activation. With dropout,
an ``nn.Dropout`` follows each hidden activation, and the module is returned in eval mode, where
it gives the playground's predictions. Links that L1 regularisation killed are exported as
weights equal to 0; torch may train them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from dlcourse.playground.features import FEATURES, check_features
from dlcourse.playground.modern import LEAKY_SLOPE

if TYPE_CHECKING:
    from dlcourse.playground.playground import Playground

TORCH_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
    "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
    "elu": nn.ELU,
    "softmax": lambda: nn.Softmax(dim=1),
}


class Features(nn.Module):
    """Raw points ``(n, 2)`` to the selected features ``(n, n_features)``, in TF's order."""

    def __init__(self, features: tuple[str, ...]) -> None:
        super().__init__()
        self.features = check_features(features)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        x1, x2 = points[:, 0], points[:, 1]
        return torch.stack([FEATURES[f](x1, x2, lib=torch) for f in self.features], dim=1)

    def extra_repr(self) -> str:
        return ", ".join(self.features)


def to_torch(pg: Playground) -> nn.Sequential:
    """Features, then a ``Linear`` and an activation per layer (and an ``nn.Dropout`` after
    each hidden one when the playground has dropout), then a flatten to ``(n,)`` for one
    output node. The module is in eval mode.

    Examples
    --------
    >>> from dlcourse.playground import Playground
    >>> model = to_torch(Playground(hidden=(3,), seed=0))
    >>> model(torch.zeros(5, 2, dtype=torch.float64)).shape
    torch.Size([5])
    """
    net = pg.network
    layers: list[nn.Module] = [Features(pg.features)]
    last = len(net.weights) - 1
    for index, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, TORCH_ACTIVATIONS[net._activation_of(index).name]()]
        if index < last and pg.dropout > 0:
            layers.append(nn.Dropout(pg.dropout))
    if net.weights[-1].shape[0] == 1:
        layers.append(nn.Flatten(start_dim=0))
    return nn.Sequential(*layers).eval()
