"""Speed of the plankton generator and of the native descriptors, on one core.

Run with ``python benchmarks/plankton_speed.py`` (part of ``make bench``). Targets: 3,000
images of 64 x 64 pixels drawn in under 3 s, and their native descriptors computed in under
3 s. Each figure is the median of 5 runs, timed as this
process's CPU time so that other processes on the machine do not count (wall-clock medians
are printed too). Exit code 1 if a target is missed.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # one core: set before numpy is imported

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from dlcourse.data.plankton import make_plankton, native_descriptors  # noqa: E402

REPEATS = 5
N_IMAGES = 3000
TARGET_SECONDS = 3.0


def timed(function: Callable[[], object]) -> tuple[float, float]:
    """Median CPU and wall-clock seconds of ``REPEATS`` calls of ``function``."""
    cpu, wall = [], []
    for _ in range(REPEATS):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        function()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


def report(name: str, cpu: float, wall: float) -> bool:
    """Print one figure against its target; return whether it is met."""
    ok = cpu < TARGET_SECONDS
    print(f"{name}: {N_IMAGES} images of 64x64 in {cpu:.2f} s CPU ({wall:.2f} s wall), "
          f"{N_IMAGES / cpu:,.0f} images/s; target < {TARGET_SECONDS:.0f} s: "
          f"{'ok' if ok else 'MISSED'} (ratio {cpu / TARGET_SECONDS:.2f})")
    return ok


def main() -> int:
    """Print the figures; return 1 if a target is missed."""
    make_plankton(n=50)  # warm up
    data = make_plankton(n=N_IMAGES, size=64, seed=0)
    ok = report("make_plankton", *timed(lambda: make_plankton(n=N_IMAGES, size=64, seed=0)))
    ok &= report("native_descriptors", *timed(lambda: native_descriptors(data.images)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
