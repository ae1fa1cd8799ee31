"""A two-layer network in numpy, readable in one sitting: forward pass, loss, backpropagation.

The network has ``n_inputs`` inputs, one hidden layer of ``n_hidden`` tanh neurons and one
sigmoid output neuron, the probability of class 1:

    Z1 = X @ W1 + b1        (n, n_hidden)   pre-activations of the hidden layer
    A1 = tanh(Z1)           (n, n_hidden)   outputs of the hidden layer: the learned features
    z2 = A1 @ W2 + b2       (n,)            pre-activation of the output neuron
    p  = sigmoid(z2)        (n,)            probability of class 1

It learns by minimising the mean binary cross-entropy with labels ``y`` in {0, 1}. The
parameters travel as a dict ``{"W1", "b1", "W2", "b2"}`` so that ``forward(X, **params)``
reads like the equations.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dlcourse.nn.activations import sigmoid

#: Names of the parameters, in the order ``forward`` takes them.
PARAMETER_NAMES = ("W1", "b1", "W2", "b2")
#: Keys of the cache that ``forward`` returns.
CACHE_KEYS = ("Z1", "A1", "z2", "p")


def _check_shapes(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray) -> None:
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_inputs), got shape {X.shape}")
    if W1.ndim != 2 or W1.shape[0] != X.shape[1]:
        raise ValueError(
            f"W1 must have shape (n_inputs, n_hidden) = ({X.shape[1]}, n_hidden) to match X's "
            f"{X.shape[1]} inputs, got {W1.shape}"
        )
    n_hidden = W1.shape[1]
    if b1.shape != (n_hidden,):
        raise ValueError(f"b1 must have shape ({n_hidden},), one bias per hidden neuron, "
                         f"got {b1.shape}")
    if W2.shape != (n_hidden,):
        raise ValueError(f"W2 must have shape ({n_hidden},), one weight per hidden neuron, "
                         f"got {W2.shape}")


def init_params(n_inputs: int, n_hidden: int, seed: int = 0) -> dict[str, np.ndarray | float]:
    """Random initial weights (normal, scaled by 1/sqrt(fan-in)) and zero biases.

    Parameters
    ----------
    n_inputs, n_hidden : int
        Number of inputs and of hidden neurons, >= 1.
    seed : int
        Seed of the random weights.

    Returns
    -------
    dict
        ``W1`` (n_inputs, n_hidden), ``b1`` (n_hidden,), ``W2`` (n_hidden,), ``b2`` (a float).

    Examples
    --------
    >>> params = init_params(2, 3, seed=0)
    >>> params["W1"].shape, params["b1"].shape, params["W2"].shape, params["b2"]
    ((2, 3), (3,), (3,), 0.0)
    """
    for name, value in (("n_inputs", n_inputs), ("n_hidden", n_hidden)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, 1.0 / np.sqrt(n_inputs), size=(n_inputs, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), size=n_hidden),
        "b2": 0.0,
    }


def forward(
    X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Forward pass: the probability of class 1 for each example, and what backward needs.

    Parameters
    ----------
    X : array of shape (n_samples, n_inputs)
        One example per row.
    W1 : array of shape (n_inputs, n_hidden)
        Column ``j`` holds the weights of hidden neuron ``j``.
    b1 : array of shape (n_hidden,)
        The hidden biases.
    W2 : array of shape (n_hidden,)
        The weights of the output neuron.
    b2 : float
        The output bias.

    Returns
    -------
    p : numpy.ndarray of shape (n_samples,)
        ``sigmoid(tanh(X @ W1 + b1) @ W2 + b2)``, in (0, 1).
    cache : dict
        ``Z1`` and ``A1`` (n_samples, n_hidden): the hidden pre-activations and outputs;
        ``z2`` and ``p`` (n_samples,): the output pre-activation and probability.

    Examples
    --------
    >>> p, cache = forward(np.array([[1.0, 0.0]]), np.eye(2), np.zeros(2), np.ones(2), 0.0)
    >>> round(float(p[0]), 4), sorted(cache)
    (0.6817, ['A1', 'Z1', 'p', 'z2'])
    """
    X, W1, b1, W2 = (np.asarray(a, dtype=np.float64) for a in (X, W1, b1, W2))
    _check_shapes(X, W1, b1, W2)
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    z2 = A1 @ W2 + float(b2)
    p = sigmoid(z2)
    return p, {"Z1": Z1, "A1": A1, "z2": z2, "p": p}


def binary_cross_entropy(p: ArrayLike, y: ArrayLike, eps: float = 1e-12) -> float:
    """Mean binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``.

    Parameters
    ----------
    p : array of shape (n_samples,)
        Predicted probabilities of class 1 (clipped to ``[eps, 1 - eps]`` so that the
        logarithms stay finite).
    y : array of shape (n_samples,)
        Labels, 0 or 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(binary_cross_entropy([0.5, 0.5], [0, 1]), 4)  # log 2: a coin toss
    0.6931
    """
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    y = np.asarray(y, dtype=np.float64)
    if p.shape != y.shape:
        raise ValueError(f"p and y must have the same shape, got {p.shape} and {y.shape}")
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def backward(
    X: ArrayLike, y: ArrayLike, cache: dict[str, np.ndarray], W2: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Backpropagation: the gradient of the mean binary cross-entropy for every parameter.

    The chain rule, from the output back to the inputs (``n`` examples):

    - output: ``dz2 = (p - y) / n`` (sigmoid and cross-entropy together simplify to this);
    - output layer: ``dW2 = A1.T @ dz2`` and ``db2 = sum(dz2)``;
    - back into the hidden layer: ``dA1 = outer(dz2, W2)``, then through tanh,
      ``dZ1 = dA1 * (1 - A1**2)``;
    - hidden layer: ``dW1 = X.T @ dZ1`` and ``db1 = dZ1.sum(axis=0)``.

    Parameters
    ----------
    X : array of shape (n_samples, n_inputs)
        The inputs given to :func:`forward`.
    y : array of shape (n_samples,)
        Labels, 0 or 1.
    cache : dict
        The cache returned by :func:`forward` (``A1`` and ``p`` are used).
    W2 : array of shape (n_hidden,)
        The output weights given to :func:`forward`.

    Returns
    -------
    dW1 : numpy.ndarray of shape (n_inputs, n_hidden)
    db1 : numpy.ndarray of shape (n_hidden,)
    dW2 : numpy.ndarray of shape (n_hidden,)
    db2 : float

    Examples
    --------
    >>> X, y = np.array([[1.0, 0.0]]), np.array([1.0])
    >>> p, cache = forward(X, np.eye(2), np.zeros(2), np.ones(2), 0.0)
    >>> dW1, db1, dW2, db2 = backward(X, y, cache, np.ones(2))
    >>> dW1.shape, db1.shape, dW2.shape, round(db2, 4)
    ((2, 2), (2,), (2,), -0.3183)
    """
    X, y, W2 = (np.asarray(a, dtype=np.float64) for a in (X, y, W2))
    A1, p = np.asarray(cache["A1"]), np.asarray(cache["p"])
    n = X.shape[0]
    if y.shape != (n,) or p.shape != (n,):
        raise ValueError(f"y and cache['p'] must have shape ({n},) to match X, "
                         f"got {y.shape} and {p.shape}")
    if A1.shape != (n, W2.shape[0]):
        raise ValueError(f"cache['A1'] must have shape ({n}, {W2.shape[0]}), got {A1.shape}")
    dz2 = (p - y) / n
    dW2 = A1.T @ dz2
    db2 = float(np.sum(dz2))
    dA1 = np.outer(dz2, W2)
    dZ1 = dA1 * (1.0 - A1**2)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2


def train(
    X: ArrayLike,
    y: ArrayLike,
    n_hidden: int,
    learning_rate: float = 0.5,
    epochs: int = 2000,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray | float], list[float]]:
    """Train the network by full-batch gradient descent.

    Parameters
    ----------
    X : array of shape (n_samples, n_inputs)
    y : array of shape (n_samples,)
        Labels, 0 or 1.
    n_hidden : int
        Hidden neurons.
    learning_rate : float
        Step size, > 0.
    epochs : int
        Gradient steps, each on the whole data set.
    seed : int
        Seed of the initial weights (:func:`init_params`).

    Returns
    -------
    params : dict
        The trained ``W1``, ``b1``, ``W2``, ``b2``.
    losses : list of float
        The loss before each step, then after the last one (``epochs + 1`` values).

    Examples
    --------
    >>> X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    >>> y = np.array([1, 0, 0, 1])  # XOR: one neuron fails, two hidden neurons succeed
    >>> params, losses = train(X, y, n_hidden=2, learning_rate=1.0, epochs=500, seed=0)
    >>> (forward(X, **params)[0] > 0.5).astype(int).tolist()
    [1, 0, 0, 1]
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    params = init_params(X.shape[1], n_hidden, seed=seed)
    losses = []
    for _ in range(int(epochs)):
        p, cache = forward(X, **params)
        losses.append(binary_cross_entropy(p, y))
        grads = backward(X, y, cache, params["W2"])
        for name, grad in zip(PARAMETER_NAMES, grads, strict=True):
            params[name] = params[name] - learning_rate * grad
    losses.append(binary_cross_entropy(forward(X, **params)[0], y))
    return params, losses
