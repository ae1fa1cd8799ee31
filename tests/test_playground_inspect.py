"""dlcourse.playground.inspect: gradients against torch autograd, dead ReLUs and scores by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcourse.playground import inspect
from dlcourse.playground.playground import Playground

TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda z: z,
    "softmax": lambda z: z,  # the loss below takes the logits
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "elu": torch.nn.functional.elu,
}


def _autograd(pg: Playground) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The mean training loss's gradients, computed by torch from the playground's weights
    (without dropout: the network as it predicts)."""
    net = pg.network
    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    a = torch.tensor(pg.feature_matrix(pg.X_train))
    y = torch.tensor(pg.y_train)
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = a @ w.T + b
        a = TORCH_ACTIVATIONS[net._activation_of(layer).name](z)
    if pg.loss_name == "half_squared_error":
        loss = torch.mean(0.5 * (a[:, 0] - y) ** 2)
    elif z.shape[1] > 1:  # softmax over k classes: torch's cross-entropy takes the logits
        loss = torch.nn.functional.cross_entropy(z, y.long())
    elif pg.loss_name == "cross_entropy":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], (y + 1) / 2)
    else:
        loss = torch.mean((a[:, 0] - y) ** 2)
    loss.backward()
    return [w.grad.numpy() for w in weights], [b.grad.numpy() for b in biases]


CASES = {
    "compat tanh": dict(dataset="circle", hidden=(4, 2), activation="tanh"),
    "compat relu, x1² and sin": dict(dataset="spiral", noise=0.2, hidden=(5, 3),
                                     activation="relu", features=("x1", "x2^2", "sin(x1)")),
    "compat regression": dict(dataset="plane", hidden=(3,), activation="sigmoid"),
    "modern cross-entropy, per layer": dict(dataset="xor", hidden=(4, 3), mode="modern",
                                            activation=("leaky_relu", "elu"), init="he"),
    "modern mse regression": dict(dataset="multi-gaussian", hidden=(4,), mode="modern",
                                  activation="tanh", init="xavier"),
    "modern softmax, 3 classes, dropout": dict(dataset="spiral3", hidden=(5,), mode="modern",
                                               activation="relu", dropout=0.3),
}


@pytest.mark.parametrize("case", CASES)
def test_link_gradients_agree_with_autograd(case):
    pg = Playground(seed=3, **CASES[case]).train(epochs=3)
    dW, db = inspect.link_gradients(pg)
    tW, tb = _autograd(pg)
    for layer, (mine, theirs) in enumerate(zip(dW + db, tW + tb, strict=True)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-10,
                                   err_msg=f"{case}: parameter array {layer}")
    norms = inspect.layer_gradient_norms(pg)
    np.testing.assert_allclose(norms, [np.linalg.norm(g) for g in tW], rtol=1e-7)
    assert np.all(norms > 0), "every layer of a fresh network has some gradient"


def test_gradients_leave_the_playground_unchanged():
    pg = Playground(dataset="xor", hidden=(3,), seed=0).train(epochs=2)
    weights = [w.copy() for w in pg.network.weights]
    history = {key: list(values) for key, values in pg.history.items()}
    inspect.link_gradients(pg)
    inspect.dead_neurons(pg)
    inspect.current_losses(pg)
    for before, after in zip(weights, pg.network.weights, strict=True):
        np.testing.assert_array_equal(before, after)
    assert pg.history == history and pg.epoch == 2


def test_links_killed_by_l1_have_no_gradient():
    pg = Playground(dataset="circle", hidden=(4,), seed=0)
    pg.network.dead[0][1, 0] = True
    dW, _ = inspect.link_gradients(pg)
    assert dW[0][1, 0] == 0.0 and dW[0][1, 1] != 0.0


def test_dead_relu_neurons_are_found_by_hand():
    pg = Playground(dataset="circle", hidden=(3, 2), activation="relu", seed=0)
    net = pg.network
    net.weights[0][1] = 0.0
    net.biases[0][1] = -0.5  # total input -0.5 everywhere: dead
    net.weights[0][2] = [1.0, 0.0]
    net.biases[0][2] = -5.0  # alive only where x1 > 5: dead on this data if no point is there
    alive_far_right = bool(np.any(pg.X_train[:, 0] > 5.0))
    net.weights[1][:] = 0.0
    net.biases[1][:] = [1.0, -1.0]  # second neuron of layer 2 dead, first alive
    masks = inspect.dead_neurons(pg)
    assert masks[0].tolist() == [False, True, not alive_far_right]
    assert masks[1].tolist() == [False, True]
    assert inspect.dead_relu_counts(pg) == [int(masks[0].sum()), 1]


def test_only_relu_neurons_can_be_dead():
    pg = Playground(dataset="circle", hidden=(2, 2), mode="modern",
                    activation=("tanh", "leaky_relu"), seed=0)
    for w, b in zip(pg.network.weights[:-1], pg.network.biases[:-1], strict=True):
        w[:] = 0.0
        b[:] = -1.0
    assert inspect.dead_relu_counts(pg) == [0, 0]


def test_output_range_is_a_probability_for_sigmoid_and_softmax_outputs():
    assert inspect.output_range(Playground(dataset="xor", seed=0)) == (-1.0, 1.0)
    assert inspect.output_range(Playground(dataset="plane", seed=0)) == (-1.0, 1.0)
    assert inspect.output_range(Playground(dataset="xor", mode="modern", seed=0)) == (0.0, 1.0)
    assert inspect.output_range(Playground(dataset="gauss3", mode="modern", seed=0)) == (0.0, 1.0)


def test_class_confidence_of_hand_made_classifiers():
    pg = Playground(dataset="xor", hidden=(), mode="modern", seed=0)
    pg.network.weights[0][:] = [[2.0, 0.0]]  # P(+1) = sigmoid(2 x1)
    pg.network.biases[0][:] = 0.0
    X = np.array([[1.0, 0.0], [-1.0, 3.0], [0.0, 0.0]])
    classes, confidence = inspect.class_confidence(pg, X)
    p = 1 / (1 + np.exp(-2.0))
    assert classes.tolist()[:2] == [1, 0]
    np.testing.assert_allclose(confidence, [p, p, 0.5])
    three = Playground(dataset="gauss3", hidden=(), mode="modern", seed=0)
    three.network.weights[0][:] = 0.0
    three.network.biases[0][:] = [0.0, np.log(2.0), 0.0]  # softmax: 1/4, 1/2, 1/4
    classes, confidence = inspect.class_confidence(three, X)
    assert classes.tolist() == [1, 1, 1]
    np.testing.assert_allclose(confidence, 0.5)


def test_current_losses_follow_an_edited_weight():
    pg = Playground(dataset="circle", hidden=(2,), seed=0).train(epochs=2)
    assert inspect.current_losses(pg)["train"] == pytest.approx(pg.history["train_loss"][-1])
    pg.network.weights[-1][0, 0] += 3.0
    edited = inspect.current_losses(pg)
    assert edited["train"] != pytest.approx(pg.history["train_loss"][-1])
    assert edited["train"] == pytest.approx(pg.network.loss(pg.feature_matrix(pg.X_train),
                                                            pg.y_train))


def test_divergence_message_in_both_modes():
    pg = Playground(dataset="circle", hidden=(2,), seed=0)
    assert inspect.divergence_message(pg) is None
    pg.history["train_loss"][-1] = float("nan")
    message = inspect.divergence_message(pg)
    assert "exploded" in message and "learning rate" in message
    modern_pg = Playground(dataset="circle", hidden=(2,), mode="modern", seed=0)
    modern_pg.diverged = "the loss exploded at epoch 3: lower the learning rate (now 10)"
    assert inspect.divergence_message(modern_pg) == modern_pg.diverged
