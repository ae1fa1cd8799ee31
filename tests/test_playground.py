"""The Playground class: TF Playground's data sets, features, training, regularisation,
saving, links, the torch export and the checks of every setting."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from dlcourse.playground import Network, Playground
from dlcourse.playground.datasets import make_data, multi_gaussian_label
from dlcourse.playground.features import feature_matrix
from dlcourse.playground.state import seed_from_tf, seed_to_tf

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multi-gaussian")
TF_URL = (
    "https://playground.tensorflow.org/#activation=relu&batchSize=10&dataset=spiral"
    "&regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=8,8,5"
    "&seed=0.87563&showTestData=false&discretize=false&percTrainData=50&x=true&y=true"
    "&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=true&cosY=false&sinY=true"
    "&collectStats=false&problem=classification&initZero=false&hideText=false"
)


@pytest.fixture(scope="module")
def trained() -> Playground:
    return Playground(dataset="xor", features=("x1", "x2", "x1*x2"), hidden=(3,), seed=4).train(7)


# --------------------------------------------------------------------------- data sets


@pytest.mark.parametrize("dataset", CLASSIFICATION + REGRESSION)
def test_dataset_sizes_labels_split_and_seeding(dataset):
    X_train, y_train, X_test, y_test = make_data(dataset, 0.2, 0.3, seed=1)
    n = 1200 if dataset in REGRESSION else 500
    assert X_train.shape == (n * 3 // 10, 2), f"{dataset}: train points {X_train.shape}"
    assert X_test.shape == (n - n * 3 // 10, 2) and y_test.shape == (len(X_test),)
    y = np.concatenate([y_train, y_test])
    if dataset in CLASSIFICATION:
        assert set(np.unique(y)) == {-1.0, 1.0}
    else:
        assert np.all(np.abs(y) <= 1.44) and len(np.unique(y)) > n // 4  # (6 + 1.2) * 2 / 10
    assert np.all(np.abs(np.concatenate([X_train, X_test])) < 9)
    again = make_data(dataset, 0.2, 0.3, seed=1)
    other = make_data(dataset, 0.2, 0.3, seed=2)
    np.testing.assert_array_equal(again[0], X_train)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(other[0], X_train)


def test_the_split_follows_a_shuffle():
    _, y_train, _, _ = make_data("gauss", 0.0, 0.5, seed=0)
    # gauss generates all positives first: unshuffled, the training half would be all +1
    assert 0.35 < np.mean(y_train == 1) < 0.65


def test_circle_without_noise_labels_by_radius():
    X, y, Xt, yt = make_data("circle", 0.0, 0.5, seed=3)
    r, y = np.hypot(*np.concatenate([X, Xt]).T), np.concatenate([y, yt])
    assert np.all(r[y == 1] < 2.5) and np.all((r[y == -1] >= 3.5) & (r[y == -1] <= 5))
    assert np.sum(y == 1) == 250


def test_circle_with_noise_mislabels_some_points():
    X, y, _, _ = make_data("circle", 0.5, 0.9, seed=3)
    assert np.any((np.hypot(*X.T) >= 3.5) & (y == 1))


def test_xor_without_noise_is_the_sign_of_the_product():
    X, y, _, _ = make_data("xor", 0.0, 0.9, seed=0)
    np.testing.assert_array_equal(y, np.sign(X[:, 0] * X[:, 1]))
    assert np.all(np.abs(X) >= 0.3)  # TF's padding away from the axes


def test_gauss_variance_grows_with_noise():
    X, y, _, _ = make_data("gauss", 0.0, 0.9, seed=0)
    X5, y5, _, _ = make_data("gauss", 0.5, 0.9, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.15)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [0.5, 0.5], rtol=0.2)
    np.testing.assert_allclose(X5[y5 == -1].var(axis=0), [4, 4], rtol=0.2)


def test_spiral_arms_without_noise():
    X, y, Xt, yt = make_data("spiral", 0.0, 0.5, seed=0)
    X, y = np.concatenate([X, Xt]), np.concatenate([y, yt])
    r = np.hypot(*X.T)
    assert r.max() <= 5 and r.max() > 4.9 and np.sum(r == 0) == 2
    # the second arm is the first turned by pi: its points are the first arm's, negated
    pos, neg = X[y == 1], X[y == -1]
    key = np.round(pos, 9).tolist()
    assert sorted(key) == sorted(np.round(-neg, 9).tolist())


def test_plane_without_noise_is_x_plus_y_over_10():
    X, y, _, _ = make_data("plane", 0.0, 0.9, seed=0)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10, rtol=0, atol=1e-15)
    _, y_noisy, _, _ = make_data("plane", 0.3, 0.9, seed=0)
    assert np.abs(y_noisy - y).max() > 0.1


def test_multi_gaussian_labels_are_the_largest_bump():
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    np.testing.assert_allclose(multi_gaussian_label(centres), [1, -1, 1, -1, 1, -1])
    # one unit from the bump at (0, 2.5): height -(1 - 1/2); far from all: 0
    np.testing.assert_allclose(multi_gaussian_label(np.array([[0, 1.5], [-2, 0]])), [-0.5, 0])
    X, y, _, _ = make_data("multi-gaussian", 0.0, 0.9, seed=0)
    np.testing.assert_array_equal(y, multi_gaussian_label(X))


# --------------------------------------------------------------------------- features


def test_feature_matrix_columns_in_tf_order():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    names = ["sin(x2)", "x1*x2", "x2^2", "x1^2", "sin(x1)", "x2", "x1"]
    F = feature_matrix(X, names)
    x1, x2 = X.T
    expected = [x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)]
    np.testing.assert_array_equal(F, np.column_stack(expected))
    pg = Playground(features=("x1*x2", "x1^2"), seed=0)
    assert pg.features == ("x1^2", "x1*x2")
    np.testing.assert_array_equal(pg.feature_matrix(X), np.column_stack([x1**2, x1 * x2]))
    assert pg.network.n_inputs == 2


# --------------------------------------------------------------------------- training


def test_circle_default_run_learns():
    pg = Playground(seed=0)
    assert pg.history == {
        "epoch": [0],
        "train_loss": [pytest.approx(pg.history["train_loss"][0])],
        "test_loss": [pytest.approx(pg.history["test_loss"][0])],
    }
    assert pg.history["test_loss"][0] > 0.4  # an untrained tanh net: outputs near 0
    pg.train(300)
    assert pg.epoch == 300 and pg.history["epoch"] == list(range(301))
    # seed 0 reaches 0.0048 after 300 epochs (0.0013 to 0.0082 over seeds 0-29)
    assert pg.history["test_loss"][-1] < 0.02, pg.summary()
    assert pg.history["test_loss"][-1] == pytest.approx(pg.network.loss(
        pg.feature_matrix(pg.X_test), pg.y_test), abs=0)  # fmt: skip
    accuracy = np.mean(np.sign(pg.predict(pg.X_test)) == pg.y_test)
    assert accuracy > 0.98


def test_train_matches_the_engine_step_for_step():
    pg = Playground(dataset="spiral", noise=0.1, batch_size=7, hidden=(5,), seed=2)
    net = pg.network.copy()
    pg.train(3, engine="numpy")
    F = pg.feature_matrix(pg.X_train)
    for _ in range(3):
        net.train_epoch_compat(F, pg.y_train, 0.03, 7)
    for ours, ref in zip(pg.network.weights, net.weights, strict=True):
        np.testing.assert_array_equal(ours, ref)


def test_regression_uses_a_linear_output():
    pg = Playground(dataset="plane", learning_rate=0.01, seed=0)
    assert pg.problem == "regression" and pg.network.output_activation.name == "linear"
    assert len(pg.X_train) + len(pg.X_test) == 1200
    before = pg.history["test_loss"][0]
    assert pg.train(20).history["test_loss"][-1] < before / 5


def test_reset_and_regenerate():
    pg = Playground(seed=5)
    first = [w.copy() for w in pg.network.weights]
    X_train = pg.X_train.copy()
    pg.train(3).reset()
    assert pg.epoch == 0 and len(pg.history["epoch"]) == 1
    for w, w0 in zip(pg.network.weights, first, strict=True):
        np.testing.assert_array_equal(w, w0)
    pg.regenerate()
    assert pg.seed == 6 and not np.array_equal(pg.X_train, X_train)
    pg.regenerate(seed=5)
    np.testing.assert_array_equal(pg.X_train, X_train)


def test_set_params_keeps_training_for_a_new_learning_rate_only():
    pg = Playground(seed=0).train(2)
    pg.set_params(learning_rate=0.1)
    assert pg.epoch == 2 and pg.learning_rate == 0.1
    pg.set_params(hidden=(3,))
    assert pg.epoch == 0 and pg.network.hidden == (3,)
    pg.set_params(dataset="multi-gaussian")
    assert pg.problem == "regression" and len(pg.X_train) == 600
    with pytest.raises(ValueError, match="noise"):
        pg.set_params(noise=2)
    assert pg.noise == 0.0


def test_output_grid_is_one_vectorised_forward_pass():
    pg = Playground(seed=0).train(50)
    grid = pg.output_grid(30)
    axis = np.linspace(-6, 6, 30)
    assert grid.shape == (30, 30)
    assert grid[4, 27] == pytest.approx(pg.predict([[axis[27], axis[4]]])[0], abs=1e-15)
    assert grid[15, 15] > 0.5 and grid[0, 0] < -0.5  # circle: inside +1, corners -1
    thumbs = pg.neuron_grids(10)
    assert [t.shape for t in thumbs] == [(2, 10, 10), (4, 10, 10), (2, 10, 10), (1, 10, 10)]
    np.testing.assert_allclose(thumbs[-1][0], pg.output_grid(10), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(thumbs[0][0][3], np.linspace(-6, 6, 10))  # x1 along a row


# --------------------------------------------------------------------------- regularisation


def _weight_norm(pg: Playground) -> float:
    return math.sqrt(sum(float((w**2).sum()) for w in pg.network.weights))


def test_l2_shrinks_the_weights():
    plain = Playground(seed=0).train(100)
    l2 = Playground(regularization="L2", reg_rate=0.03, seed=0).train(100)
    assert _weight_norm(l2) < 0.8 * _weight_norm(plain)  # 2.76 against 4.04
    assert not any(d.any() for d in l2.network.dead)


def test_l1_kills_links_for_good():
    pg = Playground(regularization="L1", reg_rate=0.01, seed=0).train(30)
    dead = [d.copy() for d in pg.network.dead]
    n_dead = sum(int(d.sum()) for d in dead)
    assert 0 < n_dead < 18, n_dead
    pg.train(30)
    for d_before, d_after, w in zip(dead, pg.network.dead, pg.network.weights, strict=True):
        assert np.all(d_after[d_before]), "a dead link came back"
        assert np.all(w[d_after] == 0.0)


def _tf_replay(weights, biases, points, labels, lr, regularization, rate):
    """TF Playground's forwardProp, backProp and updateWeights, node by node, link by link
    (tanh everywhere, one update after all the points)."""
    W = [w.tolist() for w in weights]  # Python floats, as JavaScript numbers
    B = [b.tolist() for b in biases]
    acc_w = [[[0.0] * len(row) for row in w] for w in W]
    acc_b = [[0.0] * len(b) for b in B]
    for point, label in zip(points, labels, strict=True):
        outputs = [list(point)]
        for w, b in zip(W, B, strict=True):
            totals = []
            for i, row in enumerate(w):
                total = b[i]
                for j, weight in enumerate(row):
                    total += weight * outputs[-1][j]
                totals.append(total)
            outputs.append([math.tanh(t) for t in totals])
        output_der = [outputs[-1][0] - label]
        for layer in range(len(W) - 1, -1, -1):
            input_der = [
                d * (1 - o * o) for d, o in zip(output_der, outputs[layer + 1], strict=True)
            ]
            for i, d in enumerate(input_der):
                acc_b[layer][i] += d
                for j, source in enumerate(outputs[layer]):
                    acc_w[layer][i][j] += d * source
            output_der = [0.0] * len(outputs[layer])
            for i, d in enumerate(input_der):
                for j in range(len(output_der)):
                    output_der[j] += W[layer][i][j] * d
    n, dead = len(points), [[[False] * len(row) for row in w] for w in W]
    for layer, w in enumerate(W):
        for i, row in enumerate(w):
            B[layer][i] -= lr * acc_b[layer][i] / n
            for j, weight in enumerate(row):
                der = (weight > 0) - (weight < 0) if regularization == "L1" else weight
                weight = weight - (lr / n) * acc_w[layer][i][j]
                new = weight - (lr * rate) * der
                if regularization == "L1" and weight * new < 0:
                    row[j], dead[layer][i][j] = 0.0, True
                else:
                    row[j] = new
    return W, B, dead


@pytest.mark.parametrize("regularization", ["L1", "L2"])
def test_one_regularised_update_matches_tf_update_weights(regularization):
    rng = np.random.default_rng(11)
    net = Network.from_layers(2, hidden=(3,), seed=3)
    X, y = rng.uniform(-3, 3, size=(4, 2)), np.array([1.0, -1.0, -1.0, 1.0])
    W, B, dead = _tf_replay(net.weights, net.biases, X.tolist(), y.tolist(), 0.1, regularization, 1)
    net.train_epoch_compat(X, y, 0.1, 4, regularization=regularization, reg_rate=1.0)
    for layer in range(2):
        np.testing.assert_allclose(net.weights[layer], W[layer], rtol=0, atol=1e-15)
        np.testing.assert_allclose(net.biases[layer], B[layer], rtol=0, atol=1e-15)
        np.testing.assert_array_equal(net.dead[layer], dead[layer])
    n_dead = sum(int(d.sum()) for d in net.dead)
    assert (0 < n_dead < 9) if regularization == "L1" else n_dead == 0


def test_bad_regularization_for_the_engine():
    net = Network.from_layers(2, seed=0)
    with pytest.raises(ValueError, match="regularization must be one of"):
        net.train_epoch_compat(np.zeros((2, 2)), np.ones(2), 0.1, 2, regularization="L3")
    with pytest.raises(ValueError, match="reg_rate"):
        net.train_epoch_compat(np.zeros((2, 2)), np.ones(2), 0.1, 2, "L2", reg_rate=-1)


# --------------------------------------------------------------------------- saving


def test_state_round_trip_through_json(trained):
    pg = Playground(dataset="spiral", regularization="L1", reg_rate=0.001, batch_size=7,
                    hidden=(5, 3), seed=8).train(13)  # fmt: skip
    assert pg.network._acc_n > 0  # a partial batch is pending: 125 = 17 * 7 + 6
    state = json.loads(json.dumps(pg.to_state()))
    copy = Playground.from_state(state)
    grid = np.random.default_rng(0).uniform(-6, 6, size=(200, 2))
    np.testing.assert_array_equal(copy.predict(grid), pg.predict(grid))
    assert copy.history == pg.history and copy.epoch == 13
    assert copy.get_params() == pg.get_params()
    pg.train(5)
    copy.train(5)
    np.testing.assert_array_equal(copy.predict(grid), pg.predict(grid))
    for a, b in zip(copy.network.dead, pg.network.dead, strict=True):
        np.testing.assert_array_equal(a, b)
    assert copy.history == pg.history


def test_state_keeps_the_data_not_only_the_seed(trained):
    state = trained.to_state()
    state["data"]["y_train"][0] *= -1
    assert Playground.from_state(state).y_train[0] == -trained.y_train[0]
    with pytest.raises(ValueError, match="to_state"):
        Playground.from_state({"settings": {}})


# --------------------------------------------------------------------------- URLs


def test_parse_a_real_tf_playground_link():
    pg = Playground.from_url(TF_URL)
    assert pg.dataset == "spiral" and pg.problem == "classification"
    assert pg.activation == "relu" and pg.hidden == (8, 8, 5)
    assert pg.features == ("x1", "x2", "sin(x1)", "sin(x2)")
    assert pg.learning_rate == 0.03 and pg.batch_size == 10 and pg.train_ratio == 0.5
    assert pg.regularization is None and pg.reg_rate == 0.0 and pg.noise == 0.0
    assert pg.seed == 87563 and pg.network.n_inputs == 4
    assert pg.to_url() == TF_URL
    just_the_hash = Playground.from_url(TF_URL.split("#")[1] + "&tutorial=x&unknown=1")
    assert just_the_hash.get_params() == pg.get_params()


def test_url_round_trip_of_every_setting():
    pg = Playground(dataset="multi-gaussian", noise=0.35, train_ratio=0.7, batch_size=25,
                    features=("x1^2", "x2^2", "x1*x2"), hidden=(), activation="sigmoid",
                    learning_rate=0.00001, regularization="L2", reg_rate=0.003, seed=123456,
                    init_zero=True)  # fmt: skip
    pg.display["show_test_data"] = True
    url = pg.to_url()
    assert "regDataset=reg-gauss" in url and "learningRate=0.00001" in url
    assert "noise=35&" in url and "networkShape=&" in url and "seed=123456&" in url
    back = Playground.from_url(url)
    assert back.get_params() == pg.get_params() and back.display == pg.display
    assert back.to_url() == url
    assert all(np.all(w == 0) for w in back.network.weights)


def test_seed_strings():
    assert seed_from_tf("0.87563") == 87563 and seed_from_tf("0.00042") == 42
    assert seed_from_tf("17") == 17
    assert seed_from_tf("hello") == seed_from_tf("hello") != seed_from_tf("hellp")
    assert all(seed_from_tf(seed_to_tf(s)) == s for s in (0, 42, 99_999, 100_000, 2**40))


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ("activation=softmax", "activation"),
        ("batchSize=ten", "batchSize"),
        ("batchSize=31", "batchSize"),
        ("learningRate=0.05", "learningRate"),
        ("regularization=L3", "regularization"),
        ("regularizationRate=0.2", "regularizationRate"),
        ("noise=80", "noise"),
        ("percTrainData=95", "percTrainData"),
        ("networkShape=8,9", "networkShape"),
        ("networkShape=a,b", "networkShape"),
        ("dataset=moons", "dataset"),
        ("problem=ranking", "problem"),
        ("x=yes", "x"),
        ("x=false&y=false&sinX=false&sinY=false", "x, y"),
        ("initZero=maybe", "initZero"),
        ("showTestData=1", "showTestData"),
    ],
)
def test_bad_url_values_name_the_key(change, key):
    url = TF_URL
    for pair in change.split("&"):
        name = pair.split("=")[0]
        if f"&{name}=" not in url:
            url += f"&{pair}"
            continue
        start = url.index(f"&{name}=")
        end = url.find("&", start + 1)
        url = url[: start + 1] + pair + (url[end:] if end != -1 else "")
    with pytest.raises(ValueError) as info:
        Playground.from_url(url)
    assert key in str(info.value)


# --------------------------------------------------------------------------- torch


@pytest.mark.parametrize("dataset", ["circle", "plane"])
def test_torch_module_computes_the_same_outputs(dataset):
    pg = Playground(dataset=dataset, features=("x1", "x2", "x1^2", "sin(x2)"), hidden=(5, 3),
                    activation="relu", seed=1).train(5)  # fmt: skip
    model = pg.to_torch()
    points = np.random.default_rng(1).uniform(-6, 6, size=(300, 2))
    out = model(torch.from_numpy(points)).detach().numpy()
    assert out.shape == (300,) and out.dtype == np.float64
    np.testing.assert_allclose(out, pg.predict(points), rtol=0, atol=1e-12)
    assert np.ptp(out) > 0.1


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"dataset": "moons"}, ["dataset", "'circle'", "'multi-gaussian'", "moons"]),
        ({"noise": 0.6}, ["noise", "0 to 0.5", "0.6"]),
        ({"noise": "low"}, ["noise", "0 to 0.5"]),
        ({"train_ratio": 0.95}, ["train_ratio", "0.1 to 0.9", "0.95"]),
        ({"batch_size": 0}, ["batch_size", "1 to 30", "0"]),
        ({"batch_size": 10.0}, ["batch_size", "integer"]),
        ({"features": ("x1", "x3")}, ["features", "'sin(x2)'", "x3"]),
        ({"features": ()}, ["features", "1 to 7"]),
        ({"features": ("x1", "x1")}, ["features", "different"]),
        ({"hidden": (4, 9)}, ["hidden", "1 to 8", "9"]),
        ({"hidden": (2,) * 7}, ["hidden", "0 to 6"]),
        ({"activation": "softmax"}, ["activation", "'relu'", "'linear'", "softmax"]),
        ({"learning_rate": 0.05}, ["learning_rate", "0.00001", "10)", "ladder", "0.05"]),
        ({"regularization": "L3"}, ["regularization", "'L1'", "'L2'", "L3"]),
        ({"reg_rate": 0.2}, ["reg_rate", "(0, 0.001", "0.2"]),
        ({"problem": "ranking"}, ["problem", "'classification'", "'regression'"]),
        ({"problem": "regression"}, ["problem", "'plane'", "circle"]),
        ({"seed": -1}, ["seed", ">= 0"]),
        ({"seed": 1.5}, ["seed", "integer"]),
        ({"init_zero": "yes"}, ["init_zero", "True or False"]),
    ],
)
def test_bad_settings_name_the_parameter_and_the_allowed_values(kwargs, words):
    with pytest.raises(ValueError) as info:
        Playground(**kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_bad_arguments_of_methods():
    pg = Playground(seed=0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0"):
        pg.train(-1)
    with pytest.raises(ValueError, match="engine must be one of"):
        pg.train(1, engine="gpu")
    with pytest.raises(ValueError, match="resolution must be an integer from 2 to 1000"):
        pg.output_grid(1)
    with pytest.raises(ValueError, match=r"X must have shape \(n_points, 2\)"):
        pg.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="unknown settings"):
        pg.set_params(lr=0.1)


def test_seed_none_draws_a_seed_that_reproduces():
    pg = Playground(seed=None)
    assert isinstance(pg.seed, int)
    np.testing.assert_array_equal(Playground(seed=pg.seed).X_train, pg.X_train)


def test_changing_features_keeps_the_data_and_rebuilds_the_inputs():
    pg = Playground(dataset="circle", seed=4)
    X_before = pg.X_train.copy()
    pg.set_params(features=("x1", "x2", "x1^2", "x2^2"))
    assert np.array_equal(pg.X_train, X_before), "changing the features should not regenerate data"
    assert pg.network.n_inputs == 4
    assert pg.feature_matrix(pg.X_train).shape == (len(X_before), 4)
    pg.train(5)
    assert pg.epoch == 5 and np.isfinite(pg.history["test_loss"][-1])
