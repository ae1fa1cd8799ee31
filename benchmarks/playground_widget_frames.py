"""The playground widget's Python side: how many frames a second it can make, on one core.

Run with ``python benchmarks/playground_widget_frames.py``. While playing, the widget trains
``epochs_per_frame`` epochs and then sends one frame: the output map, every neuron's thumbnail,
the weights, the gradients of every link, the gradient norms, dead neurons, scores, confusion
matrix, loss history and a weight snapshot for the history scrubber. Here the frames go to a
stand-in for the notebook's connection that serialises them to JSON as the kernel does, so the
figure counts everything the kernel spends, the browser's drawing aside (the browser test
measures the redraws a second in JupyterLab: at least 15).

Figures: frames a second from CPU time (median of 5 runs), for TF Playground's default
configuration and its largest one (7 features, 6 hidden layers of 8), in compat mode, and for
the modern mode with two and three classes. Target: at least 40 frames a second in every
configuration, twice the widget's cap of 20 (``PlaygroundWidget.max_fps``), so that a core
shared with the browser still redraws 15 times a second. Exit code 1 if a target is missed.
"""

from __future__ import annotations

import os

for _variable in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                  "MKL_NUM_THREADS"):  # fmt: skip
    os.environ[_variable] = "1"  # one core: set before numpy and numba are imported

import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from dlcourse.playground import Playground  # noqa: E402
from dlcourse.playground.widget import PlaygroundWidget  # noqa: E402

REPEATS = 5
FRAMES = 40
TARGET_FPS = 40.0
ALL_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
CONFIGS: dict[str, dict[str, Any]] = {
    "compat, default (circle, 4-2 tanh)": dict(dataset="circle"),
    "compat, largest (7 features, 6 x 8 relu)": dict(dataset="spiral", features=ALL_FEATURES,
                                                      hidden=(8,) * 6, activation="relu"),
    "modern, xor, 8-8 relu, Adam": dict(dataset="xor", hidden=(8, 8), activation="relu",
                                        mode="modern", optimizer="adam"),
    "modern, 3 spirals, 8-8, dropout 0.1": dict(dataset="spiral3", hidden=(8, 8),
                                                mode="modern", dropout=0.1),
}


class JsonComm:
    """Takes the widget's messages as the kernel's connection does: serialised to JSON."""

    kernel = object()
    comm_id = "benchmark"

    def __init__(self) -> None:
        self.sent_bytes = 0

    def send(self, data: Any = None, buffers: Any = None, **_: Any) -> None:
        self.sent_bytes += len(json.dumps(data)) + sum(len(b) for b in buffers or [])

    def close(self, *_: Any, **__: Any) -> None:
        """Nothing to close."""

    def on_msg(self, *_: Any) -> None:
        """No messages come back."""


def frames_per_second(settings: dict[str, Any]) -> tuple[float, int]:
    """Median frames a second (CPU time) and the bytes one frame sends."""
    widget = PlaygroundWidget(Playground(seed=0, **settings))
    comm = JsonComm()
    widget.comm = comm
    widget.step()  # numba loads its compiled code here
    rates = []
    sent = comm.sent_bytes
    for _ in range(REPEATS):
        start = time.thread_time()
        for _ in range(FRAMES):
            widget.playground.train(epochs=1)
            widget._send_frame()
        rates.append(FRAMES / (time.thread_time() - start))
    return statistics.median(rates), (comm.sent_bytes - sent) // (REPEATS * FRAMES)


def main() -> int:
    """Print the figures; return 1 if a configuration misses the target."""
    print(f"playground widget, Python side: frames per second on one core (target >= "
          f"{TARGET_FPS:g})")
    missed = []
    for name, settings in CONFIGS.items():
        fps, size = frames_per_second(settings)
        verdict = "ok" if fps >= TARGET_FPS else "MISSED"
        print(f"  {name:42s} {fps:7.1f} frames/s  {size / 1024:6.1f} KiB/frame  {verdict}")
        if fps < TARGET_FPS:
            missed.append(name)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
