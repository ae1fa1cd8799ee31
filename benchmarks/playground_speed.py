"""Training speed of the playground engines on one core, against TensorFlow Playground's own.

Run with ``python benchmarks/playground_speed.py``. Two configurations, as measured for TF
Playground in ``tests/fixtures/tf-playground/README.md``:

- default: circle, 250 training / 250 test points, inputs x1 x2, hidden (4, 2) tanh, batch 10;
- largest: spiral, 250 / 250 points, all 7 features, 6 hidden layers of 8, relu, batch 10.

Figures: training epochs per second (numpy engine, compiled engine), and full frames per
second: one epoch, the train and test losses, and every node's output on the 100 × 100 grid
over [-6, 6]² (grid features computed in every frame, as TF does). Each figure is the median
of 5 runs, timed as this thread's CPU time, so other processes on the machine do not count
(wall-clock medians are printed too). numba's compilation is excluded: every engine runs once
before timing (the cache makes it a load after the first run). Exit code 1 if a target is
missed: training at least as fast as TF Playground, full frames at least twice as fast.
"""

from __future__ import annotations

import os

for _variable in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                  "MKL_NUM_THREADS"):  # fmt: skip
    os.environ[_variable] = "1"  # one core: set before numpy and numba are imported

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from dlcourse.playground import Network  # noqa: E402
from dlcourse.playground.fast import node_outputs_grid, train_epochs_fast  # noqa: E402

REPEATS = 5
LEARNING_RATE, BATCH_SIZE = 0.03, 10
GRID = np.linspace(-6.0, 6.0, 100)


@dataclass
class Config:
    """A configuration and TF Playground's figures for it (fixture README)."""

    name: str
    dataset: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    features: Callable[[np.ndarray], np.ndarray]
    hidden: tuple[int, ...]
    activation: str
    tf_epochs_per_s: float
    tf_frames_per_s: float


def circle(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """TF Playground's circle data set (500 points, no noise): label 1 inside radius 2.5."""
    radius = np.concatenate([rng.uniform(0.0, 2.5, 250), rng.uniform(3.5, 5.0, 250)])
    angle = rng.uniform(0.0, 2 * np.pi, 500)
    points = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return points, np.where(radius < 3.0, 1.0, -1.0)


def spiral(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """TF Playground's two-armed spiral (500 points, no noise)."""
    i = np.arange(250) / 250
    arms = []
    for delta, label in ((0.0, 1.0), (np.pi, -1.0)):
        r, t = 5 * i, 1.75 * i * 2 * np.pi + delta
        arms.append((np.column_stack([r * np.sin(t), r * np.cos(t)]), np.full(250, label)))
    return np.concatenate([a[0] for a in arms]), np.concatenate([a[1] for a in arms])


def xy(points: np.ndarray) -> np.ndarray:
    """Features x1, x2."""
    return np.ascontiguousarray(points)


def all_features(points: np.ndarray) -> np.ndarray:
    """Features x1, x2, x1², x2², x1·x2, sin x1, sin x2."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.column_stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2)])


CONFIGS = [
    Config("default: circle, x1 x2, (4, 2) tanh", circle, xy, (4, 2), "tanh", 8541, 246),
    Config("largest: spiral, 7 features, 6x8 relu", spiral, all_features, (8,) * 6, "relu",
           909, 35),
]  # fmt: skip


def per_second(run: Callable[[], None], count: int) -> tuple[float, float]:
    """Median rate of ``count`` items per run over REPEATS runs: CPU time, wall time."""
    cpu, wall = [], []
    for _ in range(REPEATS):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        run()
        cpu.append(time.thread_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return count / statistics.median(cpu), count / statistics.median(wall)


def measure(config: Config) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(0)
    points, labels = config.dataset(rng)
    order = rng.permutation(len(points))  # shuffle, then half for training (TF's split)
    points, labels = points[order], labels[order]
    X, y = config.features(points[:250]), labels[:250]
    X_test, y_test = config.features(points[250:]), labels[250:]
    gx, gy = np.meshgrid(GRID, GRID)
    grid_points = np.column_stack([gx.ravel(), gy.ravel()])
    net = Network.from_layers(X.shape[1], config.hidden, activation=config.activation, seed=0)

    def numpy_epochs(n: int) -> None:
        for _ in range(n):
            net.train_epoch_compat(X, y, LEARNING_RATE, BATCH_SIZE)

    def numpy_frames(n: int) -> None:
        for _ in range(n):
            net.train_epoch_compat(X, y, LEARNING_RATE, BATCH_SIZE)
            net.loss(X, y), net.loss(X_test, y_test)
            net.forward_layers(config.features(grid_points))

    def fast_epochs(n: int) -> None:
        train_epochs_fast(net, X, y, LEARNING_RATE, BATCH_SIZE, n)

    def fast_frames(n: int) -> None:
        for _ in range(n):
            train_epochs_fast(net, X, y, LEARNING_RATE, BATCH_SIZE, 1, X_test=X_test,
                              y_test=y_test)  # fmt: skip
            node_outputs_grid(net, config.features(grid_points))

    numpy_epochs(1), fast_epochs(1), fast_frames(1)  # warm-up: numba compiles or loads here
    n_epochs = 2000 if config.hidden == (4, 2) else 300
    return {
        "numpy epochs": per_second(lambda: numpy_epochs(5), 5),
        "fast epochs": per_second(lambda: fast_epochs(n_epochs), n_epochs),
        "numpy frames": per_second(lambda: numpy_frames(3), 3),
        "fast frames": per_second(lambda: fast_frames(100), 100),
    }


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # pin to one core
    print("TF Playground speed, one core (median of 5; CPU time, wall clock in brackets; "
          "JIT compilation excluded)")  # fmt: skip
    missed = []
    for config in CONFIGS:
        rates = measure(config)
        print(f"\n{config.name}")
        for kind, tf_rate, factor in (("epochs", config.tf_epochs_per_s, 1),
                                      ("frames", config.tf_frames_per_s, 2)):  # fmt: skip
            target = factor * tf_rate
            for engine in ("numpy", "fast"):
                cpu, wall = rates[f"{engine} {kind}"]
                print(f"  {engine:5} {kind}/s {cpu:9.0f}  [{wall:7.0f}]   TF {tf_rate:5.0f}   "
                      f"ratio {cpu / tf_rate:6.2f}")  # fmt: skip
            cpu = rates[f"fast {kind}"][0]
            ok = cpu >= target
            print(f"  target: fast {kind}/s >= {target:.0f} ({factor}x TF): "
                  f"{'met' if ok else 'MISSED'}")  # fmt: skip
            if not ok:
                missed.append(f"{config.name}: {kind}")
    print("\nall targets met" if not missed else f"\nMISSED: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
