"""Tests of the two-layer numpy network (dlcourse.nn.mlp) and of gradient checking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcourse.check import check_gradient, check_keys
from dlcourse.nn import mlp, numerical_gradient, relative_error


def _problem(n=7, d=3, h=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n).astype(float)
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=h), "b2": float(rng.normal())}
    return X, y, params


def _loss(X, y, params):
    return mlp.binary_cross_entropy(mlp.forward(X, **params)[0], y)


def test_forward_matches_the_equations():
    X, _, params = _problem()
    p, cache = mlp.forward(X, **params)
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    expected = 1 / (1 + np.exp(-(hidden @ params["W2"] + params["b2"])))
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert set(cache) == set(mlp.CACHE_KEYS)
    np.testing.assert_allclose(cache["A1"], hidden, rtol=1e-12)
    np.testing.assert_allclose(cache["A1"], np.tanh(cache["Z1"]))
    np.testing.assert_array_equal(cache["p"], p)


def test_forward_is_stable_for_huge_weights():
    X, _, params = _problem()
    params["W2"] = params["W2"] * 1e4
    with np.errstate(over="raise", invalid="raise"):
        p, _ = mlp.forward(X, **params)
    assert np.all((p >= 0) & (p <= 1))


@pytest.mark.parametrize(("n", "d", "h"), [(7, 3, 5), (1, 2, 2), (12, 1, 8), (4, 6, 1)])
def test_backward_matches_finite_differences(n, d, h):
    X, y, params = _problem(n, d, h, seed=n + d + h)
    _, cache = mlp.forward(X, **params)
    grads = mlp.backward(X, y, cache, params["W2"])
    for name, grad in zip(mlp.PARAMETER_NAMES, grads, strict=True):
        def loss_of(value, name=name):
            return _loss(X, y, {**params, name: value})
        numeric = numerical_gradient(loss_of, params[name])
        assert np.shape(grad) == np.shape(params[name]), name
        assert relative_error(grad, numeric) < 1e-7, name


def test_backward_matches_torch_autograd():
    X, y, params = _problem(9, 2, 4, seed=3)
    _, cache = mlp.forward(X, **params)
    grads = mlp.backward(X, y, cache, params["W2"])
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
               for k, v in params.items()}
    hidden = torch.tanh(torch.tensor(X) @ tensors["W1"] + tensors["b1"])
    logits = hidden @ tensors["W2"] + tensors["b2"]
    torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor(y)).backward()
    for name, grad in zip(mlp.PARAMETER_NAMES, grads, strict=True):
        np.testing.assert_allclose(grad, tensors[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_binary_cross_entropy_values():
    assert mlp.binary_cross_entropy([0.5, 0.5], [0, 1]) == pytest.approx(np.log(2))
    assert mlp.binary_cross_entropy([1.0, 0.0], [1, 0]) == pytest.approx(0.0, abs=1e-10)
    assert np.isfinite(mlp.binary_cross_entropy([0.0], [1]))


def test_train_solves_xor_and_lowers_the_loss():
    X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = np.array([1, 0, 0, 1])
    params, losses = mlp.train(X, y, n_hidden=3, learning_rate=1.0, epochs=500, seed=0)
    assert len(losses) == 501
    assert losses[-1] < 0.05 < losses[0]
    np.testing.assert_array_equal(mlp.forward(X, **params)[0] > 0.5, y == 1)


def test_init_params_is_seeded():
    a, b = mlp.init_params(3, 4, seed=5), mlp.init_params(3, 4, seed=5)
    for name in mlp.PARAMETER_NAMES:
        np.testing.assert_array_equal(a[name], b[name])
    with pytest.raises(ValueError, match="n_hidden"):
        mlp.init_params(3, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"X": np.ones(3)}, "X must be 2-D"),
     ({"W1": np.ones((4, 5))}, "W1 must have shape"),
     ({"b1": np.ones(4)}, "b1 must have shape"),
     ({"W2": np.ones((5, 1))}, "W2 must have shape")],
)
def test_forward_names_the_wrong_shape(change, message):
    X, _, params = _problem()
    arguments = {"X": X, **params, **change}
    with pytest.raises(ValueError, match=message):
        mlp.forward(**arguments)


def test_backward_names_the_wrong_shape():
    X, y, params = _problem()
    _, cache = mlp.forward(X, **params)
    with pytest.raises(ValueError, match="y and cache"):
        mlp.backward(X, y[:-1], cache, params["W2"])
    with pytest.raises(ValueError, match="A1"):
        mlp.backward(X, y, cache, params["W2"][:-1])


def test_numerical_gradient_leaves_its_input_alone():
    a = np.array([[1.0, 2.0], [3.0, -1.0]])
    copy = a.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), a)
    np.testing.assert_array_equal(a, copy)
    np.testing.assert_allclose(grad, 3 * a**2, rtol=1e-8)
    assert numerical_gradient(lambda v: float(v) ** 2, 3.0).shape == ()
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(np.sum, a, eps=0)


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 0.0], [-1.0, 0.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        relative_error([1.0], [1.0, 2.0])


def test_check_keys_names_the_unknown_key():
    check_keys({"hidden": (4,)}, ("hidden", "features"), "settings")
    with pytest.raises(AssertionError, match="unknown key.*'lr'"):
        check_keys({"lr": 0.1}, ("hidden", "learning_rate"), "settings")
    with pytest.raises(AssertionError, match="should be a dict"):
        check_keys([("hidden", 4)], ("hidden",), "settings")


def test_check_gradient_reports_the_relative_error():
    check_gradient(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), "dW")
    with pytest.raises(AssertionError, match="relative error"):
        check_gradient(np.array([1.0, 2.0]), np.array([1.0, -2.0]), "dW")
    with pytest.raises(AssertionError, match="shape"):
        check_gradient(np.ones(3), np.ones(2), "dW")
