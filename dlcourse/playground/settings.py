"""The settings of a :class:`~dlcourse.playground.Playground` and their allowed values.

Every check takes the value given and returns it normalised (tuples, floats, TF's order of
features) or raises a ValueError that names the setting and lists the allowed values, as
scikit-learn's estimators do. The ranges are TensorFlow Playground's controls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dlcourse.playground.activations import ACTIVATIONS
from dlcourse.playground.datasets import (
    CLASSIFICATION,
    CUSTOM,
    DATASETS,
    MULTICLASS,
    REGRESSION,
    n_classes_of,
)
from dlcourse.playground.engine import MAX_BATCH_SIZE, MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE
from dlcourse.playground.features import check_features
from dlcourse.playground.modern import INITS, LOSSES, MODERN_ACTIVATIONS, MODES, OPTIMIZERS
from dlcourse.playground.schedules import DECAY_RANGE, SCHEDULES, STEP_RANGE

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATIONS = (None, "L1", "L2")
PROBLEMS = ("classification", "regression")
MAX_NOISE = 0.5
TRAIN_RATIO_RANGE = (0.1, 0.9)
MAX_DROPOUT = 0.9


def format_number(value: float) -> str:
    """A number as TF writes it: ``0.00001`` rather than ``1e-05``, ``10`` rather than ``10.0``."""
    return np.format_float_positional(float(value), trim="-")


def _ladder(values: Sequence[float]) -> str:
    return "(" + ", ".join(format_number(v) for v in values) + ")"


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _on_ladder(name: str, value: Any, ladder: Sequence[float]) -> float:
    if _is_number(value):
        for step in ladder:
            if np.isclose(value, step, rtol=1e-9, atol=0):
                return step
    raise ValueError(
        f"{name} must be one of {_ladder(ladder)} (TensorFlow Playground's ladder), got {value!r}"
    )


def check_dataset(value: Any) -> str:
    """Return ``value`` if it is a built-in data set or ``"custom"``, else raise ValueError."""
    if value not in DATASETS and value != CUSTOM:
        raise ValueError(
            f"dataset must be one of {tuple(DATASETS)}, or {CUSTOM!r} for your own points "
            f"(Playground.from_data); got {value!r}"
        )
    return value


def check_noise(value: Any) -> float:
    """Return the noise level as a float in [0, 0.5], else raise ValueError."""
    if not _is_number(value) or not 0 <= value <= MAX_NOISE:
        raise ValueError(
            f"noise must be a number from 0 to {MAX_NOISE} (TensorFlow Playground's 0 to 50 %); "
            f"got {value!r}"
        )
    return float(value)


def check_train_ratio(value: Any) -> float:
    """Return the share of training points as a float in [0.1, 0.9], else raise ValueError."""
    low, high = TRAIN_RATIO_RANGE
    if not _is_number(value) or not low <= value <= high:
        raise ValueError(f"train_ratio must be a number from {low} to {high}; got {value!r}")
    return float(value)


def check_batch_size(value: Any) -> int:
    """Return the batch size as an int from 1 to 30, else raise ValueError."""
    if not _is_integer(value) or not 1 <= value <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be an integer from 1 to {MAX_BATCH_SIZE}; got {value!r}")
    return int(value)


def check_hidden(value: Any) -> tuple[int, ...]:
    """Return the hidden layer sizes as a tuple (0 to 6 layers of 1 to 8), else raise ValueError."""
    sizes = (value,) if _is_integer(value) else value
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if (
        sizes is None
        or len(sizes) > MAX_HIDDEN_LAYERS
        or not all(_is_integer(s) and 1 <= s <= MAX_LAYER_SIZE for s in sizes)
    ):
        raise ValueError(
            f"hidden must be a sequence of 0 to {MAX_HIDDEN_LAYERS} layer sizes, each an integer "
            f"from 1 to {MAX_LAYER_SIZE}; got {value!r}"
        )
    return tuple(int(s) for s in sizes)


def check_activation(value: Any) -> str | tuple[str, ...]:
    """Return an activation name, or a tuple of names (one per hidden layer), else raise.

    TF Playground's are relu, tanh, sigmoid and linear; the modern mode adds leaky_relu and
    elu, and one activation per hidden layer. A sequence of equal names becomes that name.
    """
    allowed = tuple(MODERN_ACTIVATIONS)
    names = (value,) if isinstance(value, str) else value
    try:
        names = tuple(names)
    except TypeError:
        names = None
    if names is None or not all(isinstance(n, str) and n in allowed for n in names):
        raise ValueError(
            f"activation must be one of {allowed}, or a sequence of them with one per hidden "
            f"layer (mode='modern' only for 'leaky_relu', 'elu' and sequences); got {value!r}"
        )
    return names[0] if isinstance(value, str) or (names and len(set(names)) == 1) else names


def check_learning_rate(value: Any) -> float:
    """Return the learning rate if it is on TF Playground's ladder, else raise ValueError."""
    return _on_ladder("learning_rate", value, LEARNING_RATES)


def check_regularization(value: Any) -> str | None:
    """Return None, ``"L1"`` or ``"L2"``, else raise ValueError."""
    if value not in REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {REGULARIZATIONS}; got {value!r}")
    return value


def check_reg_rate(value: Any) -> float:
    """Return the regularisation rate if it is on TF Playground's ladder, else raise ValueError."""
    return _on_ladder("reg_rate", value, REG_RATES)


def check_problem(value: Any) -> str | None:
    """Return ``"classification"``, ``"regression"`` or None (inferred), else raise ValueError."""
    if value is not None and value not in PROBLEMS:
        raise ValueError(f"problem must be one of {PROBLEMS} or None; got {value!r}")
    return value


def check_seed(value: Any) -> int | None:
    """Return the seed as a non-negative int (or None), else raise ValueError."""
    if value is not None and (not _is_integer(value) or value < 0):
        raise ValueError(f"seed must be an integer >= 0 or None; got {value!r}")
    return None if value is None else int(value)


def check_init_zero(value: Any) -> bool:
    """Return ``value`` if it is a bool, else raise ValueError."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"init_zero must be True or False; got {value!r}")
    return bool(value)


def _choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}; got {value!r}")
    return value


def _optional_positive_int(name: str, value: Any, meaning: str) -> int | None:
    if value is not None and (not _is_integer(value) or value < 1):
        raise ValueError(f"{name} must be None ({meaning}) or an integer >= 1; got {value!r}")
    return None if value is None else int(value)


def check_mode(value: Any) -> str:
    """Return ``"compat"`` (TF Playground's training) or ``"modern"``, else raise ValueError."""
    return _choice("mode", value, MODES)


def check_loss(value: Any) -> str | None:
    """Return None (the problem's usual loss), ``"cross_entropy"`` or ``"mse"``, else raise."""
    return _choice("loss", value, (None, *LOSSES))


def check_optimizer(value: Any) -> str:
    """Return ``"sgd"``, ``"momentum"`` or ``"adam"``, else raise ValueError."""
    return _choice("optimizer", value, OPTIMIZERS)


def check_shuffle(value: Any) -> bool:
    """Return ``value`` if it is a bool, else raise ValueError."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"shuffle must be True or False; got {value!r}")
    return bool(value)


def check_init(value: Any) -> str:
    """Return ``"tf"``, ``"xavier"`` or ``"he"``, else raise ValueError."""
    return _choice("init", value, INITS)


def check_max_epochs(value: Any) -> int | None:
    """Return None (no limit) or an integer >= 1, else raise ValueError."""
    return _optional_positive_int("max_epochs", value, "no limit")


def check_early_stopping(value: Any) -> int | None:
    """Return None (off) or the patience in epochs, an integer >= 1, else raise ValueError."""
    return _optional_positive_int("early_stopping", value, "off")


def check_dropout(value: Any) -> float:
    """Return the dropout rate of the hidden layers as a float in [0, 0.9], else raise."""
    if not _is_number(value) or not 0 <= value <= MAX_DROPOUT:
        raise ValueError(f"dropout must be a number from 0 to {MAX_DROPOUT}; got {value!r}")
    return float(value)


def check_lr_schedule(value: Any) -> str | None:
    """Return None (a constant rate), ``"step"``, ``"exponential"`` or ``"cosine"``, else raise."""
    return _choice("lr_schedule", value, SCHEDULES)


def check_lr_decay(value: Any) -> float:
    """Return the schedules' decay factor as a float in [0.01, 1], else raise ValueError."""
    low, high = DECAY_RANGE
    if not _is_number(value) or not low <= value <= high:
        raise ValueError(f"lr_decay must be a number from {low} to {high}; got {value!r}")
    return float(value)


def check_lr_step(value: Any) -> int:
    """Return the schedules' epochs per decay factor, an int from 1 to 10000, else raise."""
    low, high = STEP_RANGE
    if not _is_integer(value) or not low <= value <= high:
        raise ValueError(f"lr_step must be an integer from {low} to {high}; got {value!r}")
    return int(value)


# What each modern-only setting must be in compat mode
COMPAT_VALUES = {
    "loss": None,
    "optimizer": "sgd",
    "shuffle": False,
    "init": "tf",
    "max_epochs": None,
    "early_stopping": None,
    "dropout": 0.0,
    "lr_schedule": None,
    "lr_decay": 0.5,
    "lr_step": 100,
}

CHECKS: dict[str, Callable[[Any], Any]] = {
    "dataset": check_dataset,
    "noise": check_noise,
    "train_ratio": check_train_ratio,
    "batch_size": check_batch_size,
    "features": check_features,
    "hidden": check_hidden,
    "activation": check_activation,
    "learning_rate": check_learning_rate,
    "regularization": check_regularization,
    "reg_rate": check_reg_rate,
    "problem": check_problem,
    "seed": check_seed,
    "init_zero": check_init_zero,
    "mode": check_mode,
    "loss": check_loss,
    "optimizer": check_optimizer,
    "shuffle": check_shuffle,
    "init": check_init,
    "max_epochs": check_max_epochs,
    "early_stopping": check_early_stopping,
    "dropout": check_dropout,
    "lr_schedule": check_lr_schedule,
    "lr_decay": check_lr_decay,
    "lr_step": check_lr_step,
}


def check_settings(
    settings: dict[str, Any], custom: tuple[str, int | None] | None = None
) -> dict[str, Any]:
    """Check every setting, infer ``problem`` from ``dataset`` and draw a missing seed.

    Parameters
    ----------
    settings : dict
        The constructor's keyword arguments.
    custom : (problem, n_classes), optional
        What the user's own points hold, for ``dataset="custom"``.

    Returns
    -------
    dict
        The normalised settings, with ``problem`` and ``seed`` filled in.
    """
    unknown = sorted(set(settings) - set(CHECKS))
    if unknown:
        raise ValueError(f"unknown settings {unknown}; the settings are {tuple(CHECKS)}")
    checked = {name: CHECKS[name](value) for name, value in settings.items()}
    if checked["dataset"] == CUSTOM:
        if custom is None:
            raise ValueError(
                "dataset='custom' needs your points: use Playground.from_data(X, y) or "
                "pg.set_data(X, y)"
            )
        kind, n_classes = custom
    else:
        kind = "regression" if checked["dataset"] in REGRESSION else "classification"
        n_classes = n_classes_of(checked["dataset"])
    if checked["problem"] is None:
        checked["problem"] = kind
    elif checked["problem"] != kind and checked["dataset"] == CUSTOM:
        raise ValueError(
            f"problem={checked['problem']!r} does not fit your points, whose labels make a "
            f"{kind} problem (set_data(..., problem=...) reads them otherwise)"
        )
    elif checked["problem"] != kind:
        names = tuple(
            REGRESSION if checked["problem"] == "regression" else {**CLASSIFICATION, **MULTICLASS}
        )
        raise ValueError(
            f"problem={checked['problem']!r} needs a dataset from {names}; "
            f"got dataset={checked['dataset']!r}"
        )
    _check_mode_options(checked)
    _check_classes(checked, n_classes)
    if checked["seed"] is None:  # like TF: a fresh random seed, written down for reuse
        checked["seed"] = int(np.random.default_rng().integers(100_000))
    return checked


def _check_mode_options(checked: dict[str, Any]) -> None:
    """Raise ValueError for options the mode does not have, or that do not fit together."""
    activation, hidden = checked["activation"], checked["hidden"]
    if not isinstance(activation, str) and len(activation) != len(hidden):
        raise ValueError(
            f"activation must name one activation per hidden layer ({len(hidden)}); "
            f"got {activation!r}"
        )
    if checked["mode"] == "compat":
        for name, value in COMPAT_VALUES.items():
            if checked[name] != value:
                raise ValueError(
                    f"{name}={checked[name]!r} needs mode='modern' (mode='compat' reproduces "
                    f"TensorFlow Playground, whose {name} is {value!r})"
                )
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation={activation!r} needs mode='modern'; TensorFlow Playground's "
                f"activations are {tuple(ACTIVATIONS)}"
            )
    elif checked.get("loss") == "cross_entropy" and checked["problem"] == "regression":
        raise ValueError("loss='cross_entropy' needs a classification dataset; use loss='mse'")
    elif checked["lr_schedule"] == "cosine" and checked["max_epochs"] is None:
        raise ValueError(
            "lr_schedule='cosine' needs max_epochs: the cosine goes from learning_rate to 0 "
            "at that epoch"
        )


def _check_classes(checked: dict[str, Any], n_classes: int | None) -> None:
    """Raise ValueError when the data's classes and the mode or loss do not fit together."""
    if n_classes is None or n_classes <= 2:
        return
    where = f"dataset={checked['dataset']!r}" if checked["dataset"] != CUSTOM else "your data"
    if checked["mode"] == "compat":
        raise ValueError(
            f"{where} has {n_classes} classes: it needs mode='modern' (a softmax output); "
            "mode='compat' reproduces TensorFlow Playground, which has two classes"
        )
    if checked["loss"] == "mse":
        raise ValueError(
            f"{where} has {n_classes} classes: use loss='cross_entropy' (softmax) or None, "
            "not loss='mse'"
        )
