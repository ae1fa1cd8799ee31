"""Saving a playground (:func:`to_state`) and sharing its settings as a TF Playground link.

A *state* is a plain dict that ``json.dumps`` can write: the settings, the data (and, for your
own points, the pool they are split from and how they were rescaled), the network (weights,
biases, dead links and the gradients accumulated since the last update), the epoch, the
history and, in modern mode, the optimiser's state. Dropout masks and shuffles are drawn from
the seed and the epoch, so they need no saving. Python writes floats to JSON with enough
digits to read back the same numbers, so a restored playground predicts and trains exactly as
the saved one would.

A *URL* holds only the settings, in TF Playground's format (its ``state.ts``), so a link
opens on https://playground.tensorflow.org and a link from there opens here.

TF's seed is a string, usually ``Math.random().toFixed(5)`` such as ``"0.87563"``. It maps to
our integer seed as follows: ``"0."`` and five digits give those digits as an integer
(``"0.87563"`` -> 87563, ``"0.00042"`` -> 42); a string of digits gives that integer; any
other string gives the first four bytes of its SHA-256 as an integer. :func:`to_url` writes
seeds below 100000 back as ``"0."`` and five digits, larger ones as digits.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import numpy as np

from dlcourse.playground import modern, settings
from dlcourse.playground.custom_data import CustomData
from dlcourse.playground.datasets import CLASSIFICATION, REGRESSION
from dlcourse.playground.engine import Network
from dlcourse.playground.features import FEATURES, TF_NAMES

if TYPE_CHECKING:
    from dlcourse.playground.playground import Playground

STATE_FORMAT = "dlcourse.playground/1"
TF_URL = "https://playground.tensorflow.org/"

# Our data set names <-> the values of TF's "dataset" and "regDataset" keys
TF_DATASETS = {name: name for name in CLASSIFICATION}
TF_REG_DATASETS = {"plane": "reg-plane", "multi-gaussian": "reg-gauss"}
# TF's order of the feature keys, with its cosX and cosY, which this playground does not offer
TF_FEATURE_KEYS = ("x", "y", "xTimesY", "xSquared", "ySquared", "cosX", "sinX", "cosY", "sinY")
DISPLAY_KEYS = {
    "show_test_data": "showTestData",
    "discretize": "discretize",
    "collect_stats": "collectStats",
    "hide_text": "hideText",
}


# --------------------------------------------------------------------------- state


def network_to_dict(network: Network) -> dict[str, Any]:
    """The network's arrays as nested lists, accumulators included."""
    return {
        "activation": network.activation.name,
        "output_activation": network.output_activation.name,
        "weights": [w.tolist() for w in network.weights],
        "biases": [b.tolist() for b in network.biases],
        "dead": [d.tolist() for d in network.dead],
        "acc_weights": [a.tolist() for a in network._acc_w],
        "acc_biases": [a.tolist() for a in network._acc_b],
        "acc_count": int(network._acc_n),
    }


def network_from_dict(data: dict[str, Any]) -> Network:
    """The network written by :func:`network_to_dict`."""
    net = Network(data["weights"], data["biases"], data["activation"], data["output_activation"])
    load_network(net, data)
    return net


def load_network(network: Network, data: dict[str, Any]) -> None:
    """Put the arrays written by :func:`network_to_dict` into ``network``, of the same shape."""
    for name, arrays in (("weights", network.weights), ("biases", network.biases)):
        saved = [np.array(a, dtype=np.float64) for a in data[name]]
        if [a.shape for a in saved] != [a.shape for a in arrays]:
            raise ValueError(f"state: the network's {name} do not fit its settings")
        arrays[:] = saved
    network.dead = [np.array(d, dtype=bool).reshape(w.shape) for d, w in zip(
        data["dead"], network.weights, strict=True)]  # fmt: skip
    network._acc_w = [np.array(a, dtype=np.float64).reshape(w.shape) for a, w in zip(
        data["acc_weights"], network.weights, strict=True)]  # fmt: skip
    network._acc_b = [np.array(a, dtype=np.float64) for a in data["acc_biases"]]
    network._acc_n = int(data["acc_count"])


def to_state(pg: Playground) -> dict[str, Any]:
    """A JSON-serialisable dict of everything in the playground."""
    params = pg.get_params()
    params["features"] = list(params["features"])
    params["hidden"] = list(params["hidden"])
    if not isinstance(params["activation"], str):
        params["activation"] = list(params["activation"])
    state = {
        "format": STATE_FORMAT,
        "settings": params,
        "display": dict(pg.display),
        "epoch": int(pg.epoch),
        "history": {key: [float(v) for v in values] for key, values in pg.history.items()},
        "data": {
            "X_train": pg.X_train.tolist(),
            "y_train": pg.y_train.tolist(),
            "X_test": pg.X_test.tolist(),
            "y_test": pg.y_test.tolist(),
        },
        "network": network_to_dict(pg.network),
        "custom": None if pg._custom is None else pg._custom.to_dict(),
    }
    if pg.mode == "modern":  # what the compat mode has no use for
        state["modern"] = {
            "optimizer": pg._optimizer.to_dict(),
            "stopped_early": pg.stopped_early,
            "diverged": pg.diverged,
        }
    return state


def from_state(cls: type[Playground], state: dict[str, Any]) -> Playground:
    """The playground saved by :func:`to_state`."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ValueError(f"state must be a dict written by to_state (format {STATE_FORMAT!r})")
    custom = state.get("custom")
    pg = cls._from_settings(state["settings"], custom and CustomData.from_dict(custom))
    data = state["data"]
    pg._set_data(
        np.array(data["X_train"], dtype=np.float64).reshape(-1, 2),
        data["y_train"],
        np.array(data["X_test"], dtype=np.float64).reshape(-1, 2),
        data["y_test"],
    )
    load_network(pg.network, state["network"])
    pg.epoch = int(state["epoch"])
    pg.history = {key: [float(v) for v in values] for key, values in state["history"].items()}
    pg.history["epoch"] = [int(e) for e in pg.history["epoch"]]
    pg.display.update(state.get("display", {}))
    if "modern" in state:
        pg._optimizer = modern.Optimizer.from_dict(state["modern"]["optimizer"])
        pg.stopped_early = bool(state["modern"]["stopped_early"])
        pg.diverged = state["modern"]["diverged"]
    return pg


# --------------------------------------------------------------------------- URL


def seed_from_tf(text: str) -> int:
    """Our integer seed for TF's seed string (see the module's docstring)."""
    match = re.fullmatch(r"0\.(\d{5})", text)
    if match:
        return int(match.group(1))
    if re.fullmatch(r"\d{1,18}", text):
        return int(text)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def seed_to_tf(seed: int) -> str:
    """TF's seed string for our integer seed: the inverse of :func:`seed_from_tf`."""
    return f"0.{seed:05d}" if seed < 100_000 else str(seed)


def to_url(pg: Playground) -> str:
    """The playground's settings as a TensorFlow Playground link."""
    regression = pg.problem == "regression"
    keys: list[tuple[str, str]] = [("activation", pg.activation)]
    if pg.regularization is not None:
        keys.append(("regularization", pg.regularization))
    keys += [
        ("batchSize", str(pg.batch_size)),
        ("dataset", "circle" if regression else TF_DATASETS[pg.dataset]),
        ("regDataset", TF_REG_DATASETS[pg.dataset] if regression else "reg-plane"),
        ("learningRate", settings.format_number(pg.learning_rate)),
        ("regularizationRate", settings.format_number(pg.reg_rate)),
        ("noise", settings.format_number(round(pg.noise * 100, 9))),
        ("networkShape", ",".join(str(h) for h in pg.hidden)),
        ("seed", seed_to_tf(pg.seed)),
        ("showTestData", _bool(pg.display["show_test_data"])),
        ("discretize", _bool(pg.display["discretize"])),
        ("percTrainData", settings.format_number(round(pg.train_ratio * 100, 9))),
    ]
    chosen = {TF_NAMES[name] for name in pg.features}
    keys += [(key, _bool(key in chosen)) for key in TF_FEATURE_KEYS]
    keys += [
        ("collectStats", _bool(pg.display["collect_stats"])),
        ("problem", pg.problem),
        ("initZero", _bool(pg.init_zero)),
        ("hideText", _bool(pg.display["hide_text"])),
    ]
    return TF_URL + "#" + "&".join(f"{key}={value}" for key, value in keys)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _parse_number(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"URL key {key} must be a number; got {text!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"URL key {key} must be a finite number; got {text!r}")
    return value


def _parse_integer(key: str, text: str) -> int:
    value = _parse_number(key, text)
    if value != int(value):
        raise ValueError(f"URL key {key} must be an integer; got {text!r}")
    return int(value)


def _parse_bool(key: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"URL key {key} must be true or false; got {text!r}")
    return text == "true"


def _parse_choice(key: str, text: str, choices: dict[str, Any]) -> Any:
    if text not in choices:
        raise ValueError(f"URL key {key} must be one of {tuple(choices)}; got {text!r}")
    return choices[text]


def parse_url(url: str) -> tuple[dict[str, Any], dict[str, bool]]:
    """The constructor's settings and the display options written in a TF Playground link.

    Keys missing from the link take TF's defaults; unknown keys are ignored.

    Raises
    ------
    ValueError
        For a value TF would not write; the message names the URL key.
    """
    fragment = url.split("#", 1)[1] if "#" in url else url
    values: dict[str, str] = {}
    for pair in fragment.split("&"):
        key, _, value = pair.partition("=")
        values[unquote(key)] = unquote(value)

    def given(key: str) -> bool:  # TF ignores empty values (except networkShape's)
        return values.get(key, "").strip() != ""

    params: dict[str, Any] = {}
    problems = {p: p for p in settings.PROBLEMS}
    problem = _parse_choice("problem", values["problem"], problems) if given("problem") else None
    problem = problem or "classification"
    params["problem"] = problem
    if problem == "classification" and given("dataset"):
        params["dataset"] = _parse_choice("dataset", values["dataset"], TF_DATASETS)
    elif problem == "regression":
        reg_names = {tf: ours for ours, tf in TF_REG_DATASETS.items()}
        text = values["regDataset"] if given("regDataset") else "reg-plane"
        params["dataset"] = _parse_choice("regDataset", text, reg_names)
    if given("activation"):
        acts = {a: a for a in settings.ACTIVATIONS}
        params["activation"] = _parse_choice("activation", values["activation"], acts)
    if given("regularization"):
        regs = {"none": None, "L1": "L1", "L2": "L2"}
        params["regularization"] = _parse_choice("regularization", values["regularization"], regs)
    if given("batchSize"):
        params["batch_size"] = _parse_integer("batchSize", values["batchSize"])
    numbers = {  # URL key: (setting, scale)
        "learningRate": ("learning_rate", 1),
        "regularizationRate": ("reg_rate", 1),
        "noise": ("noise", 100),  # TF writes percentages
        "percTrainData": ("train_ratio", 100),
    }
    for key, (name, scale) in numbers.items():
        if given(key):
            params[name] = _parse_number(key, values[key]) / scale
    if "networkShape" in values:
        text = values["networkShape"].strip()
        params["hidden"] = tuple(
            _parse_integer("networkShape", part) for part in (text.split(",") if text else [])
        )
    if given("seed"):
        params["seed"] = seed_from_tf(values["seed"])
    if given("initZero"):
        params["init_zero"] = _parse_bool("initZero", values["initZero"])
    defaults = {"x1": True, "x2": True}
    chosen = [
        name
        for name in FEATURES
        if (_parse_bool(TF_NAMES[name], values[TF_NAMES[name]]) if given(TF_NAMES[name])
            else defaults.get(name, False))
    ]  # fmt: skip
    params["features"] = tuple(chosen)
    for key in ("cosX", "cosY"):
        if given(key) and _parse_bool(key, values[key]):
            warnings.warn(f"URL key {key}=true ignored: this playground has no cos features",
                          UserWarning, stacklevel=3)  # fmt: skip
    display = {
        name: _parse_bool(key, values[key]) for name, key in DISPLAY_KEYS.items() if given(key)
    }
    return params, display


# Which URL key to blame for a setting the constructor rejects
SETTING_KEYS = {
    "dataset": "dataset",
    "noise": "noise",
    "train_ratio": "percTrainData",
    "batch_size": "batchSize",
    "features": "x, y, xSquared, ySquared, xTimesY, sinX, sinY",
    "hidden": "networkShape",
    "activation": "activation",
    "learning_rate": "learningRate",
    "regularization": "regularization",
    "reg_rate": "regularizationRate",
    "problem": "problem",
    "seed": "seed",
    "init_zero": "initZero",
}


def from_url(cls: type[Playground], url: str) -> Playground:
    """A playground with the settings of a TF Playground link (full URL or ``#`` part)."""
    if not isinstance(url, str):
        raise ValueError(f"url must be a string; got {type(url).__name__}")
    params, display = parse_url(url)
    for name, value in params.items():
        try:
            settings.CHECKS[name](value)
        except ValueError as error:
            raise ValueError(f"URL key {SETTING_KEYS[name]}: {error}") from None
    if params["problem"] == "regression" and params.get("dataset") not in REGRESSION:
        raise ValueError("URL key regDataset: regression needs reg-plane or reg-gauss")
    pg = cls(**params)
    pg.display.update(display)
    return pg
