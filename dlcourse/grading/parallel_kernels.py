"""Start the next submission's kernel while the current one runs; stop kernels in the background.

Starting a Python kernel takes most of a second and stopping one another half, mostly spent
waiting. A grading worker knows which submission comes next, so :class:`KernelPool` launches
that submission's kernel (same kernel manager class, kernel name, arguments, working folder and
environment as nbclient would use) as soon as the current notebook's kernel is up, and the next
notebook adopts it. A finished kernel is asked to shut down and left to exit on its own; it is
reaped (or killed, after ``shutdown_wait_time``) before the next submission.

A kernel started early must be indistinguishable from one started on time. The pool builds it
with the preprocessor's own kernel manager class, kernel name, arguments and configuration,
in the environment of the moment (nbgrader's ``NBGRADER_EXECUTION`` included), and only when
the preprocessor makes and starts kernels with nbclient's own methods (a subclass may run
cells its own way, as the sandbox's ``SandboxedExecute`` does, as long as it asks
``create_kernel_manager`` and ``async_start_new_kernel`` for its kernel). The caller must also
make sure that the working folder holds, at launch, what it will hold at the on-time launch (a
kernel manager may copy it when it starts, as the sandbox's does; a student's ``json.py``
there could change how a kernel starts): the grading worker starts early only for submissions
of nothing but the notebook (and ``timestamp.txt``, which it puts there first). Otherwise the
kernel is started on time, exactly as configured. Cells are timed either way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_core.utils import ensure_event_loop, run_sync
from nbclient import NotebookClient
from nbclient.util import ensure_async

__all__ = ["KernelPool", "KernelSpec", "can_start_early"]

_MAKE_AND_START = ("create_kernel_manager", "async_start_new_kernel", "start_new_kernel",
                   "async_start_new_kernel_client", "start_new_kernel_client")
_STOP = ("_async_cleanup_kernel", "_cleanup_kernel", "setup_kernel")
_HISTORY_ARGUMENT = "--HistoryManager.hist_file"


async def _connect(km: Any, timeout: float) -> Any | None:
    """A client of ``km``'s kernel, connected and ready as nbclient makes it; None on failure."""
    kc = km.client()
    try:
        await ensure_async(kc.start_channels())
        await kc.wait_for_ready(timeout=timeout)
    except Exception:  # the notebook then connects on its own, and reports any error
        kc.stop_channels()
        return None
    return kc


def _label(cell: Any, index: int) -> str:
    """A cell's nbgrader id, or its position (``cell 3``) when it has none."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id or f"cell {index + 1}"


def _inherits(preprocessor: Any, names: tuple[str, ...]) -> bool:
    cls = type(preprocessor)
    return all(getattr(cls, name) is getattr(NotebookClient, name) for name in names)


def can_start_early(preprocessor: Any) -> bool:
    """Whether a kernel for ``preprocessor`` can be started ahead of time (see the module)."""
    return isinstance(preprocessor, NotebookClient) and _inherits(preprocessor, _MAKE_AND_START)


@dataclass(frozen=True)
class KernelSpec:
    """Everything that decides how a kernel is launched; equal specs give identical kernels."""

    manager_class: type
    kernel_name: str | None
    cwd: str | None
    extra_arguments: tuple[str, ...]
    history_file: str | None

    @classmethod
    def for_preprocessor(cls, preprocessor: Any, cwd: str | None) -> KernelSpec:
        """The spec nbclient would use for ``preprocessor``'s notebook, run in ``cwd``."""
        name = preprocessor.kernel_name or (
            preprocessor.nb.metadata.get("kernelspec", {}).get("name") or None)
        extra = tuple(argument for argument in preprocessor.extra_arguments
                      if not argument.startswith(_HISTORY_ARGUMENT))
        return cls(preprocessor.kernel_manager_class, name, cwd, extra,
                   preprocessor.ipython_hist_file)


class KernelPool:
    """Kernels started ahead of time for one grading worker; see the module's docstring.

    Parameters
    ----------
    enabled : bool
        When false, kernels are never started ahead of time (cells are still timed).
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._ready: tuple[KernelSpec, Any, asyncio.Task] | None = None
        self._adopted: tuple[Any, asyncio.Task] | None = None
        self._retiring: list[tuple[Any, float]] = []
        #: Seconds the current notebook waited for its kernel to be ready.
        self.kernel_wait_seconds = 0.0
        #: Whether the current notebook's kernel was started ahead of time.
        self.adopted = False

    # ------------------------------------------------------------------ hooks

    def install(self, preprocessor: Any, next_cwd: Callable[[], str | None] | None,
                cell_times: list[tuple[str, float]]) -> None:
        """Hook an ``Execute`` preprocessor instance before it runs a notebook.

        Parameters
        ----------
        preprocessor : nbclient.NotebookClient
            The configured ``Execute`` preprocessor of the converter.
        next_cwd : callable or None
            Called once this notebook's kernel manager exists: returns the folder the next
            notebook will run in when its kernel may be started now (else ``None``).
        cell_times : list
            Receives ``(cell name, seconds)`` for every cell the preprocessor executes.
        """
        self.adopted = False
        if self.enabled and can_start_early(preprocessor):
            self._hook(preprocessor, next_cwd)
        self._time_cells(preprocessor, cell_times)

    def _hook(self, preprocessor: Any, next_cwd: Callable[[], str | None] | None) -> None:
        """Make ``preprocessor`` adopt a kernel started ahead, and start the next one."""

        def create_kernel_manager():
            cwd = preprocessor.resources.get("metadata", {}).get("path") or None
            spec = KernelSpec.for_preprocessor(preprocessor, cwd)
            if spec.kernel_name:
                preprocessor.kernel_name = spec.kernel_name
            taken = self._take(spec)
            if taken is None:
                km = NotebookClient.create_kernel_manager(preprocessor)
            else:
                km, connecting = taken
                self._adopted = (km, connecting)
                self.adopted = True
            preprocessor.km = km
            folder = next_cwd() if next_cwd is not None else None
            if folder is not None:
                self._launch(preprocessor, KernelSpec.for_preprocessor(preprocessor, folder))
            return km

        async def async_start_new_kernel(**kwargs):
            if preprocessor.km is not None and preprocessor.km.has_kernel:
                return  # adopted: already started
            await NotebookClient.async_start_new_kernel(preprocessor, **kwargs)

        async def async_start_new_kernel_client():
            adopted, self._adopted = self._adopted, None
            if adopted is not None and adopted[0] is preprocessor.km:
                kc = await adopted[1]
                if kc is not None:
                    preprocessor.kc = kc
                    kc.allow_stdin = False
                    return kc
            return await NotebookClient.async_start_new_kernel_client(preprocessor)

        preprocessor.create_kernel_manager = create_kernel_manager
        preprocessor.async_start_new_kernel = async_start_new_kernel
        preprocessor.async_start_new_kernel_client = async_start_new_kernel_client
        preprocessor.start_new_kernel_client = run_sync(async_start_new_kernel_client)
        if _inherits(preprocessor, _STOP):
            def cleanup_kernel():
                km, kc = preprocessor.km, preprocessor.kc
                preprocessor.km = preprocessor.kc = None
                if km is not None:
                    self._retire(km, kc)

            preprocessor._cleanup_kernel = cleanup_kernel

    def _time_cells(self, preprocessor: Any, cell_times: list[tuple[str, float]]) -> None:
        """Time every cell and the wait for the kernel, whichever way the preprocessor runs."""
        preprocess_cell = preprocessor.preprocess_cell
        execute_cell = preprocessor.async_execute_cell
        wait_sync = preprocessor.start_new_kernel_client
        wait_async = preprocessor.async_start_new_kernel_client

        def timed_preprocess_cell(cell, resources, index):
            start = time.perf_counter()
            try:
                return preprocess_cell(cell, resources, index)
            finally:
                cell_times.append((_label(cell, index), time.perf_counter() - start))

        async def timed_execute_cell(cell, cell_index, *args, **kwargs):
            start = time.perf_counter()
            try:
                return await execute_cell(cell, cell_index, *args, **kwargs)
            finally:
                cell_times.append((_label(cell, cell_index), time.perf_counter() - start))

        def timed_wait_sync():
            start = time.perf_counter()
            try:
                return wait_sync()
            finally:
                self.kernel_wait_seconds += time.perf_counter() - start

        async def timed_wait_async():
            start = time.perf_counter()
            try:
                return await wait_async()
            finally:
                self.kernel_wait_seconds += time.perf_counter() - start

        preprocessor.preprocess_cell = timed_preprocess_cell
        preprocessor.async_execute_cell = timed_execute_cell
        preprocessor.start_new_kernel_client = timed_wait_sync
        preprocessor.async_start_new_kernel_client = timed_wait_async

    # ------------------------------------------------------------------ pool

    def _take(self, spec: KernelSpec) -> tuple[Any, asyncio.Task] | None:
        """The ready kernel (manager, client being connected) if launched for ``spec``."""
        if self._ready is None:
            return None
        ready_spec, km, connecting = self._ready
        self._ready = None
        if ready_spec == spec and run_sync(km.is_alive)():
            return km, connecting
        self._drop(km, connecting)
        return None

    def _launch(self, preprocessor: Any, spec: KernelSpec) -> None:
        """Launch a kernel for ``spec`` as nbclient would (it starts up in the background).

        Its client connects and waits for it to be ready (nbclient's ``wait_for_ready``) in a
        task of the worker's event loop, which runs while the current notebook's cells do.
        """
        if self._ready is not None:
            self._drop(*self._ready[1:])
            self._ready = None
        if spec.kernel_name:
            km = spec.manager_class(kernel_name=spec.kernel_name, config=preprocessor.config)
        else:
            km = spec.manager_class(config=preprocessor.config)
        extra = list(spec.extra_arguments)
        if getattr(km, "ipykernel", False) and spec.history_file:
            extra.append(f"{_HISTORY_ARGUMENT}={spec.history_file}")
        kwargs = {"cwd": spec.cwd} if spec.cwd else {}
        try:
            run_sync(km.start_kernel)(extra_arguments=extra, **kwargs)
        except Exception:  # the notebook will start its own kernel, and report any error
            return
        connecting = ensure_event_loop().create_task(
            _connect(km, preprocessor.startup_timeout))
        self._ready = (spec, km, connecting)

    def _drop(self, km: Any, connecting: asyncio.Task) -> None:
        """Retire a kernel started ahead that no notebook will use."""
        kc = None
        if connecting.done() and not connecting.cancelled():
            kc = connecting.result()
        else:
            connecting.cancel()
        self._retire(km, kc)

    def _retire(self, km: Any, kc: Any | None) -> None:
        """Ask a kernel to shut down (as nbclient does) without waiting for it to exit."""
        if kc is not None:
            kc.stop_channels()
        try:
            if run_sync(km.is_alive)():
                run_sync(km.interrupt_kernel)()
                run_sync(km.request_shutdown)()
        except Exception:  # already gone: reaping cleans up
            pass
        self._retiring.append((km, time.monotonic() + km.shutdown_wait_time))

    def reap(self, wait: bool = False) -> None:
        """Clean up kernels that have exited; kill those past their shutdown time.

        Parameters
        ----------
        wait : bool
            Wait for every retiring kernel (killing the late ones) instead of only
            collecting those already gone.
        """
        still = []
        for km, deadline in self._retiring:
            if not self._finish(km, force=wait or time.monotonic() > deadline):
                still.append((km, deadline))
        self._retiring = still

    @staticmethod
    def _finish(km: Any, force: bool) -> bool:
        try:
            if run_sync(km.is_alive)():
                if not force:
                    return False
                run_sync(km.finish_shutdown)(waittime=1.0)
            else:
                run_sync(km.finish_shutdown)(waittime=0.2)
            run_sync(km.cleanup_resources)()
        except Exception:  # nothing left to clean
            pass
        return True

    def close(self) -> None:
        """Stop every kernel of the pool; the ready one, never used, is killed at once."""
        if self._ready is not None:
            _, km, connecting = self._ready
            self._ready = None
            connecting.cancel()
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # already gone
                pass
        self.reap(wait=True)
