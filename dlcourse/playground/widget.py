"""TensorFlow Playground's screen in the notebook: an anywidget around a :class:`Playground`.

The widget shows the data controls on the left, the network in the middle (a heat-map
thumbnail on every node, links whose width is ``|w|`` and whose colour is the sign of ``w``,
or, in the gradient view, the size of the loss's gradient) and the output on the right (the
output over ``[-6, 6]²``, the points, the losses and their curves, the accuracy and confusion
matrix). The browser only draws: training runs in Python, in a background thread that trains
``epochs_per_frame`` epochs, then sends one *frame* (epoch, losses, grids as float32 bytes,
weights, gradients, loss history: :mod:`dlcourse.playground.frames`) through the widget's
traits, at most :attr:`PlaygroundWidget.max_fps` frames a second. Snapshots of the weights
(:mod:`dlcourse.playground.snapshots`) let the history scrubber replay past epochs.

Every control is a trait or a method, so the widget can be scripted from Python as the browser
does it::

    widget = PlaygroundWidget(Playground(dataset="xor"))
    widget.hidden = [4, 4]      # rebuilds the playground and resets it, as TF Playground does
    widget.mode = "modern"      # cross-entropy, optimisers, initialisations, ...
    widget.step()               # one epoch
    widget.play(); widget.pause()
    widget.pin()                # keep this run's loss curves as "A" to compare the next with
    widget.replay(epoch=10)     # the history scrubber: the view at epoch 10; widget.live()
    widget.set_weight(0, 1, 0, -0.5)  # layer 0, neuron 1, input 0
    widget.save_png("view.png")
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

from dlcourse.playground import datasets, inspect
from dlcourse.playground.frames import (
    EXTENT,
    GRID_RESOLUTION,
    THUMB_RESOLUTION,
    float32_bytes,
    frame_state,
    grid_points,
    recorded_losses,
    thinned_history,
)
from dlcourse.playground.snapshots import Snapshot, SnapshotStore, replaying

__all__ = ["GRID_RESOLUTION", "THUMB_RESOLUTION", "PlaygroundWidget", "grid_points"]

STATIC = Path(__file__).parent / "static"

#: The settings a change of which rebuilds the playground (names of ``Playground``'s arguments).
#: Those a playground does not have (``pg.get_params()``) are left out.
SETTINGS: tuple[str, ...] = (
    "problem", "dataset", "noise", "train_ratio", "batch_size", "features", "hidden",
    "activation", "learning_rate", "regularization", "reg_rate", "mode", "loss", "optimizer",
    "init", "shuffle", "lr_schedule", "lr_decay", "lr_step", "dropout", "max_epochs",
    "early_stopping",
)
#: The trait value that stands for None, for the settings that may be None.
NONE_VALUES: dict[str, Any] = {"regularization": "none", "loss": "auto", "lr_schedule": "none",
                               "max_epochs": 0, "early_stopping": 0}
#: The activation trait's value when the hidden layers have different activations.
MIXED = "mixed"
#: Most weight snapshots the history scrubber keeps.
SNAPSHOTS = 300
#: Largest weight or bias a click may set.
MAX_EDIT = 100.0


class PlaygroundWidget(anywidget.AnyWidget):
    """An interactive TensorFlow Playground around ``playground``.

    Parameters
    ----------
    playground : Playground
        The playground to show and train (``dlcourse.playground.Playground``). The widget
        changes its settings through ``set_params`` whenever a control changes.
    epochs_per_frame : int
        Epochs trained between two frames while playing: 1, 5, 20 or 100.

    Attributes
    ----------
    playground : Playground
        The current playground.
    max_fps : float
        Most frames sent to the browser per second while playing.
    snapshots : SnapshotStore
        The weights kept for the history scrubber (:meth:`replay`).

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
    activation = traitlets.Unicode("tanh").tag(sync=True)  # or "mixed": see layer_activations
    layer_activations = traitlets.List(traitlets.Unicode(), ["tanh", "tanh"]).tag(sync=True)
    learning_rate = traitlets.Float(0.03).tag(sync=True)
    regularization = traitlets.Unicode("none").tag(sync=True)  # "none", "L1" or "L2"
    reg_rate = traitlets.Float(0.0).tag(sync=True)
    mode = traitlets.Unicode("compat").tag(sync=True)
    loss = traitlets.Unicode("auto").tag(sync=True)  # "auto": the problem's usual loss
    optimizer = traitlets.Unicode("sgd").tag(sync=True)
    init = traitlets.Unicode("tf").tag(sync=True)
    shuffle = traitlets.Bool(False).tag(sync=True)
    lr_schedule = traitlets.Unicode("none").tag(sync=True)
    lr_decay = traitlets.Float(0.5).tag(sync=True)
    lr_step = traitlets.Int(100).tag(sync=True)
    dropout = traitlets.Float(0.0).tag(sync=True)
    max_epochs = traitlets.Int(0).tag(sync=True)  # 0: no limit
    early_stopping = traitlets.Int(0).tag(sync=True)  # 0: off
    available = traitlets.List(traitlets.Unicode()).tag(sync=True)  # the playground's settings
    dataset_names = traitlets.Dict().tag(sync=True)  # problem -> data sets
    can_draw = traitlets.Bool(False).tag(sync=True)  # the playground takes new points

    # View: no rebuild.
    playing = traitlets.Bool(False).tag(sync=True)
    epochs_per_frame = traitlets.Int(1).tag(sync=True)
    show_test = traitlets.Bool(False).tag(sync=True)
    discretize = traitlets.Bool(False).tag(sync=True)
    link_view = traitlets.Unicode("weights").tag(sync=True)  # or "gradients"
    scrub = traitlets.Int(-1).tag(sync=True)  # index of the snapshot shown; -1: live
    draw_mode = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)

    # Frame: written by Python only.
    frame = traitlets.Int(0).tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)
    train_loss = traitlets.Float(None, allow_none=True).tag(sync=True)
    test_loss = traitlets.Float(None, allow_none=True).tag(sync=True)
    score_name = traitlets.Unicode("").tag(sync=True)  # "accuracy", "R²" or ""
    train_score = traitlets.Float(None, allow_none=True).tag(sync=True)
    test_score = traitlets.Float(None, allow_none=True).tag(sync=True)
    confusion = traitlets.List().tag(sync=True)  # test points: rows true, columns predicted
    class_count = traitlets.Int(2).tag(sync=True)  # 0 to regress
    output_range = traitlets.List(traitlets.Float(), [-1.0, 1.0]).tag(sync=True)
    layer_sizes = traitlets.List(traitlets.Int()).tag(sync=True)
    weights = traitlets.List().tag(sync=True)
    biases = traitlets.List().tag(sync=True)
    link_gradients = traitlets.Bytes(b"").tag(sync=True)  # float32, layer after layer
    grad_history = traitlets.Bytes(b"").tag(sync=True)  # float32 rows: epoch, norm per layer
    dead = traitlets.List().tag(sync=True)  # per hidden layer, 1 for a dead ReLU neuron
    output_grid = traitlets.Bytes(b"").tag(sync=True)
    neuron_grids = traitlets.Bytes(b"").tag(sync=True)
    history = traitlets.Bytes(b"").tag(sync=True)
    pinned = traitlets.Bytes(b"").tag(sync=True)  # the pinned run "A", as ``history``
    pinned_label = traitlets.Unicode("").tag(sync=True)
    snapshot_epochs = traitlets.List(traitlets.Int()).tag(sync=True)
    points = traitlets.Bytes(b"").tag(sync=True)
    grid_resolution = traitlets.Int(GRID_RESOLUTION).tag(sync=True)
    thumb_resolution = traitlets.Int(THUMB_RESOLUTION).tag(sync=True)

    max_fps: float = 20.0
    EPOCHS_PER_FRAME: tuple[int, ...] = (1, 5, 20, 100)
    LINK_VIEWS: tuple[str, ...] = ("weights", "gradients")

    def __init__(self, playground: Any, epochs_per_frame: int = 1, **kwargs: Any) -> None:
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loading = False
        self._playground = playground
        self._pinned: dict[str, Any] | None = None
        self._edited_at: int | None = None  # epoch at which a weight was edited by hand
        self._drawn: list[tuple[float, float, Any]] | None = None  # points drawn after "clear"
        self.snapshots = SnapshotStore(SNAPSHOTS)
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
        """Start training in a background thread (returns at once); leaves the scrubber."""
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
        self._go_live()
        if self._drawn is not None:
            self.notice = self._drawing_notice()
            return self
        with self._lock:
            self._playground.train(epochs=1)
            self._after_training()
            self._send_frame()
        return self

    def reset(self) -> PlaygroundWidget:
        """Pause and start again from the initial weights (same seed: same weights)."""
        self.pause()
        self._go_live()
        with self._lock:
            self._playground.reset()
            self._restart()
        return self

    def regenerate(self) -> PlaygroundWidget:
        """Pause, draw new data (the next seed) and reset."""
        self.pause()
        self._go_live()
        with self._lock:
            self._playground.regenerate()
            self._send_points()
            self._restart()
        return self

    def replay(self, epoch: int) -> PlaygroundWidget:
        """Pause and show the network as it was at ``epoch`` (the history scrubber).

        The view (output, thumbnails, links, losses, the position on the loss curve) is that
        of the last snapshot taken at or before ``epoch``; training is not disturbed and
        :meth:`live` (or :meth:`play`) comes back to the present.
        """
        self.scrub = self.snapshots.index_at(epoch)
        return self

    def live(self) -> PlaygroundWidget:
        """Leave the history scrubber: show the playground as it is now."""
        self.scrub = -1
        return self

    def pin(self, label: str | None = None) -> PlaygroundWidget:
        """Keep the current run's loss curves as "A", drawn with the next runs' (A/B).

        Parameters
        ----------
        label : str, optional
            The legend's name for the pinned run; by default "A" and its main settings.
        """
        history = self._playground.history
        self._pinned = {key: list(history[key]) for key in ("epoch", "train_loss", "test_loss")}
        self._pinned["label"] = label or f"A ({_run_label(self._playground)})"
        with self.hold_sync():
            self.pinned_label = self._pinned["label"]
            self.pinned = float32_bytes(thinned_history(self._pinned))
        return self

    def unpin(self) -> PlaygroundWidget:
        """Forget the pinned run."""
        self._pinned = None
        with self.hold_sync():
            self.pinned = b""
            self.pinned_label = ""
        return self

    @property
    def pinned_run(self) -> dict[str, Any] | None:
        """The pinned run's ``epoch``, ``train_loss``, ``test_loss`` and ``label``, or None."""
        return self._pinned

    def set_weight(self, layer: int, row: int, col: int, value: float) -> PlaygroundWidget:
        """Set one weight of the network, as clicking a link and typing a value does.

        Parameters
        ----------
        layer : int
            0 for the links from the inputs to the first hidden layer, ..., the last for the
            links into the output.
        row : int
            The neuron the link goes to (in ``layer``).
        col : int
            The node the link comes from (in the layer before, or the input features).
        value : float
            The new weight, from -100 to 100. A link L1 regularisation had killed comes back.
        """
        with self._lock:
            net = self._playground.network
            w = net.weights[_check_index("layer", layer, len(net.weights))]
            row = _check_index("row", row, w.shape[0])
            col = _check_index("col", col, w.shape[1])
            self._edit(lambda: _assign(w, (row, col), value))
            dead = getattr(net, "dead", None)
            if dead is not None:
                dead[layer][row, col] = False
        return self

    def set_bias(self, layer: int, row: int, value: float) -> PlaygroundWidget:
        """Set one neuron's bias, as clicking a neuron and typing a value does.

        ``layer`` counts as in :meth:`set_weight` (0: the first hidden layer; the last: the
        output), ``row`` is the neuron, ``value`` from -100 to 100.
        """
        with self._lock:
            net = self._playground.network
            b = net.biases[_check_index("layer", layer, len(net.biases))]
            row = _check_index("row", row, len(b))
            self._edit(lambda: _assign(b, (row,), value))
        return self

    def add_point(self, x1: float, x2: float, label: float) -> PlaygroundWidget:
        """Add a training point, as clicking the output map in draw mode does.

        The network carries on from where it is (``Playground.add_point``). After
        :meth:`clear_data`, the points are collected until there is one of every class (two
        points to regress); the playground then trains on them from a fresh start.

        Parameters
        ----------
        x1, x2 : float
            Coordinates, in [-6, 6].
        label : float
            The class (±1 for two classes, 0 to k-1 for k classes) or, to regress, the value.
        """
        if not (_is_number(x1) and _is_number(x2) and abs(x1) <= EXTENT and abs(x2) <= EXTENT):
            raise ValueError(f"x1 and x2 must be numbers from -6 to 6; got {x1!r} and {x2!r}")
        self._go_live()
        with self._lock:
            pg = self._playground
            if self._drawn is not None:
                self._drawn.append((float(x1), float(x2), label))
                self._use_drawn()
                return self
            pg.add_point(float(x1), float(x2), label)
            self._show_settings()  # the data set is now "custom"
            self._edited_at = pg.epoch  # the losses change with the data, not the history
            self._send_points()
            self._send_frame()
        return self

    def clear_data(self) -> PlaygroundWidget:
        """Remove every point, to draw a data set from scratch (see :meth:`add_point`)."""
        self.pause()
        self._go_live()
        with self._lock:
            self._drawn = []
            self._send_points()
            self.notice = self._drawing_notice()
        self.draw_mode = True
        return self

    @property
    def drawing(self) -> bool:
        """True after :meth:`clear_data`, until the points drawn make a data set."""
        return self._drawn is not None

    def _needed_labels(self) -> list[Any]:
        """The labels each of which the drawn points must have at least once."""
        pg = self._playground
        if pg.problem != "classification":
            return []
        return [int(c) for c in pg.classes]

    def _drawing_notice(self) -> str:
        drawn = self._drawn or []
        missing = [c for c in self._needed_labels() if c not in {p[2] for p in drawn}]
        if missing:
            return (f"Draw your points: click the output map. Still needed: a point of class "
                    f"{', '.join(str(c) for c in missing)}.")  # fmt: skip
        return "Draw your points: click the output map (at least 2 points)."

    def _use_drawn(self) -> None:
        """Train on the drawn points once they make a data set; else say what is missing."""
        drawn = self._drawn or []
        labels = {p[2] for p in drawn}
        if len(drawn) < 2 or any(c not in labels for c in self._needed_labels()):
            self._send_points()
            self.notice = self._drawing_notice()
            return
        pg = self._playground
        X = np.array([p[:2] for p in drawn], dtype=float)
        y = np.array([p[2] for p in drawn], dtype=float)
        try:
            pg.set_data(X, y, rescale=False, problem=pg.problem)
        except ValueError as err:
            self.error = f"these points cannot be trained on: {err}"
            return
        self._drawn = None
        self._show_settings()
        self._send_points()
        self._restart()

    def save_png(self, path: str | Path, **options: Any) -> Path:
        """Write the current view (network, output with the data, loss curves) to a PNG file.

        What is shown is what the widget shows: the replayed epoch when the scrubber is on,
        the pinned run beside the current one, the test points and discretised output if
        ticked. ``options`` go to :func:`dlcourse.playground.figure.view_figure` (``size``,
        ``dpi``).

        Returns
        -------
        Path
        """
        from dlcourse.playground import figure  # matplotlib: imported when first needed

        with self._lock:
            snapshot = self._shown_snapshot()
            options = {"pinned": self._pinned, "show_test": self.show_test,
                       "discretize": self.discretize, **options}  # fmt: skip
            if snapshot is None:
                return figure.save_png(self._playground, path, **options)
            with replaying(self._playground, snapshot) as past:
                return figure.save_png(past, path, epoch_marker=snapshot.epoch, **options)

    # ------------------------------------------------------------------ settings

    def _load(self, playground: Any) -> None:
        """Show ``playground``: copy its settings into the traits, send its data and a frame."""
        with self._lock:
            self._playground = playground
            self._show_settings()
            self._send_points()
            self._restart()

    def _show_settings(self) -> None:
        """Copy the playground's settings into the traits (no rebuild follows)."""
        playground = self._playground
        self._loading = True
        try:
            with self.hold_sync():
                for name, value in _settings_of(playground).items():
                    setattr(self, name, value)
                self.available = [name for name in SETTINGS if _has_setting(playground, name)]
                self.dataset_names = _dataset_names()
                self.can_draw = callable(getattr(playground, "add_point", None))
                display = getattr(playground, "display", {})
                self.show_test = bool(display.get("show_test_data", self.show_test))
                self.discretize = bool(display.get("discretize", self.discretize))
        finally:
            self._loading = False

    @traitlets.observe(*SETTINGS, "layer_activations")
    def _on_setting(self, change: dict) -> None:
        if self._loading:
            return
        pg = self._playground
        wanted = {name: _to_setting(name, getattr(self, name)) for name in SETTINGS
                  if _has_setting(pg, name)}  # fmt: skip
        wanted["activation"] = self._wanted_activation(change["name"], wanted["hidden"])
        if change["name"] == "mode" and wanted["mode"] == "compat":
            wanted.update(_compat_values(pg, wanted["activation"]))
        if wanted.get("loss") == "cross_entropy" and wanted["problem"] == "regression":
            wanted["loss"] = None
        changed = {name: value for name, value in wanted.items()
                   if value != getattr(pg, name, value)}  # fmt: skip
        if not changed:
            return
        if "dataset" in changed and wanted["mode"] == "compat" and _classes_of(
                changed["dataset"]) > 2:  # fmt: skip
            changed["mode"] = "modern"  # 3 classes need a softmax output
        if "problem" in changed and wanted["dataset"] not in _dataset_names().get(
                changed["problem"], ()):  # fmt: skip
            changed["dataset"] = _dataset_names()[changed["problem"]][0]
        if set(changed) != {"learning_rate"}:
            self.pause()  # TF Playground pauses when a change resets the network
        self._go_live()
        with self._lock:
            try:
                pg.set_params(**changed)
            except ValueError as err:  # the playground is left as it was: show its settings
                self._show_settings()
                self.error = str(err)
                return
            if set(changed) == {"learning_rate"}:  # training goes on
                self._show_settings()  # the value in force, as the ladder writes it
                self.error = ""
            else:
                self._load(pg)  # new data or network: a fresh start

    def _wanted_activation(self, name: str, hidden: tuple[int, ...]) -> Any:
        """The activation setting for a change of the ``name`` trait, fitted to ``hidden``."""
        if name == "activation" and self.activation != MIXED:
            activation: Any = self.activation
        elif name == "layer_activations":
            activation = tuple(self.layer_activations)
        else:
            activation = self._playground.activation
        if isinstance(activation, str):
            return activation
        activation = tuple(activation)
        if not activation or not hidden:
            return activation[0] if activation else "tanh"
        return (activation + (activation[-1],) * len(hidden))[: len(hidden)]

    # ------------------------------------------------------------------ messages from JS

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        action = content.get("action")
        simple = {"step": self.step, "reset": self.reset, "regenerate": self.regenerate,
                  "pin": self.pin, "unpin": self.unpin, "live": self.live,
                  "clear_data": self.clear_data}  # fmt: skip
        try:
            if action in simple:
                simple[action]()
            elif action == "set_weight":
                self.set_weight(content["layer"], content["row"], content["col"],
                                content["value"])  # fmt: skip
            elif action == "set_bias":
                self.set_bias(content["layer"], content["row"], content["value"])
            elif action == "add_point":
                self.add_point(content["x1"], content["x2"], content["label"])
        except (KeyError, TypeError, ValueError, IndexError) as err:
            self.error = f"{action}: {err}"

    # ------------------------------------------------------------------ frames

    def _send_points(self) -> None:
        pg = self._playground
        if self._drawn is not None:
            drawn = np.array([[x1, x2, label, 0.0] for x1, x2, label in self._drawn], dtype=float)
            self.points = float32_bytes(drawn.reshape(-1, 4))
            return
        train = np.column_stack([pg.X_train, pg.y_train, np.zeros(len(pg.y_train))])
        test = np.column_stack([pg.X_test, pg.y_test, np.ones(len(pg.y_test))])
        self.points = float32_bytes(np.vstack([train, test]).reshape(-1, 4))

    def _restart(self) -> None:
        """After a reset or a new playground: no snapshots, no message, a fresh frame."""
        if self._drawn is not None:  # the data drawn so far are dropped: back to the playground's
            self._drawn = None
            self._send_points()
        self.snapshots.clear()
        self._edited_at = None
        self.error = ""
        self.notice = ""
        self._send_frame()

    def _edit(self, assign: Any) -> None:
        """Apply a hand edit to the live network and show it."""
        self._go_live()
        assign()
        self._edited_at = self._playground.epoch
        self._send_frame()

    def _go_live(self) -> None:
        if self.scrub != -1:
            self._loading = True  # no frame for the live view: the caller sends one
            try:
                self.scrub = -1
            finally:
                self._loading = False

    def _shown_snapshot(self) -> Snapshot | None:
        if 0 <= self.scrub < len(self.snapshots):
            return self.snapshots[self.scrub]
        return None

    def _send_frame(self) -> None:
        """Send the view (live, or the scrubbed snapshot) to the browser in one message."""
        pg = self._playground
        snapshot = self._shown_snapshot()
        if snapshot is None:
            gradients = inspect.link_gradients(pg)[0]
            norms = [float(np.linalg.norm(g)) for g in gradients]
            self.snapshots.add(pg.epoch, pg.network.weights, pg.network.biases, grad_norms=norms)
            edited = self._edited_at == pg.epoch  # the history predates the edit
            losses = inspect.current_losses(pg) if edited else recorded_losses(pg.history)
            state = frame_state(pg, losses, gradients)
        else:
            with replaying(pg, snapshot) as past:
                state = frame_state(past, recorded_losses(past.history), history=pg.history)
        with self.hold_sync():
            for name, value in state.items():
                setattr(self, name, value)
            self.grad_history = float32_bytes(self._grad_series())
            self.snapshot_epochs = self.snapshots.epochs
            self.frame += 1

    def _grad_series(self) -> np.ndarray:
        """Rows of (epoch, gradient norm of layer 0, layer 1, ...), one per snapshot."""
        rows = [[item.epoch, *item.extra.get("grad_norms", [])] for item in self.snapshots]
        width = max((len(row) for row in rows), default=1)
        return np.array([row for row in rows if len(row) == width], dtype=float)

    # ------------------------------------------------------------------ the training thread

    @traitlets.observe("show_test", "discretize")
    def _on_view(self, change: dict) -> None:
        display = getattr(self._playground, "display", None)
        if isinstance(display, dict) and not self._loading:
            key = "show_test_data" if change["name"] == "show_test" else "discretize"
            display[key] = bool(change["new"])

    @traitlets.validate("link_view")
    def _check_link_view(self, proposal: dict) -> str:
        if proposal["value"] not in self.LINK_VIEWS:
            raise traitlets.TraitError(
                f"link_view must be one of {self.LINK_VIEWS}; got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("scrub")
    def _check_scrub(self, proposal: dict) -> int:
        value = int(proposal["value"])
        return -1 if value < 0 else min(value, max(len(self.snapshots) - 1, 0))

    @traitlets.observe("scrub")
    def _on_scrub(self, change: dict) -> None:
        if self._loading:
            return
        if change["new"] >= 0 and self.playing:
            self.pause()
        with self._lock:
            self._send_frame()

    @traitlets.observe("playing")
    def _on_playing(self, change: dict) -> None:
        if change["new"]:
            if self._drawn is not None:  # nothing to train on yet
                self.notice = self._drawing_notice()
                self.playing = False
                return
            if self.scrub != -1:
                self.scrub = -1
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

    def _after_training(self) -> bool:
        """Show why training stopped, if it did; True if it cannot go on."""
        pg = self._playground
        message = inspect.divergence_message(pg)
        if message:
            self.error = f"training stopped: {message}"
            return True
        if getattr(pg, "stopped_early", False):
            self.notice = (f"training stopped early at epoch {pg.epoch}: the test loss has not "
                           f"improved for {pg.early_stopping} epochs")  # fmt: skip
            return True
        max_epochs = getattr(pg, "max_epochs", None)
        if max_epochs is not None and pg.epoch >= max_epochs:
            self.notice = f"training reached max_epochs ({max_epochs})"
            return True
        return False

    def _run(self) -> None:
        interval = 1.0 / self.max_fps
        next_frame = time.perf_counter()
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    break
                try:
                    self._playground.train(epochs=self.epochs_per_frame)
                    done = self._after_training()
                    self._send_frame()
                except Exception as err:  # show it in the widget instead of dying silently
                    self.error = f"training stopped: {type(err).__name__}: {err}"
                    break
                if done:
                    break
            next_frame += interval
            delay = next_frame - time.perf_counter()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_frame = time.perf_counter()
        if self._thread is threading.current_thread():
            self.playing = False


def _dataset_names() -> dict[str, list[str]]:
    """The data sets of each problem, in TF Playground's order (then the course's own)."""
    classification = list(datasets.CLASSIFICATION) + list(getattr(datasets, "MULTICLASS", {}))
    return {"classification": classification, "regression": list(datasets.REGRESSION)}


def _has_setting(playground: Any, name: str) -> bool:
    params = getattr(playground, "get_params", None)
    return name in params() if params is not None else hasattr(playground, name)


def _compat_values(playground: Any, activation: Any) -> dict[str, Any]:
    """The settings compat mode needs: modern-only ones at their defaults, a TF activation."""
    from dlcourse.playground import settings

    values = {name: value for name, value in settings.COMPAT_VALUES.items()
              if _has_setting(playground, name)}  # fmt: skip
    names = (activation,) if isinstance(activation, str) else tuple(activation)
    values["activation"] = names[0] if names and names[0] in settings.ACTIVATIONS else "tanh"
    return values


def _classes_of(dataset: str) -> int:
    """Classes of a built-in data set (0 to regress or when unknown)."""
    n_classes_of = getattr(datasets, "n_classes_of", None)
    if n_classes_of is None or dataset not in datasets.DATASETS:
        return 0
    return int(n_classes_of(dataset) or 0)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool) and math.isfinite(value))  # fmt: skip


def _run_label(pg: Any) -> str:
    """A few words on a run's settings, for the A/B legend."""
    activation = pg.activation if isinstance(pg.activation, str) else "/".join(pg.activation)
    hidden = ",".join(str(n) for n in pg.hidden) or "no hidden layer"
    words = [activation, f"[{hidden}]", f"lr {pg.learning_rate:g}"]
    if getattr(pg, "mode", "compat") == "modern":
        words.append(pg.optimizer)
    return ", ".join(words)


def _check_index(name: str, value: Any, size: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
            0 <= value < size):  # fmt: skip
        raise ValueError(f"{name} must be an integer from 0 to {size - 1}; got {value!r}")
    return int(value)


def _assign(array: np.ndarray, index: tuple[int, ...], value: Any) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not math.isfinite(number) or abs(number) > MAX_EDIT:
        raise ValueError(f"the value must be a number from {-MAX_EDIT:g} to {MAX_EDIT:g}; "
                         f"got {value!r}")  # fmt: skip
    array[index] = number


def _to_setting(name: str, value: Any) -> Any:
    """A trait's value as ``Playground.set_params`` takes it."""
    if name in ("features", "hidden"):
        return tuple(value)
    if name in NONE_VALUES and value in (NONE_VALUES[name], ""):
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
        elif value is None and name in NONE_VALUES:
            value = NONE_VALUES[name]
        elif name == "activation":
            layers = len(playground.hidden)
            settings["layer_activations"] = [value] * layers if isinstance(value, str) else list(
                value)  # fmt: skip
            value = value if isinstance(value, str) else MIXED
        settings[name] = value
    return settings
