"""What the grading sandbox costs, and how its memory cap behaves.

1. Kernel start-up, in the sandbox and without it (alternated, median of several): the time
   from starting the kernel manager to the kernel's first reply. Target: at most 1.5 s more
   per kernel in the sandbox.
2. Which resource limit suits numpy, torch and numba: the same workload (import torch and
   numba, compile a function, then allocate 64 MiB blocks until refused) under RLIMIT_AS
   and under RLIMIT_DATA at 1 GiB. RLIMIT_AS counts reserved address space (libraries,
   thread stacks, allocator arenas, LLVM's reservations): about 1 GiB is reserved before any
   data, and a kernel under it can die in C++ code (``std::bad_alloc``). RLIMIT_DATA counts
   memory actually allocated, which is what the sandbox caps.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client.manager import AsyncKernelManager

from dlcourse.grading.sandbox import SandboxKernelManager, check_sandbox

ROUNDS = 5
TARGET_OVERHEAD_SECONDS = 1.5

WORKLOAD = """
import resource, sys
limit = getattr(resource, "RLIMIT_" + sys.argv[1])
resource.setrlimit(limit, (2**30, 2**30))
import numpy as np
import torch
import numba

matrix = torch.randn(1000, 1000)
matrix @ matrix


@numba.njit(parallel=True)
def total(values):
    result = 0.0
    for index in numba.prange(values.shape[0]):
        result += values[index]
    return result

total(np.ones(10))
blocks = []
try:
    while len(blocks) < 64:
        blocks.append(np.ones(64 * 2**20, dtype=np.uint8))
except MemoryError:
    pass
print(len(blocks) * 64)
"""


async def _start_seconds(manager_class) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        manager = manager_class(kernel_name="python3")
        await manager.start_kernel(cwd=folder)
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=120)
        seconds = time.perf_counter() - start
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
        await manager.cleanup_resources()
    return seconds


def kernel_start() -> bool:
    """Print the median start-up time with and without the sandbox; True when on target."""
    check_sandbox()
    times: dict[str, list[float]] = {"sandbox": [], "plain": []}
    for _ in range(ROUNDS):
        times["sandbox"].append(asyncio.run(_start_seconds(SandboxKernelManager)))
        times["plain"].append(asyncio.run(_start_seconds(AsyncKernelManager)))
    sandbox, plain = (statistics.median(times[k]) for k in ("sandbox", "plain"))
    print(f"kernel start, median of {ROUNDS}: {sandbox:.2f} s in the sandbox, {plain:.2f} s "
          f"without ({sandbox - plain:+.2f} s, ratio {sandbox / plain:.2f}; target at most "
          f"+{TARGET_OVERHEAD_SECONDS:.1f} s)")
    return sandbox - plain <= TARGET_OVERHEAD_SECONDS


def memory_limits() -> None:
    """Print how the workload fares under RLIMIT_AS and RLIMIT_DATA at 1 GiB."""
    for name in ("AS", "DATA"):
        result = subprocess.run([sys.executable, "-c", WORKLOAD, name], capture_output=True,
                                text=True, timeout=600, check=False)
        if result.returncode == 0:
            outcome = (f"torch and numba work; numpy blocks refused after "
                       f"{result.stdout.strip()} MiB")
        else:
            last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
            outcome = f"the process died (exit {result.returncode}): {last}"
        print(f"RLIMIT_{name} = 1 GiB: {outcome}")


def main() -> int:
    on_target = kernel_start()
    memory_limits()
    return 0 if on_target else 1


if __name__ == "__main__":
    raise SystemExit(main())
