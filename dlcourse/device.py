"""Which device the labs use: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceInfo:
    """What the labs will run on.

    Attributes
    ----------
    kind : str
        ``"cuda"``, ``"mps"`` or ``"cpu"``.
    name : str
        A readable name (the GPU's model, or the processor).
    torch_version : str or None
        The installed PyTorch version, or None when PyTorch is missing.
    cpu_count : int
        Logical CPU cores.
    """

    kind: str
    name: str
    torch_version: str | None
    cpu_count: int

    def describe(self) -> str:
        """Return a short paragraph for a student on what this device means for the labs."""
        if self.torch_version is None:
            return (
                "PyTorch is not installed: the first units run without it, the GPU labs (units 07 "
                "and 08) need it. Run `make lab` again or `pip install torch`."
            )
        if self.kind == "cuda":
            advice = "The GPU labs will train on this NVIDIA GPU, with mixed precision."
        elif self.kind == "mps":
            advice = "The GPU labs will train on this Apple GPU (Metal Performance Shaders)."
        else:
            advice = (
                f"No GPU found: the labs run on the CPU ({self.cpu_count} cores). Every notebook "
                "is sized to finish in a minute or two on a laptop."
            )
        return f"Device: {self.kind} ({self.name}), PyTorch {self.torch_version}. {advice}"


def pick_device(prefer: str | None = None) -> str:
    """Return the best available device name: ``"cuda"``, then ``"mps"``, then ``"cpu"``.

    Parameters
    ----------
    prefer : str, optional
        Force one of ``"cuda"``, ``"mps"`` or ``"cpu"``; the environment variable
        ``DLCOURSE_DEVICE`` does the same. A preferred device that is not available raises.

    Returns
    -------
    str
        A name ``torch.device`` accepts.

    Examples
    --------
    >>> pick_device("cpu")
    'cpu'
    """
    allowed = ("cuda", "mps", "cpu")
    prefer = prefer or os.environ.get("DLCOURSE_DEVICE") or None
    if prefer is not None and prefer not in allowed:
        raise ValueError(f"prefer must be one of {allowed}, got {prefer!r}")
    try:
        import torch
    except ImportError:
        if prefer not in (None, "cpu"):
            message = f"device {prefer!r} asked for, but PyTorch is not installed"
            raise RuntimeError(message) from None
        return "cpu"
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if prefer is not None:
        if not available[prefer]:
            raise RuntimeError(f"device {prefer!r} asked for, but it is not available here")
        return prefer
    return next(kind for kind in allowed if available[kind])


def device_info(prefer: str | None = None) -> DeviceInfo:
    """Return a :class:`DeviceInfo` for the device :func:`pick_device` chooses."""
    kind = pick_device(prefer)
    cpu_count = os.cpu_count() or 1
    try:
        import torch
    except ImportError:
        return DeviceInfo("cpu", platform.processor() or platform.machine(), None, cpu_count)
    if kind == "cuda":
        name = torch.cuda.get_device_name(0)
    elif kind == "mps":
        name = "Apple silicon GPU"
    else:
        name = platform.processor() or platform.machine()
    return DeviceInfo(kind, name, torch.__version__, cpu_count)


def print_device_info(prefer: str | None = None) -> DeviceInfo:
    """Print which device the labs will use, and return its :class:`DeviceInfo`."""
    info = device_info(prefer)
    print(info.describe())
    return info
