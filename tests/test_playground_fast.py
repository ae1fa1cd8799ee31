"""The compiled engine (numba) against the numpy engine: same training, same node outputs."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from dlcourse.playground import ACTIVATIONS, Network
from dlcourse.playground.fast import node_outputs_grid, train_epochs_fast

FIXTURE = Path(__file__).parent / "fixtures" / "tf-playground" / "circle-default.json"
TOLERANCE = 1e-12
EPOCHS = 200


@pytest.fixture(scope="module")
def tf_run() -> dict:
    return json.loads(FIXTURE.read_text())


def _fixture_data(tf_run: dict, part: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.array(tf_run[f"{part}Inputs"], dtype=np.float64)
    return X, np.array([p["label"] for p in tf_run[f"{part}Data"]], dtype=np.float64)


def _random_data(n: int, n_inputs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6.0, 6.0, size=(n, n_inputs))
    return X, np.where(X[:, 0] * X[:, 1] >= 0, 1.0, -1.0)  # xor-like labels


def _max_dev(a: Network, b: Network) -> float:
    """Largest difference in weights, biases and accumulators; inf if the states differ."""
    if a._acc_n != b._acc_n or any(
        not np.array_equal(x, y) for x, y in zip(a.dead, b.dead, strict=True)
    ):
        return np.inf
    pairs = zip(
        a.weights + a.biases + a._acc_w + a._acc_b,
        b.weights + b.biases + b._acc_w + b._acc_b,
        strict=True,
    )
    return max(float(np.abs(x - y).max()) for x, y in pairs)


def _train_both(net, X, y, lr, batch_size, epochs=EPOCHS, regularization=None, reg_rate=0.0):
    """Train a copy with the numpy engine, the network itself with the fast one."""
    ref = net.copy()
    for _ in range(epochs):
        ref.train_epoch_compat(X, y, lr, batch_size, regularization, reg_rate)
    train_epochs_fast(net, X, y, lr, batch_size, epochs, regularization, reg_rate)
    return net, ref


# --------------------------------------------------------------------------- training


def test_fixture_run_matches_numpy_engine_and_tf_losses(tf_run):
    X, y = _fixture_data(tf_run, "train")
    X_test, y_test = _fixture_data(tf_run, "test")
    net = Network.from_tf_playground(tf_run["initialNetwork"], activation=tf_run["activation"])
    start = net.copy()
    ref = net.copy()
    for _ in range(EPOCHS):
        ref.train_epoch_compat(X, y, tf_run["learningRate"], tf_run["batchSize"])
    losses = train_epochs_fast(
        net, X, y, tf_run["learningRate"], tf_run["batchSize"], EPOCHS, X_test=X_test,
        y_test=y_test,
    )  # fmt: skip
    assert _max_dev(net, ref) < TOLERANCE
    assert _max_dev(net, start) > 0.1  # it did train
    assert losses.shape == (EPOCHS, 2)
    expected = np.array(tf_run["losses"])[1 : EPOCHS + 1, 1:]  # TF's, after epochs 1..200
    np.testing.assert_allclose(losses, expected, rtol=0, atol=1e-9)
    assert losses[-1, 0] == pytest.approx(ref.loss(X, y), abs=TOLERANCE)
    assert losses[-1, 1] == pytest.approx(ref.loss(X_test, y_test), abs=TOLERANCE)


@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("batch_size", [1, 2, 5])  # 2 and 5 leave a partial batch (23 points)
def test_bit_identical_without_tanh_or_exp(activation, batch_size):
    """Same operations in the same order: equal to the last bit (no tanh/exp to differ in).

    Batches stay under 7 points: from 8 terms on, numpy adds a single column pairwise
    (``np.add.reduce`` on shape (n, 1)), so the numpy engine's output-layer bias accumulator
    departs from TF's point-by-point order by an ulp; this engine keeps TF's order.
    """
    X, y = _random_data(23, 3, seed=11)
    net = Network.from_layers(3, (5, 3), activation=activation, output_activation="linear", seed=4)
    net, ref = _train_both(net, X, y, lr=0.03, batch_size=batch_size)
    assert _max_dev(net, ref) == 0.0
    if batch_size != 1:
        assert net._acc_n == 23 % batch_size  # a partial batch is carried over
        assert max(float(np.abs(a).max()) for a in net._acc_b) > 0


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("batch_size", [3, 7, 30])  # none divides 53: carry-over every epoch
def test_matches_numpy_engine(activation, batch_size):
    """tanh and exp may differ from numpy's by an ulp or two; the networks stay within 1e-12.

    (With batches of 1 or 2 and a tanh output, training is chaotic enough that a 1-ulp change
    of one initial weight moves the numpy engine's own result by 1e-4 in 200 epochs: the
    bit-identical test above covers those batch sizes.)
    """
    X, y = _random_data(53, 3, seed=11)
    net = Network.from_layers(3, hidden=(5, 3), activation=activation, seed=4)
    net, ref = _train_both(net, X, y, lr=0.03, batch_size=batch_size)
    assert _max_dev(net, ref) < TOLERANCE
    assert net._acc_n == 53 % batch_size


def test_largest_network_matches_numpy_engine():
    X, y = _random_data(40, 7, seed=5)
    X[:, 2:4], X[:, 4], X[:, 5:] = X[:, :2] ** 2, X[:, 0] * X[:, 1], np.sin(X[:, :2])
    net = Network.from_layers(7, hidden=(8,) * 6, activation="relu", seed=2)
    net, ref = _train_both(net, X, y, lr=0.03, batch_size=10)
    assert _max_dev(net, ref) < TOLERANCE


def test_no_hidden_layer_and_linear_output():
    X, y = _random_data(25, 2, seed=8)
    y = X[:, 0] - 0.5 * X[:, 1]  # regression
    net = Network.from_layers(2, hidden=(), output_activation="linear", seed=3)
    net, ref = _train_both(net, X, y, lr=0.01, batch_size=4)
    assert _max_dev(net, ref) < TOLERANCE


@pytest.mark.parametrize(("regularization", "reg_rate"), [("L1", 0.01), ("L2", 0.03)])
def test_regularization_matches_numpy_engine(regularization, reg_rate):
    X, y = _random_data(53, 2, seed=1)
    net = Network.from_layers(2, hidden=(6, 4), activation="tanh", seed=9)
    net, ref = _train_both(net, X, y, 0.1, 10, regularization=regularization, reg_rate=reg_rate)
    assert _max_dev(net, ref) < TOLERANCE
    n_dead = sum(int(d.sum()) for d in net.dead)
    if regularization == "L1":
        assert n_dead > 0  # the test reaches dead links
        assert all(np.all(w[d] == 0.0) for w, d in zip(net.weights, net.dead, strict=True))
    else:
        assert n_dead == 0


def test_split_calls_equal_one_call():
    X, y = _random_data(53, 2, seed=2)
    a = Network.from_layers(2, seed=6)
    b = a.copy()
    train_epochs_fast(a, X, y, 0.3, 10, 30)
    for _ in range(3):
        train_epochs_fast(b, X, y, 0.3, 10, 10)
    assert _max_dev(a, b) == 0.0


def test_equality_check_catches_a_dropped_carry_over():
    """The comparison is sharp enough to see the accumulators reset at each epoch's end."""
    X, y = _random_data(53, 2, seed=3)
    net = Network.from_layers(2, seed=1)
    ref = net.copy()
    train_epochs_fast(net, X, y, 0.03, 10, EPOCHS)
    for _ in range(EPOCHS):
        ref.train_epoch_compat(X, y, 0.03, 10)
        ref.reset_accumulators()
    assert _max_dev(net, ref) > 1e-6


def test_network_without_dead_masks_gets_them():
    X, y = _random_data(20, 2, seed=4)
    net = Network.from_layers(2, seed=0)
    if hasattr(net, "dead"):
        del net.dead
    train_epochs_fast(net, X, y, 0.03, 10, 2)
    assert [d.shape for d in net.dead] == [w.shape for w in net.weights]


def test_zero_epochs_change_nothing():
    X, y = _random_data(20, 2, seed=4)
    net = Network.from_layers(2, seed=0)
    ref = net.copy()
    assert train_epochs_fast(net, X, y, 0.03, 10, 0, X_test=X, y_test=y).shape == (0, 2)
    assert _max_dev(net, ref) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"batch_size": 31}, ["batch_size", "1 to 30"]),
        ({"learning_rate": 0.0}, ["lr", "> 0"]),
        ({"epochs": -1}, ["epochs"]),
        ({"regularization": "L3"}, ["regularization", "L1"]),
        ({"reg_rate": -1.0}, ["reg_rate", ">= 0"]),
        ({"X": np.zeros((10, 3))}, ["X", "(n_points, 2)"]),
        ({"X_test": np.zeros((4, 2))}, ["X_test", "y_test"]),
    ],
)
def test_bad_parameters_raise(kwargs, words):
    net = Network.from_layers(2, seed=0)
    args = {"X": np.zeros((10, 2)), "y": np.ones(10), "learning_rate": 0.03, "batch_size": 10,
            "epochs": 1, **kwargs}  # fmt: skip
    with pytest.raises(ValueError) as info:
        train_epochs_fast(net, **args)
    for word in words:
        assert word in str(info.value)


# --------------------------------------------------------------------------- node outputs


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_grid_outputs_equal_forward_layers(activation):
    net = Network.from_layers(3, hidden=(8, 5, 2), activation=activation, seed=12)
    for w in net.weights:
        w *= 4.0  # large totals: tanh and sigmoid saturate, relu cuts
    side = np.linspace(-6.0, 6.0, 100)
    gx, gy = np.meshgrid(side, side)
    inputs = np.column_stack([gx.ravel(), gy.ravel(), np.sin(gx.ravel())])
    nodes = node_outputs_grid(net, inputs)
    expected = net.forward_layers(inputs)[1][1:]
    assert [a.shape for a in nodes] == [(8, 10_000), (5, 10_000), (2, 10_000), (1, 10_000)]
    for ours, theirs in zip(nodes, expected, strict=True):
        np.testing.assert_allclose(ours, theirs.T, rtol=0, atol=TOLERANCE)
    assert np.ptp(nodes[-1]) > 0.1


def test_tanh_extremes():
    net = Network([np.ones((1, 1))], [np.zeros(1)], output_activation="tanh")
    z = np.array([[-np.inf], [-800.0], [-19.0], [-1e-300], [-0.0], [0.0], [1e-8], [0.49],
                  [0.5], [3.0], [18.9], [22.0], [np.inf], [np.nan]])  # fmt: skip
    ours = node_outputs_grid(net, z)[0][0]
    np.testing.assert_allclose(ours, np.tanh(z[:, 0]), rtol=4e-16, atol=0)


# --------------------------------------------------------------------------- without numba


def test_import_without_numba_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # makes `import numba` fail
    monkeypatch.delitem(sys.modules, "dlcourse.playground.fast")
    with pytest.raises(ImportError, match="numba"):
        importlib.import_module("dlcourse.playground.fast")
