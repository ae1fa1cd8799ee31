"""A small fully connected network in numpy, with TensorFlow Playground's training rules.

The whole engine is the :class:`Network` class below. Layer ``l`` holds a weight matrix
``weights[l]`` of shape ``(n_out, n_in)`` and a bias vector ``biases[l]`` of shape ``(n_out,)``;
the hidden layers share one activation and the single output node has its own.

Compatibility mode (:meth:`Network.train_epoch_compat`) reproduces TensorFlow Playground's
``oneStep`` exactly: for every training point in order, a forward pass and the backpropagation
of the half squared error ``0.5 (output - label)²``, accumulating gradients; after every
``batch_size``-th point of the epoch, ``bias -= lr * acc / n`` and ``w = w - (lr / n) * acc``,
with ``n`` the number of points accumulated. The accumulators are *not* cleared at the end of
an epoch, so a partial last batch is carried into the next epoch's first update.

Regularisation follows TF's ``updateWeights`` too: the derivative of the penalty is taken at
the weight *before* the gradient step (L1: sign(w), with sign(0) = 0; L2: w), then
``w = w - (lr / n) * acc`` and ``w = w - (lr * rate) * derivative``. With L1, a weight that the
penalty pushes across zero is set to 0 and its link is *dead*: never updated again. Biases are
never regularised.

All points between two updates see the same weights, so the engine processes them together as
one matrix. It still adds the terms in the order TensorFlow Playground does (input by input,
point by point), which keeps the result equal to TF's to the last bit or so after 500 epochs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlcourse.playground.activations import Activation, get_activation

MAX_HIDDEN_LAYERS = 6
MAX_LAYER_SIZE = 8
MAX_INPUTS = 7  # x1, x2, x1², x2², x1·x2, sin x1, sin x2
MAX_BATCH_SIZE = 30
REGULARIZATIONS = (None, "L1", "L2")
INITIAL_BIAS = 0.1  # TF Playground starts every bias at 0.1 ...
INITIAL_WEIGHT_RANGE = 0.5  # ... and every weight uniform in [-0.5, 0.5)


# --------------------------------------------------------------------------- validation


def _check_int_range(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer from {low} to {high}; got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}; got {value}")
    return int(value)


def _check_hidden(hidden: Sequence[int]) -> tuple[int, ...]:
    hidden = tuple(hidden)
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"hidden must have at most {MAX_HIDDEN_LAYERS} layers; got {len(hidden)}: {hidden}"
        )
    return tuple(_check_int_range(h, "hidden layer size", 1, MAX_LAYER_SIZE) for h in hidden)


def _check_learning_rate(lr: float) -> float:
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr (learning rate) must be a finite number > 0; got {lr!r}")
    return float(lr)


def _check_regularization(regularization: str | None, reg_rate: float) -> tuple[str | None, float]:
    if regularization not in REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {REGULARIZATIONS}; got {regularization!r}")
    is_number = isinstance(reg_rate, (int, float, np.integer, np.floating))
    if isinstance(reg_rate, bool) or not is_number or not np.isfinite(reg_rate) or reg_rate < 0:
        raise ValueError(f"reg_rate must be a finite number >= 0; got {reg_rate!r}")
    return regularization, float(reg_rate)


def _regularization_der(regularization: str | None, w: np.ndarray) -> np.ndarray:
    """d penalty / d w: sign(w) for L1 (0 at 0), w for L2 (penalty 0.5 w²)."""
    if regularization == "L1":
        return np.sign(w)
    return w.copy()


def _total_input(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ w.T + b``, added up in TF Playground's order: bias first, then input by input.

    Parameters
    ----------
    a : ndarray, shape (n, n_in)
        Outputs of the previous layer, one row per point.
    w : ndarray, shape (n_out, n_in)
    b : ndarray, shape (n_out,)

    Returns
    -------
    ndarray, shape (n, n_out)
    """
    z = np.repeat(b[None, :], len(a), axis=0)
    for j in range(w.shape[1]):
        z += a[:, j : j + 1] * w[:, j]
    return z


# --------------------------------------------------------------------------- the network


class Network:
    """A fully connected network: inputs, hidden layers, one output node.

    Parameters
    ----------
    weights : list of ndarray
        ``weights[l]`` has shape ``(n_out, n_in)`` of layer ``l``; the last has one row.
    biases : list of ndarray
        ``biases[l]`` has shape ``(n_out,)``.
    activation : str or Activation
        Activation of every hidden node: ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"linear"``.
    output_activation : str or Activation
        Activation of the output node (TF Playground: tanh to classify, linear to regress).

    Attributes
    ----------
    weights, biases : list of ndarray
        Float64 copies, updated in place by training.
    dead : list of ndarray of bool
        ``dead[l]`` has the shape of ``weights[l]``: True for a link that L1 regularisation
        has set to 0 for good. All False to start with.
    activation, output_activation : Activation
    """

    max_outputs = 1  # TF Playground's single output node

    def __init__(
        self,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        activation: str | Activation = "tanh",
        output_activation: str | Activation = "tanh",
    ) -> None:
        self.weights = [np.array(w, dtype=np.float64) for w in weights]
        self.biases = [np.array(b, dtype=np.float64) for b in biases]
        self.activation = get_activation(activation, "activation")
        self.output_activation = get_activation(output_activation, "output_activation")
        self._check_shapes()
        self.dead = [np.zeros(w.shape, dtype=bool) for w in self.weights]
        self.reset_accumulators()

    def _check_shapes(self) -> None:
        if len(self.weights) != len(self.biases) or not self.weights:
            raise ValueError("weights and biases must be non-empty lists of the same length")
        _check_int_range(self.n_inputs, "n_inputs", 1, MAX_INPUTS)
        _check_hidden(self.hidden)
        for layer, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            n_in = self.weights[layer - 1].shape[0] if layer else w.shape[1]
            if w.ndim != 2 or w.shape[1] != n_in or b.shape != (w.shape[0],):
                raise ValueError(
                    f"layer {layer}: weights must have shape (n_out, {n_in}) and biases "
                    f"(n_out,); got {w.shape} and {b.shape}"
                )
        if not 1 <= self.weights[-1].shape[0] <= self.max_outputs:
            allowed = "1 node" if self.max_outputs == 1 else f"1 to {self.max_outputs} nodes"
            raise ValueError(
                f"the output layer must have {allowed}; got {self.weights[-1].shape[0]}"
            )

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_layers(
        cls,
        n_inputs: int = 2,
        hidden: Sequence[int] = (4, 2),
        activation: str = "tanh",
        output_activation: str = "tanh",
        seed: int | None = None,
    ) -> Network:
        """A new network initialised as TF Playground does it.

        Every bias is 0.1, every weight uniform in [-0.5, 0.5) (drawn with
        ``numpy.random.default_rng(seed)``, so the same seed gives the same network).

        Parameters
        ----------
        n_inputs : int
            Number of input features, 1 to 7.
        hidden : sequence of int
            Sizes of the hidden layers: at most 6 layers of 1 to 8 nodes each.
        activation, output_activation : str
            See :class:`Network`.
        seed : int or None
            Seed of the random weights.

        Examples
        --------
        >>> net = Network.from_layers(2, hidden=(4, 2), seed=0)
        >>> [w.shape for w in net.weights]
        [(4, 2), (2, 4), (1, 2)]
        """
        n_inputs = _check_int_range(n_inputs, "n_inputs", 1, MAX_INPUTS)
        sizes = [n_inputs, *_check_hidden(hidden), 1]
        get_activation(activation, "activation")
        get_activation(output_activation, "output_activation")
        rng = np.random.default_rng(seed)
        weights = [
            rng.uniform(-INITIAL_WEIGHT_RANGE, INITIAL_WEIGHT_RANGE, size=(n_out, n_in))
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        biases = [np.full(n_out, INITIAL_BIAS) for n_out in sizes[1:]]
        return cls(weights, biases, activation, output_activation)

    @classmethod
    def from_tf_playground(
        cls,
        layers: list[list[dict]],
        activation: str = "tanh",
        output_activation: str = "tanh",
        input_ids: Sequence[str] | None = None,
    ) -> Network:
        """Load a network saved from TF Playground (the fixtures' ``initialNetwork``).

        Parameters
        ----------
        layers : list of list of dict
            One list per non-input layer; each node is ``{"id", "bias", "weights"}`` with
            ``weights`` a list of ``{"from": source id, "w": weight}``.
        activation, output_activation : str
            See :class:`Network` (TF's upper-case names such as ``"TANH"`` work).
        input_ids : sequence of str, optional
            Order of the input features, e.g. ``("x", "y")``. By default, the order in which
            the first node lists its weights.

        Returns
        -------
        Network
            Row ``i`` of ``weights[l]`` is node ``i`` of layer ``l`` in the file's order;
            column ``j`` is node ``j`` of the layer before. Node ids are kept in ``node_ids``.
        """
        prev_ids = list(input_ids or [link["from"] for link in layers[0][0]["weights"]])
        all_ids = [prev_ids]
        weights, biases = [], []
        for layer, nodes in enumerate(layers):
            w = np.full((len(nodes), len(prev_ids)), np.nan)
            for row, node in enumerate(nodes):
                for link in node["weights"]:
                    if link["from"] not in prev_ids:
                        raise ValueError(
                            f"layer {layer}, node {node['id']!r}: unknown source {link['from']!r}"
                        )
                    w[row, prev_ids.index(link["from"])] = link["w"]
            if np.isnan(w).any():
                raise ValueError(f"layer {layer}: some links are missing (network not dense)")
            weights.append(w)
            biases.append(np.array([node["bias"] for node in nodes], dtype=np.float64))
            prev_ids = [str(node["id"]) for node in nodes]
            all_ids.append(prev_ids)
        net = cls(weights, biases, activation, output_activation)
        net.node_ids = all_ids
        return net

    def to_tf_playground(self) -> list[list[dict]]:
        """The network in the format :meth:`from_tf_playground` reads."""
        ids = getattr(self, "node_ids", None) or self._default_ids()
        return [
            [
                {
                    "id": node_id,
                    "bias": float(b[row]),
                    "weights": [
                        {"from": src, "w": float(w[row, col])} for col, src in enumerate(src_ids)
                    ],
                }
                for row, node_id in enumerate(layer_ids)
            ]
            for w, b, src_ids, layer_ids in zip(
                self.weights, self.biases, ids[:-1], ids[1:], strict=True
            )
        ]

    def _default_ids(self) -> list[list[str]]:
        ids, count = [[f"x{j + 1}" for j in range(self.n_inputs)]], 0
        for w in self.weights:
            ids.append([str(count + i + 1) for i in range(w.shape[0])])
            count += w.shape[0]
        return ids

    # ------------------------------------------------------------------ shape

    @property
    def n_inputs(self) -> int:
        """Number of input features."""
        return self.weights[0].shape[1]

    @property
    def hidden(self) -> tuple[int, ...]:
        """Sizes of the hidden layers."""
        return tuple(w.shape[0] for w in self.weights[:-1])

    def _activation_of(self, layer: int) -> Activation:
        return self.output_activation if layer == len(self.weights) - 1 else self.activation

    def _check_data(self, X: Any, y: Any = None) -> tuple[np.ndarray, np.ndarray | None]:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (n_points, {self.n_inputs}); got {X.shape}")
        if y is None:
            return X, None
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (len(X),):
            raise ValueError(f"y must have shape ({len(X)},), one label per point; got {y.shape}")
        return X, y

    # ------------------------------------------------------------------ forward

    def forward_layers(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's total inputs and outputs.

        Parameters
        ----------
        X : array_like, shape (n, n_inputs)

        Returns
        -------
        totals : list of ndarray
            ``totals[l]`` (shape ``(n, n_out)``) is the total input of layer ``l``.
        outputs : list of ndarray
            ``outputs[0]`` is ``X``; ``outputs[l + 1]`` is the output of layer ``l``.
        """
        return self._forward_layers(self._check_data(X)[0])

    def _forward_layers(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        totals, outputs = [], [X]
        for layer, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = _total_input(outputs[-1], w, b)
            totals.append(z)
            outputs.append(self._activation_of(layer).output(z))
        return totals, outputs

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The network's output for each row of ``X``, shape ``(n,)``."""
        return self.forward_layers(X)[1][-1][:, 0]

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean over points of the half squared error ``0.5 (output - y)²``."""
        X, y = self._check_data(X, y)
        return float(np.mean(0.5 * (self.forward(X) - y) ** 2))

    # ------------------------------------------------------------------ backward

    def _deltas(self, X: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per-point d loss / d total input of every layer (TF's ``inputDer``), and outputs.

        The loss of a point is ``0.5 (output - y)²``, so d loss / d output = ``output - y``.
        """
        totals, outputs = self._forward_layers(X)
        last = len(self.weights) - 1
        output_der = outputs[-1] - y[:, None]
        deltas: list[np.ndarray] = [np.empty(0)] * len(self.weights)
        for layer in range(last, -1, -1):
            deltas[layer] = output_der * self._activation_of(layer).der(
                totals[layer], outputs[layer + 1]
            )
            if layer:  # d loss / d output of the layer below, summed link by link as TF does
                w = self.weights[layer]
                output_der = np.zeros_like(outputs[layer])
                for k in range(w.shape[0]):
                    output_der += w[k] * deltas[layer][:, k : k + 1]
        return deltas, outputs

    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradient of the mean half squared error over the batch ``(X, y)``.

        Parameters
        ----------
        X : array_like, shape (n, n_inputs)
        y : array_like, shape (n,)

        Returns
        -------
        dW : list of ndarray
            Same shapes as ``weights``.
        db : list of ndarray
            Same shapes as ``biases``.
        """
        X, y = self._check_data(X, y)
        deltas, outputs = self._deltas(X, y)
        dW = [d.T @ a / len(X) for d, a in zip(deltas, outputs[:-1], strict=True)]
        db = [d.mean(axis=0) for d in deltas]
        return dW, db

    # ------------------------------------------------------------------ TF-compatible training

    def reset_accumulators(self) -> None:
        """Forget the gradients accumulated since the last update."""
        self._acc_w = [np.zeros_like(w) for w in self.weights]
        self._acc_b = [np.zeros_like(b) for b in self.biases]
        self._acc_n = 0

    def _accumulate(self, X: np.ndarray, y: np.ndarray) -> None:
        """Add the gradients of the points ``X`` (same weights for all) to the accumulators."""
        deltas, outputs = self._deltas(X, y)
        for layer, (d, a) in enumerate(zip(deltas, outputs[:-1], strict=True)):
            # Reducing over axis 0 adds the rows one after the other, as TF's loop does.
            terms_b = np.concatenate([self._acc_b[layer][None], d])
            terms_w = np.concatenate([self._acc_w[layer][None], d[:, :, None] * a[:, None, :]])
            np.add.reduce(terms_b, axis=0, out=self._acc_b[layer])
            np.add.reduce(terms_w, axis=0, out=self._acc_w[layer])
            self._acc_w[layer][self.dead[layer]] = 0.0  # TF skips dead links in backProp
        self._acc_n += len(X)

    def _update(self, lr: float, regularization: str | None = None, reg_rate: float = 0.0) -> None:
        """TF's ``updateWeights``: a gradient step, then the regularisation step."""
        n = self._acc_n
        for layer in range(len(self.weights)):
            self.biases[layer] -= lr * self._acc_b[layer] / n
            w, dead = self.weights[layer], self.dead[layer]
            if regularization is None:
                w -= (lr / n) * self._acc_w[layer]
            else:
                was_dead = dead.copy()
                regul_der = _regularization_der(regularization, w)  # before the gradient step
                stepped = w - (lr / n) * self._acc_w[layer]
                new = stepped - (lr * reg_rate) * regul_der
                if regularization == "L1":  # crossing zero kills the link
                    crossed = (stepped * new < 0) & ~was_dead
                    new[crossed] = 0.0
                    dead |= crossed
                new[was_dead] = w[was_dead]  # dead links are skipped: they stay at 0
                w[...] = new
            self._acc_b[layer].fill(0.0)
            self._acc_w[layer].fill(0.0)
        self._acc_n = 0

    def train_epoch_compat(
        self,
        X: np.ndarray,
        y: np.ndarray,
        lr: float = 0.03,
        batch_size: int = 10,
        regularization: str | None = None,
        reg_rate: float = 0.0,
    ) -> None:
        """One epoch of TF Playground's training, step for step.

        Points are visited in order (no shuffle). After point ``i`` of the epoch, if
        ``(i + 1) % batch_size == 0``, the weights are updated with the mean of the gradients
        accumulated since the previous update, which may include a partial batch left over
        from the previous epoch.

        Parameters
        ----------
        X : array_like, shape (n, n_inputs)
        y : array_like, shape (n,)
            Labels, ±1 for classification.
        lr : float
            Learning rate, > 0.
        batch_size : int
            1 to 30.
        regularization : {None, "L1", "L2"}
            Penalty on the weights (never the biases): L1 is ``|w|``, L2 is ``0.5 w²``.
        reg_rate : float
            Regularisation rate, >= 0.
        """
        X, y = self._check_data(X, y)
        lr = _check_learning_rate(lr)
        batch_size = _check_int_range(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        regularization, reg_rate = _check_regularization(regularization, reg_rate)
        for start in range(0, len(X), batch_size):
            stop = min(start + batch_size, len(X))
            self._accumulate(X[start:stop], y[start:stop])
            if stop % batch_size == 0:
                self._update(lr, regularization, reg_rate)

    def copy(self) -> Network:
        """An independent copy (accumulators included)."""
        net = Network(self.weights, self.biases, self.activation, self.output_activation)
        net._acc_w = [a.copy() for a in self._acc_w]
        net._acc_b = [a.copy() for a in self._acc_b]
        net._acc_n = self._acc_n
        net.dead = [d.copy() for d in self.dead]
        if hasattr(self, "node_ids"):
            net.node_ids = [list(ids) for ids in self.node_ids]
        return net
