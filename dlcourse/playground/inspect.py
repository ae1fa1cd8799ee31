"""Looking inside a :class:`~dlcourse.playground.Playground`: gradients, dead neurons, output.

What the widget's gradient view, gradient-norm chart, dead-ReLU counts and output map show,
computed from the playground as it stands (its current weights, its training points), without
training it or changing it:

``link_gradients``        d (mean training loss) / d every weight and bias
``layer_gradient_norms``  the size of each layer's weight gradient
``dead_neurons``          ReLU neurons whose output is 0 on every training point
``current_losses``        train and test loss at the current weights
``output_range``          the values the output node takes: (0, 1) or (-1, 1)
``class_confidence``      the predicted class of points, and its probability
``divergence_message``    a plain-language message when the loss has exploded

(The playground itself gives the scores: ``pg.accuracy()``, ``pg.r2()``,
``pg.confusion_matrix(split)``, ``pg.predict_proba(X)``.)

The gradients are those of the loss the playground trains on (TF Playground's half squared
error in compat mode, the modern mode's loss otherwise), averaged over all the training points,
without the L1/L2 penalty: they say how much each link's weight matters to the fit of the data.

Examples
--------
>>> from dlcourse.playground import Playground
>>> pg = Playground(dataset="xor", hidden=(4,), activation="relu", seed=0).train(epochs=5)
>>> layer_gradient_norms(pg).shape
(2,)
>>> dead_relu_counts(pg)
[0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcourse.playground import modern

SPLITS = ("train", "test")


def _split_data(pg: Any, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The raw points and labels of ``split`` ("train" or "test")."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
    if split == "train":
        return np.asarray(pg.X_train, float), np.asarray(pg.y_train, float)
    return np.asarray(pg.X_test, float), np.asarray(pg.y_test, float)


def link_gradients(pg: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradient of the mean training loss with respect to every weight and bias.

    Parameters
    ----------
    pg : Playground
        The playground, at its current weights; it is not changed.

    Returns
    -------
    dW : list of ndarray
        ``dW[l]`` has the shape of ``pg.network.weights[l]``, ``(n_out, n_in)``.
    db : list of ndarray
        ``db[l]`` has the shape of ``pg.network.biases[l]``.

    Notes
    -----
    Compat mode differentiates TF Playground's loss, the mean of ``0.5 (output - label)²``;
    modern mode the loss it trains on (``pg.loss_name``), for the network as it predicts:
    without dropout. The L1/L2 penalty is left out. Links
    that L1 regularisation has killed have a gradient of 0, as TF Playground skips them.

    Examples
    --------
    >>> from dlcourse.playground import Playground
    >>> dW, db = link_gradients(Playground(hidden=(3,), seed=0))
    >>> [g.shape for g in dW]
    [(3, 2), (1, 3)]
    """
    net = pg.network
    F, y = pg.feature_matrix(pg.X_train), np.asarray(pg.y_train, float)
    with np.errstate(over="ignore", invalid="ignore"):
        if pg.mode == "compat":
            dW, db = net.gradients(F, y)
        else:
            dW, db = modern.gradients(net, F, y, pg.loss_name)
    dead = getattr(net, "dead", None)
    if dead is not None:
        dW = [np.where(mask, 0.0, g) for g, mask in zip(dW, dead, strict=True)]
    return [np.asarray(g, float) for g in dW], [np.asarray(g, float) for g in db]


def layer_gradient_norms(pg: Any) -> np.ndarray:
    """The Euclidean (Frobenius) norm of each layer's weight gradient, inputs side first.

    Returns
    -------
    ndarray, shape (n_layers,)
        Entry ``l`` is ``sqrt(sum(dW[l] ** 2))`` with ``dW`` from :func:`link_gradients`; the
        last entry is the output layer's. Vanishing gradients show as entries that shrink
        towards the inputs.
    """
    dW, _ = link_gradients(pg)
    return np.array([float(np.sqrt(np.sum(g * g))) for g in dW])


def _hidden_activation_names(net: Any) -> list[str]:
    return [net._activation_of(layer).name for layer in range(len(net.weights) - 1)]


def dead_neurons(pg: Any) -> list[np.ndarray]:
    """Which hidden ReLU neurons are dead: output 0 on every training point.

    A dead ReLU neuron's total input is <= 0 for every point, so its output and its gradient are
    0 everywhere: training can no longer revive it. Neurons of other activations are never
    dead (leaky ReLU and ELU keep a gradient for negative inputs).

    Returns
    -------
    list of ndarray of bool
        One array per hidden layer, of its size.
    """
    net = pg.network
    F = pg.feature_matrix(pg.X_train)
    with np.errstate(over="ignore", invalid="ignore"):
        totals, _ = modern.forward(net, F)
    names = _hidden_activation_names(net)
    return [
        np.all(totals[layer] <= 0.0, axis=0) if name == "relu"
        else np.zeros(totals[layer].shape[1], dtype=bool)
        for layer, name in enumerate(names)
    ]


def dead_relu_counts(pg: Any) -> list[int]:
    """The number of dead ReLU neurons in each hidden layer (see :func:`dead_neurons`)."""
    return [int(mask.sum()) for mask in dead_neurons(pg)]


def current_losses(pg: Any) -> dict[str, float]:
    """The train and test loss at the current weights, as ``pg.history`` records them.

    Useful after the weights have been edited by hand, when the last entry of ``pg.history``
    no longer describes the network.

    Returns
    -------
    dict
        ``{"train": ..., "test": ...}``.
    """
    losses = {}
    for split in SPLITS:
        X, y = _split_data(pg, split)
        F = pg.feature_matrix(X)
        if pg.mode == "compat":
            with np.errstate(over="ignore", invalid="ignore"):
                losses[split] = float(pg.network.loss(F, y))
        else:
            losses[split] = modern.loss_value(pg.network, F, y, pg.loss_name)
    return losses


def output_range(pg: Any) -> tuple[float, float]:
    """The range the output is drawn over: ``(0, 1)`` for a sigmoid or softmax output (a
    probability), ``(-1, 1)`` otherwise (tanh, and TF Playground's scale for regression)."""
    return (0.0, 1.0) if pg.output_activation in ("sigmoid", "softmax") else (-1.0, 1.0)


def class_confidence(pg: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
    """The predicted class of each point and the probability the network gives it.

    Parameters
    ----------
    pg : Playground
        A classification playground.
    X : array_like, shape (n, 2)
        Raw points.

    Returns
    -------
    classes : ndarray of int, shape (n,)
        Numbered from 0 in the order of ``pg.classes`` (for ±1 labels, 0 is -1 and 1 is +1).
    confidence : ndarray of float, shape (n,)
        The largest of ``pg.predict_proba(X)``: from ``1 / n_classes`` (undecided) to 1.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        proba = np.asarray(pg.predict_proba(np.asarray(X, float)), float)
    return np.argmax(proba, axis=1).astype(int), np.max(proba, axis=1)


def divergence_message(pg: Any) -> str | None:
    """A plain-language message when the loss has exploded, else None.

    Modern mode keeps its own (``pg.diverged``, training stops there). In compat mode, where
    TF Playground simply goes on with a grey plot, the same message is built from the last
    losses of ``pg.history``: NaN, infinite or above 1e6.
    """
    message = getattr(pg, "diverged", None)
    if message:
        return message
    history = pg.history
    if not history["epoch"]:
        return None
    losses = [history["train_loss"][-1], history["test_loss"][-1]]
    worst = max(losses, key=lambda v: np.inf if np.isnan(v) else v)
    return modern.diverged_message(worst, history["epoch"][-1], pg.learning_rate)
