"""Three classes and more (softmax and cross-entropy), dropout and learning-rate schedules of
the playground's modern mode: gradients against torch autograd, the three-class data sets,
probabilities, confusion matrices, schedules against torch's, saving and the torch export."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from dlcourse.playground import Playground, datasets, modern
from dlcourse.playground.schedules import scheduled_rate

TORCH_ACTIVATIONS = {
    "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "elu": torch.nn.functional.elu,
}  # fmt: skip


def _network(activation, loss, n_outputs, seed=0):
    net = modern.make_network(3, (5, 4), activation, loss, "xavier", seed, n_outputs)
    rng = np.random.default_rng(seed + 100)
    for b in net.biases:
        b[...] = rng.normal(0, 0.5, b.shape)
    return net


def _batch(loss, n_outputs, n=17, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1.5, (n, 3))
    if n_outputs > 1:
        return X, rng.integers(0, n_outputs, n).astype(float)
    if loss == "cross_entropy":
        return X, np.where(rng.random(n) < 0.5, 1.0, -1.0)
    return X, rng.normal(size=n)


def _torch_loss(net, params, X, y, loss, masks=None):
    """The loss written with torch operations on ``params`` (weights, then biases)."""
    n_layers = len(net.weights)
    a = torch.from_numpy(X)
    for layer in range(n_layers):
        z = a @ params[layer].T + params[n_layers + layer]
        if layer < n_layers - 1:
            a = TORCH_ACTIVATIONS[net.activations[layer].name](z)
            if masks is not None:
                a = a * torch.from_numpy(masks[layer])
    target = torch.from_numpy(y)
    if loss == "cross_entropy" and z.shape[1] > 1:
        return torch.nn.functional.cross_entropy(z, target.long())
    if loss == "cross_entropy":
        return torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], (target + 1) / 2)
    return torch.mean((z[:, 0] - target) ** 2)  # linear output


def _check_against_torch(net, X, y, loss, masks=None):
    dW, db = modern.gradients(net, X, y, loss, masks)
    params = [torch.tensor(p, requires_grad=True) for p in modern.parameters(net)]
    _torch_loss(net, params, X, y, loss, masks).backward()
    for ours, theirs in zip([*dW, *db], params, strict=True):
        assert ours.shape == tuple(theirs.shape), f"gradient shape {ours.shape}"
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=0, atol=1e-6)
    assert max(np.abs(g).max() for g in dW) > 1e-3, "gradients should not all vanish"


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("activation", ["tanh", "relu", "elu", ("leaky_relu", "sigmoid")])
@pytest.mark.parametrize("n_classes", [3, 5])
def test_softmax_cross_entropy_gradients_match_torch(activation, n_classes):
    net = _network(activation, "cross_entropy", n_classes)
    assert net.activations[-1].name == "softmax" and net.weights[-1].shape[0] == n_classes
    X, y = _batch("cross_entropy", n_classes)
    _check_against_torch(net, X, y, "cross_entropy")
    params = [torch.tensor(p) for p in modern.parameters(net)]
    expected = _torch_loss(net, params, X, y, "cross_entropy").item()
    assert modern.loss_value(net, X, y, "cross_entropy") == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("loss", "n_outputs"), [("cross_entropy", 3), ("cross_entropy", 1),
                                                 ("mse", 1)])  # fmt: skip
@pytest.mark.parametrize("activation", ["tanh", "elu", ("relu", "sigmoid")])
def test_dropout_gradients_with_a_fixed_mask_match_torch(loss, n_outputs, activation):
    net = _network(activation, loss, n_outputs)
    X, y = _batch(loss, n_outputs)
    masks = modern.dropout_masks(np.random.default_rng(5), len(X), (5, 4), 0.4)
    assert any((m == 0).any() for m in masks) and any((m > 1).any() for m in masks)
    _check_against_torch(net, X, y, loss, masks)
    plain, dropped = (modern.gradients(net, X, y, loss, m)[0][0] for m in (None, masks))
    assert not np.allclose(plain, dropped), "the mask should change the gradient"


def test_dropout_masks_are_inverted_and_reproducible():
    rate = 0.3
    masks = modern.dropout_masks(np.random.default_rng(0), 20_000, (8,), rate)
    assert set(np.unique(masks[0])) == {0.0, 1 / (1 - rate)}
    # 160 000 draws: the share dropped is within 4 standard deviations (0.5 %) of the rate
    assert np.mean(masks[0] == 0) == pytest.approx(rate, abs=0.005)
    assert masks[0].mean() == pytest.approx(1.0, abs=0.01), "inverted dropout keeps the mean"
    again = modern.dropout_masks(modern.dropout_rng(7, 3), 10, (4, 2), rate)
    np.testing.assert_array_equal(again[1], modern.dropout_masks(modern.dropout_rng(7, 3), 10,
                                                                 (4, 2), rate)[1])  # fmt: skip
    assert modern.dropout_masks(np.random.default_rng(0), 10, (4,), 0.0) is None


# --------------------------------------------------------------------------- dropout in training


def test_dropout_trains_reproducibly_and_predicts_without_it():
    def run(dropout, seed=0):
        return Playground(mode="modern", optimizer="adam", hidden=(8, 8), dropout=dropout,
                          seed=seed).train(3)  # fmt: skip

    first, second, plain = run(0.5), run(0.5), run(0.0)
    np.testing.assert_array_equal(first.network.weights[1], second.network.weights[1])
    assert not np.allclose(first.network.weights[1], plain.network.weights[1])
    assert not np.allclose(first.network.weights[1], run(0.5, seed=1).network.weights[1])
    points = first.X_test[:50]
    np.testing.assert_array_equal(first.predict(points), first.predict(points))
    # The recorded loss is the full network's, as predict computes it
    p = first.predict(first.X_test)
    t = (first.y_test + 1) / 2
    full_loss = np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)))
    assert first.history["test_loss"][-1] == pytest.approx(full_loss, rel=1e-9)


def test_dropout_round_trips_through_state_and_to_torch():
    pg = Playground(dataset="spiral3", mode="modern", optimizer="adam", hidden=(6, 5),
                    activation=("elu", "tanh"), dropout=0.25, seed=3).train(4)  # fmt: skip
    copy = Playground.from_state(json.loads(json.dumps(pg.to_state())))
    assert copy.get_params() == pg.get_params() and copy.dropout == 0.25
    pg.train(3)
    copy.train(3)
    grid = np.random.default_rng(0).uniform(-6, 6, (200, 2))
    np.testing.assert_array_equal(copy.predict(grid), pg.predict(grid))
    model = pg.to_torch()
    assert not model.training
    dropouts = [m for m in model if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 2 and dropouts[0].p == 0.25
    out = model(torch.from_numpy(grid)).detach().numpy()
    assert out.shape == (200, 3)
    np.testing.assert_allclose(out, pg.predict(grid), rtol=0, atol=1e-12)
    torch.manual_seed(0)
    assert not np.allclose(model.train()(torch.from_numpy(grid)).detach().numpy(), out)


# --------------------------------------------------------------------------- three-class data


@pytest.mark.parametrize("dataset", ["gauss3", "spiral3"])
def test_three_class_data_sets(dataset):
    X_train, y_train, X_test, y_test = datasets.make_data(dataset, 0.0, 0.5, seed=0)
    y = np.concatenate([y_train, y_test])
    assert X_train.shape == (250, 2) and len(y) == 500
    assert np.bincount(y.astype(int)).tolist() == [167, 167, 166]
    again = datasets.make_data(dataset, 0.0, 0.5, seed=0)
    np.testing.assert_array_equal(again[0], X_train)
    assert not np.array_equal(datasets.make_data(dataset, 0.2, 0.5, seed=1)[0], X_train)
    assert np.abs(np.vstack([X_train, X_test])).max() < 6


def test_gauss3_clouds_sit_at_radius_3_and_spiral3_arms_are_turned():
    X, y = datasets.gauss3(30_000, 0.0, np.random.default_rng(0))
    for label, angle in enumerate(np.pi / 2 + np.arange(3) * 2 * np.pi / 3):
        centre = X[y == label].mean(axis=0)
        np.testing.assert_allclose(centre, 3 * np.array([np.cos(angle), np.sin(angle)]),
                                   atol=0.03)  # fmt: skip
        assert X[y == label].var(axis=0) == pytest.approx([0.5, 0.5], rel=0.05)
    X, y = datasets.spiral3(300, 0.0, np.random.default_rng(0))
    # Without noise, arm c is arm 0 turned by c * 120 degrees
    turn = 2 * np.pi / 3
    rotation = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    np.testing.assert_allclose(X[y == 1], X[y == 0] @ rotation.T, atol=1e-12)


def test_a_softmax_network_learns_gauss3():
    # Measured: test accuracy 1.0 after 20 epochs of plain SGD (seed 0)
    pg = Playground(dataset="gauss3", mode="modern", seed=0)
    assert pg.n_classes == 3 and pg.output_activation == "softmax" and pg.loss_name == (
        "cross_entropy")
    assert pg.network.weights[-1].shape == (3, 2)
    pg.train(20)
    assert pg.accuracy()["test"] >= 0.95, pg.accuracy()
    assert pg.history["test_accuracy"][0] < 0.95 and pg.history["test_loss"][-1] < np.log(3)
    proba = pg.predict_proba(pg.X_test)
    assert proba.shape == (250, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(pg.predict_class(pg.X_test), proba.argmax(axis=1))
    grid = pg.output_grid(7)
    assert grid.shape == (7, 7, 3)
    axis = np.linspace(-6, 6, 7)  # row i has x2 = axis[i], column j has x1 = axis[j]
    np.testing.assert_allclose(grid[2, 5], pg.predict([[axis[5], axis[2]]])[0], atol=1e-12)
    assert [g.shape[0] for g in pg.neuron_grids(5)] == [2, 4, 2, 3]


# --------------------------------------------------------------------------- probabilities


def test_binary_probabilities_have_two_columns():
    compat = Playground(seed=0).train(2, engine="numpy")
    points = compat.X_test[:20]
    proba = compat.predict_proba(points)
    assert proba.shape == (20, 2) and compat.n_classes == 2
    np.testing.assert_allclose(proba[:, 1], (compat.predict(points) + 1) / 2, atol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_array_equal(compat.classes, [-1, 1])
    modern_pg = Playground(mode="modern", seed=0).train(2)
    np.testing.assert_allclose(modern_pg.predict_proba(points)[:, 1], modern_pg.predict(points))
    labels = modern_pg.predict_class(points)
    np.testing.assert_array_equal(labels, np.where(modern_pg.predict(points) > 0.5, 1, -1))
    regression = Playground(dataset="plane", seed=0)
    assert regression.n_classes is None
    with pytest.raises(ValueError, match="predict_proba needs a classification problem"):
        regression.predict_proba(points)
    with pytest.raises(ValueError, match="confusion_matrix needs a classification problem"):
        regression.confusion_matrix()


def _hand_made(mode, weights, biases, X, y, test_X, test_y):
    """A playground with no hidden layer whose output layer is set by hand."""
    pg = Playground.from_data(X, y, test_X, test_y, rescale=False, hidden=(), mode=mode, seed=0)
    pg.network.weights[0][...] = weights
    pg.network.biases[0][...] = biases
    return pg


def test_confusion_matrix_and_accuracy_on_hand_made_predictions():
    # Output node j computes x1 * w_j0 + x2 * w_j1: class 0 where x1 is largest, class 1 where
    # x2 is, class 2 where -(x1 + x2) is.
    points = np.array([[3.0, 0], [2, 1], [0, 3], [1, 4], [-3, -3], [-2, -4], [5, 1], [0, 2]])
    predicted = [0, 0, 1, 1, 2, 2, 0, 1]
    labels = np.array([0, 1, 1, 1, 2, 0, 0, 2])  # 5 of 8 right
    pg = _hand_made("modern", [[1, 0], [0, 1], [-1, -1]], [0, 0, 0], points, labels,
                    points[:4], [0, 0, 0, 2])  # fmt: skip
    np.testing.assert_array_equal(pg.predict_class(points), predicted)
    expected = np.zeros((3, 3), dtype=int)
    for true, guess in zip(labels, predicted, strict=True):
        expected[true, guess] += 1
    matrix = pg.confusion_matrix("train")
    assert matrix.dtype.kind == "i"
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.tolist() == [[2, 0, 1], [1, 2, 0], [0, 1, 1]]
    np.testing.assert_array_equal(pg.confusion_matrix("test"), [[2, 1, 0], [0, 0, 0], [0, 1, 0]])
    assert pg.accuracy() == {"train": 5 / 8, "test": 2 / 4}
    with pytest.raises(ValueError, match="split must be one of"):
        pg.confusion_matrix("validation")


def test_binary_confusion_matrix_puts_the_minus_one_class_first():
    # compat mode: a tanh output of 2 * x1, so the predicted class is the sign of x1
    points = np.array([[1.0, 0], [2, 5], [-1, 0], [-3, 2], [4, 4]])
    labels = np.array([1, -1, -1, -1, 1])
    pg = _hand_made("compat", [[2.0, 0]], [0.0], points, labels, points[:2], [-1, -1])
    np.testing.assert_array_equal(pg.predict_class(points), [1, 1, -1, -1, 1])
    np.testing.assert_array_equal(pg.confusion_matrix(), [[2, 1], [0, 2]])
    np.testing.assert_array_equal(pg.confusion_matrix("test"), [[0, 2], [0, 0]])
    assert pg.accuracy() == {"train": 4 / 5, "test": 0.0}


# --------------------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    ("schedule", "make_torch"),
    [
        ("step", lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)),
        ("exponential", lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)),
        ("cosine", lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)),
    ],
)
def test_schedules_give_torchs_rates(schedule, make_torch):
    step = 1 if schedule == "exponential" else 3
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    scheduler = make_torch(opt)
    for epoch in range(10):
        ours = scheduled_rate(0.3, epoch, schedule, decay=0.5, step=step, max_epochs=10)
        assert ours == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15), epoch
        opt.step()
        scheduler.step()


def test_documented_rates():
    assert scheduled_rate(0.1, 7) == 0.1
    assert [scheduled_rate(0.1, e, "step", 0.5, 100) for e in (0, 99, 100, 250)] == [
        0.1, 0.1, 0.05, 0.025]  # fmt: skip
    assert scheduled_rate(0.1, 50, "exponential", 0.5, 100) == pytest.approx(0.1 / np.sqrt(2))
    assert scheduled_rate(0.1, 200, "exponential", 0.5, 100) == pytest.approx(0.025)
    assert scheduled_rate(1.0, 25, "cosine", max_epochs=100) == pytest.approx(
        (1 + np.cos(np.pi / 4)) / 2)  # fmt: skip
    assert scheduled_rate(1.0, 100, "cosine", max_epochs=100) == 0.0
    with pytest.raises(ValueError, match="max_epochs"):
        scheduled_rate(1.0, 1, "cosine")


def test_the_playground_trains_with_the_scheduled_rate():
    pg = Playground(mode="modern", lr_schedule="step", lr_decay=0.1, lr_step=2,
                    learning_rate=0.3, seed=0)  # fmt: skip
    start = pg.network.copy()
    rates = []
    for _ in range(5):
        rates.append(pg.current_learning_rate)
        pg.train(1)
    assert rates == pytest.approx([0.3, 0.3, 0.03, 0.03, 0.003])
    optimizer = modern.make_optimizer("sgd", start)
    for epoch, rate in enumerate(rates):
        order = modern.epoch_order(len(pg.X_train), pg.seed, epoch, False)
        modern.train_epoch(start, pg.feature_matrix(pg.X_train), pg.y_train, optimizer, rate,
                           pg.batch_size, "cross_entropy", order)  # fmt: skip
    for ours, replay in zip(pg.network.weights, start.weights, strict=True):
        np.testing.assert_array_equal(ours, replay)
    cosine = Playground(mode="modern", lr_schedule="cosine", max_epochs=4, seed=0).train(2)
    assert cosine.current_learning_rate == pytest.approx(0.03 / 2)
    assert Playground(seed=0).train(3, engine="numpy").current_learning_rate == 0.03


# --------------------------------------------------------------------------- settings


def test_new_settings_round_trip_through_params_and_state():
    pg = Playground(dataset="gauss3", mode="modern", optimizer="momentum", dropout=0.1,
                    lr_schedule="exponential", lr_decay=0.9, lr_step=10, seed=2)  # fmt: skip
    pg.train(3)
    params = pg.get_params()
    assert {k: params[k] for k in ("dropout", "lr_schedule", "lr_decay", "lr_step")} == {
        "dropout": 0.1, "lr_schedule": "exponential", "lr_decay": 0.9, "lr_step": 10}  # fmt: skip
    copy = Playground.from_state(json.loads(json.dumps(pg.to_state())))
    assert copy.get_params() == params and copy.history == pg.history
    assert copy.current_learning_rate == pg.current_learning_rate < 0.03
    pg.set_params(lr_schedule="cosine", max_epochs=50)
    assert pg.lr_schedule == "cosine" and pg.epoch == 0
    pg.set_params(dataset="circle")
    assert pg.n_classes == 2 and pg.network.weights[-1].shape == (1, 2)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"mode": "modern", "dropout": 0.95}, ["dropout", "0 to 0.9", "0.95"]),
        ({"mode": "modern", "dropout": "half"}, ["dropout", "0 to 0.9"]),
        ({"mode": "modern", "lr_schedule": "linear"}, ["lr_schedule", "'step'", "'cosine'"]),
        ({"mode": "modern", "lr_decay": 0}, ["lr_decay", "0.01 to 1.0"]),
        ({"mode": "modern", "lr_decay": 1.5}, ["lr_decay", "0.01 to 1.0"]),
        ({"mode": "modern", "lr_step": 0}, ["lr_step", "1 to 10000"]),
        ({"mode": "modern", "lr_step": 2.5}, ["lr_step", "integer"]),
        ({"mode": "modern", "lr_schedule": "cosine"}, ["lr_schedule='cosine'", "max_epochs"]),
        ({"dropout": 0.2}, ["dropout", "mode='modern'"]),
        ({"lr_schedule": "step"}, ["lr_schedule", "mode='modern'"]),
        ({"lr_decay": 0.9}, ["lr_decay", "mode='modern'"]),
        ({"lr_step": 5}, ["lr_step", "mode='modern'"]),
        ({"dataset": "gauss3"}, ["gauss3", "3 classes", "mode='modern'"]),
        ({"dataset": "spiral3", "mode": "modern", "loss": "mse"}, ["3 classes", "cross_entropy"]),
        ({"dataset": "gauss3", "problem": "regression"}, ["problem", "'plane'"]),
    ],
)
def test_bad_settings_name_the_parameter_and_the_allowed_values(kwargs, words):
    with pytest.raises(ValueError) as info:
        Playground(**kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_compat_mode_is_unchanged_by_the_new_settings():
    pg = Playground(seed=0)
    assert pg.dropout == 0.0 and pg.lr_schedule is None and pg.n_classes == 2
    with pytest.raises(ValueError, match="dropout"):
        pg.set_params(dropout=0.5)
    assert pg.dropout == 0.0 and pg.mode == "compat"
    with pytest.raises(ValueError, match="gauss3"):
        Playground(dataset="gauss3", mode="modern").to_url()
