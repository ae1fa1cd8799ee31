"""The modern training mode: gradients and optimisers against torch, initialisation,
shuffling, early stopping, divergence, learning, settings and saving."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from dlcourse.playground import Playground, modern

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "elu")
TORCH_ACTIVATIONS = {
    "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "elu": torch.nn.functional.elu,
}  # fmt: skip


def _network(activation, loss, seed=0):
    net = modern.make_network(3, (5, 4), activation, loss, "xavier", seed)
    rng = np.random.default_rng(seed + 100)
    for b in net.biases:
        b[...] = rng.normal(0, 0.5, b.shape)
    return net


def _batch(loss, n=17, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1.5, (n, 3))
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0) if loss == "cross_entropy" else rng.normal(size=n)
    return X, y


def _torch_loss(net, params, X, y, loss, regularization=None, reg_rate=0.0):
    """The same loss written with torch operations on ``params`` (weights, then biases)."""
    n_layers = len(net.weights)
    a = torch.from_numpy(X)
    for layer in range(n_layers):
        z = a @ params[layer].T + params[n_layers + layer]
        a = TORCH_ACTIVATIONS[net.activations[layer].name](z)
    target = torch.from_numpy(y)
    if loss == "cross_entropy":
        value = torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], (target + 1) / 2)
    else:
        value = torch.mean((a[:, 0] - target) ** 2)
    for w in params[:n_layers]:
        if regularization == "L1":
            value = value + reg_rate * w.abs().sum()
        elif regularization == "L2":
            value = value + reg_rate * 0.5 * (w * w).sum()
    return value


def _torch_params(net):
    return [torch.tensor(p, requires_grad=True) for p in modern.parameters(net)]


@pytest.mark.parametrize("loss", modern.LOSSES)
@pytest.mark.parametrize("activation", [*ACTIVATIONS, ("elu", "tanh"), ("leaky_relu", "sigmoid")])
def test_gradients_match_torch_autograd(loss, activation):
    net = _network(activation, loss)
    X, y = _batch(loss)
    dW, db = modern.gradients(net, X, y, loss)
    params = _torch_params(net)
    _torch_loss(net, params, X, y, loss).backward()
    for ours, theirs in zip([*dW, *db], params, strict=True):
        assert ours.shape == tuple(theirs.shape), f"gradient shape {ours.shape}"
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=0, atol=1e-6)
    assert max(np.abs(g).max() for g in dW) > 1e-3, "gradients should not all vanish"
    expected = _torch_loss(net, _torch_params(net), X, y, loss).item()
    assert modern.loss_value(net, X, y, loss) == pytest.approx(expected, abs=1e-12)


def _torch_steps(name, torch_optimizer, regularization, reg_rate, steps):
    loss = "cross_entropy"
    net, X, y = _network("tanh", loss), *_batch(loss)
    params = _torch_params(net)
    opt = torch_optimizer(params)
    ours = modern.make_optimizer(name, net)
    for _ in range(steps):
        modern.train_step(net, X, y, ours, 0.1, loss, regularization, reg_rate)
        opt.zero_grad()
        _torch_loss(net, params, X, y, loss, regularization, reg_rate).backward()
        opt.step()
    return net, params


@pytest.mark.parametrize("regularization", [None, "L1", "L2"])
def test_one_adam_step_equals_torch(regularization):
    net, params = _torch_steps("adam", lambda p: torch.optim.Adam(p, lr=0.1), regularization,
                               0.01, 1)  # fmt: skip
    for ours, theirs in zip(modern.parameters(net), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)
    net, params = _torch_steps("adam", lambda p: torch.optim.Adam(p, lr=0.1), None, 0, 5)
    for ours, theirs in zip(modern.parameters(net), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)


def test_momentum_equals_torch_after_three_steps():
    net, params = _torch_steps("momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                               "L2", 0.03, 3)  # fmt: skip
    start = _network("tanh", "cross_entropy")
    moved = max(np.abs(a - b).max() for a, b in zip(net.weights, start.weights, strict=True))
    assert moved > 1e-3, "three momentum steps should move the weights"
    for ours, theirs in zip(modern.parameters(net), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize(("init", "variance"), [("xavier", 2 / (400 + 600)), ("he", 2 / 400)])
def test_xavier_and_he_variance_on_a_wide_layer(init, variance):
    weights, biases = modern.init_weights([400, 600], init, np.random.default_rng(0))
    # 240 000 draws: the sample variance is within 3 * sqrt(2 / n) = 0.9 % of the truth
    assert weights[0].var() == pytest.approx(variance, rel=0.01)
    assert abs(weights[0].mean()) < 3 * np.sqrt(variance / weights[0].size)
    assert np.all(biases[0] == 0)


def test_tf_init_is_tf_playgrounds():
    modern_pg = Playground(mode="modern", init="tf", seed=3)
    compat_pg = Playground(seed=3)
    for a, b in zip(modern_pg.network.weights, compat_pg.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(modern_pg.network.biases[0] == 0.1)


def test_reshuffle_changes_the_order_reproducibly():
    first, second = (modern.epoch_order(250, 7, epoch, True) for epoch in (0, 1))
    assert sorted(first) == list(range(250)) and not np.array_equal(first, second)
    np.testing.assert_array_equal(first, modern.epoch_order(250, 7, 0, True))
    assert not np.array_equal(first, modern.epoch_order(250, 8, 0, True))
    np.testing.assert_array_equal(modern.epoch_order(5, 7, 0, False), np.arange(5))
    runs = [Playground(mode="modern", shuffle=s, seed=2).train(3) for s in (True, True, False)]
    np.testing.assert_array_equal(runs[0].network.weights[0], runs[1].network.weights[0])
    assert not np.array_equal(runs[0].network.weights[0], runs[2].network.weights[0])


def test_early_stopping_stops_and_sets_the_flag():
    pg = Playground(mode="modern", optimizer="adam", learning_rate=3, early_stopping=3, seed=0)
    pg.train(500)
    best = int(np.argmin(pg.history["test_loss"]))
    assert pg.stopped_early and pg.epoch < 500
    assert pg.epoch - best == 3, f"stopped at {pg.epoch}, best test loss at {best}"
    assert pg.train(5).epoch == best + 3, "a stopped playground should not train"
    assert not Playground(mode="modern", early_stopping=3, seed=0).train(20).stopped_early


def test_max_epochs():
    assert Playground(mode="modern", max_epochs=4, seed=0).train(10).epoch == 4


def test_divergence_sets_a_message_without_raising():
    pg = Playground(dataset="plane", mode="modern", activation="relu", learning_rate=10, seed=0)
    pg.train(50)
    assert pg.diverged == "the loss exploded at epoch 1: lower the learning rate (now 10)"
    assert pg.epoch == 1 and pg.stopped
    assert Playground(dataset="plane", mode="modern", seed=0).train(5).diverged is None


def test_cross_entropy_adam_learns_the_circle():
    # Measured: test accuracy first reaches 0.95 at epoch 4-6 for seeds 0-4 (0.976-1.0 at 200)
    pg = Playground(mode="modern", loss="cross_entropy", optimizer="adam", seed=0)
    pg.train(200)
    accuracy = pg.accuracy()
    assert accuracy["test"] >= 0.95 and accuracy["train"] >= 0.95, accuracy
    assert pg.history["test_accuracy"][-1] == accuracy["test"]
    assert pg.history["test_accuracy"][0] < 0.95 and len(pg.history["train_accuracy"]) == 201
    assert pg.history["test_loss"][-1] < pg.history["test_loss"][0]


def test_mse_learns_the_plane():
    # Measured: test R² 0.9989 after 100 epochs of plain SGD (seed 0)
    pg = Playground(dataset="plane", mode="modern", seed=0).train(100)
    assert pg.loss_name == "mse" and pg.network.activations[-1].name == "linear"
    assert pg.r2()["test"] >= 0.95, pg.r2()
    assert pg.history["test_r2"][-1] == pg.r2()["test"] and pg.history["test_r2"][0] < 0.95


def test_state_round_trip_keeps_the_modern_settings_and_optimizer():
    pg = Playground(mode="modern", optimizer="adam", activation=("elu", "leaky_relu"),
                    init="he", shuffle=True, early_stopping=50, max_epochs=90,
                    regularization="L2", reg_rate=0.001, seed=5).train(7)  # fmt: skip
    copy = Playground.from_state(json.loads(json.dumps(pg.to_state())))
    assert copy.get_params() == pg.get_params() and copy.history == pg.history
    grid = np.random.default_rng(0).uniform(-6, 6, (100, 2))
    np.testing.assert_array_equal(copy.predict(grid), pg.predict(grid))
    pg.train(4)
    copy.train(4)
    np.testing.assert_array_equal(copy.predict(grid), pg.predict(grid))


def test_urls_hold_tf_settings_only():
    pg = Playground(mode="modern", optimizer="adam", activation="relu", seed=5)
    back = Playground.from_url(pg.to_url())
    assert back.mode == "compat" and back.optimizer == "sgd" and back.activation == "relu"
    with pytest.raises(ValueError, match="activation"):
        Playground(mode="modern", activation="elu").to_url()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"mode": "fast"}, ["mode", "'compat'", "'modern'"]),
        ({"mode": "modern", "loss": "hinge"}, ["loss", "'cross_entropy'", "'mse'"]),
        ({"mode": "modern", "optimizer": "rmsprop"}, ["optimizer", "'momentum'", "'adam'"]),
        ({"mode": "modern", "init": "lecun"}, ["init", "'xavier'", "'he'"]),
        ({"mode": "modern", "shuffle": "yes"}, ["shuffle", "True or False"]),
        ({"mode": "modern", "max_epochs": 0}, ["max_epochs", ">= 1"]),
        ({"mode": "modern", "early_stopping": 2.5}, ["early_stopping", ">= 1"]),
        ({"mode": "modern", "activation": "gelu"}, ["activation", "'elu'", "gelu"]),
        ({"mode": "modern", "activation": ("relu", "elu", "tanh")}, ["per hidden layer (2)"]),
        ({"mode": "modern", "dataset": "plane", "loss": "cross_entropy"}, ["cross_entropy"]),
        ({"optimizer": "adam"}, ["optimizer", "mode='modern'"]),
        ({"loss": "mse"}, ["loss", "mode='modern'"]),
        ({"shuffle": True}, ["shuffle", "mode='modern'"]),
        ({"init": "he"}, ["init", "mode='modern'"]),
        ({"early_stopping": 5}, ["early_stopping", "mode='modern'"]),
        ({"activation": "elu"}, ["activation", "mode='modern'"]),
        ({"activation": ("relu", "tanh")}, ["activation", "mode='modern'"]),
    ],
)
def test_bad_modern_settings_name_the_parameter(kwargs, words):
    with pytest.raises(ValueError) as info:
        Playground(**kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"
