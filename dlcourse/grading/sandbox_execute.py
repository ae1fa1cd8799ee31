"""nbgrader's Execute preprocessor, with every kernel in the sandbox and failures kept local.

:class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``Autograde``'s preprocessors
(:func:`use_sandbox` does it in ``grader/nbgrader_config.py``). Per notebook, it

- refuses to start when the sandbox cannot (:class:`~dlcourse.grading.sandbox_check.
  SandboxUnavailable` stops ``nbgrader autograde`` with what to install), unless grading
  unsafely was asked for;
- runs each cell with nbgrader's per-cell timeout (``c.Execute.timeout``), shortened to what
  is left of the notebook's time limit (``c.Sandbox.notebook_timeout``);
- when a cell kills the kernel (``os._exit``, a crash) or hangs it beyond an interrupt, gives
  that cell an error, starts a fresh kernel, runs the cells that ran before it again (their
  outputs kept from the first run), and goes on with the next cell;
- gives every cell left unrun (time limit, too many restarts) an error output, so that a test
  cell never earns points without having run;
- keeps at most ``c.Sandbox.output_mib`` of output per cell in memory.
"""

from __future__ import annotations

import copy
import math
from time import monotonic

from jupyter_client.manager import AsyncKernelManager
from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

from dlcourse.grading.sandbox_check import check_sandbox
from dlcourse.grading.sandbox_kernel import SandboxKernelManager
from dlcourse.grading.sandbox_settings import MIB, Sandbox

# Outputs that count towards the cap. Errors are always kept (shortened): a test cell scores
# 0 because of its error output, which must never be left out.
_OUTPUT_TYPES = {"stream", "display_data", "execute_result", "update_display_data"}
_ERROR_CHARS = 20_000
_KERNEL_FAILURES = (DeadKernelError, CellTimeoutError)


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An error output, as a failed cell has: nbgrader scores a test cell with one as 0."""
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _output_size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    data = content.get("data") or {}
    size = sum(len(str(value)) for value in data.values())
    return size + sum(len(line) for line in content.get("traceback", []))


class SandboxedExecute(Execute):
    """Execute each submission in the sandbox; a dead or hung kernel costs only its cells."""

    def preprocess(self, nb, resources=None, km=None):
        """Run every code cell of ``nb`` (see the module's documentation)."""
        self.sandbox = Sandbox(parent=self)
        if self.sandbox.active:
            check_sandbox(self.sandbox)
            manager = SandboxKernelManager
        else:
            self.log.warning("Grading WITHOUT the sandbox (DLCOURSE_UNSAFE_GRADING or "
                             "c.Sandbox.enabled): student code runs with your permissions")
            manager = AsyncKernelManager
        NotebookClient.__init__(self, nb, km)
        self.kernel_manager_class = manager
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._deadline: float | None = None
        self._cell_timeout_error = dict(self.error_on_timeout)
        self._output_bytes: dict[str, int] = {}
        run_sync(self._async_run_notebook)()
        self.set_widgets_metadata()
        return self.nb, self.resources

    async def _async_run_notebook(self) -> None:
        ran: list[int] = []
        restarts = 0
        broken: str | None = None
        try:
            await self._async_start_kernel()
            self._deadline = monotonic() + self.sandbox.notebook_timeout
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if monotonic() >= self._deadline:
                    broken = broken or (
                        f"the notebook ran past its time limit of "
                        f"{self.sandbox.notebook_timeout} s; this cell was not run")
                if broken:
                    cell.outputs = [error_output("CellNotRun", broken)]
                    continue
                try:
                    await self.async_execute_cell(
                        cell, index, execution_count=self.code_cells_executed + 1)
                except _KERNEL_FAILURES as failure:
                    cell.setdefault("outputs", []).append(_failure_output(failure))
                    restarts += 1
                    broken = await self._async_recover(ran, restarts)
                else:
                    ran.append(index)
        finally:
            await self._async_stop_kernel()

    async def _async_start_kernel(self) -> None:
        self.km = self.create_kernel_manager()
        await self.async_start_new_kernel()
        await self.async_start_new_kernel_client()
        reply = await self.async_wait_for_reply(await ensure_async(self.kc.kernel_info()))
        if reply is not None and "language_info" in reply["content"]:
            self.nb.metadata["language_info"] = reply["content"]["language_info"]

    async def _async_stop_kernel(self) -> None:
        if self.km is None:
            return
        try:
            if await self.km.is_alive():
                await self.km.shutdown_kernel(now=True)
        finally:
            await self.km.cleanup_resources()
            if self.kc is not None:
                self.kc.stop_channels()
            self.km = None
            self.kc = None

    async def _async_recover(self, ran: list[int], restarts: int) -> str | None:
        """Start a fresh kernel and replay the cells that ran; return why not, if it failed."""
        await self._async_stop_kernel()
        if restarts > self.sandbox.max_kernel_restarts:
            return (f"the kernel died or hung {restarts} times; the cells after the last "
                    "failure were not run")
        self.log.warning("Kernel died or hung: restarting it and running the %d cells before "
                         "again", len(ran))
        await self._async_start_kernel()
        for index in ran:
            if monotonic() >= self._deadline:
                return (f"the notebook ran past its time limit of "
                        f"{self.sandbox.notebook_timeout} s; this cell was not run")
            try:
                await self.async_execute_cell(copy.deepcopy(self.nb.cells[index]), index,
                                              store_history=False)
            except _KERNEL_FAILURES:
                await self._async_stop_kernel()
                return ("the kernel died or hung again while the cells before were run "
                        "again; this cell was not run")
        return None

    def _get_timeout(self, cell):
        """nbgrader's per-cell timeout, shortened to what is left of the notebook's limit."""
        timeout = super()._get_timeout(cell)
        if self._deadline is None:
            return timeout
        left = max(1, math.ceil(self._deadline - monotonic()))
        if timeout is None or left < timeout:
            self.error_on_timeout = {
                "ename": "NotebookTimeLimit",
                "evalue": f"the notebook ran past its time limit of "
                          f"{self.sandbox.notebook_timeout} s",
                "traceback": [f"NotebookTimeLimit: the notebook ran past its time limit of "
                              f"{self.sandbox.notebook_timeout} s"],
            }
            return left
        self.error_on_timeout = self._cell_timeout_error
        return timeout

    def process_message(self, msg, cell, cell_index):
        """Keep at most ``c.Sandbox.output_mib`` of output per cell, and every error."""
        if msg["msg_type"] == "error":
            content = msg["content"]
            content["evalue"] = str(content.get("evalue", ""))[:_ERROR_CHARS]
            content["traceback"] = [line[:_ERROR_CHARS]
                                    for line in content.get("traceback", [])[:200]]
        elif msg["msg_type"] in _OUTPUT_TYPES:
            key = msg["parent_header"].get("msg_id", "")  # one execution of one cell
            used = self._output_bytes.get(key, 0) + _output_size(msg["content"])
            self._output_bytes[key] = used
            limit = self.sandbox.output_mib * MIB
            if used > limit:
                if used - _output_size(msg["content"]) <= limit:
                    cell.outputs.append(new_output(
                        "stream", name="stderr",
                        text=f"\n[output beyond {self.sandbox.output_mib} MiB left out]\n"))
                return None
        return super().process_message(msg, cell, cell_index)


def _failure_output(failure: Exception) -> NotebookNode:
    if isinstance(failure, DeadKernelError):
        return error_output(
            "DeadKernelError",
            "the kernel died while running this cell (os._exit, a crash, or a limit of the "
            "sandbox); a fresh kernel ran the cells before it again and grading went on")
    return error_output(
        "CellTimeoutError",
        "the kernel did not answer after this cell was interrupted at its time limit; a fresh "
        "kernel ran the cells before it again and grading went on")


def use_sandbox(config) -> None:
    """Make nbgrader's ``Autograde`` execute submissions with :class:`SandboxedExecute`.

    Call it in ``nbgrader_config.py`` after any other change to
    ``c.Autograde.autograde_preprocessors``: it replaces nbgrader's ``Execute`` in that list
    (or in nbgrader's default list) and keeps everything else.

    Parameters
    ----------
    config : traitlets.config.Config
        The ``c`` of ``nbgrader_config.py``.
    """
    from nbgrader.converters import Autograde
    from traitlets.config import LazyConfigValue

    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    current = config.Autograde.get("autograde_preprocessors") or default
    if isinstance(current, LazyConfigValue):
        current = current.get_value(default)
    config.Autograde.autograde_preprocessors = [
        SandboxedExecute if step in (Execute, "nbgrader.preprocessors.Execute") else step
        for step in current
    ]
