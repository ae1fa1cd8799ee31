"""The TF Playground engine: conformance with TF Playground, gradients against torch, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dlcourse.playground import ACTIVATIONS, Network

FIXTURE = Path(__file__).parent / "fixtures" / "tf-playground" / "circle-default.json"


@pytest.fixture(scope="module")
def tf_run() -> dict:
    return json.loads(FIXTURE.read_text())


def _data(points: list[dict], inputs: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(inputs, dtype=np.float64), np.array([p["label"] for p in points], float)


def _max_dev(a: Network, b: Network) -> float:
    pairs = zip(a.weights + a.biases, b.weights + b.biases, strict=True)
    return max(float(np.abs(x - y).max()) for x, y in pairs)


# --------------------------------------------------------------------------- (a) conformance


def test_loading_maps_node_ids_to_matrix_positions(tf_run):
    net = Network.from_tf_playground(tf_run["initialNetwork"])
    assert [w.shape for w in net.weights] == [(4, 2), (2, 4), (1, 2)]
    node5 = tf_run["initialNetwork"][1][0]
    assert node5["id"] == "5"
    for link in node5["weights"]:
        assert net.weights[1][0, int(link["from"]) - 1] == link["w"]
    assert net.weights[0][2, 1] == tf_run["initialNetwork"][0][2]["weights"][1]["w"]
    assert net.to_tf_playground() == tf_run["initialNetwork"]


def test_500_epochs_reproduce_tf_playground(tf_run):
    X, y = _data(tf_run["trainData"], tf_run["trainInputs"])
    X_test, y_test = _data(tf_run["testData"], tf_run["testInputs"])
    lr, batch_size = tf_run["learningRate"], tf_run["batchSize"]
    net = Network.from_tf_playground(tf_run["initialNetwork"], activation=tf_run["activation"])
    expected = np.array(tf_run["losses"])
    assert expected.shape == (501, 3)

    losses = [(0, net.loss(X, y), net.loss(X_test, y_test))]
    for epoch in range(1, 501):
        net.train_epoch_compat(X, y, lr=lr, batch_size=batch_size)
        losses.append((epoch, net.loss(X, y), net.loss(X_test, y_test)))

    np.testing.assert_allclose(np.array(losses), expected, rtol=0, atol=1e-9)
    final = Network.from_tf_playground(tf_run["finalNetwork"])
    assert _max_dev(net, final) < 1e-9
    assert _max_dev(net, Network.from_tf_playground(tf_run["initialNetwork"])) > 0.1


def test_partial_batch_carries_over_into_next_epoch():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(25, 2)), np.sign(rng.normal(size=25))
    net = Network.from_layers(2, hidden=(3,), seed=1)
    ref = net.copy()

    net.train_epoch_compat(X, y, lr=0.1, batch_size=10)  # updates after 10, 20; 5 carried
    net.train_epoch_compat(X[:10], y[:10], lr=0.1, batch_size=10)  # one update on 5 + 10

    for chunk in (slice(0, 10), slice(10, 20)):
        _sgd_step(ref, X[chunk], y[chunk], lr=0.1)
    _sgd_step(ref, np.concatenate([X[20:], X[:10]]), np.concatenate([y[20:], y[:10]]), lr=0.1)
    assert _max_dev(net, ref) < 1e-12


def _sgd_step(net: Network, X: np.ndarray, y: np.ndarray, lr: float) -> None:
    dW, db = net.gradients(X, y)
    for layer in range(len(net.weights)):
        net.weights[layer] -= lr * dW[layer]
        net.biases[layer] -= lr * db[layer]


# --------------------------------------------------------------------------- (b) torch


def _torch_gradients(net: Network, X: np.ndarray, y: np.ndarray):
    torch_act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in net.biases]
    a = torch.tensor(X, dtype=torch.float64)
    for layer, (w, b) in enumerate(zip(ws, bs, strict=True)):
        name = net.output_activation.name if layer == len(ws) - 1 else net.activation.name
        a = torch_act.get(name, lambda z: z)(a @ w.T + b)
    loss = (0.5 * (a[:, 0] - torch.tensor(y, dtype=torch.float64)) ** 2).mean()
    loss.backward()
    return [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs], loss.item()


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output_activation", ["tanh", "linear"])
def test_gradients_match_torch_autograd(activation, output_activation):
    rng = np.random.default_rng(42)
    X, y = rng.normal(scale=2.0, size=(40, 3)), np.sign(rng.normal(size=40))
    net = Network.from_layers(
        3, hidden=(5, 4, 3), activation=activation, output_activation=output_activation, seed=7
    )
    dW, db = net.gradients(X, y)
    tdW, tdb, tloss = _torch_gradients(net, X, y)
    assert abs(net.loss(X, y) - tloss) < 1e-12
    for ours, theirs in zip(dW + db, tdW + tdb, strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    assert max(float(np.abs(g).max()) for g in dW) > 1e-3  # the check is not vacuous


def test_compat_epoch_with_one_full_batch_is_a_gradient_step():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), np.sign(rng.normal(size=30))
    net = Network.from_layers(2, hidden=(4, 2), activation="relu", seed=5)
    ref = net.copy()
    net.train_epoch_compat(X, y, lr=0.3, batch_size=30)
    _sgd_step(ref, X, y, lr=0.3)
    assert _max_dev(net, ref) < 1e-12


# --------------------------------------------------------------------------- (c) errors


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"activation": "softmax"}, ["activation", "'relu'", "'linear'", "softmax"]),
        ({"output_activation": "gelu"}, ["output_activation", "'tanh'"]),
        ({"hidden": (4, 9)}, ["hidden layer size", "1 to 8", "9"]),
        ({"hidden": (4, 0)}, ["hidden layer size", "1 to 8"]),
        ({"hidden": (2,) * 7}, ["hidden", "at most 6"]),
        ({"n_inputs": 0}, ["n_inputs", "1 to 7"]),
    ],
)
def test_bad_network_parameters_raise(kwargs, words):
    with pytest.raises(ValueError) as info:
        Network.from_layers(**{"n_inputs": 2, **kwargs})
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"batch_size": 0}, ["batch_size", "1 to 30"]),
        ({"batch_size": 31}, ["batch_size", "1 to 30"]),
        ({"batch_size": 2.5}, ["batch_size", "integer"]),
        ({"lr": 0.0}, ["lr", "> 0"]),
        ({"lr": -0.1}, ["lr", "> 0"]),
        ({"X": np.zeros((10, 3))}, ["X", "(n_points, 2)", "(10, 3)"]),
        ({"X": np.zeros(10)}, ["X", "(n_points, 2)"]),
        ({"y": np.zeros(9)}, ["y", "(10,)"]),
    ],
)
def test_bad_training_parameters_raise(kwargs, words):
    net = Network.from_layers(2, seed=0)
    args = {"X": np.zeros((10, 2)), "y": np.ones(10), "lr": 0.03, "batch_size": 10, **kwargs}
    with pytest.raises(ValueError) as info:
        net.train_epoch_compat(**args)
    for word in words:
        assert word in str(info.value)


def test_forward_rejects_wrong_shape():
    with pytest.raises(ValueError, match="X must have shape"):
        Network.from_layers(2, seed=0).forward(np.zeros((5, 4)))


# --------------------------------------------------------------------------- (d) seeding


def test_seeded_construction_is_reproducible():
    a = Network.from_layers(2, hidden=(4, 2), seed=123)
    b = Network.from_layers(2, hidden=(4, 2), seed=123)
    c = Network.from_layers(2, hidden=(4, 2), seed=124)
    assert _max_dev(a, b) == 0.0
    assert _max_dev(a, c) > 0.0
    assert all(np.all(bias == 0.1) for bias in a.biases)
    assert all(np.all(np.abs(w) <= 0.5) for w in a.weights)
    X = np.random.default_rng(0).normal(size=(7, 2))
    assert a.forward(X).shape == (7,)
    np.testing.assert_array_equal(a.forward(X), b.forward(X))
