"""A compiled twin of the engine's TF-compatible training, for live training in the notebook.

:func:`train_epochs_fast` trains a :class:`~dlcourse.playground.engine.Network` exactly as
repeated calls of :meth:`Network.train_epoch_compat` do: same points in the same order, same
accumulators carried over between epochs, L1/L2 regularisation and dead links, and the
floating-point operations done in TF Playground's order (bias first then input by input; point
by point). Without tanh or sigmoid the results are bit-identical to the numpy engine's; tanh is
computed here in plain arithmetic (within 3 ulp of ``numpy.tanh``), so with it they agree to
about 1e-14. :func:`node_outputs_grid` computes every node's output on a grid of inputs (the output
heatmap and the neurons' thumbnails).

The loops are compiled with numba (``@njit(cache=True)``: compiled once, then loaded from the
cache). Without numba, importing this module raises :class:`ImportError`, and callers fall
back to the numpy engine.

Inside the compiled code the network is held as padded arrays: ``W[l, k, j]`` is the weight
from node ``j`` of layer ``l`` (layer 0 = the inputs) to node ``k`` of layer ``l + 1``,
``B[l, k]`` its bias, and ``sizes = [n_inputs, *hidden, 1]`` says which entries are used.
Node values are held as ``rows``: a row per node (inputs first, then layer after layer), a
column per point, so that the loops over points vectorise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

try:
    from numba import njit
except ImportError as error:  # the Playground falls back to the numpy engine
    raise ImportError(
        "dlcourse.playground.fast needs numba (pip install numba); "
        "without it, use Network.train_epoch_compat"
    ) from error

from dlcourse.playground.engine import (
    MAX_BATCH_SIZE,
    MAX_HIDDEN_LAYERS,
    MAX_INPUTS,
    MAX_LAYER_SIZE,
    Network,
    _check_int_range,
    _check_learning_rate,
    _check_regularization,
)

__all__ = ["ACTIVATION_CODES", "REGULARIZATION_CODES", "node_outputs_grid", "train_epochs_fast"]

# Activations and regularisations are passed to the compiled code as integer codes.
RELU, TANH, SIGMOID, LINEAR = 0, 1, 2, 3
ACTIVATION_CODES = {"relu": RELU, "tanh": TANH, "sigmoid": SIGMOID, "linear": LINEAR}
NO_REGULARIZATION, L1, L2 = 0, 1, 2
REGULARIZATION_CODES = {None: NO_REGULARIZATION, "L1": L1, "L2": L2}

_WIDTH = max(MAX_INPUTS, MAX_LAYER_SIZE)  # padded width of every layer
_MAX_LAYERS = MAX_HIDDEN_LAYERS + 1  # weight layers: the hidden ones and the output
_BLOCK = 32  # points forwarded together in training (>= MAX_BATCH_SIZE) and for the losses
_GRID_BLOCK = 128  # points forwarded together on a grid (the rows stay in the L1 cache)

# Compiled once, then loaded from numba's cache. error_model="numpy": a division by zero gives
# inf or nan as in numpy instead of raising, which lets loops with divisions vectorise.
_jit = njit(cache=True, error_model="numpy")


# --------------------------------------------------------------------------- compiled code


# exp(r) = 1 + r + r² (1/2! + r/3! + ... + r¹¹/13!): the Taylor coefficients from 1/13! down to
# 1/2!, for Horner's scheme. For |r| <= ln(2) / 2 the next term is below 1e-17 of the sum.
_EXP_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(13, 1, -1))
_INV_LN2 = 1.0 / math.log(2.0)
_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO; n * _LN2_HI is exact for
_LN2_LO = 1.90821492927058770002e-10  # |n| < 2**20 (fdlibm's split)
_POW2_NEG = 2.0 ** -np.arange(64.0)  # _POW2_NEG[n] = 2**-n


@_jit
def _tanh(z: float) -> float:
    """tanh in plain arithmetic, so that loops over it vectorise.

    The C library's tanh, which numba calls, costs about 35 ns here; this one about 5 ns in a
    vectorised loop, and is within 3 units in the last place of ``numpy.tanh``.
    With ``a = |z|`` and ``x = -2a``: ``tanh a = -expm1(x) / (expm1(x) + 2)``, where
    ``expm1(x) = exp(x) - 1 = 2⁻ⁿ expm1(r) + (2⁻ⁿ - 1)`` for ``x = -n ln 2 + r``, and
    ``expm1(r)`` is a Taylor polynomial. No cancellation: for n = 0 it is ``expm1(r)`` itself.
    """
    a = min(abs(z), 19.0)  # tanh(19) rounds to 1
    x = -2.0 * a
    n = int(0.5 - x * _INV_LN2)  # nearest integer to -x / ln 2, from 0 to 55
    r = (x + n * _LN2_HI) + n * _LN2_LO  # |r| <= ln(2) / 2
    p = 0.0
    for c in _EXP_TAYLOR:
        p = c + r * p
    expm1_r = r + r * (r * p)
    scale = _POW2_NEG[n]
    expm1_x = scale * expm1_r + (scale - 1.0)
    t = math.copysign(expm1_x / (expm1_x + 2.0), z)  # (-expm1 >= 0) / (expm1 + 2), sign of z
    return t if z == z else z  # NaN stays NaN


@_jit
def _sigmoid(z: float) -> float:
    """TF Playground's sigmoid (``exp(-z)`` overflows to inf for z < -709: the result is 0)."""
    return 1.0 / (1.0 + math.exp(-z))


@_jit
def _derivative(code: int, out: float) -> float:
    """d output / d total input, from the output (for relu, ``out > 0`` iff ``z > 0``)."""
    if code == RELU:
        return 1.0 if out > 0.0 else 0.0
    if code == TANH:
        return 1.0 - out * out
    if code == SIGMOID:
        return out * (1.0 - out)
    return 1.0


@_jit
def _first_rows(sizes):
    """``first[l]``: the row of node 0 of layer ``l`` (layer 0: the inputs); ``first[-1]``:
    the number of rows."""
    first = np.zeros(len(sizes) + 1, dtype=np.int64)
    for layer in range(len(sizes)):
        first[layer + 1] = first[layer] + sizes[layer]
    return first


@_jit
def _forward(W, B, sizes, first, codes, rows, m):
    """Forward pass of the points in the first ``m`` columns of ``rows``.

    ``rows`` has a row per node (the inputs, then layer after layer) and a column per point;
    the input rows must be filled. Each total input is added up bias first, then input by
    input, as TF Playground adds it. The loops over points vectorise (they must start at 0:
    with an unknown start, numba's negative-index handling stops that).
    """
    for layer in range(len(sizes) - 1):
        code = codes[layer]
        for k in range(sizes[layer + 1]):
            row = first[layer + 1] + k
            bias = B[layer, k]
            for p in range(m):
                rows[row, p] = bias
            for j in range(sizes[layer]):
                w, source = W[layer, k, j], first[layer] + j
                for p in range(m):
                    rows[row, p] += rows[source, p] * w
            if code == RELU:  # one loop per activation, so that each vectorises
                for p in range(m):
                    rows[row, p] = max(rows[row, p], 0.0)
            elif code == TANH:
                for p in range(m):
                    rows[row, p] = _tanh(rows[row, p])
            elif code == SIGMOID:
                for p in range(m):
                    rows[row, p] = _sigmoid(rows[row, p])


@_jit
def _backward(W, acc_W, acc_B, dead, sizes, first, codes, rows, ders, y, m):
    """Backpropagate the errors of the ``m`` points just forwarded into the accumulators.

    ``y[p]`` is the label of column ``p``. ``ders`` (shaped like ``rows``) receives d loss /
    d output of every node, then d loss / d total input (TF's ``inputDer``). Each accumulator
    adds its terms point after point, and d loss / d output of a node sums its links in order
    (``0 + w0 d0 + w1 d1 + ...``), as TF Playground does.
    """
    last = len(sizes) - 1
    out_row = first[last]
    for p in range(m):
        ders[out_row, p] = rows[out_row, p] - y[p]  # d/d output of 0.5 (output - label)²
    for layer in range(last - 1, -1, -1):
        code, below, here = codes[layer], first[layer], first[layer + 1]
        for k in range(sizes[layer + 1]):
            row = here + k
            for p in range(m):
                ders[row, p] = ders[row, p] * _derivative(code, rows[row, p])
            acc = acc_B[layer, k]
            for p in range(m):
                acc += ders[row, p]
            acc_B[layer, k] = acc
            for j in range(sizes[layer]):
                if dead[layer, k, j]:  # TF skips dead links
                    continue
                acc = acc_W[layer, k, j]
                for p in range(m):
                    acc += ders[row, p] * rows[below + j, p]
                acc_W[layer, k, j] = acc
        if layer > 0:
            for j in range(sizes[layer]):
                for p in range(m):
                    ders[below + j, p] = 0.0
                for k in range(sizes[layer + 1]):
                    w = W[layer, k, j]
                    for p in range(m):
                        ders[below + j, p] += w * ders[here + k, p]


@_jit
def _update(W, B, acc_W, acc_B, dead, sizes, n, lr, regularization, reg_rate):
    """TF Playground's ``updateWeights``: one step with the mean of ``n`` accumulated points."""
    for layer in range(len(sizes) - 1):
        for k in range(sizes[layer + 1]):
            B[layer, k] = B[layer, k] - lr * acc_B[layer, k] / n  # biases: no regularisation
            acc_B[layer, k] = 0.0
            for j in range(sizes[layer]):
                if dead[layer, k, j]:
                    continue
                w = W[layer, k, j]
                if regularization == L1:  # regulDer from the weight before the step
                    regul_der = 1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0)
                else:
                    regul_der = w
                w = w - (lr / n) * acc_W[layer, k, j]
                if regularization != NO_REGULARIZATION:
                    new_w = w - (lr * reg_rate) * regul_der
                    if regularization == L1 and w * new_w < 0.0:
                        new_w = 0.0  # the L1 step crossed zero: the link dies
                        dead[layer, k, j] = True
                    w = new_w
                W[layer, k, j] = w
                acc_W[layer, k, j] = 0.0


@_jit
def _load(X, y, start, stop, rows, labels):
    """Put points ``start:stop`` of ``X`` in the input rows, their labels in ``labels``."""
    for p in range(stop - start):
        for j in range(X.shape[1]):
            rows[j, p] = X[start + p, j]
        labels[p] = y[start + p]


@_jit
def _mean_loss(W, B, sizes, first, codes, X, y, rows, labels):
    """Mean over points of ``0.5 (output - label)²``, added point by point as TF does."""
    if len(X) == 0:
        return np.nan
    out_row = first[len(sizes) - 1]
    total = 0.0
    for start in range(0, len(X), rows.shape[1]):
        stop = min(start + rows.shape[1], len(X))
        _load(X, y, start, stop, rows, labels)
        _forward(W, B, sizes, first, codes, rows, stop - start)
        for p in range(stop - start):
            error = rows[out_row, p] - labels[p]
            total += 0.5 * (error * error)
    return total / len(X)


@_jit
def _train(
    W, B, acc_W, acc_B, dead, acc_n, sizes, codes, X, y, lr, batch_size, epochs,
    regularization, reg_rate, X_test, y_test, losses,
):  # fmt: skip
    """``epochs`` epochs of TF-compatible training; returns the new accumulated-point count.

    The points between two updates see the same weights, so they go through the network
    together. If ``losses`` has a row per epoch, row ``e`` gets the train and test loss after
    epoch ``e``.
    """
    first = _first_rows(sizes)
    rows = np.empty((first[-1], _BLOCK))
    ders = np.empty((first[-1], _BLOCK))
    labels = np.empty(_BLOCK)
    for epoch in range(epochs):
        for start in range(0, len(X), batch_size):
            stop = min(start + batch_size, len(X))
            _load(X, y, start, stop, rows, labels)
            _forward(W, B, sizes, first, codes, rows, stop - start)
            _backward(W, acc_W, acc_B, dead, sizes, first, codes, rows, ders, labels,
                      stop - start)
            acc_n += stop - start
            if stop % batch_size == 0:
                _update(W, B, acc_W, acc_B, dead, sizes, acc_n, lr, regularization, reg_rate)
                acc_n = 0
        if len(losses) == epochs:
            losses[epoch, 0] = _mean_loss(W, B, sizes, first, codes, X, y, rows, labels)
            losses[epoch, 1] = _mean_loss(W, B, sizes, first, codes, X_test, y_test, rows,
                                          labels)
    return acc_n


@_jit
def _grid(W, B, sizes, codes, rows):
    """Every node's output for many points: ``rows`` as in :func:`_forward`, all columns.

    The points go through in blocks small enough to stay in the L1 cache.
    """
    first = _first_rows(sizes)
    block = np.empty((rows.shape[0], _GRID_BLOCK))
    n_inputs, n_points = sizes[0], rows.shape[1]
    for start in range(0, n_points, _GRID_BLOCK):
        stop = min(start + _GRID_BLOCK, n_points)
        for row in range(n_inputs):
            for p in range(stop - start):
                block[row, p] = rows[row, start + p]
        _forward(W, B, sizes, first, codes, block, stop - start)
        for row in range(n_inputs, rows.shape[0]):
            for p in range(stop - start):
                rows[row, start + p] = block[row, p]


# --------------------------------------------------------------------------- packing


def _sizes(network: Network) -> np.ndarray:
    return np.array([network.n_inputs, *network.hidden, 1], dtype=np.int64)


def _codes(network: Network) -> np.ndarray:
    n_layers = len(network.weights)
    codes = [ACTIVATION_CODES[network.activation.name]] * (n_layers - 1)
    return np.array([*codes, ACTIVATION_CODES[network.output_activation.name]], dtype=np.int64)


def _pad(arrays: list[np.ndarray], dtype: Any = np.float64) -> np.ndarray:
    """Stack per-layer matrices (or vectors) into one zero-padded array."""
    if arrays[0].ndim == 1:
        padded = np.zeros((_MAX_LAYERS, _WIDTH), dtype=dtype)
        for layer, a in enumerate(arrays):
            padded[layer, : len(a)] = a
    else:
        padded = np.zeros((_MAX_LAYERS, _WIDTH, _WIDTH), dtype=dtype)
        for layer, a in enumerate(arrays):
            padded[layer, : a.shape[0], : a.shape[1]] = a
    return padded


def _unpad(padded: np.ndarray, arrays: list[np.ndarray]) -> None:
    """Copy the padded values back into the per-layer arrays, in place."""
    for layer, a in enumerate(arrays):
        a[...] = padded[(layer, *(slice(0, n) for n in a.shape))]


def _dead_masks(network: Network) -> list[np.ndarray]:
    """The network's ``dead`` link masks, created (all False) if it has none yet."""
    dead = getattr(network, "dead", None)
    if dead is None:
        dead = [np.zeros(w.shape, dtype=bool) for w in network.weights]
        network.dead = dead
    return dead


# --------------------------------------------------------------------------- public API


def train_epochs_fast(
    network: Network,
    X: Any,
    y: Any,
    learning_rate: float,
    batch_size: int,
    epochs: int,
    regularization: str | None = None,
    reg_rate: float = 0.0,
    X_test: Any = None,
    y_test: Any = None,
) -> np.ndarray | None:
    """Train ``network`` in place exactly as ``epochs`` calls of ``train_epoch_compat`` would.

    Weights, biases, the gradient accumulators (a partial batch is carried into the next
    epoch, as in TF Playground) and the dead-link masks of L1 regularisation are all updated.

    Parameters
    ----------
    network : Network
        The network to train; mutated in place. If it has no ``dead`` masks yet, they are
        created (all False).
    X : array_like, shape (n, n_inputs)
        Training inputs, visited in order every epoch.
    y : array_like, shape (n,)
        Training labels (±1 to classify).
    learning_rate : float
        Learning rate, > 0.
    batch_size : int
        1 to 30: the weights are updated after every ``batch_size``-th point of an epoch.
    epochs : int
        Number of epochs, >= 0.
    regularization : {None, "L1", "L2"}
        TF Playground's regularisation of the weights (never of the biases). With L1, a weight
        whose step crosses zero is set to 0 and its link is dead from then on.
    reg_rate : float
        Regularisation rate, >= 0.
    X_test, y_test : array_like, optional
        Test data. If given, the losses are computed after every epoch.

    Returns
    -------
    ndarray of shape (epochs, 2), or None
        With test data: row ``e`` holds the mean train loss and the mean test loss
        ``0.5 (output - label)²`` after epoch ``e``. Without: None.

    Examples
    --------
    >>> X, y = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -2.0]]), np.array([1.0, -1.0, 1.0])
    >>> net, twin = Network.from_layers(2, seed=0), Network.from_layers(2, seed=0)
    >>> _ = train_epochs_fast(net, X, y, learning_rate=0.1, batch_size=2, epochs=3)
    >>> for _ in range(3):
    ...     twin.train_epoch_compat(X, y, 0.1, 2)
    >>> max(float(abs(a - b).max()) for a, b in zip(net.weights, twin.weights)) < 1e-15
    True
    """
    X, y = network._check_data(X, y)
    learning_rate = _check_learning_rate(learning_rate)
    batch_size = _check_int_range(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
    epochs = _check_int_range(epochs, "epochs", 0, 2**62)
    regularization, reg_rate = _check_regularization(regularization, reg_rate)
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together")
    with_losses = X_test is not None
    if with_losses:
        X_test, y_test = network._check_data(X_test, y_test)
    else:
        X_test, y_test = np.empty((0, network.n_inputs)), np.empty(0)
    losses = np.full((epochs if with_losses else 0, 2), np.nan)

    dead = _dead_masks(network)
    W, B = _pad(network.weights), _pad(network.biases)
    acc_W, acc_B = _pad(network._acc_w), _pad(network._acc_b)
    dead_padded = _pad(dead, dtype=np.bool_)
    acc_n = _train(
        W, B, acc_W, acc_B, dead_padded, network._acc_n, _sizes(network), _codes(network),
        np.ascontiguousarray(X), np.ascontiguousarray(y), learning_rate, batch_size, epochs,
        REGULARIZATION_CODES[regularization], reg_rate, np.ascontiguousarray(X_test),
        np.ascontiguousarray(y_test), losses,
    )  # fmt: skip
    _unpad(W, network.weights)
    _unpad(B, network.biases)
    _unpad(acc_W, network._acc_w)
    _unpad(acc_B, network._acc_b)
    _unpad(dead_padded, dead)
    network._acc_n = int(acc_n)
    return losses if with_losses else None


def node_outputs_grid(network: Network, inputs: Any) -> list[np.ndarray]:
    """Every node's output at many points (the output heatmap and the neurons' thumbnails).

    Parameters
    ----------
    network : Network
    inputs : array_like, shape (n_points, n_inputs)
        The network's inputs (features already applied), e.g. one row per grid cell.

    Returns
    -------
    list of ndarray
        One array per layer after the inputs, of shape ``(n_nodes, n_points)``: entry
        ``[l][k, p]`` is the output of node ``k`` of layer ``l`` at point ``p``, equal to
        ``network.forward_layers(inputs)[1][l + 1][p, k]``. The last array, shape
        ``(1, n_points)``, is the network's output. For a 100 × 100 grid, reshape an array to
        ``(n_nodes, 100, 100)``.
    """
    inputs, _ = network._check_data(inputs)
    sizes = _sizes(network)
    rows = np.empty((int(sizes.sum()), len(inputs)))
    rows[: network.n_inputs] = inputs.T
    _grid(_pad(network.weights), _pad(network.biases), sizes, _codes(network), rows)
    bounds = np.cumsum(sizes)
    return [rows[start:stop] for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
