"""Plausible wrong answers to the graded functions, each expected to lose points.

Each entry redefines one function after the correct solution cell, so exactly one function
is wrong in its submission. ``loses`` names the test cells that must not earn full points.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    name: str
    solution_cell: str
    code: str
    loses: tuple[str, ...]


UNIT_01 = (
    # sigmoid
    WrongAnswer("sigmoid_sign_error", "ex1_solution",
                "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))",
                ("ex1_test_values",)),
    WrongAnswer("sigmoid_naive_ratio_nan", "ex1_solution",
                "def sigmoid(z):\n    e = np.exp(np.asarray(z, dtype=float))\n    return e / (1.0 + e)",
                ("ex1_test_hidden",)),
    WrongAnswer("sigmoid_overflows", "ex1_solution",
                "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))",
                ("ex1_test_hidden",)),
    WrongAnswer("sigmoid_python_loop", "ex1_solution",
                "import math\ndef sigmoid(z):\n    return [1 / (1 + math.exp(-v)) for v in z]",
                ("ex1_test_values",)),
    # relu
    WrongAnswer("relu_reduces_with_np_max", "ex1_solution",
                "def relu(z):\n    return np.max(np.asarray(z, dtype=float), 0)",
                ("ex1_test_values",)),
    WrongAnswer("relu_absolute_value", "ex1_solution",
                "def relu(z):\n    return np.abs(np.asarray(z, dtype=float))",
                ("ex1_test_values",)),
    WrongAnswer("relu_clipped_at_one", "ex1_solution",
                "def relu(z):\n    return np.clip(np.asarray(z, dtype=float), 0, 1)",
                ("ex1_test_values",)),
    WrongAnswer("relu_keeps_integer_dtype", "ex1_solution",
                "def relu(z):\n    return np.maximum(0, z)",
                ("ex1_test_hidden",)),
    # leaky_relu
    WrongAnswer("leaky_relu_slope_ignored", "ex1_solution",
                "def leaky_relu(z, slope=0.1):\n    z = np.asarray(z, dtype=float)\n"
                "    return np.where(z > 0, z, 0.1 * z)",
                ("ex1_test_values",)),
    WrongAnswer("leaky_relu_slope_001", "ex1_solution",
                "def leaky_relu(z, slope=0.01):\n    z = np.asarray(z, dtype=float)\n"
                "    return np.where(z > 0, z, slope * z)",
                ("ex1_test_values",)),
    WrongAnswer("leaky_relu_maximum_with_slope", "ex1_solution",
                "def leaky_relu(z, slope=0.1):\n    return np.maximum(slope, np.asarray(z, dtype=float))",
                ("ex1_test_values",)),
    # elu
    WrongAnswer("elu_missing_minus_one", "ex1_solution",
                "def elu(z, alpha=1.0):\n    z = np.asarray(z, dtype=float)\n"
                "    return np.where(z >= 0, z, alpha * np.exp(z))",
                ("ex1_test_values",)),
    WrongAnswer("elu_alpha_ignored", "ex1_solution",
                "def elu(z, alpha=1.0):\n    z = np.asarray(z, dtype=float)\n"
                "    return np.where(z >= 0, z, np.expm1(np.minimum(z, 0)))",
                ("ex1_test_values",)),
    WrongAnswer("elu_exponential_everywhere", "ex1_solution",
                "def elu(z, alpha=1.0):\n    return alpha * (np.exp(np.asarray(z, dtype=float)) - 1)",
                ("ex1_test_values",)),
    # sigmoid_derivative
    WrongAnswer("sigmoid_derivative_plus", "ex2_solution",
                "def sigmoid_derivative(z):\n    s = sigmoid(z)\n    return s * (1 + s)",
                ("ex2_test_values",)),
    WrongAnswer("sigmoid_derivative_of_z", "ex2_solution",
                "def sigmoid_derivative(z):\n    z = np.asarray(z, dtype=float)\n    return z * (1 - z)",
                ("ex2_test_values",)),
    WrongAnswer("sigmoid_derivative_mixed", "ex2_solution",
                "def sigmoid_derivative(z):\n    z = np.asarray(z, dtype=float)\n"
                "    return sigmoid(z) * (1 - z)",
                ("ex2_test_values",)),
    # tanh_derivative
    WrongAnswer("tanh_derivative_no_square", "ex2_solution",
                "def tanh_derivative(z):\n    return 1 - np.tanh(np.asarray(z, dtype=float))",
                ("ex2_test_values",)),
    WrongAnswer("tanh_derivative_of_z", "ex2_solution",
                "def tanh_derivative(z):\n    return 1 - np.asarray(z, dtype=float) ** 2",
                ("ex2_test_values",)),
    WrongAnswer("tanh_derivative_plus", "ex2_solution",
                "def tanh_derivative(z):\n    return 1 + np.tanh(np.asarray(z, dtype=float)) ** 2",
                ("ex2_test_values",)),
    # relu_derivative
    WrongAnswer("relu_derivative_one_at_zero", "ex2_solution",
                "def relu_derivative(z):\n    return (np.asarray(z, dtype=float) >= 0).astype(float)",
                ("ex2_test_hidden",)),
    WrongAnswer("relu_derivative_is_relu", "ex2_solution",
                "def relu_derivative(z):\n    return np.maximum(0.0, np.asarray(z, dtype=float))",
                ("ex2_test_values",)),
    WrongAnswer("relu_derivative_boolean", "ex2_solution",
                "def relu_derivative(z):\n    return np.asarray(z) > 0",
                ("ex2_test_hidden",)),
    # neuron_forward
    WrongAnswer("neuron_forward_no_bias", "ex3_solution",
                "def neuron_forward(X, w, b, activation=None):\n"
                "    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)\n"
                "    return z if activation is None else activation(z)",
                ("ex3_test_values",)),
    WrongAnswer("neuron_forward_bias_after_activation", "ex3_solution",
                "def neuron_forward(X, w, b, activation=None):\n"
                "    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)\n"
                "    return z + b if activation is None else activation(z) + b",
                ("ex3_test_values",)),
    WrongAnswer("neuron_forward_sums_everything", "ex3_solution",
                "def neuron_forward(X, w, b, activation=None):\n"
                "    z = np.sum(np.asarray(X) * np.asarray(w)) + b\n"
                "    return z if activation is None else activation(z)",
                ("ex3_test_values",)),
    WrongAnswer("neuron_forward_ignores_activation", "ex3_solution",
                "def neuron_forward(X, w, b, activation=None):\n"
                "    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b",
                ("ex3_test_values",)),
    # train_perceptron
    WrongAnswer("perceptron_no_bias_update", "ex4_solution",
                "def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):\n"
                "    X = np.asarray(X, dtype=float)\n    w = np.zeros(X.shape[1])\n    b = 0.0\n"
                "    mistakes = []\n    for _ in range(max_epochs):\n        count = 0\n"
                "        for x_i, y_i in zip(X, y):\n            if y_i * (x_i @ w + b) <= 0:\n"
                "                w = w + learning_rate * y_i * x_i\n                count += 1\n"
                "        mistakes.append(count)\n        if count == 0:\n            break\n"
                "    return w, b, mistakes",
                ("ex4_test_penguins",)),
    WrongAnswer("perceptron_strict_mistake", "ex4_solution",
                "def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):\n"
                "    X = np.asarray(X, dtype=float)\n    w = np.zeros(X.shape[1])\n    b = 0.0\n"
                "    mistakes = []\n    for _ in range(max_epochs):\n        count = 0\n"
                "        for x_i, y_i in zip(X, y):\n            if y_i * (x_i @ w + b) < 0:\n"
                "                w = w + learning_rate * y_i * x_i\n"
                "                b = b + learning_rate * y_i\n                count += 1\n"
                "        mistakes.append(count)\n        if count == 0:\n            break\n"
                "    return w, b, mistakes",
                ("ex4_test_penguins",)),
    WrongAnswer("perceptron_never_stops_early", "ex4_solution",
                "def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):\n"
                "    X = np.asarray(X, dtype=float)\n    w = np.zeros(X.shape[1])\n    b = 0.0\n"
                "    mistakes = []\n    for _ in range(max_epochs):\n        count = 0\n"
                "        for x_i, y_i in zip(X, y):\n            if y_i * (x_i @ w + b) <= 0:\n"
                "                w = w + learning_rate * y_i * x_i\n"
                "                b = b + learning_rate * y_i\n                count += 1\n"
                "        mistakes.append(count)\n"
                "    return w, b, mistakes",
                ("ex4_test_penguins",)),
    WrongAnswer("perceptron_updates_every_example", "ex4_solution",
                "def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):\n"
                "    X = np.asarray(X, dtype=float)\n    w = np.zeros(X.shape[1])\n    b = 0.0\n"
                "    mistakes = []\n    for _ in range(max_epochs):\n        count = 0\n"
                "        for x_i, y_i in zip(X, y):\n            if y_i * (x_i @ w + b) <= 0:\n"
                "                count += 1\n"
                "            w = w + learning_rate * y_i * x_i\n"
                "            b = b + learning_rate * y_i\n"
                "        mistakes.append(count)\n        if count == 0:\n            break\n"
                "    return w, b, mistakes",
                ("ex4_test_penguins",)),
    WrongAnswer("perceptron_learning_rate_ignored", "ex4_solution",
                "def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):\n"
                "    X = np.asarray(X, dtype=float)\n    w = np.zeros(X.shape[1])\n    b = 0.0\n"
                "    mistakes = []\n    for _ in range(max_epochs):\n        count = 0\n"
                "        for x_i, y_i in zip(X, y):\n            if y_i * (x_i @ w + b) <= 0:\n"
                "                w = w + y_i * x_i\n                b = b + y_i\n"
                "                count += 1\n"
                "        mistakes.append(count)\n        if count == 0:\n            break\n"
                "    return w, b, mistakes",
                ("ex4_test_hidden",)),
)

WRONG_ANSWERS = {"01-perceptron": UNIT_01}
