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


_PERCEPTRON = """
def train_perceptron(X, y, learning_rate=1.0, max_epochs={max_epochs}):
{convert}
    w = np.zeros(X.shape[1])
    b = 0.0
    mistakes = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, y):
            if {mistake}:
                count += 1
{update}
        mistakes.append(count)
{stop}
    return w, b, mistakes
"""
_UPDATE = ("                w = w + learning_rate * y_i * x_i\n"
           "                b = b + learning_rate * y_i")
_STOP = "        if count == 0:\n            break"


_CONVERT_X = "    X = np.asarray(X, dtype=float)"


def _perceptron(mistake: str = "y_i * (x_i @ w + b) <= 0", update: str = _UPDATE,
                stop: str = _STOP, max_epochs: int = 100, convert: str = _CONVERT_X) -> str:
    return _PERCEPTRON.format(mistake=mistake, update=update, stop=stop, max_epochs=max_epochs,
                              convert=convert)


def _wrong(name: str, cell: str, code: str, *loses: str) -> WrongAnswer:
    return WrongAnswer(name, cell, code.strip("\n"), loses)


UNIT_01 = (
    # sigmoid
    _wrong("sigmoid_sign_error", "ex1_solution", """
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))
""", "ex1_test_values"),
    _wrong("sigmoid_naive_ratio_nan", "ex1_solution", """
def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1.0 + e)
""", "ex1_test_hidden"),
    _wrong("sigmoid_overflows", "ex1_solution", """
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
""", "ex1_test_hidden"),
    _wrong("sigmoid_python_loop", "ex1_solution", """
import math
def sigmoid(z):
    return [1 / (1 + math.exp(-v)) for v in z]
""", "ex1_test_values"),
    # relu
    _wrong("relu_reduces_with_np_max", "ex1_solution", """
def relu(z):
    return np.max(np.asarray(z, dtype=float), 0)
""", "ex1_test_values"),
    _wrong("relu_absolute_value", "ex1_solution", """
def relu(z):
    return np.abs(np.asarray(z, dtype=float))
""", "ex1_test_values"),
    _wrong("relu_clipped_at_one", "ex1_solution", """
def relu(z):
    return np.clip(np.asarray(z, dtype=float), 0, 1)
""", "ex1_test_values"),
    _wrong("relu_keeps_integer_dtype", "ex1_solution", """
def relu(z):
    return np.maximum(0, z)
""", "ex1_test_hidden"),
    # leaky_relu
    _wrong("leaky_relu_slope_ignored", "ex1_solution", """
def leaky_relu(z, slope=0.1):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.1 * z)
""", "ex1_test_values"),
    _wrong("leaky_relu_slope_001", "ex1_solution", """
def leaky_relu(z, slope=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, slope * z)
""", "ex1_test_values"),
    _wrong("leaky_relu_maximum_with_slope", "ex1_solution", """
def leaky_relu(z, slope=0.1):
    return np.maximum(slope, np.asarray(z, dtype=float))
""", "ex1_test_values"),
    # elu
    _wrong("elu_missing_minus_one", "ex1_solution", """
def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, z, alpha * np.exp(z))
""", "ex1_test_values"),
    _wrong("elu_alpha_ignored", "ex1_solution", """
def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, z, np.expm1(np.minimum(z, 0)))
""", "ex1_test_values"),
    _wrong("elu_exponential_everywhere", "ex1_solution", """
def elu(z, alpha=1.0):
    return alpha * (np.exp(np.asarray(z, dtype=float)) - 1)
""", "ex1_test_values"),
    _wrong("elu_fails_on_lists", "ex1_solution", """
def elu(z, alpha=1.0):
    return np.where(z >= 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
""", "ex1_test_hidden"),
    # sigmoid_derivative
    _wrong("sigmoid_derivative_plus", "ex2_solution", """
def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 + s)
""", "ex2_test_values"),
    _wrong("sigmoid_derivative_of_z", "ex2_solution", """
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    return z * (1 - z)
""", "ex2_test_values"),
    _wrong("sigmoid_derivative_mixed", "ex2_solution", """
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    return sigmoid(z) * (1 - z)
""", "ex2_test_values"),
    # tanh_derivative
    _wrong("tanh_derivative_no_square", "ex2_solution", """
def tanh_derivative(z):
    return 1 - np.tanh(np.asarray(z, dtype=float))
""", "ex2_test_values"),
    _wrong("tanh_derivative_of_z", "ex2_solution", """
def tanh_derivative(z):
    return 1 - np.asarray(z, dtype=float) ** 2
""", "ex2_test_values"),
    _wrong("tanh_derivative_plus", "ex2_solution", """
def tanh_derivative(z):
    return 1 + np.tanh(np.asarray(z, dtype=float)) ** 2
""", "ex2_test_values"),
    # relu_derivative
    _wrong("relu_derivative_one_at_zero", "ex2_solution", """
def relu_derivative(z):
    return (np.asarray(z, dtype=float) >= 0).astype(float)
""", "ex2_test_hidden"),
    _wrong("relu_derivative_is_relu", "ex2_solution", """
def relu_derivative(z):
    return np.maximum(0.0, np.asarray(z, dtype=float))
""", "ex2_test_values"),
    _wrong("relu_derivative_boolean", "ex2_solution", """
def relu_derivative(z):
    return np.asarray(z) > 0
""", "ex2_test_hidden"),
    # neuron_forward
    _wrong("neuron_forward_no_bias", "ex3_solution", """
def neuron_forward(X, w, b, activation=None):
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)
    return z if activation is None else activation(z)
""", "ex3_test_values"),
    _wrong("neuron_forward_bias_after_activation", "ex3_solution", """
def neuron_forward(X, w, b, activation=None):
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)
    return z + b if activation is None else activation(z) + b
""", "ex3_test_values"),
    _wrong("neuron_forward_sums_everything", "ex3_solution", """
def neuron_forward(X, w, b, activation=None):
    z = np.sum(np.asarray(X) * np.asarray(w)) + b
    return z if activation is None else activation(z)
""", "ex3_test_values"),
    _wrong("neuron_forward_ignores_activation", "ex3_solution", """
def neuron_forward(X, w, b, activation=None):
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
""", "ex3_test_values"),
    # train_perceptron
    _wrong("perceptron_no_bias_update", "ex4_solution",
           _perceptron(update="                w = w + learning_rate * y_i * x_i"),
           "ex4_test_penguins"),
    _wrong("perceptron_strict_mistake", "ex4_solution",
           _perceptron(mistake="y_i * (x_i @ w + b) < 0"), "ex4_test_penguins"),
    _wrong("perceptron_never_stops_early", "ex4_solution", _perceptron(stop=""),
           "ex4_test_penguins"),
    _wrong("perceptron_updates_every_example", "ex4_solution",
           _perceptron(update="            w = w + learning_rate * y_i * x_i\n"
                              "            b = b + learning_rate * y_i"),
           "ex4_test_penguins"),
    _wrong("perceptron_learning_rate_ignored", "ex4_solution",
           _perceptron(update="                w = w + y_i * x_i\n                b = b + y_i"),
           "ex4_test_hidden"),
    _wrong("perceptron_default_max_epochs_1000", "ex4_solution", _perceptron(max_epochs=1000),
           "ex4_test_hidden"),
    _wrong("perceptron_fails_on_lists", "ex4_solution", _perceptron(convert=""),
           "ex4_test_hidden"),
)


_FORWARD = """
def forward(X, W1, b1, W2, b2):
{convert}
    Z1 = {Z1}
    A1 = {A1}
    z2 = A1 @ W2 + b2
    p = {p}
    return p, {{"Z1": Z1, "A1": A1, "z2": z2, "p": p}}
"""


def _forward(Z1: str = "X @ W1 + b1", A1: str = "np.tanh(Z1)", p: str = "sigmoid(z2)",
             convert: str = _CONVERT_X) -> str:
    return _FORWARD.format(Z1=Z1, A1=A1, p=p, convert=convert)


_BACKWARD = """
def backward(X, y, cache, W2):
{convert}
    y = np.asarray(y, dtype=float)
    Z1, A1, p = cache["Z1"], cache["A1"], cache["p"]
    n = X.shape[0]
    dz2 = {dz2}
    dW2 = {dW2}
    db2 = float(np.sum(dz2))
    dA1 = np.outer(dz2, W2)
    dZ1 = {dZ1}
    dW1 = X.T @ dZ1
    db1 = {db1}
    return dW1, db1, dW2, db2
"""


def _backward(dz2: str = "(p - y) / n", dW2: str = "A1.T @ dz2",
              dZ1: str = "dA1 * (1.0 - A1**2)", db1: str = "dZ1.sum(axis=0)",
              convert: str = _CONVERT_X) -> str:
    return _BACKWARD.format(dz2=dz2, dW2=dW2, dZ1=dZ1, db1=db1, convert=convert)


def _spiral(settings: str) -> str:
    return f"def spiral_settings():\n    return {settings}\n"


_SPIRAL_FEATURES = '("x1", "x2", "sin(x1)", "sin(x2)")'
_ALL_FEATURES = '("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")'

UNIT_03 = (
    # forward
    _wrong("forward_sigmoid_hidden_layer", "ex1_solution", _forward(A1="sigmoid(Z1)"),
           "ex1_test_values"),
    _wrong("forward_no_hidden_bias", "ex1_solution", _forward(Z1="X @ W1"), "ex1_test_values"),
    _wrong("forward_transposed_weights", "ex1_solution", _forward(Z1="X @ W1.T + b1"),
           "ex1_test_values"),
    _wrong("forward_no_output_sigmoid", "ex1_solution", _forward(p="z2"), "ex1_test_values"),
    _wrong("forward_tanh_output", "ex1_solution", _forward(p="np.tanh(z2)"), "ex1_test_values"),
    _wrong("forward_fails_on_lists", "ex1_solution", _forward(convert=""), "ex1_test_hidden"),
    # backward
    _wrong("backward_missing_one_over_n", "ex2_solution", _backward(dz2="p - y"),
           "ex2_test_reference", "ex2_test_numerical"),
    _wrong("backward_tanh_derivative_of_z", "ex2_solution",
           _backward(dZ1="dA1 * (1.0 - Z1**2)"), "ex2_test_reference", "ex2_test_numerical"),
    _wrong("backward_dW2_uses_pre_activation", "ex2_solution", _backward(dW2="Z1.T @ dz2"),
           "ex2_test_reference", "ex2_test_numerical"),
    _wrong("backward_sign_error", "ex2_solution", _backward(dz2="(y - p) / n"),
           "ex2_test_reference", "ex2_test_numerical"),
    _wrong("backward_db1_mean_over_examples", "ex2_solution", _backward(db1="dZ1.mean(axis=0)"),
           "ex2_test_reference", "ex2_test_numerical"),
    _wrong("backward_squeezes_one_hidden_neuron", "ex2_solution",
           _backward(dW2="np.squeeze(A1.T @ dz2.reshape(-1, 1))"), "ex2_test_hidden"),
    _wrong("backward_fails_on_lists", "ex2_solution", _backward(convert=""), "ex2_test_hidden"),
    # spiral_settings
    _wrong("spiral_too_few_neurons", "ex3_solution", _spiral(
        f'{{"features": {_ALL_FEATURES}, "hidden": (2,), "learning_rate": 0.03}}'),
        "ex3_test_spiral"),
    _wrong("spiral_linear_activation", "ex3_solution", _spiral(
        f'{{"features": {_ALL_FEATURES}, "hidden": (8, 4), "activation": "linear"}}'),
        "ex3_test_spiral"),
    _wrong("spiral_x1_x2_one_small_layer", "ex3_solution", _spiral(
        '{"features": ("x1", "x2"), "hidden": (4,), "activation": "tanh"}'),
        "ex3_test_spiral"),
    _wrong("spiral_playground_defaults", "ex3_solution", _spiral("{}"), "ex3_test_spiral"),
    _wrong("spiral_too_many_neurons", "ex3_solution", _spiral(
        f'{{"features": {_SPIRAL_FEATURES}, "hidden": (8, 8), "activation": "tanh"}}'),
        "ex3_test_spiral"),
    _wrong("spiral_unknown_key", "ex3_solution", _spiral(
        f'{{"features": {_SPIRAL_FEATURES}, "hidden": (8, 4), "lr": 0.03}}'),
        "ex3_test_spiral"),
    _wrong("spiral_learning_rate_off_the_ladder", "ex3_solution", _spiral(
        f'{{"features": {_SPIRAL_FEATURES}, "hidden": (8, 4), "learning_rate": 0.05}}'),
        "ex3_test_spiral"),
)


_CONV2D = """
def conv2d(image, kernel, stride=1, padding=0):
    image = np.pad(np.asarray(image, dtype=float), padding)
    kernel = {kernel}
    height, width = image.shape
    kh, kw = kernel.shape
    out_h = (height - kh) // stride + 1
    out_w = (width - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            patch = {patch}
            out[i, j] = np.sum(patch * kernel)
    return out
"""


def _conv2d(kernel: str = "np.asarray(kernel, dtype=float)",
            patch: str = "image[i * stride:i * stride + kh, j * stride:j * stride + kw]") -> str:
    return _CONV2D.format(kernel=kernel, patch=patch)


_OUTPUT_SIZE = """
def conv_output_size(size, kernel_size, stride=1, padding=0):
    padded = {padded}
    if {too_big}:
        raise ValueError("the kernel does not fit")
    return {result}
"""


def _output_size(padded: str = "size + 2 * padding", too_big: str = "kernel_size > padded",
                 result: str = "(padded - kernel_size) // stride + 1") -> str:
    return _OUTPUT_SIZE.format(padded=padded, too_big=too_big, result=result)


_CNN_FORWARD = """
def cnn_forward(images, weights):
    x = {convert}
    for name in ("conv1", "conv2", "conv3"):
        x = F.conv2d(x, weights[f"{{name}}.weight"], weights[f"{{name}}.bias"], padding=1)
        x = {activation}
        x = F.max_pool2d(x, 2)
    x = torch.flatten(x, start_dim=1)
    return {output}
"""
_LINEAR = 'F.linear(x, weights["linear.weight"], weights["linear.bias"])'


def _cnn_forward(convert: str = "torch.as_tensor(images, dtype=torch.float32)",
                 activation: str = "F.relu(x)", output: str = _LINEAR) -> str:
    return _CNN_FORWARD.format(convert=convert, activation=activation, output=output)


def _settings(settings: str) -> str:
    return f"def training_settings():\n    return {settings}\n"


UNIT_07 = (
    # conv2d
    _wrong("conv2d_flips_the_kernel", "ex1_solution",
           _conv2d(kernel="np.asarray(kernel, dtype=float)[::-1, ::-1]"), "ex1_test_values"),
    _wrong("conv2d_ignores_the_stride", "ex1_solution",
           _conv2d(patch="image[i:i + kh, j:j + kw]"), "ex1_test_stride_padding"),
    _wrong("conv2d_fails_on_lists", "ex1_solution", _conv2d(kernel="kernel"), "ex1_test_hidden"),
    # conv_output_size
    _wrong("output_size_forgets_the_padding", "ex2_solution", _output_size(padded="size"),
           "ex2_test_values"),
    _wrong("output_size_true_division", "ex2_solution",
           _output_size(result="(padded - kernel_size) / stride + 1"), "ex2_test_values"),
    _wrong("output_size_refuses_an_exact_fit", "ex2_solution",
           _output_size(too_big="kernel_size >= padded"), "ex2_test_hidden"),
    # cnn_forward
    _wrong("cnn_forward_no_relu", "ex3_solution", _cnn_forward(activation="x"),
           "ex3_test_scores"),
    _wrong("cnn_forward_softmax_scores", "ex3_solution",
           _cnn_forward(output=f"F.softmax({_LINEAR}, dim=1)"), "ex3_test_scores"),
    _wrong("cnn_forward_fails_on_numpy", "ex3_solution", _cnn_forward(convert="images"),
           "ex3_test_hidden"),
    # training_settings
    _wrong("settings_train_model_defaults", "ex4_solution", _settings(
        '{"epochs": 5, "learning_rate": 0.001, "batch_size": 128, "class_weight": None}'),
        "ex4_test_training", "ex4_test_hidden"),
    _wrong("settings_two_quick_epochs", "ex4_solution", _settings(
        '{"epochs": 2, "learning_rate": 0.01, "batch_size": 32, "class_weight": "balanced"}'),
        "ex4_test_training"),
    _wrong("settings_more_epochs_than_allowed", "ex4_solution", _settings(
        '{"epochs": 20, "learning_rate": 0.01, "batch_size": 32, "class_weight": "balanced"}'),
        "ex4_test_rules", "ex4_test_training"),
    _wrong("settings_abbreviated_key", "ex4_solution", _settings(
        '{"epochs": 8, "lr": 0.01, "batch_size": 32, "class_weight": "balanced"}'),
        "ex4_test_rules", "ex4_test_training"),
)

_SMOTE = """
def smote(X, n_new, k=5, seed=None):
{convert}
    n = X.shape[0]
    if {too_large}:
        raise ValueError(f"k={{k}} is too large: the class has only {{n}} points")
    distances = np.linalg.norm(X[:, None, :] - X[None, :, :], axis=2)
{diagonal}
    neighbours = np.argsort(distances, kind="stable")[:, :k]
    rng = {rng}
    base = rng.integers(0, n, size=n_new)
    pick = rng.integers(0, k, size=n_new)
    u = {u}
    partner = {partner}
    return X[base] + u * (X[partner] - X[base])
"""


def _smote(convert: str = _CONVERT_X, too_large: str = "k < 1 or k >= n",
           diagonal: str = "    np.fill_diagonal(distances, np.inf)",
           rng: str = "np.random.default_rng(seed)", u: str = "rng.random((n_new, 1))",
           partner: str = "neighbours[base, pick]") -> str:
    return _SMOTE.format(convert=convert, too_large=too_large, diagonal=diagonal, rng=rng, u=u,
                         partner=partner)


_FEATURES = """
def ecotaxa_features(X_train, X_new, n_native, n_components=50):
    X_train = np.asarray(X_train, dtype=float)
    X_new = np.asarray(X_new, dtype=float)
    pca = {pca}.fit({fitted_on})
    return np.hstack([X_new[:, :n_native], pca.transform({projected})])
"""


def _features(pca: str = "PCA(n_components=n_components)",
              fitted_on: str = "X_train[:, n_native:]",
              projected: str = "X_new[:, n_native:]") -> str:
    return _FEATURES.format(pca=pca, fitted_on=fitted_on, projected=projected)


_CLASSIFY = """
def ecotaxa_classify(X_train, y_train, X_new, n_native, n_components=50, n_trees=300, seed=0):
    train_features = {train_features}
    new_features = {new_features}
    forest = RandomForestClassifier({forest})
    forest.fit(train_features, y_train)
    return forest.predict(new_features), forest.predict_proba(new_features)
"""
_ECOTAXA_FOREST = ('n_estimators=n_trees, min_samples_leaf=5, class_weight="balanced", '
                   'random_state=seed')


def _classify(forest: str = _ECOTAXA_FOREST,
              train_features: str = "ecotaxa_features(X_train, X_train, n_native, n_components)",
              new_features: str = "ecotaxa_features(X_train, X_new, n_native, n_components)"
              ) -> str:
    return _CLASSIFY.format(forest=forest, train_features=train_features,
                            new_features=new_features)


UNIT_08 = (
    # smote
    _wrong("smote_self_is_a_neighbour", "ex1_solution", _smote(diagonal=""),
           "ex1_test_segments"),
    _wrong("smote_accepts_k_equal_to_n", "ex1_solution", _smote(too_large="k < 1 or k > n"),
           "ex1_test_errors"),
    _wrong("smote_seed_ignored", "ex1_solution", _smote(rng="np.random.default_rng()"),
           "ex1_test_seed"),
    # ecotaxa_features
    _wrong("features_pca_fitted_on_the_new_images", "ex2_solution",
           _features(fitted_on="X_new[:, n_native:]"), "ex2_test_values"),
    _wrong("features_pca_of_every_column", "ex2_solution",
           _features(fitted_on="X_train", projected="X_new"), "ex2_test_values"),
    _wrong("features_scaled_before_pca", "ex2_solution", _features(
        pca="make_pipeline(StandardScaler(), PCA(n_components=n_components))").replace(
        "def ecotaxa_features", "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n\n\ndef ecotaxa_features"),
        "ex2_test_values"),
    # ecotaxa_classify
    _wrong("classify_sklearn_default_settings", "ex3_solution",
           _classify(forest="n_estimators=n_trees, random_state=seed"),
           "ex3_test_toy", "ex3_test_plankton"),
    _wrong("classify_without_class_weights", "ex3_solution", _classify(
        forest=_ECOTAXA_FOREST.replace('class_weight="balanced", ', "")),
        "ex3_test_toy", "ex3_test_plankton"),
    _wrong("classify_native_descriptors_only", "ex3_solution", _classify(
        train_features="X_train[:, :n_native]", new_features="X_new[:, :n_native]"),
        "ex3_test_toy", "ex3_test_plankton"),
)

WRONG_ANSWERS = {"01-perceptron": UNIT_01, "03-multilayer": UNIT_03,
                 "07-convolutional": UNIT_07, "08-feature-extraction": UNIT_08}
