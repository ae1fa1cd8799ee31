"""Learning-rate schedules of the playground's modern mode.

The rate is set once per epoch, from the number of epochs already trained, ``epoch``
(0 for the first), and ``lr`` the playground's ``learning_rate``:

- ``None``: ``lr`` every epoch;
- ``"step"``: ``lr * decay ** floor(epoch / step)`` (torch's ``StepLR``);
- ``"exponential"``: ``lr * decay ** (epoch / step)`` (torch's ``ExponentialLR`` when
  ``step`` is 1);
- ``"cosine"``: ``lr * (1 + cos(pi * epoch / max_epochs)) / 2`` (torch's
  ``CosineAnnealingLR`` with ``T_max=max_epochs``).

``decay`` (the playground's ``lr_decay``, 0.01 to 1) is the factor applied every ``step``
epochs (``lr_step``, 1 to 10000): the step schedule drops by it at once, the exponential one
glides down to it. The cosine schedule goes from ``lr`` to 0 at ``max_epochs``, so it needs a
maximum epoch count.
"""

from __future__ import annotations

import math

SCHEDULES = (None, "step", "exponential", "cosine")
DECAY_RANGE = (0.01, 1.0)
STEP_RANGE = (1, 10_000)


def scheduled_rate(
    learning_rate: float,
    epoch: int,
    schedule: str | None = None,
    decay: float = 0.5,
    step: int = 100,
    max_epochs: int | None = None,
) -> float:
    """The learning rate for the epoch after ``epoch`` epochs of training.

    Parameters
    ----------
    learning_rate : float
        The rate at epoch 0.
    epoch : int
        Epochs already trained, >= 0.
    schedule : {None, "step", "exponential", "cosine"}
    decay : float
        Factor applied every ``step`` epochs (step and exponential schedules).
    step : int
        Epochs per ``decay`` factor.
    max_epochs : int or None
        The cosine schedule's length; required for it.

    Examples
    --------
    >>> scheduled_rate(0.1, 250, "step", decay=0.5, step=100)
    0.025
    >>> round(scheduled_rate(0.1, 50, "cosine", max_epochs=100), 12)
    0.05
    """
    if schedule is None:
        return learning_rate
    if schedule == "step":
        return learning_rate * decay ** (epoch // step)
    if schedule == "exponential":
        return learning_rate * decay ** (epoch / step)
    if schedule == "cosine":
        if max_epochs is None:
            raise ValueError("lr_schedule='cosine' needs max_epochs (the epoch where it reaches 0)")
        progress = min(epoch, max_epochs) / max_epochs
        return learning_rate * (1 + math.cos(math.pi * progress)) / 2
    raise ValueError(f"lr_schedule must be one of {SCHEDULES}; got {schedule!r}")
