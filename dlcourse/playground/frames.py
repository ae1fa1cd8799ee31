"""What one frame of the playground widget holds, computed from a playground.

A *frame* is everything the browser needs to redraw the widget: the epoch and losses, the
scores and confusion matrix, the output over ``[-6, 6]²`` and every neuron's thumbnail (as
float32 bytes), the weights and biases, every link's gradient, the dead neurons and the loss
history. :func:`frame_state` returns it as a dict of the widget's trait values; the widget adds
what only it knows (the snapshots of the history scrubber, the frame counter).

Examples
--------
>>> from dlcourse.playground import Playground
>>> pg = Playground(dataset="xor", hidden=(3,), seed=0).train(epochs=2)
>>> state = frame_state(pg, recorded_losses(pg.history))
>>> state["epoch"], state["layer_sizes"], len(state["output_grid"]) // 4
(2, [2, 3, 1], 10000)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlcourse.playground import inspect
from dlcourse.playground.engine import Network

try:  # the compiled engine draws the output map several times faster
    from dlcourse.playground.fast import node_outputs_grid
except ImportError:
    node_outputs_grid = None

#: Side of the output heat map, in grid points.
GRID_RESOLUTION = 100
#: Side of a node's thumbnail, in grid points.
THUMB_RESOLUTION = 20
#: At most this many points of the loss history go to the browser per frame.
HISTORY_POINTS = 400
#: Half the side of the square the heat maps cover, as in TF Playground.
EXTENT = 6.0
HISTORY_KEYS = ("epoch", "train_loss", "test_loss")


def grid_points(resolution: int) -> np.ndarray:
    """Points of a ``resolution × resolution`` grid over ``[-6, 6]²``, row 0 at the top.

    Row ``i`` has ``x2 = 6 - 12 i / (resolution - 1)`` and column ``j`` has
    ``x1 = -6 + 12 j / (resolution - 1)``; the points come row after row, as an image's pixels.
    """
    axis = np.linspace(-EXTENT, EXTENT, resolution)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def float32_bytes(values: Any) -> bytes:
    """``values`` as contiguous float32 bytes (a JavaScript ``Float32Array``'s buffer)."""
    return np.ascontiguousarray(values, dtype=np.float32).tobytes()


def thinned_history(history: dict[str, list], keys: tuple[str, ...] = HISTORY_KEYS) -> np.ndarray:
    """The ``keys`` series of ``history`` as rows, at most HISTORY_POINTS evenly spread points.

    Returns
    -------
    ndarray, shape (len(keys), m)
        The first and the last point are always kept.
    """
    n = len(history["epoch"])
    keep = np.unique(np.linspace(0, n - 1, min(n, HISTORY_POINTS)).round().astype(int))
    return np.stack([np.asarray(history[key], dtype=float)[keep] if n else np.empty(0)
                     for key in keys])  # fmt: skip


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or None when it is None or not finite (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def recorded_losses(history: dict[str, list]) -> dict[str, float | None]:
    """The last train and test losses of ``history`` (None before any)."""
    if not history["epoch"]:
        return {"train": None, "test": None}
    return {"train": history["train_loss"][-1], "test": history["test_loss"][-1]}


def class_count(pg: Any) -> int:
    """0 to regress, else the number of classes (2 for ±1 labels)."""
    if pg.problem != "classification":
        return 0
    return int(getattr(pg, "n_classes", 2) or 2)


def output_values(pg: Any, points: np.ndarray) -> np.ndarray:
    """``pg.predict(points)``, by the compiled engine when it can (TF Playground's network)."""
    network = pg.network
    if node_outputs_grid is not None and type(network) is Network:
        return node_outputs_grid(network, pg.feature_matrix(points))[-1][0]
    return np.asarray(pg.predict(points))


def output_map(pg: Any, resolution: int = GRID_RESOLUTION) -> np.ndarray:
    """The output over the grid of :func:`grid_points`, flat.

    Returns
    -------
    ndarray
        Two classes or a regression: the output at each point (``resolution²`` values). Three
        classes or more: the predicted class of each point, then its probability
        (``2 resolution²`` values; see :func:`inspect.class_confidence`).
    """
    points = grid_points(resolution)
    with np.errstate(over="ignore", invalid="ignore"):
        if class_count(pg) > 2:
            return np.concatenate(inspect.class_confidence(pg, points))
        return output_values(pg, points)


def scores(pg: Any) -> tuple[str, dict[str, float], list[list[int]]]:
    """The score's name ("accuracy" or "R²"), its train and test values, and the test points'
    confusion matrix (empty to regress)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if class_count(pg):
            return "accuracy", pg.accuracy(), pg.confusion_matrix("test").tolist()
        return "R²", pg.r2(), []


def frame_state(
    pg: Any,
    losses: dict[str, float | None],
    gradients: list[np.ndarray] | None = None,
    history: dict[str, list] | None = None,
) -> dict[str, Any]:
    """The widget's frame traits for ``pg`` as it stands.

    Parameters
    ----------
    pg : Playground
        The playground, or a stand-in for it at an earlier epoch
        (:func:`dlcourse.playground.snapshots.replaying`).
    losses : dict
        The train and test losses to show (``recorded_losses`` or ``inspect.current_losses``).
    gradients : list of ndarray, optional
        The weights' gradients, if already computed (``inspect.link_gradients(pg)[0]``).
    history : dict, optional
        The loss history to draw; by default ``pg.history``.

    Returns
    -------
    dict
        Trait name -> value: ``epoch``, ``train_loss``, ``test_loss``, ``score_name``,
        ``train_score``, ``test_score``, ``confusion``, ``class_count``, ``output_range``,
        ``layer_sizes``, ``weights``, ``biases``, ``link_gradients``, ``dead``,
        ``output_grid``, ``neuron_grids``, ``history``.
    """
    network = pg.network
    if gradients is None:
        gradients = inspect.link_gradients(pg)[0]
    with np.errstate(over="ignore", invalid="ignore"):
        # The playground's grids have rows going up in x2; the browser's images go down.
        thumbs = [np.asarray(g)[:, ::-1] for g in pg.neuron_grids(THUMB_RESOLUTION)[1:]]
    score_name, values, confusion = scores(pg)
    return {
        "epoch": int(pg.epoch),
        "train_loss": finite_or_none(losses["train"]),
        "test_loss": finite_or_none(losses["test"]),
        "score_name": score_name,
        "train_score": finite_or_none(values.get("train")),
        "test_score": finite_or_none(values.get("test")),
        "confusion": confusion,
        "class_count": class_count(pg),
        "output_range": list(inspect.output_range(pg)),
        "layer_sizes": [int(network.weights[0].shape[1])] + [int(w.shape[0])
                                                             for w in network.weights],
        "weights": [np.round(w, 5).tolist() for w in network.weights],
        "biases": [np.round(b, 5).tolist() for b in network.biases],
        "link_gradients": float32_bytes(np.concatenate([g.ravel() for g in gradients])),
        "dead": [mask.astype(int).tolist() for mask in inspect.dead_neurons(pg)],
        "output_grid": float32_bytes(output_map(pg)),
        "neuron_grids": float32_bytes(np.concatenate([t.ravel() for t in thumbs])),
        "history": float32_bytes(thinned_history(pg.history if history is None else history)),
    }
