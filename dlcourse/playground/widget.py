"""TensorFlow Playground's screen in the notebook: an anywidget around a :class:`Playground`.

The widget shows the data controls on the left, the network in the middle (a heat-map
thumbnail on every node, links whose width is ``|w|`` and whose colour is the sign of ``w``)
and the output on the right (the output over ``[-6, 6]²``, the points, the losses and their
curves). The browser only draws: training runs in Python, in a background thread that trains
``epochs_per_frame`` epochs, then sends one *frame* (epoch, losses, grids as float32 bytes,
weights, loss history) through the widget's traits, at most :attr:`PlaygroundWidget.max_fps`
frames a second.

Every control is a trait, so the widget can be scripted from Python as the browser does it::

    widget = PlaygroundWidget(Playground(dataset="xor"))
    widget.hidden = [4, 4]      # rebuilds the playground and resets it, as TF Playground does
    widget.step()               # one epoch
    widget.play(); widget.pause()
    widget.playground.summary()
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

STATIC = Path(__file__).parent / "static"

#: The settings a change of which rebuilds the playground (names of ``Playground``'s arguments).
SETTINGS: tuple[str, ...] = (
    "problem", "dataset", "noise", "train_ratio", "batch_size", "features", "hidden",
    "activation", "learning_rate", "regularization", "reg_rate",
)
#: Side of the output heat map, in grid points.
GRID_RESOLUTION = 100
#: Side of a node's thumbnail, in grid points.
THUMB_RESOLUTION = 20
#: At most this many points of the loss history go to the browser per frame.
HISTORY_POINTS = 400
#: Half the side of the square the heat maps cover, as in TF Playground.
EXTENT = 6.0


def grid_points(resolution: int) -> np.ndarray:
    """Points of a ``resolution × resolution`` grid over ``[-6, 6]²``, row 0 at the top.

    Row ``i`` has ``x2 = 6 - 12 i / (resolution - 1)`` and column ``j`` has
    ``x1 = -6 + 12 j / (resolution - 1)``; the points come row after row.
    """
    axis = np.linspace(-EXTENT, EXTENT, resolution)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def _float32_bytes(values: Any) -> bytes:
    return np.ascontiguousarray(values, dtype=np.float32).tobytes()


class PlaygroundWidget(anywidget.AnyWidget):
    """An interactive TensorFlow Playground around ``playground``.

    Parameters
    ----------
    playground : Playground
        The playground to show and train (``dlcourse.playground.Playground``). The widget
        replaces it by a new one, built with the same class, whenever a setting changes.
    epochs_per_frame : int
        Epochs trained between two frames while playing: 1, 5, 20 or 100.

    Attributes
    ----------
    playground : Playground
        The current playground (a new object after every change of a setting).
    max_fps : float
        Most frames sent to the browser per second while playing.

    Examples
    --------
    >>> from dlcourse.playground import Playground
    >>> widget = PlaygroundWidget(Playground(dataset="xor", hidden=(4,)))  # doctest: +SKIP
    >>> widget.step().epoch                                                 # doctest: +SKIP
    1
    """

    _esm = STATIC / "playground.js"
    _css = STATIC / "playground.css"

    # Settings: a change from the browser or from Python rebuilds the playground and resets.
    problem = traitlets.Unicode("classification").tag(sync=True)
    dataset = traitlets.Unicode("circle").tag(sync=True)
    noise = traitlets.Float(0.0).tag(sync=True)
    train_ratio = traitlets.Float(0.5).tag(sync=True)
    batch_size = traitlets.Int(10).tag(sync=True)
    features = traitlets.List(traitlets.Unicode(), ["x1", "x2"]).tag(sync=True)
    hidden = traitlets.List(traitlets.Int(), [4, 2]).tag(sync=True)
    activation = traitlets.Unicode("tanh").tag(sync=True)
    learning_rate = traitlets.Float(0.03).tag(sync=True)
    regularization = traitlets.Unicode("none").tag(sync=True)  # "none", "L1" or "L2"
    reg_rate = traitlets.Float(0.0).tag(sync=True)

    # View: no rebuild.
    playing = traitlets.Bool(False).tag(sync=True)
    epochs_per_frame = traitlets.Int(1).tag(sync=True)
    show_test = traitlets.Bool(False).tag(sync=True)
    discretize = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    # Frame: written by Python only.
    frame = traitlets.Int(0).tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)
    train_loss = traitlets.Float(None, allow_none=True).tag(sync=True)
    test_loss = traitlets.Float(None, allow_none=True).tag(sync=True)
    layer_sizes = traitlets.List(traitlets.Int()).tag(sync=True)
    weights = traitlets.List().tag(sync=True)
    output_grid = traitlets.Bytes(b"").tag(sync=True)
    neuron_grids = traitlets.Bytes(b"").tag(sync=True)
    history = traitlets.Bytes(b"").tag(sync=True)
    points = traitlets.Bytes(b"").tag(sync=True)
    grid_resolution = traitlets.Int(GRID_RESOLUTION).tag(sync=True)
    thumb_resolution = traitlets.Int(THUMB_RESOLUTION).tag(sync=True)

    max_fps: float = 20.0
    EPOCHS_PER_FRAME: tuple[int, ...] = (1, 5, 20, 100)

    def __init__(self, playground: Any, epochs_per_frame: int = 1, **kwargs: Any) -> None:
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loading = False
        self._playground = playground
        super().__init__(epochs_per_frame=epochs_per_frame, **kwargs)
        self.on_msg(self._on_message)
        self._load(playground)

    def __repr__(self) -> str:
        return f"PlaygroundWidget(epoch={self.epoch}, train_loss={self.train_loss})"

    # ------------------------------------------------------------------ public API

    @property
    def playground(self) -> Any:
        """The playground the widget shows; assigning one pauses and shows it instead."""
        return self._playground

    @playground.setter
    def playground(self, playground: Any) -> None:
        self.pause()
        self._load(playground)

    def play(self) -> PlaygroundWidget:
        """Start training in a background thread (returns at once)."""
        self.playing = True
        return self

    def pause(self) -> PlaygroundWidget:
        """Stop training; returns once the training thread has finished its frame."""
        self.playing = False
        self._join()
        return self

    def step(self) -> PlaygroundWidget:
        """Pause, train one epoch and send the frame."""
        self.pause()
        with self._lock:
            self._playground.train(epochs=1)
            self._send_frame()
        return self

    def reset(self) -> PlaygroundWidget:
        """Pause and start again from the initial weights (same seed: same weights)."""
        self.pause()
        with self._lock:
            self._playground.reset()
            self._send_frame()
        return self

    def regenerate(self) -> PlaygroundWidget:
        """Pause, draw new data (the next seed) and reset."""
        self.pause()
        with self._lock:
            self._playground.regenerate()
            self._send_points()
            self._send_frame()
        return self

    # ------------------------------------------------------------------ settings

    def _load(self, playground: Any) -> None:
        """Show ``playground``: copy its settings into the traits, send its data and a frame."""
        with self._lock:
            self._playground = playground
            self._loading = True
            try:
                with self.hold_sync():
                    for name, value in _settings_of(playground).items():
                        setattr(self, name, value)
                    display = getattr(playground, "display", {})
                    self.show_test = bool(display.get("show_test_data", self.show_test))
                    self.discretize = bool(display.get("discretize", self.discretize))
            finally:
                self._loading = False
            self._send_points()
            self._send_frame()

    @traitlets.observe(*SETTINGS)
    def _on_setting(self, change: dict) -> None:
        if self._loading:
            return
        pg = self._playground
        wanted = {name: _to_setting(name, getattr(self, name)) for name in SETTINGS}
        changed = {name: value for name, value in wanted.items()
                   if value != getattr(pg, name, value)}
        if not changed:
            return
        if "problem" in changed and wanted["dataset"] not in _DATASETS.get(changed["problem"], ()):
            changed["dataset"] = _DATASETS[changed["problem"]][0]
        if set(changed) != {"learning_rate"}:
            self.pause()  # TF Playground pauses when a change resets the network
        with self._lock:
            try:
                pg.set_params(**changed)
            except ValueError as err:  # the playground is left as it was
                self.error = str(err)
            else:
                self.error = ""
            self._load(pg)  # the traits show the settings in force, valid or restored

    # ------------------------------------------------------------------ messages from JS

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "step":
            self.step()
        elif action == "reset":
            self.reset()
        elif action == "regenerate":
            self.regenerate()

    # ------------------------------------------------------------------ frames

    def _send_points(self) -> None:
        pg = self._playground
        train = np.column_stack([pg.X_train, pg.y_train, np.zeros(len(pg.y_train))])
        test = np.column_stack([pg.X_test, pg.y_test, np.ones(len(pg.y_test))])
        self.points = _float32_bytes(np.vstack([train, test]))

    def _send_frame(self) -> None:
        """Send the playground's current state to the browser in one message."""
        pg = self._playground
        network = pg.network
        # The playground's grids have rows going up in x2; the browser's images go down.
        output = np.asarray(pg.output_grid(GRID_RESOLUTION))[::-1]
        thumbs = [np.asarray(g)[:, ::-1] for g in pg.neuron_grids(THUMB_RESOLUTION)[1:]]
        history = pg.history
        n = len(history["epoch"])
        keep = np.unique(np.linspace(0, n - 1, min(n, HISTORY_POINTS)).round().astype(int))
        series = np.stack([np.asarray(history[key], dtype=float)[keep] if n else np.empty(0)
                           for key in ("epoch", "train_loss", "test_loss")])
        with self.hold_sync():
            self.epoch = int(pg.epoch)
            self.train_loss = _finite_or_none(history["train_loss"][-1]) if n else None
            self.test_loss = _finite_or_none(history["test_loss"][-1]) if n else None
            self.layer_sizes = [int(network.weights[0].shape[1])] + [
                int(w.shape[0]) for w in network.weights]
            self.weights = [np.round(w, 5).tolist() for w in network.weights]
            self.output_grid = _float32_bytes(output)
            self.neuron_grids = _float32_bytes(np.concatenate([t.ravel() for t in thumbs]))
            self.history = _float32_bytes(series)
            self.frame += 1

    # ------------------------------------------------------------------ the training thread

    @traitlets.observe("show_test", "discretize")
    def _on_view(self, change: dict) -> None:
        display = getattr(self._playground, "display", None)
        if isinstance(display, dict) and not self._loading:
            key = "show_test_data" if change["name"] == "show_test" else "discretize"
            display[key] = bool(change["new"])

    @traitlets.observe("playing")
    def _on_playing(self, change: dict) -> None:
        if change["new"]:
            self._start()
        else:
            self._stop.set()

    @traitlets.validate("epochs_per_frame")
    def _check_epochs_per_frame(self, proposal: dict) -> int:
        if proposal["value"] not in self.EPOCHS_PER_FRAME:
            raise traitlets.TraitError(
                f"epochs_per_frame must be one of {self.EPOCHS_PER_FRAME}; got {proposal['value']}")
        return proposal["value"]

    def _start(self) -> None:
        self._join()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="playground", daemon=True)
        self._thread.start()

    def _join(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def _run(self) -> None:
        interval = 1.0 / self.max_fps
        next_frame = time.perf_counter()
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    break
                try:
                    self._playground.train(epochs=self.epochs_per_frame)
                    self._send_frame()
                except Exception as err:  # show it in the widget instead of dying silently
                    self.error = f"training stopped: {type(err).__name__}: {err}"
                    break
                if self.train_loss is None:
                    self.error = "training stopped: the loss is not a number (try a smaller " \
                                 "learning rate)"
                    break
            next_frame += interval
            delay = next_frame - time.perf_counter()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_frame = time.perf_counter()
        if self._thread is threading.current_thread():
            self.playing = False


#: Datasets of each problem, in TF Playground's order.
_DATASETS: dict[str, tuple[str, ...]] = {
    "classification": ("circle", "xor", "gauss", "spiral"),
    "regression": ("plane", "multi-gaussian"),
}


def _finite_or_none(value: float) -> float | None:
    """``value`` as a float, or None when it is not finite (JSON has no NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _to_setting(name: str, value: Any) -> Any:
    """A trait's value as ``Playground.set_params`` takes it."""
    if name in ("features", "hidden"):
        return tuple(value)
    if name == "regularization" and value in ("none", ""):
        return None
    return value


def _settings_of(playground: Any) -> dict[str, Any]:
    """The widget's setting traits for ``playground``'s settings."""
    settings = {}
    for name in SETTINGS:
        if not hasattr(playground, name):
            continue
        value = getattr(playground, name)
        if name in ("features", "hidden"):
            value = list(value)
        elif name == "regularization":
            value = "none" if value is None else str(value)
        settings[name] = value
    return settings
