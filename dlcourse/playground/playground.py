"""TensorFlow Playground as a Python object: data, network, training and history together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dlcourse.playground import datasets, modern, settings
from dlcourse.playground.engine import Network
from dlcourse.playground.features import feature_matrix

if TYPE_CHECKING:
    import torch

try:  # the compiled twin of the numpy engine, when numba is installed
    from dlcourse.playground.fast import train_epochs_fast
except ImportError:
    train_epochs_fast = None

GRID_LIMIT = 6.0  # TF draws the plane from -6 to 6 on both axes
ENGINES = ("auto", "numpy", "fast")
# Settings whose change needs new data; any other change but learning_rate re-initialises the
# network, as TF Playground's controls do.
DATA_SETTINGS = ("dataset", "noise", "train_ratio", "seed", "problem")


def grid_axis(resolution: int) -> np.ndarray:
    """The coordinates of the grid's rows and columns: ``resolution`` values from -6 to 6."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise ValueError(f"resolution must be an integer from 2 to 1000; got {resolution!r}")
    if not 2 <= resolution <= 1000:
        raise ValueError(f"resolution must be an integer from 2 to 1000; got {resolution}")
    return np.linspace(-GRID_LIMIT, GRID_LIMIT, resolution)


def _badness(loss: float) -> float:
    """A loss for comparisons in which NaN counts as the worst."""
    return np.inf if np.isnan(loss) else loss


class Playground:
    """TensorFlow Playground in a notebook: a toy data set and a small network learning it.

    The data, the network and its training follow TF Playground's source exactly (the numpy
    engine reproduces its weights to 1e-9 after 500 epochs); only the random numbers differ,
    because numpy draws them.

    Parameters
    ----------
    dataset : str
        Classification: ``"circle"``, ``"xor"``, ``"gauss"``, ``"spiral"`` (500 points);
        regression: ``"plane"``, ``"multi-gaussian"`` (1200 points).
    noise : float
        0 to 0.5 (TF's 0 to 50 %).
    train_ratio : float
        Share of the points used for training, 0.1 to 0.9.
    batch_size : int
        Points per weight update, 1 to 30.
    features : sequence of str
        Inputs of the network among ``"x1"``, ``"x2"``, ``"x1^2"``, ``"x2^2"``, ``"x1*x2"``,
        ``"sin(x1)"``, ``"sin(x2)"``; they are always used in this order.
    hidden : sequence of int
        Sizes of the hidden layers: 0 to 6 layers of 1 to 8 neurons.
    activation : str or sequence of str
        Activation of the hidden neurons: ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"linear"``;
        with ``mode="modern"`` also ``"leaky_relu"`` (slope 0.01) and ``"elu"``, or a sequence
        with one name per hidden layer.
    learning_rate : float
        One of TF's values 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10.
    regularization : {None, "L1", "L2"}
        Penalty on the weights.
    reg_rate : float
        One of 0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10.
    problem : {None, "classification", "regression"}
        None infers it from ``dataset``. The output neuron is tanh to classify and linear to
        regress.
    seed : int or None
        Seed of the data and of the initial weights; None draws one (kept in ``seed``).
    init_zero : bool
        Start every weight at 0 (TF's hidden ``initZero`` option) instead of U(-0.5, 0.5).
    mode : {"compat", "modern"}
        ``"compat"`` (the default) trains exactly as TF Playground does. ``"modern"`` trains
        as one does today (:mod:`dlcourse.playground.modern`): the loss below, mini-batch
        gradients (the mean over the batch), an optimiser, L1/L2 added to the gradient. The
        settings below are modern-only: compat mode rejects any other value than the default.
    loss : {None, "cross_entropy", "mse"}
        None: cross-entropy (sigmoid output) to classify, MSE (linear output) to regress.
    optimizer : {"sgd", "momentum", "adam"}
        Momentum 0.9; Adam with β1 0.9, β2 0.999, ε 1e-8.
    shuffle : bool
        Reshuffle the training points every epoch (reproducibly, from ``seed``).
    init : {"tf", "xavier", "he"}
        Initial weights: U(-0.5, 0.5) with biases 0.1 (TF's), Xavier or He (biases 0).
    max_epochs : int or None
        Stop training at this epoch; None for no limit.
    early_stopping : int or None
        Patience: stop when the test loss has not improved for this many epochs
        (``stopped_early`` becomes True). None: never.

    Attributes
    ----------
    X_train, y_train, X_test, y_test : ndarray
        Raw points ``(n, 2)`` and their labels (±1, or a number for regression).
    network : Network
        The network; its inputs are the selected features.
    epoch : int
        Epochs trained since the last reset.
    history : dict of list
        ``"epoch"``, ``"train_loss"``, ``"test_loss"``, starting with epoch 0 (no training).
        The modern mode adds ``"train_accuracy"`` and ``"test_accuracy"`` (classification) or
        ``"train_r2"`` and ``"test_r2"`` (regression).
    stopped_early : bool
        Modern mode: True once early stopping has ended the training.
    diverged : str or None
        Modern mode: a plain-language message once the loss has exploded (NaN, inf or above
        1e6); training then stops until :meth:`reset`.
    display : dict of bool
        TF's view options kept for the URL and the widget: ``show_test_data``,
        ``discretize``, ``collect_stats``, ``hide_text``.

    Examples
    --------
    >>> pg = Playground(dataset="circle", hidden=(4, 2), seed=0)
    >>> pg.X_train.shape, pg.epoch
    ((250, 2), 0)
    >>> pg.train(epochs=5).epoch
    5
    >>> pg.predict([[0.0, 0.0], [5.0, 5.0]]).shape
    (2,)
    """

    def __init__(
        self,
        dataset: str = "circle",
        noise: float = 0.0,
        train_ratio: float = 0.5,
        batch_size: int = 10,
        features: Sequence[str] = ("x1", "x2"),
        hidden: Sequence[int] = (4, 2),
        activation: str = "tanh",
        learning_rate: float = 0.03,
        regularization: str | None = None,
        reg_rate: float = 0.0,
        problem: str | None = None,
        seed: int | None = 0,
        init_zero: bool = False,
        mode: str = "compat",
        loss: str | None = None,
        optimizer: str = "sgd",
        shuffle: bool = False,
        init: str = "tf",
        max_epochs: int | None = None,
        early_stopping: int | None = None,
    ) -> None:
        given = dict(locals())
        given.pop("self")
        self._apply(settings.check_settings(given))
        self.display = {
            "show_test_data": False,
            "discretize": False,
            "collect_stats": False,
            "hide_text": False,
        }
        self._make_data()
        self.reset()

    # ------------------------------------------------------------------ settings

    def _apply(self, checked: dict[str, Any]) -> None:
        self.dataset: str = checked["dataset"]
        self.noise: float = checked["noise"]
        self.train_ratio: float = checked["train_ratio"]
        self.batch_size: int = checked["batch_size"]
        self.features: tuple[str, ...] = checked["features"]
        self.hidden: tuple[int, ...] = checked["hidden"]
        self.activation: str | tuple[str, ...] = checked["activation"]
        self.learning_rate: float = checked["learning_rate"]
        self.regularization: str | None = checked["regularization"]
        self.reg_rate: float = checked["reg_rate"]
        self.problem: str = checked["problem"]
        self.seed: int = checked["seed"]
        self.init_zero: bool = checked["init_zero"]
        self.mode: str = checked["mode"]
        self.loss: str | None = checked["loss"]
        self.optimizer: str = checked["optimizer"]
        self.shuffle: bool = checked["shuffle"]
        self.init: str = checked["init"]
        self.max_epochs: int | None = checked["max_epochs"]
        self.early_stopping: int | None = checked["early_stopping"]

    def get_params(self) -> dict[str, Any]:
        """The settings, as keyword arguments of the constructor."""
        return {name: getattr(self, name) for name in settings.CHECKS}

    def set_params(self, **params: Any) -> Playground:
        """Change settings as TF Playground's controls do.

        A new data set, noise, train ratio, seed or problem regenerates the data; any change
        but the learning rate then starts the network afresh (:meth:`reset`). Invalid values
        raise ValueError and leave the playground unchanged.

        Returns
        -------
        Playground
            ``self``.
        """
        current = self.get_params()
        if "dataset" in params and "problem" not in params:
            current["problem"] = None  # infer it again from the new data set
        checked = settings.check_settings({**current, **params})
        changed = {name for name in checked if checked[name] != getattr(self, name)}
        self._apply(checked)
        if changed & set(DATA_SETTINGS):
            self._make_data()
        elif "features" in changed:  # same points, other inputs to the network
            self._F_train = self.feature_matrix(self.X_train)
            self._F_test = self.feature_matrix(self.X_test)
        if changed - {"learning_rate"}:
            self.reset()
        return self

    # ------------------------------------------------------------------ data and network

    def _make_data(self) -> None:
        self._set_data(*datasets.make_data(self.dataset, self.noise, self.train_ratio, self.seed))

    def _set_data(
        self, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
    ) -> None:
        self.X_train, self.y_train = np.asarray(X_train, float), np.asarray(y_train, float)
        self.X_test, self.y_test = np.asarray(X_test, float), np.asarray(y_test, float)
        self._F_train = self.feature_matrix(self.X_train)
        self._F_test = self.feature_matrix(self.X_test)

    @property
    def output_activation(self) -> str:
        """tanh to classify, linear to regress (TF's rule); modern mode: see :attr:`loss_name`."""
        if self.mode == "modern":
            return modern.output_activation_of(self.loss_name)
        return "tanh" if self.problem == "classification" else "linear"

    @property
    def loss_name(self) -> str:
        """The loss trained on: ``"half_squared_error"`` (compat mode, TF's),
        ``"cross_entropy"`` or ``"mse"``."""
        if self.mode == "compat":
            return "half_squared_error"
        if self.loss is not None:
            return self.loss
        return "cross_entropy" if self.problem == "classification" else "mse"

    def reset(self) -> Playground:
        """Start the network afresh: initial weights drawn from ``seed``, epoch 0.

        The same seed and shape always give the same initial weights.
        """
        weights_seed = int(np.random.SeedSequence([self.seed, 1]).generate_state(1)[0])
        if self.mode == "modern":
            self.network = modern.make_network(len(self.features), self.hidden, self.activation,
                                               self.loss_name, self.init, weights_seed)  # fmt: skip
        else:
            self.network = Network.from_layers(
                len(self.features), self.hidden, self.activation, self.output_activation,
                seed=weights_seed,
            )  # fmt: skip
        if self.init_zero:
            for w in self.network.weights:
                w.fill(0.0)
        self.epoch = 0
        self.history: dict[str, list] = {"epoch": [], "train_loss": [], "test_loss": []}
        if self.mode == "modern":
            score = "accuracy" if self.problem == "classification" else "r2"
            self.history.update({f"train_{score}": [], f"test_{score}": []})
        self._optimizer = modern.make_optimizer(self.optimizer, self.network)
        self.stopped_early = False
        self.diverged: str | None = None
        self._record()
        return self

    def regenerate(self, seed: int | None = None) -> Playground:
        """New data (from ``seed``, by default the next one), same settings, network reset."""
        return self.set_params(seed=self.seed + 1 if seed is None else seed)

    # ------------------------------------------------------------------ training

    def _record(self) -> None:
        self.history["epoch"].append(self.epoch)
        if self.mode == "compat":
            self.history["train_loss"].append(self.network.loss(self._F_train, self.y_train))
            self.history["test_loss"].append(self.network.loss(self._F_test, self.y_test))
            return
        for split, F, y in (("train", self._F_train, self.y_train),
                            ("test", self._F_test, self.y_test)):  # fmt: skip
            self.history[f"{split}_loss"].append(modern.loss_value(self.network, F, y,
                                                                   self.loss_name))  # fmt: skip
            score = self._score(F, y)
            self.history[f"{split}_{score[0]}"].append(score[1])

    def _score(self, F: np.ndarray, y: np.ndarray) -> tuple[str, float]:
        with np.errstate(over="ignore", invalid="ignore"):
            output = modern.forward(self.network, F)[1][-1][:, 0]
            if self.problem == "classification":
                return "accuracy", modern.accuracy(output, y, self.loss_name)
            return "r2", modern.r2(output, y)

    def accuracy(self) -> dict[str, float]:
        """Share of correctly classified points, ``{"train": ..., "test": ...}``.

        The class is the sign of the output (tanh or linear output), or output > 0.5 (sigmoid).
        """
        if self.problem != "classification":
            raise ValueError("accuracy() needs a classification problem; use r2() to regress")
        return {"train": self._score(self._F_train, self.y_train)[1],
                "test": self._score(self._F_test, self.y_test)[1]}  # fmt: skip

    def r2(self) -> dict[str, float]:
        """The coefficient of determination R², ``{"train": ..., "test": ...}``."""
        if self.problem != "regression":
            raise ValueError("r2() needs a regression problem; use accuracy() to classify")
        return {"train": self._score(self._F_train, self.y_train)[1],
                "test": self._score(self._F_test, self.y_test)[1]}  # fmt: skip

    @property
    def stopped(self) -> bool:
        """Modern mode: True when training has ended (early stop, divergence, max_epochs)."""
        at_max = self.max_epochs is not None and self.epoch >= self.max_epochs
        return self.stopped_early or self.diverged is not None or at_max

    def _train_modern(self, epochs: int) -> None:
        for _ in range(epochs):
            if self.stopped:
                return
            order = modern.epoch_order(len(self._F_train), self.seed, self.epoch, self.shuffle)
            modern.train_epoch(self.network, self._F_train, self.y_train, self._optimizer,
                               self.learning_rate, self.batch_size, self.loss_name, order,
                               self.regularization, self.reg_rate)  # fmt: skip
            self.epoch += 1
            self._record()
            self._check_stop()

    def _check_stop(self) -> None:
        worst = max(self.history["train_loss"][-1], self.history["test_loss"][-1], key=_badness)
        self.diverged = modern.diverged_message(worst, self.epoch, self.learning_rate)
        if self.early_stopping is not None and self.diverged is None:
            losses = self.history["test_loss"]
            best = int(np.argmin(losses))  # the first epoch with the lowest test loss
            self.stopped_early = len(losses) - 1 - best >= self.early_stopping

    def train(self, epochs: int = 1, engine: str = "auto") -> Playground:
        """Train for some epochs, as TF Playground's play button does.

        In modern mode, training stops early (and later calls do nothing until :meth:`reset`)
        at ``max_epochs``, when early stopping fires or when the loss explodes
        (see ``stopped_early`` and ``diverged``).

        Parameters
        ----------
        epochs : int
            Number of epochs, >= 0. Each visits the training points in order (compat mode).
        engine : {"auto", "numpy", "fast"}
            ``"auto"`` uses the compiled engine when it can be imported, else numpy. Both give
            the same weights.

        Returns
        -------
        Playground
            ``self``, so that ``pg.train(100).summary()`` works.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be an integer >= 0; got {epochs!r}")
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}; got {engine!r}")
        if engine == "fast" and train_epochs_fast is None:
            raise ValueError("engine='fast' needs dlcourse.playground.fast (and numba)")
        if self.mode == "modern":  # one vectorised numpy engine; `engine` does not apply
            self._train_modern(int(epochs))
            return self
        fast = engine != "numpy" and train_epochs_fast is not None
        args = (self.learning_rate, self.batch_size)
        reg = {"regularization": self.regularization, "reg_rate": self.reg_rate}
        for _ in range(int(epochs)):
            if fast:
                train_epochs_fast(self.network, self._F_train, self.y_train, *args, 1, **reg)
            else:
                self.network.train_epoch_compat(self._F_train, self.y_train, *args, **reg)
            self.epoch += 1
            self._record()
        return self

    # ------------------------------------------------------------------ outputs

    def feature_matrix(self, X: np.ndarray) -> np.ndarray:
        """The network's inputs for raw points ``X`` (n, 2): shape (n, n_features)."""
        return feature_matrix(X, self.features)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's output, shape (n,), for raw points ``X`` of shape (n, 2)."""
        return self.network.forward(self.feature_matrix(X))

    def _grid_points(self, resolution: int) -> np.ndarray:
        axis = grid_axis(resolution)
        x1, x2 = np.meshgrid(axis, axis)  # row i has x2 = axis[i]
        return np.column_stack([x1.ravel(), x2.ravel()])

    def output_grid(self, resolution: int = 100) -> np.ndarray:
        """The output over the square [-6, 6]², in one forward pass.

        Returns
        -------
        ndarray, shape (resolution, resolution)
            Entry ``[i, j]`` is the output at ``x1 = axis[j]``, ``x2 = axis[i]`` with
            ``axis = np.linspace(-6, 6, resolution)``: rows go up in x2, so draw it with
            ``imshow(..., origin="lower", extent=(-6, 6, -6, 6))``.
        """
        return self.predict(self._grid_points(resolution)).reshape(resolution, resolution)

    def neuron_grids(self, resolution: int = 20) -> list[np.ndarray]:
        """Every neuron's output over [-6, 6]² (TF's thumbnails), in one forward pass.

        Returns
        -------
        list of ndarray
            One entry per layer, the input features first and the output neuron last; entry
            ``l`` has shape ``(n_nodes, resolution, resolution)``, laid out as in
            :meth:`output_grid`.
        """
        inputs = self.feature_matrix(self._grid_points(resolution))
        _, outputs = self.network.forward_layers(inputs)
        return [out.T.reshape(-1, resolution, resolution) for out in outputs]

    def summary(self) -> str:
        """One line: epoch, training loss, test loss."""
        return (
            f"epoch {self.epoch}: train loss {self.history['train_loss'][-1]:.4f}, "
            f"test loss {self.history['test_loss'][-1]:.4f}"
        )

    def __repr__(self) -> str:
        changed = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Playground({changed})  # {self.summary()}"

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        try:
            from dlcourse.playground.widget import PlaygroundWidget
        except ImportError:
            print(repr(self))
            return
        from IPython.display import display

        display(PlaygroundWidget(self))

    # ------------------------------------------------------------------ saving and sharing

    def to_state(self) -> dict[str, Any]:
        """Everything needed to continue later, as a JSON-serialisable dict."""
        from dlcourse.playground.state import to_state

        state = to_state(self)
        if self.mode == "modern":  # what the compat state has no place for
            state["modern"] = {
                "optimizer": self._optimizer.to_dict(),
                "stopped_early": self.stopped_early,
                "diverged": self.diverged,
            }
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Playground:
        """The playground saved by :meth:`to_state`, with the same predictions."""
        from dlcourse.playground.state import from_state

        if "modern" not in state:
            return from_state(cls, state)
        # The compat loader knows TF's activations only: load the arrays, then the layers.
        plain_network = {**state["network"], "activation": "linear", "output_activation": "linear"}
        pg = from_state(cls, {**state, "network": plain_network})
        net = pg.network
        activations = modern.layer_activations(pg.activation, len(pg.hidden), pg.loss_name)
        pg.network = modern.LayeredNetwork(net.weights, net.biases, activations)
        pg.history = {key: list(values) for key, values in state["history"].items()}
        pg.history["epoch"] = [int(e) for e in pg.history["epoch"]]
        pg._optimizer = modern.Optimizer.from_dict(state["modern"]["optimizer"])
        pg.stopped_early = bool(state["modern"]["stopped_early"])
        pg.diverged = state["modern"]["diverged"]
        return pg

    def to_url(self) -> str:
        """The settings as a TensorFlow Playground link (weights and training not included).

        The link is in TF Playground's format, so it holds TF's settings only: ``mode`` and the
        modern-only settings (loss, optimizer, shuffle, init, max_epochs, early_stopping) are
        simply not in it, and a playground read back from it is in compat mode. An activation
        TF does not have (leaky_relu, elu, one per layer) raises ValueError.
        """
        from dlcourse.playground.state import to_url

        self._check_tf_activation("a TensorFlow Playground link")
        return to_url(self)

    def _check_tf_activation(self, what: str) -> None:
        if self.activation not in settings.ACTIVATIONS:
            raise ValueError(
                f"activation={self.activation!r} cannot go into {what}: it needs one of "
                f"{tuple(settings.ACTIVATIONS)} for every hidden layer"
            )

    @classmethod
    def from_url(cls, url: str) -> Playground:
        """A playground with the settings of a TensorFlow Playground link (or its ``#`` part)."""
        from dlcourse.playground.state import from_url

        return from_url(cls, url)

    def to_torch(self) -> torch.nn.Module:
        """The network as a float64 torch module taking raw points (n, 2) to outputs (n,)."""
        from dlcourse.playground.torch_export import to_torch

        self._check_tf_activation("the torch export")
        return to_torch(self)
