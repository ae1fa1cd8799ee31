"""Seeding every random generator a lesson may touch."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

DEFAULT_SEED = 42


def seed_everything(seed: int = DEFAULT_SEED) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch, and return a NumPy generator.

    PyTorch is seeded when it has been imported: import it first in the set-up cell of a
    notebook that uses it (the early units do without, and skip its few seconds of import).

    Parameters
    ----------
    seed : int
        The seed, a non-negative integer.

    Returns
    -------
    numpy.random.Generator
        A generator seeded with ``seed``; pass it to the functions that draw random numbers.

    Examples
    --------
    >>> rng = seed_everything(0)
    >>> float(rng.integers(0, 10))
    8.0
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (code that still uses the global generator)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)
