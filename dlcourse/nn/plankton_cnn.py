"""A small convolutional network for grey-level plankton images, and the shipped extractor's.

Four blocks of convolution (3 x 3), batch normalisation, ReLU and 2 x 2 max pooling halve the
image four times; a last convolution and a global average over the image give a vector of
``feature_size`` numbers, the image's *features*; a linear layer turns them into one score
per class. With the default settings: about 250,000 parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def conv_block(in_channels: int, out_channels: int, pool: bool = True) -> nn.Sequential:
    """Convolution 3 x 3 (padding 1), batch normalisation, ReLU, then 2 x 2 max pooling.

    Examples
    --------
    >>> block = conv_block(1, 8)
    >>> tuple(block(torch.zeros(2, 1, 64, 64)).shape)
    (2, 8, 32, 32)
    """
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class PlanktonCNN(nn.Module):
    """A small CNN: convolution blocks, global average pooling, a linear classifier.

    Parameters
    ----------
    n_classes : int
        Number of classes (scores per image).
    channels : sequence of int
        Channels of the pooled blocks; each halves the image's height and width.
    feature_size : int
        Channels of the last convolution, hence the length of :meth:`features`.
    dropout : float
        Dropout before the classifier, during training only.

    Notes
    -----
    Input: a batch of shape (n, 1, H, W), grey levels in [0, 1], with H and W at least
    ``2 ** len(channels)``. Seed PyTorch before building it (``seed_everything``) to get the
    same initial weights every time.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> model = PlanktonCNN()
    >>> tuple(model(torch.zeros(4, 1, 64, 64)).shape), tuple(model.features(
    ...     torch.zeros(4, 1, 64, 64)).shape)
    ((4, 8), (4, 128))
    """

    def __init__(self, n_classes: int = 8, channels: Sequence[int] = (16, 32, 64, 128),
                 feature_size: int = 128, dropout: float = 0.2) -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        if not channels or any(c < 1 for c in channels):
            raise ValueError(f"channels must be positive integers, got {tuple(channels)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        widths = [1, *channels]
        blocks = [conv_block(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True)]
        self.body = nn.Sequential(*blocks, conv_block(widths[-1], feature_size, pool=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(feature_size, n_classes)
        self.n_classes = n_classes
        self.channels = tuple(channels)
        self.feature_size = feature_size
        self.min_side = 2 ** len(channels)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The image's features: the average of the last feature maps, shape (n, feature_size)."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"expected a batch of shape (n, 1, H, W), got {tuple(x.shape)}")
        if min(x.shape[2:]) < self.min_side:
            raise ValueError(f"images must be at least {self.min_side} pixels on each side, "
                             f"got {tuple(x.shape[2:])}")
        return self.pool(self.body(x)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (logits), shape (n, n_classes)."""
        return self.classifier(self.dropout(self.features(x)))

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output of every block, to look at what each layer detects (a list of tensors)."""
        maps = []
        for block in self.body:
            x = block(x)
            maps.append(x)
        return maps


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``.

    Examples
    --------
    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
