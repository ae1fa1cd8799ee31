"""Training "beyond TF Playground": the modern mode of :class:`~dlcourse.playground.Playground`.

TensorFlow Playground trains with the half squared error on a tanh output, plain gradient
descent and no shuffling (see :mod:`dlcourse.playground.engine`). The modern mode keeps the
same :class:`~dlcourse.playground.engine.Network` weights but trains them as one usually does
today:

- a loss that fits the problem: binary cross-entropy on a sigmoid output for ±1 labels
  (the target is ``(y + 1) / 2``), cross-entropy on a softmax output of k nodes for k >= 3
  classes (labels 0..k-1), or the mean squared error on a linear output for regression;
- mini-batch gradients computed for the whole batch at once (the *mean* over the batch);
- an optimiser: plain SGD, momentum (0.9) or Adam (β1 0.9, β2 0.999, ε 1e-8), written as
  ``torch.optim`` writes them, so the two give the same weights;
- L1 or L2 regularisation added to the gradient: ``reg_rate * sign(w)`` or ``reg_rate * w``;
- a choice of initialisation (TF's U(-0.5, 0.5) and bias 0.1, Xavier, He) and per-layer
  activations, including leaky ReLU (slope 0.01) and ELU;
- (inverted) dropout on the hidden layers while training: each hidden output is kept with
  probability ``1 - rate`` and then divided by ``1 - rate``, so that predictions, made without
  dropout, need no rescaling.

Every function is short and works on plain numpy arrays, so each step can be read on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlcourse.playground.activations import ACTIVATIONS, Activation
from dlcourse.playground.custom_data import MAX_CLASSES
from dlcourse.playground.engine import INITIAL_BIAS, INITIAL_WEIGHT_RANGE, Network

MODES = ("compat", "modern")
LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("tf", "xavier", "he")
MOMENTUM = 0.9
ADAM_BETAS = (0.9, 0.999)
ADAM_EPSILON = 1e-8
LEAKY_SLOPE = 0.01
DIVERGENCE_LIMIT = 1e6  # a loss above this (or NaN, or inf) means training has exploded


# --------------------------------------------------------------------------- activations


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _elu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


MODERN_ACTIVATIONS: dict[str, Activation] = {
    **ACTIVATIONS,
    "leaky_relu": Activation(
        "leaky_relu", _leaky_relu, lambda z, out: np.where(z > 0, 1.0, LEAKY_SLOPE)
    ),
    "elu": Activation("elu", _elu, lambda z, out: np.where(z > 0, 1.0, out + 1.0)),
}


def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - np.max(z, axis=1, keepdims=True))
    return shifted / np.sum(shifted, axis=1, keepdims=True)


def _softmax_der(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    raise ValueError(
        "softmax has no elementwise derivative: train it with cross-entropy, whose gradient "
        "with respect to the total inputs is p - t"
    )


#: The output node's activations; softmax (row by row) serves k >= 3 classes only.
OUTPUT_ACTIVATIONS: dict[str, Activation] = {
    **MODERN_ACTIVATIONS,
    "softmax": Activation("softmax", _softmax, _softmax_der),
}


def output_activation_of(loss: str, n_outputs: int = 1) -> str:
    """The output activation for a loss: sigmoid (one node) or softmax (k nodes) for
    cross-entropy, linear for MSE."""
    if loss == "cross_entropy":
        return "softmax" if n_outputs > 1 else "sigmoid"
    return "linear"


def layer_activations(
    activation: str | Sequence[str], n_hidden: int, loss: str, n_outputs: int = 1
) -> list[Activation]:
    """One :class:`Activation` per layer: the hidden layers', then the output node's.

    Parameters
    ----------
    activation : str or sequence of str
        One name for every hidden layer, or one name per hidden layer.
    n_hidden : int
        Number of hidden layers.
    loss : {"cross_entropy", "mse"}
        Decides the output activation (:func:`output_activation_of`), with ``n_outputs``.
    n_outputs : int
        Output nodes: 1, or k for k >= 3 classes.
    """
    names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if len(names) != n_hidden:
        raise ValueError(
            f"activation must have one name per hidden layer ({n_hidden}); got {activation!r}"
        )
    output = output_activation_of(loss, n_outputs)
    return [MODERN_ACTIVATIONS[name] for name in names] + [OUTPUT_ACTIVATIONS[output]]


# --------------------------------------------------------------------------- the network


class LayeredNetwork(Network):
    """A :class:`Network` whose layers may each have their own activation, and whose output
    layer may have k nodes (a softmax over k classes).

    Parameters
    ----------
    weights, biases : list of ndarray
        As for :class:`Network`.
    activations : sequence of Activation
        One per layer, the output node's last.
    """

    max_outputs = MAX_CLASSES

    def __init__(
        self,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        activations: Sequence[Activation],
    ) -> None:
        if len(activations) != len(weights):
            raise ValueError(f"activations must have one entry per layer ({len(weights)})")
        super().__init__(weights, biases, activations[0], activations[-1])
        self.activations = list(activations)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The output for each row of ``X``: shape ``(n,)`` for one output node, else
        ``(n, k)`` (the k class probabilities of a softmax output)."""
        out = self.forward_layers(X)[1][-1]
        return out[:, 0] if out.shape[1] == 1 else out

    def _activation_of(self, layer: int) -> Activation:
        return self.activations[layer]

    def copy(self) -> LayeredNetwork:
        """An independent copy of the weights and biases."""
        return LayeredNetwork(self.weights, self.biases, self.activations)


def init_weights(
    sizes: Sequence[int], init: str, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Initial weights and biases of a network with layer sizes ``sizes`` (inputs first).

    ``"tf"``: weights U(-0.5, 0.5), biases 0.1 (TF Playground's, drawn as
    :meth:`Network.from_layers` draws them). ``"xavier"``: weights N(0, 2 / (n_in + n_out)).
    ``"he"``: weights N(0, 2 / n_in). Xavier and He start every bias at 0.

    Examples
    --------
    >>> w, b = init_weights([2, 3, 1], "he", np.random.default_rng(0))
    >>> [x.shape for x in w], b[0].tolist()
    ([(3, 2), (1, 3)], [0.0, 0.0, 0.0])
    """
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    if init == "tf":
        weights = [
            rng.uniform(-INITIAL_WEIGHT_RANGE, INITIAL_WEIGHT_RANGE, size=(n_out, n_in))
            for n_in, n_out in pairs
        ]
        return weights, [np.full(n_out, INITIAL_BIAS) for _, n_out in pairs]
    scale = {"xavier": lambda n_in, n_out: 2.0 / (n_in + n_out), "he": lambda n_in, _: 2.0 / n_in}
    weights = [
        rng.normal(0.0, np.sqrt(scale[init](n_in, n_out)), size=(n_out, n_in))
        for n_in, n_out in pairs
    ]
    return weights, [np.zeros(n_out) for _, n_out in pairs]


def make_network(
    n_inputs: int,
    hidden: Sequence[int],
    activation: str | Sequence[str],
    loss: str,
    init: str,
    seed: int,
    n_outputs: int = 1,
) -> LayeredNetwork:
    """A new network for the modern mode, its weights drawn from ``seed``.

    ``n_outputs`` is 1 (two classes or regression) or k, for k >= 3 classes.
    """
    sizes = [n_inputs, *hidden, n_outputs]
    weights, biases = init_weights(sizes, init, np.random.default_rng(seed))
    activations = layer_activations(activation, len(hidden), loss, n_outputs)
    return LayeredNetwork(weights, biases, activations)


# --------------------------------------------------------------------------- loss and gradients


def forward(
    net: Network, X: np.ndarray, masks: Sequence[np.ndarray] | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Total inputs and outputs of every layer, one matrix product per layer.

    Parameters
    ----------
    net : Network
    X : ndarray, shape (n, n_inputs)
    masks : list of ndarray, optional
        Dropout: one array per hidden layer, shape ``(n, n_out)``, multiplying that layer's
        outputs (0 for a dropped output, ``1 / (1 - rate)`` for a kept one; see
        :func:`dropout_masks`). None: no dropout.

    Returns
    -------
    totals : list of ndarray
        ``totals[l] = outputs[l] @ weights[l].T + biases[l]``, shape ``(n, n_out)``.
    outputs : list of ndarray
        ``outputs[0]`` is ``X``; ``outputs[l + 1]`` is the output of layer ``l`` (times its
        mask).
    """
    totals, outputs = [], [X]
    for layer, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        totals.append(outputs[-1] @ w.T + b)
        out = net._activation_of(layer).output(totals[-1])
        outputs.append(out * masks[layer] if masks is not None and layer < len(masks) else out)
    return totals, outputs


def n_outputs(net: Network) -> int:
    """Output nodes of the network: 1, or k for a softmax over k classes."""
    return net.weights[-1].shape[0]


def loss_value(net: Network, X: np.ndarray, y: np.ndarray, loss: str) -> float:
    """Mean loss over the points: cross-entropy (labels ±1, or 0..k-1) or squared error.

    The cross-entropy is computed from the output's total inputs ``z``, which never takes the
    log of 0: ``log(1 + exp(z)) - t z`` with ``t = (y + 1) / 2`` for one sigmoid node, and
    ``log(sum_j exp(z_j)) - z_y`` for a softmax over k nodes.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        totals, outputs = forward(net, X)
        if loss == "cross_entropy" and n_outputs(net) > 1:
            z = totals[-1]
            picked = z[np.arange(len(y)), y.astype(int)]
            return float(np.mean(_logsumexp(z) - picked))
        if loss == "cross_entropy":
            z, target = totals[-1][:, 0], (y + 1.0) / 2.0
            return float(np.mean(np.logaddexp(0.0, z) - target * z))
        return float(np.mean((outputs[-1][:, 0] - y) ** 2))


def _logsumexp(z: np.ndarray) -> np.ndarray:
    top = np.max(z, axis=1)
    return top + np.log(np.sum(np.exp(z - top[:, None]), axis=1))


def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    """Class numbers ``0..k-1`` (shape ``(n,)``) as rows of a ``(n, k)`` identity."""
    return np.eye(k)[y.astype(int)]


def _output_delta(outputs: list[np.ndarray], y: np.ndarray, loss: str) -> np.ndarray:
    """d (mean loss) / d (total inputs of the output layer), shape ``(n, n_outputs)``."""
    n, k = outputs[-1].shape
    if loss == "cross_entropy" and k > 1:  # softmax and cross-entropy together: p - one-hot
        return (outputs[-1] - one_hot(y, k)) / n
    if loss == "cross_entropy":  # sigmoid and cross-entropy together: p - t
        return (outputs[-1] - (y[:, None] + 1.0) / 2.0) / n
    return 2.0 * (outputs[-1] - y[:, None]) / n  # linear output: d out / d z = 1


def gradients(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    loss: str,
    masks: Sequence[np.ndarray] | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradient of the mean loss over the batch ``(X, y)``, by backpropagation.

    Parameters
    ----------
    net : Network
    X : ndarray, shape (n, n_inputs)
    y : ndarray, shape (n,)
        ±1 (one output node, cross-entropy), 0..k-1 (k output nodes), or targets (MSE).
    loss : {"cross_entropy", "mse"}
    masks : list of ndarray, optional
        Dropout masks of the hidden layers, as for :func:`forward`.

    Returns
    -------
    dW, db : list of ndarray
        Same shapes as ``net.weights`` and ``net.biases``.
    """
    totals, outputs = forward(net, X, masks)
    delta = _output_delta(outputs, y, loss)
    dW: list[np.ndarray] = [np.empty(0)] * len(net.weights)
    db: list[np.ndarray] = [np.empty(0)] * len(net.weights)
    for layer in range(len(net.weights) - 1, -1, -1):
        dW[layer] = delta.T @ outputs[layer]
        db[layer] = delta.sum(axis=0)
        if layer:
            below = net._activation_of(layer - 1)
            z = totals[layer - 1]  # with dropout, the derivative needs the unmasked output
            out = outputs[layer] if masks is None else below.output(z)
            delta = (delta @ net.weights[layer]) * below.der(z, out)
            if masks is not None:  # a dropped output passes no gradient back
                delta = delta * masks[layer - 1]
    return dW, db


def regularization_gradient(w: np.ndarray, regularization: str | None,
                            reg_rate: float) -> np.ndarray:  # fmt: skip
    """``reg_rate * sign(w)`` (L1), ``reg_rate * w`` (L2) or 0: the penalty's gradient."""
    if regularization == "L1":
        return reg_rate * np.sign(w)
    if regularization == "L2":
        return reg_rate * w
    return np.zeros_like(w)


# --------------------------------------------------------------------------- optimisers


class Optimizer:
    """SGD, momentum or Adam, with ``torch.optim``'s update rules.

    Parameters
    ----------
    name : {"sgd", "momentum", "adam"}
    shapes : sequence of tuple
        Shapes of the parameters it will update, in a fixed order.

    Attributes
    ----------
    step_count : int
        Updates made so far (Adam's ``t``).
    first, second : list of ndarray
        Momentum's velocity (``first``); Adam's first and second moment estimates.
    """

    def __init__(self, name: str, shapes: Sequence[tuple[int, ...]]) -> None:
        self.name = name
        self.step_count = 0
        self.first = [np.zeros(shape) for shape in shapes]
        self.second = [np.zeros(shape) for shape in shapes]

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        """Update every parameter in place from its gradient."""
        self.step_count += 1
        for p, g, m, v in zip(params, grads, self.first, self.second, strict=True):
            p -= self._direction(g, m, v, lr)

    def _direction(self, g: np.ndarray, m: np.ndarray, v: np.ndarray, lr: float) -> np.ndarray:
        if self.name == "sgd":
            return lr * g
        if self.name == "momentum":  # torch: buf = momentum * buf + g; p -= lr * buf
            m *= MOMENTUM
            m += g
            return lr * m
        beta1, beta2 = ADAM_BETAS
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        t = self.step_count
        denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + ADAM_EPSILON
        return (lr / (1 - beta1**t)) * m / denom

    def to_dict(self) -> dict[str, Any]:
        """The optimiser's state as JSON-serialisable lists."""
        return {
            "name": self.name,
            "step_count": self.step_count,
            "first": [m.tolist() for m in self.first],
            "second": [v.tolist() for v in self.second],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Optimizer:
        """The optimiser written by :meth:`to_dict`."""
        opt = cls(data["name"], [])
        opt.step_count = int(data["step_count"])
        opt.first = [np.array(m, dtype=np.float64) for m in data["first"]]
        opt.second = [np.array(v, dtype=np.float64) for v in data["second"]]
        return opt


def parameters(net: Network) -> list[np.ndarray]:
    """The network's weights then biases: the arrays an :class:`Optimizer` updates."""
    return [*net.weights, *net.biases]


def make_optimizer(name: str, net: Network) -> Optimizer:
    """An optimiser with zero state for the parameters of ``net``."""
    return Optimizer(name, [p.shape for p in parameters(net)])


# --------------------------------------------------------------------------- training


def epoch_order(n: int, seed: int, epoch: int, shuffle: bool) -> np.ndarray:
    """The order in which epoch ``epoch`` visits the ``n`` training points.

    With ``shuffle``, a permutation drawn from ``numpy.random.default_rng([seed, 2, epoch])``:
    different every epoch, the same for the same seed and epoch. Without, ``0, 1, ..., n-1``.
    """
    if not shuffle:
        return np.arange(n)
    return np.random.default_rng([seed, 2, epoch]).permutation(n)


def dropout_masks(
    rng: np.random.Generator, n: int, hidden: Sequence[int], rate: float
) -> list[np.ndarray] | None:
    """Inverted dropout masks for a batch of ``n`` points: one ``(n, size)`` array per hidden
    layer, each entry 0 (dropped, with probability ``rate``) or ``1 / (1 - rate)`` (kept).

    Returns None when ``rate`` is 0 (no dropout, and no random numbers drawn).

    Examples
    --------
    >>> masks = dropout_masks(np.random.default_rng(0), 4, (3,), 0.5)
    >>> sorted(set(masks[0].ravel().tolist()))
    [0.0, 2.0]
    """
    if rate == 0:
        return None
    return [(rng.random((n, size)) >= rate) / (1.0 - rate) for size in hidden]


def dropout_rng(seed: int, epoch: int) -> np.random.Generator:
    """The generator of an epoch's dropout masks: ``numpy.random.default_rng([seed, 3, epoch])``,
    so that the same seed and epoch always drop the same outputs."""
    return np.random.default_rng([seed, 3, epoch])


def train_step(net: Network, X: np.ndarray, y: np.ndarray, optimizer: Optimizer, lr: float,
               loss: str, regularization: str | None = None, reg_rate: float = 0.0,
               masks: Sequence[np.ndarray] | None = None) -> None:  # fmt: skip
    """One update from the batch ``(X, y)``: gradient, regularisation, optimiser step."""
    dW, db = gradients(net, X, y, loss, masks)
    dW = [g + regularization_gradient(w, regularization, reg_rate)
          for g, w in zip(dW, net.weights, strict=True)]  # fmt: skip
    optimizer.step(parameters(net), [*dW, *db], lr)


def train_epoch(net: Network, X: np.ndarray, y: np.ndarray, optimizer: Optimizer, lr: float,
                batch_size: int, loss: str, order: np.ndarray,
                regularization: str | None = None, reg_rate: float = 0.0,
                dropout: float = 0.0, rng: np.random.Generator | None = None) -> None:  # fmt: skip
    """One epoch: the points in ``order``, cut into batches of ``batch_size`` (the last may be
    smaller), one :func:`train_step` per batch; with ``dropout`` > 0, new masks drawn from
    ``rng`` for every batch."""
    hidden = [w.shape[0] for w in net.weights[:-1]]
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            masks = dropout_masks(rng, len(batch), hidden, dropout) if dropout else None
            train_step(net, X[batch], y[batch], optimizer, lr, loss, regularization, reg_rate,
                       masks)  # fmt: skip


def diverged_message(loss: float, epoch: int, learning_rate: float) -> str | None:
    """A plain-language message if ``loss`` is NaN, infinite or above 1e6, else None."""
    if np.isfinite(loss) and loss <= DIVERGENCE_LIMIT:
        return None
    return (
        f"the loss exploded at epoch {epoch}: lower the learning rate "
        f"(now {np.format_float_positional(learning_rate, trim='-')})"
    )


# --------------------------------------------------------------------------- scores


def predicted_class(output: np.ndarray, loss: str) -> np.ndarray:
    """The class each output stands for, as integers in the labels' coding.

    One output node: +1 where the output is above 0.5 for a sigmoid output (cross-entropy),
    above 0 otherwise (tanh or linear output), else -1. k output nodes (shape ``(n, k)``): the
    class ``0..k-1`` of the largest.
    """
    if output.ndim == 2 and output.shape[1] > 1:
        return np.argmax(output, axis=1)
    output = output.reshape(len(output))
    threshold = 0.5 if loss == "cross_entropy" else 0.0
    return np.where(output > threshold, 1, -1)


def accuracy(output: np.ndarray, y: np.ndarray, loss: str) -> float:
    """Share of points whose predicted class (:func:`predicted_class`) is ``y``."""
    return float(np.mean(predicted_class(output, loss) == y))


def r2(output: np.ndarray, y: np.ndarray) -> float:
    """The coefficient of determination, ``1 - SS_res / SS_tot``."""
    return float(1.0 - np.sum((y - output) ** 2) / np.sum((y - np.mean(y)) ** 2))
