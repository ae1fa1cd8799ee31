"""TensorFlow Playground as a Python object: data, network, training and history together."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dlcourse.playground import classes, datasets, modern, settings
from dlcourse.playground.custom_data import CustomData, read_data
from dlcourse.playground.engine import Network
from dlcourse.playground.features import feature_matrix
from dlcourse.playground.schedules import scheduled_rate

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
SPLITS = ("train", "test")


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
        three classes (modern mode): ``"gauss3"``, ``"spiral3"`` (500 points); regression:
        ``"plane"``, ``"multi-gaussian"`` (1200 points). ``"custom"`` is your own points, given
        with :meth:`from_data` or :meth:`set_data` (the noise does not apply to them).
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
        None: cross-entropy to classify (a sigmoid output for two classes, a softmax over k
        output nodes for k >= 3 classes), MSE (linear output) to regress.
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
    dropout : float
        0 to 0.9: the share of hidden outputs dropped at random in each training batch
        (inverted dropout: kept outputs are divided by ``1 - dropout``). Predictions and the
        losses recorded use every output. Masks come from ``seed`` and the epoch, so a run is
        reproducible.
    lr_schedule : {None, "step", "exponential", "cosine"}
        How the rate changes with the epoch (:mod:`dlcourse.playground.schedules`): step
        ``learning_rate * lr_decay ** floor(epoch / lr_step)``, exponential
        ``learning_rate * lr_decay ** (epoch / lr_step)``, cosine from ``learning_rate`` to 0
        at ``max_epochs`` (which it needs). See :attr:`current_learning_rate`.
    lr_decay : float
        0.01 to 1: the factor applied every ``lr_step`` epochs.
    lr_step : int
        1 to 10000 epochs.

    Attributes
    ----------
    X_train, y_train, X_test, y_test : ndarray
        Raw points ``(n, 2)`` and their labels (±1 for two classes, 0..k-1 for k classes, or
        a number for regression).
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

    Your own points, three classes:

    >>> from sklearn.datasets import make_blobs
    >>> pg = Playground.from_data(make_blobs(300, centers=3, random_state=0), mode="modern")
    >>> pg.n_classes, pg.predict_proba([[0.0, 0.0]]).shape
    (3, (1, 3))
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
        dropout: float = 0.0,
        lr_schedule: str | None = None,
        lr_decay: float = 0.5,
        lr_step: int = 100,
    ) -> None:
        given = dict(locals())
        given.pop("self")
        self._start(given)

    def _start(self, given: dict[str, Any], custom: CustomData | None = None) -> None:
        """Check the settings (defaults for those not given), make the data, reset."""
        self._custom = custom
        self._apply(settings.check_settings({**_defaults(), **given}, self._custom_kind()))
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
        self.dropout: float = checked["dropout"]
        self.lr_schedule: str | None = checked["lr_schedule"]
        self.lr_decay: float = checked["lr_decay"]
        self.lr_step: int = checked["lr_step"]

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
        checked = settings.check_settings({**current, **params}, self._custom_kind())
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
        if self.dataset == datasets.CUSTOM:
            self._set_data(*self._custom.split(self.train_ratio, self.seed))
            return
        self._set_data(*datasets.make_data(self.dataset, self.noise, self.train_ratio, self.seed))

    def _custom_kind(self) -> tuple[str, int | None] | None:
        """The problem and number of classes of the user's points, if any."""
        return None if self._custom is None else (self._custom.problem, self._custom.n_classes)

    @classmethod
    def from_data(
        cls,
        X: Any,
        y: Any = None,
        test_X: Any = None,
        test_y: Any = None,
        *,
        columns: Sequence[str] | None = None,
        label: str | None = None,
        rescale: bool = True,
        **settings: Any,
    ) -> Playground:
        """A playground on your own points (``dataset="custom"``).

        Parameters
        ----------
        X : array_like of shape (n, 2), DataFrame, or tuple ``(X, y)``
            The points; a tuple is what scikit-learn's generators return
            (``Playground.from_data(make_moons(200, noise=0.1))``).
        y : array_like of shape (n,), optional
            The labels: 0/1 or ±1 give two classes, 0..k-1 give k classes (3 to 8, modern
            mode), other numbers a regression; text labels name classes. For a DataFrame,
            name its label column with ``label`` instead.
        test_X, test_y : optional
            A test set in the same form. Without one, the points are split by
            ``train_ratio``, shuffled with ``seed``.
        columns : pair of str, optional
            A DataFrame's two coordinate columns; by default its two columns other than
            ``label``.
        label : str, optional
            A DataFrame's label column.
        rescale : bool
            True (the default) centres the points and scales both axes by the same factor so
            that the wider one spans [-5, 5], within the [-6, 6] square the playground draws;
            :meth:`to_plane` does the same to new points. False keeps the coordinates.
        **settings
            Any setting of the constructor but ``dataset``; ``problem`` forces how the labels
            are read.

        Raises
        ------
        ValueError
            For a wrong shape, NaN, one class only, lengths that differ, a column that does
            not exist, or settings that do not fit the data (3 classes need
            ``mode="modern"``).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]])
        >>> pg = Playground.from_data(X, [0, 0, 1, 1], seed=0)
        >>> pg.dataset, pg.n_classes, len(pg.X_train), len(pg.X_test)
        ('custom', 2, 2, 2)
        """
        if "dataset" in settings:
            raise ValueError("from_data makes dataset='custom'; leave the dataset setting out")
        data = read_data(X, y, test_X, test_y, columns=columns, label=label, rescale=rescale,
                         problem=settings.get("problem"))  # fmt: skip
        pg = cls.__new__(cls)
        pg._start({**settings, "dataset": datasets.CUSTOM}, data)
        return pg

    def set_data(
        self,
        X: Any,
        y: Any = None,
        test_X: Any = None,
        test_y: Any = None,
        *,
        columns: Sequence[str] | None = None,
        label: str | None = None,
        rescale: bool = True,
        problem: str | None = None,
    ) -> Playground:
        """Train on your own points from now on (``dataset="custom"``); the network restarts.

        Takes the same data arguments as :meth:`from_data`, and keeps the other settings.
        Invalid data, or data that does not fit the settings, raise ValueError and leave the
        playground unchanged.

        Returns
        -------
        Playground
            ``self``.
        """
        data = read_data(X, y, test_X, test_y, columns=columns, label=label, rescale=rescale,
                         problem=problem)  # fmt: skip
        given = {**self.get_params(), "dataset": datasets.CUSTOM, "problem": problem}
        checked = settings.check_settings(given, (data.problem, data.n_classes))
        self._custom = data
        self._apply(checked)
        self._make_data()
        return self.reset()

    def add_point(self, x1: float, x2: float, label: Any, split: str = "train") -> Playground:
        """Add one point, e.g. drawn with the mouse; the network carries on training.

        The data set becomes ``"custom"`` (the points so far, and this one).

        Parameters
        ----------
        x1, x2 : float
            Coordinates on the playground's plane (no rescaling).
        label : number or str
            Two classes: -1 or +1 (0 also means -1); k classes: 0..k-1; or a class name of
            the data. Regression: any finite number.
        split : {"train", "test"}

        Returns
        -------
        Playground
            ``self``.
        """
        point = np.array([[x1, x2]], dtype=np.float64) if _finite_numbers(x1, x2) else None
        if point is None:
            raise ValueError(f"x1 and x2 must be finite numbers; got {x1!r} and {x2!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
        value = classes.point_label(label, self.problem, self.n_classes, self.class_names)
        if self.dataset != datasets.CUSTOM:  # the generated points become the user's
            self._custom = CustomData.from_split(
                self.X_train, self.y_train, self.X_test, self.y_test, self.problem, self.n_classes
            )
            self.dataset = datasets.CUSTOM
        self._custom.add(point, value, test=split == "test")
        if split == "train":
            self._set_data(np.vstack([self.X_train, point]), np.append(self.y_train, value),
                           self.X_test, self.y_test)  # fmt: skip
        else:
            self._set_data(self.X_train, self.y_train, np.vstack([self.X_test, point]),
                           np.append(self.y_test, value))  # fmt: skip
        return self

    def to_plane(self, X: Any) -> np.ndarray:
        """Points in the coordinates of the data given to :meth:`from_data`, moved onto the
        playground's plane as the data were (identity for a built-in data set)."""
        if self._custom is None or self.dataset != datasets.CUSTOM:
            return np.asarray(feature_matrix(X, ("x1", "x2")))
        return self._custom.to_plane(X)

    @property
    def n_classes(self) -> int | None:
        """Number of classes: 2, k >= 3 (softmax output), or None for a regression."""
        if self.problem == "regression":
            return None
        if self.dataset == datasets.CUSTOM:
            return self._custom.n_classes
        return datasets.n_classes_of(self.dataset)

    @property
    def classes(self) -> np.ndarray:
        """The class labels in the order of :meth:`predict_proba`'s columns: ``[-1, 1]`` for
        two classes, ``[0, 1, ..., k-1]`` for k."""
        return classes.class_labels(self._classification("classes"))

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The names of the classes, when the labels given to :meth:`from_data` were text."""
        if self.dataset != datasets.CUSTOM or self.problem == "regression":
            return None
        return self._custom.class_names

    def _classification(self, what: str) -> int:
        if self.problem != "classification":
            raise ValueError(f"{what} needs a classification problem; this one is a regression")
        return self.n_classes

    @property
    def _n_outputs(self) -> int:
        n_classes = self.n_classes
        return n_classes if n_classes is not None and n_classes > 2 else 1

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
            return modern.output_activation_of(self.loss_name, self._n_outputs)
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
                                               self.loss_name, self.init, weights_seed,
                                               self._n_outputs)  # fmt: skip
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
            output = modern.forward(self.network, F)[1][-1]
            if self.problem == "classification":
                return "accuracy", modern.accuracy(output, y, self.loss_name)
            return "r2", modern.r2(output[:, 0], y)

    def accuracy(self) -> dict[str, float]:
        """Share of correctly classified points, ``{"train": ..., "test": ...}``.

        The class is the sign of the output (tanh or linear output), or output > 0.5
        (sigmoid), or the largest of the k outputs (softmax): see :meth:`predict_class`.
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

    @property
    def current_learning_rate(self) -> float:
        """The learning rate of the next epoch: ``learning_rate`` on the ``lr_schedule``."""
        return scheduled_rate(self.learning_rate, self.epoch, self.lr_schedule, self.lr_decay,
                              self.lr_step, self.max_epochs)  # fmt: skip

    def _train_modern(self, epochs: int) -> None:
        for _ in range(epochs):
            if self.stopped:
                return
            order = modern.epoch_order(len(self._F_train), self.seed, self.epoch, self.shuffle)
            rng = modern.dropout_rng(self.seed, self.epoch) if self.dropout else None
            modern.train_epoch(self.network, self._F_train, self.y_train, self._optimizer,
                               self.current_learning_rate, self.batch_size, self.loss_name,
                               order, self.regularization, self.reg_rate, self.dropout,
                               rng)  # fmt: skip
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
        """The network's output for raw points ``X`` of shape (n, 2).

        Shape (n,), or (n, k) for k >= 3 classes: the softmax's class probabilities. Dropout
        is off (every hidden output is used).
        """
        return self.network.forward(self.feature_matrix(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, k), column ``j`` for class ``classes[j]``.

        Two classes give two columns, P(-1) and P(+1): the sigmoid's output, or
        ``(output + 1) / 2`` clipped to [0, 1] for a tanh (compat mode) or linear output.
        """
        self._classification("predict_proba")
        return classes.probabilities(self.predict(X), self.output_activation)

    def predict_class(self, X: np.ndarray) -> np.ndarray:
        """The predicted label of each point, as integers: ±1 for two classes (the sign of a
        tanh or linear output, sigmoid > 0.5), 0..k-1 for k classes (the most probable)."""
        self._classification("predict_class")
        return modern.predicted_class(self.predict(X), self.loss_name)

    def confusion_matrix(self, split: str = "train") -> np.ndarray:
        """Counts of the ``split``'s points by true class (rows) and predicted class (columns).

        Classes are in the order of :attr:`classes`, so for two classes row 0 is -1.

        Parameters
        ----------
        split : {"train", "test"}

        Returns
        -------
        ndarray of int, shape (k, k)
        """
        k = self._classification("confusion_matrix")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
        X, y = (self.X_train, self.y_train) if split == "train" else (self.X_test, self.y_test)
        true = classes.class_numbers(y, k)
        predicted = classes.class_numbers(self.predict_class(X), k)
        return classes.confusion_matrix(true, predicted, k)

    def _grid_points(self, resolution: int) -> np.ndarray:
        axis = grid_axis(resolution)
        x1, x2 = np.meshgrid(axis, axis)  # row i has x2 = axis[i]
        return np.column_stack([x1.ravel(), x2.ravel()])

    def output_grid(self, resolution: int = 100) -> np.ndarray:
        """The output over the square [-6, 6]², in one forward pass.

        Returns
        -------
        ndarray, shape (resolution, resolution), or (resolution, resolution, k) for k classes
            Entry ``[i, j]`` is the output at ``x1 = axis[j]``, ``x2 = axis[i]`` with
            ``axis = np.linspace(-6, 6, resolution)``: rows go up in x2, so draw it with
            ``imshow(..., origin="lower", extent=(-6, 6, -6, 6))``.
        """
        out = self.predict(self._grid_points(resolution))
        return out.reshape(resolution, resolution, *out.shape[1:])

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
        """Everything needed to continue later, as a JSON-serialisable dict: the settings,
        the data (your own points too), the network, the history and the optimiser."""
        from dlcourse.playground.state import to_state

        return to_state(self)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Playground:
        """The playground saved by :meth:`to_state`, with the same predictions."""
        from dlcourse.playground.state import from_state

        return from_state(cls, state)

    @classmethod
    def _from_settings(cls, given: dict[str, Any], custom: CustomData | None) -> Playground:
        """A playground with these settings (defaults for the others) and these points."""
        pg = cls.__new__(cls)
        pg._start(given, custom)
        return pg

    def to_url(self) -> str:
        """The settings as a TensorFlow Playground link (weights and training not included).

        The link is in TF Playground's format, so it holds TF's settings only: ``mode`` and the
        modern-only settings (loss, optimizer, shuffle, init, max_epochs, early_stopping,
        dropout, the learning-rate schedule) are simply not in it, and a playground read back
        from it is in compat mode. An activation TF does not have (leaky_relu, elu, one per
        layer), or a data set it does not have (gauss3, spiral3, your own points), raises
        ValueError.
        """
        from dlcourse.playground.state import to_url

        self._check_tf_activation("a TensorFlow Playground link")
        tf_datasets = (*datasets.CLASSIFICATION, *datasets.REGRESSION)
        if self.dataset not in tf_datasets:
            raise ValueError(
                f"dataset={self.dataset!r} cannot go into a TensorFlow Playground link: TF "
                f"Playground's data sets are {tf_datasets} (to_state keeps everything)"
            )
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
        """The network as a float64 torch module taking raw points (n, 2) to the outputs of
        :meth:`predict`: shape (n,), or (n, k) class probabilities for k classes.

        Every layer's activation is exported (softmax last for k classes); with dropout, an
        ``nn.Dropout`` follows each hidden activation and the module comes in eval mode, in
        which it computes :meth:`predict`'s outputs (``model.train()`` turns dropout on).
        """
        from dlcourse.playground.torch_export import to_torch

        return to_torch(self)


def _defaults() -> dict[str, Any]:
    """The constructor's default settings."""
    parameters = inspect.signature(Playground.__init__).parameters
    return {name: p.default for name, p in parameters.items() if name != "self"}


def _finite_numbers(*values: Any) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, (bool, np.bool_))
        and bool(np.isfinite(v))
        for v in values
    )
