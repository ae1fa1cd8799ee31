"""Snapshots of a network's weights during training, in bounded memory (the history scrubber).

:class:`SnapshotStore` keeps a copy of the weights and biases at the epochs it is given, with
anything else worth replaying beside them (the widget keeps the per-layer gradient norms).
It keeps every snapshot it is offered until it holds ``capacity`` of them; then it drops every
other one and from then on keeps a snapshot only if it comes at least ``gap`` epochs after the
last one kept, ``gap`` doubling at every thinning. However long training runs, the store holds
at most ``capacity`` snapshots, spread over the whole run, the first one always kept.
:func:`replaying` shows a playground as it was at a snapshot, without disturbing its training.

Examples
--------
>>> import numpy as np
>>> store = SnapshotStore(capacity=4)
>>> for epoch in range(10):
...     _ = store.add(epoch, [np.full((1, 1), float(epoch))], [np.zeros(1)])
>>> store.epochs, store.gap
([0, 4, 8], 4)
>>> store[1].weights[0].item()
4.0
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Snapshots kept at most by default: with a network of the largest size (about 400
#: parameters), some 1 MB.
DEFAULT_CAPACITY = 300


@dataclass
class Snapshot:
    """The parameters of a network at one epoch.

    Attributes
    ----------
    epoch : int
    weights, biases : list of ndarray
        Copies, with the shapes of ``Network.weights`` and ``Network.biases``.
    extra : dict
        Anything recorded with it (the widget keeps ``"grad_norms"``).
    """

    epoch: int
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    extra: dict[str, Any] = field(default_factory=dict)


class SnapshotStore:
    """At most ``capacity`` snapshots, spread over the whole of training.

    Parameters
    ----------
    capacity : int
        Most snapshots kept, >= 2.

    Attributes
    ----------
    gap : int
        Fewest epochs between a new snapshot and the last one kept; 1 until the first
        thinning, then doubled at each.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 2:
            raise ValueError(f"capacity must be an integer >= 2; got {capacity!r}")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        """Forget every snapshot (after a reset: training starts again at epoch 0)."""
        self._items: list[Snapshot] = []
        self.gap = 1

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Snapshot:
        return self._items[index]

    @property
    def epochs(self) -> list[int]:
        """The epochs of the snapshots kept, increasing."""
        return [item.epoch for item in self._items]

    def add(self, epoch: int, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
            **extra: Any) -> bool:  # fmt: skip
        """Offer the parameters at ``epoch``; copies are kept if the store wants them.

        A snapshot at the epoch of the last one replaces it (the weights were edited). One at
        an earlier epoch starts the store afresh (training was reset).

        Returns
        -------
        bool
            True if the snapshot was kept.
        """
        epoch = int(epoch)
        snapshot = Snapshot(epoch, [np.array(w, dtype=float) for w in weights],
                            [np.array(b, dtype=float) for b in biases], dict(extra))  # fmt: skip
        if self._items and epoch < self._items[-1].epoch:
            self.clear()
        if self._items and epoch == self._items[-1].epoch:
            self._items[-1] = snapshot
            return True
        if self._items and epoch - self._items[-1].epoch < self.gap:
            return False
        self._items.append(snapshot)
        if len(self._items) > self.capacity:
            self._thin()
        return True

    def _thin(self) -> None:
        """Drop every other snapshot (the first stays) and double the gap."""
        self._items = self._items[::2]
        self.gap *= 2

    def index_at(self, epoch: int) -> int:
        """Index of the last snapshot at or before ``epoch`` (0 if ``epoch`` precedes them all)."""
        if not self._items:
            raise IndexError("the store holds no snapshot")
        return max(bisect_right(self.epochs, int(epoch)) - 1, 0)


class ReplayedPlayground:
    """A playground seen at an earlier epoch: its epoch and history stop there; everything else
    (data, settings, methods) is the playground's own."""

    def __init__(self, playground: Any, epoch: int) -> None:
        self._playground = playground
        self.epoch = int(epoch)
        epochs = playground.history["epoch"]
        stop = bisect_right(epochs, self.epoch) or 1
        self.history = {key: values[:stop] for key, values in playground.history.items()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._playground, name)


@contextmanager
def replaying(playground: Any, snapshot: Snapshot) -> Iterator[ReplayedPlayground]:
    """Show ``playground`` as it was at ``snapshot``, then put it back as it was.

    Inside the ``with`` block, ``playground.network`` is a copy holding the snapshot's weights
    (so ``predict``, ``neuron_grids`` and the like show the past), and the stand-in it yields
    has the snapshot's epoch and the history up to it. The network being trained, its
    optimiser and the history are untouched.

    Examples
    --------
    >>> from dlcourse.playground import Playground
    >>> pg = Playground(dataset="xor", hidden=(2,), seed=0)
    >>> store = SnapshotStore()
    >>> _ = store.add(0, pg.network.weights, pg.network.biases)
    >>> before = pg.train(epochs=3).predict([[1.0, 1.0]])
    >>> with replaying(pg, store[0]) as past:
    ...     past.epoch, bool(past.predict([[1.0, 1.0]]) != before)
    (0, True)
    >>> pg.epoch, bool(pg.predict([[1.0, 1.0]]) == before)
    (3, True)
    """
    network = playground.network
    past = network.copy()
    for arrays, saved in ((past.weights, snapshot.weights), (past.biases, snapshot.biases)):
        for array, values in zip(arrays, saved, strict=True):
            array[...] = values
    playground.network = past
    try:
        yield ReplayedPlayground(playground, snapshot.epoch)
    finally:
        playground.network = network
